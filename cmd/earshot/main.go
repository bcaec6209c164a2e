// Command earshot is the social-listening analytics pipeline: ingest,
// enrich, sink, migrate, leaderboard, detect, report, eval, bench, and an
// all-in-one local demo. Each subcommand lives in its own file and adds
// itself to the root command in init().
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

var rootCmd = &cobra.Command{
	Use:   "earshot",
	Short: "Social-listening analytics: how fast and how well every brand answers its customers",
	Long: `earshot listens to what customers say to and about brands on social networks,
measures how fast and how well every brand answers, and shows it: leaderboards,
Grafana dashboards, weekly reports and crisis alerts.`,
	SilenceUsage:  true,
	SilenceErrors: true,
}

func init() {
	rootCmd.PersistentFlags().StringVar(&globalFlags.ConfigPath, "config", os.Getenv("EARSHOT_CONFIG"), "configuration file (YAML); env EARSHOT_CONFIG")
	rootCmd.PersistentFlags().StringVar(&globalFlags.LogLevel, "log-level", "", "log level: debug, info, warn, error (overrides config)")
	rootCmd.PersistentFlags().StringVar(&globalFlags.MetricsAddr, "metrics-addr", "", "serve /metrics, /healthz, /readyz on this address (overrides config)")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "earshot:", err)
		stop()
		os.Exit(1)
	}
}
