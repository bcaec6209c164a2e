package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/replay"
	"github.com/earshot-dev/earshot/ingest/simulate"
)

// ingestSection is the "ingest" section of the configuration file: the
// publisher shared by every source, and one sub-section per source.
//
//	ingest:
//	  create_topics: true
//	  publisher:
//	    batch_size: 5000
//	    batch_bytes: 8388608
//	    flush_interval: 250ms
//	    write_timeout: 2m
//	  replay:
//	    format: ""            # jsonl, twcs, crowdflower, csv, or empty to detect
//	    speed: 0
//	    state_dir: .earshot
//	    progress: auto
//	    progress_interval: 10s
//	    default_created_at: "2000-01-01T00:00:00Z"  # rows without a date
//	    time_zone: UTC        # dates written without an offset
//	    crowdflower:
//	      repair_mojibake: true
//	    csv:
//	      map: {}             # e.g. {id: tweet_id, text: body, created_at: date}
//	      platform: csv
//	      time_format: rfc3339
//	      delimiter: ","
//	  simulate:
//	    seed: 1
//	    start: 2026-11-09
//	    days: 7
//	    brands: []
//	    volume: 1
//	    incidents: true
type ingestSection struct {
	// CreateTopics creates the raw, enriched and DLQ topics when missing.
	CreateTopics bool                   `yaml:"create_topics"`
	Publisher    ingest.PublisherConfig `yaml:"publisher"`
	Replay       replay.Config          `yaml:"replay"`
	Simulate     simulate.Config        `yaml:"simulate"`
}

func defaultIngestSection() ingestSection {
	return ingestSection{
		CreateTopics: true,
		Publisher:    ingest.DefaultPublisherConfig(),
		Replay:       replay.DefaultConfig(),
		Simulate:     simulate.DefaultConfig(),
	}
}

func (c *ingestSection) Validate() error {
	return errors.Join(c.Publisher.Validate(), c.Replay.Validate(), c.Simulate.Validate())
}

var ingestCmd = &cobra.Command{
	Use:   "ingest",
	Short: "Publish posts from a source to the raw topic (replay a file, simulate traffic)",
	Long: `ingest reads posts from a source, maps them to Mention v1 records and publishes
them to the raw topic (kafka.raw_topic, default earshot.mentions.raw), keyed by
conversation id, in batches that Kafka acknowledges before the source moves on.
Records that cannot be mapped are skipped, counted by reason
(earshot_ingest_records_rejected_total) and summarised in the log.

Configuration: the "ingest" section of the configuration file, with the
sub-sections "publisher" (batching), "replay" and "simulate"; flags override it.`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
}

var replayFlags struct {
	Format           string
	Map              string
	Platform         string
	TimeFormat       string
	Delimiter        string
	DefaultCreatedAt string
	TimeZone         string
	RepairMojibake   bool
	Speed            float64
	Resume           bool
	Checkpoint       string
	StateDir         string
	Progress         string
	BatchSize        int
	CreateTopics     bool
	ProgressInterval time.Duration
}

var simulateFlags struct {
	Seed      uint64
	Start     string
	Days      int
	Brands    []string
	Volume    float64
	Incidents bool
	Out       string
	Truth     string
	TruthCSV  string
	Scenario  string
	Events    string
	Publish   bool
	Progress  string
}

