package ingest

import (
	"fmt"
	"time"

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
	// FlushInterval is how long a record may wait in a partial batch.
	FlushInterval time.Duration `yaml:"flush_interval" json:"flush_interval"`
	// WriteTimeout bounds one batch write, retries included.
	WriteTimeout time.Duration `yaml:"write_timeout" json:"write_timeout"`
}

// DefaultPublisherConfig returns the defaults: 5,000 records or 8 MiB per
// batch, flushed at least every second.
func DefaultPublisherConfig() PublisherConfig {
	return PublisherConfig{
		BatchSize:     5000,
		BatchBytes:    8 << 20,
		FlushInterval: time.Second,
		WriteTimeout:  2 * time.Minute,
	}
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
		return fmt.Errorf("ingest.publisher.flush_interval: %s, want > 0 (e.g. 1s)", c.FlushInterval)
	}
	if c.WriteTimeout <= 0 {
		return fmt.Errorf("ingest.publisher.write_timeout: %s, want > 0 (e.g. 2m)", c.WriteTimeout)
	}
	return nil
}
