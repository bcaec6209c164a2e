package bus_test

// Integration tests against the dev broker (the librdkafka mock cluster,
// in-process, real Kafka protocol).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/internal/testenv"
)

func testContext(tb testing.TB, d time.Duration) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}

// keyed returns n messages over keys distinct keys, each value naming its
// key and its rank among the messages of that key.
func keyed(n, keys int) []kafka.Message {
	msgs := make([]kafka.Message, n)
	seq := map[int]int{}
	for i := range msgs {
		k := i % keys
		msgs[i] = kafka.Message{
			Key:   fmt.Appendf(nil, "conv-%02d", k),
			Value: fmt.Appendf(nil, "conv-%02d/%d", k, seq[k]),
		}
		seq[k]++
	}
	return msgs
}

func write(tb testing.TB, ctx context.Context, c bus.Config, topic string, msgs []kafka.Message) {
	tb.Helper()
	w := bus.NewWriter(c, topic)
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		w.Close()
		tb.Fatalf("WriteMessages: %v", err)
	}
	if err := w.Close(); err != nil {
		tb.Fatalf("writer Close: %v", err)
	}
}

// readTopic reads every message stored in topic, partition by partition,
// straight from the broker (no consumer group).
func readTopic(tb testing.TB, ctx context.Context, c bus.Config, topic string, partitions int) []kafka.Message {
	tb.Helper()
	tr := &kafka.Transport{ClientID: c.ClientID, DialTimeout: c.DialTimeout}
	defer tr.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(c.Brokers...), Transport: tr}
	var out []kafka.Message
	for p := 0; p < partitions; p++ {
		offset := int64(0)
		for {
			resp, err := client.Fetch(ctx, &kafka.FetchRequest{Topic: topic, Partition: p, Offset: offset, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 50 * time.Millisecond})
			if err != nil {
				tb.Fatalf("fetch %s/%d@%d: %v", topic, p, offset, err)
			}
			if resp.Error != nil {
				tb.Fatalf("fetch %s/%d@%d: %v", topic, p, offset, resp.Error)
			}
			if offset >= resp.HighWatermark {
				break
			}
			for {
				r, err := resp.Records.ReadRecord()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					tb.Fatalf("read %s/%d: %v", topic, p, err)
				}
				k, _ := io.ReadAll(r.Key)
				v, _ := io.ReadAll(r.Value)
				out = append(out, kafka.Message{Topic: topic, Partition: p, Offset: r.Offset, Key: k, Value: v})
				offset = r.Offset + 1
			}
		}
	}
	return out
}

func TestWriterKeepsAKeyOnOnePartition(t *testing.T) {
	c := testenv.Kafka(t)
	ctx := testContext(t, 30*time.Second)

	// Two separate writers (two processes, or a restart) must agree on
	// where a key goes.
	first, second := keyed(60, 20), keyed(60, 20)
	write(t, ctx, c, c.RawTopic, first)
	write(t, ctx, c, c.RawTopic, second)

	got := readTopic(t, ctx, c, c.RawTopic, c.Partitions)
	if len(got) != len(first)+len(second) {
		t.Fatalf("read %d messages, wrote %d", len(got), len(first)+len(second))
	}
	partOf := map[string]int{}
	used := map[int]bool{}
	perKey := map[string][]string{}
	for _, m := range got { // partition by partition, offset order
		k := string(m.Key)
		if p, ok := partOf[k]; ok && p != m.Partition {
			t.Fatalf("key %s on partitions %d and %d", k, p, m.Partition)
		}
		partOf[k] = m.Partition
		used[m.Partition] = true
		if !strings.HasPrefix(string(m.Value), k+"/") {
			t.Fatalf("message %s/%d@%d: key %s with value %s", m.Topic, m.Partition, m.Offset, k, m.Value)
		}
		perKey[k] = append(perKey[k], string(m.Value))
	}
	if len(partOf) != 20 {
		t.Fatalf("%d distinct keys read, want 20", len(partOf))
	}
	if len(used) < 2 {
		t.Fatalf("20 keys all hashed to partition(s) %v of %d: the balancer does not spread keys", used, c.Partitions)
	}
	// Within a key, order is the write order (both batches: ranks 0,1,2 of
	// the first writer, then 0,1,2 of the second).
	for k, vs := range perKey {
		want := []string{k + "/0", k + "/1", k + "/2", k + "/0", k + "/1", k + "/2"}
		if strings.Join(vs, " ") != strings.Join(want, " ") {
			t.Errorf("key %s read in order %v, want %v", k, vs, want)
		}
	}
	// The hash is kafka-go's (murmur2-compatible with the Java client is
	// not promised; consistency with kafka.Hash is): check it directly.
	parts := make([]int, c.Partitions)
	for i := range parts {
		parts[i] = i
	}
	for k, p := range partOf {
		if want := (&kafka.Hash{}).Balance(kafka.Message{Key: []byte(k)}, parts...); want != p {
			t.Errorf("key %s on partition %d, kafka.Hash says %d", k, p, want)
		}
	}
}