func init() {
	replayCmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Publish a file of posts (JSONL of Mention v1, twcs, CrowdFlower, or any CSV through a column mapping) to the raw topic",
		Long: `replay publishes FILE to the raw topic in created_at order and prints a summary
line on stdout when it ends:

  published=N skipped=N [skipped_<reason>=N ...] [resumed_from=N] first_created_at=T last_created_at=T

Formats (detected from the first line, then the extension; --format forces one):
  jsonl        one Mention v1 JSON record per line (what 'ingest simulate --out'
               writes); records are published as they are.
  twcs         the Customer Support on Twitter CSV (tweet_id, author_id, inbound,
               created_at, text, response_tweet_id, in_response_to_tweet_id; an
               extra leading index column, float reply ids, CRLF and quoted
               multi-line text are fine). Records get platform twcs, id
               twcs:<tweet_id>, source replay:twcs, and the conversation root found
               by following the reply chain through the file. The whole file is
               held in memory (≈ 250 bytes a row; the full 2.8 M-row file ≈ 0.7 GB).
  crowdflower  the CrowdFlower / Figure Eight labelled tweet CSVs: Twitter US Airline
               Sentiment (tweet_id, airline_sentiment[_confidence], negativereason,
               airline, name, retweet_count, text, tweet_created "2015-02-24
               11:35:52 -0800", …) and brands-and-products emotions (tweet_text,
               emotion_in_tweet_is_directed_at, is_there_an_emotion_…). Detected by a
               text column plus a sentiment column. Ids: x:<tweet_id> (platform x)
               only for a real tweet id; otherwise platform crowdflower, id
               crowdflower:<16 hex digits of the SHA-256 of the text>, with -2, -3 …
               for the 2nd, 3rd … identical text (distinct posts; stable across
               re-exports and re-orderings of the file). Author: name, else
               "anonymous". Rows without a date get --default-created-at and
               extra.created_at_default=true. extra.target (airline, brand or
               product), extra.label (positive, negative, neutral, cant_tell),
               extra.label_raw, extra.label_confidence, extra.negative_reason,
               extra.negative_reason_confidence. Windows-1252 files, the CrowdFlower
               mojibake ("‰Ûª" for "’"; --repair-mojibake) and &amp; &quot; &lt; &gt;
               are undone.
  csv          any CSV through a column mapping, --map field=column,… (or
               ingest.replay.csv.map). Fields: text (required), id, created_at,
               author, author_handle, author_name, followers, in_reply_to,
               conversation_id, quoted_id, url, lang, likes, reposts, replies,
               quotes, and extra.<name> for any other column. Ids are qualified with
               --platform (default csv); without an id column a content id is used
               as for crowdflower; without conversation_id the reply chain through
               the file gives the root. --time-format: rfc3339, unix, unix_ms or a Go
               layout ("2006-01-02 15:04:05 -0700"); dates without an offset are read
               in --time-zone. --delimiter: one character, or \t. A mapped column
               the header lacks is an error that names it. --map alone implies
               --format csv.

Rows that cannot be mapped (bad date, empty text, bad id, duplicate id, broken
CSV, …) are skipped and counted by reason; they never stop the replay.

After every batch Kafka acknowledged, the position is saved in a checkpoint
(--checkpoint, default <state_dir>/checkpoints/<file name>-<path hash>.json).
With --resume a run publishes only what the previous runs did not; a changed
input, or other mapping settings, is refused. Ctrl-C flushes and checkpoints
what is buffered first.`,
		Example: `  earshot ingest replay ../shared/datasets/twcs/twcs_first5000.csv
  earshot ingest replay week.jsonl --speed 3600 --resume
  earshot ingest replay ../shared/datasets/sentiment/brand_emotion_sxsw/brand_product_emotion.csv --format crowdflower
  earshot ingest replay Tweets.csv --default-created-at 2015-02-16T00:00:00Z
  earshot ingest replay export.csv --map id=tweet_id,text=body,created_at=date,author=user,in_reply_to=parent \
      --platform x --time-format "2006-01-02 15:04:05" --time-zone Europe/London`,
		Args: cobra.ExactArgs(1),
		RunE: runReplay,
	}
	f := replayCmd.Flags()
	f.StringVar(&replayFlags.Format, "format", "", "input format: jsonl, twcs, crowdflower or csv (default: detect; ingest.replay.format)")
	f.StringVar(&replayFlags.Map, "map", "", "csv column mapping, field=column,… e.g. id=tweet_id,text=body,created_at=date (ingest.replay.csv.map)")
	f.StringVar(&replayFlags.Platform, "platform", "", "csv: the platform that qualifies the ids (default csv; ingest.replay.csv.platform)")
	f.StringVar(&replayFlags.TimeFormat, "time-format", "", "csv: created_at format: rfc3339, unix, unix_ms or a Go layout (default rfc3339; ingest.replay.csv.time_format)")
	f.StringVar(&replayFlags.Delimiter, "delimiter", "", "csv: field delimiter, one character or \\t (default \",\"; ingest.replay.csv.delimiter)")
	f.StringVar(&replayFlags.DefaultCreatedAt, "default-created-at", "", "crowdflower, csv: created_at (RFC 3339) of rows without a date (default "+replay.DefaultCreatedAt+"; ingest.replay.default_created_at)")
	f.StringVar(&replayFlags.TimeZone, "time-zone", "", "crowdflower, csv: zone of dates written without an offset (default UTC; ingest.replay.time_zone)")
	f.BoolVar(&replayFlags.RepairMojibake, "repair-mojibake", true, "crowdflower: undo the mis-decoded punctuation of the CrowdFlower exports (ingest.replay.crowdflower.repair_mojibake)")
	f.Float64Var(&replayFlags.Speed, "speed", 0, "pace by created_at: 0 = as fast as possible, 1 = real time, 60 = an hour of posts a minute (ingest.replay.speed)")
	f.BoolVar(&replayFlags.Resume, "resume", false, "skip what previous runs of this file published, as recorded in the checkpoint")
	f.StringVar(&replayFlags.Checkpoint, "checkpoint", "", "checkpoint file (default <state-dir>/checkpoints/<file name>-<path hash>.json; ingest.replay.checkpoint)")
	f.StringVar(&replayFlags.StateDir, "state-dir", "", "directory for earshot's local state, such as checkpoints (default .earshot; ingest.replay.state_dir)")
	f.StringVar(&replayFlags.Progress, "progress", "", "progress report: auto (a bar on a terminal, log lines otherwise), bar, log, none (ingest.replay.progress)")
	f.DurationVar(&replayFlags.ProgressInterval, "progress-interval", 0, "time between progress log lines (default 10s; ingest.replay.progress_interval)")
	f.IntVar(&replayFlags.BatchSize, "batch-size", 0, "records per Kafka write (default 5000; ingest.publisher.batch_size)")
	f.BoolVar(&replayFlags.CreateTopics, "create-topics", true, "create the raw, enriched and DLQ topics if they are missing (ingest.create_topics)")

	simulateCmd := &cobra.Command{
		Use:   "simulate",
		Short: "Generate a realistic week of social-care traffic, with its ground-truth leaderboard",
		Long: `simulate generates reproducible traffic for ten registry brands (or --brands):
customers posting to brands with per-sector contact reasons and wording
(delays, cancellations, lost bags, refunds, deliveries, bills, outages, locked
accounts, faulty products, rude staff, praise, questions — some of them
complaints in perfectly neutral words), daily and weekly seasonality, and
brands answering with their own coverage, response times (log-normal),
support hours (nothing is answered while the desk is closed), canned texts,
deflections ("please DM us", "call us on …"), agent signatures, customer
follow-ups and second replies; plus posts about brands that do not address
them and brand posts that are not replies. Records are platform sim, ids
sim:<n>, source simulate, in created_at order.

Outputs (at least one):
  --out FILE        the records as JSONL ("-" for stdout), the input of 'ingest replay';
  --truth FILE      the ground-truth leaderboard for [start, start+days) as JSON,
                    computed from the generated posts with the leaderboard's metric
                    definitions, as of the period's end (later replies are generated
                    but not counted);
  --truth-csv FILE  the same in the leaderboard CSV format;
  --publish         publish the records straight to the raw topic.

The same seed, period, brands and volume give byte-identical output. The period
must lie in the past.`,
		Example: `  earshot ingest simulate --out week.jsonl --truth week.truth.json --truth-csv week.truth.csv
  earshot ingest simulate --start 2026-11-02 --days 14 --brands klm,lufthansa,o2 --publish`,
		Args: cobra.NoArgs,
		RunE: runSimulate,
	}
	g := simulateCmd.Flags()
	g.Uint64Var(&simulateFlags.Seed, "seed", 1, "random seed (ingest.simulate.seed)")
	g.StringVar(&simulateFlags.Start, "start", simulate.DefaultStart, "first day of the period, 00:00 UTC (YYYY-MM-DD or RFC 3339; ingest.simulate.start)")
	g.IntVar(&simulateFlags.Days, "days", 7, "length of the period in days (ingest.simulate.days)")
	g.StringSliceVar(&simulateFlags.Brands, "brands", nil, "registry brand ids, comma separated (default: klm, lufthansa, british_airways, o2, giffgaff, tesco, ocado, next, barclays, direct_line; ingest.simulate.brands)")
	g.Float64Var(&simulateFlags.Volume, "volume", 1, "multiplies every brand's daily volume; 1 ≈ 27,000 records a week (ingest.simulate.volume)")
	g.BoolVar(&simulateFlags.Incidents, "incidents", true, "add a six-hour outage burst for one telecom brand on the third day (ingest.simulate.incidents)")
	g.StringVar(&simulateFlags.Out, "out", "", "write the records as JSONL to this file (\"-\": stdout)")
	g.StringVar(&simulateFlags.Truth, "truth", "", "write the ground-truth leaderboard as JSON to this file")
	g.StringVar(&simulateFlags.TruthCSV, "truth-csv", "", "write the ground-truth leaderboard as CSV to this file")
	g.StringVar(&simulateFlags.Scenario, "scenario", "", "simulate a scenario instead of a plain period: crisis (six weeks from 2026-08-31 for the default brands with an O2-style 48-hour outage, a slow burn, a positive viral spike and a holiday peak; --start, --days and --incidents do not apply) or cold-start (the sample week from --start with its O2 outage and a slow burn on the fifth day; --days and --incidents do not apply)")
	g.StringVar(&simulateFlags.Events, "events", "", "with --scenario: write the scenario's events (kind, brand, onset, end, peak, terms) as JSON to this file — the crisis ground truth")
	g.BoolVar(&simulateFlags.Publish, "publish", false, "publish the records to the raw topic")
	g.StringVar(&simulateFlags.Progress, "progress", "", "progress report when publishing: auto, bar, log, none (ingest.simulate.progress)")

	ingestCmd.AddCommand(replayCmd, simulateCmd)
	rootCmd.AddCommand(ingestCmd)
}

