package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/bench"
	"github.com/earshot-dev/earshot/internal/embedded"
	"github.com/earshot-dev/earshot/localstack"
	chsink "github.com/earshot-dev/earshot/sink/clickhouse"
)

var benchE2EFlags struct {
	Rate       int
	Duration   time.Duration
	Max        bool
	MinRate    int
	MaxRate    int
	Precision  float64
	MaxP99     time.Duration
	Drain      time.Duration
	Partitions int
	CeilingN   int
	Database   string
	Dir        string
	Keep       bool
	Timeout    time.Duration
	Warmup     time.Duration
	Profile    bool
}

func init() {
	c := &cobra.Command{
		Use:   "e2e",
		Short: "Whole-pipeline mentions/s and post-to-queryable latency at a paced rate; last line e2e_mentions_per_sec p99_latency_ms ceiling_rows_per_sec",
		Long: `bench e2e drives the local pipeline — the dev Kafka broker (in this process),
'earshot ingest replay', 'earshot enrich' and 'earshot sink' as separate
processes of this binary, and ClickHouse (the local stack's, started when
EARSHOT_CLICKHOUSE_ADDR / the clickhouse section do not name one) — with the
simulator's traffic at a paced rate, and measures it.

Each trial: a fresh dev broker and database <database>_r<rate>; --rate ×
--duration simulated mentions (the default week cycled, ids sim:0…, created_at
spaced 1/rate apart so that 'ingest replay --speed 1' publishes them at the
rate); one record through the whole pipeline (the consumer groups join); then
one paced replay of --warmup (default 10s) of the same traffic, unmeasured
(ids sim:9000000001…: heaps, buffers, windows and ClickHouse's parts reach
their working sizes), followed at once by the trial's records. A mention is "posted" when the paced replay makes it due
(the replay logs when its schedule starts; the wait in ingest's publisher
batch counts) and "queryable" when a SELECT counts it: the bench polls
ClickHouse every 100 ms in slots of 50 ms of schedule (latency resolution
≈ 150 ms), and the raw topic's end offset every 50 ms for the
kafka_to_queryable_* figures, which leave ingest's batch out. CPU (cores) and peak RSS of each
process come from /proc/<pid>/stat and status. --profile also takes a CPU
profile of ingest, enrich and the sink over the trial (from its first record
in Kafka, for --duration minus 2 s; served by each worker's pprof endpoint,
config pprof: true) into cpu-<worker>.pprof beside latency.csv.

--max searches the highest sustainable rate by bisection between --min-rate
and --max-rate to --precision: a rate is sustainable when every published
mention is queryable within --drain after ingest ends, the p99 latency is at
most --max-p99, and the measured rate is at least 90 % of the paced one.

The ceiling: the same records, not enriched, published by the bench to a fresh
broker while one 'earshot sink' copies them into <database>_ceiling (at most
3 MiB per partition ahead of the sink: the dev broker keeps ≈5 MiB).

Prints name=value lines per trial — among them p50_by_third_ms and
p99_by_third_ms, the latency of the first, middle and last third of the
trial's records (a pipeline that keeps up has a last third about as fast as its
first; one that falls behind, a latency that grows from third to third) — and last e2e_mentions_per_sec=N p99_latency_ms=N ceiling_rows_per_sec=N.`,
		Example: `  earshot bench e2e --rate 5000 --duration 30s
  earshot bench e2e --max --duration 20s`,
		Args: cobra.NoArgs,
		RunE: runBenchE2E,
	}
	d := bench.DefaultE2EConfig()
	f := c.Flags()
	f.IntVar(&benchE2EFlags.Rate, "rate", d.Rate, "paced ingest rate, mentions/s")
	f.DurationVar(&benchE2EFlags.Duration, "duration", d.Duration, "how long ingest publishes (each trial)")
	f.BoolVar(&benchE2EFlags.Max, "max", false, "search the highest sustainable rate instead of running at --rate")
	f.IntVar(&benchE2EFlags.MinRate, "min-rate", d.MinRate, "--max: lowest rate tried")
	f.IntVar(&benchE2EFlags.MaxRate, "max-rate", d.MaxRate, "--max: upper bound of the search")
	f.Float64Var(&benchE2EFlags.Precision, "precision", d.Precision, "--max: stop when the bracket is within this fraction")
	f.DurationVar(&benchE2EFlags.MaxP99, "max-p99", d.MaxP99, "p99 latency bound of a sustainable rate")
	f.DurationVar(&benchE2EFlags.Drain, "drain", d.Drain, "wait at most this long for the last mentions after ingest ends")
	f.IntVar(&benchE2EFlags.Partitions, "partitions", d.Partitions, "partitions of the dev broker's topics")
	f.IntVar(&benchE2EFlags.CeilingN, "ceiling-rows", d.CeilingN, "rows of the bare Kafka → ClickHouse copy (0 skips it)")
	f.StringVar(&benchE2EFlags.Database, "database", d.Database, "prefix of the databases to (re)create; must contain \"bench\"")
	f.StringVar(&benchE2EFlags.Dir, "dir", "", "inputs and logs (default .earshot/bench-e2e)")
	f.BoolVar(&benchE2EFlags.Keep, "keep", false, "keep the benchmark databases")
	f.DurationVar(&benchE2EFlags.Timeout, "timeout", time.Hour, "give up after this long")
	f.DurationVar(&benchE2EFlags.Warmup, "warmup", d.Warmup, "unmeasured traffic at each trial's rate right before it, in the same replay")
	f.BoolVar(&benchE2EFlags.Profile, "profile", false, "write CPU profiles of ingest, enrich and the sink over each trial (cpu-<worker>.pprof in the trial's directory)")
	benchCmd.AddCommand(c)
}