func TestWriterToMissingTopicFails(t *testing.T) {
	c := testenv.Kafka(t)
	c.DialTimeout = 2 * time.Second
	ctx := testContext(t, 20*time.Second)
	w := bus.NewWriter(c, "earshot.no.such.topic")
	w.MaxAttempts = 2 // keep the retries short; the failure is permanent anyway
	defer w.Close()
	err := w.WriteMessages(ctx, kafka.Message{Key: []byte("k"), Value: []byte("v")})
	if err == nil {
		t.Fatal("WriteMessages to a missing topic succeeded; the writer must not create topics")
	}
}

func lag(tb testing.TB, ctx context.Context, c bus.Config, group, topic string) (int64, int64) {
	tb.Helper()
	l, e, err := bus.Lag(ctx, c, group, topic)
	if err != nil {
		tb.Fatalf("Lag(%s, %s): %v", group, topic, err)
	}
	return l, e
}

// TestReaderCommitAndLag: a group reader fetches everything, commits
// nothing by itself, and Lag follows exactly what was committed.
func TestReaderCommitAndLag(t *testing.T) {
	t.Parallel()
	c := testenv.Kafka(t)
	ctx := testContext(t, 60*time.Second)
	const n, group = 40, "earshot-test-lag"
	topic := c.EnrichedTopic

	if l, e := lag(t, ctx, c, group, topic); l != 0 || e != 0 {
		t.Fatalf("empty topic: lag %d end %d, want 0 0", l, e)
	}
	write(t, ctx, c, topic, keyed(n, 13))
	// Before any commit (the group does not even exist yet) the whole
	// topic is lag.
	if l, e := lag(t, ctx, c, group, topic); l != n || e != n {
		t.Fatalf("before any commit: lag %d end %d, want %d %d", l, e, n, n)
	}

	r := bus.NewReader(c, topic, group)
	defer r.Close()
	var got []kafka.Message
	for len(got) < n {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("FetchMessage after %d: %v", len(got), err)
		}
		got = append(got, m)
	}
	// Fetching is not committing.
	if l, _ := lag(t, ctx, c, group, topic); l != n {
		t.Fatalf("after fetching without commit: lag %d, want %d", l, n)
	}

	// Commit the first message of each partition and the whole of one
	// partition: lag is what is left, computed from what was fetched.
	byPart := map[int][]kafka.Message{}
	for _, m := range got {
		byPart[m.Partition] = append(byPart[m.Partition], m)
	}
	if len(byPart) < 2 {
		t.Fatalf("messages on %d partition(s); the test needs ≥ 2", len(byPart))
	}
	ps := make([]int, 0, len(byPart))
	for p := range byPart {
		ps = append(ps, p)
	}
	sort.Ints(ps)
	var commit []kafka.Message
	var committed int64
	for i, p := range ps {
		ms := byPart[p]
		for j := 1; j < len(ms); j++ {
			if ms[j].Offset <= ms[j-1].Offset {
				t.Fatalf("partition %d fetched out of order: %d after %d", p, ms[j].Offset, ms[j-1].Offset)
			}
		}
		last := ms[0]
		if i == 0 {
			last = ms[len(ms)-1]
		}
		commit = append(commit, last)
		committed += last.Offset + 1
	}
	if err := r.CommitMessages(ctx, commit...); err != nil {
		t.Fatalf("CommitMessages: %v", err)
	}
	if l, e := lag(t, ctx, c, group, topic); l != n-committed || e != n {
		t.Fatalf("after a partial commit: lag %d end %d, want %d %d", l, e, n-committed, n)
	}
	if n-committed <= 0 || committed <= 0 {
		t.Fatalf("partial commit covered %d of %d; not partial", committed, n)
	}

	// Committing everything (in any order) leaves no lag.
	rev := make([]kafka.Message, len(got))
	for i, m := range got {
		rev[len(got)-1-i] = m
	}
	if err := r.CommitMessages(ctx, rev...); err != nil {
		t.Fatalf("CommitMessages: %v", err)
	}
	if l, e := lag(t, ctx, c, group, topic); l != 0 || e != n {
		t.Fatalf("after committing everything: lag %d end %d, want 0 %d", l, e, n)
	}

	// New messages are lag again; another group has its own offsets.
	write(t, ctx, c, topic, keyed(5, 5))
	if l, e := lag(t, ctx, c, group, topic); l != 5 || e != n+5 {
		t.Fatalf("after 5 more: lag %d end %d, want 5 %d", l, e, n+5)
	}
	if l, _ := lag(t, ctx, c, "earshot-test-other-group", topic); l != n+5 {
		t.Fatalf("other group: lag %d, want %d", l, n+5)
	}
}

