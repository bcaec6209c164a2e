package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/enrich/brands"
	"github.com/earshot-dev/earshot/enrich/entities"
	"github.com/earshot-dev/earshot/enrich/lang"
	"github.com/earshot-dev/earshot/enrich/pii"
	"github.com/earshot-dev/earshot/enrich/reasons"
	"github.com/earshot-dev/earshot/enrich/replyquality"
	"github.com/earshot-dev/earshot/enrich/sentiment"
	"github.com/earshot-dev/earshot/enrich/urgency"
	"github.com/earshot-dev/earshot/registry"
	"github.com/earshot-dev/earshot/storage"
)

var enrichFlags struct {
	Group        string
	Workers      int
	CreateTopics bool
}

// enrichSection is the "enrich" section of the configuration file: the
// processor's settings, and one sub-section per enricher.
//
//	enrich:
//	  group_id: earshot-enrich
//	  workers: 4
//	  batch_size: 2000
//	  batch_bytes: 8388608
//	  flush_interval: 200ms
//	  shutdown_timeout: 30s
//	  retry_backoff_min: 100ms
//	  retry_backoff_max: 10s
//	  brands: {reply_cache_size: 1048576}
//	  lang: {enabled: true, overwrite: false, min_letters: 10, min_confidence: 0.005}
//	  sentiment: {model: hybrid, threshold: 0.05}
//	  pii: {kinds: [email, phone, card, postcode, address]}
//	  reply_quality: {window: 168h, max_per_brand: 50000, max_brands: 10000, near_dup_bits: 11, canned_min_dups: 1, rebuild: true, rebuild_timeout: 2m}
//	  reasons: {enabled: true, threshold: 0.5, max_reasons: 3, inbound_only: false}
//	  urgency: {enabled: true, medium: 0.25, high: 0.5, critical: 0.75, viral_reposts: 100, influential_followers: 100000}
//	  entities: {enabled: true, names: true, identifiers: true, products: true, max_tokens: 400}
type enrichSection struct {
	enrich.Config `yaml:",inline"`
	Brands        brands.Config       `yaml:"brands"`
	Lang          lang.Config         `yaml:"lang"`
	Sentiment     sentiment.Config    `yaml:"sentiment"`
	PII           pii.Config          `yaml:"pii"`
	ReplyQuality  replyquality.Config `yaml:"reply_quality"`
	Reasons       reasons.Config      `yaml:"reasons"`
	Urgency       urgency.Config      `yaml:"urgency"`
	Entities      entities.Config     `yaml:"entities"`
}

func defaultEnrichSection() enrichSection {
	return enrichSection{Config: enrich.DefaultConfig(), Brands: brands.DefaultConfig(), Lang: lang.DefaultConfig(), Sentiment: sentiment.DefaultConfig(),
		PII: pii.DefaultConfig(), ReplyQuality: replyquality.DefaultConfig(), Reasons: reasons.DefaultConfig(), Urgency: urgency.DefaultConfig(),
		Entities: entities.DefaultConfig()}
}

func (c *enrichSection) Validate() error {
	return errors.Join(c.Config.Validate(), c.Brands.Validate(), c.Lang.Validate(), c.Sentiment.Validate(), c.PII.Validate(), c.ReplyQuality.Validate(),
		c.Reasons.Validate(), c.Urgency.Validate(), c.Entities.Validate())
}

func init() {
	c := &cobra.Command{
		Use:   "enrich",
		Short: "Enrich raw mentions (brands, direction, sentiment) from Kafka into the enriched topic",
		Long: `enrich consumes earshot.mentions.raw as a consumer group, adds brands, author
brand, direction and sentiment to every mention, and publishes it to
earshot.mentions.enriched, keyed by conversation. Records that are not valid
Mention v1 JSON go to earshot.mentions.dlq with the reason. Offsets are
committed only after Kafka acknowledged the enriched batch (at-least-once).
Run as many processes as the raw topic has partitions; they share the work.
It runs until SIGTERM or Ctrl-C, then flushes the batch in flight.`,
		Args: cobra.NoArgs,
		RunE: runEnrich,
	}
	f := c.Flags()
	f.StringVar(&enrichFlags.Group, "group", "", "consumer group (overrides enrich.group_id; default "+enrich.DefaultGroupID+")")
	f.IntVar(&enrichFlags.Workers, "workers", 0, "enrich workers (overrides enrich.workers; default the number of CPUs)")
	f.BoolVar(&enrichFlags.CreateTopics, "create-topics", true, "create the raw, enriched and DLQ topics if they are missing")
	rootCmd.AddCommand(c)
}