func runBenchE2E(cmd *cobra.Command, _ []string) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), benchE2EFlags.Timeout)
	defer cancel()
	a, err := newApp("bench", false)
	if err != nil {
		return err
	}
	reg, err := a.registry()
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench e2e: cannot find its own executable: %w", err)
	}
	dir := benchE2EFlags.Dir
	if dir == "" {
		dir = filepath.Join(filepath.Dir(localstack.DefaultRoot()), "bench-e2e")
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	env, err := embedded.Start(ctx, embedded.Options{ClickHouse: true, Common: a.Common, File: a.File, Log: a.Log, Out: cmd.ErrOrStderr()})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := env.Stop(sctx); err != nil {
			a.Log.Warn("bench e2e: stopping servers", "err", err)
		}
	}()
	cfg := bench.DefaultE2EConfig()
	fl := benchE2EFlags
	cfg.Rate, cfg.Duration, cfg.Max = fl.Rate, fl.Duration, fl.Max
	cfg.MinRate, cfg.MaxRate, cfg.Precision = fl.MinRate, fl.MaxRate, fl.Precision
	cfg.MaxP99, cfg.Drain, cfg.Partitions, cfg.CeilingN = fl.MaxP99, fl.Drain, fl.Partitions, fl.CeilingN
	cfg.Database, cfg.Keep, cfg.Warmup, cfg.Profile = fl.Database, fl.Keep, fl.Warmup, fl.Profile
	if globalFlags.ConfigPath != "" { // the workers read the same file
		b, err := os.ReadFile(globalFlags.ConfigPath)
		if err != nil {
			return fmt.Errorf("bench e2e: %w", err)
		}
		cfg.ConfigYAML = string(b)
	}
	sinkCfg := chsink.DefaultConfig()
	if err := a.section("sink", &sinkCfg); err != nil {
		return err
	}
	cfg.InsertConcurrency = sinkCfg.InsertConcurrency
	rep, err := bench.E2E(ctx, cfg, bench.E2EEnv{
		Exe: exe, Dir: dir, ClickHouse: env.ClickHouse, Registry: reg, Log: a.Log, Progress: cmd.ErrOrStderr(),
	})
	if err != nil {
		return err
	}
	_, err = rep.WriteTo(cmd.OutOrStdout())
	return err
}
