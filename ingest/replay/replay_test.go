package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/replay"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// recorder is a bus.Writer that keeps what was written and can fail after
// a number of messages.
type recorder struct {
	mu        sync.Mutex
	msgs      []kafka.Message
	calls     int
	failAfter int // fail a call that would exceed this many messages (0: never)
}

func (r *recorder) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failAfter > 0 && len(r.msgs)+len(msgs) > r.failAfter {
		return errors.New("broker unreachable (test)")
	}
	r.calls++
	r.msgs = append(r.msgs, msgs...)
	return nil
}

func (r *recorder) Close() error { return nil }

var fixedNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func newReplayer(tb testing.TB, cfg replay.Config, w bus.Writer, reg prometheus.Registerer, batch int) *replay.Replayer {
	tb.Helper()
	pc := ingest.DefaultPublisherConfig()
	if batch > 0 {
		pc.BatchSize = batch
	}
	cfg.Progress = ingest.ProgressNone
	if cfg.Checkpoint == "" {
		cfg.StateDir = tb.TempDir()
	}
	r, err := replay.New(cfg, replay.Options{
		Writer: w, Metrics: ingest.NewMetrics(reg), Publisher: pc,
		Now: func() time.Time { return fixedNow },
	})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// decodeAll decodes the published values and checks each key.
func decodeAll(tb testing.TB, msgs []kafka.Message) []*mention.Mention {
	tb.Helper()
	var out []*mention.Mention
	for _, km := range msgs {
		m, err := mention.Decode(km.Value)
		if err != nil {
			tb.Fatalf("published value does not decode: %v\n%s", err, km.Value)
		}
		if string(km.Key) != m.ConversationID {
			tb.Fatalf("key %q, want the conversation id %q", km.Key, m.ConversationID)
		}
		out = append(out, m)
	}
	return out
}

func jsonl(tb testing.TB, ms []*mention.Mention) []byte {
	tb.Helper()
	var b bytes.Buffer
	for _, m := range ms {
		data, err := mention.Encode(m)
		if err != nil {
			tb.Fatal(err)
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				tb.Fatalf("%s differs at line %d:\n got: %s\nwant: %s", path, i+1, g, w)
			}
		}
	}
}

