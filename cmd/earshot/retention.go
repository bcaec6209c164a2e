package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/storage"
)

var retentionFlags struct {
	Months int
	DryRun bool
}

func init() {
	c := &cobra.Command{
		Use:   "retention",
		Short: "Drop monthly partitions older than the retention period",
		Long: `retention drops, in every earshot table (mentions, mention_brands,
replies, the rollups), the monthly partitions older than N months before the
current month (UTC): with N = 12 in November 2026, October 2025 and older go,
November 2025 onwards stays. Dropping a partition is instant and final.

N is --months, else clickhouse.retention_months (env: none; 0 keeps all and
makes this command refuse to run). --dry-run lists what would be dropped.
Run it daily (cron, a Kubernetes CronJob); it is idempotent.

  clickhouse:
    retention_months: 24`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			a, err := newApp("retention", false)
			if err != nil {
				return err
			}
			defer a.close()
			cfg := a.Common.ClickHouse
			if cmd.Flags().Changed("months") {
				cfg.RetentionMonths = retentionFlags.Months
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			if cfg.RetentionMonths < 1 {
				return fmt.Errorf("retention: no retention period: pass --months N or set clickhouse.retention_months (N ≥ 1)")
			}
			conn, err := openChecked(ctx, cfg, 30*time.Second)
			if err != nil {
				return err
			}
			defer conn.Close()
			r := &storage.Retention{Conn: conn, Database: cfg.Database, Cluster: cfg.Cluster, Months: cfg.RetentionMonths}
			parts, err := r.Apply(ctx, retentionFlags.DryRun)
			verb := "dropped"
			if retentionFlags.DryRun {
				verb = "would drop"
			}
			out := cmd.OutOrStdout()
			if len(parts) > 0 {
				w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
				fmt.Fprintln(w, "TABLE\tPARTITION\tROWS\tBYTES")
				for _, p := range parts {
					fmt.Fprintf(w, "%s\t%s\t%d\t%d\n", p.Table, p.Month, p.Rows, p.Bytes)
				}
				w.Flush()
			}
			var rows uint64
			for _, p := range parts {
				rows += p.Rows
			}
			fmt.Fprintf(out, "%s %d partitions (%d rows) of %s older than %s (retention %d months)\n",
				verb, len(parts), rows, cfg.Database, r.Cutoff(), cfg.RetentionMonths)
			if err == nil {
				a.Log.Info("retention", "database", cfg.Database, "months", cfg.RetentionMonths, "partitions", len(parts), "rows", rows, "dry_run", retentionFlags.DryRun)
			}
			return err
		},
	}
	c.Flags().IntVar(&retentionFlags.Months, "months", 0, "keep this many months before the current one (overrides clickhouse.retention_months)")
	c.Flags().BoolVar(&retentionFlags.DryRun, "dry-run", false, "list the partitions that would be dropped, drop nothing")
	rootCmd.AddCommand(c)
}
