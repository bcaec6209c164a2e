package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/internal/embedded"
	"github.com/earshot-dev/earshot/internal/proc"
	"github.com/earshot-dev/earshot/localstack"
	"github.com/earshot-dev/earshot/report"
)

var demoFlags struct {
	Replay         string
	LeaderboardCSV string
	Dir            string
	Start          string
	Days           int
	Seed           int64
	Timeout        time.Duration
	KeepStack      bool
	ReportBrand    string
}

func init() {
	c := &cobra.Command{
		Use:   "demo",
		Short: "Run earshot end to end on this machine: local ClickHouse, dev Kafka broker, a replayed week, the leaderboard",
		Long: `demo is earshot's main job on its embedded default. It

  1. starts the local stack (ClickHouse, Prometheus, Alertmanager from Debian's
     packages, installed when missing) unless EARSHOT_CLICKHOUSE_ADDR points at a
     ClickHouse, and the dev Kafka broker unless EARSHOT_KAFKA_BROKERS points at Kafka;
  2. migrates the schema and creates the topics;
  3. simulates the sample week (or takes --replay FILE, any format 'ingest replay' reads);
  4. runs 'earshot sink', 'earshot enrich' and 'earshot ingest replay' as separate
     processes wired through Kafka (logs in <dir>/logs/);
  5. waits until every published mention is enriched and confirmed in ClickHouse
     (both consumer groups have committed up to the end of their topics);
  6. prints the leaderboard (and writes it as CSV with --leaderboard-csv);
  7. runs the crisis detector once ('earshot detect backfill') over the period's
     busiest ISO week (the most inbound posts): the sample week's O2 outage is
     stored in the alerts table;
  8. writes the weekly report (HTML and PDF) of that week for --report-brand (default:
     the brand with the most inbound posts that week), crises included, and prints
     where it is;
  9. stops what it started, sink last so that it flushes.

Running it again with the same input changes no number: every write is idempotent.`,
		Args: cobra.NoArgs,
		RunE: runDemo,
	}
	f := c.Flags()
	f.StringVar(&demoFlags.Replay, "replay", "", "replay this file (JSONL of Mention v1, or the twcs CSV) instead of the simulated week")
	f.StringVar(&demoFlags.LeaderboardCSV, "leaderboard-csv", "", "also write the leaderboard as CSV to this path")
	f.StringVar(&demoFlags.Dir, "dir", "", "working directory for the sample week, logs and checkpoints (default .earshot/demo)")
	f.StringVar(&demoFlags.Start, "start", "2026-11-09", "first day (UTC) of the simulated week")
	f.IntVar(&demoFlags.Days, "days", 7, "days to simulate")
	f.Int64Var(&demoFlags.Seed, "seed", 1, "simulator seed (same seed, same week)")
	f.DurationVar(&demoFlags.Timeout, "timeout", 15*time.Minute, "give up when the pipeline has not drained by then")
	f.BoolVar(&demoFlags.KeepStack, "keep-stack", false, "leave the local stack's servers running at the end")
	f.StringVar(&demoFlags.ReportBrand, "report-brand", "", "brand of the weekly report written at the end (default: the brand with the most inbound posts that week)")
	rootCmd.AddCommand(c)
}

// demoRun holds what the demo started, so that it can stop it.
type demoRun struct {
	out      io.Writer
	dir      string
	exe      string
	env      []string
	servers  *embedded.Env // the servers, and what this run started
	kafka    bus.Config
	children []*proc.Child
	step     int
}

const demoSteps = 9

func (d *demoRun) say(format string, args ...any) {
	d.step++
	fmt.Fprintf(d.out, "[%d/%d] %s\n", d.step, demoSteps, fmt.Sprintf(format, args...))
}

