package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/mention"
)

// recorder is a bus.Writer that keeps every successful call's messages and
// can fail: with fail while failures > 0 (counting down), or always when
// failures < 0; or with what result returns for a call's messages.
type recorder struct {
	mu       sync.Mutex
	calls    [][]kafka.Message
	attempts [][]kafka.Message // every call, failed or not
	fail     error
	failures int
	result   func(msgs []kafka.Message) error
}

func (r *recorder) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts = append(r.attempts, append([]kafka.Message(nil), msgs...))
	if r.fail != nil && r.failures != 0 {
		if r.failures > 0 {
			r.failures--
		}
		return r.fail
	}
	if r.result != nil {
		if err := r.result(msgs); err != nil {
			return err
		}
	}
	r.calls = append(r.calls, append([]kafka.Message(nil), msgs...))
	return nil
}

func (r *recorder) set(fail error, failures int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail, r.failures = fail, failures
}

func (r *recorder) Close() error { return nil }

func (r *recorder) sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []int
	for _, c := range r.calls {
		s = append(s, len(c))
	}
	return s
}

func mk(tb testing.TB, i int, conv string) *mention.Mention {
	tb.Helper()
	t := time.Date(2025, 3, 1, 12, 0, i, 0, time.UTC)
	id := fmt.Sprintf("test:%d", i)
	if conv == "" {
		conv = id
	}
	return &mention.Mention{
		V: 1, ID: id, Platform: "test", NativeID: fmt.Sprint(i), CreatedAt: t, IngestedAt: t,
		Source: "unit", Author: mention.Author{ID: "a1"}, Text: "hello @brand", ConversationID: conv,
	}
}

