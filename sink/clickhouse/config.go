// Package clickhouse is the ClickHouse sink: it consumes enriched mentions
// from Kafka in a consumer group, writes them to ClickHouse in large
// columnar batches, and commits Kafka offsets only after ClickHouse
// confirmed the insert. Poison records go to the dead-letter topic with
// their reason; ClickHouse outages are retried with back-off while the
// sink stops consuming.
package clickhouse

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"time"
)

// DefaultGroup is the sink's Kafka consumer group.
const DefaultGroup = "earshot-sink"

// Config is the "sink" section of the configuration file.
//
// A batch is inserted when it reaches BatchRows rows or BatchBytes bytes of
// Kafka record values, or FlushInterval after its first record, whichever
// comes first — except that a batch whose interval passed while
// InsertConcurrency inserts were already in flight keeps growing until one
// of them completes (or it is full): under load, inserts get larger
// instead of queueing up small. Why these defaults: ClickHouse wants few large inserts, and
// every insert into mentions also runs the fan-out and rollup views, so an
// insert has a fixed cost. Measured with storage's BenchmarkInsertMentions
// (18.16, the full schema with its views, 2 shared cores): 1k rows 0.23 s,
// 10k rows 0.32 s (31k rows/s), 50k rows 0.69 s (72k rows/s) — about
// 0.2 s per insert plus ≈9 µs per row. With 16 MiB batches (≈16k enriched
// records of ≈1 KiB) `earshot bench sink` spent 90 % of its time inside
// INSERTs; 64 MiB (≈60k records) halves the inserts. 100k rows / 64 MiB
// keeps the fixed cost under a quarter of each insert; the byte limit
// bounds memory (the decoded columns and the kept Kafka messages cost
// about twice the record bytes again, and a sink holds two batches, one
// being inserted while the next fills — see MaxHeld). 700 ms bounds the
// delay from Kafka to a queryable row (session 7: with 1 s the p99
// post-to-queryable latency at 5,000 mentions/s was 1.86–1.96 s, too close
// to the 2 s target; with 700 ms 1.41–1.46 s, and no measurable loss at
// 16,000/s) and keeps a sink at ≤ 1.5 inserts per second under light load.
type Config struct {
	// Group is the Kafka consumer group; sinks in one group share the
	// partitions of the enriched topic.
	Group string `yaml:"group"`
	// BatchRows, BatchBytes and FlushInterval close a batch, whichever
	// first.
	BatchRows     int           `yaml:"batch_rows"`
	BatchBytes    int           `yaml:"batch_bytes"`
	FlushInterval time.Duration `yaml:"flush_interval"`
	// InsertTimeout bounds one INSERT.
	InsertTimeout time.Duration `yaml:"insert_timeout"`
	// RetryInitial and RetryMax bound the exponential back-off between
	// attempts of a failed insert, DLQ write or commit.
	RetryInitial time.Duration `yaml:"retry_initial"`
	RetryMax     time.Duration `yaml:"retry_max"`
	// ShutdownTimeout bounds the final flush and commit on shutdown.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// FetchBuffer is how many fetched records may wait for the batcher;
	// with the Kafka reader's own queue it bounds what is held in memory
	// while an insert is retried.
	FetchBuffer int `yaml:"fetch_buffer"`
	// InsertConcurrency is how many batches may be inserting into
	// ClickHouse at once. Their offsets are still committed one batch at
	// a time, in order, each only after its own insert and every earlier
	// one were confirmed. An insert into mentions runs the fan-out and
	// rollup views one after the other on one server core; two in flight
	// keep a second core busy.
	InsertConcurrency int `yaml:"insert_concurrency"`
	// DecodeWorkers decode fetched records in parallel (the order is
	// kept). One goroutine reads ≈ 170k records/s from Kafka, but
	// decoding an enriched mention costs ≈ 5 µs: with one decoder a sink
	// tops out near 90k records/s before any column is built.
	DecodeWorkers int `yaml:"decode_workers"`
	// GCPercent is the Go garbage collector's target (GOGC) for a sink
	// process, applied by ApplyGC unless the GOGC environment variable is
	// set. A sink's heap is mostly the batches it holds until ClickHouse
	// confirms them; at Go's default of 100 the collector re-marks them
	// several times per batch. 300 cut the sink's CPU per row by ≈ 20 %
	// in `earshot bench sink` (10–12 instead of 14 CPU-seconds for 500k
	// rows) for a larger heap (see MaxHeld for the records held).
	GCPercent int `yaml:"gc_percent"`
}

