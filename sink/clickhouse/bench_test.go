package clickhouse_test

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// BenchmarkSinkThroughput runs the whole sink — Kafka consumer group on
// the dev broker, decode, columnar batches, inserts into the real
// ClickHouse, commits — over records published beforehand, and reports
// rows/s from the first record fetched to the last offset committed (the
// ≈3 s consumer-group join is not timed). Each iteration reads the topic
// again in a new group. The dev broker bounds the run to 16k records, so
// batches are 4k rows here against 50k in production.
func BenchmarkSinkThroughput(b *testing.B) {
	e := newEnv(b, true)
	// The dev broker keeps ≈5 MiB per partition: 16k records of ≈1 KiB
	// over 4 partitions stay below it.
	const n = 16_000
	msgs := make([]kafka.Message, n)
	var bytes int64
	for i := range msgs {
		msgs[i] = encode(b, enriched(i))
		bytes += int64(len(msgs[i].Value))
	}
	publish(b, e.kc, msgs)
	b.SetBytes(bytes)
	b.ReportAllocs()
	var insertSeconds float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := testConfig()
		cfg.Group = fmt.Sprintf("bench-%d", i)
		// Batches close by rows, not by the 1 s timer, which would
		// dominate a run this short.
		cfg.BatchRows = 4_000
		cfg.FlushInterval = time.Second
		r := e.start(b, cfg, nil)
		waitFor(b, "the first record", time.Minute, func() bool { return val(r.m.Messages) > 0 })
		b.StartTimer()
		waitFor(b, "every record committed", 2*time.Minute, func() bool { lag, _ := e.lag(b, cfg.Group); return lag == 0 })
		b.StopTimer()
		insertSeconds += histSum(r.m.InsertDuration)
		if err := r.stop(b); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	// The share of the time spent in INSERTs (the rest: Kafka, decoding,
	// the commit, and waiting for the last commit to show).
	b.ReportMetric(insertSeconds/b.Elapsed().Seconds(), "insert-share")
}

// histSum is a histogram's sum of observations.
func histSum(h prometheus.Histogram) float64 {
	var m dto.Metric
	h.Write(&m)
	return m.GetHistogram().GetSampleSum()
}
