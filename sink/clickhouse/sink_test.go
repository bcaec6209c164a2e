package clickhouse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
	chsink "github.com/earshot-dev/earshot/sink/clickhouse"
	"github.com/earshot-dev/earshot/storage"
)

func TestConfigValidate(t *testing.T) {
	if err := chsink.DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	tests := []struct {
		field string
		set   func(c *chsink.Config)
	}{
		{"sink.group", func(c *chsink.Config) { c.Group = "" }},
		{"sink.batch_rows", func(c *chsink.Config) { c.BatchRows = 0 }},
		{"sink.batch_bytes", func(c *chsink.Config) { c.BatchBytes = 10 }},
		{"sink.flush_interval", func(c *chsink.Config) { c.FlushInterval = 0 }},
		{"sink.insert_timeout", func(c *chsink.Config) { c.InsertTimeout = -time.Second }},
		{"sink.retry_initial", func(c *chsink.Config) { c.RetryInitial = 0 }},
		{"sink.retry_max", func(c *chsink.Config) { c.RetryMax = time.Millisecond }},
		{"sink.shutdown_timeout", func(c *chsink.Config) { c.ShutdownTimeout = 0 }},
		{"sink.fetch_buffer", func(c *chsink.Config) { c.FetchBuffer = 0 }},
		{"sink.insert_concurrency", func(c *chsink.Config) { c.InsertConcurrency = 17 }},
		{"sink.decode_workers", func(c *chsink.Config) { c.DecodeWorkers = 0 }},
		{"sink.decode_workers", func(c *chsink.Config) { c.DecodeWorkers = 65 }},
		{"sink.gc_percent", func(c *chsink.Config) { c.GCPercent = 0 }},
		{"sink.gc_percent", func(c *chsink.Config) { c.GCPercent = 5000 }},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			c := chsink.DefaultConfig()
			tt.set(&c)
			err := c.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), tt.field+":") {
				t.Fatalf("Validate = %v, want an error naming %s", err, tt.field)
			}
		})
	}
}

// ApplyGC sets GOGC to gc_percent and restores it, unless the GOGC
// environment variable is set, which wins.
func TestApplyGC(t *testing.T) {
	t.Setenv("GOGC", "")
	os.Unsetenv("GOGC")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	c := chsink.DefaultConfig()
	c.GCPercent = 250
	restore := c.ApplyGC()
	if got := debug.SetGCPercent(250); got != 250 {
		t.Fatalf("GC percent %d after ApplyGC, want 250", got)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GC percent %d after restore, want 100", got)
	}
	t.Setenv("GOGC", "150")
	c.ApplyGC()()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GC percent %d with GOGC set, want it untouched (100)", got)
	}
}