// TestReaderResumesFromCommit: a second reader of the same group starts
// after the committed offsets, not from the beginning and not after what
// the first one merely fetched.
//
// It takes ≈ 13 s (on the mock cluster the second reader's join takes
// ≈ 9 s), so it runs in parallel with the other tests.
func TestReaderResumesFromCommit(t *testing.T) {
	t.Parallel()
	c := testenv.Kafka(t)
	ctx := testContext(t, 60*time.Second)
	const group = "earshot-test-resume"
	topic := c.DLQTopic // 4 partitions; keep all messages on one key
	msgs := make([]kafka.Message, 6)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte("one-key"), Value: fmt.Appendf(nil, "m%d", i)}
	}
	write(t, ctx, c, topic, msgs)

	r1 := bus.NewReader(c, topic, group)
	var fetched []kafka.Message
	for len(fetched) < 4 {
		m, err := r1.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("FetchMessage: %v", err)
		}
		fetched = append(fetched, m)
	}
	if err := r1.CommitMessages(ctx, fetched[1]); err != nil { // m0, m1 acknowledged
		t.Fatalf("CommitMessages: %v", err)
	}
	if err := r1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	r2 := bus.NewReader(c, topic, group)
	defer r2.Close()
	m, err := r2.FetchMessage(ctx)
	if err != nil {
		t.Fatalf("FetchMessage: %v", err)
	}
	if string(m.Value) != "m2" {
		t.Fatalf("second reader starts at %q, want m2 (the first unacknowledged)", m.Value)
	}
}

func TestLagMissingTopic(t *testing.T) {
	c := testenv.Kafka(t)
	ctx := testContext(t, 20*time.Second)
	_, _, err := bus.Lag(ctx, c, "g", "earshot.no.such.topic")
	if err == nil {
		t.Fatal("Lag on a missing topic: nil error")
	}
	if !strings.Contains(err.Error(), "earshot.no.such.topic") {
		t.Fatalf("Lag error %q does not name the topic", err)
	}
}

// TestLagSeesTopicCreatedLater: Lag asks the broker, not a process-wide
// metadata cache, so a topic created after a first call is seen at once.
func TestLagSeesTopicCreatedLater(t *testing.T) {
	b := testenv.KafkaBroker(t, 1)
	c := bus.DefaultConfig()
	c.Brokers = b.BootstrapServers()
	c.DialTimeout = 5 * time.Second
	ctx := testContext(t, 20*time.Second)
	const topic = "earshot.test.late"
	if _, _, err := bus.Lag(ctx, c, "g", topic); err == nil {
		t.Fatal("Lag before the topic exists: nil error")
	}
	if err := b.CreateTopic(topic, 2, 1); err != nil {
		t.Fatal(err)
	}
	l, e, err := bus.Lag(ctx, c, "g", topic)
	if err != nil || l != 0 || e != 0 {
		t.Fatalf("Lag right after creating the topic = %d, %d, %v; want 0, 0, nil", l, e, err)
	}
}