func newPub(tb testing.TB, cfg ingest.PublisherConfig, w *recorder, reg prometheus.Registerer, acks *[]ingest.Ack) *ingest.Publisher {
	tb.Helper()
	var mu sync.Mutex
	p, err := ingest.NewPublisher(cfg, ingest.PublisherOptions{
		Source: "unit", Writer: w, Metrics: ingest.NewMetrics(reg),
		OnAck: func(_ context.Context, a ingest.Ack) error {
			mu.Lock()
			defer mu.Unlock()
			if acks != nil {
				*acks = append(*acks, a)
			}
			return nil
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close(context.Background()) })
	return p
}

func TestPublisherBatchesAndAcks(t *testing.T) {
	tests := []struct {
		name       string
		batchSize  int
		n          int
		wantCalls  []int
		wantCursor []int64
	}{
		{"exact multiple", 3, 6, []int{3, 3}, []int64{2, 5}},
		{"remainder flushed on close", 3, 7, []int{3, 3, 1}, []int64{2, 5, 6}},
		{"one big batch", 100, 10, []int{10}, []int64{9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			w := &recorder{}
			var acks []ingest.Ack
			cfg := ingest.DefaultPublisherConfig()
			cfg.BatchSize = tt.batchSize
			cfg.FlushInterval = time.Hour
			p := newPub(t, cfg, w, prometheus.NewRegistry(), &acks)
			for i := 0; i < tt.n; i++ {
				if err := p.Publish(ctx, mk(t, i, "test:conv"), int64(i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if got := w.sizes(); fmt.Sprint(got) != fmt.Sprint(tt.wantCalls) {
				t.Errorf("WriteMessages calls = %v, want %v", got, tt.wantCalls)
			}
			var cursors []int64
			for _, a := range acks {
				cursors = append(cursors, a.Cursor)
			}
			if fmt.Sprint(cursors) != fmt.Sprint(tt.wantCursor) {
				t.Errorf("ack cursors = %v, want %v", cursors, tt.wantCursor)
			}
			if st := p.Stats(); st.Published != int64(tt.n) {
				t.Errorf("published = %d, want %d", st.Published, tt.n)
			}
			for _, c := range w.calls {
				for _, m := range c {
					if string(m.Key) != "test:conv" {
						t.Fatalf("key = %q, want the conversation id", m.Key)
					}
					if _, err := mention.Decode(m.Value); err != nil {
						t.Fatalf("published value does not decode: %v", err)
					}
				}
			}
		})
	}
}

func TestPublisherRejects(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	w := &recorder{}
	var acks []ingest.Ack
	p := newPub(t, ingest.DefaultPublisherConfig(), w, reg, &acks)

	bad := []struct {
		mutate func(*mention.Mention)
		reason string
	}{
		{func(m *mention.Mention) { m.Text = "  " }, "invalid_text"},
		{func(m *mention.Mention) { m.Author.ID = "" }, "invalid_author_id"},
		{func(m *mention.Mention) { m.CreatedAt = time.Time{} }, "invalid_created_at"},
		{func(m *mention.Mention) { m.Text = "" }, "invalid_text"},
	}
	for i, b := range bad {
		m := mk(t, i, "")
		b.mutate(m)
		if err := p.Publish(ctx, m, int64(i)); err != nil {
			t.Fatalf("an invalid record must not be an error: %v", err)
		}
	}
	if err := p.Publish(ctx, nil, 10); err != nil {
		t.Fatal(err)
	}
	p.Reject(11, "bad_date", "line 12", errors.New(`"yesterday" is not a date`))
	if err := p.Publish(ctx, mk(t, 20, ""), 20); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	want := map[string]int64{"invalid_text": 2, "invalid_author_id": 1, "invalid_created_at": 1, "nil_record": 1, "bad_date": 1}
	if fmt.Sprint(st.Rejected) != fmt.Sprint(want) {
		t.Errorf("rejected = %v, want %v", st.Rejected, want)
	}
	if st.Published != 1 || st.RejectedTotal() != 6 {
		t.Errorf("published %d rejected %d, want 1 and 6", st.Published, st.RejectedTotal())
	}
	if got := testutil.ToFloat64(ingest.NewMetrics(reg).Rejected.WithLabelValues("unit", "invalid_text")); got != 2 {
		t.Errorf("metric rejected{invalid_text} = %v, want 2", got)
	}
	if got := testutil.ToFloat64(ingest.NewMetrics(reg).Published.WithLabelValues("unit")); got != 1 {
		t.Errorf("metric published = %v, want 1", got)
	}
	if len(acks) != 1 || acks[0].Cursor != 20 || acks[0].Records != 1 {
		t.Errorf("acks = %+v, want one ack of 1 record at cursor 20", acks)
	}
}

// TestPublisherPublishEncoded: a record the source holds encoded goes out
// byte for byte (a copy: the source may reuse its buffer), keyed like
// Publish's; nil and oversized records are rejected and counted.
func TestPublisherPublishEncoded(t *testing.T) {
	ctx := context.Background()
	w := &recorder{}
	var acks []ingest.Ack
	p := newPub(t, ingest.DefaultPublisherConfig(), w, prometheus.NewRegistry(), &acks)
	m := mk(t, 1, "test:conv")
	data := []byte(" " + string(mustEncode(t, m)) + " ") // white space is kept: the bytes are not re-encoded
	want := string(data)
	if err := p.PublishEncoded(ctx, m, data, 1); err != nil {
		t.Fatal(err)
	}
	clear(data) // the caller reuses its buffer
	if err := p.PublishEncoded(ctx, nil, []byte("{}"), 2); err != nil {
		t.Fatal(err)
	}
	if err := p.PublishEncoded(ctx, mk(t, 3, ""), make([]byte, mention.MaxRecordBytes+1), 3); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(w.calls) != 1 || len(w.calls[0]) != 1 {
		t.Fatalf("calls = %v, want one message", w.sizes())
	}
	if got := w.calls[0][0]; string(got.Value) != want || string(got.Key) != "test:conv" {
		t.Errorf("message key %q value %q, want key test:conv and value %q", got.Key, got.Value, want)
	}
	st := p.Stats()
	if fmt.Sprint(st.Rejected) != fmt.Sprint(map[string]int64{"nil_record": 1, "too_large": 1}) || st.Published != 1 {
		t.Errorf("published %d rejected %v, want 1 and one nil_record, one too_large", st.Published, st.Rejected)
	}
	if len(acks) != 1 || acks[0].Cursor != 3 {
		t.Errorf("acks = %+v, want one ack at cursor 3", acks)
	}
}

func mustEncode(t *testing.T, m *mention.Mention) []byte {
	t.Helper()
	data, err := mention.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPublisherOnlyRejectedStillAcks(t *testing.T) {
	// A tail of rejected records is settled too: a source resuming after the
	// ack must not read them again.
	w := &recorder{}
	var acks []ingest.Ack
	p := newPub(t, ingest.DefaultPublisherConfig(), w, nil, &acks)
	p.Reject(7, "bad_date", "", nil)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(acks) != 1 || acks[0].Cursor != 7 || acks[0].Records != 0 {
		t.Errorf("acks = %+v, want one empty ack at cursor 7", acks)
	}
	if len(w.sizes()) != 0 {
		t.Errorf("an empty batch was written")
	}
}

func TestPublisherFlushInterval(t *testing.T) {
	w := &recorder{}
	cfg := ingest.DefaultPublisherConfig()
	cfg.FlushInterval = 20 * time.Millisecond
	p := newPub(t, cfg, w, nil, nil)
	if err := p.Publish(context.Background(), mk(t, 1, ""), 1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(w.sizes()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a partial batch was not written after the flush interval")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPublisherBatchBytes(t *testing.T) {
	w := &recorder{}
	cfg := ingest.DefaultPublisherConfig()
	cfg.BatchBytes = mention.MaxRecordBytes
	cfg.FlushInterval = time.Hour
	p := newPub(t, cfg, w, nil, nil)
	ctx := context.Background()
	const n = 20
	var size int
	for i := 0; i < n; i++ {
		m := mk(t, i, "")
		m.Text = strings.Repeat("x", 60<<10) // near the 64 KiB text limit
		data, err := mention.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		size = len(data)
		if err := p.Publish(ctx, m, int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	per := cfg.BatchBytes / size
	want := fmt.Sprint([]int{per, n - per})
	if per >= n || per < 2 {
		t.Fatalf("test setup: %d records of %d bytes per batch", per, size)
	}
	if got := fmt.Sprint(w.sizes()); got != want {
		t.Errorf("calls = %s, want %s (batch_bytes %d, records of %d bytes)", got, want, cfg.BatchBytes, size)
	}
}

// retryConfig retries quickly.
func retryConfig() ingest.PublisherConfig {
	cfg := ingest.DefaultPublisherConfig()
	cfg.BatchSize = 2
	cfg.FlushInterval = time.Hour
	cfg.RetryBackoffMin = time.Millisecond
	cfg.RetryBackoffMax = 5 * time.Millisecond
	return cfg
}

func TestPublisherRetriesTransientErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"leader not available", kafka.WriteErrors{kafka.LeaderNotAvailable, kafka.LeaderNotAvailable}},
		{"connection refused", fmt.Errorf("failed to dial: failed to open connection to 127.0.0.1:9092: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})},
		{"not enough replicas", kafka.NotEnoughReplicas},
		{"attempt timed out", context.DeadlineExceeded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			w := &recorder{fail: tt.err, failures: 3}
			var acks []ingest.Ack
			reg := prometheus.NewRegistry()
			p := newPub(t, retryConfig(), w, reg, &acks)
			if err := p.Publish(ctx, mk(t, 1, ""), 1); err != nil {
				t.Fatal(err)
			}
			if err := p.Publish(ctx, mk(t, 2, ""), 2); err != nil {
				t.Fatalf("Publish = %v, want the transient failures retried", err)
			}
			if got := fmt.Sprint(w.sizes()); got != "[2]" {
				t.Errorf("written calls = %s, want [2]", got)
			}
			if len(w.attempts) != 4 {
				t.Errorf("%d attempts, want 4", len(w.attempts))
			}
			if len(acks) != 1 || acks[0].Cursor != 2 || acks[0].Records != 2 {
				t.Errorf("acks = %+v, want one of 2 records at cursor 2", acks)
			}
			m := ingest.NewMetrics(reg)
			if got := testutil.ToFloat64(m.Retries.WithLabelValues("unit")); got != 3 {
				t.Errorf("publish retries = %v, want 3", got)
			}
			if got := testutil.ToFloat64(m.WriteErrors.WithLabelValues("unit")); got != 3 {
				t.Errorf("publish errors = %v, want 3", got)
			}
			if got := testutil.ToFloat64(m.Retrying.WithLabelValues("unit")); got != 0 {
				t.Errorf("publish retrying = %v after the recovery, want 0", got)
			}
			if err := p.Ready(ctx); err != nil {
				t.Errorf("Ready = %v after the recovery", err)
			}
			if st := p.Stats(); st.Published != 2 {
				t.Errorf("published %d, want 2", st.Published)
			}
		})
	}
}

func TestPublisherPermanentErrorFails(t *testing.T) {
	for _, tt := range []struct {
		name    string
		err     error
		flushed string // the calls of the flush after the failure
	}{
		{"authorization", kafka.TopicAuthorizationFailed, "[2]"},
		{"invalid topic", kafka.WriteErrors{kafka.InvalidTopic, nil}, "[1]"}, // the second record was written
		{"too large", kafka.WriteErrors{kafka.MessageSizeTooLarge, kafka.LeaderNotAvailable}, "[2]"},
		{"unknown", errors.New("something nobody expected"), "[2]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			w := &recorder{fail: tt.err, failures: 1}
			var acks []ingest.Ack
			reg := prometheus.NewRegistry()
			p := newPub(t, retryConfig(), w, reg, &acks)
			if err := p.Publish(ctx, mk(t, 1, ""), 1); err != nil {
				t.Fatal(err)
			}
			err := p.Publish(ctx, mk(t, 2, ""), 2)
			if err == nil || !strings.Contains(err.Error(), "permanent") {
				t.Fatalf("Publish = %v, want a permanent error", err)
			}
			if len(acks) != 0 {
				t.Fatalf("a failed batch was acknowledged: %+v", acks)
			}
			if got := testutil.ToFloat64(ingest.NewMetrics(reg).Retries.WithLabelValues("unit")); got != 0 {
				t.Errorf("publish retries = %v, want 0 for a permanent error", got)
			}
			// The batch stays buffered: the next Flush writes it.
			if err := p.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(w.sizes()); got != tt.flushed {
				t.Errorf("after the flush calls = %s, want %s", got, tt.flushed)
			}
			if len(acks) != 1 || acks[0].Cursor != 2 {
				t.Errorf("acks = %+v, want one at cursor 2", acks)
			}
		})
	}
}

// TestPublisherOutageUntilShutdown: with the broker down for good, Publish
// retries until its context ends, reports not ready meanwhile, and
// acknowledges nothing; the batch is written once the broker is back.
func TestPublisherOutageUntilShutdown(t *testing.T) {
	w := &recorder{fail: kafka.LeaderNotAvailable, failures: -1}
	var acks []ingest.Ack
	reg := prometheus.NewRegistry()
	m := ingest.NewMetrics(reg)
	p := newPub(t, retryConfig(), w, reg, &acks)
	if err := p.Publish(context.Background(), mk(t, 1, ""), 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Publish(ctx, mk(t, 2, ""), 2) }()
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(m.Retries.WithLabelValues("unit")) < 5 {
		if time.Now().After(deadline) {
			t.Fatal("no retries")
		}
		time.Sleep(time.Millisecond)
	}
	if err := p.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "Leader Not Available") {
		t.Errorf("Ready = %v during the outage, want the write error", err)
	}
	if err := m.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "ingest unit") {
		t.Errorf("Metrics.Ready = %v during the outage, want it to name the source", err)
	}
	if got := testutil.ToFloat64(m.Retrying.WithLabelValues("unit")); got != 1 {
		t.Errorf("publish retrying = %v during the outage, want 1", got)
	}
	select {
	case err := <-done:
		t.Fatalf("Publish returned %v during the outage", err)
	default:
	}
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "interrupted") {
			t.Errorf("Publish = %v, want interrupted", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Publish did not return after its context ended")
	}
	if len(acks) != 0 {
		t.Fatalf("acknowledged during the outage: %+v", acks)
	}
	w.set(nil, 0)
	if err := p.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(acks) != 1 || acks[0].Cursor != 2 {
		t.Errorf("acks = %+v, want one at cursor 2", acks)
	}
	if err := m.Ready(context.Background()); err != nil {
		t.Errorf("Metrics.Ready = %v after the recovery", err)
	}
}

func TestPublisherRetryMax(t *testing.T) {
	w := &recorder{fail: kafka.LeaderNotAvailable, failures: -1}
	cfg := retryConfig()
	cfg.KafkaRetryMax = 50 * time.Millisecond
	var acks []ingest.Ack
	p := newPub(t, cfg, w, nil, &acks)
	ctx := context.Background()
	if err := p.Publish(ctx, mk(t, 1, ""), 1); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := p.Publish(ctx, mk(t, 2, ""), 2)
	var ex *bus.RetryExhaustedError
	if !errors.As(err, &ex) || !strings.Contains(err.Error(), "kafka_retry_max") {
		t.Fatalf("Publish = %v, want the retry window exhausted", err)
	}
	if d := time.Since(start); d < cfg.KafkaRetryMax || d > 5*time.Second {
		t.Errorf("gave up after %s with kafka_retry_max %s", d, cfg.KafkaRetryMax)
	}
	if len(acks) != 0 {
		t.Errorf("acknowledged: %+v", acks)
	}
	w.set(nil, 0)
	p.Close(ctx)
}

// TestPublisherPartialFailureKeepsOrder: after a partial failure, the
// failed records and the later records of their conversations are
// written again, in order; the others are not.
func TestPublisherPartialFailureKeepsOrder(t *testing.T) {
	first := true
	w := &recorder{result: func(msgs []kafka.Message) error {
		if !first {
			return nil
		}
		first = false
		werrs := make(kafka.WriteErrors, len(msgs))
		werrs[1] = kafka.NotEnoughReplicas // conversation A's second record
		return werrs
	}}
	cfg := retryConfig()
	cfg.BatchSize = 5
	var acks []ingest.Ack
	p := newPub(t, cfg, w, nil, &acks)
	ctx := context.Background()
	convs := []string{"A", "A", "B", "A", "B"}
	for i, c := range convs {
		if err := p.Publish(ctx, mk(t, i, "conv:"+c), int64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if len(w.attempts) != 2 {
		t.Fatalf("%d attempts, want 2", len(w.attempts))
	}
	var ids []string
	for _, m := range w.attempts[1] {
		d, err := mention.Decode(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	if got := strings.Join(ids, ","); got != "test:1,test:3" {
		t.Errorf("rewritten %s, want test:1,test:3 (the failed record and the later one of its conversation)", got)
	}
	if st := p.Stats(); st.Published != 5 {
		t.Errorf("published %d, want 5", st.Published)
	}
	if len(acks) != 1 || acks[0].Cursor != 5 {
		t.Errorf("acks = %+v, want one at cursor 5", acks)
	}
}

// TestPublisherCloseDuringOutage: a background flush that keeps failing
// does not hold Close beyond its context.
func TestPublisherCloseDuringOutage(t *testing.T) {
	w := &recorder{fail: kafka.LeaderNotAvailable, failures: -1}
	cfg := retryConfig()
	cfg.FlushInterval = 5 * time.Millisecond
	var acks []ingest.Ack
	reg := prometheus.NewRegistry()
	p := newPub(t, cfg, w, reg, &acks)
	if err := p.Publish(context.Background(), mk(t, 1, ""), 1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(ingest.NewMetrics(reg).Retries.WithLabelValues("unit")) < 3 {
		if time.Now().After(deadline) {
			t.Fatal("the background flush did not retry")
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := p.Close(ctx)
	if err == nil {
		t.Fatal("Close succeeded with the broker down")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %s with a 200ms context", d)
	}
	if len(acks) != 0 {
		t.Errorf("acknowledged: %+v", acks)
	}
}

func TestPublisherConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*ingest.PublisherConfig)
		want   string
	}{
		{"defaults", func(*ingest.PublisherConfig) {}, ""},
		{"zero batch", func(c *ingest.PublisherConfig) { c.BatchSize = 0 }, "batch_size"},
		{"small bytes", func(c *ingest.PublisherConfig) { c.BatchBytes = 10 }, "batch_bytes"},
		{"no interval", func(c *ingest.PublisherConfig) { c.FlushInterval = 0 }, "flush_interval"},
		{"no timeout", func(c *ingest.PublisherConfig) { c.WriteTimeout = -1 }, "write_timeout"},
		{"no backoff", func(c *ingest.PublisherConfig) { c.RetryBackoffMin = 0 }, "retry_backoff_min"},
		{"backoff max below min", func(c *ingest.PublisherConfig) { c.RetryBackoffMax = time.Millisecond }, "retry_backoff_max"},
		{"negative retry max", func(c *ingest.PublisherConfig) { c.KafkaRetryMax = -time.Second }, "kafka_retry_max"},
		{"retry max below backoff", func(c *ingest.PublisherConfig) { c.KafkaRetryMax = time.Second }, "kafka_retry_max"},
		{"retry max", func(c *ingest.PublisherConfig) { c.KafkaRetryMax = time.Hour }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ingest.DefaultPublisherConfig()
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Validate() = %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

func BenchmarkPublish(b *testing.B) {
	w := &recorder{}
	cfg := ingest.DefaultPublisherConfig()
	cfg.FlushInterval = time.Hour
	p := newPub(b, cfg, w, nil, nil)
	m := mk(b, 1, "")
	m.Text = "@KLM my flight KL1234 from AMS has been delayed three hours and nobody at the gate knows anything"
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := p.Publish(ctx, m, int64(i)); err != nil {
			b.Fatal(err)
		}
		if i%cfg.BatchSize == 0 {
			w.mu.Lock()
			w.calls = w.calls[:0]
			w.mu.Unlock()
		}
	}
}
