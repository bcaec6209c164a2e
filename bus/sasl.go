package bus

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// SASL mechanisms earshot speaks.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// Environment variables read by LoadSecrets.
const (
	EnvSASLUsername = "EARSHOT_KAFKA_SASL_USERNAME"
	EnvSASLPassword = "EARSHOT_KAFKA_SASL_PASSWORD"
	// EnvSASLPasswordFile overrides kafka.sasl.password_file.
	EnvSASLPasswordFile = "EARSHOT_KAFKA_SASL_PASSWORD_FILE"
)

// SASLConfig is the kafka.sasl section: authentication to the brokers.
// The password never appears in logs, JSON or %v output: give it in
// EARSHOT_KAFKA_SASL_PASSWORD or in a file (password_file), not on a
// command line.
type SASLConfig struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; empty turns SASL
	// off. Use PLAIN only over TLS (kafka.tls): it sends the password.
	Mechanism string `yaml:"mechanism" json:"mechanism"`
	// Username (env EARSHOT_KAFKA_SASL_USERNAME).
	Username string `yaml:"username" json:"username"`
	// Password (env EARSHOT_KAFKA_SASL_PASSWORD); prefer PasswordFile.
	Password string `yaml:"password" json:"-"`
	// PasswordFile holds the password (trailing white space is dropped);
	// read when Password is empty.
	PasswordFile string `yaml:"password_file" json:"password_file"`
}

// Enabled reports whether SASL is configured.
func (s SASLConfig) Enabled() bool { return s.Mechanism != "" }

// Validate names the first key that is wrong.
func (s SASLConfig) Validate() error {
	if s.Mechanism == "" {
		if s.Username != "" || s.Password != "" || s.PasswordFile != "" {
			return fmt.Errorf("kafka.sasl.mechanism: empty, but a username or password is set; set %s, %s or %s", SASLPlain, SASLScramSHA256, SASLScramSHA512)
		}
		return nil
	}
	if _, err := s.mechanism(); err != nil {
		return err
	}
	return nil
}

// mechanism builds the kafka-go SASL mechanism (nil when SASL is off).
func (s SASLConfig) mechanism() (sasl.Mechanism, error) {
	if s.Mechanism == "" {
		return nil, nil
	}
	if s.Username == "" {
		return nil, fmt.Errorf("kafka.sasl.username: empty with mechanism %s; set it or %s", s.Mechanism, EnvSASLUsername)
	}
	if s.Password == "" {
		return nil, fmt.Errorf("kafka.sasl.password: empty with mechanism %s; set %s or kafka.sasl.password_file", s.Mechanism, EnvSASLPassword)
	}
	switch strings.ToUpper(s.Mechanism) {
	case SASLPlain:
		return plain.Mechanism{Username: s.Username, Password: s.Password}, nil
	case SASLScramSHA256, SASLScramSHA512:
		algo := scram.SHA256
		if strings.ToUpper(s.Mechanism) == SASLScramSHA512 {
			algo = scram.SHA512
		}
		m, err := scram.Mechanism(algo, s.Username, s.Password)
		if err != nil {
			// The error of stringprep names neither the password nor the user.
			return nil, fmt.Errorf("kafka.sasl: %s credentials: %w", s.Mechanism, err)
		}
		return m, nil
	}
	return nil, fmt.Errorf("kafka.sasl.mechanism: %q; want %s, %s or %s", s.Mechanism, SASLPlain, SASLScramSHA256, SASLScramSHA512)
}

// LoadSecrets fills the SASL credentials from the environment
// (EARSHOT_KAFKA_SASL_USERNAME, EARSHOT_KAFKA_SASL_PASSWORD,
// EARSHOT_KAFKA_SASL_PASSWORD_FILE) and, when the password is still empty,
// from the password file.
func (c *Config) LoadSecrets(lookup func(string) (string, bool)) error {
	if v, ok := lookup(EnvSASLUsername); ok && v != "" {
		c.SASL.Username = v
	}
	if v, ok := lookup(EnvSASLPassword); ok && v != "" {
		c.SASL.Password = v
	}
	if v, ok := lookup(EnvSASLPasswordFile); ok && v != "" {
		c.SASL.PasswordFile = v
	}
	if c.SASL.Password == "" && c.SASL.PasswordFile != "" {
		b, err := os.ReadFile(c.SASL.PasswordFile)
		if err != nil {
			return fmt.Errorf("kafka.sasl.password_file: %w", err)
		}
		c.SASL.Password = strings.TrimSpace(string(b))
		if c.SASL.Password == "" {
			return fmt.Errorf("kafka.sasl.password_file: %s is empty", c.SASL.PasswordFile)
		}
	}
	return nil
}

// redacted stands for a secret that is set.
const redacted = "[redacted]"

func redact(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// String shows the section without the password.
func (s SASLConfig) String() string {
	return fmt.Sprintf("{mechanism:%s username:%s password:%s password_file:%s}", s.Mechanism, s.Username, redact(s.Password), s.PasswordFile)
}

// GoString is String, so %#v does not print the password either.
func (s SASLConfig) GoString() string { return "bus.SASLConfig" + s.String() }

// LogValue logs the section without the password.
func (s SASLConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("mechanism", s.Mechanism),
		slog.String("username", s.Username),
		slog.String("password", redact(s.Password)),
		slog.String("password_file", s.PasswordFile),
	)
}
