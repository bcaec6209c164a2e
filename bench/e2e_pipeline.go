package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/devbroker"
	"github.com/earshot-dev/earshot/internal/proc"
	"github.com/earshot-dev/earshot/storage"
)

// Worker names: the long-running stages a Pipeline supervises.
const (
	WorkerEnrich = "enrich"
	WorkerSink   = "sink"
)

// Consumer groups of the workers (their defaults), for lag.
const (
	GroupEnrich = "earshot-enrich"
	GroupSink   = "earshot-sink"
	groupDLQ    = "earshot-bench-dlq" // never joins: its lag is the DLQ's end offset
)

// Pipeline is earshot's multi-process pipeline on this machine: the dev
// Kafka broker in this process, and 'earshot enrich', 'earshot sink' and
// 'earshot ingest …' as separate processes of the real binary, wired
// through Kafka into one ClickHouse database. The e2e benchmark and the
// fault suite (e2e/faults_test.go) drive it.
type Pipeline struct {
	// Exe is the earshot binary; Dir holds logs, inputs and checkpoints.
	Exe, Dir string
	// ClickHouse is the server and database the sink writes to.
	ClickHouse storage.Config
	// Kafka points at Broker.
	Kafka  bus.Config
	Broker *devbroker.Broker
	// Env are extra KEY=VALUE pairs for every child, on top of the
	// servers' (see Env).
	Env []string

	configPath string

	mu      sync.Mutex
	workers map[string]*proc.Child
	runs    int
}

// PipelineConfig configures NewPipeline.
type PipelineConfig struct {
	Exe, Dir   string
	ClickHouse storage.Config // Addr, credentials and Database
	// Partitions of the raw, enriched and DLQ topics (default 8: the dev
	// broker keeps ≈5 MiB per partition, so more partitions hold more lag).
	Partitions int
	// Env are extra KEY=VALUE pairs for every child.
	Env []string
	// ConfigYAML, when set, is written to <Dir>/config.yaml and passed to
	// every child with --config (e.g. a sink section to tune batching).
	ConfigYAML string
}

// NewPipeline starts a fresh dev broker with earshot's topics, (re)creates
// cfg.ClickHouse.Database and migrates it with 'earshot migrate up'.
// Close stops the workers and the broker; the database is kept.
func NewPipeline(ctx context.Context, cfg PipelineConfig) (_ *Pipeline, err error) {
	if cfg.Exe == "" || cfg.Dir == "" || cfg.ClickHouse.Addr == "" || cfg.ClickHouse.Database == "" {
		return nil, errors.New("bench: pipeline needs Exe, Dir, ClickHouse.Addr and ClickHouse.Database")
	}
	if cfg.Partitions == 0 {
		cfg.Partitions = 8
	}
	b, err := devbroker.Start(1)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{Exe: cfg.Exe, Dir: cfg.Dir, ClickHouse: cfg.ClickHouse, Broker: b, Env: cfg.Env, workers: map[string]*proc.Child{}}
	if cfg.ConfigYAML != "" {
		if err := ensureDir(cfg.Dir); err != nil {
			return nil, err
		}
		p.configPath = filepath.Join(cfg.Dir, "config.yaml")
		if err := os.WriteFile(p.configPath, []byte(cfg.ConfigYAML), 0o600); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	kc := bus.DefaultConfig()
	kc.Brokers = b.BootstrapServers()
	kc.ClientID = "earshot-bench"
	kc.Partitions = cfg.Partitions
	kc.DialTimeout = 5 * time.Second
	p.Kafka = kc
	if err := b.CreateTopics(kc); err != nil {
		return nil, err
	}
	conn, err := OpenClickHouse(cfg.ClickHouse, "")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	db := cfg.ClickHouse.Database
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		return nil, fmt.Errorf("bench: drop database %s: %w", db, err)
	}
	if err := conn.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		return nil, fmt.Errorf("bench: create database %s: %w", db, err)
	}
	if _, err := p.Run(ctx, "migrate", "migrate", "up"); err != nil {
		return nil, err
	}
	return p, nil
}

