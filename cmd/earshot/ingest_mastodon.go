package main

import (
	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/ingest/mastodon"
)

var ingestMastodonFlags struct {
	Server   string
	Stream   string
	Tag      string
	List     string
	StateDir string
}

func init() {
	c := &cobra.Command{
		Use:   "mastodon",
		Short: "Stream a Mastodon timeline (server-sent events) and publish its statuses",
		Long: `mastodon reads a Mastodon instance's streaming API (public, public:local,
public:remote, hashtag, hashtag:local, list or user stream), maps every status
to a Mention v1 record (id mastodon:<host>/<status id>, HTML content as plain
text, replies mapped to in_reply_to / conversation_id) and publishes it to the
raw topic. On every reconnect and restart the gap since the last acknowledged
status is back-filled from the REST timeline; a bounded seen-set drops the
overlap. A refused token (401/403) stops the command with the server's message.

The access token comes from $EARSHOT_MASTODON_TOKEN (ingest_mastodon.token_env)
or ingest_mastodon.token_file, never from a flag.

Configuration: the top-level section "ingest_mastodon" (every key is in the
README), plus ingest.publisher for batching.`,
		Example: `  export EARSHOT_MASTODON_TOKEN=…
  earshot ingest mastodon --server https://mastodon.social --stream hashtag --tag klm
  earshot ingest mastodon --server https://mastodon.social --stream list --list 42`,
		Args: cobra.NoArgs,
		RunE: runIngestMastodon,
	}
	f := c.Flags()
	f.StringVar(&ingestMastodonFlags.Server, "server", "", "instance base URL, e.g. https://mastodon.social (ingest_mastodon.server)")
	f.StringVar(&ingestMastodonFlags.Stream, "stream", "", "public, public:local, public:remote, hashtag, hashtag:local, list or user (default public; ingest_mastodon.stream)")
	f.StringVar(&ingestMastodonFlags.Tag, "tag", "", "hashtag of a hashtag stream, without # (ingest_mastodon.tag)")
	f.StringVar(&ingestMastodonFlags.List, "list", "", "list id of a list stream (ingest_mastodon.list)")
	f.StringVar(&ingestMastodonFlags.StateDir, "state-dir", "", "directory for the cursor and seen-set (default .earshot; ingest_mastodon.state_dir)")
	ingestCmd.AddCommand(c)
}

func runIngestMastodon(cmd *cobra.Command, _ []string) error {
	cfg := mastodon.DefaultConfig()
	src, err := setupLiveSource(cmd, "ingest mastodon", "ingest_mastodon", true, &cfg, map[string]any{
		"server": &cfg.Server, "stream": &cfg.Stream, "tag": &cfg.Tag, "list": &cfg.List, "state-dir": &cfg.StateDir,
	})
	if err != nil {
		return err
	}
	defer src.Close()
	s, err := mastodon.New(cfg, mastodon.Options{
		Writer: src.Writer, Metrics: src.Metrics, Registerer: src.App.Reg, Publisher: src.Publisher, Log: src.App.Log,
	})
	if err != nil {
		return err
	}
	return s.Run(cmd.Context())
}