// TestReplayTWCSQuirks replays a hand-written twcs file with every quirk of
// the real exports (leading index column, BOM, CRLF, quoted multi-line
// text, float reply ids, empty fields, HTML entities, offsets, chains that
// leave the file, same-second replies, rows that cannot be mapped).
func TestReplayTWCSQuirks(t *testing.T) {
	w := &recorder{}
	reg := prometheus.NewRegistry()
	r := newReplayer(t, replay.DefaultConfig(), w, reg, 3)
	sum, err := r.Run(context.Background(), filepath.Join("testdata", "quirks.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Format != replay.FormatTWCS {
		t.Errorf("format = %q, want twcs (detected)", sum.Format)
	}
	wantSum := "published=10 skipped=8 skipped_bad_csv=2 skipped_bad_date=1 skipped_bad_id=1 skipped_bad_in_reply_to=1 skipped_duplicate_id=1 skipped_empty_author=1 skipped_empty_text=1" +
		" first_created_at=2017-10-31T21:00:00Z last_created_at=2017-11-01T09:00:00Z"
	if sum.String() != wantSum {
		t.Errorf("summary = %q\n          want %q", sum.String(), wantSum)
	}
	if w.calls != 4 {
		t.Errorf("WriteMessages calls = %d, want 4 (batches of 3)", w.calls)
	}
	ms := decodeAll(t, w.msgs)
	var order []string
	conv := map[string]string{}
	for _, m := range ms {
		order = append(order, m.NativeID)
		conv[m.NativeID] = m.ConversationID
	}
	// created_at order; at 23:00:00 the root 105 goes before the replies 104
	// and 106 (depth), which keep file order.
	if got, want := strings.Join(order, ","), "113,103,101,102,105,104,106,117,114,115"; got != want {
		t.Errorf("publish order = %s, want %s", got, want)
	}
	for id, want := range map[string]string{"101": "twcs:103", "102": "twcs:103", "103": "twcs:103", "104": "twcs:999",
		"117": "twcs:999", "105": "twcs:105", "106": "twcs:105", "113": "twcs:113", "114": "twcs:113", "115": "twcs:115"} {
		if conv[id] != want {
			t.Errorf("conversation of %s = %s, want %s", id, conv[id], want)
		}
	}
	if got := testutil.ToFloat64(ingest.NewMetrics(reg).Published.WithLabelValues(replay.SourceTWCS)); got != 10 {
		t.Errorf("published metric = %v, want 10", got)
	}
	if got := testutil.ToFloat64(ingest.NewMetrics(reg).Rejected.WithLabelValues(replay.SourceTWCS, "bad_csv")); got != 2 {
		t.Errorf("rejected{bad_csv} metric = %v, want 2", got)
	}
	golden(t, "quirks.golden.jsonl", jsonl(t, ms))
}

// TestReplayJSONL: records are published in created_at order whatever the
// file order, as they are (source and ingested_at kept), and bad lines are
// skipped with their reason.
func TestReplayJSONL(t *testing.T) {
	base := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	mk := func(i int, offset time.Duration) []byte {
		m := &mention.Mention{V: 1, ID: fmt.Sprintf("sim:%d", i), Platform: "sim", NativeID: fmt.Sprint(i),
			CreatedAt: base.Add(offset), IngestedAt: base.Add(offset + time.Second), Source: "simulate",
			Author: mention.Author{ID: "u1", Handle: "jess"}, Text: fmt.Sprintf("@KLM post %d", i), ConversationID: "sim:1"}
		data, err := mention.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	var in bytes.Buffer
	in.Write(mk(3, 3*time.Minute))
	in.WriteString("\r\n\n")
	in.Write(mk(1, time.Minute))
	in.WriteString("\n{\"v\":1,\"id\":\n")                                                     // bad JSON
	in.Write(bytes.Replace(mk(9, 0), []byte(`"text":"@KLM post 9"`), []byte(`"text":" "`), 1)) // invalid text
	in.WriteString("\n")
	in.Write(mk(2, time.Minute)) // same time as 1: file order breaks the tie
	in.WriteString("\n")
	in.Write(mk(4, 4*time.Minute)) // no final newline
	path := filepath.Join(t.TempDir(), "dump.jsonl")
	if err := os.WriteFile(path, in.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	w := &recorder{}
	sum, err := newReplayer(t, replay.DefaultConfig(), w, nil, 0).Run(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sum.String(), "published=4 skipped=2 skipped_bad_json=1 skipped_invalid_text=1 first_created_at=2025-06-02T09:01:00Z last_created_at=2025-06-02T09:04:00Z"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	var ids []string
	for k, m := range decodeAll(t, w.msgs) {
		ids = append(ids, m.ID)
		if m.Source != "simulate" || !m.IngestedAt.Equal(m.CreatedAt.Add(time.Second)) {
			t.Errorf("%s: source %q ingested_at %s: the record was not replayed as it is", m.ID, m.Source, m.IngestedAt)
		}
		// The line itself is published, not a re-encoding of it.
		var n int
		fmt.Sscanf(m.ID, "sim:%d", &n)
		if want := mk(n, m.CreatedAt.Sub(base)); !bytes.Equal(w.msgs[k].Value, want) {
			t.Errorf("%s: published %q, want the line %q", m.ID, w.msgs[k].Value, want)
		}
	}
	if got := strings.Join(ids, ","); got != "sim:1,sim:2,sim:3,sim:4" {
		t.Errorf("order = %s", got)
	}
}

// TestReplayResume: a replay that fails part way checkpoints what Kafka
// acknowledged; --resume publishes the rest, exactly once; a third run
// publishes nothing; a changed input is not resumed.
func TestReplayResume(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	input := filepath.Join(dir, "in.csv")
	data, err := os.ReadFile(filepath.Join("testdata", "quirks.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(input, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := replay.DefaultConfig()
	cfg.Checkpoint = filepath.Join(dir, "state", "cp.json")

	w1 := &recorder{failAfter: 7}
	r1 := newReplayer(t, cfg, w1, nil, 3)
	if _, err := r1.Run(ctx, input); err == nil || !strings.Contains(err.Error(), "broker unreachable") {
		t.Fatalf("first run: err = %v, want the write failure", err)
	}
	if len(w1.msgs) != 6 {
		t.Fatalf("first run wrote %d, want 6 (two batches of 3)", len(w1.msgs))
	}
	var cp replay.Checkpoint
	raw, err := os.ReadFile(cfg.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cp); err != nil {
		t.Fatal(err)
	}
	if cp.Position != 6 || cp.Published != 6 || cp.Total != 10 || cp.Format != "twcs" {
		t.Errorf("checkpoint = %+v, want position 6 of 10", cp)
	}

	cfg.Resume = true
	w2 := &recorder{}
	sum, err := newReplayer(t, cfg, w2, nil, 3).Run(ctx, input)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Published != 4 || sum.Resumed != 6 {
		t.Errorf("resumed run: %s (resumed %d), want published=4 from 6", sum, sum.Resumed)
	}
	seen := map[string]bool{}
	for _, m := range append(decodeAll(t, w1.msgs), decodeAll(t, w2.msgs)...) {
		if seen[m.ID] {
			t.Errorf("%s published twice", m.ID)
		}
		seen[m.ID] = true
	}
	if len(seen) != 10 {
		t.Errorf("%d distinct records over both runs, want 10", len(seen))
	}

	w3 := &recorder{}
	sum, err = newReplayer(t, cfg, w3, nil, 3).Run(ctx, input)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Published != 0 || len(w3.msgs) != 0 {
		t.Errorf("third run published %d, want 0", sum.Published)
	}

	if err := os.WriteFile(input, append(data, []byte("18,118,900009,True,Tue Oct 31 23:59:00 +0000 2017,late,,\r\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = newReplayer(t, cfg, &recorder{}, nil, 3).Run(ctx, input)
	if err == nil || !strings.Contains(err.Error(), "another version of the input") {
		t.Errorf("changed input: err = %v, want a refusal to resume", err)
	}
}

func TestReplayDefaultCheckpointPath(t *testing.T) {
	a := replay.DefaultCheckpointPath(".earshot", "/data/twcs.csv")
	b := replay.DefaultCheckpointPath(".earshot", "/other/twcs.csv")
	if a == b || !strings.HasPrefix(a, filepath.Join(".earshot", "checkpoints", "twcs.csv-")) || !strings.HasSuffix(a, ".json") {
		t.Errorf("paths %s and %s: want distinct files under .earshot/checkpoints/", a, b)
	}
}

// TestReplayPacing: with speed 600, records 30 s apart in created_at are
// published ≈ 50 ms apart.
func TestReplayPacing(t *testing.T) {
	var in bytes.Buffer
	in.WriteString("tweet_id,author_id,created_at,text,in_response_to_tweet_id\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&in, "%d,a,Tue Oct 31 22:%02d:%02d +0000 2017,hello,\n", i+1, i/2, (i%2)*30)
	}
	path := filepath.Join(t.TempDir(), "paced.csv")
	if err := os.WriteFile(path, in.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := replay.DefaultConfig()
	cfg.Speed = 600
	cfg.Progress = ingest.ProgressNone
	cfg.StateDir = t.TempDir()
	var logs bytes.Buffer
	r, err := replay.New(cfg, replay.Options{
		Writer: &recorder{}, Metrics: ingest.NewMetrics(nil), Publisher: ingest.DefaultPublisherConfig(),
		Now: func() time.Time { return fixedNow }, Log: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	sum, err := r.Run(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Now()
	// 4 gaps of 30 s at 600× = 200 ms at least.
	if el := end.Sub(start); el < 200*time.Millisecond || sum.Published != 5 {
		t.Errorf("took %s for %d records, want ≥ 200ms for 5", el, sum.Published)
	}
	// The schedule's start is logged once, within the run, and reads back.
	var starts []time.Time
	for _, line := range bytes.Split(logs.Bytes(), []byte("\n")) {
		if s, ok := replay.PacingStart(line); ok {
			starts = append(starts, s)
		}
	}
	if len(starts) != 1 || starts[0].Before(start) || starts[0].After(end) {
		t.Errorf("pacing start %v, want one time within the run (%s … %s); log:\n%s", starts, start, end, logs.String())
	}
	if !bytes.Contains(logs.Bytes(), []byte("first_created_at=2017-10-31T22:00:00Z")) {
		t.Errorf("the pacing line does not name the first record's created_at:\n%s", logs.String())
	}
	for _, line := range []string{`msg="replay done" start=x`, `msg=pacing start=yesterday`, ""} {
		if s, ok := replay.PacingStart([]byte(line)); ok {
			t.Errorf("PacingStart(%q) = %s, want no match", line, s)
		}
	}
}

func TestReplayErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name   string
		path   string
		format string
		want   string
	}{
		{"missing file", filepath.Join(dir, "nope.csv"), "", "no such file"},
		{"unknown format", write("x.bin", "hello"), "", "pass --format"},
		{"csv without twcs or crowdflower columns", write("y.csv", "a,b\n1,2\n"), "", "--format csv --map"},
		{"forced twcs on jsonl", write("z.jsonl", "{}\n"), replay.FormatTWCS, "lacks column"},
		{"empty twcs", write("e.csv", ""), replay.FormatTWCS, "empty"},
		{"directory", dir, replay.FormatJSONL, "directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := replay.DefaultConfig()
			cfg.Format = tt.format
			_, err := newReplayer(t, cfg, &recorder{}, nil, 0).Run(context.Background(), tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*replay.Config)
		want   string
	}{
		{"defaults", func(*replay.Config) {}, ""},
		{"format", func(c *replay.Config) { c.Format = "xml" }, "ingest.replay.format"},
		{"csv without a map", func(c *replay.Config) { c.Format = "csv" }, "ingest.replay.csv.map: empty"},
		{"csv map without text", func(c *replay.Config) { c.Format = "csv"; c.CSV.Map = map[string]string{"id": "a"} }, "no text column"},
		{"csv map unknown field", func(c *replay.Config) { c.CSV.Map = map[string]string{"text": "a", "body": "b"} }, `unknown field "body"`},
		{"csv map empty column", func(c *replay.Config) { c.CSV.Map = map[string]string{"text": " "} }, "text has no column name"},
		{"csv map extra", func(c *replay.Config) { c.CSV.Map = map[string]string{"text": "a", "extra.label": "b"} }, ""},
		{"csv platform", func(c *replay.Config) { c.CSV.Map = map[string]string{"text": "a"}; c.CSV.Platform = "x:y" }, "ingest.replay.csv.platform"},
		{"csv time format", func(c *replay.Config) { c.CSV.Map = map[string]string{"text": "a"}; c.CSV.TimeFormat = "15:04" }, "ingest.replay.csv.time_format"},
		{"csv go layout", func(c *replay.Config) {
			c.CSV.Map = map[string]string{"text": "a"}
			c.CSV.TimeFormat = "02/01/2006 15:04"
		}, ""},
		{"csv delimiter", func(c *replay.Config) { c.CSV.Map = map[string]string{"text": "a"}; c.CSV.Delimiter = ";;" }, "ingest.replay.csv.delimiter"},
		{"default created_at", func(c *replay.Config) { c.DefaultCreatedAt = "2011-03-11" }, "ingest.replay.default_created_at"},
		{"default created_at too old", func(c *replay.Config) { c.DefaultCreatedAt = "1999-12-31T23:59:59Z" }, "between 2000-01-01 and now"},
		{"time zone", func(c *replay.Config) { c.TimeZone = "Mars/Olympus" }, "ingest.replay.time_zone"},
		{"time zone name", func(c *replay.Config) { c.TimeZone = "America/Los_Angeles" }, ""},
		{"speed", func(c *replay.Config) { c.Speed = -1 }, "ingest.replay.speed"},
		{"state dir", func(c *replay.Config) { c.StateDir = "" }, "ingest.replay.state_dir"},
		{"state dir not needed with a checkpoint", func(c *replay.Config) { c.StateDir = ""; c.Checkpoint = "cp.json" }, ""},
		{"progress", func(c *replay.Config) { c.Progress = "fancy" }, "ingest.replay.progress"},
		{"progress interval", func(c *replay.Config) { c.ProgressInterval = 0 }, "ingest.replay.progress_interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := replay.DefaultConfig()
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestReplayTWCSFirst5000Kafka replays the first 5,000 rows of the real
// twcs.csv into the in-process Kafka broker: exactly 5,000 distinct records
// land on the raw topic, and a resumed run publishes none.
func TestReplayTWCSFirst5000Kafka(t *testing.T) {
	input := filepath.Join(testenv.Datasets(t), "twcs", "twcs_first5000.csv")
	if _, err := os.Stat(input); err != nil {
		t.Skipf("%s: %v", input, err)
	}
	kc := testenv.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cfg := replay.DefaultConfig()
	cfg.Checkpoint = filepath.Join(t.TempDir(), "cp.json")
	run := func(resume bool) replay.Summary {
		t.Helper()
		cfg.Resume = resume
		w := bus.NewWriter(kc, kc.RawTopic)
		defer w.Close()
		sum, err := newReplayer(t, cfg, w, nil, 0).Run(ctx, input)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	start := time.Now()
	sum := run(false)
	t.Logf("first run: %s in %s", sum, time.Since(start).Round(time.Millisecond))
	if sum.Published != 5000 || sum.SkippedTotal() != 0 {
		t.Fatalf("first run: %s, want published=5000 skipped=0", sum)
	}
	if sum = run(true); sum.Published != 0 || sum.Resumed != 5000 {
		t.Fatalf("resumed run: %s (from %d), want published=0 from 5000", sum, sum.Resumed)
	}

	ids := readTopic(t, ctx, kc)
	if len(ids) != 5000 {
		t.Fatalf("the raw topic holds %d records, want 5000", len(ids))
	}
	distinct := map[string]bool{}
	for _, id := range ids {
		distinct[id] = true
	}
	if len(distinct) != 5000 {
		t.Fatalf("%d distinct ids on the topic, want 5000", len(distinct))
	}
}

// readTopic reads every partition of the raw topic to its end and returns
// the mention ids, checking that each record sits on its conversation's
// partition key.
func readTopic(t *testing.T, ctx context.Context, kc bus.Config) []string {
	t.Helper()
	var ids []string
	for p := 0; p < kc.Partitions; p++ {
		conn, err := kafka.DialLeader(ctx, "tcp", kc.Brokers[0], kc.RawTopic, p)
		if err != nil {
			t.Fatal(err)
		}
		last, err := conn.ReadLastOffset()
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		if last == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: kc.Brokers, Topic: kc.RawTopic, Partition: p, MaxWait: 100 * time.Millisecond, MaxBytes: 16 << 20})
		for {
			msg, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				t.Fatalf("partition %d: %v", p, err)
			}
			m, err := mention.Decode(msg.Value)
			if err != nil {
				t.Fatal(err)
			}
			if string(msg.Key) != m.ConversationID {
				t.Fatalf("key %q, conversation %q", msg.Key, m.ConversationID)
			}
			ids = append(ids, m.ID)
			if msg.Offset+1 >= last {
				break
			}
		}
		r.Close()
	}
	return ids
}

// BenchmarkReplayTWCS replays twcs_first5000.csv into a recording writer:
// loading, sorting, mapping, validating, encoding and batching.
func BenchmarkReplayTWCS(b *testing.B) {
	input := filepath.Join(testenv.Datasets(b), "twcs", "twcs_first5000.csv")
	st, err := os.Stat(input)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		w := &recorder{}
		sum, err := newReplayer(b, replay.DefaultConfig(), w, nil, 0).Run(context.Background(), input)
		if err != nil || sum.Published != 5000 {
			b.Fatal(sum, err)
		}
	}
	b.ReportMetric(5000*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