// OpenClickHouse connects to c with database as the default ("" for the
// server's).
func OpenClickHouse(c storage.Config, database string) (driver.Conn, error) {
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{c.Addr},
		Auth:        clickhouse.Auth{Database: database, Username: c.User, Password: c.Password},
		DialTimeout: 5 * time.Second,
		ReadTimeout: time.Minute,
		Compression: &clickhouse.Compression{Method: clickhouse.CompressionNone},
	})
	if err != nil {
		return nil, fmt.Errorf("bench: connect to ClickHouse %s: %w", c.Addr, err)
	}
	return conn, nil
}

// ChildEnv is the environment of every child: the servers, then Env.
func (p *Pipeline) ChildEnv() []string {
	env := []string{
		"EARSHOT_LOG_LEVEL=info",
		config.EnvKafkaBrokers + "=" + strings.Join(p.Kafka.Brokers, ","),
		config.EnvClickHouseAddr + "=" + p.ClickHouse.Addr,
		config.EnvClickHouseDatabase + "=" + p.ClickHouse.Database,
	}
	if p.ClickHouse.User != "" {
		env = append(env, config.EnvClickHouseUser+"="+p.ClickHouse.User)
	}
	if p.ClickHouse.Password != "" {
		env = append(env, config.EnvClickHousePassword+"="+p.ClickHouse.Password)
	}
	return append(env, p.Env...)
}

func (p *Pipeline) child(name string, args ...string) *proc.Child {
	p.mu.Lock()
	p.runs++
	n := p.runs
	p.mu.Unlock()
	if p.configPath != "" {
		args = append([]string{"--config", p.configPath}, args...)
	}
	return &proc.Child{
		Name:    name,
		Path:    p.Exe,
		Args:    args,
		Env:     p.ChildEnv(),
		LogPath: filepath.Join(p.Dir, "logs", fmt.Sprintf("%03d-%s.log", n, name)),
	}
}

// StartWorker starts worker name (enrich or sink) with the extra
// arguments; a worker of that name must not be running.
func (p *Pipeline) StartWorker(name string, args ...string) error {
	p.mu.Lock()
	if c := p.workers[name]; c != nil {
		select {
		case <-c.Done():
		default:
			p.mu.Unlock()
			return fmt.Errorf("bench: %s is already running (pid %d)", name, c.Pid())
		}
	}
	p.mu.Unlock()
	c := p.child(name, append([]string{name, "--metrics-addr", "127.0.0.1:0"}, args...)...)
	if err := c.Start(); err != nil {
		return err
	}
	p.mu.Lock()
	p.workers[name] = c
	p.mu.Unlock()
	return nil
}

// StartWorkers starts the sink, then enrich.
func (p *Pipeline) StartWorkers() error {
	for _, w := range []string{WorkerSink, WorkerEnrich} {
		if err := p.StartWorker(w); err != nil {
			return err
		}
	}
	return nil
}

// Worker returns the running child of that name, or nil.
func (p *Pipeline) Worker(name string) *proc.Child {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.workers[name]
}

// Kill sends SIGKILL to worker name and waits for it to die.
func (p *Pipeline) Kill(name string) error {
	c := p.Worker(name)
	if c == nil {
		return fmt.Errorf("bench: no %s worker", name)
	}
	c.Kill()
	return nil
}

// CheckWorkers returns an error naming a worker that exited by itself.
func (p *Pipeline) CheckWorkers() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, c := range p.workers {
		select {
		case <-c.Done():
			return fmt.Errorf("bench: %s exited: %v\n%s", name, c.Err(), c.Tail(3000))
		default:
		}
	}
	return nil
}

