package localstack

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"time"
)

// AlertmanagerConfig configures a local Alertmanager.
type AlertmanagerConfig struct {
	// Dir holds alertmanager.yml and the notification state (Dir/data).
	// Required.
	Dir string
	// LogDir receives the server's output; default Dir/logs.
	LogDir string
	// Host is the listen address; default 127.0.0.1.
	Host string
	// Port of the web interface and API; 0 picks a free one.
	Port int
	// Binary; default /usr/bin/prometheus-alertmanager.
	Binary string
	// Install lets Start install the Debian package when missing.
	Install bool
	// WebhookURL, when set, receives every notification (Alertmanager's
	// webhook format); otherwise alerts are kept but sent nowhere.
	WebhookURL string
	// StartTimeout and StopTimeout; defaults 60s and 30s.
	StartTimeout, StopTimeout time.Duration
	// Log; default slog.Default().
	Log *slog.Logger
}

func (c AlertmanagerConfig) server() httpServerConfig {
	s := httpServerConfig{
		name: "alertmanager", pkg: AlertmanagerPkg, configFile: "alertmanager.yml",
		binary: c.Binary, dir: c.Dir, logDir: c.LogDir, host: c.Host, port: c.Port, install: c.Install,
		startTimeout: c.StartTimeout, stopTimeout: c.StopTimeout, log: c.Log,
	}
	s.defaults(AlertmanagerBinary)
	return s
}

// Validate names the first field that is wrong.
func (c AlertmanagerConfig) Validate() error {
	if err := c.server().validate(); err != nil {
		return err
	}
	if c.WebhookURL != "" {
		u, err := url.Parse(c.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("alertmanager: WebhookURL %q is not an http(s) URL", c.WebhookURL)
		}
	}
	return nil
}

type alertmanagerTemplateData struct {
	WebhookURL string
}

func renderAlertmanager(c AlertmanagerConfig) (string, error) {
	return render("alertmanager.yml.tmpl", alertmanagerTemplateData{WebhookURL: c.WebhookURL})
}

// Alertmanager is a local Alertmanager with gossip disabled.
type Alertmanager struct {
	*httpServer
	cfg AlertmanagerConfig
}

// NewAlertmanager validates cfg and prepares (but does not start) a server.
func NewAlertmanager(cfg AlertmanagerConfig) (*Alertmanager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sc := cfg.server()
	cfg.Dir, cfg.LogDir, cfg.Host = sc.dir, sc.logDir, sc.host
	a := &Alertmanager{httpServer: newHTTPServer(sc, "/-/ready"), cfg: cfg}
	a.files = func(int) (map[string]string, error) {
		y, err := renderAlertmanager(cfg)
		if err != nil {
			return nil, err
		}
		return map[string]string{"alertmanager.yml": y}, nil
	}
	a.args = func(port int) []string {
		return []string{
			"--config.file=" + filepath.Join(cfg.Dir, "alertmanager.yml"),
			"--storage.path=" + filepath.Join(cfg.Dir, "data"),
			"--web.listen-address=" + net.JoinHostPort(cfg.Host, strconv.Itoa(port)),
			"--cluster.listen-address=",
			"--log.level=info",
		}
	}
	return a, nil
}