func runDemo(cmd *cobra.Command, _ []string) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), demoFlags.Timeout)
	defer cancel()
	a, err := newApp("demo", false)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("demo: cannot find its own executable: %w", err)
	}
	dir := demoFlags.Dir
	if dir == "" {
		dir = filepath.Join(filepath.Dir(localstack.DefaultRoot()), "demo")
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	d := &demoRun{out: cmd.OutOrStdout(), dir: dir, exe: exe}
	defer d.stop(a)
	began := time.Now()

	// 1. Servers.
	if err := d.startServers(ctx, a); err != nil {
		return err
	}
	// 2. Schema and topics.
	if err := d.prepare(ctx, a); err != nil {
		return err
	}
	// 3. Input.
	input, period, err := d.input(ctx)
	if err != nil {
		return err
	}
	// 4. Workers, then the replay.
	if err := d.startWorkers(); err != nil {
		return err
	}
	published, summary, err := d.replay(ctx, input)
	if err != nil {
		return err
	}
	if period == nil {
		if period, err = periodFromSummary(summary); err != nil {
			return err
		}
	}
	// 5. Drain.
	if err := d.drain(ctx, a, published); err != nil {
		return err
	}
	// 6. Leaderboard.
	if err := d.leaderboard(ctx, period); err != nil {
		return err
	}
	// 7. Crises of the report's week, stored in the alerts table.
	target, err := d.reportTarget(ctx, period)
	if err != nil {
		return err
	}
	if target == nil {
		d.say("no weekly report: no brand had inbound posts in the period")
	} else {
		if err := d.detect(ctx, target.crises); err != nil {
			return err
		}
		// 8. The weekly report.
		if err := d.report(ctx, target); err != nil {
			return err
		}
	}
	fmt.Fprintf(d.out, "done in %s; logs in %s\n", time.Since(began).Round(time.Second), filepath.Join(d.dir, "logs"))
	return nil
}

