// Package config loads earshot's configuration: one YAML file with a section
// per concern (kafka, clickhouse, registry, log, metrics, and one per stage),
// then environment overrides (EARSHOT_*), then flags. Every section is a
// plain struct with defaults and Validate().
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/storage"
)

// Common is what every subcommand reads.
type Common struct {
	Kafka      bus.Config     `yaml:"kafka"`
	ClickHouse storage.Config `yaml:"clickhouse"`
	// Registry is the brand registry file; empty uses the embedded default.
	Registry string `yaml:"registry"`
	Log      Log    `yaml:"log"`
	// MetricsAddr serves /metrics, /healthz, /readyz ("" disables).
	MetricsAddr string `yaml:"metrics_addr"`
	// Pprof also serves Go's profiles (net/http/pprof) under /debug/pprof/
	// on MetricsAddr: CPU, heap, goroutines, for finding where a worker
	// spends its time under load (bench e2e --profile sets it).
	Pprof bool `yaml:"pprof"`
}

// Log configures log/slog.
type Log struct {
	Level string `yaml:"level"` // debug, info, warn, error
	JSON  bool   `yaml:"json"`
}

// Defaults returns the defaults for every common section.
func Defaults() Common {
	return Common{
		Kafka:       bus.DefaultConfig(),
		ClickHouse:  storage.DefaultConfig(),
		Log:         Log{Level: "info"},
		MetricsAddr: "127.0.0.1:0",
	}
}

// File is a loaded configuration file.
type File struct {
	Path     string
	sections map[string]yaml.Node
}

// Load reads path ("" gives an empty file: all defaults).
func Load(path string) (*File, error) {
	f := &File{Path: path, sections: map[string]yaml.Node{}}
	if path == "" {
		return f, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return f, nil
	}
	if err := yaml.Unmarshal(data, &f.sections); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return f, nil
}

// Section decodes the named top-level section into dst, which holds the
// defaults. Unknown keys are an error naming the key. A missing section
// leaves dst as it is.
func (f *File) Section(name string, dst any) error {
	n, ok := f.sections[name]
	if !ok {
		return nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if hasAlias(&n, 0) {
		// The section uses anchors defined elsewhere in the file, which
		// the section alone would not carry: let yaml resolve the aliases
		// (with its own limits on alias expansion), then check the keys.
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("config %s: section %s: %w", f.Path, name, err)
		}
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("config %s: section %s: %w", f.Path, name, err)
		}
	} else if err := enc.Encode(&n); err != nil {
		return fmt.Errorf("config %s: section %s: %w", f.Path, name, err)
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil && !errors.Is(err, io.EOF) { // EOF: an empty section
		return fmt.Errorf("config %s: section %s: %w", f.Path, name, err)
	}
	return nil
}

// hasAlias reports whether n contains an alias (it does not follow them).
func hasAlias(n *yaml.Node, depth int) bool {
	if n.Kind == yaml.AliasNode || depth > 10000 {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c, depth+1) {
			return true
		}
	}
	return false
}

// Common decodes the common sections over the defaults and applies the
// environment overrides.
func (f *File) Common() (Common, error) {
	c := Defaults()
	for name, dst := range map[string]any{"kafka": &c.Kafka, "clickhouse": &c.ClickHouse, "log": &c.Log, "pprof": &c.Pprof} {
		if err := f.Section(name, dst); err != nil {
			return c, err
		}
	}
	for name, dst := range map[string]*string{"registry": &c.Registry, "metrics_addr": &c.MetricsAddr} {
		if err := f.Section(name, dst); err != nil {
			return c, err
		}
	}
	if err := ApplyEnv(&c, os.LookupEnv); err != nil {
		return c, err
	}
	return c, nil
}

// Env variables read by ApplyEnv.
const (
	EnvKafkaBrokers       = "EARSHOT_KAFKA_BROKERS"
	EnvClickHouseAddr     = "EARSHOT_CLICKHOUSE_ADDR"
	EnvClickHouseDatabase = "EARSHOT_CLICKHOUSE_DATABASE"
	EnvClickHouseUser     = "EARSHOT_CLICKHOUSE_USER"
	EnvClickHousePassword = "EARSHOT_CLICKHOUSE_PASSWORD"
	EnvClickHouseCluster  = "EARSHOT_CLICKHOUSE_CLUSTER"
	// EnvClickHousePasswordFile names a file holding the password (e.g. a
	// mounted secret); the password itself, when set, wins.
	EnvClickHousePasswordFile = "EARSHOT_CLICKHOUSE_PASSWORD_FILE"
	EnvRegistry               = "EARSHOT_REGISTRY"
	EnvKafkaCompression       = "EARSHOT_KAFKA_COMPRESSION"
	EnvLogLevel               = "EARSHOT_LOG_LEVEL"
	EnvMetricsAddr            = "EARSHOT_METRICS_ADDR"
	EnvPprof                  = "EARSHOT_PPROF"
)

// ApplyEnv overrides c from the environment.
func ApplyEnv(c *Common, lookup func(string) (string, bool)) error {
	if v, ok := lookup(EnvKafkaBrokers); ok && v != "" {
		c.Kafka.Brokers = bus.ParseBrokers(v)
	}
	if v, ok := lookup(EnvKafkaCompression); ok && v != "" {
		c.Kafka.Compression = v
	}
	if v, ok := lookup(EnvClickHouseAddr); ok && v != "" {
		c.ClickHouse.Addr = v
	}
	if v, ok := lookup(EnvClickHouseDatabase); ok && v != "" {
		c.ClickHouse.Database = v
	}
	if v, ok := lookup(EnvClickHouseUser); ok && v != "" {
		c.ClickHouse.User = v
	}
	if v, ok := lookup(EnvClickHousePassword); ok {
		c.ClickHouse.Password = v
	}
	if v, ok := lookup(EnvClickHouseCluster); ok {
		c.ClickHouse.Cluster = v
	}
	if v, ok := lookup(EnvRegistry); ok {
		c.Registry = v
	}
	if v, ok := lookup(EnvLogLevel); ok && v != "" {
		c.Log.Level = v
	}
	if v, ok := lookup(EnvMetricsAddr); ok {
		c.MetricsAddr = v
	}
	if v, ok := lookup(EnvPprof); ok && v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s=%q: want true or false", EnvPprof, v)
		}
		c.Pprof = on
	}
	if v, ok := lookup(EnvClickHousePasswordFile); ok && v != "" {
		c.ClickHouse.PasswordFile = v
	}
	if err := c.Kafka.LoadSecrets(lookup); err != nil {
		return err
	}
	if c.ClickHouse.PasswordFile != "" && c.ClickHouse.Password == "" {
		b, err := os.ReadFile(c.ClickHouse.PasswordFile)
		if err != nil {
			return fmt.Errorf("clickhouse.password_file: %w", err)
		}
		c.ClickHouse.Password = strings.TrimSpace(string(b))
	}
	return nil
}

// Validate checks every common section.
func (c Common) Validate() error {
	return errors.Join(c.Kafka.Validate(), c.ClickHouse.Validate())
}

// Duration is a helper for flags and YAML: a time.Duration that also
// accepts plain seconds.
func Duration(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	// The whole string must be a number: "5x" or "10 apples" are not 5 s.
	if secs, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsNaN(secs) && math.Abs(secs) < math.MaxInt64/float64(time.Second) {
		return time.Duration(secs * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("%q is not a duration (e.g. 500ms, 10s, 5m)", s)
}

// Has reports whether the file has a top-level section.
func (f *File) Has(name string) bool {
	_, ok := f.sections[name]
	return ok
}
