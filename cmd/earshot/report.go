package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/registry"
	"github.com/earshot-dev/earshot/report"
)

var reportFlags struct {
	Week     string
	Brand    string
	Sector   string
	Format   string
	Out      string
	Send     string
	Schedule bool
	Weights  string
	HoursTZ  string
}

func init() {
	c := &cobra.Command{
		Use:   "report",
		Short: "Write the weekly executive report (HTML, PDF, Markdown) per brand and deliver it by e-mail or Slack",
		Long: `report builds the weekly customer-care report of a brand from ClickHouse for an
ISO week (Monday 00:00 UTC to the next Monday, every number as of the week's end):

  page one   rank and responsiveness score against the brand's registry competitors,
             week over week; FRT median and p90, answered within 15 min and 24 h,
             empathy, canned rate, deflection rate, net sentiment, with arrows and
             plain sentences generated from the numbers
  charts     inbound posts and FRT median per day, the FRT distribution, SLA15
             against competitors, the hour-of-week heat map of replies (inline SVG)
  reasons    recurring contact reasons: new, growing, steady, shrinking, gone
  crises     the incidents 'earshot detect' stored for the week, with a timeline
             and example posts
  replies    best and worst replies by empathy with their parts, the cut-and-paste
             replies with their counts, deflection examples
  method     definitions, coverage (sources, volumes, gaps) and freshness

The numbers are the leaderboard's ('earshot leaderboard --columns all' for the
same week). --format html,pdf,md (PDF through headless Chromium, Debian package
chromium); files go to --out as earshot-report-<brand>-<week>.<ext>.

Brands: --brand ID, or every brand of --sector S, or the configuration's
report.brands, or every brand with inbound posts that week.

--send smtp,slack delivers each report: an e-mail (STARTTLS, AUTH, report.smtp)
with the summary as text and the PDF and HTML attached; the Markdown summary to
a Slack-compatible webhook (report.slack.webhook_url).

--schedule runs until stopped: every Monday at report.schedule.time in
report.schedule.time_zone it writes and sends the reports of the week that just
ended. deploy/systemd/earshot-report.{service,timer} is the same as a timer.`,
		Args: cobra.NoArgs,
		RunE: runReport,
	}
	f := c.Flags()
	f.StringVar(&reportFlags.Week, "week", "", "ISO week, e.g. 2026-W47 (default: the last complete week)")
	f.StringVar(&reportFlags.Brand, "brand", "", "the brand (registry id)")
	f.StringVar(&reportFlags.Sector, "sector", "", "one report per brand of this sector with posts that week")
	f.StringVar(&reportFlags.Format, "format", "", "comma-separated formats: html, pdf, md (default report.formats: html,pdf)")
	f.StringVar(&reportFlags.Out, "out", "", "output directory (default report.out_dir)")
	f.StringVar(&reportFlags.Send, "send", "", "deliver: smtp, slack or smtp,slack")
	f.BoolVar(&reportFlags.Schedule, "schedule", false, "run every Monday at report.schedule.time for the week that ended")
	f.StringVar(&reportFlags.Weights, "weights", "", "score weights, as for leaderboard --weights")
	f.StringVar(&reportFlags.HoursTZ, "hours-tz", "", "time zone of the heat map (default: the brand's support-hours zone, else UTC)")
	rootCmd.AddCommand(c)
}

// reportJob is one run's settings.
type reportJob struct {
	cfg      report.Config
	brands   []string
	sector   string
	send     []string
	weights  analytics.Weights
	password string
}

func runReport(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	fl := reportFlags
	a, err := newApp("report", fl.Schedule)
	if err != nil {
		return err
	}
	defer a.close()
	cfg := report.DefaultConfig()
	if err := a.File.Section("report", &cfg); err != nil {
		return err
	}
	if fl.Format != "" {
		cfg.Formats = splitList(fl.Format)
	}
	if fl.Out != "" {
		cfg.OutDir = fl.Out
	}
	if fl.HoursTZ != "" {
		cfg.HoursTZ = fl.HoursTZ
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("config report: %w", err)
	}
	job := reportJob{cfg: cfg, sector: fl.Sector, send: splitList(fl.Send)}
	if fl.Brand != "" && fl.Sector != "" {
		return errors.New("report: --brand and --sector exclude each other")
	}
	if fl.Brand != "" {
		job.brands = []string{fl.Brand}
	} else if fl.Sector == "" {
		job.brands = cfg.Brands
	}
	if job.weights, err = analytics.ParseWeights(fl.Weights); err != nil {
		return err
	}
	for _, s := range job.send {
		switch s {
		case "smtp":
			if cfg.SMTP.Addr == "" {
				return errors.New("report: --send smtp: set report.smtp.addr, from and to in the configuration")
			}
			if job.password, err = cfg.SMTP.Password(os.LookupEnv); err != nil {
				return err
			}
		case "slack":
			if cfg.Slack.WebhookURL == "" {
				return errors.New("report: --send slack: set report.slack.webhook_url in the configuration")
			}
		default:
			return fmt.Errorf("report: --send %q: want smtp, slack or smtp,slack", s)
		}
	}
	reg, err := a.registry()
	if err != nil {
		return err
	}
	for _, b := range job.brands {
		if _, ok := reg.ByID(b); !ok {
			return fmt.Errorf("report: brand %q is not in the registry", b)
		}
	}
	met, err := report.NewMetrics(a.Reg)
	if err != nil {
		return err
	}
	chc := a.Common.ClickHouse
	conn, err := openChecked(ctx, chc, time.Minute)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer conn.Close()

	if !fl.Schedule {
		week := report.LastCompleteWeek(time.Now())
		if fl.Week != "" {
			if week, err = report.ParseWeek(fl.Week); err != nil {
				return err
			}
		}
		return job.run(ctx, cmd, a, conn, reg, met, week)
	}
	if fl.Week != "" {
		return errors.New("report: --schedule picks the week itself; leave out --week")
	}
	a.Health.AddCheck("report", func(context.Context) error { return nil })
	sched := &report.Scheduler{Schedule: cfg.Schedule, Log: a.Log, Metrics: met,
		Run: func(ctx context.Context, week report.Week) error {
			return job.run(ctx, cmd, a, conn, reg, met, week)
		}}
	return sched.Loop(ctx)
}

