package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/internal/testenv"
)

// TestIngestReplayFlagErrors: bad replay flags are refused with an error
// that names the flag, before any broker is contacted.
func TestIngestReplayFlagErrors(t *testing.T) {
	t.Setenv("EARSHOT_CONFIG", "")
	t.Setenv("EARSHOT_KAFKA_BROKERS", "127.0.0.1:1") // never reached
	in := filepath.Join("..", "..", "ingest", "replay", "testdata", "csv_export.csv")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"map syntax", []string{"--map", "text"}, `--map: "text" is not field=column`},
		{"map unknown field", []string{"--map", "text=body,body=x"}, `unknown field "body"`},
		{"map with another format", []string{"--map", "text=body", "--format", "twcs"}, "--map applies to --format csv"},
		{"csv without map", []string{"--format", "csv"}, "ingest.replay.csv.map: empty"},
		{"bad time format", []string{"--map", "text=body", "--time-format", "15:04"}, "ingest.replay.csv.time_format"},
		{"bad default created_at", []string{"--default-created-at", "yesterday"}, "ingest.replay.default_created_at"},
		{"bad time zone", []string{"--time-zone", "Mars/Base"}, "ingest.replay.time_zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"ingest", "replay", in, "--log-level", "error", "--metrics-addr", "127.0.0.1:0"}, tt.args...)
			_, err := runCLI(t, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestIngestReplayCrowdFlowerAndCSV replays the crowdflower and csv
// fixtures into Kafka through the command line and checks the summary
// lines (skip reasons included).
func TestIngestReplayCrowdFlowerAndCSV(t *testing.T) {
	kc := testenv.Kafka(t)
	t.Setenv("EARSHOT_CONFIG", "")
	t.Setenv("EARSHOT_KAFKA_BROKERS", strings.Join(kc.Brokers, ","))
	dir := t.TempDir()
	td := filepath.Join("..", "..", "ingest", "replay", "testdata")
	common := []string{"--state-dir", dir, "--progress", "none", "--log-level", "warn", "--metrics-addr", "127.0.0.1:0"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"crowdflower detected", []string{filepath.Join(td, "crowdflower_brand_emotion.csv")},
			"published=9 skipped=4 skipped_bad_csv=2 skipped_empty_text=2 first_created_at=2000-01-01T00:00:00Z last_created_at=2000-01-01T00:00:00Z\n"},
		{"crowdflower default date", []string{filepath.Join(td, "crowdflower_brand_emotion.csv"), "--format", "crowdflower",
			"--default-created-at", "2011-03-11T12:00:00-06:00", "--repair-mojibake=false", "--checkpoint", filepath.Join(dir, "cf2.json")},
			"published=9 skipped=4 skipped_bad_csv=2 skipped_empty_text=2 first_created_at=2011-03-11T18:00:00Z last_created_at=2011-03-11T18:00:00Z\n"},
		{"csv mapping", []string{filepath.Join(td, "csv_export.csv"), "--map",
			"id=post_id,text=body,created_at=posted_ms,author=user,author_handle=screen,in_reply_to=parent,likes=likes,extra.mood=mood",
			"--platform", "forum", "--time-format", "unix_ms", "--delimiter", ";"},
			"published=6 skipped=6 skipped_bad_count=1 skipped_bad_date=1 skipped_bad_id=1 skipped_bad_in_reply_to=1 skipped_duplicate_id=1 skipped_empty_text=1 first_created_at=2000-01-01T00:00:00Z last_created_at=2023-11-14T22:16:40Z\n"},
		{"csv missing column", []string{filepath.Join(td, "csv_export.csv"), "--map", "text=body,created_at=date", "--delimiter", ";"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(t, append(append([]string{"ingest", "replay"}, tt.args...), common...)...)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), "created_at=date names a column the header lacks") {
					t.Errorf("err = %v, want the missing column named", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.want {
				t.Errorf("printed %q\n      want %q", out, tt.want)
			}
		})
	}
}
