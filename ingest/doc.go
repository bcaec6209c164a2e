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
package ingest
