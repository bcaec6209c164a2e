package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/storage"
)

var rollupFlags struct {
	Lookback      time.Duration
	Settle        time.Duration
	Backfill      bool
	InboundSettle time.Duration
	Margin        time.Duration
	Every         time.Duration
}

func init() {
	c := &cobra.Command{
		Use:   "rollup",
		Short: "Roll up first responses and inbound posts of settled hours (and backfill the volume rollups)",
		Long: `rollup computes, for every hour of posts in the last --lookback that ended at
least --settle ago and is not done yet, the first brand reply to each answered
customer post (table first_responses), which feeds the response-time rollup
brand_frt_hourly. An hour is rolled up once; running rollup again is a no-op
for done hours.

It also keeps inbound_posts current, the leaderboard's exact per-post table:
every hour of posts in the lookback that ended at least --inbound-settle ago is
computed once, and each run computes again the posts that inserts touched since
the previous run (late replies, new versions, re-deliveries). The leaderboard
reads the rolled-up hours from it and the rest from the raw tables, with the
same numbers either way; the more of a period is rolled up, the faster it is.

Run it every few minutes: --every 5m keeps running (a service), or schedule
single runs (cron, a Kubernetes CronJob).

The volume, sentiment and contact-reason rollups (brand_hourly,
brand_reason_hourly) are filled by materialized views on every insert; after
'earshot migrate up' on a database that already held mentions, run
'earshot rollup --backfill' once to fill them from the stored mentions.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if rollupFlags.Lookback <= 0 || rollupFlags.Settle < 0 {
				return fmt.Errorf("rollup: --lookback %s must be > 0 and --settle %s ≥ 0", rollupFlags.Lookback, rollupFlags.Settle)
			}
			if rollupFlags.Every < 0 {
				return fmt.Errorf("rollup: --every %s must be ≥ 0 (0: run once)", rollupFlags.Every)
			}
			inb := storage.InboundOptions{Lookback: rollupFlags.Lookback, Settle: rollupFlags.InboundSettle, Margin: rollupFlags.Margin}
			if err := inb.Validate(); err != nil {
				return err
			}
			a, err := newApp("rollup", rollupFlags.Every > 0) // a service serves /metrics, /healthz, /readyz
			if err != nil {
				return err
			}
			defer a.close()
			cfg := a.Common.ClickHouse
			conn, err := openChecked(ctx, cfg, 30*time.Second)
			if err != nil {
				return err
			}
			defer conn.Close()
			a.Health.AddCheck("clickhouse", func(ctx context.Context) error { return conn.Ping(ctx) })
			out := cmd.OutOrStdout()
			if rollupFlags.Backfill {
				start := time.Now()
				if err := storage.BackfillRollups(ctx, conn, cfg.Database); err != nil {
					return err
				}
				fmt.Fprintf(out, "backfilled brand_hourly and brand_reason_hourly in %s\n", time.Since(start).Round(time.Millisecond))
			}
			for {
				start := time.Now()
				err := rollupOnce(ctx, conn, cfg.Database, inb, out)
				if err == nil {
					a.Log.Info("rollup", "database", cfg.Database, "took", time.Since(start).Round(time.Millisecond))
				}
				if rollupFlags.Every == 0 {
					return err
				}
				if err != nil {
					// A service keeps going: the next run does what this
					// one could not.
					a.Log.Error("rollup", "err", err)
				}
				t := time.NewTimer(rollupFlags.Every)
				select {
				case <-ctx.Done():
					t.Stop()
					return nil
				case <-t.C:
				}
			}
		},
	}
	f := c.Flags()
	f.DurationVar(&rollupFlags.Lookback, "lookback", 30*24*time.Hour, "roll up pending hours of posts this far back")
	f.DurationVar(&rollupFlags.Settle, "settle", storage.DefaultSettle, "an hour's first responses are rolled up this long after it ended (later replies are not counted in that rollup)")
	f.DurationVar(&rollupFlags.InboundSettle, "inbound-settle", storage.DefaultInboundSettle, "an hour's inbound posts are first computed this long after it ended (later changes are picked up by the next runs)")
	f.DurationVar(&rollupFlags.Margin, "margin", storage.DefaultInboundMargin, "the inbound_posts watermark is set this long before a run starts: longer than any insert into mentions takes")
	f.DurationVar(&rollupFlags.Every, "every", 0, "keep running, one run every this long (0: run once)")
	f.BoolVar(&rollupFlags.Backfill, "backfill", false, "first fill brand_hourly and brand_reason_hourly from the stored mentions")
	rootCmd.AddCommand(c)
}

// rollupOnce runs both rollups once and prints what they did.
func rollupOnce(ctx context.Context, conn driver.Conn, db string, inb storage.InboundOptions, out io.Writer) error {
	now := time.Now().UTC()
	hours, err := storage.RollupFirstResponses(ctx, conn, db, now.Add(-rollupFlags.Lookback), now, rollupFlags.Settle, now)
	fmt.Fprintf(out, "rolled up first responses of %d hours", len(hours))
	if len(hours) > 0 {
		fmt.Fprintf(out, " (%s – %s)", hours[0].Format(time.RFC3339), hours[len(hours)-1].Add(time.Hour).Format(time.RFC3339))
	}
	fmt.Fprintln(out)
	if err != nil {
		return err
	}
	start := time.Now()
	run, err := storage.RollupInboundPosts(ctx, conn, db, inb)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "inbound posts: %d new hours", len(run.Hours))
	if len(run.Hours) > 0 {
		fmt.Fprintf(out, " (%s – %s)", run.Hours[0].Format(time.RFC3339), run.Hours[len(run.Hours)-1].Add(time.Hour).Format(time.RFC3339))
	}
	fmt.Fprintf(out, ", touched posts recomputed: %t, watermark %s, in %s\n", run.Recomputed, run.Watermark.Format(time.RFC3339), time.Since(start).Round(time.Millisecond))
	return nil
}
