package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/mention"
)

// recorder is a bus.Writer that keeps every call's messages and can fail.
type recorder struct {
	mu    sync.Mutex
	calls [][]kafka.Message
	fail  error
}

func (r *recorder) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.calls = append(r.calls, append([]kafka.Message(nil), msgs...))
	return nil
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

func TestPublisherWriteFailureKeepsBatch(t *testing.T) {
	ctx := context.Background()
	w := &recorder{fail: kafka.WriteErrors{kafka.LeaderNotAvailable, kafka.LeaderNotAvailable}}
	var acks []ingest.Ack
	cfg := ingest.DefaultPublisherConfig()
	cfg.BatchSize = 2
	cfg.FlushInterval = time.Hour
	reg := prometheus.NewRegistry()
	p := newPub(t, cfg, w, reg, &acks)
	if err := p.Publish(ctx, mk(t, 1, ""), 1); err != nil {
		t.Fatal(err)
	}
	err := p.Publish(ctx, mk(t, 2, ""), 2)
	if err == nil || !strings.Contains(err.Error(), "2 of 2 messages failed") {
		t.Fatalf("err = %v, want the write failure summarised", err)
	}
	if len(acks) != 0 {
		t.Fatalf("a failed batch was acknowledged: %+v", acks)
	}
	w.mu.Lock()
	w.fail = nil
	w.mu.Unlock()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(w.sizes()); got != "[2]" {
		t.Errorf("after retry calls = %s, want [2]", got)
	}
	if len(acks) != 1 || acks[0].Cursor != 2 {
		t.Errorf("acks = %+v, want one at cursor 2", acks)
	}
	if got := testutil.ToFloat64(ingest.NewMetrics(reg).WriteErrors.WithLabelValues("unit")); got != 1 {
		t.Errorf("publish errors = %v, want 1", got)
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
