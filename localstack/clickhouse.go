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
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// ClickHouseConfig configures one local ClickHouse server.
type ClickHouseConfig struct {
	// Dir holds the generated config.xml and users.xml; the data lives in
	// Dir/data. Required.
	Dir string
	// LogDir receives the server's logs; default Dir/logs.
	LogDir string
	// Host is the listen address; default 127.0.0.1 (loopback only).
	Host string
	// TCPPort (native protocol), HTTPPort and InterserverPort; 0 picks a
	// free port (and picks again if another program takes it first).
	TCPPort, HTTPPort, InterserverPort int
	// Binary is the server executable; default /usr/sbin/clickhouse-server.
	Binary string
	// Install lets Start install the Debian package when the binary is
	// missing (root on Debian only).
	Install bool
	// Clusters become <remote_servers>: cluster name → shards → replicas.
	// Use FreePorts to know the other servers' ports before starting them.
	Clusters map[string][][]Replica
	// LogLevel of the server log: trace, debug, information, warning, error.
	LogLevel string
	// MaxMemoryUsageBytes per query (profile "default").
	MaxMemoryUsageBytes int64
	// MarkCacheBytes and UncompressedCacheBytes size the server caches;
	// 18.16's own defaults (5 GiB, 8 GiB) are too big for a laptop.
	MarkCacheBytes, UncompressedCacheBytes int64
	// ShutdownWaitSeconds is how long the server waits on SIGTERM for open
	// connections before closing them; default 1 (tests stop servers with
	// pooled idle connections open).
	ShutdownWaitSeconds int
	// StartTimeout bounds start-up until healthy; StopTimeout bounds a
	// graceful stop before SIGKILL.
	StartTimeout, StopTimeout time.Duration
	// Log receives one line per start and stop; default slog.Default().
	Log *slog.Logger
	// TLS, when set, also serves the native protocol over TLS
	// (tcp_port_secure). Off by default.
	TLS *ClickHouseTLS
}

// ClickHouseTLS configures the native protocol over TLS.
type ClickHouseTLS struct {
	// Port is tcp_port_secure; 0 picks a free port.
	Port int
	// CertFile and KeyFile (PEM, absolute) are the server's certificate
	// and key.
	CertFile, KeyFile string
	// CAFile (PEM, absolute), with VerifyClient, is the CA that must sign
	// client certificates (mutual TLS).
	CAFile       string
	VerifyClient bool
}

// Replica is one server of a cluster shard.
type Replica struct {
	Host string
	Port int // native protocol port
}

var (
	identRe    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	logLevelRe = regexp.MustCompile(`^(trace|debug|information|notice|warning|error|none)$`)
)

