// Package ingest is the first stage of earshot: sources that read posts from
// somewhere (a file, a platform API, the simulator) and publish them as
// Mention v1 records on the raw topic (earshot.mentions.raw).
//
// Every source has the same shape, so that a newcomer finds each one the same
// way:
//
//	ingest/<source>/config.go   Config with defaults (DefaultConfig) and Validate()
//	ingest/<source>/<source>.go the source itself
//	ingest/<source>/*_test.go   table tests, fuzz tests for its decoders, benchmarks
//	ingest/<source>/testdata/   small fixtures the project wrote itself
//
// and every source hands its records to a Publisher, which validates and
// encodes them (mention.Encode), writes them to Kafka in batches keyed by
// conversation id, counts what it published and what it rejected (with the
// reason), and acknowledges each batch to the source once Kafka confirmed it,
// so that a source can checkpoint exactly what was written.
//
// Configuration: the "ingest" section of the configuration file, with a
// sub-section for the publisher and one per source:
//
//	ingest:
//	  create_topics: true   # create the raw, enriched and DLQ topics if missing
//	  publisher: {batch_size: 5000, batch_bytes: 8388608, flush_interval: 250ms, write_timeout: 2m}
//	  replay:    {format: "", speed: 0, state_dir: .earshot, progress: auto}
//	  simulate:  {seed: 1, start: 2026-11-09, days: 7, volume: 1, incidents: true}
//
// Metrics (subsystem ingest, label source — "replay:twcs", "replay:jsonl",
// "simulate", …):
//
//	earshot_ingest_records_published_total{source}
//	earshot_ingest_records_rejected_total{source,reason}
//	earshot_ingest_published_bytes_total{source}
//	earshot_ingest_publish_batch_duration_seconds{source}
//	earshot_ingest_publish_batch_records{source}
//	earshot_ingest_publish_errors_total{source}
package ingest
