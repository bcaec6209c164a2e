// Package storage is earshot's ClickHouse layer: connection settings, the
// versioned schema migrations, and helpers shared by the sink, the
// leaderboard, the dashboards and the reports.
package storage

import (
	"fmt"
	"net"
	"regexp"
	"time"

	"github.com/earshot-dev/earshot/internal/tlsconf"
)

// Config says where ClickHouse is.
type Config struct {
	// Addr is the native-protocol address, host:port (env EARSHOT_CLICKHOUSE_ADDR).
	Addr     string `yaml:"addr" json:"addr"`
	Database string `yaml:"database" json:"database"`
	User     string `yaml:"user" json:"user"`
	// Password; prefer PasswordFile or env EARSHOT_CLICKHOUSE_PASSWORD.
	Password     string `yaml:"password" json:"-"`
	PasswordFile string `yaml:"password_file" json:"password_file"`
	// Cluster, when set, creates Replicated/Distributed tables ON CLUSTER.
	Cluster     string        `yaml:"cluster" json:"cluster"`
	DialTimeout time.Duration `yaml:"dial_timeout" json:"dial_timeout"`
	ReadTimeout time.Duration `yaml:"read_timeout" json:"read_timeout"`
	// Retention drops monthly partitions older than this many months (0 keeps all).
	RetentionMonths int `yaml:"retention_months" json:"retention_months"`
	// TLS secures the native connection (the server's tcp_port_secure,
	// 9440 by convention); see tls.go.
	TLS tlsconf.Config `yaml:"tls" json:"tls"`
}

// DefaultConfig is a local server, database "earshot", user "default".
func DefaultConfig() Config {
	return Config{
		Addr:        "127.0.0.1:9000",
		Database:    "earshot",
		User:        "default",
		DialTimeout: 10 * time.Second,
		ReadTimeout: 5 * time.Minute,
	}
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate names the first field that is wrong.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("clickhouse.addr: %q is not host:port (set EARSHOT_CLICKHOUSE_ADDR)", c.Addr)
	}
	if !identRe.MatchString(c.Database) {
		return fmt.Errorf("clickhouse.database: %q is not a plain identifier", c.Database)
	}
	if c.User == "" {
		return fmt.Errorf("clickhouse.user: empty")
	}
	if c.Cluster != "" && !identRe.MatchString(c.Cluster) {
		return fmt.Errorf("clickhouse.cluster: %q is not a plain identifier", c.Cluster)
	}
	if c.DialTimeout <= 0 {
		return fmt.Errorf("clickhouse.dial_timeout: %s, want > 0", c.DialTimeout)
	}
	if c.RetentionMonths < 0 {
		return fmt.Errorf("clickhouse.retention_months: %d, want ≥ 0", c.RetentionMonths)
	}
	return c.TLS.Validate("clickhouse.tls")
}
