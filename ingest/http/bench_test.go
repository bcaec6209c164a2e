package httpingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	httpingest "github.com/earshot-dev/earshot/ingest/http"
	"github.com/earshot-dev/earshot/internal/testenv"
)

// discard is a bus.Writer that counts and drops messages, so the benchmark
// measures the endpoint, not a broker.
type discard struct{ n atomic.Int64 }

func (d *discard) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	d.n.Add(int64(len(msgs)))
	return nil
}
func (d *discard) Close() error { return nil }

// BenchmarkIngestHTTP is the load generator: parallel clients POST NDJSON
// batches of 10 distinct records over real TCP connections with keep-alive.
// It reports requests/s, records/s and the p99 request latency. With
// wait_for_ack the p99 includes waiting for the publisher's batch (the
// default 100 ms flush interval).
//
//	go test -run XXX -bench IngestHTTP -benchtime 5s ./ingest/http/
//
// The kafka case writes to the librdkafka mock cluster with earshot's
// writer (RequireAll, 20 ms batch timeout), the others to a writer that
// drops the messages, to show the endpoint's own cost.
func BenchmarkIngestHTTP(b *testing.B) {
	def := httpingest.DefaultConfig().FlushInterval
	for _, c := range []struct {
		wait  bool
		flush time.Duration
	}{{true, def}, {true, 10 * time.Millisecond}, {false, def}} {
		b.Run(fmt.Sprintf("discard/wait_for_ack=%v/flush=%s", c.wait, c.flush), func(b *testing.B) {
			benchIngest(b, &discard{}, c.wait, c.flush, 10)
		})
	}
	for _, flush := range []time.Duration{def, 10 * time.Millisecond} {
		b.Run(fmt.Sprintf("kafka/wait_for_ack=true/flush=%s", flush), func(b *testing.B) {
			kc := testenv.Kafka(b)
			w := bus.NewWriter(kc, kc.RawTopic)
			defer w.Close()
			benchIngest(b, w, true, flush, 10)
		})
	}
}

func benchIngest(b *testing.B, w bus.Writer, wait bool, flush time.Duration, perRequest int) {
	cfg := testConfig(b)
	cfg.RateLimit = 0
	cfg.WaitForAck = wait
	cfg.FlushInterval = flush
	s, err := httpingest.New(cfg, httpingest.Options{Writer: w})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer func() {
		ts.Close()
		s.Close(context.Background())
	}()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	url := ts.URL + "/v1/mentions"

	var (
		next    atomic.Int64
		mu      sync.Mutex
		latency []time.Duration
	)
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var buf bytes.Buffer
		var mine []time.Duration
		for pb.Next() {
			buf.Reset()
			base := int(next.Add(int64(perRequest)))
			for i := range perRequest {
				buf.WriteString(record(base + i))
				buf.WriteByte('\n')
			}
			b.SetBytes(int64(buf.Len()))
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(buf.Bytes()))
			req.Header.Set("Authorization", "Bearer "+tokenA)
			req.Header.Set("Content-Type", "application/x-ndjson")
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mine = append(mine, time.Since(t0))
			if resp.StatusCode != http.StatusAccepted {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
		mu.Lock()
		latency = append(latency, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(latency) == 0 {
		return
	}
	slices.Sort(latency)
	p := func(q float64) float64 {
		return float64(latency[min(len(latency)-1, int(q*float64(len(latency))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(latency))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(len(latency)*perRequest)/elapsed.Seconds(), "records/s")
	b.ReportMetric(p(0.50), "p50_ms")
	b.ReportMetric(p(0.99), "p99_ms")
}
