// Package bus is earshot's Kafka plumbing: configuration, topic creation,
// writers that wait for every replica, group readers that commit only what
// the caller acknowledges, and the dead-letter topic.
package bus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"

	"github.com/earshot-dev/earshot/internal/tlsconf"
)

// Default topic names.
const (
	TopicRaw      = "earshot.mentions.raw"
	TopicEnriched = "earshot.mentions.enriched"
	TopicDLQ      = "earshot.mentions.dlq"
)

// Config says where Kafka is and how earshot talks to it.
type Config struct {
	// Brokers are bootstrap addresses, host:port. Env EARSHOT_KAFKA_BROKERS
	// (comma separated).
	Brokers []string `yaml:"brokers" json:"brokers"`
	// ClientID names this process to the brokers.
	ClientID string `yaml:"client_id" json:"client_id"`
	// Topics.
	RawTopic      string `yaml:"raw_topic" json:"raw_topic"`
	EnrichedTopic string `yaml:"enriched_topic" json:"enriched_topic"`
	DLQTopic      string `yaml:"dlq_topic" json:"dlq_topic"`
	// Partitions and ReplicationFactor are used when earshot creates topics.
	Partitions        int `yaml:"partitions" json:"partitions"`
	ReplicationFactor int `yaml:"replication_factor" json:"replication_factor"`
	// WriteBatchSize and WriteBatchTimeout bound a producer batch.
	WriteBatchSize    int           `yaml:"write_batch_size" json:"write_batch_size"`
	WriteBatchTimeout time.Duration `yaml:"write_batch_timeout" json:"write_batch_timeout"`
	// DialTimeout bounds connecting to a broker.
	DialTimeout time.Duration `yaml:"dial_timeout" json:"dial_timeout"`
	// Compression of the batches earshot produces: none, gzip, snappy,
	// lz4 or zstd (default, level 1). Consumers read every codec whatever
	// this says. Batches of enriched mentions shrink 8.9× with zstd, 4.7×
	// with lz4, 3.9× with snappy (bench.BenchmarkCompression), so a broker
	// keeps that many times more of them in the same log and page cache.
	// Env EARSHOT_KAFKA_COMPRESSION.
	Compression string `yaml:"compression" json:"compression"`
	// TLS and SASL secure every connection to the brokers (writers,
	// readers, consumer groups, topic creation, lag, reachability); see
	// tls.go and sasl.go.
	TLS  tlsconf.Config `yaml:"tls" json:"tls"`
	SASL SASLConfig     `yaml:"sasl" json:"sasl"`
}

// DefaultConfig returns the defaults: local broker, earshot topic names,
// 8 partitions (the dev broker's sweet spot; raise it in production).
func DefaultConfig() Config {
	return Config{
		Brokers:           []string{"127.0.0.1:9092"},
		ClientID:          "earshot",
		RawTopic:          TopicRaw,
		EnrichedTopic:     TopicEnriched,
		DLQTopic:          TopicDLQ,
		Partitions:        8,
		ReplicationFactor: 1,
		WriteBatchSize:    1000,
		WriteBatchTimeout: 20 * time.Millisecond,
		DialTimeout:       10 * time.Second,
		Compression:       "zstd",
	}
}

// zstdLevel is the level of kafka.compression zstd: 1, klauspost's
// "fastest". On batches of enriched mentions (bench.BenchmarkCompression)
// it compresses 8.9×, against 9.3× at the library's default level 3, and
// ≈ 25 % faster (≈ 305 against ≈ 230 MB/s on one core) — compression was a
// quarter of the ingest process's CPU at level 3.
const zstdLevel = 1

func init() {
	// kafka-go compresses with the codecs of its global table; this is
	// the knob it offers for the zstd level.
	compress.ZstdCodec.Level = zstdLevel
}

// compressionCodecs maps kafka.compression values to kafka-go's codecs.
var compressionCodecs = map[string]kafka.Compression{
	"none":   0,
	"gzip":   kafka.Gzip,
	"snappy": kafka.Snappy,
	"lz4":    kafka.Lz4,
	"zstd":   kafka.Zstd,
}

// codec returns the writer codec for c.Compression ("" means none).
func (c Config) codec() kafka.Compression {
	return compressionCodecs[strings.ToLower(c.Compression)]
}

// Validate names the first field that is wrong and how to fix it.
func (c Config) Validate() error {
	if len(c.Brokers) == 0 {
		return errors.New("kafka.brokers: empty; set EARSHOT_KAFKA_BROKERS=host:port[,host:port]")
	}
	for _, b := range c.Brokers {
		if _, port, err := net.SplitHostPort(b); err != nil || port == "" {
			return fmt.Errorf("kafka.brokers: %q is not host:port", b)
		} else if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
			return fmt.Errorf("kafka.brokers: %q has a bad port", b)
		}
	}
	for _, t := range []struct{ name, topic string }{{"raw_topic", c.RawTopic}, {"enriched_topic", c.EnrichedTopic}, {"dlq_topic", c.DLQTopic}} {
		if t.topic == "" {
			return fmt.Errorf("kafka.%s: empty", t.name)
		}
	}
	if c.Partitions < 1 {
		return fmt.Errorf("kafka.partitions: %d, want ≥ 1", c.Partitions)
	}
	if c.ReplicationFactor < 1 {
		return fmt.Errorf("kafka.replication_factor: %d, want ≥ 1", c.ReplicationFactor)
	}
	if c.WriteBatchSize < 1 {
		return fmt.Errorf("kafka.write_batch_size: %d, want ≥ 1", c.WriteBatchSize)
	}
	if c.WriteBatchTimeout <= 0 {
		return fmt.Errorf("kafka.write_batch_timeout: %s, want > 0", c.WriteBatchTimeout)
	}
	if c.DialTimeout <= 0 {
		return fmt.Errorf("kafka.dial_timeout: %s, want > 0", c.DialTimeout)
	}
	if _, ok := compressionCodecs[strings.ToLower(c.Compression)]; !ok && c.Compression != "" {
		return fmt.Errorf("kafka.compression: %q, want none, gzip, snappy, lz4 or zstd", c.Compression)
	}
	if err := c.TLS.Validate("kafka.tls"); err != nil {
		return err
	}
	return c.SASL.Validate()
}

