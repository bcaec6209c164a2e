package storage

import (
	"fmt"
	"log/slog"
)

// The ClickHouse connection is secured by Config.TLS (clickhouse.tls:
// enabled, ca_file, cert_file, key_file, server_name,
// insecure_skip_verify) and authenticated by User and Password
// (clickhouse.user, EARSHOT_CLICKHOUSE_PASSWORD or clickhouse.password_file).
// The password never appears in JSON (json:"-"), fmt output or logs.

// String shows the connection settings without the password.
func (c Config) String() string {
	return fmt.Sprintf("{addr:%s database:%s user:%s password:%s password_file:%s cluster:%s tls:%t}",
		c.Addr, c.Database, c.User, redact(c.Password), c.PasswordFile, c.Cluster, c.TLS.Enabled)
}

// GoString is String, so %#v does not print the password either.
func (c Config) GoString() string { return "storage.Config" + c.String() }

// LogValue logs the connection settings without the password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("database", c.Database),
		slog.String("user", c.User),
		slog.String("password", redact(c.Password)),
		slog.Bool("tls", c.TLS.Enabled),
	)
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}
