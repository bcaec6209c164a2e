// Package devbroker is earshot's development Kafka broker: librdkafka's
// mock cluster (confluent-kafka-go's kafka.NewMockCluster, cgo) serving
// the real Kafka protocol on loopback, in-process. kafka-go producers,
// consumer groups and the admin calls earshot uses work against it.
//
// It is for tests and for trying earshot out, never for production. Its
// limits, measured:
//
//   - It keeps only about 5 MiB per partition and silently drops older
//     messages. Consume while producing, compress, or use more partitions,
//     and never let a test pass by losing data there.
//   - Each broker's listen backlog is 5: many partitions × connections
//     overflow it, so stay at 8–12 partitions or fewer.
//   - Joining a consumer group always takes about 3 s.
//   - Everything is in memory and gone on Close; it does not decompress,
//     so a real broker is slower.
package devbroker

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/earshot-dev/earshot/bus"
)

// MaxBrokers bounds Start's broker count (a dev cluster, not a fleet).
const MaxBrokers = 16

// Broker is a running mock Kafka cluster. Broker ids are 1..n.
type Broker struct {
	mu      sync.Mutex
	mc      *kafka.MockCluster
	n       int
	servers []string
	// destroy stops the cluster (mc.Close; a test may replace it).
	destroy func()
}

// CloseWait bounds Close. librdkafka's mock-cluster destroy has been seen
// to block for good (once in CI, 16 minutes inside
// rd_kafka_mock_cluster_destroy while the test's kafka-go clients were
// still connected); past CloseWait, Close returns and leaves the cluster's
// threads to the process's exit.
var CloseWait = 30 * time.Second

// Start starts a mock cluster of brokers brokers (1..MaxBrokers) on free
// loopback ports.
func Start(brokers int) (*Broker, error) {
	if brokers < 1 || brokers > MaxBrokers {
		return nil, fmt.Errorf("devbroker: %d brokers; want 1..%d", brokers, MaxBrokers)
	}
	mc, err := kafka.NewMockCluster(brokers)
	if err != nil {
		return nil, fmt.Errorf("devbroker: start mock cluster: %w", err)
	}
	var servers []string
	for _, s := range strings.Split(mc.BootstrapServers(), ",") {
		if s = strings.TrimSpace(s); s != "" {
			servers = append(servers, s)
		}
	}
	if len(servers) == 0 {
		mc.Close()
		return nil, errors.New("devbroker: mock cluster reported no bootstrap servers")
	}
	return &Broker{mc: mc, n: brokers, servers: servers, destroy: mc.Close}, nil
}

// BootstrapServers returns the brokers' host:port addresses.
func (b *Broker) BootstrapServers() []string {
	return append([]string(nil), b.servers...)
}

// Brokers is the number of brokers.
func (b *Broker) Brokers() int { return b.n }

// SetBrokerDown makes broker id (1..n) stop answering: its connections
// are closed and new ones refused until SetBrokerUp.
func (b *Broker) SetBrokerDown(id int) error {
	return b.call(id, func(mc *kafka.MockCluster) error { return mc.SetBrokerDown(id) })
}

// SetBrokerUp brings broker id (1..n) back.
func (b *Broker) SetBrokerUp(id int) error {
	return b.call(id, func(mc *kafka.MockCluster) error { return mc.SetBrokerUp(id) })
}

// CreateTopic creates topic in the mock cluster; an existing topic is
// left as it is. The mock does not implement the CreateTopics request, so
// topics are created here (bus.EnsureTopics then finds them).
func (b *Broker) CreateTopic(topic string, partitions, replicationFactor int) error {
	if topic == "" || partitions < 1 || replicationFactor < 1 {
		return fmt.Errorf("devbroker: create topic %q with %d partitions × %d replicas: want a name and counts ≥ 1", topic, partitions, replicationFactor)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mc == nil {
		return errors.New("devbroker: closed")
	}
	err := b.mc.CreateTopic(topic, partitions, min(replicationFactor, b.n))
	var kerr kafka.Error
	if err != nil && !(errors.As(err, &kerr) && kerr.Code() == kafka.ErrTopicAlreadyExists) {
		return fmt.Errorf("devbroker: create topic %s: %w", topic, err)
	}
	return nil
}

// CreateTopics creates c's raw, enriched and DLQ topics with c.Partitions
// partitions (replicas capped at the broker count).
func (b *Broker) CreateTopics(c bus.Config) error {
	for _, t := range []string{c.RawTopic, c.EnrichedTopic, c.DLQTopic} {
		if err := b.CreateTopic(t, c.Partitions, c.ReplicationFactor); err != nil {
			return err
		}
	}
	return nil
}

func (b *Broker) call(id int, f func(*kafka.MockCluster) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mc == nil {
		return errors.New("devbroker: closed")
	}
	if id < 1 || id > b.n {
		return fmt.Errorf("devbroker: broker id %d; want 1..%d", id, b.n)
	}
	if err := f(b.mc); err != nil {
		return fmt.Errorf("devbroker: broker %d: %w", id, err)
	}
	return nil
}

// Close stops the cluster; its data is gone. Closing twice is safe. It
// waits at most CloseWait for the cluster to stop (see CloseWait).
func (b *Broker) Close() {
	b.mu.Lock()
	destroy := b.destroy
	b.mc, b.destroy = nil, nil
	b.mu.Unlock()
	if destroy == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		destroy()
	}()
	select {
	case <-done:
	case <-time.After(CloseWait):
		slog.Warn("devbroker: the mock cluster did not stop; left to the process's exit", "waited", CloseWait, "brokers", b.servers)
	}
}
