package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/detect"
)

var detectBackfillFlags struct {
	Since, Until string
}

func init() {
	c := &cobra.Command{
		Use:   "backfill",
		Short: "Detect the incidents of a past period once and store them in the alerts table (no notification)",
		Long: `backfill runs the crisis detector once over a past period [--since, --until):
it warms the detector up on the history before --since (detect.history, default
seasonal_weeks weeks + 1 day), evaluates every bucket of the period and stores
each incident version in the alerts table exactly as live 'earshot detect'
would have — for data loaded after the fact (a replay, an import, the demo's
sample week) so that dashboards and 'earshot report' show its crises. Nothing
is sent to Alertmanager or webhooks.

It replaces the period: the versions stored for its buckets by an earlier
run (other detect settings, another earshot version, a live run) are deleted
first (an ALTER TABLE … DELETE mutation, awaited), so the period shows exactly
this run's incidents; replaced=N in the summary counts those rows. With the
same settings, running it again stores the same rows. It prints one line per
incident found and a summary.`,
		Example: "  earshot detect backfill --since 2026-11-09 --until 2026-11-16",
		Args:    cobra.NoArgs,
		RunE:    runDetectBackfill,
	}
	f := c.Flags()
	f.StringVar(&detectBackfillFlags.Since, "since", "", "start of the period, inclusive (RFC 3339 or a date, UTC)")
	f.StringVar(&detectBackfillFlags.Until, "until", "", "end of the period, exclusive (RFC 3339 or a date, UTC)")
	// detect.go (sorted before this file, so its init ran) defines the parent.
	parent, _, err := rootCmd.Find([]string{"detect"})
	if err != nil || parent == rootCmd {
		panic("detect backfill: the detect command is not registered")
	}
	parent.AddCommand(c)
}

func runDetectBackfill(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	fl := detectBackfillFlags
	if fl.Since == "" || fl.Until == "" {
		return errors.New("detect backfill: --since and --until are required")
	}
	since, err := parseTime("since", fl.Since)
	if err != nil {
		return err
	}
	until, err := parseTime("until", fl.Until)
	if err != nil {
		return err
	}
	a, err := newApp("detect backfill", false)
	if err != nil {
		return err
	}
	defer a.close()
	cfg := detect.DefaultRunnerConfig()
	if err := a.File.Section("detect", &cfg); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("config detect: %w", err)
	}
	reg, err := a.registry()
	if err != nil {
		return err
	}
	cfg.Brands = reg.IDs()
	chc := a.Common.ClickHouse
	conn, err := openChecked(ctx, chc, time.Minute)
	if err != nil {
		return fmt.Errorf("detect backfill: %w", err)
	}
	defer conn.Close()
	src := &detect.ClickHouseSource{Conn: conn, Database: chc.Database, Bucket: cfg.Detector.Bucket, TextsPerBucket: cfg.TextsPerBucket}
	store := &detect.ClickHouseStore{Conn: conn, Database: chc.Database, Cluster: chc.Cluster}
	r, err := detect.NewRunner(cfg, src, store, nil, nil, a.Log)
	if err != nil {
		return err
	}
	began := time.Now()
	res, err := r.Backfill(ctx, since, until)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	for _, inc := range res.Incidents {
		end := "still open"
		if inc.Status == detect.StatusResolved {
			end = "resolved " + inc.ResolvedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(out, "%s %s %s %s onset %s, %s: %s\n", inc.ID, inc.Brand, inc.Kind, inc.Severity,
			inc.Onset.UTC().Format(time.RFC3339), end, inc.Summary)
	}
	fmt.Fprintf(out, "backfill since=%s until=%s buckets=%d events=%d replaced=%d incidents=%d took=%s\n",
		res.Since.Format(time.RFC3339), res.Until.Format(time.RFC3339), res.Buckets, res.Events, res.Replaced, len(res.Incidents),
		time.Since(began).Round(time.Millisecond))
	return nil
}