func TestLagUnreachable(t *testing.T) {
	c := bus.DefaultConfig()
	c.Brokers = []string{closedAddr(t)}
	c.DialTimeout = 500 * time.Millisecond
	ctx := testContext(t, 2*time.Second)
	if _, _, err := bus.Lag(ctx, c, "g", c.RawTopic); err == nil {
		t.Fatal("Lag with no broker listening: nil error")
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestWaitReachable(t *testing.T) {
	t.Run("dev broker", func(t *testing.T) {
		c := testenv.Kafka(t)
		if err := bus.WaitReachable(testContext(t, 10*time.Second), c); err != nil {
			t.Fatalf("WaitReachable: %v", err)
		}
	})
	t.Run("one of two", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		c := bus.DefaultConfig()
		c.Brokers = []string{closedAddr(t), ln.Addr().String()}
		if err := bus.WaitReachable(testContext(t, 5*time.Second), c); err != nil {
			t.Fatalf("WaitReachable: %v", err)
		}
	})
	t.Run("comes up later", func(t *testing.T) {
		addr := closedAddr(t)
		c := bus.DefaultConfig()
		c.Brokers = []string{addr}
		ctx := testContext(t, 10*time.Second)
		errc := make(chan error, 1)
		go func() { errc <- bus.WaitReachable(ctx, c) }()
		time.Sleep(200 * time.Millisecond)
		select {
		case err := <-errc:
			t.Fatalf("WaitReachable returned %v before anything listened", err)
		default:
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("port %s taken meanwhile: %v", addr, err)
		}
		defer ln.Close()
		if err := <-errc; err != nil {
			t.Fatalf("WaitReachable after the broker came up: %v", err)
		}
	})
	t.Run("nothing listens", func(t *testing.T) {
		a1, a2 := closedAddr(t), closedAddr(t)
		c := bus.DefaultConfig()
		c.Brokers = []string{a1, a2}
		start := time.Now()
		err := bus.WaitReachable(testContext(t, 700*time.Millisecond), c)
		if err == nil {
			t.Fatal("WaitReachable with nothing listening: nil error")
		}
		if !strings.Contains(err.Error(), a1+","+a2) {
			t.Fatalf("error %q does not name the broker list %s,%s", err, a1, a2)
		}
		if !strings.Contains(err.Error(), "refused") {
			t.Fatalf("error %q does not say why (connection refused)", err)
		}
		if d := time.Since(start); d < 600*time.Millisecond || d > 5*time.Second {
			t.Fatalf("WaitReachable returned after %s; want it to retry until ctx ends (700ms)", d)
		}
	})
}

func TestEnsureTopicsIdempotent(t *testing.T) {
	c := testenv.Kafka(t) // runs EnsureTopics once already
	ctx := testContext(t, 30*time.Second)
	write(t, ctx, c, c.RawTopic, keyed(10, 10))
	for i := 0; i < 2; i++ {
		if err := bus.EnsureTopics(ctx, c); err != nil {
			t.Fatalf("EnsureTopics #%d: %v", i+2, err)
		}
	}
	// Asking for more partitions does not recreate or change existing
	// topics, and their data stays.
	c2 := c
	c2.Partitions = testenv.KafkaPartitions * 2
	if err := bus.EnsureTopics(ctx, c2); err != nil {
		t.Fatalf("EnsureTopics with another partition count: %v", err)
	}
	tr := &kafka.Transport{DialTimeout: c.DialTimeout}
	defer tr.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(c.Brokers...), Transport: tr}
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{c.RawTopic, c.EnrichedTopic, c.DLQTopic}})
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Topics) != 3 {
		t.Fatalf("metadata lists %d topics, want 3", len(md.Topics))
	}
	for _, tp := range md.Topics {
		if tp.Error != nil || len(tp.Partitions) != testenv.KafkaPartitions {
			t.Errorf("topic %s: %d partitions, err %v; want %d", tp.Name, len(tp.Partitions), tp.Error, testenv.KafkaPartitions)
		}
	}
	if _, e := lag(t, ctx, c, "g", c.RawTopic); e != 10 {
		t.Fatalf("raw topic holds %d messages after EnsureTopics, want 10", e)
	}
}

// TestEnsureTopicsWithoutCreateTopics: the dev broker does not implement
// CreateTopics. With the topics missing, EnsureTopics fails and says how
// to create them; once they exist (created by devbroker), it needs no
// CreateTopics at all.
func TestEnsureTopicsWithoutCreateTopics(t *testing.T) {
	b := testenv.KafkaBroker(t, 1)
	c := bus.DefaultConfig()
	c.Brokers = b.BootstrapServers()
	c.Partitions = 2
	c.DialTimeout = 5 * time.Second
	ctx := testContext(t, 30*time.Second)

	err := bus.EnsureTopics(ctx, c)
	if err == nil {
		t.Fatal("EnsureTopics on a broker without the topics and without CreateTopics: nil error")
	}
	for _, want := range []string{c.Brokers[0], "devbroker.CreateTopics"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("EnsureTopics error %q does not mention %q", err, want)
		}
	}

	// Only the DLQ topic missing: still an error (not a silent partial
	// success).
	if err := b.CreateTopic(c.RawTopic, c.Partitions, 1); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateTopic(c.EnrichedTopic, c.Partitions, 1); err != nil {
		t.Fatal(err)
	}
	if err := bus.EnsureTopics(ctx, c); err == nil {
		t.Fatal("EnsureTopics with the DLQ topic missing: nil error")
	}

	if err := b.CreateTopics(c); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := bus.EnsureTopics(ctx, c); err != nil {
			t.Fatalf("EnsureTopics #%d after devbroker created the topics: %v", i+1, err)
		}
	}
}

