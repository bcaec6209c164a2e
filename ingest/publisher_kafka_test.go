package ingest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
)

// TestPublisherKafka publishes to the in-process Kafka broker and checks
// that every record is on the topic once Close returned.
func TestPublisherKafka(t *testing.T) {
	kc := testenv.Kafka(t)
	w := bus.NewWriter(kc, kc.RawTopic)
	defer w.Close()
	var acked int64
	p, err := ingest.NewPublisher(ingest.DefaultPublisherConfig(), ingest.PublisherOptions{
		Source: "unit", Writer: w,
		OnAck: func(_ context.Context, a ingest.Ack) error { acked = a.Cursor; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const n = 12_345
	for i := 0; i < n; i++ {
		if err := p.Publish(ctx, mk(t, i, fmt.Sprintf("test:conv%d", i%100)), int64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if acked != n {
		t.Fatalf("acknowledged cursor %d, want %d", acked, n)
	}
	if got := topicSize(t, ctx, kc); got != n {
		t.Fatalf("%d records on the topic, want %d", got, n)
	}
}

func topicSize(tb testing.TB, ctx context.Context, kc bus.Config) int64 {
	tb.Helper()
	var total int64
	for part := 0; part < kc.Partitions; part++ {
		conn, err := dialLeader(ctx, kc, part)
		if err != nil {
			tb.Fatal(err)
		}
		last, err := conn.ReadLastOffset()
		conn.Close()
		if err != nil {
			tb.Fatal(err)
		}
		total += last
	}
	return total
}

// BenchmarkPublishKafka measures records/s into the in-process broker by
// batch size (what ingest.publisher.batch_size trades).
func BenchmarkPublishKafka(b *testing.B) {
	for _, batch := range []int{1000, 5000, 20000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			kc := testenv.Kafka(b)
			w := bus.NewWriter(kc, kc.RawTopic)
			defer w.Close()
			cfg := ingest.DefaultPublisherConfig()
			cfg.BatchSize = batch
			p, err := ingest.NewPublisher(cfg, ingest.PublisherOptions{Source: "bench", Writer: w})
			if err != nil {
				b.Fatal(err)
			}
			ms := make([]*mention.Mention, 1000)
			for i := range ms {
				ms[i] = mk(b, i, fmt.Sprintf("test:conv%d", i))
				ms[i].Text = "@KLM my flight KL1234 from AMS has been delayed three hours and nobody at the gate knows anything about it"
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if err := p.Publish(ctx, ms[i%len(ms)], int64(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			if err := p.Close(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func dialLeader(ctx context.Context, kc bus.Config, partition int) (*kafka.Conn, error) {
	return kafka.DialLeader(ctx, "tcp", kc.Brokers[0], kc.RawTopic, partition)
}
