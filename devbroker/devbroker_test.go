package devbroker_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/devbroker"
)

func start(t *testing.T, n int) *devbroker.Broker {
	t.Helper()
	b, err := devbroker.Start(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func busConfig(b *devbroker.Broker, partitions int) bus.Config {
	c := bus.DefaultConfig()
	c.Brokers = b.BootstrapServers()
	c.ClientID = "devbroker-test"
	c.Partitions = partitions
	c.DialTimeout = 5 * time.Second
	return c
}

func TestStartValidates(t *testing.T) {
	for _, n := range []int{-1, 0, devbroker.MaxBrokers + 1} {
		if b, err := devbroker.Start(n); err == nil {
			b.Close()
			t.Errorf("Start(%d) succeeded, want an error", n)
		}
	}
}

func TestBootstrapServers(t *testing.T) {
	b := start(t, 3)
	servers := b.BootstrapServers()
	if len(servers) != 3 {
		t.Fatalf("BootstrapServers = %v, want 3 addresses", servers)
	}
	for _, s := range servers {
		host, port, err := net.SplitHostPort(s)
		if err != nil || host == "" {
			t.Fatalf("%q is not host:port", s)
		}
		if p, err := strconv.Atoi(port); err != nil || p <= 0 {
			t.Fatalf("%q has a bad port", s)
		}
	}
	// The result is a copy.
	servers[0] = "mutated"
	if b.BootstrapServers()[0] == "mutated" {
		t.Fatal("BootstrapServers returned the broker's own slice")
	}
}

func TestBrokerDownUp(t *testing.T) {
	b := start(t, 3)
	addr := b.BootstrapServers()[1] // broker id 2
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	apiVersions := func() error {
		conn, err := kafka.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
		_, err = conn.ApiVersions()
		return err
	}
	if err := apiVersions(); err != nil {
		t.Fatalf("broker 2 before SetBrokerDown: %v", err)
	}
	if err := b.SetBrokerDown(2); err != nil {
		t.Fatal(err)
	}
	if err := apiVersions(); err == nil {
		t.Fatal("broker 2 answered while down")
	}
	if err := b.SetBrokerUp(2); err != nil {
		t.Fatal(err)
	}
	if err := apiVersions(); err != nil {
		t.Fatalf("broker 2 after SetBrokerUp: %v", err)
	}
	for _, id := range []int{0, 4} {
		if err := b.SetBrokerDown(id); err == nil {
			t.Errorf("SetBrokerDown(%d) succeeded on a 3-broker cluster", id)
		}
	}
	b.Close()
	b.Close() // twice is safe
	if err := b.SetBrokerUp(1); err == nil {
		t.Error("SetBrokerUp after Close succeeded")
	}
}

func TestTopics(t *testing.T) {
	b := start(t, 1)
	c := busConfig(b, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The mock does not implement CreateTopics: EnsureTopics alone fails
	// with an error that says what to do …
	if err := bus.EnsureTopics(ctx, c); err == nil {
		t.Fatal("EnsureTopics created topics on the mock cluster; devbroker's docs are out of date")
	}
	// … and succeeds once devbroker created them.
	if err := b.CreateTopics(c); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateTopics(c); err != nil {
		t.Fatalf("CreateTopics twice: %v", err)
	}
	if err := bus.EnsureTopics(ctx, c); err != nil {
		t.Fatal(err)
	}
	conn, err := kafka.DialContext(ctx, "tcp", c.Brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, topic := range []string{c.RawTopic, c.EnrichedTopic, c.DLQTopic} {
		parts, err := conn.ReadPartitions(topic)
		if err != nil {
			t.Fatal(err)
		}
		if len(parts) != 4 {
			t.Errorf("%s: %d partitions, want 4", topic, len(parts))
		}
	}
	if err := b.CreateTopic("", 1, 1); err == nil {
		t.Error("CreateTopic with an empty name succeeded")
	}
	if err := b.CreateTopic("x", 0, 1); err == nil {
		t.Error("CreateTopic with 0 partitions succeeded")
	}
}

// consumed records what the readers of a group saw.
type consumed struct {
	mu       sync.Mutex
	byValue  map[string]int // value → times committed
	byReader map[string]int // reader → messages
	keyPart  map[string]int // key → partition
	lastOff  map[int]int64  // partition → last offset
	errs     []error
	total    int
	done     chan struct{}
	want     int
	reorders map[int]bool
	// uncommitted are values whose commit failed (a rebalance moved the
	// partition): Kafka redelivers them to the new owner, so they may be
	// seen twice.
	uncommitted map[string]bool
	// readers are the readers that delivered each value. A value both
	// readers delivered moved with its partition in a rebalance: the old
	// owner had fetched it before the rebalance and committed it after,
	// in the new generation (a broker accepts a commit from any member of
	// the current generation), while the new owner had already read it
	// from the previous commit. That is at-least-once too; so is one
	// reader reading a message again from the last commit when it keeps
	// the partition across a rebalance.
	readers map[string]map[string]bool
}

func newConsumed(want int) *consumed {
	return &consumed{
		byValue: map[string]int{}, byReader: map[string]int{}, keyPart: map[string]int{},
		lastOff: map[int]int64{}, done: make(chan struct{}), want: want, reorders: map[int]bool{},
		uncommitted: map[string]bool{}, readers: map[string]map[string]bool{},
	}
}

func (c *consumed) add(reader string, m kafka.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byValue[string(m.Value)]++
	c.byReader[reader]++
	if c.readers[string(m.Value)] == nil {
		c.readers[string(m.Value)] = map[string]bool{}
	}
	c.readers[string(m.Value)][reader] = true
	if c.byValue[string(m.Value)] > 1 {
		c.total++ // a redelivery: no new key, offset or completion to record
		return
	}
	if p, ok := c.keyPart[string(m.Key)]; ok && p != m.Partition {
		c.errs = append(c.errs, fmt.Errorf("key %s on partitions %d and %d", m.Key, p, m.Partition))
	}
	c.keyPart[string(m.Key)] = m.Partition
	if last, ok := c.lastOff[m.Partition]; ok && m.Offset <= last && !c.uncommitted[string(m.Value)] {
		c.reorders[m.Partition] = true
	}
	c.lastOff[m.Partition] = m.Offset
	c.total++
	if len(c.byValue) == c.want {
		close(c.done)
	}
}

// summary is the state for a failure message.
func (c *consumed) summary() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("%d distinct of %d wanted, %d deliveries, per reader %v, commit failures %d, errors %v",
		len(c.byValue), c.want, c.total, c.byReader, len(c.uncommitted), c.errs)
}

// consume fetches and commits one message at a time until ctx ends. A
// commit that fails (a rebalance took the partition away under load) is
// noted and consuming goes on: that message may be delivered again to the
// partition's new owner — at-least-once, as Kafka promises.
func consume(ctx context.Context, name string, r *kafka.Reader, into *consumed, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return
		}
		if err := r.CommitMessages(ctx, m); err != nil {
			if ctx.Err() != nil {
				return
			}
			into.mu.Lock()
			into.uncommitted[string(m.Value)] = true
			into.mu.Unlock()
		}
		into.add(name, m)
	}
}

func writeN(ctx context.Context, t *testing.T, c bus.Config, topic string, from, n int) {
	t.Helper()
	w := bus.NewWriter(c, topic)
	defer w.Close()
	batch := make([]kafka.Message, 0, c.WriteBatchSize)
	for i := from; i < from+n; i++ {
		batch = append(batch, kafka.Message{Key: []byte("conv-" + strconv.Itoa(i%500)), Value: []byte(strconv.Itoa(i))})
		if len(batch) == cap(batch) || i == from+n-1 {
			if err := w.WriteMessages(ctx, batch...); err != nil {
				t.Fatalf("write: %v", err)
			}
			batch = batch[:0]
		}
	}
}

// TestConsumerGroupWithBus is the dev broker's contract with package bus:
// a RequireAll writer, two group readers sharing the partitions, every
// message delivered at least once (a few again around rebalances, at most
// 1 %), and a restarted reader resuming from the committed offsets.
func TestConsumerGroupWithBus(t *testing.T) {
	if testing.Short() {
		t.Skip("joins consumer groups (≈3 s each on the mock)")
	}
	const n = 10_000
	b := start(t, 1)
	c := busConfig(b, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if err := b.CreateTopics(c); err != nil {
		t.Fatal(err)
	}
	if err := bus.EnsureTopics(ctx, c); err != nil {
		t.Fatal(err)
	}
	writeN(ctx, t, c, c.RawTopic, 0, n)

	const group = "earshot-devbroker-test"
	got := newConsumed(n)
	rctx, rcancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	readers := []*kafka.Reader{bus.NewReader(c, c.RawTopic, group), bus.NewReader(c, c.RawTopic, group)}
	for i, r := range readers {
		wg.Add(1)
		go consume(rctx, fmt.Sprintf("reader-%d", i), r, got, &wg)
	}
	select {
	case <-got.done:
	case <-ctx.Done():
		t.Fatalf("before the deadline: %s", got.summary())
	}
	// Give a stray duplicate the chance to show up before stopping.
	time.Sleep(300 * time.Millisecond)
	rcancel()
	wg.Wait()
	for _, r := range readers {
		if err := r.Close(); err != nil {
			t.Errorf("close reader: %v", err)
		}
	}

	got.mu.Lock()
	for _, err := range got.errs {
		t.Error(err)
	}
	if len(got.byValue) != n {
		t.Fatalf("got %d distinct messages, want %d", len(got.byValue), n)
	}
	// Redeliveries come only from rebalances (the uncommitted and readers
	// notes above; the same reader may also read a partition again from
	// its last commit when it keeps it across a rebalance): a few around
	// each rebalance, never a re-read of what was committed long before.
	extra, moved := 0, 0
	for v, k := range got.byValue {
		extra += k - 1
		if k > 1 && len(got.readers[v]) > 1 {
			moved++
		}
	}
	if extra > n/100 {
		t.Errorf("%d redeliveries of %d messages: more than rebalances explain (%s)", extra, n, got.summary())
	}
	if extra > 0 {
		t.Logf("%d redeliveries around rebalances (%d by both readers, %d after a failed commit): at-least-once", extra, moved, len(got.uncommitted))
	}
	if len(got.uncommitted) > 0 {
		t.Logf("%d commits failed during rebalances (redelivered, at-least-once)", len(got.uncommitted))
	}
	if len(got.byReader) != 2 {
		t.Errorf("messages per reader %v: want both readers of the group to get partitions", got.byReader)
	}
	if len(got.reorders) != 0 {
		t.Errorf("offsets went backwards on partitions %v", got.reorders)
	}
	got.mu.Unlock()

	// Restart: a new reader in the same group continues after the
	// committed offsets and sees only what was written since.
	const more = 1000
	writeN(ctx, t, c, c.RawTopic, n, more)
	again := newConsumed(more)
	r := bus.NewReader(c, c.RawTopic, group)
	defer r.Close()
	rctx2, rcancel2 := context.WithCancel(ctx)
	wg.Add(1)
	go consume(rctx2, "restarted", r, again, &wg)
	select {
	case <-again.done:
	case <-ctx.Done():
		t.Fatalf("restarted reader, before the deadline: %s", again.summary())
	}
	time.Sleep(300 * time.Millisecond)
	rcancel2()
	wg.Wait()
	again.mu.Lock()
	defer again.mu.Unlock()
	for _, err := range again.errs {
		t.Error(err)
	}
	if again.total != more {
		t.Fatalf("restarted reader got %d messages, want the %d new ones", again.total, more)
	}
	for v := range again.byValue {
		if i, _ := strconv.Atoi(v); i < n {
			t.Errorf("restarted reader got old message %s: it did not resume from the committed offsets", v)
		}
	}
}