// The "sink" section of the configuration file decodes over the defaults;
// an unknown key is an error naming it.
func TestConfigFromFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "earshot.yaml")
	if err := os.WriteFile(path, []byte("sink:\n  group: g2\n  batch_rows: 1000\n  flush_interval: 250ms\n  retry_max: 1m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := chsink.DefaultConfig()
	if err := f.Section("sink", &c); err != nil {
		t.Fatal(err)
	}
	want := chsink.DefaultConfig()
	want.Group, want.BatchRows, want.FlushInterval, want.RetryMax = "g2", 1000, 250*time.Millisecond, time.Minute
	if c != want {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	if err := os.WriteFile(path, []byte("sink:\n  batch_row: 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if f, err = config.Load(path); err != nil {
		t.Fatal(err)
	}
	if err := f.Section("sink", &c); err == nil || !strings.Contains(err.Error(), "batch_row") {
		t.Fatalf("unknown key: %v", err)
	}
}

// enriched returns a realistic enriched mention, number i.
func enriched(i int) *mention.Mention {
	created := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * time.Second).Add(time.Duration(i%1000) * time.Millisecond)
	ingested := created.Add(2 * time.Second)
	enrichedAt := ingested.Add(time.Second)
	id := fmt.Sprintf("%d", 1_000_000+i)
	m := &mention.Mention{
		V: 1, ID: "x:" + id, Platform: "x", NativeID: id, URL: "https://x.com/u/status/" + id,
		CreatedAt: created, IngestedAt: ingested, Source: "test",
		Author:         mention.Author{ID: fmt.Sprintf("u%d", i%97), Handle: fmt.Sprintf("user%d", i%97), DisplayName: "User", Followers: int64(i % 5000)},
		Text:           fmt.Sprintf("@KLM my flight KL%04d was cancelled and nobody answers the phone, %d", i%9999, i),
		Lang:           "en",
		ConversationID: "x:" + id,
		Engagement:     &mention.Engagement{Likes: int64(i % 7), Reposts: int64(i % 3)},
		Brands:         []mention.BrandMatch{{Brand: "klm", How: "handle", Addressed: true}},
		Direction:      mention.DirectionInbound,
		Sentiment:      &mention.Sentiment{Compound: -0.55, Label: mention.SentimentNegative, Confidence: 0.7},
		Entities:       []mention.Entity{{Text: fmt.Sprintf("KL%04d", i%9999), Type: "flight", Start: 15, End: 21}},
		ContactReason:  []mention.Reason{{Reason: "cancellation", Confidence: 0.8}},
		Urgency:        &mention.Urgency{Score: 0.4, Level: "medium"},
		EnrichedAt:     &enrichedAt,
		Enricher:       "earshot-enrich/test",
	}
	if i%4 == 1 { // a brand reply to the previous post
		prev := fmt.Sprintf("x:%d", 1_000_000+i-1)
		m.InReplyTo, m.ConversationID, m.AuthorBrand = prev, prev, "klm"
		m.Direction = mention.DirectionOutbound
		m.Brands = []mention.BrandMatch{{Brand: "klm", How: "author"}}
		m.ReplyQuality = &mention.ReplyQuality{Empathy: 40, Parts: map[string]float64{"apology": 20, "next_step": 20}, Deflection: "dm", Canned: 0.3}
		m.Text = "We're sorry to hear that. Please DM us your booking code. ^AB"
	}
	return m
}

func encode(t testing.TB, m *mention.Mention) kafka.Message {
	t.Helper()
	v, err := mention.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return kafka.Message{Key: m.PartitionKey(), Value: v}
}

func publish(t testing.TB, kc bus.Config, msgs []kafka.Message) {
	t.Helper()
	w := bus.NewWriter(kc, kc.EnrichedTopic)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("publish %d records: %v", len(msgs), err)
	}
}

type env struct {
	kc  bus.Config
	ch  storage.Config
	ch2 driver.Conn
}

// newEnv gives a dev Kafka broker with earshot's topics and a fresh
// ClickHouse database, migrated unless migrate is false.
func newEnv(t testing.TB, migrate bool) *env {
	t.Helper()
	e := &env{kc: testenv.Kafka(t), ch: testenv.ClickHouse(t)}
	conn, err := storage.Open(context.Background(), e.ch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	e.ch2 = conn
	if migrate {
		e.migrate(t)
	}
	return e
}

func (e *env) migrate(t testing.TB) {
	t.Helper()
	m, err := storage.NewMigrator(e.ch2, e.ch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// running is a sink running in the background.
type running struct {
	reader *kafka.Reader
	sink   *chsink.Sink
	m      *chsink.Metrics
	cancel context.CancelFunc
	done   chan error
}

func testConfig() chsink.Config {
	c := chsink.DefaultConfig()
	c.Group = "test-sink"
	c.FlushInterval = 200 * time.Millisecond
	c.BatchRows = 500
	c.RetryInitial = 20 * time.Millisecond
	c.RetryMax = 200 * time.Millisecond
	c.ShutdownTimeout = 10 * time.Second
	return c
}

func (e *env) start(t testing.TB, cfg chsink.Config, insert chsink.InsertFunc) *running {
	t.Helper()
	reader := bus.NewReader(e.kc, e.kc.EnrichedTopic, cfg.Group)
	dlq := bus.NewWriter(e.kc, e.kc.DLQTopic)
	t.Cleanup(func() { reader.Close(); dlq.Close() })
	met := chsink.NewMetrics(prometheus.NewRegistry())
	s, err := chsink.New(cfg, chsink.Options{Conn: e.ch2, Database: e.ch.Database, Reader: reader, DLQ: dlq, Metrics: met, Insert: insert})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{reader: reader, sink: s, m: met, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// stop cancels the sink, closes its reader (leaving the group, as the
// process does on exit) and returns Run's result.
func (r *running) stop(t testing.TB) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		r.reader.Close()
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("sink did not stop within 30 s")
		return nil
	}
}

func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *env) lag(t testing.TB, group string) (lag, end int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lag, end, err := bus.Lag(ctx, e.kc, group, e.kc.EnrichedTopic)
	if err != nil {
		t.Fatal(err)
	}
	return lag, end
}

// ids returns the distinct mention ids stored, sorted, and the row count.
func (e *env) ids(t testing.TB) ([]string, uint64) {
	t.Helper()
	ctx := context.Background()
	rows, err := e.ch2.Query(ctx, "SELECT id FROM "+e.ch.Database+".mentions GROUP BY id ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	var n uint64
	if err := e.ch2.QueryRow(ctx, "SELECT count() FROM "+e.ch.Database+".mentions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return ids, n
}

// readTopic reads every message of topic, partition by partition.
func (e *env) readTopic(t testing.TB, topic string) []kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(e.kc.Brokers...), Timeout: 10 * time.Second}
	var out []kafka.Message
	for p := 0; p < testenv.KafkaPartitions; p++ {
		resp, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: {kafka.LastOffsetOf(p)}}})
		if err != nil {
			t.Fatal(err)
		}
		end := resp.Topics[topic][0].LastOffset
		if end == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: e.kc.Brokers, Topic: topic, Partition: p, MaxWait: 100 * time.Millisecond})
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				t.Fatalf("read %s/%d: %v", topic, p, err)
			}
			out = append(out, m)
			if m.Offset >= end-1 {
				break
			}
		}
		r.Close()
	}
	return out
}