// withDefaults fills unset fields.
func (c ClickHouseConfig) withDefaults() ClickHouseConfig {
	if c.LogDir == "" && c.Dir != "" {
		c.LogDir = filepath.Join(c.Dir, "logs")
	}
	if c.Host == "" {
		c.Host = "127.0.0.1"
	}
	if c.Binary == "" {
		c.Binary = ClickHouseBinary
	}
	if c.LogLevel == "" {
		c.LogLevel = "information"
	}
	if c.MaxMemoryUsageBytes == 0 {
		c.MaxMemoryUsageBytes = 4 << 30
	}
	if c.MarkCacheBytes == 0 {
		c.MarkCacheBytes = 256 << 20
	}
	if c.UncompressedCacheBytes == 0 {
		c.UncompressedCacheBytes = 256 << 20
	}
	if c.ShutdownWaitSeconds == 0 {
		c.ShutdownWaitSeconds = 1
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = 60 * time.Second
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = 30 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// Validate names the first field that is wrong.
func (c ClickHouseConfig) Validate() error {
	if c.Dir == "" {
		return errors.New("clickhouse: Dir is empty; give the directory for config and data")
	}
	if !filepath.IsAbs(c.Dir) {
		return fmt.Errorf("clickhouse: Dir %q must be absolute", c.Dir)
	}
	if c.LogDir != "" && !filepath.IsAbs(c.LogDir) {
		return fmt.Errorf("clickhouse: LogDir %q must be absolute", c.LogDir)
	}
	if net.ParseIP(c.Host) == nil {
		return fmt.Errorf("clickhouse: Host %q is not an IP address (use 127.0.0.1)", c.Host)
	}
	for name, p := range map[string]int{"TCPPort": c.TCPPort, "HTTPPort": c.HTTPPort, "InterserverPort": c.InterserverPort} {
		if p < 0 || p > 65535 {
			return fmt.Errorf("clickhouse: %s %d out of range (0 picks a free port)", name, p)
		}
	}
	if !logLevelRe.MatchString(c.LogLevel) {
		return fmt.Errorf("clickhouse: LogLevel %q; want trace, debug, information, warning or error", c.LogLevel)
	}
	if c.MaxMemoryUsageBytes < 0 || c.MarkCacheBytes < 0 || c.UncompressedCacheBytes < 0 {
		return errors.New("clickhouse: memory and cache sizes must be ≥ 0")
	}
	if c.StartTimeout < 0 || c.StopTimeout < 0 {
		return errors.New("clickhouse: StartTimeout and StopTimeout must be ≥ 0")
	}
	if c.ShutdownWaitSeconds < 0 {
		return fmt.Errorf("clickhouse: ShutdownWaitSeconds %d, want ≥ 0", c.ShutdownWaitSeconds)
	}
	if t := c.TLS; t != nil {
		if t.Port < 0 || t.Port > 65535 {
			return fmt.Errorf("clickhouse: TLS.Port %d out of range (0 picks a free port)", t.Port)
		}
		if !filepath.IsAbs(t.CertFile) || !filepath.IsAbs(t.KeyFile) || (t.CAFile != "" && !filepath.IsAbs(t.CAFile)) {
			return errors.New("clickhouse: TLS.CertFile, TLS.KeyFile and TLS.CAFile must be absolute paths")
		}
		if t.VerifyClient && t.CAFile == "" {
			return errors.New("clickhouse: TLS.VerifyClient needs TLS.CAFile")
		}
	}
	for name, shards := range c.Clusters {
		if !identRe.MatchString(name) {
			return fmt.Errorf("clickhouse: cluster name %q is not a plain identifier", name)
		}
		if len(shards) == 0 {
			return fmt.Errorf("clickhouse: cluster %s has no shards", name)
		}
		for i, shard := range shards {
			if len(shard) == 0 {
				return fmt.Errorf("clickhouse: cluster %s shard %d has no replicas", name, i)
			}
			for _, r := range shard {
				if r.Host == "" || r.Port <= 0 || r.Port > 65535 {
					return fmt.Errorf("clickhouse: cluster %s shard %d: bad replica %s:%d", name, i, r.Host, r.Port)
				}
			}
		}
	}
	return nil
}

// clickhouseTemplateData is what config.xml.tmpl and users.xml.tmpl see.
type clickhouseTemplateData struct {
	ClickHouseConfig
	DataDir  string
	Clusters map[string][][]Replica
}

// renderClickHouse returns config.xml and users.xml for c (with defaults
// and ports filled in).
func renderClickHouse(c ClickHouseConfig) (configXML, usersXML string, err error) {
	d := clickhouseTemplateData{ClickHouseConfig: c, DataDir: filepath.Join(c.Dir, "data"), Clusters: c.Clusters}
	if configXML, err = render("config.xml.tmpl", d); err != nil {
		return "", "", err
	}
	if usersXML, err = render("users.xml.tmpl", d); err != nil {
		return "", "", err
	}
	return configXML, usersXML, nil
}

// ClickHouse is one clickhouse-server process with its own configuration,
// data directory and ports. It is independent of any other instance, so
// tests can run several (a cluster) and stop or restart one (fault tests).
type ClickHouse struct {
	mu        sync.Mutex
	cfg       ClickHouseConfig
	autoPorts bool // ports were picked by us and may be re-picked on conflict
	proc      *process
}

// NewClickHouse validates cfg and prepares (but does not start) a server.
func NewClickHouse(cfg ClickHouseConfig) (*ClickHouse, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.TLS != nil {
		t := *cfg.TLS // ours: Start fills the port
		cfg.TLS = &t
	}
	c := &ClickHouse{cfg: cfg, autoPorts: cfg.TCPPort == 0 || cfg.HTTPPort == 0 || cfg.InterserverPort == 0}
	c.proc = &process{
		name:    "clickhouse",
		binary:  cfg.Binary,
		pkg:     ClickHousePackage,
		logPath: filepath.Join(cfg.LogDir, "clickhouse-server.stdout.log"),
		marker:  c.configPath(),
		log:     cfg.Log,
	}
	return c, nil
}

// StartClickHouse starts a new, independent ClickHouse server in dir on
// free loopback ports and waits until it is healthy.
func StartClickHouse(ctx context.Context, dir string, log *slog.Logger) (*ClickHouse, error) {
	c, err := NewClickHouse(ClickHouseConfig{Dir: dir, Log: log, Install: true})
	if err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *ClickHouse) configPath() string { return filepath.Join(c.cfg.Dir, "config.xml") }

// Addr is the native-protocol address host:port (for clickhouse-go and
// EARSHOT_CLICKHOUSE_ADDR).
func (c *ClickHouse) Addr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.TCPPort))
}

