package localstack

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// chConfig is the part of config.xml the tests check.
type chConfig struct {
	XMLName         xml.Name `xml:"yandex"`
	ListenHost      []string `xml:"listen_host"`
	TCPPort         int      `xml:"tcp_port"`
	HTTPPort        int      `xml:"http_port"`
	InterserverPort int      `xml:"interserver_http_port"`
	Path            string   `xml:"path"`
	TmpPath         string   `xml:"tmp_path"`
	UserFilesPath   string   `xml:"user_files_path"`
	FormatSchema    string   `xml:"format_schema_path"`
	MarkCache       int64    `xml:"mark_cache_size"`
	UncompCache     int64    `xml:"uncompressed_cache_size"`
	Logger          struct {
		Level    string `xml:"level"`
		Log      string `xml:"log"`
		ErrorLog string `xml:"errorlog"`
	} `xml:"logger"`
	RemoteServers struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"remote_servers"`
}

type chUsers struct {
	Profiles struct {
		Default struct {
			MaxMemory int64 `xml:"max_memory_usage"`
		} `xml:"default"`
		Readonly struct {
			Readonly int `xml:"readonly"`
		} `xml:"readonly"`
	} `xml:"profiles"`
	Users struct {
		Default struct {
			Password string   `xml:"password"`
			IPs      []string `xml:"networks>ip"`
			Profile  string   `xml:"profile"`
		} `xml:"default"`
		Grafana struct {
			IPs     []string `xml:"networks>ip"`
			Profile string   `xml:"profile"`
		} `xml:"grafana"`
	} `xml:"users"`
}

func TestRenderClickHouse(t *testing.T) {
	cases := []struct {
		name  string
		cfg   ClickHouseConfig
		check func(t *testing.T, c chConfig, raw string)
	}{
		{
			name: "defaults",
			cfg:  ClickHouseConfig{Dir: "/x/ch", TCPPort: 19001, HTTPPort: 18124, InterserverPort: 19010},
			check: func(t *testing.T, c chConfig, raw string) {
				if len(c.ListenHost) != 1 || c.ListenHost[0] != "127.0.0.1" {
					t.Errorf("listen_host = %v, want only 127.0.0.1", c.ListenHost)
				}
				if c.TCPPort != 19001 || c.HTTPPort != 18124 || c.InterserverPort != 19010 {
					t.Errorf("ports = %d/%d/%d", c.TCPPort, c.HTTPPort, c.InterserverPort)
				}
				for name, got := range map[string]string{
					"path": c.Path, "tmp_path": c.TmpPath, "user_files_path": c.UserFilesPath, "format_schema_path": c.FormatSchema,
				} {
					if !strings.HasPrefix(got, "/x/ch/data/") {
						t.Errorf("%s = %q, want under /x/ch/data/", name, got)
					}
				}
				if c.Logger.Log != "/x/ch/logs/clickhouse-server.log" || c.Logger.ErrorLog != "/x/ch/logs/clickhouse-server.err.log" {
					t.Errorf("logs = %q, %q", c.Logger.Log, c.Logger.ErrorLog)
				}
				if c.Logger.Level != "information" {
					t.Errorf("log level %q", c.Logger.Level)
				}
				if c.MarkCache != 256<<20 || c.UncompCache != 256<<20 {
					t.Errorf("caches = %d, %d; want the 256 MiB defaults", c.MarkCache, c.UncompCache)
				}
				if strings.Contains(string(c.RemoteServers.Inner), "<shard>") {
					t.Errorf("remote_servers has shards without clusters: %s", c.RemoteServers.Inner)
				}
			},
		},
		{
			name: "escapes paths",
			cfg:  ClickHouseConfig{Dir: "/x/a&b<c>", LogDir: "/l/&", TCPPort: 1, HTTPPort: 2, InterserverPort: 3},
			check: func(t *testing.T, c chConfig, raw string) {
				if c.Path != "/x/a&b<c>/data/" || c.Logger.Log != "/l/&/clickhouse-server.log" {
					t.Errorf("path %q, log %q", c.Path, c.Logger.Log)
				}
			},
		},
		{
			name: "cluster",
			cfg: ClickHouseConfig{Dir: "/x", TCPPort: 1, HTTPPort: 2, InterserverPort: 3, LogLevel: "debug",
				Clusters: map[string][][]Replica{"earshot": {{{Host: "127.0.0.1", Port: 9001}}, {{Host: "127.0.0.1", Port: 9002}}}}},
			check: func(t *testing.T, c chConfig, raw string) {
				var rs struct {
					Shards []struct {
						Replicas []struct {
							Host string `xml:"host"`
							Port int    `xml:"port"`
						} `xml:"replica"`
					} `xml:"earshot>shard"`
				}
				if err := xml.Unmarshal([]byte("<r>"+string(c.RemoteServers.Inner)+"</r>"), &rs); err != nil {
					t.Fatal(err)
				}
				if len(rs.Shards) != 2 || rs.Shards[0].Replicas[0].Port != 9001 || rs.Shards[1].Replicas[0].Port != 9002 {
					t.Errorf("remote_servers = %+v", rs)
				}
				if c.Logger.Level != "debug" {
					t.Errorf("log level %q", c.Logger.Level)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg.withDefaults()
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			configXML, usersXML, err := renderClickHouse(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var c chConfig
			if err := xml.Unmarshal([]byte(configXML), &c); err != nil {
				t.Fatalf("config.xml is not XML: %v\n%s", err, configXML)
			}
			tc.check(t, c, configXML)

			var u chUsers
			if err := xml.Unmarshal([]byte(usersXML), &u); err != nil {
				t.Fatalf("users.xml is not XML: %v", err)
			}
			if u.Users.Default.Password != "" || u.Users.Default.Profile != "default" {
				t.Errorf("user default: %+v", u.Users.Default)
			}
			if u.Users.Grafana.Profile != "readonly" || u.Profiles.Readonly.Readonly != 1 {
				t.Errorf("user grafana must use a readonly=1 profile: %+v / %+v", u.Users.Grafana, u.Profiles.Readonly)
			}
			for _, ips := range [][]string{u.Users.Default.IPs, u.Users.Grafana.IPs} {
				for _, ip := range ips {
					if ip != "127.0.0.1" && ip != "::1" {
						t.Errorf("users.xml allows %s; want loopback only", ip)
					}
				}
			}
		})
	}
}

func TestClickHouseConfigValidate(t *testing.T) {
	ok := ClickHouseConfig{Dir: "/x"}
	cases := []struct {
		name string
		mod  func(*ClickHouseConfig)
		want string // substring of the error; "" = valid
	}{
		{"ok", func(*ClickHouseConfig) {}, ""},
		{"no dir", func(c *ClickHouseConfig) { c.Dir = "" }, "Dir is empty"},
		{"relative dir", func(c *ClickHouseConfig) { c.Dir = "rel" }, "absolute"},
		{"relative log dir", func(c *ClickHouseConfig) { c.LogDir = "logs" }, "LogDir"},
		{"bad host", func(c *ClickHouseConfig) { c.Host = "localhost" }, "Host"},
		{"bad port", func(c *ClickHouseConfig) { c.TCPPort = 70000 }, "TCPPort"},
		{"bad level", func(c *ClickHouseConfig) { c.LogLevel = "loud" }, "LogLevel"},
		{"bad cluster name", func(c *ClickHouseConfig) {
			c.Clusters = map[string][][]Replica{"a-b": {{{Host: "h", Port: 1}}}}
		}, "cluster name"},
		{"empty shard", func(c *ClickHouseConfig) { c.Clusters = map[string][][]Replica{"c": {{}}} }, "no replicas"},
		{"bad replica", func(c *ClickHouseConfig) {
			c.Clusters = map[string][][]Replica{"c": {{{Host: "h", Port: 0}}}}
		}, "bad replica"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mod(&c)
			err := c.withDefaults().Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestRenderPrometheus(t *testing.T) {
	cases := []struct {
		name      string
		cfg       PrometheusConfig
		wantAM    bool
		wantScrap string
	}{
		{"alone", PrometheusConfig{Dir: "/p"}, false, "5s"},
		{"with alertmanager", PrometheusConfig{Dir: "/p", AlertmanagerAddr: "127.0.0.1:9093", ScrapeInterval: 1500 * time.Millisecond}, true, "1500ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg.withDefaults()
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			y, err := renderPrometheus(cfg, "127.0.0.1", 9191)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Global struct {
					ScrapeInterval string `yaml:"scrape_interval"`
				} `yaml:"global"`
				RuleFiles []string `yaml:"rule_files"`
				Alerting  *struct {
					Alertmanagers []struct {
						StaticConfigs []struct {
							Targets []string `yaml:"targets"`
						} `yaml:"static_configs"`
					} `yaml:"alertmanagers"`
				} `yaml:"alerting"`
				ScrapeConfigs []struct {
					JobName       string `yaml:"job_name"`
					StaticConfigs []struct {
						Targets []string `yaml:"targets"`
					} `yaml:"static_configs"`
					FileSD []struct {
						Files []string `yaml:"files"`
					} `yaml:"file_sd_configs"`
				} `yaml:"scrape_configs"`
			}
			if err := yaml.Unmarshal([]byte(y), &doc); err != nil {
				t.Fatalf("prometheus.yml is not YAML: %v\n%s", err, y)
			}
			if doc.Global.ScrapeInterval != tc.wantScrap {
				t.Errorf("scrape_interval %q, want %q", doc.Global.ScrapeInterval, tc.wantScrap)
			}
			if len(doc.RuleFiles) != 1 || doc.RuleFiles[0] != "/p/rules/*.yml" {
				t.Errorf("rule_files %v", doc.RuleFiles)
			}
			jobs := map[string]int{}
			for i, sc := range doc.ScrapeConfigs {
				jobs[sc.JobName] = i
			}
			self, ok := jobs["prometheus"]
			if !ok || doc.ScrapeConfigs[self].StaticConfigs[0].Targets[0] != "127.0.0.1:9191" {
				t.Errorf("no self-scrape of 127.0.0.1:9191: %+v", doc.ScrapeConfigs)
			}
			e, ok := jobs["earshot"]
			if !ok || len(doc.ScrapeConfigs[e].FileSD) != 1 || doc.ScrapeConfigs[e].FileSD[0].Files[0] != "/p/targets/*.json" {
				t.Errorf("no file_sd job earshot over /p/targets/*.json: %+v", doc.ScrapeConfigs)
			}
			_, scrapesAM := jobs["alertmanager"]
			if tc.wantAM != (doc.Alerting != nil) || tc.wantAM != scrapesAM {
				t.Errorf("alerting %+v, alertmanager job %v; want both %v", doc.Alerting, scrapesAM, tc.wantAM)
			}
			if tc.wantAM && doc.Alerting.Alertmanagers[0].StaticConfigs[0].Targets[0] != "127.0.0.1:9093" {
				t.Errorf("alertmanager target %+v", doc.Alerting)
			}
		})
	}
}

func TestRenderAlertmanager(t *testing.T) {
	cases := []struct {
		name, url, wantReceiver string
	}{
		{"default receiver", "", "default"},
		{"webhook", "http://127.0.0.1:5001/hook?a=b&c=\"d\"", "webhook"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := AlertmanagerConfig{Dir: "/a", WebhookURL: tc.url}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			y, err := renderAlertmanager(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Route struct {
					Receiver string `yaml:"receiver"`
				} `yaml:"route"`
				Receivers []struct {
					Name           string `yaml:"name"`
					WebhookConfigs []struct {
						URL string `yaml:"url"`
					} `yaml:"webhook_configs"`
				} `yaml:"receivers"`
			}
			if err := yaml.Unmarshal([]byte(y), &doc); err != nil {
				t.Fatalf("alertmanager.yml is not YAML: %v\n%s", err, y)
			}
			if doc.Route.Receiver != tc.wantReceiver {
				t.Errorf("route receiver %q, want %q", doc.Route.Receiver, tc.wantReceiver)
			}
			found := false
			for _, r := range doc.Receivers {
				if r.Name == tc.wantReceiver {
					found = true
					if tc.url != "" && (len(r.WebhookConfigs) != 1 || r.WebhookConfigs[0].URL != tc.url) {
						t.Errorf("webhook receiver %+v, want url %q", r, tc.url)
					}
				}
			}
			if !found {
				t.Errorf("receiver %q not defined: %+v", tc.wantReceiver, doc.Receivers)
			}
		})
	}
	if err := (AlertmanagerConfig{Dir: "/a", WebhookURL: "ftp://x"}).Validate(); err == nil {
		t.Error("an ftp webhook URL was accepted")
	}
}

func TestWriteTargets(t *testing.T) {
	dir := t.TempDir()
	if err := WriteTargets(dir, "enrich", []string{"127.0.0.1:9102", "127.0.0.1:9101"}, map[string]string{"service": "enrich"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "enrich.json"))
	if err != nil {
		t.Fatal(err)
	}
	var groups []struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	}
	if err := json.Unmarshal(b, &groups); err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || strings.Join(groups[0].Targets, ",") != "127.0.0.1:9101,127.0.0.1:9102" || groups[0].Labels["service"] != "enrich" {
		t.Errorf("targets file %s", b)
	}
	if err := WriteTargets(dir, "enrich", nil, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "enrich.json")); strings.TrimSpace(string(b)) != "[]" {
		t.Errorf("empty targets file %q, want []", b)
	}
	for _, bad := range []struct{ name, target string }{{"../x", "h:1"}, {"ok", "nohostport"}} {
		if err := WriteTargets(dir, bad.name, []string{bad.target}, nil); err == nil {
			t.Errorf("WriteTargets(%q, %q) succeeded", bad.name, bad.target)
		}
	}
}

func TestParseOnly(t *testing.T) {
	cases := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"", "", false},
		{"clickhouse", "clickhouse", false},
		{" prometheus , clickhouse,prometheus", "prometheus,clickhouse", false},
		{"kafka", "", true},
	}
	for _, tc := range cases {
		got, err := ParseOnly(tc.in)
		if (err != nil) != tc.wantErr || strings.Join(got, ",") != tc.want {
			t.Errorf("ParseOnly(%q) = %v, %v; want %q (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestRepoRoot(t *testing.T) {
	root, ok := RepoRoot(".")
	if !ok {
		t.Fatal("no repo root above the package")
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || modulePath(b) != ModulePath {
		t.Fatalf("RepoRoot = %s, whose go.mod is not earshot's", root)
	}
	t.Setenv("EARSHOT_STACK_DIR", "/tmp/somewhere")
	if got := DefaultRoot(); got != "/tmp/somewhere" {
		t.Errorf("DefaultRoot with EARSHOT_STACK_DIR = %s", got)
	}
	t.Setenv("EARSHOT_STACK_DIR", "")
	if got := DefaultRoot(); got != filepath.Join(root, ".earshot", "stack") {
		t.Errorf("DefaultRoot = %s, want %s", got, filepath.Join(root, ".earshot", "stack"))
	}
}

func TestEnsureBinary(t *testing.T) {
	ctx := t.Context()
	log := testLogger(t)
	if err := EnsureBinary(ctx, "/bin/sh", "dash", false, t.TempDir(), log); err != nil {
		t.Fatalf("present binary: %v", err)
	}
	err := EnsureBinary(ctx, "/nonexistent/earshot-missing-server", "earshot-missing-pkg", false, t.TempDir(), log)
	if err == nil || !strings.Contains(err.Error(), "earshot-missing-pkg") || !strings.Contains(err.Error(), "apt-get install") {
		t.Fatalf("missing binary: error %v, want it to name the package to install", err)
	}
}

func testLogger(*testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func TestPromDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		7 * 24 * time.Hour:      "7d",
		36 * time.Hour:          "36h",
		90 * time.Minute:        "90m",
		5 * time.Second:         "5s",
		1500 * time.Millisecond: "1500ms",
	} {
		if got := promDuration(d); got != want {
			t.Errorf("promDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
