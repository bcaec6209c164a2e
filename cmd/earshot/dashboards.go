package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/dashboards"
)

var dashboardsFlags struct {
	Dir          string
	Weights      string
	Since, Until string
	Sector       string
	Out          string
	Title        string
}

func init() {
	c := &cobra.Command{
		Use:   "dashboards",
		Short: "Grafana dashboards: generate the provisioned JSON, render a picture from real query output",
	}
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Write the Grafana provisioning and the five dashboards' JSON under --dir (default dashboards)",
		Long: `generate writes, under --dir:

  provisioning/datasources/earshot.yaml   the ClickHouse (read-only user) and Prometheus data sources
  provisioning/dashboards/earshot.yaml    the dashboard provider
  json/*.json                             the five dashboards

The brands' sectors are inlined from the registry (--config / EARSHOT_REGISTRY);
the composite score's weights come from --weights. CI regenerates the files and
fails when they differ from the committed ones.`,
		Args: cobra.NoArgs,
		RunE: runDashboardsGenerate,
	}
	gen.Flags().StringVar(&dashboardsFlags.Dir, "dir", "dashboards", "the dashboards directory")
	gen.Flags().StringVar(&dashboardsFlags.Weights, "weights", "", "score weights, e.g. sla60=0.4,response_rate=0.3,frt=0.3,frt_reference=1h")

	render := &cobra.Command{
		Use:   "render",
		Short: "Run the leaderboard panel's query on ClickHouse and draw it as a PNG",
		Long: `render expands the Responsiveness leaderboard panel's SQL with the period
[--since, --until) and --sector exactly as Grafana's ClickHouse plugin would, runs
it on the configured ClickHouse, and draws the ranked scores as a bar chart (bars
coloured by the FRT median against 15 and 60 minutes) into --out.`,
		Args: cobra.NoArgs,
		RunE: runDashboardsRender,
	}
	f := render.Flags()
	f.StringVar(&dashboardsFlags.Since, "since", "", "start of the period (default --until minus 7 days)")
	f.StringVar(&dashboardsFlags.Until, "until", "", "end of the period (default now)")
	f.StringVar(&dashboardsFlags.Sector, "sector", "all", "a registry sector, or all")
	f.StringVar(&dashboardsFlags.Out, "out", "dashboards/img/leaderboard.png", "the PNG to write")
	f.StringVar(&dashboardsFlags.Title, "title", "earshot responsiveness leaderboard", "the chart's title")
	f.StringVar(&dashboardsFlags.Weights, "weights", "", "score weights (as for generate)")
	c.AddCommand(gen, render)
	rootCmd.AddCommand(c)
}

func dashboardOptions(a *app) (dashboards.Options, error) {
	reg, err := a.registry()
	if err != nil {
		return dashboards.Options{}, err
	}
	w, err := analytics.ParseWeights(dashboardsFlags.Weights)
	if err != nil {
		return dashboards.Options{}, fmt.Errorf("--weights: %w", err)
	}
	return dashboards.Options{Registry: reg, Weights: w}, nil
}

func runDashboardsGenerate(cmd *cobra.Command, _ []string) error {
	a, err := newApp("dashboards", false)
	if err != nil {
		return err
	}
	defer a.close()
	o, err := dashboardOptions(a)
	if err != nil {
		return err
	}
	paths, err := dashboards.Generate(dashboardsFlags.Dir, o)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(cmd.OutOrStdout(), p)
	}
	return nil
}

func runDashboardsRender(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	fl := dashboardsFlags
	until := time.Now().UTC()
	var err error
	if fl.Until != "" {
		if until, err = parseTime("until", fl.Until); err != nil {
			return err
		}
	}
	since := until.Add(-7 * 24 * time.Hour)
	if fl.Since != "" {
		if since, err = parseTime("since", fl.Since); err != nil {
			return err
		}
	}
	if !since.Before(until) {
		return fmt.Errorf("--since %s is not before --until %s", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	a, err := newApp("dashboards", false)
	if err != nil {
		return err
	}
	defer a.close()
	o, err := dashboardOptions(a)
	if err != nil {
		return err
	}
	ds, err := dashboards.Build(o)
	if err != nil {
		return err
	}
	sql := ds[0].Panels[0].Targets[0].RawSQL // the ranked leaderboard table
	expanded, err := dashboards.Expand(sql, dashboards.Expansion{From: since, To: until, IntervalS: 3600,
		Vars: map[string]string{"sector": fl.Sector, "platform": "all", "period": "86400"}})
	if err != nil {
		return err
	}
	chc := a.Common.ClickHouse
	if err := chc.Validate(); err != nil {
		return err
	}
	// The dashboards name tables without a database, as Grafana's data
	// source has a default one: connect the same way.
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{chc.Addr},
		Auth:        clickhouse.Auth{Database: chc.Database, Username: chc.User, Password: chc.Password},
		DialTimeout: chc.DialTimeout,
		Compression: &clickhouse.Compression{Method: clickhouse.CompressionNone},
	})
	if err != nil {
		return fmt.Errorf("clickhouse %s: %w", chc.Addr, err)
	}
	defer conn.Close()
	res, err := dashboards.Run(ctx, conn, expanded)
	if err != nil {
		return fmt.Errorf("leaderboard panel query on %s/%s: %w", chc.Addr, chc.Database, err)
	}
	rows, err := dashboards.LeaderRows(res)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := dashboards.RenderLeaderboard(&buf, rows, fl.Title, since, until); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(fl.Out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(fl.Out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	a.Log.Info("leaderboard rendered", "path", fl.Out, "brands", len(rows), "since", since.Format(time.RFC3339), "until", until.Format(time.RFC3339))
	return nil
}
