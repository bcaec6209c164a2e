package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// httpServer is a server with one HTTP port and a readiness endpoint:
// Prometheus and Alertmanager.
type httpServer struct {
	mu           sync.Mutex
	name         string
	binary, pkg  string
	dir, logDir  string
	host         string
	port         int
	autoPort     bool
	install      bool
	startTimeout time.Duration
	stopTimeout  time.Duration
	log          *slog.Logger
	readyPath    string
	// files returns the configuration files to write (path relative to
	// dir → content) for the current port.
	files func(port int) (map[string]string, error)
	// args returns the command-line arguments for the current port.
	args func(port int) []string
	proc *process
}

type httpServerConfig struct {
	name, binary, pkg, configFile string
	dir, logDir, host             string
	port                          int
	install                       bool
	startTimeout, stopTimeout     time.Duration
	log                           *slog.Logger
}

func (c *httpServerConfig) defaults(binary string) {
	if c.logDir == "" && c.dir != "" {
		c.logDir = filepath.Join(c.dir, "logs")
	}
	if c.host == "" {
		c.host = "127.0.0.1"
	}
	if c.binary == "" {
		c.binary = binary
	}
	if c.startTimeout == 0 {
		c.startTimeout = 60 * time.Second
	}
	if c.stopTimeout == 0 {
		c.stopTimeout = 30 * time.Second
	}
	if c.log == nil {
		c.log = slog.Default()
	}
}

func (c httpServerConfig) validate() error {
	if c.dir == "" {
		return fmt.Errorf("%s: Dir is empty; give the directory for config and data", c.name)
	}
	if !filepath.IsAbs(c.dir) {
		return fmt.Errorf("%s: Dir %q must be absolute", c.name, c.dir)
	}
	if !filepath.IsAbs(c.logDir) {
		return fmt.Errorf("%s: LogDir %q must be absolute", c.name, c.logDir)
	}
	if net.ParseIP(c.host) == nil {
		return fmt.Errorf("%s: Host %q is not an IP address (use 127.0.0.1)", c.name, c.host)
	}
	if c.port < 0 || c.port > 65535 {
		return fmt.Errorf("%s: Port %d out of range (0 picks a free port)", c.name, c.port)
	}
	if c.startTimeout < 0 || c.stopTimeout < 0 {
		return fmt.Errorf("%s: StartTimeout and StopTimeout must be ≥ 0", c.name)
	}
	return nil
}

func newHTTPServer(c httpServerConfig, readyPath string) *httpServer {
	return &httpServer{
		name: c.name, binary: c.binary, pkg: c.pkg,
		dir: c.dir, logDir: c.logDir, host: c.host, port: c.port, autoPort: c.port == 0,
		install: c.install, startTimeout: c.startTimeout, stopTimeout: c.stopTimeout,
		log: c.log, readyPath: readyPath,
		proc: &process{
			name:    c.name,
			binary:  c.binary,
			pkg:     c.pkg,
			logPath: filepath.Join(c.logDir, c.name+".log"),
			marker:  filepath.Join(c.dir, c.configFile),
			log:     c.log,
		},
	}
}

// Addr is host:port of the HTTP interface.
func (s *httpServer) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return net.JoinHostPort(s.host, strconv.Itoa(s.port))
}

// URL is http://host:port.
func (s *httpServer) URL() string { return "http://" + s.Addr() }

// Port is the HTTP port (0 before the first Start when picked
// automatically).
func (s *httpServer) Port() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// Dir is the server's configuration directory; its data is in Dir/data.
func (s *httpServer) Dir() string { return s.dir }

// PID is the server's pid, or 0 when it is not running.
func (s *httpServer) PID() int { return s.proc.PID() }

// Running reports whether the process is alive.
func (s *httpServer) Running() bool { return s.proc.alive() }

