package main

import (
	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/ingest/reddit"
)

var ingestRedditFlags struct {
	Searches []string
}

// ingestRedditConfig is the ingest_reddit section; searches given with
// --search (which may contain commas) replace the file's before
// validation.
type ingestRedditConfig struct {
	reddit.Config `yaml:",inline"`
	searches      *[]string
}

func (c *ingestRedditConfig) Validate() error {
	if c.searches != nil && len(*c.searches) > 0 {
		c.Searches = append([]string(nil), *c.searches...)
	}
	return c.Config.Validate()
}

func init() {
	c := &cobra.Command{
		Use:   "reddit",
		Short: "Poll Reddit searches, subreddit posts and comments (OAuth app-only)",
		Long: `reddit authenticates as an app (OAuth client_credentials, token renewed before
it expires) and polls, every poll interval, site-wide searches (sort=new) and the
new posts and comments of subreddits, paging back with after= until it meets an
item already published. Each post (t3) and comment (t1) becomes a Mention v1
record (id reddit:<fullname>, comments replying to their parent within their
post's conversation) on the raw topic. A persisted seen-set and per-listing
cursors make restarts publish nothing twice. X-Ratelimit-* headers and 429 are
honoured; refused credentials (401) stop the command with Reddit's message.

The client id and secret come from $EARSHOT_REDDIT_CLIENT_ID and
$EARSHOT_REDDIT_CLIENT_SECRET (ingest_reddit.client_id_env / client_secret_env)
or files (client_id_file / client_secret_file), never from flags. Reddit
requires a descriptive User-Agent: "<platform>:<app id>:<version> (by /u/<you>)".

Configuration: the top-level section "ingest_reddit" (every key is in the
README), plus ingest.publisher for batching.`,
		Example: `  export EARSHOT_REDDIT_CLIENT_ID=… EARSHOT_REDDIT_CLIENT_SECRET=…
  earshot ingest reddit --user-agent 'linux:com.example.earshot:v1 (by /u/yourname)' --subreddit KLM --search 'klm lost bag'
  earshot ingest reddit --config earshot.yaml`,
		Args: cobra.NoArgs,
		RunE: runIngestReddit,
	}
	f := c.Flags()
	f.StringArrayVar(&ingestRedditFlags.Searches, "search", nil, "a site-wide search query, repeatable (replaces ingest_reddit.searches)")
	f.StringSlice("subreddit", nil, "a subreddit to poll, repeatable (replaces ingest_reddit.subreddits)")
	f.Bool("comments", true, "also poll the subreddits' new comments (ingest_reddit.comments)")
	f.String("user-agent", "", `"<platform>:<app id>:<version> (by /u/<username>)" (ingest_reddit.user_agent)`)
	f.Duration("poll-interval", 0, "time between rounds (default 1m; ingest_reddit.poll_interval)")
	f.String("state-dir", "", "directory for the cursors and seen-set (default .earshot; ingest_reddit.state_dir)")
	ingestCmd.AddCommand(c)
}

func runIngestReddit(cmd *cobra.Command, _ []string) error {
	cfg := ingestRedditConfig{Config: reddit.DefaultConfig(), searches: &ingestRedditFlags.Searches}
	src, err := setupLiveSource(cmd, "ingest reddit", "ingest_reddit", true, &cfg, map[string]any{
		"subreddit": &cfg.Subreddits, "comments": &cfg.Comments,
		"user-agent": &cfg.UserAgent, "poll-interval": &cfg.PollInterval, "state-dir": &cfg.StateDir,
	})
	if err != nil {
		return err
	}
	defer src.Close()
	p, err := reddit.New(cfg.Config, reddit.Options{
		Writer: src.Writer, Metrics: src.Metrics, Registerer: src.App.Reg, Publisher: src.Publisher, Log: src.App.Log,
	})
	if err != nil {
		return err
	}
	return p.Run(cmd.Context())
}