func (d *demoRun) startServers(ctx context.Context, a *app) error {
	env, err := embedded.Start(ctx, embedded.Options{
		ClickHouse: true, Kafka: true, Common: a.Common, File: a.File,
		StackServers: localstack.AllServers, Log: a.Log,
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	d.servers = env
	d.kafka = env.Kafka
	if ep := env.Endpoints; ep.ClickHouseAddr != "" {
		d.say("local stack: ClickHouse %s, Prometheus %s, Alertmanager %s", ep.ClickHouseAddr, ep.PrometheusURL, ep.AlertmanagerURL)
	} else {
		d.say("ClickHouse: using %s", env.ClickHouse.Addr)
	}
	if env.Broker != nil {
		fmt.Fprintf(d.out, "      dev Kafka broker (librdkafka mock cluster, in memory): %s\n", strings.Join(d.kafka.Brokers, ","))
	} else {
		fmt.Fprintf(d.out, "      Kafka: using %s\n", strings.Join(d.kafka.Brokers, ","))
	}
	// The workers are separate processes: they get the servers through
	// the environment.
	d.env = append([]string{"EARSHOT_LOG_LEVEL=" + a.Common.Log.Level}, env.Endpoints.Env()...)
	d.env = append(d.env,
		config.EnvClickHouseAddr+"="+env.ClickHouse.Addr,
		config.EnvKafkaBrokers+"="+strings.Join(d.kafka.Brokers, ","))
	if db := a.Common.ClickHouse.Database; db != "" {
		d.env = append(d.env, config.EnvClickHouseDatabase+"="+db)
	}
	return nil
}

func (d *demoRun) prepare(ctx context.Context, a *app) error {
	if err := d.servers.CreateTopics(ctx, d.kafka); err != nil {
		return err
	}
	out, err := d.run(ctx, "migrate", "migrate", "up")
	if err != nil {
		return err
	}
	d.say("schema migrated (%s); topics %s, %s, %s ready", strings.TrimSpace(lastLine(out)), d.kafka.RawTopic, d.kafka.EnrichedTopic, d.kafka.DLQTopic)
	return nil
}

// period is the leaderboard window.
type period struct{ since, until time.Time }

func (d *demoRun) input(ctx context.Context) (string, *period, error) {
	if demoFlags.Replay != "" {
		p, err := filepath.Abs(demoFlags.Replay)
		if err != nil {
			return "", nil, err
		}
		if _, err := os.Stat(p); err != nil {
			return "", nil, fmt.Errorf("demo: --replay: %w", err)
		}
		d.say("input: %s", p)
		return p, nil, nil
	}
	start, err := time.Parse("2006-01-02", demoFlags.Start)
	if err != nil {
		return "", nil, fmt.Errorf("demo: --start %q: want YYYY-MM-DD", demoFlags.Start)
	}
	file := filepath.Join(d.dir, "sample-week.jsonl")
	truth := filepath.Join(d.dir, "sample-week.truth.json")
	truthCSV := filepath.Join(d.dir, "sample-week.truth.csv")
	if _, err := d.run(ctx, "simulate", "ingest", "simulate",
		"--start", demoFlags.Start, "--days", fmt.Sprint(demoFlags.Days), "--seed", fmt.Sprint(demoFlags.Seed),
		"--out", file, "--truth", truth, "--truth-csv", truthCSV); err != nil {
		return "", nil, err
	}
	n, _ := countLines(file)
	d.say("sample week simulated: %d mentions from %s for %d days (seed %d) → %s; ground truth in %s", n, demoFlags.Start, demoFlags.Days, demoFlags.Seed, file, truthCSV)
	return file, &period{since: start, until: start.AddDate(0, 0, demoFlags.Days)}, nil
}

func (d *demoRun) child(name string, args ...string) *proc.Child {
	c := &proc.Child{
		Name:    name,
		Path:    d.exe,
		Args:    args,
		Env:     d.env,
		LogPath: filepath.Join(d.dir, "logs", name+".log"),
	}
	return c
}

func (d *demoRun) startWorkers() error {
	var pids []string
	for _, name := range []string{"sink", "enrich"} {
		c := d.child(name, name, "--metrics-addr", "127.0.0.1:0")
		if err := c.Start(); err != nil {
			return err
		}
		d.children = append(d.children, c)
		pids = append(pids, fmt.Sprintf("%s pid %d", name, c.Pid()))
	}
	d.say("workers started as separate processes: %s", strings.Join(pids, ", "))
	return nil
}

// replay runs 'earshot ingest replay' to the end and returns the number of
// records it published and its summary line.
func (d *demoRun) replay(ctx context.Context, input string) (int64, string, error) {
	var stdout bytes.Buffer
	c := d.child("ingest", "ingest", "replay", input, "--checkpoint", filepath.Join(d.dir, "checkpoints", filepath.Base(input)+".ckpt"))
	c.Stdout = &stdout
	if err := c.Start(); err != nil {
		return 0, "", err
	}
	d.children = append(d.children, c)
	if err := c.Wait(ctx); err != nil {
		return 0, "", fmt.Errorf("demo: ingest replay failed: %w\n%s", err, c.Tail(2000))
	}
	summary := strings.TrimSpace(lastLine(stdout.String()))
	m := regexp.MustCompile(`published=(\d+)`).FindStringSubmatch(summary)
	if m == nil {
		return 0, summary, fmt.Errorf("demo: ingest replay printed no published=N summary (got %q)", summary)
	}
	var n int64
	fmt.Sscan(m[1], &n)
	d.say("ingest replay: %s", summary)
	return n, summary, nil
}

// periodFromSummary reads first_created_at= and last_created_at= from the
// replay summary: the leaderboard then covers the whole file.
func periodFromSummary(s string) (*period, error) {
	get := func(k string) (time.Time, error) {
		m := regexp.MustCompile(k + `=(\S+)`).FindStringSubmatch(s)
		if m == nil {
			return time.Time{}, fmt.Errorf("demo: replay summary has no %s (got %q)", k, s)
		}
		return time.Parse(time.RFC3339, m[1])
	}
	first, err := get("first_created_at")
	if err != nil {
		return nil, err
	}
	last, err := get("last_created_at")
	if err != nil {
		return nil, err
	}
	return &period{since: first.Truncate(time.Second), until: last.Truncate(time.Second).Add(time.Second)}, nil
}

// drain waits until the enrich group has committed every raw message and
// the sink group every enriched one: the sink commits only after
// ClickHouse confirmed the insert, so then everything is queryable.
func (d *demoRun) drain(ctx context.Context, a *app, published int64) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastPrint := time.Time{}
	for {
		for _, c := range d.children[:2] {
			select {
			case <-c.Done():
				return fmt.Errorf("demo: %s exited early: %v\n%s", c.Name, c.Err(), c.Tail(3000))
			default:
			}
		}
		rawLag, rawEnd, err1 := bus.Lag(ctx, d.kafka, "earshot-enrich", d.kafka.RawTopic)
		encLag, encEnd, err2 := bus.Lag(ctx, d.kafka, "earshot-sink", d.kafka.EnrichedTopic)
		_, dlqEnd, err3 := bus.Lag(ctx, d.kafka, "earshot-demo-dlq", d.kafka.DLQTopic)
		if err := errors.Join(err1, err2, err3); err == nil {
			done := rawEnd >= published && rawLag == 0 && encLag == 0 && encEnd+dlqEnd >= rawEnd
			if done || time.Since(lastPrint) >= 3*time.Second {
				fmt.Fprintf(d.out, "      published %d · enriched %d/%d · stored in ClickHouse %d/%d · dead-lettered %d\n",
					published, rawEnd-rawLag, rawEnd, encEnd-encLag, encEnd, dlqEnd)
				lastPrint = time.Now()
			}
			if done {
				d.say("everything published is enriched and confirmed in ClickHouse (%d stored, %d dead-lettered)", encEnd, dlqEnd)
				return nil
			}
		} else {
			a.Log.Debug("lag", "err", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: pipeline did not drain before --timeout %s", demoFlags.Timeout)
		case <-tick.C:
		}
	}
}

func (d *demoRun) leaderboard(ctx context.Context, p *period) error {
	args := []string{"leaderboard", "--since", p.since.UTC().Format(time.RFC3339), "--until", p.until.UTC().Format(time.RFC3339)}
	out, err := d.run(ctx, "leaderboard", append(args, "--format", "table")...)
	if err != nil {
		return err
	}
	d.say("leaderboard %s → %s (as of the end of the period)", p.since.UTC().Format(time.RFC3339), p.until.UTC().Format(time.RFC3339))
	fmt.Fprint(d.out, out)
	if demoFlags.LeaderboardCSV != "" {
		path, err := filepath.Abs(demoFlags.LeaderboardCSV)
		if err != nil {
			return err
		}
		if _, err := d.run(ctx, "leaderboard-csv", append(args, "--format", "csv", "--out", path)...); err != nil {
			return err
		}
		fmt.Fprintf(d.out, "      leaderboard CSV written to %s\n", path)
	}
	return nil
}

// detect runs 'earshot detect backfill' over p: the incidents the
// detector finds are stored in the alerts table (for the report and the
// dashboards' annotations); nothing is notified.
func (d *demoRun) detect(ctx context.Context, p *period) error {
	out, err := d.run(ctx, "detect-backfill", "detect", "backfill",
		"--since", p.since.UTC().Format(time.RFC3339), "--until", p.until.UTC().Format(time.RFC3339))
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	d.say("crisis detector run over the period: %s", lines[len(lines)-1])
	for _, l := range lines[:len(lines)-1] {
		if r := []rune(l); len(r) > 160 {
			l = string(r[:157]) + "…"
		}
		fmt.Fprintf(d.out, "      %s\n", l)
	}
	return nil
}

// reportTarget is what the demo reports on: the ISO week of the period
// with the most inbound posts, its brand (--report-brand, or the brand
// with the most inbound posts that week), and the part of the period in
// that week, over which the crisis detector runs.
type reportTarget struct {
	week    report.Week
	brand   string
	crises  *period
	inbound uint64
}

// reportTarget reads the leaderboard of the period week by week and picks
// the week with the most inbound posts (ties: the earliest), or nil when
// no brand had any.
func (d *demoRun) reportTarget(ctx context.Context, p *period) (*reportTarget, error) {
	first := report.WeekOf(p.since)
	out, err := d.run(ctx, "report-week", "leaderboard", "--since", first.Since().UTC().Format(time.RFC3339),
		"--until", p.until.UTC().Format(time.RFC3339), "--by", "week", "--format", "csv")
	if err != nil {
		return nil, err
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) == 0 || len(recs[0]) < 2 || recs[0][0] != "brand" || recs[0][1] != "inbound" {
		return nil, fmt.Errorf("demo: unexpected leaderboard CSV (%v): %.200q", err, out)
	}
	col := slices.Index(recs[0], "period_start")
	if col < 0 {
		return nil, fmt.Errorf("demo: leaderboard CSV without period_start: %q", recs[0])
	}
	type brandCount struct {
		brand string
		n     uint64
	}
	weeks := map[string][]brandCount{}
	totals := map[string]uint64{}
	for _, r := range recs[1:] {
		n, err := strconv.ParseUint(r[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("demo: leaderboard CSV: inbound %q of %s: %w", r[1], r[0], err)
		}
		weeks[r[col]] = append(weeks[r[col]], brandCount{r[0], n})
		totals[r[col]] += n
	}
	best := ""
	for w, n := range totals {
		if n > 0 && (best == "" || n > totals[best] || (n == totals[best] && w < best)) {
			best = w
		}
	}
	if best == "" {
		return nil, nil
	}
	start, err := time.Parse(time.RFC3339, best)
	if err != nil {
		return nil, fmt.Errorf("demo: leaderboard CSV: period_start %q: %w", best, err)
	}
	t := &reportTarget{week: report.WeekOf(start), brand: demoFlags.ReportBrand, inbound: totals[best]}
	if t.brand == "" {
		var most uint64
		for _, bc := range weeks[best] {
			if bc.n > most || (bc.n == most && bc.n > 0 && bc.brand < t.brand) {
				t.brand, most = bc.brand, bc.n
			}
		}
	}
	t.crises = &period{since: t.week.Since(), until: t.week.Until()}
	if p.until.Before(t.crises.until) {
		t.crises.until = p.until
	}
	return t, nil
}

// report writes the weekly report of the target's week and brand: HTML
// and PDF (HTML only, with the reason, when Chromium is missing).
func (d *demoRun) report(ctx context.Context, t *reportTarget) error {
	week := t.week.String()
	formats := "html,pdf"
	if _, err := report.FindChromium(""); err != nil {
		formats = "html"
		fmt.Fprintf(d.out, "      no PDF: %v\n", err)
	}
	dir := filepath.Join(d.dir, "report")
	out, err := d.run(ctx, "report", "report", "--week", week, "--brand", t.brand, "--format", formats, "--out", dir)
	if err != nil {
		return err
	}
	d.say("weekly report of %s (the period's busiest week, %d inbound posts) for %s written (open the HTML in a browser):", week, t.inbound, t.brand)
	fmt.Fprint(d.out, out)
	return nil
}

// run runs one earshot subcommand to completion and returns its stdout.
func (d *demoRun) run(ctx context.Context, name string, args ...string) (string, error) {
	var stdout bytes.Buffer
	c := d.child(name, args...)
	c.Stdout = &stdout
	if err := c.Start(); err != nil {
		return "", err
	}
	if err := c.Wait(ctx); err != nil {
		c.Stop(5 * time.Second)
		return "", fmt.Errorf("demo: earshot %s failed: %w\n%s", strings.Join(args, " "), err, c.Tail(2000))
	}
	return stdout.String(), nil
}

// stop stops the workers (enrich before sink, so that the sink flushes
// what enrich wrote last), the dev broker, and the stack servers this run
// started.
func (d *demoRun) stop(a *app) {
	for i := len(d.children) - 1; i >= 0; i-- {
		if err := d.children[i].Stop(30 * time.Second); err != nil {
			fmt.Fprintf(d.out, "      %v\n", err)
		}
	}
	if d.servers != nil {
		if demoFlags.KeepStack {
			d.servers.Started = nil // leave the stack's servers running
		}
		started := strings.Join(d.servers.Started, ", ")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := d.servers.Stop(ctx); err != nil {
			fmt.Fprintf(d.out, "      %v\n", err)
		} else if started != "" {
			fmt.Fprintf(d.out, "      stopped %s (data kept in %s)\n", started, localstack.DefaultRoot())
		}
	}
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	n := 0
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}