func val(c prometheus.Collector) float64 { return testutil.ToFloat64(c) }

// TestSinkEndToEnd: good records, duplicates and poison records go through
// a running sink; ClickHouse holds exactly the good ids, the DLQ exactly the
// poison records with their reasons, every offset is committed, a second
// sink in the same group reads nothing old, and records published after a
// restart arrive.
func TestSinkEndToEnd(t *testing.T) {
	e := newEnv(t, true)
	const n = 2000
	var msgs []kafka.Message
	var want []string
	for i := 0; i < n; i++ {
		m := enriched(i)
		msgs = append(msgs, encode(t, m))
		want = append(want, m.ID)
	}
	msgs = append(msgs, msgs[:50]...) // redelivered records
	late := enriched(n + 1)
	far := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	late.EnrichedAt = &far
	lateMsg := encode(t, late)
	poison := []struct {
		value  string
		reason string
		kind   string
	}{
		{"this is not json", "undecodable record", chsink.ReasonDecode},
		{"", "undecodable record", chsink.ReasonDecode},
		{strings.Replace(string(msgs[0].Value), `"v":1`, `"v":2`, 1), "invalid record: v: version 2", chsink.ReasonInvalid},
		{strings.Replace(string(msgs[1].Value), `"author":{"id":"u1"`, `"author":{"id":""`, 1), "invalid record: author.id: is empty", chsink.ReasonInvalid},
		{string(lateMsg.Value), "invalid record: enriched_at: 2200-01-01T00:00:00Z is outside the range", chsink.ReasonInvalid},
	}
	for i, p := range poison {
		msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprintf("poison-%d", i)), Value: []byte(p.value)})
	}
	publish(t, e.kc, msgs)

	cfg := testConfig()
	r := e.start(t, cfg, nil)
	waitFor(t, "every record committed", 60*time.Second, func() bool { lag, end := e.lag(t, cfg.Group); return end == int64(len(msgs)) && lag == 0 })
	if err := r.stop(t); err != nil {
		t.Fatalf("Run after shutdown = %v, want nil", err)
	}

	got, rows := e.ids(t)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ClickHouse holds %d distinct ids, want exactly the %d good ones", len(got), len(want))
	}
	if rows != n+50 {
		t.Errorf("mentions has %d rows, want %d (the 50 redelivered records are stored again and deduplicated by queries)", rows, n+50)
	}
	var fanout uint64
	if err := e.ch2.QueryRow(context.Background(), "SELECT uniqExact(brand, mention_id) FROM "+e.ch.Database+".mention_brands").Scan(&fanout); err != nil {
		t.Fatal(err)
	}
	if fanout != n {
		t.Errorf("mention_brands has %d distinct (brand, mention) pairs, want %d", fanout, n)
	}

	dead := e.readTopic(t, e.kc.DLQTopic)
	if len(dead) != len(poison) {
		t.Fatalf("DLQ holds %d records, want %d", len(dead), len(poison))
	}
	byValue := map[string]kafka.Message{}
	for _, d := range dead {
		byValue[string(d.Value)] = d
	}
	for i, p := range poison {
		d, ok := byValue[p.value]
		if !ok {
			t.Fatalf("poison %d (%.40q) is not in the DLQ", i, p.value)
		}
		if reason := bus.Header(d, bus.HeaderReason); !strings.Contains(reason, p.reason) {
			t.Errorf("poison %d: reason %q, want it to contain %q", i, reason, p.reason)
		}
		if got := bus.Header(d, bus.HeaderStage); got != chsink.Stage {
			t.Errorf("poison %d: stage %q", i, got)
		}
		if got := bus.Header(d, bus.HeaderTopic); got != e.kc.EnrichedTopic {
			t.Errorf("poison %d: source topic %q", i, got)
		}
		if string(d.Key) != fmt.Sprintf("poison-%d", i) {
			t.Errorf("poison %d: key %q", i, d.Key)
		}
	}

	if got := val(r.m.Messages); got != float64(len(msgs)) {
		t.Errorf("messages_total = %v, want %d", got, len(msgs))
	}
	if got := val(r.m.RowsInserted); got != n+50 {
		t.Errorf("rows_inserted_total = %v, want %d", got, n+50)
	}
	if got := val(r.m.DLQ.WithLabelValues(chsink.ReasonDecode)); got != 2 {
		t.Errorf("dlq_total{decode} = %v, want 2", got)
	}
	if got := val(r.m.DLQ.WithLabelValues(chsink.ReasonInvalid)); got != 3 {
		t.Errorf("dlq_total{invalid} = %v, want 3", got)
	}
	if got := val(r.m.Batches); got < float64(n/cfg.BatchRows) {
		t.Errorf("batches_total = %v, want ≥ %d", got, n/cfg.BatchRows)
	}
	if got := testutil.CollectAndCount(r.m.InsertErrors); got != 3 {
		t.Errorf("insert_errors_total has %d series, want 3 kinds", got)
	}
	for _, k := range []storage.ErrorKind{storage.ErrorTransient, storage.ErrorSchema, storage.ErrorData} {
		if got := val(r.m.InsertErrors.WithLabelValues(string(k))); got != 0 {
			t.Errorf("insert_errors_total{%s} = %v", k, got)
		}
	}

	// A new sink in the same group: nothing old is read again; what is
	// published now arrives.
	r2 := e.start(t, cfg, nil)
	var more []kafka.Message
	for i := n + 10; i < n+110; i++ {
		m := enriched(i)
		more = append(more, encode(t, m))
		want = append(want, m.ID)
	}
	publish(t, e.kc, more)
	total := int64(len(msgs) + len(more))
	waitFor(t, "the new records committed", 60*time.Second, func() bool { lag, end := e.lag(t, cfg.Group); return end == total && lag == 0 })
	if err := r2.stop(t); err != nil {
		t.Fatal(err)
	}
	if got := val(r2.m.Messages); got != float64(len(more)) {
		t.Errorf("the second sink read %v records, want only the %d new ones", got, len(more))
	}
	got, _ = e.ids(t)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after the restart ClickHouse holds %d distinct ids, want %d", len(got), len(want))
	}
}

