// Package srctest holds test helpers the network sources share.
package srctest

import (
	"context"
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
