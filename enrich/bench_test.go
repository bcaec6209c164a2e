package enrich_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
)

// builtinTexts are twcs-shaped posts written for the benchmarks, used when
// the shared data sets are not available.
var builtinTexts = []struct{ author, text string }{
	{"105834", "@AppleSupport causing the reply to be disregarded and the tapped notification under the keyboard is opened😡😡😡"},
	{"AppleSupport", "@105837 We can help. Which version of iOS are you on? You can find that in Settings > General > About. Reply in DM. https://t.co/GDrqU22YpT"},
	{"105842", "First flight for long time with @British_Airways. Now over one 1h delay for the short jump FRA-LCY and NO one here to provide status updates"},
	{"SpotifyCares", "@105840 Thanks. The distance could possibly affect playback. Does logging out &gt; restarting your device &gt; logging back in make a difference? /AY"},
	{"105901", "Ordered a coat from Next on Monday and the delivery still hasn't arrived, no signal on O2 to check the tracking either"},
	{"105836", "@VirginTrains I still haven't heard &amp; the number I'm directed to by phone is a dead end &amp; the live chat doesn't work. Can someone call me?"},
}

// benchRecords returns n encoded raw records: the first 5,000 rows of the
// Customer Support on Twitter data set when ../shared/datasets is present
// (real texts and threads), else the built-in texts.
func benchRecords(tb testing.TB, n int) ([][]byte, string) {
	tb.Helper()
	type row struct{ id, author, text, reply string }
	var rows []row
	source := "built-in texts"
	if root, err := os.Getwd(); err == nil {
		path := filepath.Join(root, "..", "..", "shared", "datasets", "twcs", "twcs_first5000.csv")
		if f, err := os.Open(path); err == nil {
			defer f.Close()
			all, err := csv.NewReader(f).ReadAll()
			if err == nil && len(all) > 1 {
				for _, r := range all[1:] {
					if len(r) < 8 {
						continue
					}
					reply := ""
					if v, err := strconv.ParseFloat(r[7], 64); err == nil && r[7] != "" {
						reply = strconv.FormatInt(int64(v), 10)
					}
					rows = append(rows, row{r[1], r[2], r[5], reply})
				}
				source = fmt.Sprintf("twcs_first5000 (%d rows)", len(rows))
			}
		}
	}
	if len(rows) == 0 {
		for i, t := range builtinTexts {
			rows = append(rows, row{fmt.Sprint(i + 1), t.author, t.text, ""})
		}
	}
	at := time.Date(2017, 10, 31, 22, 10, 47, 0, time.UTC)
	out := make([][]byte, n)
	for i := range n {
		r := rows[i%len(rows)]
		id := fmt.Sprintf("%s-%d", r.id, i/len(rows))
		m := &mention.Mention{V: 1, ID: "twcs:" + id, Platform: "twcs", NativeID: id, CreatedAt: at, IngestedAt: at,
			Source: "twcs", Author: mention.Author{ID: r.author}, Text: r.text, ConversationID: "twcs:" + id}
		if r.reply != "" {
			m.InReplyTo = fmt.Sprintf("twcs:%s-%d", r.reply, i/len(rows))
		}
		if m.Text == "" {
			m.Text = "."
		}
		v, err := mention.Encode(m)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = v
	}
	return out, source
}

// BenchmarkPipeline measures one worker's decode → brands → sentiment →
// encode, the in-process cost of a mention.
func BenchmarkPipeline(b *testing.B) {
	recs, source := benchRecords(b, 5000)
	pipe := pipeline(b)
	ctx := context.Background()
	size := 0
	for _, r := range recs {
		size += len(r)
	}
	b.SetBytes(int64(size / len(recs)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	n := 0
	for i := 0; b.Loop(); i++ {
		m, err := mention.Decode(recs[i%len(recs)])
		if err != nil {
			b.Fatal(err)
		}
		if err := pipe.Enrich(ctx, m); err != nil {
			b.Fatal(err)
		}
		if _, err := mention.Encode(m); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "mentions/s")
	b.Logf("input: %s", source)
}

// BenchmarkProcessor measures the whole stage in memory (batching, workers,
// ordering, DLQ handling) without Kafka: mentions/s with GOMAXPROCS
// workers.
func BenchmarkProcessor(b *testing.B) {
	recs, source := benchRecords(b, 5000)
	cfg := enrich.DefaultConfig()
	cfg.Workers = runtime.GOMAXPROCS(0)
	cfg.FlushInterval = 5 * time.Millisecond
	j := &journal{}
	src := newMemSource(j)
	out, dlq := &memWriter{name: "enriched", j: &journal{}}, &memWriter{name: "dlq", j: &journal{}}
	p, err := enrich.NewWithIO(cfg, enrich.IO{Source: src, Enriched: out, DLQ: dlq}, pipeline(b), prometheus.NewRegistry(), nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	go func() {
		for i := range b.N {
			src.push(i%8, int64(i/8), "", recs[i%len(recs)])
		}
	}()
	for src.committedTotal() < int64(b.N) {
		out.mu.Lock()
		out.msgs = out.msgs[:0:0] // keep memory flat
		out.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "mentions/s")
	b.Logf("input: %s, %d workers", source, cfg.Workers)
}

// committedTotal sums the committed offsets of all partitions.
func (s *memSource) committedTotal() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, o := range s.committed {
		n += o
	}
	return n
}

// BenchmarkKafka measures the stage end to end through the Kafka protocol
// (the librdkafka mock cluster): each iteration publishes 10,000 raw records
// and waits until the group has committed them all. The consumer group is
// joined before the timer starts.
func BenchmarkKafka(b *testing.B) {
	const perIter = 10_000
	kc := testenv.Kafka(b)
	recs, source := benchRecords(b, perIter)
	cfg := enrich.DefaultConfig()
	cfg.GroupID = "bench-enrich"
	p, err := enrich.New(cfg, kc, pipeline(b), prometheus.NewRegistry(), nil)
	if err != nil {
		b.Fatal(err)
	}
	stop := start(b, p)
	defer func() {
		if err := stop(); err != nil {
			b.Error(err)
		}
	}()
	ctx := context.Background()
	w := bus.NewWriter(kc, kc.RawTopic)
	defer w.Close()
	published := int64(0)
	publish := func(n int) {
		msgs := make([]kafka.Message, n)
		for i := range n {
			msgs[i] = kafka.Message{Key: []byte(strconv.Itoa(i)), Value: recs[i%len(recs)]}
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			b.Fatal(err)
		}
		published += int64(n)
	}
	wait := func() {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			lag, end, err := bus.Lag(ctx, kc, cfg.GroupID, kc.RawTopic)
			if err == nil && lag == 0 && end == published {
				return
			}
			if time.Now().After(deadline) {
				b.Fatalf("not drained: lag %d end %d published %d err %v", lag, end, published, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	publish(1) // join the group
	wait()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		publish(perIter)
		wait()
	}
	b.ReportMetric(float64(b.N*perIter)/time.Since(start).Seconds(), "mentions/s")
	b.Logf("input: %s, %d workers, %d partitions", source, cfg.Workers, kc.Partitions)
}
