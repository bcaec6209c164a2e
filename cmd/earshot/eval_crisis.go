package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/detect/crisiseval"
)

var evalCrisisFlags struct {
	Seed      uint64
	Incidents bool
}

func init() {
	c := &cobra.Command{
		Use:   "crisis",
		Short: "Measure the crisis detector on simulated scenarios; last line crisis_f1",
		Long: `eval crisis simulates six weeks of customer posts for the default brands
(seeded, deterministic) with injected events — an O2-style 48-hour outage
(×10, mostly negative), a slow-burn issue (volume rising ×2 over 6 hours with a
new term), a positive viral spike (×5) and a holiday (every brand ×2) — enriches
them with the production enrichers (brands, sentiment), buckets them as the
ClickHouse source does and runs the detector (section detect.detector of the
configuration) bucket by bucket. The first two weeks are history.

Output: per event its brand, onset, posts and measured sentiment shares, the
detection delay in minutes (crises), viral_positive reporting and crisis calls
(viral), false alerts (holiday); then false_alerts, false_alerts_per_brand_week,
missed_crises, viral_called_crisis, precision, recall and last crisis_f1.`,
		Args: cobra.NoArgs,
		RunE: runEvalCrisis,
	}
	c.Flags().Uint64Var(&evalCrisisFlags.Seed, "seed", 1, "simulation seed")
	c.Flags().BoolVar(&evalCrisisFlags.Incidents, "incidents", false, "list every incident (to stderr)")
	evalCmd.AddCommand(c)
}

func runEvalCrisis(cmd *cobra.Command, _ []string) error {
	a, err := newApp("eval", false)
	if err != nil {
		return err
	}
	cfg := detect.DefaultRunnerConfig()
	if err := a.File.Section("detect", &cfg); err != nil {
		return err
	}
	if err := cfg.Detector.Validate(); err != nil {
		return fmt.Errorf("config detect.detector: %w", err)
	}
	reg, err := a.registry()
	if err != nil {
		return err
	}
	rep, err := crisiseval.Run(cmd.Context(), crisiseval.Options{Seed: evalCrisisFlags.Seed, Detector: cfg.Detector, Registry: reg})
	if err != nil {
		return err
	}
	if evalCrisisFlags.Incidents {
		for _, inc := range rep.Incidents {
			fmt.Fprintf(os.Stderr, "%s\t%s\t%s\topened %s\tupdated %s\t%s\n", inc.ID, inc.Kind, inc.Severity,
				inc.OpenedAt.Format("2006-01-02T15:04Z"), inc.UpdatedAt.Format("2006-01-02T15:04Z"), inc.Summary)
		}
	}
	a.Log.Info("eval crisis done", "mentions", rep.Mentions, "took", rep.Elapsed.Round(1e6))
	return rep.Write(cmd.OutOrStdout())
}
