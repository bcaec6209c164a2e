package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/bench"
	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/internal/embedded"
	"github.com/earshot-dev/earshot/localstack"
	chsink "github.com/earshot-dev/earshot/sink/clickhouse"
)

var benchEnrichFlags struct {
	Duration   time.Duration
	Count      int
	Workers    int
	TWCS       string
	CPUProfile string
}

var benchSinkFlags struct {
	N                int
	Database         string
	Partitions       int
	ClickHouseClient string
	Keep             bool
	Paced            bool
	Timeout          time.Duration
}

var benchCmd = &cobra.Command{
	Use:   "bench",
	Short: "Measure a stage's throughput on this machine",
	Long: `bench measures one stage on realistic data and prints one name=value line per
figure, the headline last. Speed goals live here, not in timed tests.`,
	Args: cobra.NoArgs,
}

func init() {
	e := &cobra.Command{
		Use:   "enrich",
		Short: "Enrich throughput in-process on all cores and on one; last line enrich_mentions_per_sec_per_core",
		Long: `bench enrich replays a realistic corpus — the simulator's default week, generated
in memory, plus the twcs sample (../shared/datasets/twcs/twcs_first5000.csv, read
by the replay stage's decoder) when it is present — through the whole enrich
chain in-process: decode the raw record, every enricher of the configured
pipeline, stamp and encode the enriched record. Kafka is not involved.

It runs for --duration (or --count mentions) on every core, then on one core
(GOMAXPROCS=1), and prints mentions, seconds, mentions_per_sec,
allocs_per_mention, bytes_per_mention, the one-core figures, each enricher's
share of the time, rss_bytes (peak resident set), and last
enrich_mentions_per_sec_per_core (the one-core rate). --cpuprofile writes a
CPU profile of both phases (go tool pprof) — on a machine whose speed
drifts, the shares in a profile compare two builds better than their rates.`,
		Args: cobra.NoArgs,
		RunE: runBenchEnrich,
	}
	f := e.Flags()
	f.DurationVar(&benchEnrichFlags.Duration, "duration", 10*time.Second, "how long each phase runs")
	f.IntVar(&benchEnrichFlags.Count, "count", 0, "mentions per phase instead of a duration")
	f.IntVar(&benchEnrichFlags.Workers, "workers", 0, "workers in the all-cores phase (default one per core)")
	f.StringVar(&benchEnrichFlags.CPUProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	f.StringVar(&benchEnrichFlags.TWCS, "twcs", "auto", `twcs CSV to add to the corpus; "auto" finds ../shared/datasets/twcs/twcs_first5000.csv, "none" adds nothing`)
	benchCmd.AddCommand(e)

	s := &cobra.Command{
		Use:   "sink",
		Short: "Sink rows/s from Kafka into ClickHouse vs clickhouse-client's bulk load; last line sink_rows_per_sec",
		Long: `bench sink measures the ClickHouse sink with its production batch settings
(section "sink") against the ceiling of this ClickHouse server.

Unless EARSHOT_CLICKHOUSE_ADDR / the clickhouse section and EARSHOT_KAFKA_BROKERS
/ the kafka section point at servers, it starts the local stack's ClickHouse and
the dev Kafka broker itself, and stops what it started.

  1. Generates N enriched mentions: the simulator's traffic scaled to N,
     enriched in-process by the configured pipeline.
  2. Drops and migrates two databases, <database> and <database>_ceiling.
  3. sink_rows_per_sec: publishes the records to a fresh topic (with the
     configured kafka.compression), checks that the broker still holds every
     one, then starts the real sink, which consumes the topic into <database>;
     timed from the sink's first fetch to its last confirmed insert; then
     checks that <database>.mentions holds exactly N distinct ids. With
     --paced the records are published while the sink consumes, never more
     than 3 MiB per partition ahead of it (the dev broker keeps only ≈5 MiB
     per partition), and the publisher and broker share the CPU with the sink.
     Before this step and the next, the bench waits until the server has no
     background merges running.
  4. ceiling_rows_per_sec: the same rows as a JSONEachRow file loaded by
     clickhouse-client into <database>_ceiling.mentions (same schema and
     materialized views), checked the same way.

Prints n, the timings, ratio (sink/ceiling), ceiling_rows_per_sec and last
sink_rows_per_sec. The databases are dropped at the end unless --keep.`,
		Args: cobra.NoArgs,
		RunE: runBenchSink,
	}
	f = s.Flags()
	f.IntVar(&benchSinkFlags.N, "n", 500_000, "enriched mentions to write")
	f.StringVar(&benchSinkFlags.Database, "database", "earshot_bench", "database to (re)create; its name must contain \"bench\"")
	f.IntVar(&benchSinkFlags.Partitions, "partitions", bench.DefaultSinkConfig().Partitions, "partitions of the benchmark topic")
	f.StringVar(&benchSinkFlags.ClickHouseClient, "clickhouse-client", "clickhouse-client", "clickhouse-client executable for the ceiling")
	f.BoolVar(&benchSinkFlags.Keep, "keep", false, "keep the benchmark databases")
	f.BoolVar(&benchSinkFlags.Paced, "paced", false, "publish while the sink consumes instead of before it starts")
	f.DurationVar(&benchSinkFlags.Timeout, "timeout", 20*time.Minute, "give up after this long")
	benchCmd.AddCommand(s)
	rootCmd.AddCommand(benchCmd)
}

// benchPipeline builds the enrich pipeline as `earshot enrich` does, from
// the configuration's enrich section.
func benchPipeline(a *app) (*enrich.Pipeline, error) {
	cfg := defaultEnrichSection()
	if err := a.File.Section("enrich", &cfg); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config enrich: %w", err)
	}
	reg, err := a.registry()
	if err != nil {
		return nil, err
	}
	return buildPipeline(cfg, reg)
}

