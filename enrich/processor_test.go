package enrich_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/mention"
)

// journal records the order of writes and commits across fakes.
type journal struct {
	mu     sync.Mutex
	events []string
}

func (j *journal) add(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.events = append(j.events, fmt.Sprintf(format, args...))
}

func (j *journal) list() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.events...)
}

// memSource is an in-memory consumer-group reader: FetchMessage hands out
// queued messages in order and blocks when there are none.
type memSource struct {
	j         *journal
	ch        chan kafka.Message
	mu        sync.Mutex
	committed map[int]int64 // partition → next offset
	closed    atomic.Bool
	fetched   atomic.Int64
}

func newMemSource(j *journal) *memSource {
	return &memSource{j: j, ch: make(chan kafka.Message, 100_000), committed: map[int]int64{}}
}

func (s *memSource) push(partition int, offset int64, key string, value []byte) {
	s.ch <- kafka.Message{Topic: "raw", Partition: partition, Offset: offset, Key: []byte(key), Value: value}
}

func (s *memSource) FetchMessage(ctx context.Context) (kafka.Message, error) {
	select {
	case m := <-s.ch:
		s.fetched.Add(1)
		return m, nil
	case <-ctx.Done():
		return kafka.Message{}, ctx.Err()
	}
}

func (s *memSource) CommitMessages(_ context.Context, msgs ...kafka.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		if m.Offset+1 > s.committed[m.Partition] {
			s.committed[m.Partition] = m.Offset + 1
		}
		s.j.add("commit p%d@%d", m.Partition, m.Offset+1)
	}
	return nil
}

func (s *memSource) Close() error { s.closed.Store(true); return nil }

func (s *memSource) committedAt(p int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.committed[p]
}

// memWriter collects written messages; failures makes the first calls fail.
type memWriter struct {
	name     string
	j        *journal
	mu       sync.Mutex
	msgs     []kafka.Message
	calls    int
	failures int // fail this many calls
	failAll  bool
	failErr  error // the failure (default: leader not available)
	// partial, when set, is called once, on the first call: its
	// WriteErrors fail some messages; the others are written.
	partial func([]kafka.Message) error
	// batchLimit, when set, refuses a call whose values add up to more
	// bytes, as a broker refuses a batch over message.max.bytes.
	batchLimit int
	closed     atomic.Bool
}

func (w *memWriter) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	if w.failAll || w.calls <= w.failures {
		w.j.add("fail %s", w.name)
		if w.failErr != nil {
			return w.failErr
		}
		return fmt.Errorf("broker not available: %w", kafka.LeaderNotAvailable)
	}
	if w.partial != nil {
		err := w.partial(msgs)
		w.partial = nil
		var werrs kafka.WriteErrors
		if errors.As(err, &werrs) {
			for i, e := range werrs {
				if e == nil {
					w.msgs = append(w.msgs, msgs[i])
				}
			}
			w.j.add("partial %s %d", w.name, len(msgs))
			return err
		}
	}
	if w.batchLimit > 0 {
		size := 0
		for _, m := range msgs {
			size += len(m.Value)
		}
		if size > w.batchLimit {
			werrs := make(kafka.WriteErrors, len(msgs))
			for i := range werrs {
				werrs[i] = kafka.MessageSizeTooLarge
			}
			w.j.add("too large %s %d", w.name, len(msgs))
			return werrs
		}
	}
	w.msgs = append(w.msgs, msgs...)
	w.j.add("write %s %d", w.name, len(msgs))
	return nil
}

func (w *memWriter) Close() error { w.closed.Store(true); return nil }

func (w *memWriter) written() []kafka.Message {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]kafka.Message(nil), w.msgs...)
}

