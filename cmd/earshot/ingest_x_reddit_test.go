package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/ingest/reddit"
	"github.com/earshot-dev/earshot/ingest/x"
)

// TestExampleXRedditSectionsAreDefaults: apart from the values marked
// "# example", the ingest_x and ingest_reddit sections of the example
// configuration are the code's defaults.
func TestExampleXRedditSectionsAreDefaults(t *testing.T) {
	f, err := config.Load(filepath.Join("..", "..", "deploy", "earshot.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	xc := x.DefaultConfig()
	if err := f.Section("ingest_x", &xc); err != nil {
		t.Fatal(err)
	}
	if want := (x.Rule{Value: "@KLM -is:retweet", Tag: "klm"}); len(xc.Rules) != 1 || xc.Rules[0] != want {
		t.Errorf("ingest_x.rules %+v", xc.Rules)
	}
	xc.Rules = nil
	if want := x.DefaultConfig(); !reflect.DeepEqual(xc, want) {
		t.Errorf("ingest_x differs from the defaults:\n got %+v\nwant %+v", xc, want)
	}
	rc := reddit.DefaultConfig()
	if err := f.Section("ingest_reddit", &rc); err != nil {
		t.Fatal(err)
	}
	rc.Searches, rc.Subreddits, rc.UserAgent = nil, nil, ""
	if want := reddit.DefaultConfig(); !reflect.DeepEqual(rc, want) {
		t.Errorf("ingest_reddit differs from the defaults:\n got %+v\nwant %+v", rc, want)
	}
}

// TestIngestXRedditConfig: a configuration error stops the command before
// it touches Kafka, naming the key to fix; flags reach the config.
func TestIngestXRedditConfig(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ingest", "x"}, "ingest_x.rules"},
		{[]string{"ingest", "x", "--rule", " "}, "ingest_x.rules[0].value"},
		{[]string{"ingest", "x", "--rule", "@KLM", "--backfill-window", "200h"}, "ingest_x.backfill_window"},
		{[]string{"ingest", "x", "--sync-rules=false"}, "ingest_x.backfill_query"},
		{[]string{"ingest", "reddit"}, "ingest_reddit.searches"},
		{[]string{"ingest", "reddit", "--subreddit", "KLM"}, "ingest_reddit.user_agent"},
		{[]string{"ingest", "reddit", "--subreddit", "r/KLM/new", "--user-agent", "linux:x:v1 (by /u/me)"}, "ingest_reddit.subreddits[0]"},
		{[]string{"ingest", "reddit", "--search", "klm", "--user-agent", "linux:x:v1 (by /u/me)", "--poll-interval", "10ms"}, "ingest_reddit.poll_interval"},
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
	out, err := runCLI(t, "ingest", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"x", "reddit"} {
		if !strings.Contains(out, "\n  "+want+" ") {
			t.Errorf("ingest --help does not list %s:\n%s", want, out)
		}
	}
}