// run builds, writes and sends the reports of one week.
func (j reportJob) run(ctx context.Context, cmd *cobra.Command, a *app, conn driver.Conn, reg *registry.Registry, met *report.Metrics, week report.Week) error {
	brands, err := j.selectBrands(ctx, conn, a.Common.ClickHouse.Database, reg, week)
	if err != nil {
		return err
	}
	if len(brands) == 0 {
		return fmt.Errorf("report: no brand with inbound posts in %s", week.Label())
	}
	ch := report.Chromium{Path: j.cfg.Chromium.Path, Timeout: j.cfg.Chromium.Timeout}
	var errs []error
	written := 0
	for _, b := range brands {
		began := time.Now()
		r, err := report.Build(ctx, conn, a.Common.ClickHouse.Database, reg, report.Options{
			Brand: b, Week: week, Weights: j.weights, HoursTZ: j.cfg.HoursTZ, Examples: j.cfg.Examples})
		if errors.Is(err, report.ErrNoData) && len(brands) > 1 {
			met.Builds.WithLabelValues("no_data").Inc()
			a.Log.Info("no report: no inbound posts", "brand", b, "week", week.String())
			continue
		}
		if err != nil {
			met.Builds.WithLabelValues("error").Inc()
			errs = append(errs, err)
			continue
		}
		files, err := report.WriteFiles(ctx, r, j.cfg.OutDir, j.cfg.Formats, ch)
		if err != nil {
			met.Builds.WithLabelValues("error").Inc()
			errs = append(errs, err)
			continue
		}
		met.Builds.WithLabelValues("ok").Inc()
		met.BuildSeconds.Observe(time.Since(began).Seconds())
		written++
		for _, f := range report.Formats {
			if p, ok := files[f]; ok {
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s %s: %s\n", b, week, f, p)
			}
		}
		if err := j.deliver(ctx, a, met, r, files); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 && written > 0 {
		met.LastSuccess.SetToCurrentTime()
	}
	return errors.Join(errs...)
}

func (j reportJob) deliver(ctx context.Context, a *app, met *report.Metrics, r *report.Report, files report.Files) error {
	var errs []error
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, r, ""); err != nil {
		return err
	}
	for _, s := range j.send {
		var err error
		switch s {
		case "smtp":
			var att []string
			for _, f := range []string{"pdf", "html"} {
				if p, ok := files[f]; ok {
					att = append(att, p)
				}
			}
			err = report.SendMail(ctx, j.cfg.SMTP, j.password, report.Mail{
				Subject:     fmt.Sprintf("%s: customer-care report %s", r.Brand.Name, r.Week),
				Text:        md.String(),
				Attachments: att,
			}, time.Now())
		case "slack":
			err = report.PostSlack(ctx, j.cfg.Slack, md.String())
		}
		if err != nil {
			met.Deliveries.WithLabelValues(s, "error").Inc()
			a.Log.Error("report delivery failed", "channel", s, "brand", r.Brand.ID, "err", err)
			errs = append(errs, err)
			continue
		}
		met.Deliveries.WithLabelValues(s, "ok").Inc()
		a.Log.Info("report delivered", "channel", s, "brand", r.Brand.ID, "week", r.Week.String())
	}
	return errors.Join(errs...)
}

// selectBrands: the given brands, else the sector's (or every) brands
// with inbound posts in the week.
func (j reportJob) selectBrands(ctx context.Context, conn driver.Conn, db string, reg *registry.Registry, week report.Week) ([]string, error) {
	if len(j.brands) > 0 {
		return j.brands, nil
	}
	return report.BrandsWithPosts(ctx, conn, db, reg, week, j.sector)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
