package localstack

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// PrometheusConfig configures a local Prometheus server.
type PrometheusConfig struct {
	// Dir holds prometheus.yml, the file_sd target files (Dir/targets/*.json),
	// rule files (Dir/rules/*.yml) and the TSDB (Dir/data). Required.
	Dir string
	// LogDir receives the server's output; default Dir/logs.
	LogDir string
	// Host is the listen address; default 127.0.0.1.
	Host string
	// Port of the web interface; 0 picks a free one.
	Port int
	// Binary; default /usr/bin/prometheus.
	Binary string
	// Install lets Start install the Debian package when missing.
	Install bool
	// AlertmanagerAddr (host:port), when set, receives alerts and is scraped.
	AlertmanagerAddr string
	// ScrapeInterval; default 5s.
	ScrapeInterval time.Duration
	// Retention of the TSDB; default 7 days.
	Retention time.Duration
	// StartTimeout and StopTimeout; defaults 60s and 30s.
	StartTimeout, StopTimeout time.Duration
	// Log; default slog.Default().
	Log *slog.Logger
}

func (c PrometheusConfig) withDefaults() PrometheusConfig {
	if c.ScrapeInterval == 0 {
		c.ScrapeInterval = 5 * time.Second
	}
	if c.Retention == 0 {
		c.Retention = 7 * 24 * time.Hour
	}
	return c
}

func (c PrometheusConfig) server() httpServerConfig {
	s := httpServerConfig{
		name: "prometheus", pkg: PrometheusPackage, configFile: "prometheus.yml",
		binary: c.Binary, dir: c.Dir, logDir: c.LogDir, host: c.Host, port: c.Port, install: c.Install,
		startTimeout: c.StartTimeout, stopTimeout: c.StopTimeout, log: c.Log,
	}
	s.defaults(PrometheusBinary)
	return s
}

// Validate names the first field that is wrong.
func (c PrometheusConfig) Validate() error {
	if err := c.server().validate(); err != nil {
		return err
	}
	if c.AlertmanagerAddr != "" {
		if _, _, err := net.SplitHostPort(c.AlertmanagerAddr); err != nil {
			return fmt.Errorf("prometheus: AlertmanagerAddr %q is not host:port", c.AlertmanagerAddr)
		}
	}
	if c.ScrapeInterval < time.Second {
		return fmt.Errorf("prometheus: ScrapeInterval %s, want ≥ 1s", c.ScrapeInterval)
	}
	if c.Retention < time.Hour {
		return fmt.Errorf("prometheus: Retention %s, want ≥ 1h", c.Retention)
	}
	return nil
}

// prometheusTemplateData is what prometheus.yml.tmpl sees.
type prometheusTemplateData struct {
	ListenAddr       string
	AlertmanagerAddr string
	ScrapeInterval   string
	TargetsDir       string
	TargetsGlob      string
	RulesGlob        string
}

func renderPrometheus(c PrometheusConfig, host string, port int) (string, error) {
	return render("prometheus.yml.tmpl", prometheusTemplateData{
		ListenAddr:       net.JoinHostPort(host, strconv.Itoa(port)),
		AlertmanagerAddr: c.AlertmanagerAddr,
		ScrapeInterval:   promDuration(c.ScrapeInterval),
		TargetsDir:       filepath.Join(c.Dir, "targets"),
		TargetsGlob:      filepath.Join(c.Dir, "targets", "*.json"),
		RulesGlob:        filepath.Join(c.Dir, "rules", "*.yml"),
	})
}

// promDuration formats d the way Prometheus parses durations, in the
// largest unit that divides it (7d, 6h, 5m, 15s, 1500ms).
func promDuration(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d >= u.d && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// Prometheus is a local Prometheus server. Add scrape targets with
// SetTargets; Prometheus picks them up within seconds.
type Prometheus struct {
	*httpServer
	cfg PrometheusConfig
}

// NewPrometheus validates cfg and prepares (but does not start) a server.
func NewPrometheus(cfg PrometheusConfig) (*Prometheus, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sc := cfg.server()
	cfg.Dir, cfg.LogDir, cfg.Host = sc.dir, sc.logDir, sc.host
	p := &Prometheus{httpServer: newHTTPServer(sc, "/-/ready"), cfg: cfg}
	p.files = func(port int) (map[string]string, error) {
		y, err := renderPrometheus(cfg, cfg.Host, port)
		if err != nil {
			return nil, err
		}
		return map[string]string{"prometheus.yml": y}, nil
	}
	p.args = func(port int) []string {
		return []string{
			"--config.file=" + filepath.Join(cfg.Dir, "prometheus.yml"),
			"--storage.tsdb.path=" + filepath.Join(cfg.Dir, "data"),
			"--storage.tsdb.retention.time=" + promDuration(cfg.Retention),
			"--web.listen-address=" + net.JoinHostPort(cfg.Host, strconv.Itoa(port)),
			"--web.enable-lifecycle",
			"--log.level=info",
		}
	}
	return p, nil
}

// TargetsDir is the directory of file_sd target files (job "earshot").
func (p *Prometheus) TargetsDir() string { return filepath.Join(p.cfg.Dir, "targets") }

// RulesDir is the directory of rule files (*.yml) Prometheus loads at start
// and on POST /-/reload.
func (p *Prometheus) RulesDir() string { return filepath.Join(p.cfg.Dir, "rules") }

var targetNameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// SetTargets writes the file_sd file TargetsDir()/<name>.json listing
// targets (host:port of /metrics endpoints) with labels; an empty list
// removes them from scraping.
func (p *Prometheus) SetTargets(name string, targets []string, labels map[string]string) error {
	return WriteTargets(p.TargetsDir(), name, targets, labels)
}

// WriteTargets writes dir/<name>.json in Prometheus file_sd format.
func WriteTargets(dir, name string, targets []string, labels map[string]string) error {
	if !targetNameRe.MatchString(name) {
		return fmt.Errorf("prometheus: target file name %q: use letters, digits, '.', '_' or '-'", name)
	}
	for _, t := range targets {
		if _, _, err := net.SplitHostPort(t); err != nil {
			return fmt.Errorf("prometheus: target %q is not host:port", t)
		}
	}
	ts := append([]string(nil), targets...)
	sort.Strings(ts)
	if labels == nil {
		labels = map[string]string{}
	}
	group := []struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	}{{Targets: ts, Labels: labels}}
	if len(ts) == 0 {
		group = group[:0]
	}
	b, err := json.MarshalIndent(group, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, name+".json"), append(b, '\n'), 0o644)
}
