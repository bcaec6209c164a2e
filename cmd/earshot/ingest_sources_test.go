package main

import (
	"strings"
	"testing"
)

// TestIngestNetworkSourcesConfig runs the network sources' subcommands with
// a configuration error: each stops before touching Kafka with an error
// naming the key to fix.
func TestIngestNetworkSourcesConfig(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ingest", "http", "--addr", "8088"}, "ingest_http.addr"},
		{[]string{"ingest", "rss"}, "ingest_rss.feeds"},
		{[]string{"ingest", "rss", "--feed", "ftp://example.com/feed"}, "ingest_rss.feeds[0]"},
		{[]string{"ingest", "bluesky", "--endpoint", "https://jetstream2.us-east.bsky.network/subscribe"}, "ingest_bluesky.endpoint"},
		{[]string{"ingest", "bluesky", "--wanted-did", "klm.com"}, "ingest_bluesky.wanted_dids[0]"},
		{[]string{"ingest", "mastodon"}, "ingest_mastodon.server"},
		{[]string{"ingest", "mastodon", "--server", "https://mastodon.social", "--stream", "hashtag"}, "ingest_mastodon.tag"},
	}
	t.Setenv("EARSHOT_METRICS_ADDR", "")
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			_, err := runCLI(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestIngestHelpListsNetworkSources(t *testing.T) {
	out, err := runCLI(t, "ingest", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"http", "rss", "bluesky", "mastodon"} {
		if !strings.Contains(out, "\n  "+want+" ") {
			t.Errorf("ingest --help does not list %s:\n%s", want, out)
		}
	}
}
