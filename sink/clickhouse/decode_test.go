package clickhouse_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	chsink "github.com/earshot-dev/earshot/sink/clickhouse"
)

// fakeReader hands out msgs in order (offsets 0…), then blocks until ctx
// ends; it records the commits.
type fakeReader struct {
	mu      sync.Mutex
	msgs    []kafka.Message
	next    int
	commits []int64
}

func (r *fakeReader) FetchMessage(ctx context.Context) (kafka.Message, error) {
	r.mu.Lock()
	if r.next < len(r.msgs) {
		m := r.msgs[r.next]
		r.next++
		r.mu.Unlock()
		return m, nil
	}
	r.mu.Unlock()
	<-ctx.Done()
	return kafka.Message{}, ctx.Err()
}

func (r *fakeReader) CommitMessages(_ context.Context, msgs ...kafka.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range msgs {
		r.commits = append(r.commits, m.Offset)
	}
	return nil
}

type discardWriter struct{}

func (discardWriter) WriteMessages(context.Context, ...kafka.Message) error { return nil }
func (discardWriter) Close() error                                          { return nil }

// With several decode workers the rows still reach ClickHouse in the order
// they were read, whatever each record costs to decode, and the commits
// (one partition) only ever move forward to the last offset.
func TestSinkDecodeWorkersKeepOrder(t *testing.T) {
	for _, workers := range []int{1, 3, 8} {
		r := &fakeReader{}
		var want []string
		for i := 0; i < 2000; i++ {
			m := enriched(i)
			if i%7 == 0 { // uneven decoding costs
				m.Text += " " + longText
			}
			msg := encode(t, m)
			msg.Offset = int64(i)
			r.msgs = append(r.msgs, msg)
			want = append(want, m.ID)
		}
		var mu sync.Mutex
		var got []string
		cfg := chsink.DefaultConfig()
		cfg.DecodeWorkers = workers
		cfg.InsertConcurrency = 1 // so that got is in insert order
		cfg.BatchRows = 300
		cfg.FlushInterval = 20 * time.Millisecond
		s, err := chsink.New(cfg, chsink.Options{Reader: r, DLQ: discardWriter{}, Insert: func(_ context.Context, cols []any) error {
			mu.Lock()
			got = append(got, cols[0].([]string)...)
			mu.Unlock()
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		waitFor(t, "every row inserted", 30*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == len(want) })
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("workers=%d: rows inserted out of fetch order: row %d is %s, want %s (around: %v)", workers, i, got[i], want[i], got[max(0, i-3):min(len(got), i+4)])
				}
			}
		}
		r.mu.Lock()
		if !slices.IsSorted(r.commits) || len(r.commits) == 0 || r.commits[len(r.commits)-1] != 1999 {
			t.Fatalf("workers=%d: commits %v, want increasing, ending at 1999", workers, r.commits)
		}
		r.mu.Unlock()
	}
}

const longText = "flight delayed again, nobody at the gate, no update for hours, this is the third time this month and the app keeps crashing when I try to rebook"