// SecureAddr is the native-protocol-over-TLS address host:port ("" without
// TLS).
func (c *ClickHouse) SecureAddr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.TLS == nil {
		return ""
	}
	return net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.TLS.Port))
}

// HTTPAddr is the HTTP interface's address host:port.
func (c *ClickHouse) HTTPAddr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.HTTPPort))
}

// Ports returns the native, HTTP and interserver ports (0 before the
// first Start when they are picked automatically).
func (c *ClickHouse) Ports() (tcp, http, interserver int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg.TCPPort, c.cfg.HTTPPort, c.cfg.InterserverPort
}

// Dir is the server's configuration directory; its data is in Dir/data.
func (c *ClickHouse) Dir() string { return c.cfg.Dir }

// LogDir is where the server logs.
func (c *ClickHouse) LogDir() string { return c.cfg.LogDir }

// PID is the server's pid, or 0 when it is not running.
func (c *ClickHouse) PID() int { return c.proc.PID() }

// Running reports whether the server process is alive (not whether it is
// healthy; see Healthy).
func (c *ClickHouse) Running() bool { return c.proc.alive() }

// Start renders the configuration, starts the server and waits until it
// answers HTTP /ping and a native-protocol SELECT 1. Starting a running
// server is an error. When the ports were picked automatically and one was
// taken meanwhile, Start picks new ones and tries again (up to 3 times).
func (c *ClickHouse) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := EnsureBinary(ctx, c.cfg.Binary, ClickHousePackage, c.cfg.Install, c.cfg.LogDir, c.cfg.Log); err != nil {
		return fmt.Errorf("clickhouse: %w", err)
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = c.pickPortsLocked(attempt > 0); err != nil {
			return err
		}
		if err = c.startOnceLocked(ctx); err == nil {
			return nil
		}
		if !c.autoPorts || ctx.Err() != nil || !strings.Contains(err.Error(), "Address already in use") {
			return err
		}
		c.cfg.Log.Warn("clickhouse port taken meanwhile; picking new ports", "err", err)
	}
	return err
}

// pickPortsLocked fills ports that are 0 (or, with again, re-picks the
// automatic ones).
func (c *ClickHouse) pickPortsLocked(again bool) error {
	if again {
		c.cfg.TCPPort, c.cfg.HTTPPort, c.cfg.InterserverPort = 0, 0, 0
	}
	ps, err := FreePorts(3)
	if err != nil {
		return err
	}
	if c.cfg.TCPPort == 0 {
		c.cfg.TCPPort = ps[0]
	}
	if c.cfg.HTTPPort == 0 {
		c.cfg.HTTPPort = ps[1]
	}
	if c.cfg.InterserverPort == 0 {
		c.cfg.InterserverPort = ps[2]
	}
	if c.cfg.TLS != nil && (c.cfg.TLS.Port == 0 || again) {
		p, err := FreePorts(1)
		if err != nil {
			return err
		}
		c.cfg.TLS.Port = p[0]
	}
	return nil
}

