package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/bus"
	chsink "github.com/earshot-dev/earshot/sink/clickhouse"
)

var sinkFlags struct {
	Group        string
	CreateTopics bool
}

func init() {
	c := &cobra.Command{
		Use:   "sink",
		Short: "Write enriched mentions from Kafka into ClickHouse",
		Long: `sink consumes earshot.mentions.enriched as a consumer group (default
earshot-sink) and inserts the mentions into ClickHouse in large columnar
batches: 100k rows, 64 MiB or 700 ms, whichever comes first (section "sink":
batch_rows, batch_bytes, flush_interval; a batch keeps growing while every
insert slot is busy), two inserts in flight, offsets committed in order. Kafka offsets are committed only
after ClickHouse confirmed the insert; a mention delivered twice is stored
twice and counted once (every table is a ReplacingMergeTree on the mention id
and every query deduplicates). Records that are not valid Mention v1 JSON, or
that ClickHouse rejects, go to earshot.mentions.dlq with the reason. While
ClickHouse fails the sink retries with back-off and stops consuming.

The schema must be migrated first (earshot migrate up). Run as many sinks as
the enriched topic has partitions; they share the work. It runs until SIGTERM
or Ctrl-C, then inserts and commits the batch it holds.

  sink:
    group: earshot-sink
    batch_rows: 100000
    batch_bytes: 67108864
    flush_interval: 700ms
    insert_timeout: 2m
    retry_initial: 200ms
    retry_max: 30s
    shutdown_timeout: 30s
    fetch_buffer: 4096
    insert_concurrency: 2
    decode_workers: 2      # default: CPUs, at most 4
    gc_percent: 300        # GOGC of the sink process; the GOGC variable wins`,
		Args: cobra.NoArgs,
		RunE: runSink,
	}
	f := c.Flags()
	f.StringVar(&sinkFlags.Group, "group", "", "consumer group (overrides sink.group; default "+chsink.DefaultGroup+")")
	f.BoolVar(&sinkFlags.CreateTopics, "create-topics", true, "create the raw, enriched and DLQ topics if they are missing")
	rootCmd.AddCommand(c)
}

func runSink(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	a, err := newApp("sink", true)
	if err != nil {
		return err
	}
	defer a.close()

	cfg := chsink.DefaultConfig()
	if err := a.File.Section("sink", &cfg); err != nil {
		return err
	}
	if sinkFlags.Group != "" {
		cfg.Group = sinkFlags.Group
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("config sink: %w", err)
	}
	defer cfg.ApplyGC()()
	kc, chc := a.Common.Kafka, a.Common.ClickHouse
	if err := kc.Validate(); err != nil {
		return err
	}

	conn, err := openChecked(ctx, chc, time.Minute)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while waiting
		}
		return fmt.Errorf("sink: %w", err)
	}
	defer conn.Close()

	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = bus.WaitReachable(wctx, kc)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("sink: %w (set EARSHOT_KAFKA_BROKERS or kafka.brokers)", err)
	}
	if sinkFlags.CreateTopics {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := bus.EnsureTopics(tctx, kc)
		cancel()
		if err != nil {
			return fmt.Errorf("sink: %w (create the topics yourself and pass --create-topics=false)", err)
		}
	}

	// GroupReader, not bus.NewReader: it commits only partitions this
	// member owns in the current generation (see its doc).
	met := chsink.NewMetrics(a.Reg)
	reader, err := chsink.NewGroupReader(kc, kc.EnrichedTopic, cfg.Group, met, a.Log)
	if err != nil {
		return err
	}
	defer reader.Close() // leaves the group, so that the partitions move at once
	dlq := bus.NewWriter(kc, kc.DLQTopic)
	defer dlq.Close()
	s, err := chsink.New(cfg, chsink.Options{
		Conn:     conn,
		Database: chc.Database,
		Reader:   reader,
		DLQ:      dlq,
		Metrics:  met,
		Log:      a.Log,
	})
	if err != nil {
		return err
	}
	a.Health.AddCheck("clickhouse", s.Ready)
	a.Log.Info("sink configured", "brokers", strings.Join(kc.Brokers, ","), "topic", kc.EnrichedTopic,
		"clickhouse", chc.Addr, "database", chc.Database)
	go bus.NewLagMonitor(kc, cfg.Group, kc.EnrichedTopic, 15*time.Second, a.Reg, a.Log).Run(ctx)
	return s.Run(ctx)
}
