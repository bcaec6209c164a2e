// Package srctest holds test helpers the network sources share.
package srctest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/mention"
)

// ReadTopic reads every partition of topic from the start, without a
// consumer group, until it has want messages and then half a second more
// (so that a duplicate shows up); it fails the test unless exactly want
// arrived.
func ReadTopic(tb testing.TB, kc bus.Config, topic string, want int) []kafka.Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var (
		mu  sync.Mutex
		out []kafka.Message
		wg  sync.WaitGroup
	)
	for p := range kc.Partitions {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: kc.Brokers, Topic: topic, Partition: p, MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 100 * time.Millisecond})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.Close()
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					return
				}
				mu.Lock()
				out = append(out, m)
				if len(out) == want {
					time.AfterFunc(500*time.Millisecond, cancel)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(out) != want {
		tb.Fatalf("%s: read %d messages, want %d", topic, len(out), want)
	}
	return out
}

// Decode decodes every message as a Mention, checks that it is keyed by
// its conversation id and that no id appears twice, and returns the
// records by id.
func Decode(tb testing.TB, msgs []kafka.Message) map[string]*mention.Mention {
	tb.Helper()
	out := map[string]*mention.Mention{}
	for _, m := range msgs {
		rec, err := mention.Decode(m.Value)
		if err != nil {
			tb.Fatalf("raw topic record: %v", err)
		}
		if string(m.Key) != rec.ConversationID {
			tb.Fatalf("%s keyed %q, want its conversation id %q", rec.ID, m.Key, rec.ConversationID)
		}
		if out[rec.ID] != nil {
			tb.Fatalf("%s published twice", rec.ID)
		}
		out[rec.ID] = rec
	}
	return out
}

// Writer is a bus.Writer that keeps what it is given: a source's output in
// unit tests that need no broker. It is safe for concurrent use.
type Writer struct {
	mu   sync.Mutex
	msgs []kafka.Message
}

// WriteMessages keeps msgs.
func (w *Writer) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msgs...)
	return nil
}

// Close does nothing.
func (w *Writer) Close() error { return nil }

// Len is the number of messages written.
func (w *Writer) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.msgs)
}

// Mentions decodes every message written, in order, and fails the test if
// one does not decode or is not keyed by its conversation id.
func (w *Writer) Mentions(tb testing.TB) []*mention.Mention {
	tb.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]*mention.Mention, 0, len(w.msgs))
	for _, m := range w.msgs {
		r, err := mention.Decode(m.Value)
		if err != nil {
			tb.Fatalf("published record does not decode: %v", err)
		}
		if string(m.Key) != r.ConversationID {
			tb.Fatalf("key %q, want the conversation id %q", m.Key, r.ConversationID)
		}
		out = append(out, r)
	}
	return out
}

// IDs are the ids of the mentions written, sorted.
func (w *Writer) IDs(tb testing.TB) []string {
	tb.Helper()
	var ids []string
	for _, m := range w.Mentions(tb) {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	return ids
}

// WaitFor polls cond until it holds, failing the test after 20 s.
func WaitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