// ApplyGC sets the process's GC target to GCPercent, unless GOGC is set
// in the environment, and returns a function that restores the previous
// target.
func (c Config) ApplyGC() (restore func()) {
	if _, ok := os.LookupEnv("GOGC"); ok {
		return func() {}
	}
	old := debug.SetGCPercent(c.GCPercent)
	return func() { debug.SetGCPercent(old) }
}

// DefaultConfig returns the defaults explained on Config.
func DefaultConfig() Config {
	return Config{
		Group:             DefaultGroup,
		BatchRows:         100_000,
		BatchBytes:        64 << 20,
		FlushInterval:     700 * time.Millisecond,
		InsertTimeout:     2 * time.Minute,
		RetryInitial:      200 * time.Millisecond,
		RetryMax:          30 * time.Second,
		ShutdownTimeout:   30 * time.Second,
		FetchBuffer:       4096,
		InsertConcurrency: 2,
		DecodeWorkers:     min(runtime.GOMAXPROCS(0), 4),
		GCPercent:         300,
	}
}

// MaxHeld bounds the records a sink holds in memory, also while
// ClickHouse is down (it then stops consuming): the batches being
// inserted, the batch being built, the fetch buffer, the decode workers'
// queues and the records in their hands, and the records the fetcher and
// the merger are handing over.
func (c Config) MaxHeld() int {
	return (c.InsertConcurrency+1)*c.BatchRows + c.FetchBuffer + c.DecodeWorkers*(2*decodeQueue+1) + 2
}

// Validate names the first field that is wrong and how to fix it.
func (c Config) Validate() error {
	switch {
	case c.Group == "":
		return fmt.Errorf("sink.group: empty; set a consumer group name (default %q)", DefaultGroup)
	case c.BatchRows < 1:
		return fmt.Errorf("sink.batch_rows: %d, want ≥ 1 (default 100000)", c.BatchRows)
	case c.BatchBytes < 1<<10:
		return fmt.Errorf("sink.batch_bytes: %d, want ≥ 1024 (default 64 MiB = 67108864)", c.BatchBytes)
	case c.FlushInterval <= 0:
		return fmt.Errorf("sink.flush_interval: %s, want > 0 (default 700ms)", c.FlushInterval)
	case c.InsertTimeout <= 0:
		return fmt.Errorf("sink.insert_timeout: %s, want > 0 (default 2m)", c.InsertTimeout)
	case c.RetryInitial <= 0:
		return fmt.Errorf("sink.retry_initial: %s, want > 0 (default 200ms)", c.RetryInitial)
	case c.RetryMax < c.RetryInitial:
		return fmt.Errorf("sink.retry_max: %s, want ≥ retry_initial %s (default 30s)", c.RetryMax, c.RetryInitial)
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("sink.shutdown_timeout: %s, want > 0 (default 30s)", c.ShutdownTimeout)
	case c.FetchBuffer < 1:
		return fmt.Errorf("sink.fetch_buffer: %d, want ≥ 1 (default 4096)", c.FetchBuffer)
	case c.InsertConcurrency < 1 || c.InsertConcurrency > 16:
		return fmt.Errorf("sink.insert_concurrency: %d, want 1..16 (default 2)", c.InsertConcurrency)
	case c.DecodeWorkers < 1 || c.DecodeWorkers > 64:
		return fmt.Errorf("sink.decode_workers: %d, want 1..64 (default: the number of CPUs, at most 4)", c.DecodeWorkers)
	case c.GCPercent < 50 || c.GCPercent > 1000:
		return fmt.Errorf("sink.gc_percent: %d, want 50..1000 (default 300; the GOGC environment variable overrides it)", c.GCPercent)
	}
	return nil
}