// StopWorkers stops enrich, then the sink (so that it flushes what enrich
// wrote last), each with SIGTERM and a grace period.
func (p *Pipeline) StopWorkers() error {
	var errs []error
	for _, name := range []string{WorkerEnrich, WorkerSink} {
		if c := p.Worker(name); c != nil {
			if err := c.Stop(30 * time.Second); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Close stops the workers and the broker.
func (p *Pipeline) Close() error {
	err := p.StopWorkers()
	if p.Broker != nil {
		p.Broker.Close()
	}
	return err
}

// Run runs one earshot subcommand to completion and returns its stdout.
func (p *Pipeline) Run(ctx context.Context, name string, args ...string) (string, error) {
	var stdout bytes.Buffer
	c := p.child(name, args...)
	c.Stdout = &stdout
	if err := c.Start(); err != nil {
		return "", err
	}
	if err := c.Wait(ctx); err != nil {
		_ = c.Stop(5 * time.Second)
		return stdout.String(), fmt.Errorf("bench: earshot %s: %w\n%s", strings.Join(args, " "), err, c.Tail(3000))
	}
	return stdout.String(), nil
}

// StartIngest starts 'earshot ingest <args…>' (a replay, usually) without
// waiting for it; wait on the child's Done, and read its stdout from
// out.
func (p *Pipeline) StartIngest(out *SyncBuffer, args ...string) (*proc.Child, error) {
	c := p.child("ingest", append([]string{"ingest"}, args...)...)
	if out != nil {
		c.Stdout = out
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	return c, nil
}

// Replay publishes file with 'earshot ingest replay' (extra arguments
// such as --speed) and returns how many records it published.
func (p *Pipeline) Replay(ctx context.Context, file string, args ...string) (int64, error) {
	ck := filepath.Join(p.Dir, "checkpoints", fmt.Sprintf("%s-%d.json", filepath.Base(file), time.Now().UnixNano()))
	out, err := p.Run(ctx, "ingest", append([]string{"ingest", "replay", file, "--checkpoint", ck, "--progress", "none"}, args...)...)
	if err != nil {
		return 0, err
	}
	return PublishedFromSummary(out)
}

var publishedRE = regexp.MustCompile(`published=(\d+)`)

// PublishedFromSummary reads published=N from the replay's summary line.
func PublishedFromSummary(out string) (int64, error) {
	m := publishedRE.FindAllStringSubmatch(out, -1)
	if m == nil {
		return 0, fmt.Errorf("bench: ingest replay printed no published=N summary (got %q)", out)
	}
	return strconv.ParseInt(m[len(m)-1][1], 10, 64)
}

// Progress is where the pipeline stands, from the consumer groups'
// committed offsets.
type Progress struct {
	Raw, Enriched, DLQ  int64 // topic end offsets
	RawLag, EnrichedLag int64 // uncommitted records of enrich and sink
}

// Drained reports whether every one of published raw records is enriched
// (or dead-lettered) and every enriched one is confirmed in ClickHouse: the
// sink commits only after ClickHouse confirmed the insert.
func (g Progress) Drained(published int64) bool {
	return g.Raw >= published && g.RawLag == 0 && g.EnrichedLag == 0 && g.Enriched+g.DLQ >= g.Raw
}

// Progress asks the broker.
func (p *Pipeline) Progress(ctx context.Context) (Progress, error) {
	var g Progress
	var err1, err2, err3 error
	g.RawLag, g.Raw, err1 = bus.Lag(ctx, p.Kafka, GroupEnrich, p.Kafka.RawTopic)
	g.EnrichedLag, g.Enriched, err2 = bus.Lag(ctx, p.Kafka, GroupSink, p.Kafka.EnrichedTopic)
	_, g.DLQ, err3 = bus.Lag(ctx, p.Kafka, groupDLQ, p.Kafka.DLQTopic)
	return g, errors.Join(err1, err2, err3)
}

// WaitDrained waits until Progress.Drained(published), failing early
// when a worker exits by itself (unless tolerate says the fault test is
// restarting it).
func (p *Pipeline) WaitDrained(ctx context.Context, published int64, timeout time.Duration) (Progress, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last Progress
	var lastErr error
	for {
		if err := p.CheckWorkers(); err != nil {
			return last, err
		}
		g, err := p.Progress(ctx)
		if err == nil {
			last = g
			if g.Drained(published) {
				return g, nil
			}
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("bench: pipeline not drained after %s: %+v of %d published (last error: %v)", timeout, last, published, lastErr)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// SyncBuffer is a bytes.Buffer safe for a child's writes and the
// caller's reads.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ensureDir creates dir.
func ensureDir(dir string) error { return os.MkdirAll(dir, 0o755) }
