// Package embedded is the "embedded default" of the commands that need
// servers but may run on a bare machine (demo, bench, eval): unless the
// configuration points at a ClickHouse and a Kafka, it starts the local
// stack's ClickHouse (package localstack) and the dev Kafka broker (package
// devbroker, in this process), and Stop stops exactly what it started.
//
// "Pointed at" means: the environment variable (EARSHOT_CLICKHOUSE_ADDR,
// EARSHOT_KAFKA_BROKERS) is set, or the configuration file has the section
// (clickhouse:, kafka:). Then the configured server is used as it is.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/devbroker"
	"github.com/earshot-dev/earshot/localstack"
	"github.com/earshot-dev/earshot/storage"
)

// Options says which servers are needed and where the configuration
// points.
type Options struct {
	// ClickHouse and Kafka ask for the servers; a server not asked for is
	// neither started nor checked.
	ClickHouse, Kafka bool
	// Common is the loaded configuration (env overrides applied).
	Common config.Common
	// File is the configuration file, to tell whether it has a clickhouse
	// or kafka section; nil means none.
	File *config.File
	// LookupEnv reads the environment; nil is os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Stack configures the local stack; the zero value is
	// localstack.DefaultConfig(). Its Only is replaced by StackServers.
	Stack *localstack.Config
	// StackServers are the local stack's servers to bring up when
	// ClickHouse is not configured; empty means ClickHouse alone (the demo
	// asks for Prometheus and Alertmanager too).
	StackServers []string
	// Log receives one line per server started or stopped; nil discards.
	Log *slog.Logger
	// Out, when set, receives a human-readable line per server.
	Out io.Writer
}

// Env is the servers to use.
type Env struct {
	ClickHouse storage.Config
	Kafka      bus.Config
	// StartedClickHouse is true when this Env started the local ClickHouse
	// (it was not running); Stop then stops it.
	StartedClickHouse bool
	// Started lists the local stack's servers this Env started (Stop stops
	// them); Endpoints are where the local stack's servers answer.
	Started   []string
	Endpoints localstack.Endpoints
	// Broker is the dev broker this Env started, or nil.
	Broker *devbroker.Broker

	stackCfg localstack.Config
	log      *slog.Logger
	out      io.Writer
}

// PointedAtClickHouse reports whether the environment or the file names a
// ClickHouse.
func PointedAtClickHouse(o Options) bool {
	if v, ok := o.lookup(config.EnvClickHouseAddr); ok && v != "" {
		return true
	}
	return o.File != nil && o.File.Has("clickhouse")
}

// PointedAtKafka reports whether the environment or the file names a Kafka.
func PointedAtKafka(o Options) bool {
	if v, ok := o.lookup(config.EnvKafkaBrokers); ok && v != "" {
		return true
	}
	return o.File != nil && o.File.Has("kafka")
}

func (o Options) lookup(k string) (string, bool) {
	if o.LookupEnv != nil {
		return o.LookupEnv(k)
	}
	return os.LookupEnv(k)
}

// Start returns the servers to use, starting those that are asked for and
// not configured. On error, what it started is stopped again.
func Start(ctx context.Context, o Options) (_ *Env, err error) {
	e := &Env{ClickHouse: o.Common.ClickHouse, Kafka: o.Common.Kafka, log: o.Log, out: o.Out}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.out == nil {
		e.out = io.Discard
	}
	defer func() {
		if err != nil {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if serr := e.Stop(sctx); serr != nil {
				e.log.Warn("embedded: stopping after a failed start", "err", serr)
			}
		}
	}()

	if o.ClickHouse {
		if PointedAtClickHouse(o) {
			fmt.Fprintf(e.out, "ClickHouse: using %s (configured)\n", e.ClickHouse.Addr)
		} else {
			cfg := localstack.DefaultConfig()
			if o.Stack != nil {
				cfg = *o.Stack
			}
			cfg.Only = o.StackServers
			if len(cfg.Only) == 0 {
				cfg.Only = []string{localstack.ServerClickHouse}
			}
			if cfg.Log == nil {
				cfg.Log = e.log
			}
			e.stackCfg = cfg
			st, err := localstack.New(cfg)
			if err != nil {
				return nil, fmt.Errorf("embedded: local stack: %w", err)
			}
			before, _ := st.Status(ctx)
			healthy := map[string]bool{}
			for _, s := range before {
				healthy[s.Name] = s.Healthy
			}
			ep, err := st.Up(ctx)
			if err != nil {
				return nil, fmt.Errorf("embedded: start the local stack (in %s; or set %s to a ClickHouse): %w", st.Root(), config.EnvClickHouseAddr, err)
			}
			for _, name := range cfg.Only {
				if !healthy[name] {
					e.Started = append(e.Started, name)
				}
			}
			e.StartedClickHouse = !healthy[localstack.ServerClickHouse]
			e.Endpoints = ep
			e.ClickHouse.Addr = ep.ClickHouseAddr
			verb := "already running"
			if e.StartedClickHouse {
				verb = "started"
			}
			e.log.Info("local ClickHouse "+verb, "addr", ep.ClickHouseAddr, "dir", st.Root())
			fmt.Fprintf(e.out, "ClickHouse: local stack server %s at %s (data in %s)\n", verb, ep.ClickHouseAddr, st.Root())
		}
	}

	if o.Kafka {
		if PointedAtKafka(o) {
			fmt.Fprintf(e.out, "Kafka: using %s (configured)\n", strings.Join(e.Kafka.Brokers, ","))
		} else {
			b, err := devbroker.Start(1)
			if err != nil {
				return nil, fmt.Errorf("embedded: dev broker: %w", err)
			}
			e.Broker = b
			e.Kafka.Brokers = b.BootstrapServers()
			e.log.Info("dev broker started", "brokers", strings.Join(e.Kafka.Brokers, ","))
			fmt.Fprintf(e.out, "Kafka: dev broker (librdkafka mock cluster, in memory) at %s\n", strings.Join(e.Kafka.Brokers, ","))
		}
	}
	return e, nil
}

// CreateTopics creates the raw, enriched and DLQ topics of c: on the dev
// broker with its own call (the mock cluster does not implement the
// CreateTopics request), elsewhere with bus.EnsureTopics.
func (e *Env) CreateTopics(ctx context.Context, c bus.Config) error {
	if e.Broker != nil {
		if err := e.Broker.CreateTopics(c); err != nil {
			return err
		}
	}
	return bus.EnsureTopics(ctx, c)
}

// Stop stops the dev broker and the local ClickHouse if this Env started
// them. It is safe to call more than once.
func (e *Env) Stop(ctx context.Context) error {
	var errs []error
	if e.Broker != nil {
		e.Broker.Close()
		e.Broker = nil
		e.log.Info("dev broker stopped")
	}
	if len(e.Started) > 0 {
		cfg := e.stackCfg
		cfg.Only = e.Started
		st, err := localstack.New(cfg)
		if err == nil {
			err = st.Down(ctx)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("embedded: stop the local stack: %w", err))
		} else {
			e.log.Info("local stack servers stopped", "servers", strings.Join(e.Started, ","), "dir", st.Root())
			fmt.Fprintf(e.out, "stopped %s (data kept in %s)\n", strings.Join(e.Started, ", "), st.Root())
			e.Started, e.StartedClickHouse = nil, false
		}
	}
	return errors.Join(errs...)
}
