package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/ingest/rss"
)

var ingestRSSFlags struct {
	Feeds    []string
	Interval time.Duration
	StateDir string
	Once     bool
}

func init() {
	c := &cobra.Command{
		Use:   "rss",
		Short: "Poll RSS and Atom feeds (news, blogs, review sites) and publish new items",
		Long: `rss polls every feed of ingest_rss.feeds (or --feed) with conditional GET
(ETag / Last-Modified → 304), maps each new item to a Mention v1 record
(id rss:<guid or link>, text = title + content as plain text) and publishes it
to the raw topic. Items are de-duplicated by id across polls and restarts
(seen-set in <state_dir>/rss-seen.jsonl). Failing feeds back off with jitter;
429/503 honour Retry-After. --once polls every feed a single time, prints a
summary line and exits non-zero when a feed failed (for cron).

Configuration: the top-level section "ingest_rss" (every key is in the
README), plus ingest.publisher for batching.`,
		Example: `  earshot ingest rss --feed https://news.example.com/travel/feed.rss --feed https://reviews.example.org/atom.xml
  earshot ingest rss --once`,
		Args: cobra.NoArgs,
		RunE: runIngestRSS,
	}
	f := c.Flags()
	f.StringSliceVar(&ingestRSSFlags.Feeds, "feed", nil, "feed URL, repeatable (replaces ingest_rss.feeds)")
	f.DurationVar(&ingestRSSFlags.Interval, "interval", 0, "time between polls of a feed (default 5m; ingest_rss.interval)")
	f.StringVar(&ingestRSSFlags.StateDir, "state-dir", "", "directory for the seen-set and feed validators (default .earshot; ingest_rss.state_dir)")
	f.BoolVar(&ingestRSSFlags.Once, "once", false, "poll every feed once and exit")
	ingestCmd.AddCommand(c)
}

func runIngestRSS(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	cfg := rss.DefaultConfig()
	src, err := setupLiveSource(cmd, "ingest rss", "ingest_rss", !ingestRSSFlags.Once, &cfg, map[string]any{
		"feed": &cfg.Feeds, "interval": &cfg.Interval, "state-dir": &cfg.StateDir,
	})
	if err != nil {
		return err
	}
	defer src.Close()
	p, err := rss.New(cfg, rss.Options{
		Writer: src.Writer, Metrics: src.Metrics, Registerer: src.App.Reg, Publisher: src.Publisher, Log: src.App.Log,
	})
	if err != nil {
		return err
	}
	if !ingestRSSFlags.Once {
		return p.Run(ctx)
	}
	res, err := p.PollAll(ctx)
	cerr := p.Close(ctx)
	var published, dups, rejected, failed, notModified int
	for _, r := range res {
		published += r.Published
		dups += r.Duplicates
		rejected += r.Rejected
		if r.NotModified {
			notModified++
		}
		if r.Err != nil {
			failed++
		}
	}
	fmt.Fprintf(cmd.OutOrStdout(), "feeds=%d failed=%d not_modified=%d published=%d duplicates=%d rejected=%d\n", len(res), failed, notModified, published, dups, rejected)
	if err := errors.Join(err, cerr); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("ingest rss: %d of %d feeds failed (see the log)", failed, len(res))
	}
	return nil
}
