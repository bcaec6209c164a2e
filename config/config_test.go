package config_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/storage"
)

var envVars = []string{
	config.EnvKafkaBrokers,
	config.EnvKafkaCompression,
	config.EnvClickHouseAddr,
	config.EnvClickHouseDatabase,
	config.EnvClickHouseUser,
	config.EnvClickHousePassword,
	config.EnvClickHouseCluster,
	config.EnvRegistry,
	config.EnvLogLevel,
	config.EnvMetricsAddr,
	config.EnvPprof,
}

// clearEnv unsets every EARSHOT_* variable Common reads, for this test.
func clearEnv(tb testing.TB) {
	tb.Helper()
	t, ok := tb.(interface{ Setenv(string, string) })
	if !ok {
		tb.Fatalf("clearEnv needs a *testing.T or *testing.B")
	}
	for _, k := range envVars {
		t.Setenv(k, "") // restores the old value when the test ends
		if err := os.Unsetenv(k); err != nil {
			tb.Fatal(err)
		}
	}
}

// writeFile writes content to a new file in a temporary directory.
func writeFile(tb testing.TB, name, content string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

func load(tb testing.TB, content string) *config.File {
	tb.Helper()
	p := writeFile(tb, "earshot.yaml", content)
	f, err := config.Load(p)
	if err != nil {
		tb.Fatalf("Load(%s): %v", p, err)
	}
	if f.Path != p {
		tb.Fatalf("File.Path = %q, want %q", f.Path, p)
	}
	return f
}

func common(tb testing.TB, f *config.File) config.Common {
	tb.Helper()
	c, err := f.Common()
	if err != nil {
		tb.Fatalf("Common(): %v", err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	d := config.Defaults()
	if !reflect.DeepEqual(d.Kafka, bus.DefaultConfig()) {
		t.Errorf("Defaults().Kafka = %+v, want bus.DefaultConfig()", d.Kafka)
	}
	if !reflect.DeepEqual(d.ClickHouse, storage.DefaultConfig()) {
		t.Errorf("Defaults().ClickHouse = %+v, want storage.DefaultConfig()", d.ClickHouse)
	}
	if d.Log != (config.Log{Level: "info"}) {
		t.Errorf("Defaults().Log = %+v", d.Log)
	}
	if d.MetricsAddr != "127.0.0.1:0" || d.Registry != "" {
		t.Errorf("Defaults() metrics_addr %q registry %q", d.MetricsAddr, d.Registry)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("Defaults().Validate() = %v", err)
	}
}

func TestLoadEmptyPath(t *testing.T) {
	clearEnv(t)
	f, err := config.Load("")
	if err != nil {
		t.Fatalf(`Load("") = %v`, err)
	}
	for _, s := range []string{"kafka", "clickhouse", "log", "registry", "metrics_addr"} {
		if f.Has(s) {
			t.Errorf("Has(%q) on an empty configuration", s)
		}
	}
	if got := common(t, f); !reflect.DeepEqual(got, config.Defaults()) {
		t.Fatalf("Common() = %+v, want the defaults %+v", got, config.Defaults())
	}
	var stage struct{ Workers int }
	stage.Workers = 3
	if err := f.Section("enrich", &stage); err != nil || stage.Workers != 3 {
		t.Fatalf("Section of a missing section = %v, workers %d; want nil, 3 (defaults kept)", err, stage.Workers)
	}
}

func TestLoadBlankFiles(t *testing.T) {
	clearEnv(t)
	for name, content := range map[string]string{
		"empty":        "",
		"whitespace":   " \n\t\n",
		"comment only": "# nothing configured yet\n",
		"null":         "~\n",
		"doc marker":   "---\n",
	} {
		t.Run(name, func(t *testing.T) {
			f := load(t, content)
			if got := common(t, f); !reflect.DeepEqual(got, config.Defaults()) {
				t.Fatalf("Common() = %+v, want the defaults", got)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := config.Load(p)
	if err == nil {
		t.Fatal("Load of a missing file: nil error")
	}
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), p) {
		t.Fatalf("Load error %q: want a not-exist error naming %s", err, p)
	}
}

const fullFile = `
kafka:
  brokers: [kafka-1:9092, kafka-2:9092]
  client_id: earshot-prod
  raw_topic: t.raw
  enriched_topic: t.enriched
  dlq_topic: t.dlq
  partitions: 24
  replication_factor: 3
  write_batch_size: 5000
  write_batch_timeout: 50ms
  dial_timeout: 3s
  compression: zstd
clickhouse:
  addr: ch.internal:9440
  database: social
  user: earshot
  password: s3cret
  password_file: /run/secrets/ch
  cluster: main
  dial_timeout: 2s
  read_timeout: 1m
  retention_months: 13
registry: /etc/earshot/brands.yaml
log:
  level: debug
  json: true
metrics_addr: 0.0.0.0:9464
pprof: true
enrich:
  workers: 4
  model: vader
`

func TestLoadEverySection(t *testing.T) {
	clearEnv(t)
	f := load(t, fullFile)
	for _, s := range []string{"kafka", "clickhouse", "registry", "log", "metrics_addr", "pprof", "enrich"} {
		if !f.Has(s) {
			t.Errorf("Has(%q) = false", s)
		}
	}
	if f.Has("sink") || f.Has("workers") {
		t.Errorf("Has reports a section that is not in the file (or a nested key)")
	}
	got := common(t, f)
	want := config.Common{
		Kafka: bus.Config{
			Brokers:           []string{"kafka-1:9092", "kafka-2:9092"},
			ClientID:          "earshot-prod",
			RawTopic:          "t.raw",
			EnrichedTopic:     "t.enriched",
			DLQTopic:          "t.dlq",
			Partitions:        24,
			ReplicationFactor: 3,
			WriteBatchSize:    5000,
			WriteBatchTimeout: 50 * time.Millisecond,
			DialTimeout:       3 * time.Second,
			Compression:       "zstd",
		},
		ClickHouse: storage.Config{
			Addr:            "ch.internal:9440",
			Database:        "social",
			User:            "earshot",
			Password:        "s3cret", // set, so password_file is not read
			PasswordFile:    "/run/secrets/ch",
			Cluster:         "main",
			DialTimeout:     2 * time.Second,
			ReadTimeout:     time.Minute,
			RetentionMonths: 13,
		},
		Registry:    "/etc/earshot/brands.yaml",
		Log:         config.Log{Level: "debug", JSON: true},
		MetricsAddr: "0.0.0.0:9464",
		Pprof:       true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Common() =\n%+v\nwant\n%+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	// A stage section is read with Section into the stage's own struct.
	var stage struct {
		Workers int    `yaml:"workers"`
		Model   string `yaml:"model"`
		Batch   int    `yaml:"batch"`
	}
	stage.Batch = 100
	if err := f.Section("enrich", &stage); err != nil {
		t.Fatalf("Section(enrich): %v", err)
	}
	if stage.Workers != 4 || stage.Model != "vader" || stage.Batch != 100 {
		t.Fatalf("Section(enrich) = %+v, want workers 4, model vader, batch 100 (default kept)", stage)
	}
}

// TestSectionKeepsDefaults: a section overrides only the keys it has.
func TestSectionKeepsDefaults(t *testing.T) {
	clearEnv(t)
	f := load(t, "kafka:\n  partitions: 12\nclickhouse:\n  database: other\n")
	got := common(t, f)
	want := config.Defaults()
	want.Kafka.Partitions = 12
	want.ClickHouse.Database = "other"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Common() = %+v, want %+v", got, want)
	}
}

func TestSectionErrors(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name, content string
		want          []string // substrings of Common's error
	}{
		{"unknown kafka key", "kafka:\n  brokerz: [a:1]\n", []string{"section kafka", "brokerz"}},
		{"unknown clickhouse key", "clickhouse:\n  adress: x:9000\n", []string{"section clickhouse", "adress"}},
		{"unknown log key", "log:\n  level: info\n  format: json\n", []string{"section log", "format"}},
		{"nested unknown key", "kafka:\n  partitions: 3\n  tls_mode:\n    enabled: true\n", []string{"section kafka", "tls_mode"}},
		{"wrong type", "kafka:\n  partitions: many\n", []string{"section kafka", "many"}},
		{"integer duration", "kafka:\n  write_batch_timeout: 10\n", []string{"section kafka", "time.Duration"}},
		{"section is a list", "kafka:\n  - a:1\n", []string{"section kafka"}},
		{"scalar section is a map", "metrics_addr:\n  host: x\n", []string{"section metrics_addr"}},
		{"registry is a list", "registry: [a, b]\n", []string{"section registry"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := load(t, tt.content)
			_, err := f.Common()
			if err == nil {
				t.Fatalf("Common() of %q: nil error", tt.content)
			}
			for _, w := range append(tt.want, f.Path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Common() error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestSectionUnknownKeyInStageSection(t *testing.T) {
	f := load(t, "sink:\n  batch_rows: 10\n  bacth_bytes: 5\n")
	var cfg struct {
		BatchRows  int `yaml:"batch_rows"`
		BatchBytes int `yaml:"batch_bytes"`
	}
	err := f.Section("sink", &cfg)
	if err == nil || !strings.Contains(err.Error(), "bacth_bytes") || !strings.Contains(err.Error(), "section sink") {
		t.Fatalf("Section(sink) = %v, want an error naming section sink and bacth_bytes", err)
	}
}

// TestEmptySection: a section with every key commented out is an empty
// section, not an error.
func TestEmptySection(t *testing.T) {
	clearEnv(t)
	for _, content := range []string{
		"kafka:\n  # brokers: [a:1]\nlog:\n  level: warn\n",
		"kafka: ~\nlog:\n  level: warn\n",
		"kafka: {}\nlog:\n  level: warn\n",
	} {
		f := load(t, content)
		if !f.Has("kafka") {
			t.Errorf("%q: Has(kafka) = false", content)
		}
		got := common(t, f)
		if !reflect.DeepEqual(got.Kafka, bus.DefaultConfig()) || got.Log.Level != "warn" {
			t.Errorf("%q: Common() = %+v, want kafka defaults and level warn", content, got)
		}
	}
}

// TestAnchors: YAML anchors and merge keys may share settings between
// sections.
func TestAnchors(t *testing.T) {
	clearEnv(t)
	f := load(t, `
x-timeouts: &timeouts
  dial_timeout: 4s
x-log: &log
  level: error
kafka:
  <<: *timeouts
  partitions: 6
clickhouse:
  <<: *timeouts
  database: shared
log: *log
`)
	got := common(t, f)
	want := config.Defaults()
	want.Kafka.DialTimeout, want.Kafka.Partitions = 4*time.Second, 6
	want.ClickHouse.DialTimeout, want.ClickHouse.Database = 4*time.Second, "shared"
	want.Log.Level = "error"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Common() = %+v, want %+v", got, want)
	}
	// Strictness holds through an alias.
	f = load(t, "x: &k\n  brokerz: [a:1]\nkafka: *k\n")
	if _, err := f.Common(); err == nil || !strings.Contains(err.Error(), "brokerz") {
		t.Fatalf("Common() with an unknown key behind an alias = %v, want an error naming brokerz", err)
	}
}

func TestLoadMalformed(t *testing.T) {
	tests := map[string]string{
		"unclosed flow":  "kafka: {brokers: [a:1\n",
		"bad indent":     "kafka:\n  brokers: [a:1]\n bad: 1\n",
		"tab indent":     "kafka:\n\tpartitions: 3\n",
		"top-level list": "- kafka\n- clickhouse\n",
		"top-level text": "just some words\n",
		"duplicate key":  "log:\n  level: info\nlog:\n  level: debug\n",
		"unknown alias":  "kafka: *nowhere\n",
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, "bad.yaml", content)
			f, err := config.Load(p)
			if err == nil {
				t.Fatalf("Load(%q) = %+v, nil error", content, f)
			}
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("Load error %q does not name the file", err)
			}
		})
	}
}

func TestHas(t *testing.T) {
	f := load(t, "kafka:\n  partitions: 2\nEnrich: {}\nempty:\n")
	for name, want := range map[string]bool{
		"kafka":      true,
		"Enrich":     true,
		"enrich":     false, // section names are case sensitive
		"empty":      true,
		"partitions": false, // not top-level
		"":           false,
	} {
		if got := f.Has(name); got != want {
			t.Errorf("Has(%q) = %v, want %v", name, got, want)
		}
	}
}

// env is a lookup function over a map.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestApplyEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want func(*config.Common)
	}{
		{"nothing set", nil, func(*config.Common) {}},
		{"kafka brokers", map[string]string{config.EnvKafkaBrokers: "k1:9092, k2:9093"},
			func(c *config.Common) { c.Kafka.Brokers = []string{"k1:9092", "k2:9093"} }},
		{"kafka brokers empty is ignored", map[string]string{config.EnvKafkaBrokers: ""}, func(*config.Common) {}},
		{"kafka compression", map[string]string{config.EnvKafkaCompression: "zstd"},
			func(c *config.Common) { c.Kafka.Compression = "zstd" }},
		{"kafka compression empty is ignored", map[string]string{config.EnvKafkaCompression: ""}, func(*config.Common) {}},
		{"clickhouse addr", map[string]string{config.EnvClickHouseAddr: "ch:9001"},
			func(c *config.Common) { c.ClickHouse.Addr = "ch:9001" }},
		{"clickhouse addr empty is ignored", map[string]string{config.EnvClickHouseAddr: ""}, func(*config.Common) {}},
		{"clickhouse database", map[string]string{config.EnvClickHouseDatabase: "db2"},
			func(c *config.Common) { c.ClickHouse.Database = "db2" }},
		{"clickhouse database empty is ignored", map[string]string{config.EnvClickHouseDatabase: ""}, func(*config.Common) {}},
		{"clickhouse user", map[string]string{config.EnvClickHouseUser: "bob"},
			func(c *config.Common) { c.ClickHouse.User = "bob" }},
		{"clickhouse user empty is ignored", map[string]string{config.EnvClickHouseUser: ""}, func(*config.Common) {}},
		{"clickhouse password", map[string]string{config.EnvClickHousePassword: "pw"},
			func(c *config.Common) { c.ClickHouse.Password = "pw" }},
		// Empty values that mean something are applied.
		{"clickhouse password empty clears it", map[string]string{config.EnvClickHousePassword: ""},
			func(c *config.Common) { c.ClickHouse.Password = "" }},
		{"clickhouse cluster", map[string]string{config.EnvClickHouseCluster: "earshot"},
			func(c *config.Common) { c.ClickHouse.Cluster = "earshot" }},
		{"clickhouse cluster empty means one server", map[string]string{config.EnvClickHouseCluster: ""},
			func(c *config.Common) { c.ClickHouse.Cluster = "" }},
		{"registry", map[string]string{config.EnvRegistry: "/r.yaml"},
			func(c *config.Common) { c.Registry = "/r.yaml" }},
		{"registry empty selects the embedded default", map[string]string{config.EnvRegistry: ""},
			func(c *config.Common) { c.Registry = "" }},
		{"log level", map[string]string{config.EnvLogLevel: "debug"},
			func(c *config.Common) { c.Log.Level = "debug" }},
		{"log level empty is ignored", map[string]string{config.EnvLogLevel: ""}, func(*config.Common) {}},
		{"metrics addr", map[string]string{config.EnvMetricsAddr: ":9464"},
			func(c *config.Common) { c.MetricsAddr = ":9464" }},
		{"metrics addr empty disables the server", map[string]string{config.EnvMetricsAddr: ""},
			func(c *config.Common) { c.MetricsAddr = "" }},
		{"pprof on", map[string]string{config.EnvPprof: "true"},
			func(c *config.Common) { c.Pprof = true }},
		{"pprof 1", map[string]string{config.EnvPprof: "1"},
			func(c *config.Common) { c.Pprof = true }},
		{"pprof empty leaves it", map[string]string{config.EnvPprof: ""},
			func(*config.Common) {}},
		{"all at once", map[string]string{
			config.EnvKafkaBrokers: "k:1", config.EnvClickHouseAddr: "c:2", config.EnvClickHouseDatabase: "d",
			config.EnvClickHouseUser: "u", config.EnvClickHousePassword: "p", config.EnvRegistry: "r",
			config.EnvLogLevel: "warn", config.EnvMetricsAddr: "m:3",
		}, func(c *config.Common) {
			c.Kafka.Brokers = []string{"k:1"}
			c.ClickHouse.Addr, c.ClickHouse.Database, c.ClickHouse.User, c.ClickHouse.Password = "c:2", "d", "u", "p"
			c.Registry, c.Log.Level, c.MetricsAddr = "r", "warn", "m:3"
		}},
		{"unrelated variables are ignored", map[string]string{"EARSHOT_KAFKA_BROKER": "x:1", "KAFKA_BROKERS": "y:2"}, func(*config.Common) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Start from values that differ from every override.
			start := config.Defaults()
			start.ClickHouse.Password = "from-file"
			start.Registry = "/from/file.yaml"
			start.MetricsAddr = "127.0.0.1:1"
			got := start
			want := start
			want.Kafka.Brokers = append([]string(nil), start.Kafka.Brokers...)
			tt.want(&want)
			if err := config.ApplyEnv(&got, env(tt.env)); err != nil {
				t.Fatalf("ApplyEnv: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("ApplyEnv =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestApplyEnvPprofInvalid(t *testing.T) {
	c := config.Defaults()
	err := config.ApplyEnv(&c, env(map[string]string{config.EnvPprof: "yes please"}))
	if err == nil || !strings.Contains(err.Error(), config.EnvPprof) {
		t.Fatalf("ApplyEnv(%s=yes please) = %v, want an error naming it", config.EnvPprof, err)
	}
}

func TestApplyEnvPasswordFile(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("  hunter2 \n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")

	tests := []struct {
		name     string
		password string // from the file
		pwFile   string
		env      map[string]string
		want     string
		wantErr  bool
	}{
		{name: "read and trimmed", pwFile: pwFile, want: "hunter2"},
		{name: "password wins over the file", password: "direct", pwFile: missing, want: "direct"},
		{name: "env password wins over the file", pwFile: missing, env: map[string]string{config.EnvClickHousePassword: "fromenv"}, want: "fromenv"},
		{name: "empty env password falls back to the file", password: "direct", pwFile: pwFile, env: map[string]string{config.EnvClickHousePassword: ""}, want: "hunter2"},
		{name: "missing file", pwFile: missing, wantErr: true},
		{name: "directory", pwFile: dir, wantErr: true},
		{name: "no file, no password", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Defaults()
			c.ClickHouse.Password, c.ClickHouse.PasswordFile = tt.password, tt.pwFile
			err := config.ApplyEnv(&c, env(tt.env))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ApplyEnv with password_file %s: nil error", tt.pwFile)
				}
				if !strings.HasPrefix(err.Error(), "clickhouse.password_file:") || !strings.Contains(err.Error(), tt.pwFile) {
					t.Fatalf("ApplyEnv error %q: want it to name clickhouse.password_file and %s", err, tt.pwFile)
				}
				return
			}
			if err != nil {
				t.Fatalf("ApplyEnv: %v", err)
			}
			if c.ClickHouse.Password != tt.want {
				t.Fatalf("password = %q, want %q", c.ClickHouse.Password, tt.want)
			}
		})
	}
}

// TestCommonAppliesEnv: Common reads the process environment over the
// file.
func TestCommonAppliesEnv(t *testing.T) {
	clearEnv(t)
	f := load(t, "kafka:\n  brokers: [file:9092]\n  partitions: 3\nmetrics_addr: 127.0.0.1:9999\n")
	t.Setenv(config.EnvKafkaBrokers, "env1:9092,env2:9092")
	t.Setenv(config.EnvMetricsAddr, "")
	c := common(t, f)
	if !reflect.DeepEqual(c.Kafka.Brokers, []string{"env1:9092", "env2:9092"}) || c.Kafka.Partitions != 3 {
		t.Errorf("kafka = %+v, want env brokers and partitions 3 from the file", c.Kafka)
	}
	if c.MetricsAddr != "" {
		t.Errorf("metrics_addr = %q, want empty from the environment", c.MetricsAddr)
	}

	pw := writeFile(t, "pw", "filepw\n")
	f = load(t, "clickhouse:\n  password_file: "+pw+"\n")
	if c := common(t, f); c.ClickHouse.Password != "filepw" {
		t.Errorf("password = %q, want filepw from password_file", c.ClickHouse.Password)
	}
	f = load(t, "clickhouse:\n  password_file: "+pw+".missing\n")
	if _, err := f.Common(); err == nil || !strings.Contains(err.Error(), "clickhouse.password_file") {
		t.Errorf("Common() with a missing password file = %v, want a clickhouse.password_file error", err)
	}
}

func TestCommonValidate(t *testing.T) {
	c := config.Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}

	c = config.Defaults()
	c.Kafka.Brokers = nil
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "kafka.brokers") || strings.Contains(err.Error(), "clickhouse.") {
		t.Errorf("kafka only: %v", err)
	}

	c = config.Defaults()
	c.ClickHouse.Database = "bad-name"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "clickhouse.database") || strings.Contains(err.Error(), "kafka.") {
		t.Errorf("clickhouse only: %v", err)
	}

	// Both wrong: both reported, each on its own line.
	c = config.Defaults()
	c.Kafka.Partitions = 0
	c.ClickHouse.Addr = "nohostport"
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() with kafka and clickhouse wrong: nil error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "kafka.partitions:") || !strings.HasPrefix(lines[1], "clickhouse.addr:") {
		t.Fatalf("Validate() = %q, want a kafka.partitions line then a clickhouse.addr line", err)
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "500ms", want: 500 * time.Millisecond},
		{in: "10s", want: 10 * time.Second},
		{in: "5m", want: 5 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "-2s", want: -2 * time.Second},
		{in: "0", want: 0},
		{in: "10", want: 10 * time.Second},
		{in: "1.5", want: 1500 * time.Millisecond},
		{in: "0.001", want: time.Millisecond},
		{in: " 30 ", want: 30 * time.Second},
		{in: "1e2", want: 100 * time.Second},
		{in: "", wantErr: true},
		{in: "abc", wantErr: true},
		{in: "5x", wantErr: true},
		{in: "10 apples", wantErr: true},
		{in: "10s5", wantErr: true},
		{in: "NaN", wantErr: true},
		{in: "Inf", wantErr: true},
		{in: "-Inf", wantErr: true},
		{in: "1e300", wantErr: true}, // would overflow time.Duration
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := config.Duration(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Duration(%q) = %s, want an error", tt.in, got)
				}
				if !strings.Contains(err.Error(), "not a duration") {
					t.Fatalf("Duration(%q) error %q does not say what is wrong", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Duration(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
	// The largest accepted plain number stays positive.
	if d, err := config.Duration("9e9"); err != nil || d <= 0 || d > time.Duration(math.MaxInt64) {
		t.Fatalf("Duration(9e9) = %d, %v", d, err)
	}
}