// On shutdown the sink inserts the batch it holds, then commits: nothing
// is committed before ClickHouse has it, nothing is lost.
func TestSinkShutdownFlushesAndCommits(t *testing.T) {
	e := newEnv(t, true)
	const n = 300
	var msgs []kafka.Message
	for i := 0; i < n; i++ {
		msgs = append(msgs, encode(t, enriched(i)))
	}
	publish(t, e.kc, msgs)
	cfg := testConfig()
	cfg.FlushInterval = time.Hour // only the shutdown flushes
	cfg.BatchRows = 1_000_000
	r := e.start(t, cfg, nil)
	waitFor(t, "every record fetched", 60*time.Second, func() bool { return val(r.m.Messages) == n })
	if lag, _ := e.lag(t, cfg.Group); lag != n {
		t.Fatalf("lag %d before the flush, want %d: nothing may be committed before ClickHouse has it", lag, n)
	}
	if ids, _ := e.ids(t); len(ids) != 0 {
		t.Fatalf("%d rows before the flush", len(ids))
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if ids, _ := e.ids(t); len(ids) != n {
		t.Fatalf("%d ids after shutdown, want %d", len(ids), n)
	}
	if lag, _ := e.lag(t, cfg.Group); lag != 0 {
		t.Fatalf("lag %d after shutdown, want 0", lag)
	}
}

// A sink started before the schema exists gets real "unknown table"
// errors from ClickHouse: it retries, consumes no further and commits
// nothing, then delivers everything once the migration has run.
func TestSinkRetriesUntilSchemaExists(t *testing.T) {
	e := newEnv(t, false)
	const n = 200
	var msgs []kafka.Message
	for i := 0; i < n; i++ {
		msgs = append(msgs, encode(t, enriched(i)))
	}
	publish(t, e.kc, msgs)
	cfg := testConfig()
	cfg.BatchRows = 50
	cfg.FetchBuffer = 10
	r := e.start(t, cfg, nil)
	waitFor(t, "schema errors", 60*time.Second, func() bool { return val(r.m.InsertErrors.WithLabelValues(string(storage.ErrorSchema))) >= 3 })
	if got := val(r.m.Retrying); got != 1 {
		t.Errorf("retrying = %v, want 1", got)
	}
	if lag, _ := e.lag(t, cfg.Group); lag != n {
		t.Fatalf("lag %d while ClickHouse refuses, want %d (nothing committed)", lag, n)
	}
	// Bounded: the batch being inserted, the next batch, the fetch
	// buffer; the sink does not read the topic to the end while blocked.
	if got := val(r.m.Messages); got > float64(cfg.MaxHeld()) {
		t.Errorf("consumed %v records while blocked, want ≤ %d", got, cfg.MaxHeld())
	}
	e.migrate(t)
	waitFor(t, "every record committed", 60*time.Second, func() bool { lag, _ := e.lag(t, cfg.Group); return lag == 0 })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if ids, _ := e.ids(t); len(ids) != n {
		t.Fatalf("%d ids, want %d", len(ids), n)
	}
	if got := val(r.m.Retrying); got != 0 {
		t.Errorf("retrying = %v after recovery, want 0", got)
	}
	if dead := e.readTopic(t, e.kc.DLQTopic); len(dead) != 0 {
		t.Errorf("%d dead letters; a schema error must never dead-letter rows", len(dead))
	}
}

// rejectIDs wraps the real insert: ClickHouse "rejects" (code 117,
// INCORRECT_DATA) any insert holding one of ids, as it would a row with a
// value it cannot store.
func rejectIDs(e *env, ids ...string) chsink.InsertFunc {
	bad := map[string]bool{}
	for _, id := range ids {
		bad[id] = true
	}
	return func(ctx context.Context, cols []any) error {
		for _, id := range cols[0].([]string) {
			if bad[id] {
				return &chgo.Exception{Code: 117, Name: "DB::Exception", Message: "Cannot parse the row of " + id}
			}
		}
		return storage.InsertColumns(ctx, e.ch2, e.ch.Database, cols)
	}
}

// A row ClickHouse rejects is isolated by splitting the batch: it goes to
// the DLQ with the server's reason, every other row is stored.
func TestSinkIsolatesRejectedRows(t *testing.T) {
	e := newEnv(t, true)
	const n = 1000
	var msgs []kafka.Message
	var want []string
	for i := 0; i < n; i++ {
		m := enriched(i)
		msgs = append(msgs, encode(t, m))
		if i != 123 && i != 877 {
			want = append(want, m.ID)
		}
	}
	publish(t, e.kc, msgs)
	cfg := testConfig()
	r := e.start(t, cfg, rejectIDs(e, enriched(123).ID, enriched(877).ID))
	waitFor(t, "every record committed", 60*time.Second, func() bool { lag, _ := e.lag(t, cfg.Group); return lag == 0 })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	got, _ := e.ids(t)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %d ids, want the %d accepted ones", len(got), len(want))
	}
	dead := e.readTopic(t, e.kc.DLQTopic)
	var deadIDs []string
	for _, d := range dead {
		m, err := mention.Decode(d.Value)
		if err != nil {
			t.Fatal(err)
		}
		deadIDs = append(deadIDs, m.ID)
		if reason := bus.Header(d, bus.HeaderReason); !strings.Contains(reason, "rejected by ClickHouse: code: 117") {
			t.Errorf("reason %q", reason)
		}
	}
	sort.Strings(deadIDs)
	if wantDead := []string{enriched(123).ID, enriched(877).ID}; !reflect.DeepEqual(deadIDs, wantDead) {
		t.Fatalf("DLQ holds %v, want %v", deadIDs, wantDead)
	}
	if got := val(r.m.DLQ.WithLabelValues(chsink.ReasonRejected)); got != 2 {
		t.Errorf("dlq_total{rejected} = %v", got)
	}
	if got := val(r.m.RowsInserted); got != n-2 {
		t.Errorf("rows_inserted_total = %v, want %d", got, n-2)
	}
	if got := val(r.m.InsertErrors.WithLabelValues(string(storage.ErrorData))); got < 2 {
		t.Errorf("insert_errors_total{data} = %v", got)
	}
}