// TestLagMonitor exports the group's lag as a gauge: all of it before a
// commit, none after, and counts a failed measurement.
func TestLagMonitor(t *testing.T) {
	c := testenv.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	msgs := make([]kafka.Message, 50)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprint(i)), Value: []byte("v")}
	}
	write(t, ctx, c, c.RawTopic, msgs)

	reg := prometheus.NewRegistry()
	m := bus.NewLagMonitor(c, "lag-monitor-test", c.RawTopic, time.Second, reg, nil)
	if lag, err := m.Measure(ctx); err != nil || lag != 50 {
		t.Fatalf("Measure = %d, %v; want 50", lag, err)
	}
	gauge := func() float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "earshot_kafka_consumer_lag_records" {
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatal("earshot_kafka_consumer_lag_records not exported")
		return 0
	}
	if g := gauge(); g != 50 {
		t.Fatalf("gauge = %v, want 50", g)
	}

	r := bus.NewReader(c, c.RawTopic, "lag-monitor-test")
	defer r.Close()
	for seen := 0; seen < 50; seen++ {
		msg, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.CommitMessages(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	if lag, err := m.Measure(ctx); err != nil || lag != 0 {
		t.Fatalf("after committing everything Measure = %d, %v; want 0", lag, err)
	}
	if g := gauge(); g != 0 {
		t.Fatalf("gauge = %v, want 0", g)
	}

	bad := bus.NewLagMonitor(c, "lag-monitor-test", "no.such.topic", time.Second, reg, nil)
	if _, err := bad.Measure(ctx); err == nil {
		t.Fatal("Measure on a missing topic succeeded")
	}
}

// Every kafka.compression codec writes batches that the dev broker accepts
// and that both a plain fetch and the consumer-group reader give back
// byte for byte.
func TestWriterCompressionCodecs(t *testing.T) {
	for _, tc := range []struct {
		codec string
		want  kafka.Compression
	}{{"none", 0}, {"gzip", kafka.Gzip}, {"snappy", kafka.Snappy}, {"lz4", kafka.Lz4}, {"zstd", kafka.Zstd}} {
		codec := tc.codec
		t.Run(codec, func(t *testing.T) {
			c := testenv.Kafka(t)
			c.Compression = codec
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			if w := bus.NewWriter(c, c.RawTopic); w.Compression != tc.want {
				t.Fatalf("writer codec %v, want %v", w.Compression, tc.want)
			}
			ctx := testContext(t, 30*time.Second)
			msgs := keyed(200, 7)
			for i := range msgs { // compressible, like JSON mentions
				msgs[i].Value = append(msgs[i].Value, bytes.Repeat([]byte(` "text":"flight delayed"`), 20)...)
			}
			write(t, ctx, c, c.RawTopic, msgs)
			got := readTopic(t, ctx, c, c.RawTopic, c.Partitions)
			if len(got) != len(msgs) {
				t.Fatalf("fetched %d messages, wrote %d", len(got), len(msgs))
			}
			want := map[string]int{}
			for _, m := range msgs {
				want[string(m.Key)+"\x00"+string(m.Value)]++
			}
			for _, m := range got {
				k := string(m.Key) + "\x00" + string(m.Value)
				if want[k] == 0 {
					t.Fatalf("fetched %s/%d@%d %q, which was not written (or not decompressed)", m.Topic, m.Partition, m.Offset, m.Value)
				}
				want[k]--
			}
			r := bus.NewReader(c, c.RawTopic, "codec-"+codec)
			defer r.Close()
			m, err := r.FetchMessage(ctx)
			if err != nil {
				t.Fatalf("group reader: %v", err)
			}
			if !bytes.HasPrefix(m.Value, m.Key) || !bytes.HasSuffix(m.Value, []byte(`"flight delayed"`)) {
				t.Fatalf("group reader got %q", m.Value)
			}
		})
	}
}
