package enrich_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
)

// TestBrokerOutage runs a publisher (as every ingest source uses) and the
// enrich processor in this process against the dev broker, takes the
// broker down for 3 s in the middle and brings it back. Neither may give
// up: every published record is acknowledged after Kafka took it, every
// record arrives on the enriched topic (copies of an id are allowed:
// downstream is idempotent by id, and the count of copies is logged), the
// records of a conversation keep their order, and the processor is still
// running at the end.
func TestBrokerOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("a broker outage on the mock cluster (≈15 s)")
	}
	b := testenv.KafkaBroker(t, 1)
	kc := bus.DefaultConfig()
	kc.Brokers = b.BootstrapServers()
	kc.ClientID = "earshot-outage-test"
	kc.Partitions = testenv.KafkaPartitions
	kc.DialTimeout = 5 * time.Second
	if err := b.CreateTopics(kc); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	// Enrich, in this process.
	cfg := enrich.DefaultConfig()
	cfg.GroupID = "outage-test"
	cfg.BatchSize = 200
	cfg.FlushInterval = 20 * time.Millisecond
	cfg.RetryBackoffMin = 50 * time.Millisecond
	cfg.RetryBackoffMax = time.Second
	ereg := prometheus.NewRegistry()
	proc, err := enrich.New(cfg, kc, pipeline(t), ereg, log.With("stage", "enrich"))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runErr := make(chan error, 1)
	go func() { runErr <- proc.Run(runCtx) }()

	// A publisher, paced so that the outage falls in the middle.
	const n, convs = 3000, 150
	w := bus.NewWriter(kc, kc.RawTopic)
	defer w.Close()
	pcfg := ingest.DefaultPublisherConfig()
	pcfg.BatchSize = 100
	pcfg.FlushInterval = 50 * time.Millisecond
	pcfg.RetryBackoffMin = 50 * time.Millisecond
	pcfg.RetryBackoffMax = time.Second
	preg := prometheus.NewRegistry()
	pm := ingest.NewMetrics(preg)
	var acked atomic.Int64
	pub, err := ingest.NewPublisher(pcfg, ingest.PublisherOptions{
		Source: "outage-test", Writer: w, Metrics: pm, Log: log.With("stage", "ingest"),
		OnAck: func(_ context.Context, a ingest.Ack) error { acked.Store(a.Cursor); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	pubErr := make(chan error, 1)
	var longestPublish atomic.Int64 // the longest Publish call, ns
	go func() {
		for i := range n {
			conv := fmt.Sprintf("outage:c%d", i%convs)
			m := &mention.Mention{V: 1, ID: fmt.Sprintf("outage:%d", i), Platform: "outage", NativeID: fmt.Sprint(i),
				CreatedAt: t0.Add(time.Duration(i) * time.Second), IngestedAt: t0, Source: "outage-test",
				Author: mention.Author{ID: fmt.Sprint(i % 97)}, Text: fmt.Sprintf("message %d about my order", i), ConversationID: conv}
			if i >= convs {
				m.InReplyTo = fmt.Sprintf("outage:%d", i-convs)
			}
			start := time.Now()
			if err := pub.Publish(ctx, m, int64(i+1)); err != nil {
				pubErr <- err
				return
			}
			if d := int64(time.Since(start)); d > longestPublish.Load() {
				longestPublish.Store(d)
			}
			time.Sleep(3 * time.Millisecond) // ≈ 10 s for all
		}
		pubErr <- pub.Close(ctx)
	}()

	// Down once enrich has joined its group and is consuming.
	for {
		if v, _ := metricValue(ereg, "earshot_enrich_records_in_total", nil); v > 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("enrich consumed nothing")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := b.SetBrokerDown(1); err != nil {
		t.Fatal(err)
	}
	downAt := time.Now()
	readyDuringOutage := false
	for time.Since(downAt) < 3*time.Second {
		if proc.Ready(ctx) != nil {
			readyDuringOutage = true
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := b.SetBrokerUp(1); err != nil {
		t.Fatal(err)
	}
	t.Logf("broker down for %s", time.Since(downAt).Round(time.Millisecond))

	select {
	case err := <-pubErr:
		if err != nil {
			t.Fatalf("the publisher gave up: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the publisher did not finish")
	}
	if got := acked.Load(); got != n {
		t.Errorf("acknowledged cursor %d, want %d", got, n)
	}

	// Every record reaches the enriched topic.
	got := readUntilIDs(t, ctx, kc, kc.EnrichedTopic, n)
	select {
	case err := <-runErr:
		t.Fatalf("enrich exited during the outage: %v", err)
	default:
	}
	ids := map[string]int{}
	last := map[string]int{} // conversation → number of its last record seen
	copies, outOfOrder := 0, 0
	for _, m := range got {
		d, err := mention.Decode(m.Value)
		if err != nil {
			t.Fatalf("enriched record: %v", err)
		}
		if ids[d.ID]++; ids[d.ID] > 1 {
			copies++
			continue // a copy written again after a failure
		}
		var i int
		fmt.Sscanf(d.NativeID, "%d", &i)
		if prev, ok := last[d.ConversationID]; ok && i < prev {
			outOfOrder++
		}
		last[d.ConversationID] = i
	}
	if len(ids) != n {
		t.Errorf("%d distinct ids on the enriched topic, want %d", len(ids), n)
	}
	if outOfOrder > 0 {
		t.Errorf("%d records of a conversation came before an earlier one", outOfOrder)
	}
	pubRetries := testutil.ToFloat64(pm.Retries.WithLabelValues("outage-test"))
	var enrichRetries float64
	for _, op := range []string{enrich.OpFetch, enrich.OpWriteEnriched, enrich.OpWriteDLQ, enrich.OpCommit} {
		v, _ := metricValue(ereg, "earshot_enrich_kafka_retries_total", map[string]string{"op": op})
		t.Logf("enrich retries %s: %v", op, v)
		enrichRetries += v
	}
	longest := time.Duration(longestPublish.Load())
	t.Logf("%d records, %d extra copies on the enriched topic; publisher retries %v (longest Publish %s: kafka-go's own retries may absorb a short outage), enrich retries %v; enrich not ready during the outage: %v",
		n, copies, pubRetries, longest.Round(time.Millisecond), enrichRetries, readyDuringOutage)
	if enrichRetries == 0 || !readyDuringOutage {
		t.Errorf("enrich retries %v, not ready during the outage %v: the outage did not hit enrich", enrichRetries, readyDuringOutage)
	}
	if pubRetries == 0 && longest < 2*time.Second {
		t.Errorf("the publisher neither retried nor waited out the outage (longest Publish %s)", longest)
	}
	if err := proc.Ready(ctx); err != nil {
		t.Errorf("enrich not ready after the recovery: %v", err)
	}
	stopRun()
	if err := <-runErr; err != nil {
		t.Errorf("Run = %v after a clean shutdown", err)
	}
}

// readUntilIDs reads every partition of topic from the start until it
// holds want distinct mention ids, and returns what it read, partition
// after partition, each in order.
func readUntilIDs(tb testing.TB, ctx context.Context, kc bus.Config, topic string, want int) []kafka.Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var mu sync.Mutex
	parts := make([][]kafka.Message, kc.Partitions)
	seen := map[string]bool{}
	var wg sync.WaitGroup
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
				d, err := mention.Decode(m.Value)
				mu.Lock()
				parts[p] = append(parts[p], m)
				if err == nil {
					seen[d.ID] = true
				}
				if len(seen) >= want {
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var out []kafka.Message
	for _, ms := range parts {
		out = append(out, ms...)
	}
	if len(seen) != want {
		missing := 0
		for i := range want {
			if !seen[fmt.Sprintf("outage:%d", i)] {
				missing++
			}
		}
		keys := make([]string, 0, 3)
		for k := range seen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		tb.Fatalf("%s: %d distinct ids after 90 s, want %d (%d missing)", topic, len(seen), want, missing)
	}
	return out
}