// While ClickHouse is unreachable the sink retries with back-off; a
// shutdown stops the retries within ShutdownTimeout and commits nothing.
func TestSinkStopsRetryingOnShutdown(t *testing.T) {
	e := newEnv(t, true)
	const n = 50
	var msgs []kafka.Message
	for i := 0; i < n; i++ {
		msgs = append(msgs, encode(t, enriched(i)))
	}
	publish(t, e.kc, msgs)
	cfg := testConfig()
	cfg.ShutdownTimeout = 500 * time.Millisecond
	var mu sync.Mutex
	attempts := 0
	down := func(ctx context.Context, cols []any) error {
		mu.Lock()
		attempts++
		mu.Unlock()
		return fmt.Errorf("dial tcp 127.0.0.1:9000: connect: connection refused: %w", io.ErrUnexpectedEOF)
	}
	r := e.start(t, cfg, down)
	waitFor(t, "retries", 60*time.Second, func() bool { return val(r.m.InsertErrors.WithLabelValues(string(storage.ErrorTransient))) >= 3 })
	start := time.Now()
	err := r.stop(t)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("shutdown took %s with ShutdownTimeout %s", took, cfg.ShutdownTimeout)
	}
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run = %v, want the final flush to give up with a deadline error", err)
	}
	if lag, _ := e.lag(t, cfg.Group); lag != n {
		t.Errorf("lag %d, want %d: nothing may be committed", lag, n)
	}
	if ids, _ := e.ids(t); len(ids) != 0 {
		t.Errorf("%d rows stored", len(ids))
	}
}

