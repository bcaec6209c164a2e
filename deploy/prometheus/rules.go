// Package promconfig ships earshot's Prometheus alerting rules
// (earshot.rules.yml, unit-tested by earshot.rules.test.yml with promtool).
package promconfig

import _ "embed"

// Rules is earshot.rules.yml.
//
//go:embed earshot.rules.yml
var Rules []byte
