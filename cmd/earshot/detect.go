package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/detect"
)

// The "detect" section of the configuration file (detect.RunnerConfig):
//
//	detect:
//	  lag: 1m
//	  history: 0s            # 0: seasonal_weeks weeks + 1 day
//	  texts_per_bucket: 500
//	  query_timeout: 2m
//	  detector: {bucket: 5m, open_score: 5, close_score: 2.5, sustain_for: 2, …}
//	  delivery:
//	    alertmanager_url: http://127.0.0.1:9093
//	    webhook_url: https://example.com/hooks/earshot
//	    slack_webhook_url: https://hooks.slack.com/services/…
//	    retries: 5
//	    rate_per_minute: 30

var detectFlags struct {
	Alertmanager string
	Webhook      string
}

// envSlackWebhookURL overrides detect.delivery.slack_webhook_url.
const envSlackWebhookURL = "EARSHOT_DETECT_SLACK_WEBHOOK_URL"

func init() {
	c := &cobra.Command{
		Use:   "detect",
		Short: "Detect crises per brand from ClickHouse and alert (Alertmanager, webhook, Slack)",
		Long: `detect evaluates every brand each bucket (default 5 minutes, a couple of
minutes after the bucket ends): the volume of customer posts, their negative
share and bursting terms and contact reasons against a seasonal baseline
(same hour of week over past weeks; same time of day, or a trailing window,
while history is short), with robust statistics, a minimum volume, a
sustained-for rule and hysteresis. Each crisis is one incident — open,
updates, resolve — stored in ClickHouse (table alerts, migration 0003),
exported as metrics (earshot_detect_incidents_open{brand,severity},
earshot_detect_score, …) and pushed to Alertmanager's API v2, a JSON webhook
and a Slack-compatible webhook, deduplicated, rate-limited and retried. A
positive viral spike is reported as kind viral_positive, never as a crisis.

At start it rebuilds its state from the history in ClickHouse (four weeks by
default) and reconciles with the incidents stored as open. It runs until
SIGTERM or Ctrl-C, then flushes the notifications in flight.`,
		Args: cobra.NoArgs,
		RunE: runDetect,
	}
	f := c.Flags()
	f.StringVar(&detectFlags.Alertmanager, "alertmanager-url", "", "Alertmanager base URL (overrides detect.delivery.alertmanager_url)")
	f.StringVar(&detectFlags.Webhook, "webhook-url", "", "generic JSON webhook URL (overrides detect.delivery.webhook_url)")
	// A Slack incoming-webhook URL is a credential: never a flag (ps shows
	// flags), only the config file or the environment.
	rootCmd.AddCommand(c)
}

func runDetect(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	a, err := newApp("detect", true)
	if err != nil {
		return err
	}
	defer a.close()

	cfg := detect.DefaultRunnerConfig()
	if err := a.File.Section("detect", &cfg); err != nil {
		return err
	}
	if detectFlags.Alertmanager != "" {
		cfg.Delivery.AlertmanagerURL = detectFlags.Alertmanager
	}
	if detectFlags.Webhook != "" {
		cfg.Delivery.WebhookURL = detectFlags.Webhook
	}
	if v := os.Getenv(envSlackWebhookURL); v != "" {
		cfg.Delivery.SlackWebhookURL = v
	}
	for flag, u := range map[string]string{"alertmanager-url": detectFlags.Alertmanager, "webhook-url": detectFlags.Webhook} {
		if p, err := url.Parse(u); err == nil && p.User != nil {
			return fmt.Errorf("detect: --%s carries credentials, which ps would show; put the URL in the configuration file (detect.delivery) instead", flag)
		}
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
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("detect: %w", err)
	}
	defer conn.Close()

	met, err := detect.NewMetrics(a.Reg)
	if err != nil {
		return err
	}
	notifier, err := detect.NewNotifier(cfg.Delivery, met, a.Log)
	if err != nil {
		return err
	}
	src := &detect.ClickHouseSource{Conn: conn, Database: chc.Database, Bucket: cfg.Detector.Bucket, TextsPerBucket: cfg.TextsPerBucket}
	store := &detect.ClickHouseStore{Conn: conn, Database: chc.Database, Cluster: chc.Cluster}
	r, err := detect.NewRunner(cfg, src, store, notifier, met, a.Log)
	if err != nil {
		return err
	}
	a.Health.AddCheck("detector", r.Ready)
	notifier.Start(ctx)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := notifier.Shutdown(sctx); err != nil {
			a.Log.Warn("notifications not all delivered at shutdown", "err", err)
		}
	}()
	a.Log.Info("detect configured", "clickhouse", chc.Addr, "database", chc.Database, "bucket", cfg.Detector.Bucket,
		"lag", cfg.Lag, "brands", len(cfg.Brands), "targets", notifier.Targets())
	return r.Run(ctx)
}