// While every insert slot is busy, a batch whose flush interval has
// passed keeps growing: the records that arrive during a slow insert go
// to ClickHouse in one insert afterwards, not in one small insert per
// interval queued behind it.
func TestSinkBatchGrowsWhileInsertsAreBusy(t *testing.T) {
	e := newEnv(t, true)
	cfg := testConfig()
	cfg.InsertConcurrency = 1
	cfg.FlushInterval = 50 * time.Millisecond
	cfg.BatchRows = 100_000
	release := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	insert := func(ctx context.Context, cols []any) error {
		mu.Lock()
		sizes = append(sizes, len(cols[0].([]string)))
		first := len(sizes) == 1
		mu.Unlock()
		if first {
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return storage.InsertColumns(ctx, e.ch2, e.ch.Database, cols)
	}
	inserts := func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(sizes)
	}
	r := e.start(t, cfg, insert)
	if got := val(r.m.InsertSlots); got != 1 {
		t.Errorf("earshot_sink_insert_slots = %v, want insert_concurrency 1", got)
	}
	var first []kafka.Message
	for i := 0; i < 10; i++ {
		first = append(first, encode(t, enriched(i)))
	}
	publish(t, e.kc, first)
	waitFor(t, "the first insert to start", 60*time.Second, func() bool { return len(inserts()) == 1 })
	// Four bursts, each more than a flush interval after the last.
	for burst := 0; burst < 4; burst++ {
		var msgs []kafka.Message
		for i := 0; i < 50; i++ {
			msgs = append(msgs, encode(t, enriched(10+burst*50+i)))
		}
		publish(t, e.kc, msgs)
		time.Sleep(3 * cfg.FlushInterval)
	}
	waitFor(t, "every record fetched", 60*time.Second, func() bool { return val(r.m.Messages) == 210 })
	time.Sleep(3 * cfg.FlushInterval)
	close(release)
	waitFor(t, "every row stored", 60*time.Second, func() bool { ids, _ := e.ids(t); return len(ids) == 210 })
	if got := inserts(); !slices.Equal(got, []int{10, 200}) {
		t.Fatalf("insert sizes %v, want [10 200]: the records that came during the slow insert should go in one insert", got)
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if lag, _ := e.lag(t, cfg.Group); lag != 0 {
		t.Fatalf("lag %d after shutdown, want 0", lag)
	}
}