// loadIngestSection reads the "ingest" section over the defaults; apply
// changes it with the flags before it is validated.
func loadIngestSection(a *app, apply func(*ingestSection)) (ingestSection, error) {
	cfg := defaultIngestSection()
	if err := a.File.Section("ingest", &cfg); err != nil {
		return cfg, err
	}
	apply(&cfg)
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config ingest: %w", err)
	}
	return cfg, nil
}

// kafkaWriter checks that Kafka answers, creates the topics if asked, and
// returns a writer to the raw topic.
func kafkaWriter(ctx context.Context, a *app, createTopics bool) (bus.Writer, error) {
	kc := a.Common.Kafka
	if err := kc.Validate(); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	err := bus.WaitReachable(wctx, kc)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("ingest: %w (set EARSHOT_KAFKA_BROKERS or kafka.brokers)", err)
	}
	if createTopics {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := bus.EnsureTopics(tctx, kc)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("ingest: %w (create the topics yourself and pass --create-topics=false)", err)
		}
	}
	a.Log.Info("publishing", "brokers", strings.Join(kc.Brokers, ","), "topic", kc.RawTopic)
	return bus.NewWriter(kc, kc.RawTopic), nil
}

func runReplay(cmd *cobra.Command, args []string) error {
	ctx := cmd.Context()
	a, err := newApp("ingest replay", true)
	if err != nil {
		return err
	}
	defer a.close()
	fl := cmd.Flags()
	var csvMap map[string]string
	if fl.Changed("map") {
		if csvMap, err = replay.ParseMap(replayFlags.Map); err != nil {
			return fmt.Errorf("ingest replay: %w", err)
		}
		if fl.Changed("format") && replayFlags.Format != replay.FormatCSV {
			return fmt.Errorf("ingest replay: --map applies to --format csv, not %q", replayFlags.Format)
		}
	}
	cfg, err := loadIngestSection(a, func(c *ingestSection) {
		if csvMap != nil {
			c.Replay.CSV.Map = csvMap
			c.Replay.Format = replay.FormatCSV // --map implies --format csv
		}
		if fl.Changed("format") {
			c.Replay.Format = replayFlags.Format
		}
		if fl.Changed("platform") {
			c.Replay.CSV.Platform = replayFlags.Platform
		}
		if fl.Changed("time-format") {
			c.Replay.CSV.TimeFormat = replayFlags.TimeFormat
		}
		if fl.Changed("delimiter") {
			c.Replay.CSV.Delimiter = replayFlags.Delimiter
		}
		if fl.Changed("default-created-at") {
			c.Replay.DefaultCreatedAt = replayFlags.DefaultCreatedAt
		}
		if fl.Changed("time-zone") {
			c.Replay.TimeZone = replayFlags.TimeZone
		}
		if fl.Changed("repair-mojibake") {
			c.Replay.CrowdFlower.RepairMojibake = replayFlags.RepairMojibake
		}
		if fl.Changed("speed") {
			c.Replay.Speed = replayFlags.Speed
		}
		if fl.Changed("resume") {
			c.Replay.Resume = replayFlags.Resume
		}
		if fl.Changed("checkpoint") {
			c.Replay.Checkpoint = replayFlags.Checkpoint
		}
		if fl.Changed("state-dir") {
			c.Replay.StateDir = replayFlags.StateDir
		}
		if fl.Changed("progress") {
			c.Replay.Progress = replayFlags.Progress
		}
		if fl.Changed("progress-interval") {
			c.Replay.ProgressInterval = replayFlags.ProgressInterval
		}
		if fl.Changed("batch-size") {
			c.Publisher.BatchSize = replayFlags.BatchSize
		}
		if fl.Changed("create-topics") {
			c.CreateTopics = replayFlags.CreateTopics
		}
	})
	if err != nil {
		return err
	}
	input := args[0]
	if _, err := os.Stat(input); err != nil {
		return fmt.Errorf("ingest replay: %w", err)
	}
	w, err := kafkaWriter(ctx, a, cfg.CreateTopics)
	if err != nil {
		return err
	}
	defer w.Close()
	met := ingest.NewMetrics(a.Reg)
	a.Health.AddCheck("kafka_publish", met.Ready)
	r, err := replay.New(cfg.Replay, replay.Options{
		Writer: w, Metrics: met, Publisher: cfg.Publisher, Log: a.Log, ProgressOut: os.Stderr,
	})
	if err != nil {
		return err
	}
	sum, err := r.Run(ctx, input)
	if sum.Checkpoint != "" { // the input was loaded: say what happened
		fmt.Fprintln(cmd.OutOrStdout(), sum.String())
	}
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("ingest replay: interrupted after publishing %d records; run again with --resume to continue", sum.Published)
	}
	return err
}

