package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/detect/crisiseval"
	"github.com/earshot-dev/earshot/ingest/simulate"
)

var evalCrisisFlags struct {
	Seed      uint64
	Plan      string
	Start     string
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

--plan cold-start runs a detector with no history instead: the sample week
(seven days from 2026-11-09, the demo's default), evaluated from its first
bucket, with the sample week's O2 outage (6 hours, ×6, on the third day) and a
slow burn on the fifth; every baseline is learnt within the week. --start moves
its first day (e.g. to a Saturday, so that the history is a weekend).

Output: per event its brand, onset, posts and measured sentiment shares, the
detection delay in minutes and the number of incidents (crises), viral_positive reporting and crisis calls
(viral), false alerts (holiday); then false_alerts, false_alerts_per_brand_week,
missed_crises, split_crises (crises matched by more than one incident),
viral_called_crisis, precision, recall and last crisis_f1.`,
		Args: cobra.NoArgs,
		RunE: runEvalCrisis,
	}
	c.Flags().Uint64Var(&evalCrisisFlags.Seed, "seed", 1, "simulation seed")
	c.Flags().StringVar(&evalCrisisFlags.Plan, "plan", "crisis", "scenario plan: crisis (six weeks, two of history) or cold-start (the sample week, no history)")
	c.Flags().StringVar(&evalCrisisFlags.Start, "start", simulate.DefaultStart, "first day (UTC, YYYY-MM-DD) of the cold-start plan's week")
	c.Flags().BoolVar(&evalCrisisFlags.Incidents, "incidents", false, "list every incident (to stderr)")
	evalCmd.AddCommand(c)
}

func runEvalCrisis(cmd *cobra.Command, _ []string) error {
	plan, err := simulate.NamedPlan(evalCrisisFlags.Plan, evalCrisisFlags.Seed, evalCrisisFlags.Start)
	if err != nil {
		return fmt.Errorf("eval crisis: %w", err)
	}
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
	rep, err := crisiseval.Run(cmd.Context(), crisiseval.Options{Seed: evalCrisisFlags.Seed, Detector: cfg.Detector, Registry: reg, Plan: &plan})
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
