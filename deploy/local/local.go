// Package local holds the configuration templates of earshot's local stack:
// a ClickHouse server, Prometheus and Alertmanager started from the Debian
// packages with project-local configuration, data and ports (see package
// localstack, and `earshot stack up`). They live here, beside the
// production deployment files, so an operator finds every configuration
// earshot ships in deploy/.
//
// The templates use Go's text/template. Values that end up in XML go
// through the "xml" function and values that end up in YAML through the
// "yaml" function (a quoted YAML/JSON string), so a path with odd
// characters cannot break the file.
package local

import "embed"

// Templates is the tree of templates: clickhouse/config.xml.tmpl,
// clickhouse/users.xml.tmpl, prometheus/prometheus.yml.tmpl,
// alertmanager/alertmanager.yml.tmpl.
//
//go:embed clickhouse/*.tmpl prometheus/*.tmpl alertmanager/*.tmpl
var Templates embed.FS
