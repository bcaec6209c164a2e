package main

import (
	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/ingest/bluesky"
)

var ingestBlueskyFlags struct {
	Endpoint   string
	WantedDids []string
	StateDir   string
}

func init() {
	c := &cobra.Command{
		Use:   "bluesky",
		Short: "Stream Bluesky posts from Jetstream (WebSocket) and publish them",
		Long: `bluesky subscribes to a Jetstream instance (ingest_bluesky.endpoint, default
` + bluesky.DefaultEndpoint + `) for app.bsky.feed.post,
optionally only for some accounts (wanted_dids), maps every created post to a
Mention v1 record (id bluesky:at://<did>/app.bsky.feed.post/<rkey>, replies and
quotes mapped to in_reply_to / conversation_id / quoted_id) and publishes it to
the raw topic. The cursor (time_us) is saved after every acknowledged batch and
used on reconnect and restart; a bounded seen-set drops the overlap, so nothing
is lost or published twice. Reconnects with jittered backoff.

Configuration: the top-level section "ingest_bluesky" (every key is in the
README), plus ingest.publisher for batching.`,
		Example: `  earshot ingest bluesky
  earshot ingest bluesky --wanted-did did:plc:z72i7hdynmk6r22z27h6tvur`,
		Args: cobra.NoArgs,
		RunE: runIngestBluesky,
	}
	f := c.Flags()
	f.StringVar(&ingestBlueskyFlags.Endpoint, "endpoint", "", "Jetstream subscribe URL (ingest_bluesky.endpoint)")
	f.StringSliceVar(&ingestBlueskyFlags.WantedDids, "wanted-did", nil, "only these accounts' posts (DIDs), repeatable (ingest_bluesky.wanted_dids)")
	f.StringVar(&ingestBlueskyFlags.StateDir, "state-dir", "", "directory for the cursor and seen-set (default .earshot; ingest_bluesky.state_dir)")
	ingestCmd.AddCommand(c)
}

func runIngestBluesky(cmd *cobra.Command, _ []string) error {
	cfg := bluesky.DefaultConfig()
	src, err := setupLiveSource(cmd, "ingest bluesky", "ingest_bluesky", true, &cfg, map[string]any{
		"endpoint": &cfg.Endpoint, "wanted-did": &cfg.WantedDids, "state-dir": &cfg.StateDir,
	})
	if err != nil {
		return err
	}
	defer src.Close()
	s, err := bluesky.New(cfg, bluesky.Options{
		Writer: src.Writer, Metrics: src.Metrics, Registerer: src.App.Reg, Publisher: src.Publisher, Log: src.App.Log,
	})
	if err != nil {
		return err
	}
	return s.Run(cmd.Context())
}
