package bench

import (
	"bytes"
	"context"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/segmentio/kafka-go/compress"
)

// BenchmarkSink runs the whole `bench sink` (the production sink from a
// dev broker into the test ClickHouse, and clickhouse-client's load of the
// same rows) once per iteration and reports both rates and their ratio.
// EARSHOT_BENCH_SINK_N sets the rows (default 100,000):
//
//	EARSHOT_BENCH_SINK_N=200000 go test ./bench -run '^$' -bench BenchmarkSink -benchtime 1x
//
// Go's CPU profiler breaks the in-process dev broker (its poll fails with
// EINTR); profile `earshot bench sink` with perf record -g -p PID instead.
func BenchmarkSink(b *testing.B) {
	n := 100_000
	if s := os.Getenv("EARSHOT_BENCH_SINK_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("EARSHOT_BENCH_SINK_N=%q: want a positive integer", s)
		}
		n = v
	}
	env, _, db := sinkEnv(b, "_bench", nil)
	cfg := DefaultSinkConfig()
	cfg.N = n
	cfg.Database = db
	var sinkRate, ceilRate, ratio float64
	for i := 0; i < b.N; i++ {
		var progress bytes.Buffer
		env.Progress = &progress
		r, err := Sink(context.Background(), cfg, env)
		if err != nil {
			b.Fatalf("%v\n%s", err, progress.String())
		}
		for _, l := range r.Lines {
			v, _ := strconv.ParseFloat(l.Value, 64)
			switch l.Name {
			case "sink_rows_per_sec":
				sinkRate += v
			case "ceiling_rows_per_sec":
				ceilRate += v
			case "ratio":
				ratio += v
			}
		}
	}
	b.ReportMetric(sinkRate/float64(b.N), "sink-rows/s")
	b.ReportMetric(ceilRate/float64(b.N), "ceiling-rows/s")
	b.ReportMetric(ratio/float64(b.N), "ratio")
}

// BenchmarkCompression compresses batches of 1,000 enriched mentions (the
// sink's input, as the enricher produces it) with each kafka.compression
// codec and reports the ratio (uncompressed/compressed bytes); b.SetBytes
// makes MB/s the producer's compression speed on one core.
//
//	go test ./bench -run '^$' -bench BenchmarkCompression
//
// The /decode runs are the consumer's side.
func BenchmarkCompression(b *testing.B) {
	pipe, reg := pipeline(b)
	msgs, err := GenerateEnriched(context.Background(), 1000, 1, reg, pipe)
	if err != nil {
		b.Fatal(err)
	}
	var batch []byte
	for _, m := range msgs {
		batch = append(batch, m.Key...)
		batch = append(batch, m.Value...)
	}
	for _, c := range []compress.Compression{compress.Gzip, compress.Snappy, compress.Lz4, compress.Zstd} {
		b.Run(c.String(), func(b *testing.B) {
			var out bytes.Buffer
			b.SetBytes(int64(len(batch)))
			for b.Loop() {
				out.Reset()
				w := c.Codec().NewWriter(&out)
				if _, err := w.Write(batch); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(batch))/float64(out.Len()), "ratio")
		})
		b.Run(c.String()+"/decode", func(b *testing.B) {
			var comp bytes.Buffer
			w := c.Codec().NewWriter(&comp)
			if _, err := w.Write(batch); err != nil {
				b.Fatal(err)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(batch)))
			for b.Loop() {
				r := c.Codec().NewReader(bytes.NewReader(comp.Bytes()))
				n, err := io.Copy(io.Discard, r)
				r.Close()
				if err != nil || n != int64(len(batch)) {
					b.Fatalf("decoded %d bytes, err %v; want %d", n, err, len(batch))
				}
			}
		})
	}
}