// Start writes the configuration, starts the server and waits until its
// readiness endpoint answers 200. Automatic ports are re-picked when taken
// meanwhile (up to 3 tries).
func (s *httpServer) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := EnsureBinary(ctx, s.binary, s.pkg, s.install, s.logDir, s.log); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if s.port == 0 || (attempt > 0 && s.autoPort) {
			ps, perr := FreePorts(1)
			if perr != nil {
				return perr
			}
			s.port = ps[0]
		}
		if err = s.startOnceLocked(ctx); err == nil {
			return nil
		}
		if !s.autoPort || ctx.Err() != nil || !strings.Contains(err.Error(), "address already in use") {
			return err
		}
		s.log.Warn("port taken meanwhile; picking a new one", "server", s.name, "err", err)
	}
	return err
}

func (s *httpServer) startOnceLocked(ctx context.Context) error {
	for _, d := range []string{s.dir, s.logDir, filepath.Join(s.dir, "data")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	files, err := s.files(s.port)
	if err != nil {
		return err
	}
	for rel, content := range files {
		if err := writeIfChanged(filepath.Join(s.dir, rel), []byte(content), 0o644); err != nil {
			return fmt.Errorf("%s: write %s: %w", s.name, rel, err)
		}
	}
	start := time.Now()
	if err := s.proc.start(s.args(s.port), s.dir); err != nil {
		return err
	}
	if err := s.proc.waitHealthy(ctx, s.startTimeout, s.checkLocked); err != nil {
		_ = s.proc.stop(context.Background(), s.stopTimeout)
		return err
	}
	s.log.Info(s.name+" started", "pid", s.proc.PID(), "url", "http://"+net.JoinHostPort(s.host, strconv.Itoa(s.port)),
		"dir", s.dir, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Stop stops the server (SIGTERM, then SIGKILL after the stop timeout).
// Stopping a stopped server is a no-op.
func (s *httpServer) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	pid := s.proc.PID()
	if err := s.proc.stop(ctx, s.stopTimeout); err != nil {
		return err
	}
	if pid != 0 {
		s.log.Info(s.name+" stopped", "pid", pid)
	}
	return nil
}

// Restart stops and starts the server on the same port.
func (s *httpServer) Restart(ctx context.Context) error {
	if err := s.Stop(ctx); err != nil {
		return err
	}
	return s.Start(ctx)
}

// Healthy checks that our process is alive, owns its port and answers the
// readiness endpoint with 200.
func (s *httpServer) Healthy(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkLocked(ctx)
}

func (s *httpServer) checkLocked(ctx context.Context) error {
	pid := s.proc.PID()
	if pid == 0 {
		return errors.New(s.name + ": not running")
	}
	if !ownsListener(pid, s.port) {
		return fmt.Errorf("%s: pid %d does not listen on port %d (yet)", s.name, pid, s.port)
	}
	if err := pingHTTP(ctx, "http://"+net.JoinHostPort(s.host, strconv.Itoa(s.port))+s.readyPath, ""); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	return nil
}

func (s *httpServer) adopt(pid, port int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.proc.adopt(pid) {
		return false
	}
	s.port = port
	return true
}

// reloadIfChanged rewrites the configuration of a running server when it
// differs from what its settings give now (say, Alertmanager moved to
// another port), and asks the server to reload it (POST /-/reload).
func (s *httpServer) reloadIfChanged(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	files, err := s.files(s.port)
	if err != nil {
		return err
	}
	changed := false
	for rel, content := range files {
		path := filepath.Join(s.dir, rel)
		if old, err := os.ReadFile(path); err == nil && string(old) == content {
			continue
		}
		if err := writeFileAtomic(path, []byte(content), 0o644); err != nil {
			return fmt.Errorf("%s: write %s: %w", s.name, rel, err)
		}
		changed = true
	}
	if !changed {
		return nil
	}
	u := "http://" + net.JoinHostPort(s.host, strconv.Itoa(s.port)) + "/-/reload"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return err
	}
	resp, err := healthClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: reload: %w", s.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: reload: %s: %s", s.name, resp.Status, strings.TrimSpace(string(body)))
	}
	s.log.Info(s.name+" configuration changed; reloaded", "pid", s.proc.PID())
	return nil
}
