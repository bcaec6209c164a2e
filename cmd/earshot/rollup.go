package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/storage"
)

var rollupFlags struct {
	Lookback time.Duration
	Settle   time.Duration
	Backfill bool
}

func init() {
	c := &cobra.Command{
		Use:   "rollup",
		Short: "Roll up first responses of settled hours (and backfill the volume rollups)",
		Long: `rollup computes, for every hour of posts in the last --lookback that ended at
least --settle ago and is not done yet, the first brand reply to each answered
customer post (table first_responses), which feeds the response-time rollup
brand_frt_hourly. An hour is rolled up once; running rollup again is a no-op
for done hours. Run it hourly (cron, a Kubernetes CronJob).

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
			a, err := newApp("rollup", false)
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
			out := cmd.OutOrStdout()
			if rollupFlags.Backfill {
				start := time.Now()
				if err := storage.BackfillRollups(ctx, conn, cfg.Database); err != nil {
					return err
				}
				fmt.Fprintf(out, "backfilled brand_hourly and brand_reason_hourly in %s\n", time.Since(start).Round(time.Millisecond))
			}
			now := time.Now().UTC()
			hours, err := storage.RollupFirstResponses(ctx, conn, cfg.Database, now.Add(-rollupFlags.Lookback), now, rollupFlags.Settle, now)
			fmt.Fprintf(out, "rolled up first responses of %d hours", len(hours))
			if len(hours) > 0 {
				fmt.Fprintf(out, " (%s – %s)", hours[0].Format(time.RFC3339), hours[len(hours)-1].Add(time.Hour).Format(time.RFC3339))
			}
			fmt.Fprintln(out)
			if err == nil {
				a.Log.Info("rollup", "database", cfg.Database, "hours", len(hours), "backfill", rollupFlags.Backfill)
			}
			return err
		},
	}
	f := c.Flags()
	f.DurationVar(&rollupFlags.Lookback, "lookback", 30*24*time.Hour, "roll up pending hours of posts this far back")
	f.DurationVar(&rollupFlags.Settle, "settle", storage.DefaultSettle, "an hour is rolled up this long after it ended (later replies are not counted in the rollup)")
	f.BoolVar(&rollupFlags.Backfill, "backfill", false, "first fill brand_hourly and brand_reason_hourly from the stored mentions")
	rootCmd.AddCommand(c)
}