func (c *ClickHouse) startOnceLocked(ctx context.Context) error {
	cfg := c.cfg
	dataDir := filepath.Join(cfg.Dir, "data")
	for _, d := range []string{cfg.Dir, cfg.LogDir, dataDir, filepath.Join(dataDir, "tmp"), filepath.Join(dataDir, "user_files"), filepath.Join(dataDir, "format_schemas")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("clickhouse: %w", err)
		}
	}
	configXML, usersXML, err := renderClickHouse(cfg)
	if err != nil {
		return err
	}
	if err := writeIfChanged(filepath.Join(cfg.Dir, "users.xml"), []byte(usersXML), 0o644); err != nil {
		return fmt.Errorf("clickhouse: write users.xml: %w", err)
	}
	if err := writeIfChanged(c.configPath(), []byte(configXML), 0o644); err != nil {
		return fmt.Errorf("clickhouse: write config.xml: %w", err)
	}
	// The error log is where a failed bind is reported; a fresh one per
	// start keeps old errors out of the message.
	_ = os.Remove(filepath.Join(cfg.LogDir, "clickhouse-server.err.log"))
	start := time.Now()
	if err := c.proc.start([]string{"--config-file=" + c.configPath()}, cfg.Dir); err != nil {
		return err
	}
	if err := c.proc.waitHealthy(ctx, cfg.StartTimeout, c.checkLocked); err != nil {
		errLog := tail(filepath.Join(cfg.LogDir, "clickhouse-server.err.log"), 5)
		_ = c.proc.stop(context.Background(), cfg.StopTimeout)
		return fmt.Errorf("clickhouse: %w\nerror log:\n%s", err, errLog)
	}
	cfg.Log.Info("clickhouse started", "pid", c.proc.PID(), "addr", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.TCPPort)),
		"http", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.HTTPPort)), "dir", cfg.Dir, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Stop stops the server gracefully (SIGTERM, then SIGKILL after
// StopTimeout). Stopping a stopped server is a no-op. The data stays.
func (c *ClickHouse) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	pid := c.proc.PID()
	if err := c.proc.stop(ctx, c.cfg.StopTimeout); err != nil {
		return err
	}
	if pid != 0 {
		c.cfg.Log.Info("clickhouse stopped", "pid", pid, "dir", c.cfg.Dir)
	}
	return nil
}

// Kill stops the server with SIGKILL at once, as a crash would; Start
// brings it back with its data.
func (c *ClickHouse) Kill(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	pid := c.proc.PID()
	if err := c.proc.stop(ctx, 0); err != nil {
		return err
	}
	if pid != 0 {
		c.cfg.Log.Info("clickhouse killed", "pid", pid, "dir", c.cfg.Dir)
	}
	return nil
}

// Restart stops and starts the server on the same ports (unless another
// program took one meanwhile and the ports were automatic).
func (c *ClickHouse) Restart(ctx context.Context) error {
	if err := c.Stop(ctx); err != nil {
		return err
	}
	return c.Start(ctx)
}

// Healthy checks that our process is alive, owns its ports, answers
// HTTP /ping with "Ok." and runs SELECT 1 on the native protocol.
func (c *ClickHouse) Healthy(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checkLocked(ctx)
}

func (c *ClickHouse) checkLocked(ctx context.Context) error {
	pid := c.proc.PID()
	if pid == 0 {
		return errors.New("clickhouse: not running")
	}
	for _, p := range []int{c.cfg.TCPPort, c.cfg.HTTPPort} {
		if !ownsListener(pid, p) {
			return fmt.Errorf("clickhouse: pid %d does not listen on port %d (yet)", pid, p)
		}
	}
	if err := pingHTTP(ctx, "http://"+net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.HTTPPort))+"/ping", "Ok."); err != nil {
		return fmt.Errorf("clickhouse: %w", err)
	}
	return selectOne(ctx, net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.TCPPort)))
}

// adopt takes over a server started earlier with the same Dir (by this or
// another process) if pid is it; the ports must be those it was started
// with.
func (c *ClickHouse) adopt(pid, tcp, http, inter int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.proc.adopt(pid) {
		return false
	}
	c.cfg.TCPPort, c.cfg.HTTPPort, c.cfg.InterserverPort = tcp, http, inter
	return true
}

// selectOne runs SELECT 1 over the native protocol.
func selectOne(ctx context.Context, addr string) error {
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{addr},
		Auth:        clickhouse.Auth{Database: "default", Username: "default"},
		DialTimeout: 2 * time.Second,
		ReadTimeout: 5 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("clickhouse: native connect %s: %w", addr, err)
	}
	defer conn.Close()
	var one uint8
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("clickhouse: native SELECT 1 on %s: %w", addr, err)
	}
	if one != 1 {
		return fmt.Errorf("clickhouse: native SELECT 1 on %s returned %d", addr, one)
	}
	return nil
}

// pingHTTP GETs url and wants status 200 and, when want is not empty, a
// body starting with want.
func pingHTTP(ctx context.Context, url, want string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := healthClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	if want != "" && !strings.HasPrefix(strings.TrimSpace(string(body)), want) {
		return fmt.Errorf("GET %s: body %q, want %q", url, strings.TrimSpace(string(body)), want)
	}
	return nil
}

var healthClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
