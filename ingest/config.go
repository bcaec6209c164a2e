package ingest

import (
	"fmt"
	"time"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/mention"
)

// PublisherConfig bounds the Publisher's batches. A batch is written when it
// holds BatchSize records or BatchBytes bytes, or when its oldest record has
// waited FlushInterval, whichever comes first.
type PublisherConfig struct {
	// BatchSize is the most records handed to one WriteMessages call.
	// kafka-go's synchronous writer waits the broker batch timeout once per
	// call, so many records per call is what makes ingest fast.
	BatchSize int `yaml:"batch_size" json:"batch_size"`
	// BatchBytes bounds the encoded bytes of one batch.
	BatchBytes int `yaml:"batch_bytes" json:"batch_bytes"`
	// FlushInterval is how long a record may wait in a partial batch. It
	// is part of every mention's post-to-queryable latency: with 1 s (the
	// default until session 8) 'bench e2e' measured p99 2.36–2.42 s at
	// 5,000 mentions/s counted from when the replay posted each record,
	// 1.68–1.74 s with 250 ms and 1.60 s with 100 ms; at 20,000/s no
	// difference in ingest's CPU between 100 and 250 ms could be measured
	// (0.17–0.19 cores). 250 ms keeps batches of a few thousand records at
	// high rates, which a shared broker prefers.
	FlushInterval time.Duration `yaml:"flush_interval" json:"flush_interval"`
	// WriteTimeout bounds one attempt at writing a batch (kafka-go's own
	// retries included); a timed-out attempt is retried like any transient
	// error.
	WriteTimeout time.Duration `yaml:"write_timeout" json:"write_timeout"`
	// RetryBackoffMin and RetryBackoffMax bound the back-off (exponential,
	// with jitter) between attempts at writing a batch that failed for a
	// transient reason (the broker down or unreachable, no leader, not
	// enough replicas, a timeout).
	RetryBackoffMin time.Duration `yaml:"retry_backoff_min" json:"retry_backoff_min"`
	RetryBackoffMax time.Duration `yaml:"retry_backoff_max" json:"retry_backoff_max"`
	// KafkaRetryMax is how long a batch may keep failing for a transient
	// reason before the publisher gives up with an error (the source then
	// stops; replay resumes from its checkpoint). 0, the default, retries
	// until the context ends (shutdown): an outage pauses the source, which
	// resumes by itself when the broker is back. Permanent errors
	// (authorization, invalid topic, record too large) are never retried.
	KafkaRetryMax time.Duration `yaml:"kafka_retry_max" json:"kafka_retry_max"`
}

// DefaultPublisherConfig returns the defaults: 5,000 records or 8 MiB per
// batch, flushed at least every 250 ms; transient Kafka errors retried
// with 100 ms … 5 s back-off until shutdown.
func DefaultPublisherConfig() PublisherConfig {
	return PublisherConfig{
		BatchSize:       5000,
		BatchBytes:      8 << 20,
		FlushInterval:   250 * time.Millisecond,
		WriteTimeout:    2 * time.Minute,
		RetryBackoffMin: 100 * time.Millisecond,
		RetryBackoffMax: 5 * time.Second,
	}
}

// KafkaRetry is the retry policy for transient Kafka errors.
func (c PublisherConfig) KafkaRetry() bus.RetryPolicy {
	return bus.RetryPolicy{BackoffMin: c.RetryBackoffMin, BackoffMax: c.RetryBackoffMax, Max: c.KafkaRetryMax}
}

// Validate names the first field that is wrong and how to fix it.
func (c PublisherConfig) Validate() error {
	if c.BatchSize < 1 || c.BatchSize > 1_000_000 {
		return fmt.Errorf("ingest.publisher.batch_size: %d, want 1..1000000 (default 5000)", c.BatchSize)
	}
	if c.BatchBytes < mention.MaxRecordBytes {
		return fmt.Errorf("ingest.publisher.batch_bytes: %d, want ≥ %d (one record's limit)", c.BatchBytes, mention.MaxRecordBytes)
	}
	if c.FlushInterval <= 0 {
		return fmt.Errorf("ingest.publisher.flush_interval: %s, want > 0 (e.g. 250ms)", c.FlushInterval)
	}
	if c.WriteTimeout <= 0 {
		return fmt.Errorf("ingest.publisher.write_timeout: %s, want > 0 (e.g. 2m)", c.WriteTimeout)
	}
	return c.KafkaRetry().Validate("ingest.publisher")
}
