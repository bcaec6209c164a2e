// Package amconfig ships earshot's Alertmanager configuration
// (alertmanager.yml, checked with amtool check-config).
package amconfig

import _ "embed"

// Config is alertmanager.yml.
//
//go:embed alertmanager.yml
var Config []byte