// buildPipeline is THE enrich pipeline, in order: every enricher earshot
// runs. `earshot enrich` and `earshot bench enrich` both build it here, so a
// new enricher is added in one place. pii runs first, so that nothing
// unredacted reaches a later enricher or leaves the stage; reply_quality runs
// after brands (it reads AuthorBrand and Direction); reasons and urgency run
// after brands and sentiment (they skip brands' posts and read the tone). The enrichers' metrics
// go to deps.Metrics, and deps.Rebuild fills the reply-quality windows,
// when given.
func buildPipeline(cfg enrichSection, reg *registry.Registry, deps ...pipelineDeps) (*enrich.Pipeline, error) {
	var d pipelineDeps
	if len(deps) > 0 {
		d = deps[0]
	}
	mreg := d.Metrics
	pe, err := pii.New(cfg.PII, mreg)
	if err != nil {
		return nil, err
	}
	be, err := brands.New(reg, cfg.Brands)
	if err != nil {
		return nil, err
	}
	le, err := lang.New(cfg.Lang)
	if err != nil {
		return nil, err
	}
	se, err := sentiment.New(cfg.Sentiment)
	if err != nil {
		return nil, err
	}
	rq, err := replyquality.New(cfg.ReplyQuality, mreg)
	if err != nil {
		return nil, err
	}
	if d.Rebuild != nil {
		d.Rebuild(rq)
	}
	re, err := reasons.New(cfg.Reasons, mreg)
	if err != nil {
		return nil, err
	}
	ue, err := urgency.New(cfg.Urgency, mreg)
	if err != nil {
		return nil, err
	}
	// entities runs after pii: its spans are offsets into the redacted text.
	ee, err := entities.New(cfg.Entities, reg, mreg)
	if err != nil {
		return nil, err
	}
	return enrich.NewPipeline(pe, be, le, se, rq, re, ue, ee)
}

func runEnrich(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	a, err := newApp("enrich", true)
	if err != nil {
		return err
	}
	defer a.close()

	cfg := defaultEnrichSection()
	if err := a.File.Section("enrich", &cfg); err != nil {
		return err
	}
	if enrichFlags.Group != "" {
		cfg.GroupID = enrichFlags.Group
	}
	if enrichFlags.Workers != 0 {
		cfg.Workers = enrichFlags.Workers
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("config enrich: %w", err)
	}
	kc := a.Common.Kafka
	if err := kc.Validate(); err != nil {
		return err
	}

	reg, err := a.registry()
	if err != nil {
		return err
	}
	pipe, err := buildPipeline(cfg, reg, pipelineDeps{Metrics: a.Reg, Rebuild: rebuildReplyWindows(ctx, a, cfg.ReplyQuality)})
	if err != nil {
		return err
	}

	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = bus.WaitReachable(wctx, kc)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while waiting
		}
		return fmt.Errorf("enrich: %w (set EARSHOT_KAFKA_BROKERS or kafka.brokers)", err)
	}
	if enrichFlags.CreateTopics {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := bus.EnsureTopics(tctx, kc)
		cancel()
		if err != nil {
			return fmt.Errorf("enrich: %w (create the topics yourself and pass --create-topics=false)", err)
		}
	}

	p, err := enrich.New(cfg.Config, kc, pipe, a.Reg, a.Log)
	if err != nil {
		return err
	}
	a.Health.AddCheck("enrich_output", p.Ready)
	a.Log.Info("enrich configured", "brokers", strings.Join(kc.Brokers, ","), "brands", len(reg.Brands), "pipeline", pipe.Version())
	go bus.NewLagMonitor(kc, cfg.GroupID, kc.RawTopic, 15*time.Second, a.Reg, a.Log).Run(ctx)
	return p.Run(ctx)
}

// pipelineDeps are what buildPipeline's enrichers may use besides the
// configuration.
type pipelineDeps struct {
	Metrics prometheus.Registerer
	Rebuild func(*replyquality.Enricher)
}

// rebuildReplyWindows loads the reply-quality windows from the replies
// stored in ClickHouse (enrich.reply_quality.rebuild); on failure enrich
// starts with empty windows.
func rebuildReplyWindows(ctx context.Context, a *app, rc replyquality.Config) func(*replyquality.Enricher) {
	if !rc.Rebuild {
		return nil
	}
	return func(rq *replyquality.Enricher) {
		ctx, cancel := context.WithTimeout(ctx, rc.RebuildTimeout)
		defer cancel()
		start := time.Now()
		conn, err := storage.Open(ctx, a.Common.ClickHouse)
		if err == nil {
			defer conn.Close()
			var n int
			n, err = rq.Rebuild(ctx, replyquality.StoredReplies(ctx, conn, a.Common.ClickHouse.Database, start.Add(-rc.Window)))
			if err == nil {
				a.Log.Info("reply-quality windows rebuilt from ClickHouse", "replies", n, "took", time.Since(start).Round(time.Millisecond))
				return
			}
		}
		a.Log.Warn("reply-quality windows not rebuilt; canned scores start from an empty window", "err", err,
			"clickhouse", a.Common.ClickHouse.Addr, "fix", "check the clickhouse section, or set enrich.reply_quality.rebuild: false")
	}
}
