// Package tlsconf is the client-side TLS section shared by earshot's Kafka
// and ClickHouse connections: a CA bundle, an optional client certificate
// (mutual TLS), the server name to verify, and an explicit, off-by-default
// switch to skip verification.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// Config is the `tls:` section of kafka and clickhouse.
type Config struct {
	// Enabled turns TLS on. The other keys are ignored without it.
	Enabled bool `yaml:"enabled" json:"enabled"`
	// CAFile is a PEM bundle of the CAs that sign the servers'
	// certificates; empty uses the system roots.
	CAFile string `yaml:"ca_file" json:"ca_file"`
	// CertFile and KeyFile (PEM) are this client's certificate and key for
	// servers that require mutual TLS; both or neither.
	CertFile string `yaml:"cert_file" json:"cert_file"`
	KeyFile  string `yaml:"key_file" json:"key_file"`
	// ServerName is the name verified in the servers' certificates (and
	// sent as SNI); empty uses the host of the address dialled.
	ServerName string `yaml:"server_name" json:"server_name"`
	// InsecureSkipVerify accepts any server certificate. Off by default;
	// for a throw-away test cluster only: it defeats TLS.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify" json:"insecure_skip_verify"`
}

// Validate checks the section and loads its files, so that a wrong path
// or a bad PEM fails at start-up; prefix names the section in errors
// (e.g. "kafka.tls").
func (c Config) Validate(prefix string) error {
	if !c.Enabled {
		if c.CAFile != "" || c.CertFile != "" || c.KeyFile != "" || c.ServerName != "" || c.InsecureSkipVerify {
			return fmt.Errorf("%s.enabled: false, but other %s keys are set; set enabled: true or remove them", prefix, prefix)
		}
		return nil
	}
	_, err := c.Client(prefix)
	return err
}

// Client returns the client TLS configuration, or nil when TLS is off.
// Errors name the key (prefix.ca_file, prefix.cert_file …) and the file.
func (c Config) Client(prefix string) (*tls.Config, error) {
	if !c.Enabled {
		return nil, nil
	}
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         c.ServerName,
		InsecureSkipVerify: c.InsecureSkipVerify, //nolint:gosec // an explicit, documented, off-by-default switch
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%s.ca_file: %w", prefix, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s.ca_file: %s holds no PEM certificate", prefix, c.CAFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case c.CertFile != "" && c.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%s.cert_file / %s.key_file: %w", prefix, prefix, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case c.CertFile != "" || c.KeyFile != "":
		return nil, errors.New(prefix + ".cert_file / " + prefix + ".key_file: set both (mutual TLS) or neither")
	}
	return cfg, nil
}
