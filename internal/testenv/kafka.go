package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/devbroker"
)

// KafkaPartitions is the partition count of the topics Kafka creates.
const KafkaPartitions = 4

// Kafka starts an in-process Kafka broker (the librdkafka mock cluster, one
// broker) for this test, creates earshot's raw, enriched and DLQ topics
// with KafkaPartitions partitions, and returns the bus configuration
// pointing at it. The broker and its data are gone when the test ends.
// Mind the mock's limits (see package devbroker): ≈5 MiB per partition,
// ≈3 s to join a consumer group.
func Kafka(t testing.TB) bus.Config {
	t.Helper()
	b := KafkaBroker(t, 1)
	c := bus.DefaultConfig()
	c.Brokers = b.BootstrapServers()
	c.ClientID = "earshot-test"
	c.Partitions = KafkaPartitions
	c.DialTimeout = 5 * time.Second
	if err := b.CreateTopics(c); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bus.EnsureTopics(ctx, c); err != nil {
		t.Fatalf("testenv: create topics on the dev broker: %v", err)
	}
	return c
}

// KafkaBroker starts an in-process mock cluster of n brokers, closed when
// the test ends, for tests that take brokers down (SetBrokerDown). It
// creates no topics.
func KafkaBroker(t testing.TB, n int) *devbroker.Broker {
	t.Helper()
	b, err := devbroker.Start(n)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}
