// Package localstack runs earshot's local servers — ClickHouse, Prometheus
// and Alertmanager from the Debian packages — for development, tests and
// CI, each with project-local configuration, data directory and free
// loopback ports, without systemd or any service manager.
//
// A stack lives in one directory (DefaultRoot: <repo>/.earshot/stack, or
// $EARSHOT_STACK_DIR):
//
//	state.json            ports, pids and directories of the servers
//	stack.lock            flock taken by Up and Down
//	logs/                 server logs (and apt.log when a package was installed)
//	clickhouse/           config.xml, users.xml, data/
//	prometheus/           prometheus.yml, targets/*.json (file_sd), rules/*.yml, data/
//	alertmanager/         alertmanager.yml, data/
//
// Servers run in their own process groups and outlive the process that
// started them, so one `earshot stack up` (or the first test binary) serves
// every later test binary; Up is idempotent and locked, Down stops them.
// The configuration templates are in deploy/local.
//
// ClickHouse, Prometheus and Alertmanager are also usable one by one: tests
// that stop, restart or cluster servers start their own instances with
// NewClickHouse (or StartClickHouse) in a directory of their own.
package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server names.
const (
	ServerClickHouse   = "clickhouse"
	ServerPrometheus   = "prometheus"
	ServerAlertmanager = "alertmanager"
)

// AllServers lists the stack's servers in start order (Alertmanager before
// Prometheus, which sends alerts to it).
var AllServers = []string{ServerClickHouse, ServerAlertmanager, ServerPrometheus}

// Config configures a stack.
type Config struct {
	// Root is the stack directory; default DefaultRoot().
	Root string
	// Only limits Up, Down and Status to these servers; empty means all.
	Only []string
	// AlertWebhookURL, when set, is Alertmanager's webhook receiver.
	AlertWebhookURL string
	// Install lets Up install missing Debian packages (root on Debian only).
	Install bool
	// StartTimeout bounds each server's start-up; StopTimeout each graceful
	// stop before SIGKILL; LockTimeout waiting for another Up or Down.
	StartTimeout, StopTimeout, LockTimeout time.Duration
	// Log receives progress; default slog.Default().
	Log *slog.Logger
}

// DefaultConfig is the default stack: all servers in DefaultRoot(),
// installing missing packages when possible.
func DefaultConfig() Config {
	return Config{
		Root:         DefaultRoot(),
		Install:      true,
		StartTimeout: 90 * time.Second,
		StopTimeout:  30 * time.Second,
		LockTimeout:  5 * time.Minute,
	}
}

// Validate names the first field that is wrong.
func (c Config) Validate() error {
	if c.Root == "" {
		return errors.New("stack: Root is empty (set EARSHOT_STACK_DIR)")
	}
	if !filepath.IsAbs(c.Root) {
		return fmt.Errorf("stack: Root %q must be an absolute path", c.Root)
	}
	for _, s := range c.Only {
		if !slices.Contains(AllServers, s) {
			return fmt.Errorf("stack: unknown server %q in Only; want one of %s", s, strings.Join(AllServers, ", "))
		}
	}
	if c.StartTimeout <= 0 || c.StopTimeout <= 0 || c.LockTimeout <= 0 {
		return errors.New("stack: StartTimeout, StopTimeout and LockTimeout must be > 0")
	}
	if c.AlertWebhookURL != "" {
		if err := (AlertmanagerConfig{Dir: "/", WebhookURL: c.AlertWebhookURL}).Validate(); err != nil {
			return fmt.Errorf("stack: AlertWebhookURL: %w", err)
		}
	}
	return nil
}

