package main

import (
	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/ingest/x"
)

var ingestXFlags struct {
	Rules []string
}

// ingestXConfig is the ingest_x section; rules given with --rule replace
// the file's before validation.
type ingestXConfig struct {
	x.Config `yaml:",inline"`
	rules    *[]string
}

func (c *ingestXConfig) Validate() error {
	if c.rules != nil && len(*c.rules) > 0 {
		c.Rules = nil
		for _, v := range *c.rules {
			c.Rules = append(c.Rules, x.Rule{Value: v})
		}
	}
	return c.Config.Validate()
}

func init() {
	c := &cobra.Command{
		Use:   "x",
		Short: "Stream X (Twitter) posts matching rules, back-filled from recent search",
		Long: `x reads the X API v2 filtered stream: it syncs the configured rules (adds
the missing ones, deletes stale rules tagged earshot:), connects with author and
referenced-post expansions, maps every post to a Mention v1 record (id x:<id>,
replies and quotes mapped to in_reply_to / quoted_id, conversation_id from X)
and publishes it to the raw topic. On every reconnect and restart the gap is
back-filled from recent search (since_id of the last post, next_token paging);
a persisted seen-set drops the overlap. Retweets are skipped and counted.
Reconnects follow X's backoff (linear for network errors, exponential for HTTP
errors, x-rate-limit-reset for 429); 20 s without a keep-alive reconnects. A
refused token (401/403) or a rejected rule stops the command with X's reason.

The bearer token comes from $EARSHOT_X_BEARER_TOKEN (ingest_x.token_env) or
ingest_x.token_file, never from a flag.

Configuration: the top-level section "ingest_x" (every key is in the README),
plus ingest.publisher for batching.`,
		Example: `  export EARSHOT_X_BEARER_TOKEN=…
  earshot ingest x --rule '@KLM -is:retweet' --rule '@AirFrance -is:retweet'
  earshot ingest x --config earshot.yaml --backfill-window 2h`,
		Args: cobra.NoArgs,
		RunE: runIngestX,
	}
	f := c.Flags()
	f.StringArrayVar(&ingestXFlags.Rules, "rule", nil, "a stream rule, repeatable; replaces ingest_x.rules (tag = the value)")
	f.Duration("backfill-window", 0, "on a first start, back-fill this far from recent search (≤ 168h; ingest_x.backfill_window)")
	f.String("backfill-query", "", "recent-search query of the back-fill (default: the rules joined with OR; ingest_x.backfill_query)")
	f.Bool("sync-rules", true, "keep the app's earshot: stream rules equal to the configured ones (ingest_x.sync_rules)")
	f.String("state-dir", "", "directory for the cursor and seen-set (default .earshot; ingest_x.state_dir)")
	ingestCmd.AddCommand(c)
}

func runIngestX(cmd *cobra.Command, _ []string) error {
	cfg := ingestXConfig{Config: x.DefaultConfig(), rules: &ingestXFlags.Rules}
	src, err := setupLiveSource(cmd, "ingest x", "ingest_x", true, &cfg, map[string]any{
		"backfill-window": &cfg.BackfillWindow, "backfill-query": &cfg.BackfillQuery,
		"sync-rules": &cfg.SyncRules, "state-dir": &cfg.StateDir,
	})
	if err != nil {
		return err
	}
	defer src.Close()
	s, err := x.New(cfg.Config, x.Options{
		Writer: src.Writer, Metrics: src.Metrics, Registerer: src.App.Reg, Publisher: src.Publisher, Log: src.App.Log,
	})
	if err != nil {
		return err
	}
	return s.Run(cmd.Context())
}