// ParseBrokers splits a comma-separated broker list.
func ParseBrokers(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// NewWriter returns a synchronous writer to topic that waits for all
// in-sync replicas, hashes keys to partitions (a conversation stays on one
// partition), and sends batches of up to WriteBatchSize. Callers should pass
// many messages per WriteMessages call: a call with fewer messages than the
// batch size waits WriteBatchTimeout.
func NewWriter(c Config, topic string) *kafka.Writer {
	return &kafka.Writer{
		Addr:                   kafka.TCP(c.Brokers...),
		Topic:                  topic,
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		BatchSize:              c.WriteBatchSize,
		BatchTimeout:           c.WriteBatchTimeout,
		BatchBytes:             1_000_000, // under the broker default message.max.bytes (1 MiB + overhead)
		Compression:            c.codec(),
		MaxAttempts:            10,
		WriteBackoffMin:        50 * time.Millisecond,
		WriteBackoffMax:        2 * time.Second,
		AllowAutoTopicCreation: false,
		Transport:              c.Transport(),
	}
}

// NewReader returns a consumer-group reader on topic. It never commits by
// itself: callers use FetchMessage and CommitMessages after their output
// confirmed the write.
func NewReader(c Config, topic, group string) *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:           c.Brokers,
		GroupID:           group,
		Topic:             topic,
		MinBytes:          1,
		MaxBytes:          16 << 20,
		MaxWait:           250 * time.Millisecond,
		ReadBatchTimeout:  time.Second,
		CommitInterval:    0, // synchronous commits, only on CommitMessages
		StartOffset:       kafka.FirstOffset,
		HeartbeatInterval: time.Second,
		SessionTimeout:    10 * time.Second,
		RebalanceTimeout:  10 * time.Second,
		JoinGroupBackoff:  500 * time.Millisecond,
		QueueCapacity:     1000,
		Dialer:            c.Dialer(),
	})
}

// EnsureTopics creates the raw, enriched and DLQ topics if they do not
// exist. It asks for metadata first and creates only missing topics, so it
// needs no create rights when they exist, and it works against brokers that
// do not implement CreateTopics (the librdkafka mock cluster used as the
// dev broker, whose topics are created by package devbroker).
func EnsureTopics(ctx context.Context, c Config) error {
	// A transport of its own: kafka-go serves metadata from a per-transport
	// cache, and the shared default one may predate the topics.
	tr := c.Transport()
	defer tr.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(c.Brokers...), Timeout: c.DialTimeout, Transport: tr}
	names := []string{c.RawTopic, c.EnrichedTopic, c.DLQTopic}
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: names})
	if err != nil {
		return fmt.Errorf("kafka: metadata from %s: %w", strings.Join(c.Brokers, ","), err)
	}
	exists := map[string]bool{}
	for _, t := range md.Topics {
		if t.Error == nil && len(t.Partitions) > 0 {
			exists[t.Name] = true
		}
	}
	var topics []kafka.TopicConfig
	for _, t := range names {
		if !exists[t] {
			topics = append(topics, kafka.TopicConfig{Topic: t, NumPartitions: c.Partitions, ReplicationFactor: c.ReplicationFactor})
		}
	}
	if len(topics) == 0 {
		return nil
	}
	resp, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: topics})
	if err != nil {
		return fmt.Errorf("kafka: create topics on %s (a broker without CreateTopics, like the dev broker, needs them created beforehand: devbroker.CreateTopics or your Kafka tools): %w", strings.Join(c.Brokers, ","), err)
	}
	for t, terr := range resp.Errors {
		if terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
			return fmt.Errorf("kafka: create topic %s: %w", t, terr)
		}
	}
	return nil
}

// WaitReachable dials the brokers until one answers or ctx ends, so that a
// worker pointed at a wrong address fails with a clear error. With TLS or
// SASL configured, the first broker that answers must also complete the
// TLS handshake and the SASL authentication; a failure there is returned
// at once (retrying a wrong password or certificate does not help).
func WaitReachable(ctx context.Context, c Config) error {
	var last error
	for {
		for _, b := range c.Brokers {
			d := net.Dialer{Timeout: 2 * time.Second}
			conn, err := d.DialContext(ctx, "tcp", b)
			if err == nil {
				conn.Close()
				if !c.Secured() {
					return nil
				}
				if err := c.handshake(ctx, b); err != nil {
					return fmt.Errorf("kafka: broker %s answers, but the TLS/SASL handshake failed (kafka.tls, kafka.sasl): %w", b, err)
				}
				return nil
			}
			if last == nil || ctx.Err() == nil { // keep the real reason, not "canceled"
				last = err
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka: no broker of %s reachable: %v", strings.Join(c.Brokers, ","), last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
