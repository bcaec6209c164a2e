package replay_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/replay"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
)

// runFixture replays testdata/name with cfg and returns the summary and
// the published records.
func runFixture(t *testing.T, cfg replay.Config, name string, reg prometheus.Registerer) (replay.Summary, []*mention.Mention) {
	t.Helper()
	w := &recorder{}
	sum, err := newReplayer(t, cfg, w, reg, 4).Run(context.Background(), filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return sum, decodeAll(t, w.msgs)
}

func byNative(ms []*mention.Mention) map[string]*mention.Mention {
	out := map[string]*mention.Mention{}
	for _, m := range ms {
		out[m.ID] = m
	}
	return out
}

// TestReplayCrowdFlowerAirline replays a hand-written file in the shape of
// the Twitter US Airline Sentiment CSV: real tweet ids become x:<id>, the
// label, its confidence and the negative reason land in extra, and rows
// that cannot be mapped are skipped with their reason.
func TestReplayCrowdFlowerAirline(t *testing.T) {
	reg := prometheus.NewRegistry()
	sum, ms := runFixture(t, replay.DefaultConfig(), "crowdflower_airline.csv", reg)
	if sum.Format != replay.FormatCrowdFlower {
		t.Errorf("format = %q, want crowdflower (detected)", sum.Format)
	}
	want := "published=6 skipped=6 skipped_bad_count=1 skipped_bad_date=1 skipped_bad_id=1 skipped_bad_label_confidence=1 skipped_duplicate_id=1 skipped_empty_text=1" +
		" first_created_at=2015-02-24T04:00:00Z last_created_at=2015-02-24T19:35:52Z"
	if sum.String() != want {
		t.Errorf("summary = %q\n          want %q", sum.String(), want)
	}
	got := byNative(ms)
	m := got["x:570301130888122002"]
	if m == nil {
		t.Fatalf("x:570301130888122002 not published; got %v", ms)
	}
	if m.Platform != "x" || m.Author.Handle != "late_larry" || m.Engagement == nil || m.Engagement.Reposts != 2 ||
		m.Text != `@united 3 hours on the tarmac & counting. "Soon" they say <sigh>` || m.URL != "https://x.com/i/web/status/570301130888122002" {
		t.Errorf("record = %+v", m)
	}
	if m.Extra["target"] != "United" || m.Extra["label"] != "negative" || m.Extra["label_confidence"] != 0.6842 ||
		m.Extra["negative_reason"] != "Late Flight" || m.Extra["negative_reason_confidence"] != 0.3548 {
		t.Errorf("extra = %v", m.Extra)
	}
	if d := got["x:570300000000000003"]; d == nil || d.Author.ID != replay.AnonymousAuthor || d.Text != "@Delta crew on DL123 were great\nthank you!" {
		t.Errorf("row without a name: %+v", d)
	}
	// The row without a tweet id is not an X post: platform crowdflower.
	var noID *mention.Mention
	for _, m := range ms {
		if m.Platform == replay.PlatformCrowdFlower {
			noID = m
		}
	}
	if noID == nil || !strings.HasPrefix(noID.ID, "crowdflower:") || len(noID.NativeID) != 16 || noID.URL != "" {
		t.Errorf("row without a tweet id: %+v", noID)
	}
	// Same second: file order.
	var order []string
	for _, m := range ms {
		order = append(order, m.NativeID)
	}
	if !strings.Contains(strings.Join(order, ","), "570300000000000010,570300000000000012") {
		t.Errorf("order = %v", order)
	}
	if v := testutil.ToFloat64(ingest.NewMetrics(reg).Rejected.WithLabelValues(replay.SourceCrowdFlower, "bad_id")); v != 1 {
		t.Errorf("rejected{bad_id} = %v, want 1", v)
	}
	golden(t, "crowdflower_airline.golden.jsonl", jsonl(t, ms))
}

// TestReplayCrowdFlowerBrandEmotion replays a hand-written file in the
// shape of the SXSW brands-and-products file: no id, no date, no author;
// CRLF; the CrowdFlower mojibake; HTML entities; blank texts; identical
// rows.
func TestReplayCrowdFlowerBrandEmotion(t *testing.T) {
	sum, ms := runFixture(t, replay.DefaultConfig(), "crowdflower_brand_emotion.csv", nil)
	want := "published=9 skipped=4 skipped_bad_csv=2 skipped_empty_text=2 first_created_at=2000-01-01T00:00:00Z last_created_at=2000-01-01T00:00:00Z"
	if sum.String() != want {
		t.Errorf("summary = %q\n          want %q", sum.String(), want)
	}
	texts := map[string]*mention.Mention{}
	var rt []string
	for _, m := range ms {
		texts[m.Text] = m
		if m.Platform != replay.PlatformCrowdFlower || m.Author.ID != replay.AnonymousAuthor || m.Extra["created_at_default"] != true {
			t.Errorf("%s: platform %s author %s extra %v", m.ID, m.Platform, m.Author.ID, m.Extra)
		}
		if strings.HasPrefix(m.Text, "RT @mention Win") {
			rt = append(rt, m.NativeID)
		}
	}
	// Identical rows are distinct posts: the 2nd and 3rd get -2 and -3.
	if len(rt) != 3 || rt[1] != rt[0]+"-2" || rt[2] != rt[0]+"-3" {
		t.Errorf("ids of the identical rows = %v, want h, h-2, h-3", rt)
	}
	for text, extra := range map[string]map[string]any{
		"Love the pop-up store “Apple at #SXSW” - {link}":      {"label": "positive", "target": "Apple", "text_repaired": true},
		`Google’s keynote "maps are the future" #SXSW`:         {"label": "positive", "target": "Google", "text_repaired": true},
		"Line one\n\nline two #sxsw & more":                    {"label": "cant_tell", "label_raw": "I can't tell", "target": "Android App"},
		"Queue – two blocks long ☺ #ipad2":                     {"label": "negative", "text_repaired": true},
		"@mention Google maps on Android at #SXSW ‰÷ mixed up": {"label": "positive", "target": "Android"},
	} {
		m := texts[text]
		if m == nil {
			t.Errorf("no record with text %q", text)
			continue
		}
		for k, v := range extra {
			if m.Extra[k] != v {
				t.Errorf("%q: extra.%s = %v, want %v", text, k, m.Extra[k], v)
			}
		}
	}
	golden(t, "crowdflower_brand_emotion.golden.jsonl", jsonl(t, ms))
}

// TestReplayCSVMapping replays a semicolon-separated export through a
// column mapping with Unix-millisecond dates.
func TestReplayCSVMapping(t *testing.T) {
	cfg := replay.DefaultConfig()
	cfg.Format = replay.FormatCSV
	cfg.CSV = replay.CSVConfig{Platform: "forum", TimeFormat: replay.TimeUnixMS, Delimiter: ";", Map: map[string]string{
		"id": "post_id", "text": "body", "created_at": "posted_ms", "author": "user", "author_handle": "screen",
		"in_reply_to": "parent", "likes": "likes", "extra.mood": "mood"}}
	sum, ms := runFixture(t, cfg, "csv_export.csv", nil)
	want := "published=6 skipped=6 skipped_bad_count=1 skipped_bad_date=1 skipped_bad_id=1 skipped_bad_in_reply_to=1 skipped_duplicate_id=1 skipped_empty_text=1" +
		" first_created_at=2000-01-01T00:00:00Z last_created_at=2023-11-14T22:16:40Z"
	if sum.String() != want {
		t.Errorf("summary = %q\n          want %q", sum.String(), want)
	}
	var order []string
	conv := map[string]string{}
	for _, m := range ms {
		order = append(order, m.NativeID)
		conv[m.NativeID] = m.ConversationID
	}
	// 1009 has the default date; 1003 replies to 1002 in the same
	// millisecond but comes first in the file: the parent goes first.
	if got := strings.Join(order, ","); got != "1009,1001,1010,1002,1003,1004" {
		t.Errorf("order = %s, want 1009,1001,1010,1002,1003,1004", got)
	}
	for id, want := range map[string]string{"1001": "forum:1001", "1002": "forum:1001", "1003": "forum:1001", "1004": "forum:999", "1010": "forum:1010"} {
		if conv[id] != want {
			t.Errorf("conversation of %s = %s, want %s", id, conv[id], want)
		}
	}
	m := byNative(ms)["forum:1003"]
	if m == nil || m.InReplyTo != "forum:1002" || m.Author.ID != "u1" || m.Author.Handle != "jess_k" || m.Extra["mood"] != "neutral" {
		t.Errorf("forum:1003 = %+v", m)
	}
	golden(t, "csv_export.golden.jsonl", jsonl(t, ms))
}

func TestReplayTableErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	csvCfg := func(m map[string]string) replay.Config {
		c := replay.DefaultConfig()
		c.Format = replay.FormatCSV
		c.CSV.Map = m
		return c
	}
	forced := func(f string) replay.Config { c := replay.DefaultConfig(); c.Format = f; return c }
	tests := []struct {
		name string
		path string
		cfg  replay.Config
		want string
	}{
		{"missing mapped column", write("a.csv", "id,body\n1,hi\n"), csvCfg(map[string]string{"text": "body", "created_at": "date"}), `created_at=date names a column the header lacks; the header has: id, body`},
		{"crowdflower without a label column", write("b.csv", "tweet_text,brand\nhi,x\n"), forced(replay.FormatCrowdFlower), "lacks a label column"},
		{"empty crowdflower", write("c.csv", ""), forced(replay.FormatCrowdFlower), "empty"},
		{"unknown csv needs a mapping", write("d.csv", "id,body\n1,hi\n"), replay.DefaultConfig(), "--format csv --map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newReplayer(t, tt.cfg, &recorder{}, nil, 0).Run(context.Background(), tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestReplayCSVMapDetected: with a mapping configured and no format, a CSV
// that is neither twcs nor CrowdFlower is read as csv.
func TestReplayCSVMapDetected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(path, []byte("id,body,at\n7,hello,2024-05-01T10:00:00+02:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := replay.DefaultConfig()
	cfg.CSV.Map = map[string]string{"id": "id", "text": "body", "created_at": "at"}
	w := &recorder{}
	sum, err := newReplayer(t, cfg, w, nil, 0).Run(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ms := decodeAll(t, w.msgs)
	if sum.Format != replay.FormatCSV || len(ms) != 1 || ms[0].ID != "csv:7" || !ms[0].CreatedAt.Equal(time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("format %s, records %+v", sum.Format, ms)
	}
}

// TestReplayCrowdFlowerResume: a resumed run publishes nothing more; a run
// with another default created_at does not resume the checkpoint (its
// records would differ).
func TestReplayCrowdFlowerResume(t *testing.T) {
	ctx := context.Background()
	cfg := replay.DefaultConfig()
	cfg.Checkpoint = filepath.Join(t.TempDir(), "cp.json")
	input := filepath.Join("testdata", "crowdflower_brand_emotion.csv")
	if _, err := newReplayer(t, cfg, &recorder{}, nil, 4).Run(ctx, input); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(cfg.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	var cp replay.Checkpoint
	if err := json.Unmarshal(raw, &cp); err != nil {
		t.Fatal(err)
	}
	if cp.Format != replay.FormatCrowdFlower || cp.Position != 9 || !strings.Contains(cp.Options, "default_created_at=2000-01-01T00:00:00Z") {
		t.Errorf("checkpoint = %+v", cp)
	}
	cfg.Resume = true
	w := &recorder{}
	sum, err := newReplayer(t, cfg, w, nil, 4).Run(ctx, input)
	if err != nil || sum.Published != 0 || sum.Resumed != 9 || len(w.msgs) != 0 {
		t.Errorf("resumed run: %s, %v; want published=0 from 9", sum, err)
	}
	cfg.DefaultCreatedAt = "2011-03-11T00:00:00Z"
	_, err = newReplayer(t, cfg, &recorder{}, nil, 4).Run(ctx, input)
	if err == nil || !strings.Contains(err.Error(), "other settings") {
		t.Errorf("changed settings: err = %v, want a refusal to resume", err)
	}
}

// TestReplaySXSWKafka replays the real CrowdFlower brands-and-products
// (SXSW) file into the in-process Kafka broker: every row with a non-empty
// text is published, the blank one is skipped and reported.
func TestReplaySXSWKafka(t *testing.T) {
	input := filepath.Join(testenv.Datasets(t), "sentiment", "brand_emotion_sxsw", "brand_product_emotion.csv")
	if _, err := os.Stat(input); err != nil {
		t.Skipf("%s: %v", input, err)
	}
	// Count the rows with a non-empty text independently: the file's
	// records, the text is the first column.
	nonEmpty, empty := countSXSWTexts(t, input)
	kc := testenv.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := replay.DefaultConfig()
	cfg.Format = replay.FormatCrowdFlower
	cfg.Checkpoint = filepath.Join(t.TempDir(), "cp.json")
	w := bus.NewWriter(kc, kc.RawTopic)
	defer w.Close()
	start := time.Now()
	sum, err := newReplayer(t, cfg, w, nil, 0).Run(ctx, input)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %s (%d rows with a text, %d without)", sum, time.Since(start).Round(time.Millisecond), nonEmpty, empty)
	if sum.Published != int64(nonEmpty) {
		t.Errorf("published %d, want %d (every row with a non-empty text)", sum.Published, nonEmpty)
	}
	if sum.Skipped["empty_text"] != int64(empty) || sum.SkippedTotal() != int64(empty) {
		t.Errorf("skipped %v, want empty_text=%d only", sum.Skipped, empty)
	}
	if !strings.Contains(sum.String(), " skipped_empty_text=") {
		t.Errorf("summary %q does not report the skip reason", sum)
	}
	ids := readTopic(t, ctx, kc)
	distinct := map[string]bool{}
	for _, id := range ids {
		distinct[id] = true
	}
	if len(ids) != nonEmpty || len(distinct) != nonEmpty {
		t.Errorf("the raw topic holds %d records (%d distinct), want %d", len(ids), len(distinct), nonEmpty)
	}
}

// countSXSWTexts counts the records of the file whose first column (the
// tweet text) has a non-space character, and those whose has none.
func countSXSWTexts(t *testing.T, path string) (nonEmpty, empty int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = 3
	if _, err := cr.Read(); err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nonEmpty, empty
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(rec[0]) == "" {
			empty++
		} else {
			nonEmpty++
		}
	}
}

// BenchmarkReplaySXSW replays the CrowdFlower brands-and-products file into
// a recording writer: CSV parsing, text repair, content ids, mapping,
// validation, encoding and batching.
func BenchmarkReplaySXSW(b *testing.B) {
	input := filepath.Join(testenv.Datasets(b), "sentiment", "brand_emotion_sxsw", "brand_product_emotion.csv")
	st, err := os.Stat(input)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		sum, err := newReplayer(b, replay.DefaultConfig(), &recorder{}, nil, 0).Run(context.Background(), input)
		if err != nil || sum.Published == 0 {
			b.Fatal(sum, err)
		}
		n = sum.Published
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