// ParseOnly parses a comma-separated server list ("clickhouse,prometheus").
func ParseOnly(s string) ([]string, error) {
	var out []string
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !slices.Contains(AllServers, n) {
			return nil, fmt.Errorf("unknown server %q; want one of %s", n, strings.Join(AllServers, ", "))
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// DefaultRoot is $EARSHOT_STACK_DIR, else <repo root>/.earshot/stack where
// the repo root is the nearest directory above the working directory with
// earshot's go.mod (or any go.mod), else <cwd>/.earshot/stack.
func DefaultRoot() string {
	if d := os.Getenv("EARSHOT_STACK_DIR"); d != "" {
		if abs, err := filepath.Abs(d); err == nil {
			return abs
		}
		return d
	}
	cwd, err := os.Getwd()
	if err != nil {
		cwd = "."
	}
	if root, ok := RepoRoot(cwd); ok {
		return filepath.Join(root, ".earshot", "stack")
	}
	return filepath.Join(cwd, ".earshot", "stack")
}

// ModulePath is earshot's Go module path.
const ModulePath = "github.com/earshot-dev/earshot"

// RepoRoot walks up from dir to the directory whose go.mod declares
// earshot's module; failing that, the nearest directory with any go.mod.
func RepoRoot(dir string) (string, bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	first := ""
	for d := dir; ; {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			if first == "" {
				first = d
			}
			if modulePath(b) == ModulePath {
				return d, true
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	return first, first != ""
}

func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// State is the content of state.json.
type State struct {
	Servers map[string]*ServerState `json:"servers"`
}

// ServerState records one server of the stack.
type ServerState struct {
	// PID is 0 when the server is stopped.
	PID int `json:"pid"`
	// Ports by name: "tcp", "http", "interserver" for ClickHouse; "http"
	// for the others. Kept after Down so the next Up reuses them.
	Ports     map[string]int `json:"ports"`
	Dir       string         `json:"dir"`
	LogDir    string         `json:"log_dir"`
	StartedAt time.Time      `json:"started_at,omitzero"`
}

// Endpoints are where the stack's servers answer ("" for a server not up).
type Endpoints struct {
	ClickHouseAddr     string // native protocol host:port
	ClickHouseHTTPAddr string // host:port
	PrometheusURL      string // http://host:port
	AlertmanagerURL    string // http://host:port
}

// Env returns NAME=value pairs for the endpoints that are set:
// EARSHOT_CLICKHOUSE_ADDR, EARSHOT_CLICKHOUSE_HTTP_ADDR,
// EARSHOT_PROMETHEUS_URL, EARSHOT_ALERTMANAGER_URL.
func (e Endpoints) Env() []string {
	var out []string
	add := func(k, v string) {
		if v != "" {
			out = append(out, k+"="+v)
		}
	}
	add("EARSHOT_CLICKHOUSE_ADDR", e.ClickHouseAddr)
	add("EARSHOT_CLICKHOUSE_HTTP_ADDR", e.ClickHouseHTTPAddr)
	add("EARSHOT_PROMETHEUS_URL", e.PrometheusURL)
	add("EARSHOT_ALERTMANAGER_URL", e.AlertmanagerURL)
	return out
}

// ServerStatus is one line of Status.
type ServerStatus struct {
	Name    string
	PID     int // 0 when not running
	Ports   map[string]int
	Addr    string // main address: native host:port for ClickHouse, URL for the others
	Dir     string
	Healthy bool
	Err     string // why it is not healthy
}

// Stack is the set of local servers in one directory.
type Stack struct {
	cfg Config
	log *slog.Logger
}

// New validates cfg (after filling defaults for zero timeouts) and returns
// the stack; it starts nothing.
func New(cfg Config) (*Stack, error) {
	d := DefaultConfig()
	if cfg.Root == "" {
		cfg.Root = d.Root
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = d.StartTimeout
	}
	if cfg.StopTimeout == 0 {
		cfg.StopTimeout = d.StopTimeout
	}
	if cfg.LockTimeout == 0 {
		cfg.LockTimeout = d.LockTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Stack{cfg: cfg, log: cfg.Log}, nil
}

// Root is the stack directory.
func (s *Stack) Root() string { return s.cfg.Root }

func (s *Stack) logDir() string    { return filepath.Join(s.cfg.Root, "logs") }
func (s *Stack) statePath() string { return filepath.Join(s.cfg.Root, "state.json") }

func (s *Stack) selected() []string {
	if len(s.cfg.Only) == 0 {
		return AllServers
	}
	var out []string
	for _, n := range AllServers { // keep start order
		if slices.Contains(s.cfg.Only, n) {
			out = append(out, n)
		}
	}
	return out
}

// Up starts the selected servers that are not running healthy, reuses
// those that are, and returns the endpoints of every server that is up.
// It holds the stack lock, so concurrent Ups (say, several test binaries)
// start one set of servers.
func (s *Stack) Up(ctx context.Context) (Endpoints, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return Endpoints{}, err
	}
	defer unlock()
	st, err := s.readState()
	if err != nil {
		return Endpoints{}, err
	}
	for _, name := range s.selected() {
		if err := s.upOne(ctx, st, name); err != nil {
			return s.endpoints(st), err
		}
		if err := s.writeState(st); err != nil {
			return s.endpoints(st), err
		}
	}
	return s.endpoints(st), nil
}

func (s *Stack) upOne(ctx context.Context, st *State, name string) error {
	rec := st.Servers[name]
	if rec == nil {
		rec = &ServerState{}
		st.Servers[name] = rec
	}
	rec.Dir = filepath.Join(s.cfg.Root, name)
	rec.LogDir = s.logDir()
	srv, err := s.server(st, name, rec)
	if err != nil {
		return err
	}
	if rec.PID != 0 && srv.adoptState(rec) {
		hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := srv.healthy(hctx)
		cancel()
		if err == nil {
			s.log.Info("server already running", "server", name, "pid", rec.PID, "addr", srv.addr())
			if srv.reconcile != nil {
				return srv.reconcile(ctx)
			}
			return nil
		}
		s.log.Warn("recorded server is unhealthy; restarting it", "server", name, "pid", rec.PID, "err", err)
		if err := srv.stop(ctx); err != nil {
			return err
		}
	} else if rec.PID != 0 {
		s.log.Info("recorded server is gone; starting it again", "server", name, "pid", rec.PID)
	}
	rec.PID = 0
	if err := srv.start(ctx); err != nil {
		return err
	}
	rec.PID, rec.Ports, rec.StartedAt = srv.pid(), srv.ports(), time.Now().UTC()
	return nil
}

// Down stops the selected servers (SIGTERM, then SIGKILL after
// StopTimeout) and clears their pids; data and ports stay for the next Up.
func (s *Stack) Down(ctx context.Context) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := s.readState()
	if err != nil {
		return err
	}
	var errs []error
	sel := s.selected()
	for i := len(sel) - 1; i >= 0; i-- { // reverse start order
		name := sel[i]
		rec := st.Servers[name]
		if rec == nil || rec.PID == 0 {
			continue
		}
		srv, err := s.server(st, name, rec)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if srv.adoptState(rec) {
			if err := srv.stop(ctx); err != nil {
				errs = append(errs, err)
				continue
			}
		} else {
			s.log.Info("server was not running", "server", name, "pid", rec.PID)
		}
		rec.PID = 0
		rec.StartedAt = time.Time{}
	}
	if err := s.writeState(st); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Status reports each selected server: pid, ports, health.
func (s *Stack) Status(ctx context.Context) ([]ServerStatus, error) {
	st, err := s.readState()
	if err != nil {
		return nil, err
	}
	var out []ServerStatus
	for _, name := range s.selected() {
		ss := ServerStatus{Name: name, Err: "not started"}
		rec := st.Servers[name]
		if rec == nil {
			out = append(out, ss)
			continue
		}
		ss.Ports, ss.Dir = rec.Ports, rec.Dir
		srv, err := s.server(st, name, rec)
		if err != nil {
			ss.Err = err.Error()
			out = append(out, ss)
			continue
		}
		ss.Addr = srv.addr()
		if rec.PID == 0 {
			ss.Err = "stopped"
		} else if !srv.adoptState(rec) {
			ss.Err = fmt.Sprintf("recorded pid %d is not running", rec.PID)
		} else {
			ss.PID = rec.PID
			hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := srv.healthy(hctx)
			cancel()
			ss.Healthy, ss.Err = err == nil, ""
			if err != nil {
				ss.Err = err.Error()
			}
		}
		out = append(out, ss)
	}
	return out, nil
}

// Endpoints returns the recorded endpoints of the servers that have a pid
// (it does not check their health; see Status).
func (s *Stack) Endpoints() (Endpoints, error) {
	st, err := s.readState()
	if err != nil {
		return Endpoints{}, err
	}
	return s.endpoints(st), nil
}

func (s *Stack) endpoints(st *State) Endpoints {
	var e Endpoints
	hp := func(p int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)) }
	if r := st.Servers[ServerClickHouse]; r != nil && r.PID != 0 {
		e.ClickHouseAddr, e.ClickHouseHTTPAddr = hp(r.Ports["tcp"]), hp(r.Ports["http"])
	}
	if r := st.Servers[ServerPrometheus]; r != nil && r.PID != 0 {
		e.PrometheusURL = "http://" + hp(r.Ports["http"])
	}
	if r := st.Servers[ServerAlertmanager]; r != nil && r.PID != 0 {
		e.AlertmanagerURL = "http://" + hp(r.Ports["http"])
	}
	return e
}

// stackServer adapts the three server types to Up, Down and Status.
type stackServer struct {
	adoptState func(*ServerState) bool
	healthy    func(context.Context) error
	start      func(context.Context) error
	stop       func(context.Context) error
	pid        func() int
	ports      func() map[string]int
	addr       func() string
	// reconcile brings an adopted, healthy server's configuration up to
	// date (nil when there is nothing to do).
	reconcile func(context.Context) error
}

// reusablePorts returns the recorded ports when every one is free now (so
// a restarted server keeps its addresses), else zeros.
func reusablePorts(rec *ServerState, names ...string) []int {
	out := make([]int, len(names))
	for i, n := range names {
		p := rec.Ports[n]
		if p == 0 || (rec.PID == 0 && !portFree(p)) {
			return make([]int, len(names))
		}
		out[i] = p
	}
	return out
}

func (s *Stack) server(st *State, name string, rec *ServerState) (*stackServer, error) {
	switch name {
	case ServerClickHouse:
		ports := reusablePorts(rec, "tcp", "http", "interserver")
		ch, err := NewClickHouse(ClickHouseConfig{
			Dir: rec.Dir, LogDir: rec.LogDir, Install: s.cfg.Install,
			TCPPort: ports[0], HTTPPort: ports[1], InterserverPort: ports[2],
			StartTimeout: s.cfg.StartTimeout, StopTimeout: s.cfg.StopTimeout, Log: s.log,
		})
		if err != nil {
			return nil, err
		}
		ch.autoPorts = true // a recorded port taken meanwhile is re-picked
		return &stackServer{
			adoptState: func(r *ServerState) bool {
				return ch.adopt(r.PID, r.Ports["tcp"], r.Ports["http"], r.Ports["interserver"])
			},
			healthy: ch.Healthy, start: ch.Start, stop: ch.Stop, pid: ch.PID,
			ports: func() map[string]int {
				t, h, i := ch.Ports()
				return map[string]int{"tcp": t, "http": h, "interserver": i}
			},
			addr: func() string {
				t, _, _ := ch.Ports()
				if t == 0 {
					t = rec.Ports["tcp"]
				}
				return net.JoinHostPort("127.0.0.1", strconv.Itoa(t))
			},
		}, nil
	case ServerPrometheus, ServerAlertmanager:
		var hs *httpServer
		if name == ServerPrometheus {
			am := ""
			if r := st.Servers[ServerAlertmanager]; r != nil && r.PID != 0 && r.Ports["http"] != 0 {
				am = net.JoinHostPort("127.0.0.1", strconv.Itoa(r.Ports["http"]))
			}
			p, err := NewPrometheus(PrometheusConfig{
				Dir: rec.Dir, LogDir: rec.LogDir, Port: reusablePorts(rec, "http")[0], Install: s.cfg.Install,
				AlertmanagerAddr: am, StartTimeout: s.cfg.StartTimeout, StopTimeout: s.cfg.StopTimeout, Log: s.log,
			})
			if err != nil {
				return nil, err
			}
			hs = p.httpServer
		} else {
			a, err := NewAlertmanager(AlertmanagerConfig{
				Dir: rec.Dir, LogDir: rec.LogDir, Port: reusablePorts(rec, "http")[0], Install: s.cfg.Install,
				WebhookURL: s.cfg.AlertWebhookURL, StartTimeout: s.cfg.StartTimeout, StopTimeout: s.cfg.StopTimeout, Log: s.log,
			})
			if err != nil {
				return nil, err
			}
			hs = a.httpServer
		}
		hs.autoPort = true
		return &stackServer{
			adoptState: func(r *ServerState) bool { return hs.adopt(r.PID, r.Ports["http"]) },
			healthy:    hs.Healthy, start: hs.Start, stop: hs.Stop, pid: hs.PID, reconcile: hs.reloadIfChanged,
			ports: func() map[string]int { return map[string]int{"http": hs.Port()} },
			addr: func() string {
				p := hs.Port()
				if p == 0 {
					p = rec.Ports["http"]
				}
				return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
			},
		}, nil
	}
	return nil, fmt.Errorf("stack: unknown server %q", name)
}

func (s *Stack) readState() (*State, error) {
	st := &State{Servers: map[string]*ServerState{}}
	b, err := os.ReadFile(s.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stack: read state: %w", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("stack: %s is corrupt (%v); stop the servers by hand and delete it", s.statePath(), err)
	}
	if st.Servers == nil {
		st.Servers = map[string]*ServerState{}
	}
	return st, nil
}

func (s *Stack) writeState(st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.statePath(), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("stack: write state: %w", err)
	}
	return nil
}

// lock takes the stack's file lock, waiting up to LockTimeout for another
// process's Up or Down to finish. The lock file is opened close-on-exec,
// so servers started while it is held do not inherit it.
func (s *Stack) lock(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(s.cfg.Root, 0o755); err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	path := filepath.Join(s.cfg.Root, "stack.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("stack: open lock: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.LockTimeout)
	defer cancel()
	logged := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("stack: lock %s: %w", path, err)
		}
		if !logged {
			s.log.Info("waiting for another earshot stack command to finish", "lock", path)
			logged = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("stack: lock %s: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// PrometheusTargetsDir is where the stack's Prometheus reads file_sd
// target files (job "earshot").
func (s *Stack) PrometheusTargetsDir() string {
	return filepath.Join(s.cfg.Root, ServerPrometheus, "targets")
}

// SetScrapeTargets makes the stack's Prometheus scrape targets (host:port
// of /metrics endpoints, e.g. earshot workers) with labels, under the file
// name name; an empty list removes them. Prometheus picks the change up
// within seconds, whether it runs already or starts later.
func (s *Stack) SetScrapeTargets(name string, targets []string, labels map[string]string) error {
	return WriteTargets(s.PrometheusTargetsDir(), name, targets, labels)
}