func runSimulate(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	sf := simulateFlags
	if sf.Out == "" && sf.Truth == "" && sf.TruthCSV == "" && sf.Events == "" && !sf.Publish {
		return errors.New("ingest simulate: nothing to do; pass --out FILE, --truth FILE, --truth-csv FILE, --events FILE and/or --publish")
	}
	switch sf.Scenario {
	case "":
		if sf.Events != "" {
			return errors.New("ingest simulate: --events needs --scenario")
		}
	case "crisis", "cold-start":
	default:
		return fmt.Errorf("ingest simulate: --scenario %q: want crisis or cold-start", sf.Scenario)
	}
	a, err := newApp("ingest simulate", sf.Publish)
	if err != nil {
		return err
	}
	defer a.close()
	fl := cmd.Flags()
	cfg, err := loadIngestSection(a, func(c *ingestSection) {
		s := &c.Simulate
		if fl.Changed("seed") {
			s.Seed = sf.Seed
		}
		if fl.Changed("start") {
			s.Start = sf.Start
		}
		if fl.Changed("days") {
			s.Days = sf.Days
		}
		if fl.Changed("brands") {
			s.Brands = sf.Brands
		}
		if fl.Changed("volume") {
			s.Volume = sf.Volume
		}
		if fl.Changed("incidents") {
			s.Incidents = sf.Incidents
		}
		if fl.Changed("progress") {
			s.Progress = sf.Progress
		}
	})
	if err != nil {
		return err
	}
	reg, err := a.registry()
	if err != nil {
		return err
	}
	started := time.Now()
	var sim *simulate.Simulation
	if sf.Scenario != "" {
		plan, err := simulate.NamedPlan(sf.Scenario, cfg.Simulate.Seed, cfg.Simulate.Start)
		if err != nil {
			return fmt.Errorf("ingest simulate: %w", err)
		}
		if fl.Changed("brands") {
			plan.Config.Brands = sf.Brands
		}
		if sim, err = simulate.GenerateScenario(plan, reg, time.Now()); err != nil {
			return err
		}
		if sf.Events != "" {
			if err := writeOutput(sf.Events, func(w io.Writer) error {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(plan.ScenarioEventsSorted())
			}); err != nil {
				return err
			}
		}
	} else if sim, err = simulate.Generate(cfg.Simulate, reg, time.Now()); err != nil {
		return err
	}
	a.Log.Info("simulated", "records", len(sim.Mentions), "brands", strings.Join(sim.Brands, ","),
		"since", sim.Since.Format(time.RFC3339), "until", sim.Until.Format(time.RFC3339), "seed", cfg.Simulate.Seed,
		"inbound", sim.Stats.Inbound, "brand_replies", sim.Stats.BrandReplies, "other", sim.Stats.Other,
		"took", time.Since(started).Round(time.Millisecond))

	if sf.Out != "" {
		if err := writeOutput(sf.Out, sim.WriteJSONL); err != nil {
			return err
		}
	}
	if sf.Truth != "" {
		if err := writeOutput(sf.Truth, func(w io.Writer) error { return simulate.WriteJSON(w, sim.Truth) }); err != nil {
			return err
		}
	}
	if sf.TruthCSV != "" {
		if err := writeOutput(sf.TruthCSV, func(w io.Writer) error { return simulate.WriteCSV(w, sim.Truth.Brands) }); err != nil {
			return err
		}
	}
	var published int64
	if sf.Publish {
		w, err := kafkaWriter(ctx, a, cfg.CreateTopics)
		if err != nil {
			return err
		}
		defer w.Close()
		met := ingest.NewMetrics(a.Reg)
		a.Health.AddCheck("kafka_publish", met.Ready)
		pub, err := ingest.NewPublisher(cfg.Publisher, ingest.PublisherOptions{
			Source: simulate.Source, Writer: w, Metrics: met, Log: a.Log,
		})
		if err != nil {
			return err
		}
		prog := ingest.NewProgress(os.Stderr, cfg.Simulate.Progress, int64(len(sim.Mentions)), "records", a.Log, cfg.Simulate.ProgressInterval)
		perr := sim.Publish(ctx, pub, prog)
		prog.Finish()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Publisher.WriteTimeout)
		cerr := pub.Close(cctx)
		cancel()
		published = pub.Stats().Published
		if err := errors.Join(perr, cerr); err != nil {
			return fmt.Errorf("ingest simulate: published %d of %d records: %w", published, len(sim.Mentions), err)
		}
	}
	out := cmd.OutOrStdout()
	if sf.Out == "-" {
		out = cmd.ErrOrStderr()
	}
	fmt.Fprintf(out, "records=%d published=%d brands=%d since=%s until=%s\n", len(sim.Mentions), published, len(sim.Brands),
		sim.Since.Format(time.RFC3339), sim.Until.Format(time.RFC3339))
	return nil
}

// writeOutput writes path ("-": stdout) through a temporary file renamed
// into place, so that a failed run leaves no half-written file.
func writeOutput(path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(os.Stdout)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("ingest simulate: %w", err)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("ingest simulate: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("ingest simulate: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("ingest simulate: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("ingest simulate: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("ingest simulate: %w", err)
	}
	return nil
}
