package enrich

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/earshot-dev/earshot/bus"
)

// Config is the Processor's configuration: the "enrich" section of the
// configuration file (enricher options live in sub-sections, see
// cmd/earshot/enrich.go).
type Config struct {
	// GroupID is the Kafka consumer group. Every enrich process of one
	// deployment uses the same group; the raw topic's partitions are shared
	// among them.
	GroupID string `yaml:"group_id"`
	// Workers enrich a batch in parallel (records hashed to workers by their
	// conversation key, so a conversation stays in order). Default GOMAXPROCS.
	Workers int `yaml:"workers"`
	// BatchSize and BatchBytes bound a batch; FlushInterval is the longest a
	// batch waits for more records after its first one. A batch is enriched,
	// written with one WriteMessages call and committed as a unit.
	BatchSize     int           `yaml:"batch_size"`
	BatchBytes    int           `yaml:"batch_bytes"`
	FlushInterval time.Duration `yaml:"flush_interval"`
	// ShutdownTimeout bounds flushing the batch in flight on shutdown.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// RetryBackoffMin and RetryBackoffMax bound the back-off (exponential,
	// with jitter) between retries of a transient Kafka error (fetch, write,
	// commit) or of a transient enricher error.
	RetryBackoffMin time.Duration `yaml:"retry_backoff_min"`
	RetryBackoffMax time.Duration `yaml:"retry_backoff_max"`
	// KafkaRetryMax is how long one Kafka operation (a fetch, a batch
	// write, a commit) may keep failing for a transient reason — the broker
	// down or unreachable, no leader, not enough replicas — before enrich
	// gives up: a fetch or write then stops the process with an error, a
	// commit is skipped (its records are re-delivered). 0, the default,
	// retries until shutdown: an outage pauses enrich (not ready on
	// /readyz, earshot_enrich_kafka_retrying{op} = 1) and it resumes by
	// itself when the broker is back. Permanent errors (authorization,
	// invalid topic, …) are never retried.
	KafkaRetryMax time.Duration `yaml:"kafka_retry_max"`
}

// KafkaRetry is the retry policy for transient Kafka errors.
func (c Config) KafkaRetry() bus.RetryPolicy {
	return bus.RetryPolicy{BackoffMin: c.RetryBackoffMin, BackoffMax: c.RetryBackoffMax, Max: c.KafkaRetryMax}
}

// DefaultGroupID is the default consumer group.
const DefaultGroupID = "earshot-enrich"

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		GroupID:         DefaultGroupID,
		Workers:         runtime.GOMAXPROCS(0),
		BatchSize:       2000,
		BatchBytes:      8 << 20,
		FlushInterval:   200 * time.Millisecond,
		ShutdownTimeout: 30 * time.Second,
		RetryBackoffMin: 100 * time.Millisecond,
		RetryBackoffMax: 10 * time.Second,
	}
}

// Limits that keep a misconfiguration from exhausting memory.
const (
	maxWorkers    = 1024
	maxBatchSize  = 100_000
	maxBatchBytes = 256 << 20
)

// Validate names every field that is wrong and how to fix it.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.GroupID == "" {
		bad("enrich.group_id: empty; set a consumer group name such as %q", DefaultGroupID)
	}
	if c.Workers < 1 || c.Workers > maxWorkers {
		bad("enrich.workers: %d, want 1..%d (default: the number of CPUs)", c.Workers, maxWorkers)
	}
	if c.BatchSize < 1 || c.BatchSize > maxBatchSize {
		bad("enrich.batch_size: %d, want 1..%d (default 2000)", c.BatchSize, maxBatchSize)
	}
	if c.BatchBytes < 1<<20 || c.BatchBytes > maxBatchBytes {
		bad("enrich.batch_bytes: %d, want %d..%d (1 MiB, one record's limit, up to 256 MiB)", c.BatchBytes, 1<<20, maxBatchBytes)
	}
	if c.FlushInterval <= 0 {
		bad("enrich.flush_interval: %s, want > 0 (e.g. 200ms)", c.FlushInterval)
	}
	if c.ShutdownTimeout <= 0 {
		bad("enrich.shutdown_timeout: %s, want > 0 (e.g. 30s)", c.ShutdownTimeout)
	}
	if err := c.KafkaRetry().Validate("enrich"); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