// raw returns a valid raw record as JSON.
func raw(tb testing.TB, id, conv, author, text string) []byte {
	tb.Helper()
	t := time.Date(2017, 10, 11, 13, 0, 0, 0, time.UTC)
	m := &mention.Mention{V: 1, ID: "twcs:" + id, Platform: "twcs", NativeID: id, CreatedAt: t, IngestedAt: t,
		Source: "test", Author: mention.Author{ID: author}, Text: text, ConversationID: "twcs:" + conv}
	if id != conv {
		m.InReplyTo = "twcs:" + conv
	}
	b, err := mention.Encode(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

type rig struct {
	src      *memSource
	out, dlq *memWriter
	j        *journal
	reg      *prometheus.Registry
	p        *enrich.Processor
}

func newRig(tb testing.TB, cfg enrich.Config, enrichers ...enrich.Enricher) *rig {
	tb.Helper()
	j := &journal{}
	r := &rig{src: newMemSource(j), out: &memWriter{name: "enriched", j: j}, dlq: &memWriter{name: "dlq", j: j}, j: j, reg: prometheus.NewRegistry()}
	pipe, err := enrich.NewPipeline(enrichers...)
	if err != nil {
		tb.Fatal(err)
	}
	r.p, err = enrich.NewWithIO(cfg, enrich.IO{Source: r.src, Enriched: r.out, DLQ: r.dlq, SourceTopic: "raw", EnrichedTopic: "enriched", DLQTopic: "dlq"}, pipe, r.reg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// processConversations pushes total records, spread over convs
// conversations and 4 partitions, runs the processor until every one is
// written, and stops it.
func (r *rig) processConversations(tb testing.TB, total, convs int) {
	tb.Helper()
	for i := range total {
		conv := fmt.Sprint(i%convs + 100000)
		r.src.push(i%4, int64(i/4), "twcs:"+conv, raw(tb, fmt.Sprint(i+1), conv, "1", "hi"))
	}
	stop := r.run(tb)
	waitFor(tb, "all records", func() bool { return len(r.out.written()) == total })
	if err := stop(); err != nil {
		tb.Fatal(err)
	}
}

// run starts the processor and returns a stop function that cancels it and
// returns Run's error.
func (r *rig) run(tb testing.TB) func() error {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.p.Run(ctx) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			tb.Fatal("processor did not stop")
			return nil
		}
	}
}

func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testConfig() enrich.Config {
	c := enrich.DefaultConfig()
	c.Workers = 4
	c.BatchSize = 50
	c.FlushInterval = 10 * time.Millisecond
	c.RetryBackoffMin = time.Millisecond
	c.RetryBackoffMax = 5 * time.Millisecond
	c.ShutdownTimeout = 2 * time.Second
	return c
}

// tagger is an enricher that marks records and rejects or panics on cue.
var tagger = enrich.Func("tagger", func(_ context.Context, m *mention.Mention) error {
	switch {
	case strings.Contains(m.Text, "REJECT"):
		return enrich.Rejectf("text asks to be rejected")
	case strings.Contains(m.Text, "PANIC"):
		panic("boom")
	case strings.Contains(m.Text, "NAN"):
		m.Sentiment = &mention.Sentiment{Compound: 2, Label: "positive"}
	}
	m.CrisisTerms = []string{"seen"}
	return nil
})

func TestProcessorDeliversAndDeadLetters(t *testing.T) {
	r := newRig(t, testConfig(), tagger)
	valid := 0
	for i := range 40 {
		r.src.push(i%3, int64(i/3), fmt.Sprint("twcs:c", i%5), raw(t, fmt.Sprint(100+i), fmt.Sprint("c", i%5), "105834", "hello"))
		valid++
	}
	poison := []struct {
		value  []byte
		kind   string
		reason string
	}{
		{[]byte("this is not json"), "decode", "undecodable record"},
		{[]byte(`{"v":1,"id":"twcs:1","platform":"twcs","native_id":"1","created_at":"2017-10-11T13:00:00Z","ingested_at":"2017-10-11T13:00:00Z","source":"t","author":{"id":""},"text":"x","conversation_id":"twcs:1"}`), "invalid", "author.id"},
		{[]byte(`{"v":2}`), "invalid", "v: version 2"},
		{raw(t, "900", "900", "1", "REJECT me"), "rejected", "rejected by enricher tagger: text asks to be rejected"},
		{raw(t, "901", "901", "1", "PANIC now"), "panic", "enricher tagger: panic: boom"},
		{raw(t, "902", "902", "1", "NAN please"), "encode", "sentiment.compound"},
	}
	for i, p := range poison {
		r.src.push(3, int64(i), "k", p.value)
	}
	stop := r.run(t)
	waitFor(t, "all records", func() bool {
		return len(r.out.written()) == valid && len(r.dlq.written()) == len(poison) && r.src.committedAt(3) == int64(len(poison))
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// Enriched records: valid JSON, enriched, keyed by conversation.
	perKey := map[string][]string{}
	for _, m := range r.out.written() {
		rec, err := mention.Decode(m.Value)
		if err != nil {
			t.Fatalf("enriched record does not decode: %v", err)
		}
		if rec.EnrichedAt == nil || !strings.HasPrefix(rec.Enricher, "earshot-enrich/tagger/0") || len(rec.CrisisTerms) != 1 {
			t.Errorf("record %s not enriched: enriched_at %v enricher %q", rec.ID, rec.EnrichedAt, rec.Enricher)
		}
		if string(m.Key) != rec.ConversationID {
			t.Errorf("key %q, want the conversation id %q", m.Key, rec.ConversationID)
		}
		perKey[string(m.Key)] = append(perKey[string(m.Key)], rec.ID)
	}
	// Per conversation, output order is input order.
	for k, ids := range perKey {
		for i := 1; i < len(ids); i++ {
			var a, b int
			fmt.Sscanf(ids[i-1], "twcs:%d", &a)
			fmt.Sscanf(ids[i], "twcs:%d", &b)
			if b <= a {
				t.Errorf("conversation %s out of order: %v", k, ids)
				break
			}
		}
	}
	// Dead letters carry the original value and a reason naming the field.
	for i, m := range r.dlq.written() {
		p := poison[i]
		if string(m.Value) != string(p.value) {
			t.Errorf("dlq %d: value %q, want the original %q", i, m.Value, p.value)
		}
		if reason := bus.Header(m, bus.HeaderReason); !strings.Contains(reason, p.reason) {
			t.Errorf("dlq %d: reason %q, want it to contain %q", i, reason, p.reason)
		}
		if bus.Header(m, bus.HeaderStage) != "enrich" || bus.Header(m, bus.HeaderOffset) != fmt.Sprint(i) || bus.Header(m, bus.HeaderPartition) != "3" {
			t.Errorf("dlq %d: headers %v", i, m.Headers)
		}
		if got, _ := metricValue(r.reg, "earshot_enrich_dlq_total", map[string]string{"reason": p.kind}); got < 1 {
			t.Errorf("dlq_total{reason=%s} = %v", p.kind, got)
		}
	}
	// Every offset is committed.
	for p, want := range map[int]int64{0: 14, 1: 13, 2: 13, 3: int64(len(poison))} {
		if got := r.src.committedAt(p); got != want {
			t.Errorf("partition %d committed at %d, want %d", p, got, want)
		}
	}
	checkMetric(t, r.reg, "earshot_enrich_records_in_total", nil, float64(valid+len(poison)))
	checkMetric(t, r.reg, "earshot_enrich_records_out_total", nil, float64(valid))
	checkMetric(t, r.reg, "earshot_enrich_enricher_errors_total", map[string]string{"enricher": "tagger", "kind": "permanent"}, 1)
	checkMetric(t, r.reg, "earshot_enrich_enricher_errors_total", map[string]string{"enricher": "tagger", "kind": "panic"}, 1)
	if !r.src.closed.Load() || !r.out.closed.Load() || !r.dlq.closed.Load() {
		t.Error("reader and writers must be closed after Run")
	}
}

func TestProcessorCommitsOnlyAfterTheWrite(t *testing.T) {
	r := newRig(t, testConfig(), tagger)
	r.out.failures = 3
	for i := range 10 {
		r.src.push(0, int64(i), "k", raw(t, fmt.Sprint(i+1), "1", "1", "hi"))
	}
	stop := r.run(t)
	waitFor(t, "the commit", func() bool { return r.src.committedAt(0) == 10 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	ev := r.j.list()
	firstWrite, firstCommit := -1, -1
	for i, e := range ev {
		if strings.HasPrefix(e, "write enriched") && firstWrite < 0 {
			firstWrite = i
		}
		if strings.HasPrefix(e, "commit") && firstCommit < 0 {
			firstCommit = i
		}
	}
	if firstWrite < 0 || firstCommit < firstWrite {
		t.Fatalf("commit before the write succeeded: %v", ev)
	}
	if ev[0] != "fail enriched" || ev[1] != "fail enriched" || ev[2] != "fail enriched" {
		t.Errorf("expected three failed writes first: %v", ev)
	}
	checkMetric(t, r.reg, "earshot_enrich_write_errors_total", map[string]string{"topic": "enriched"}, 3)
	if n := len(r.out.written()); n != 10 {
		t.Errorf("%d records written, want 10", n)
	}
}

// TestProcessorTooLarge: a record the broker refuses as too large is
// dead-lettered on its own; its batch-mates are written, nothing stalls.
func TestProcessorTooLarge(t *testing.T) {
	r := newRig(t, testConfig(), tagger)
	r.out.batchLimit = 20_000
	for i := range 11 {
		text := "hi"
		if i == 7 {
			text = strings.Repeat("very long ", 3000)
		}
		r.src.push(0, int64(i), fmt.Sprint(i), raw(t, fmt.Sprint(i+1), fmt.Sprint(i+1), "1", text))
	}
	stop := r.run(t)
	waitFor(t, "the commit", func() bool { return r.src.committedAt(0) == 11 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(r.out.written()); n != 10 {
		t.Errorf("%d enriched records written, want 10", n)
	}
	dlq := r.dlq.written()
	if len(dlq) != 1 || bus.Header(dlq[0], bus.HeaderOffset) != "7" || !strings.Contains(bus.Header(dlq[0], bus.HeaderReason), "too large") {
		t.Fatalf("dlq %v", dlq)
	}
	checkMetric(t, r.reg, "earshot_enrich_dlq_total", map[string]string{"reason": "too_large"}, 1)
	checkMetric(t, r.reg, "earshot_enrich_records_out_total", nil, 10)
}

func TestProcessorTruncatesHugeDeadLetters(t *testing.T) {
	r := newRig(t, testConfig(), tagger)
	huge := []byte(strings.Repeat("x", 600<<10))
	r.src.push(0, 0, "k", huge)
	stop := r.run(t)
	waitFor(t, "the commit", func() bool { return r.src.committedAt(0) == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	dlq := r.dlq.written()
	if len(dlq) != 1 || len(dlq[0].Value) != 512<<10 || bus.Header(dlq[0], enrich.HeaderTruncatedFrom) != fmt.Sprint(600<<10) {
		t.Fatalf("dead letter: %d messages, value %d bytes, headers %v", len(dlq), len(dlq[0].Value), dlq[0].Headers)
	}
}

func TestProcessorShutdownFlushes(t *testing.T) {
	cfg := testConfig()
	cfg.BatchSize = 10_000
	cfg.FlushInterval = time.Hour // only shutdown flushes
	r := newRig(t, cfg, tagger)
	for i := range 25 {
		r.src.push(i%2, int64(i/2), fmt.Sprint(i), raw(t, fmt.Sprint(i+1), fmt.Sprint(i+1), "1", "hi"))
	}
	stop := r.run(t)
	waitFor(t, "the fetch", func() bool { return r.src.fetched.Load() == 25 })
	time.Sleep(20 * time.Millisecond) // into the pending batch
	if len(r.out.written()) != 0 {
		t.Fatal("wrote before the flush interval or shutdown")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(r.out.written()); n != 25 {
		t.Errorf("shutdown flushed %d records, want 25", n)
	}
	if r.src.committedAt(0) != 13 || r.src.committedAt(1) != 12 {
		t.Errorf("committed %d/%d, want 13/12", r.src.committedAt(0), r.src.committedAt(1))
	}
}

func TestProcessorShutdownTimeoutCommitsNothing(t *testing.T) {
	cfg := testConfig()
	cfg.ShutdownTimeout = 200 * time.Millisecond
	r := newRig(t, cfg, tagger)
	r.out.failAll = true
	for i := range 5 {
		r.src.push(0, int64(i), "k", raw(t, fmt.Sprint(i+1), "1", "1", "hi"))
	}
	stop := r.run(t)
	waitFor(t, "a failed write", func() bool {
		v, _ := metricValue(r.reg, "earshot_enrich_write_errors_total", map[string]string{"topic": "enriched"})
		return v > 0
	})
	if err := r.p.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "broker not available") {
		t.Errorf("Ready = %v, want the write error", err)
	}
	start := time.Now()
	err := stop()
	if err == nil || !strings.Contains(err.Error(), "not committed") {
		t.Fatalf("Run = %v, want an error saying the batch was not committed", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("shutdown took %s with a 200ms timeout", d)
	}
	if c := r.src.committedAt(0); c != 0 {
		t.Errorf("committed %d with no successful write", c)
	}
}

func TestProcessorRetriesTransientEnricherErrors(t *testing.T) {
	var calls atomic.Int64
	flaky := enrich.Func("flaky", func(_ context.Context, m *mention.Mention) error {
		if calls.Add(1) <= 2 {
			return errors.New("model server unavailable")
		}
		return nil
	})
	r := newRig(t, testConfig(), flaky)
	r.src.push(0, 0, "k", raw(t, "1", "1", "1", "hi"))
	stop := r.run(t)
	waitFor(t, "the record", func() bool { return len(r.out.written()) == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkMetric(t, r.reg, "earshot_enrich_enricher_errors_total", map[string]string{"enricher": "flaky", "kind": "transient"}, 2)
	if len(r.dlq.written()) != 0 {
		t.Error("a transient error must not dead-letter the record")
	}
}

// TestProcessorKeepsConversationOrder checks that, with several workers,
// the records of one conversation are enriched one after the other in
// input order (an enricher seeing them out of order fails the test).
func TestProcessorKeepsConversationOrder(t *testing.T) {
	var mu sync.Mutex
	last := map[string]int{}
	var bad atomic.Int64
	orderCheck := enrich.Func("order", func(_ context.Context, m *mention.Mention) error {
		var n int
		fmt.Sscanf(m.NativeID, "%d", &n)
		mu.Lock()
		defer mu.Unlock()
		if n <= last[m.ConversationID] {
			bad.Add(1)
		}
		last[m.ConversationID] = n
		return nil
	})
	cfg := testConfig()
	cfg.BatchSize = 100
	r := newRig(t, cfg, orderCheck)
	const total = 2000
	r.processConversations(t, total, 37)
	if bad.Load() != 0 {
		t.Fatalf("%d records of a conversation were enriched out of order", bad.Load())
	}
	seen := map[string]int{}
	for _, m := range r.out.written() {
		rec, err := mention.Decode(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		fmt.Sscanf(rec.NativeID, "%d", &n)
		if n <= seen[rec.ConversationID] {
			t.Fatalf("conversation %s written out of order", rec.ConversationID)
		}
		seen[rec.ConversationID] = n
	}
}

// Each worker adds its enrichers' times up per batch; the per-enricher
// counters must still see every mention's time, on the right enricher.
func TestProcessorCountsEnricherTime(t *testing.T) {
	const total, pause = 200, 300 * time.Microsecond
	slow := enrich.Func("slow", func(context.Context, *mention.Mention) error {
		time.Sleep(pause)
		return nil
	})
	fast := enrich.Func("fast", func(context.Context, *mention.Mention) error { return nil })
	for _, workers := range []int{1, 4} {
		cfg := testConfig()
		cfg.Workers = workers
		r := newRig(t, cfg, fast, slow)
		r.processConversations(t, total, 13)
		slowS, ok1 := metricValue(r.reg, "earshot_enrich_enricher_seconds_total", map[string]string{"enricher": "slow"})
		fastS, ok2 := metricValue(r.reg, "earshot_enrich_enricher_seconds_total", map[string]string{"enricher": "fast"})
		if !ok1 || !ok2 {
			t.Fatalf("workers %d: enricher_seconds_total missing", workers)
		}
		if want := (total * pause).Seconds(); slowS < want || fastS >= slowS {
			t.Errorf("workers %d: slow %.4fs (want ≥ %.4fs), fast %.4fs (want less)", workers, slowS, want, fastS)
		}
	}
}

func TestProcessorRunTwice(t *testing.T) {
	r := newRig(t, testConfig(), tagger)
	stop := r.run(t)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := r.p.Run(context.Background()); err == nil {
		t.Error("a second Run must fail")
	}
}

func TestCloseWithoutRun(t *testing.T) {
	r := newRig(t, testConfig(), tagger)
	if err := r.p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.p.Close(); err != nil {
		t.Fatal(err)
	}
	if !r.src.closed.Load() || !r.out.closed.Load() {
		t.Error("Close must close the reader and writers")
	}
}

func TestConfigValidate(t *testing.T) {
	mod := func(f func(*enrich.Config)) enrich.Config {
		c := enrich.DefaultConfig()
		f(&c)
		return c
	}
	for _, tc := range []struct {
		c    enrich.Config
		want string
	}{
		{enrich.DefaultConfig(), ""},
		{mod(func(c *enrich.Config) { c.GroupID = "" }), "enrich.group_id"},
		{mod(func(c *enrich.Config) { c.Workers = 0 }), "enrich.workers: 0"},
		{mod(func(c *enrich.Config) { c.BatchSize = 0 }), "enrich.batch_size: 0"},
		{mod(func(c *enrich.Config) { c.BatchSize = 1 << 30 }), "enrich.batch_size"},
		{mod(func(c *enrich.Config) { c.BatchBytes = 10 }), "enrich.batch_bytes"},
		{mod(func(c *enrich.Config) { c.FlushInterval = 0 }), "enrich.flush_interval"},
		{mod(func(c *enrich.Config) { c.ShutdownTimeout = -1 }), "enrich.shutdown_timeout"},
		{mod(func(c *enrich.Config) { c.RetryBackoffMin = 0 }), "enrich.retry_backoff_min"},
		{mod(func(c *enrich.Config) { c.RetryBackoffMax = time.Millisecond }), "enrich.retry_backoff_max"},
	} {
		err := tc.c.Validate()
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want %q, got %v", tc.want, err)
		}
	}
	if w := enrich.DefaultConfig().Workers; w < 1 {
		t.Errorf("default workers %d", w)
	}
}

func TestPipeline(t *testing.T) {
	a := enrich.Func("a", func(_ context.Context, m *mention.Mention) error {
		m.CrisisTerms = append(m.CrisisTerms, "a")
		return nil
	})
	b := enrich.Func("b", func(_ context.Context, m *mention.Mention) error {
		m.CrisisTerms = append(m.CrisisTerms, "b")
		return nil
	})
	fail := enrich.Func("fail", func(context.Context, *mention.Mention) error { return errors.New("temporary") })
	p, err := enrich.NewPipeline(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if p.Version() != "earshot-enrich/a/0,b/0" {
		t.Errorf("version %q", p.Version())
	}
	m := &mention.Mention{}
	if err := p.Enrich(context.Background(), m); err != nil || strings.Join(m.CrisisTerms, "") != "ab" {
		t.Errorf("order: %v %v", m.CrisisTerms, err)
	}
	if s := p.Seconds(); len(s) != 2 || p.Len() != 2 || s[0] < 0 || s[1] < 0 {
		t.Errorf("Seconds %v, Len %d: want two times", s, p.Len())
	}
	outer, err := enrich.NewPipeline(p, fail)
	if err != nil {
		t.Fatal(err)
	}
	err = outer.Enrich(context.Background(), &mention.Mention{})
	var ee *enrich.Error
	if !errors.As(err, &ee) || ee.Enricher != "fail" || enrich.IsPermanent(err) {
		t.Errorf("error %v: want a transient *Error naming fail", err)
	}
	if _, err := enrich.NewPipeline(a, a); err == nil {
		t.Error("duplicate names must be refused")
	}
	if _, err := enrich.NewPipeline(enrich.Func("", nil)); err == nil {
		t.Error("an empty name must be refused")
	}
	if enrich.Permanent(nil) != nil || !enrich.IsPermanent(fmt.Errorf("wrapped: %w", enrich.Permanent(errors.New("x")))) {
		t.Error("Permanent / IsPermanent")
	}
}

func metricValue(reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	mfs, err := reg.Gather()
	if err != nil {
		return 0, false
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, lp := range m.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func checkMetric(tb testing.TB, reg *prometheus.Registry, name string, labels map[string]string, want float64) {
	tb.Helper()
	got, ok := metricValue(reg, name, labels)
	if !ok || got != want {
		tb.Errorf("%s%v = %v (found %v), want %v", name, labels, got, ok, want)
	}
}