// datasetsDir is ../shared/datasets beside the repository, or "".
func datasetsDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	root, ok := localstack.RepoRoot(wd)
	if !ok {
		return ""
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "datasets")
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dir
	}
	return ""
}

func runBenchEnrich(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	a, err := newApp("bench", false)
	if err != nil {
		return err
	}
	pipe, err := benchPipeline(a)
	if err != nil {
		return err
	}
	reg, err := a.registry()
	if err != nil {
		return err
	}
	twcs := benchEnrichFlags.TWCS
	switch twcs {
	case "auto":
		twcs = ""
		if d := datasetsDir(); d != "" {
			twcs = filepath.Join(d, "twcs", "twcs_first5000.csv")
		}
	case "none":
		twcs = ""
	default:
		if _, err := os.Stat(twcs); err != nil {
			return fmt.Errorf("bench enrich: --twcs: %w", err)
		}
	}
	corpus, err := bench.EnrichCorpus(ctx, reg, twcs)
	if err != nil {
		return err
	}
	cfg := bench.DefaultEnrichConfig()
	cfg.Duration, cfg.Count, cfg.Workers = benchEnrichFlags.Duration, benchEnrichFlags.Count, benchEnrichFlags.Workers
	if cfg.Count > 0 {
		cfg.Duration = 0
	}
	a.Log.Info("bench enrich", "corpus", len(corpus.Records), "duration", cfg.Duration, "count", cfg.Count)
	if path := benchEnrichFlags.CPUProfile; path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("bench enrich: --cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench enrich: --cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := bench.Enrich(ctx, cfg, pipe, corpus)
	if err != nil {
		return err
	}
	_, err = rep.WriteTo(cmd.OutOrStdout())
	return err
}

func runBenchSink(cmd *cobra.Command, _ []string) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), benchSinkFlags.Timeout)
	defer cancel()
	a, err := newApp("bench", false)
	if err != nil {
		return err
	}
	sinkCfg := chsink.DefaultConfig()
	if err := a.section("sink", &sinkCfg); err != nil {
		return err
	}
	pipe, err := benchPipeline(a)
	if err != nil {
		return err
	}
	reg, err := a.registry()
	if err != nil {
		return err
	}
	env, err := embedded.Start(ctx, embedded.Options{ClickHouse: true, Kafka: true, Common: a.Common, File: a.File, Log: a.Log, Out: cmd.ErrOrStderr()})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := env.Stop(sctx); err != nil {
			a.Log.Warn("bench sink: stopping servers", "err", err)
		}
	}()
	cfg := bench.DefaultSinkConfig()
	cfg.N = benchSinkFlags.N
	cfg.Database = benchSinkFlags.Database
	cfg.Partitions = benchSinkFlags.Partitions
	cfg.ClickHouseClient = benchSinkFlags.ClickHouseClient
	cfg.Keep = benchSinkFlags.Keep
	cfg.Prefill = !benchSinkFlags.Paced
	cfg.Sink = sinkCfg
	rep, err := bench.Sink(ctx, cfg, bench.SinkEnv{Env: env, Pipeline: pipe, Registry: reg, Log: a.Log, Progress: cmd.ErrOrStderr()})
	if err != nil {
		return err
	}
	_, err = rep.WriteTo(cmd.OutOrStdout())
	return err
}
