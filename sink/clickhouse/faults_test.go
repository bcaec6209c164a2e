package clickhouse_test

// Fault tests: the sink against the real ClickHouse server and the dev
// Kafka broker (librdkafka mock cluster) while things break. After each:
// the set of mention ids in ClickHouse equals the set published, the
// leaderboard equals the one of a fault-free load of the same mentions,
// and the DLQ holds exactly the poison records.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/internal/proc"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/localstack"
	"github.com/earshot-dev/earshot/mention"
	chsink "github.com/earshot-dev/earshot/sink/clickhouse"
	"github.com/earshot-dev/earshot/storage"
)

// workload is n enriched mentions (customer posts to klm, every fourth
// record a brand reply to the post before it), encoded, with their ids.
type workload struct {
	ms   []*mention.Mention
	msgs []kafka.Message
	ids  []string // sorted
}

func newWorkload(t testing.TB, n int) *workload {
	t.Helper()
	w := &workload{}
	for i := 0; i < n; i++ {
		m := enriched(i)
		w.ms = append(w.ms, m)
		w.msgs = append(w.msgs, encode(t, m))
		w.ids = append(w.ids, m.ID)
	}
	sort.Strings(w.ids)
	return w
}

// The leaderboard period covering every workload (enriched(i) is created
// 2024-03-01 + 7 s · i).
var lbQuery = analytics.Query{
	Since: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
	Until: time.Date(2024, 3, 8, 0, 0, 0, 0, time.UTC),
}

func leaderboard(t testing.TB, conn driver.Conn, db string) []analytics.Row {
	t.Helper()
	rows, err := analytics.Leaderboard(context.Background(), conn, db, lbQuery)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// faultFree is the leaderboard of the mentions inserted straight into a
// fresh database, once: what every faulty run must reproduce.
func faultFree(t testing.TB, ms []*mention.Mention) []analytics.Row {
	t.Helper()
	e := &env{ch: testenv.ClickHouse(t)}
	conn, err := storage.Open(context.Background(), e.ch)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	e.ch2 = conn
	e.migrate(t)
	var b storage.MentionBlock
	for _, m := range ms {
		if err := b.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := storage.InsertMentions(context.Background(), conn, e.ch.Database, &b); err != nil {
		t.Fatal(err)
	}
	rows := leaderboard(t, conn, e.ch.Database)
	if len(rows) == 0 || rows[0].Inbound == 0 || rows[0].Answered == 0 {
		t.Fatalf("fault-free leaderboard %+v: the workload must have inbound and answered posts", rows)
	}
	return rows
}

// check compares the database of e with the workload: exact id set, the
// fault-free leaderboard, and no poison stored.
func (e *env) check(t testing.TB, w *workload, want []analytics.Row) {
	t.Helper()
	got, rows := e.ids(t)
	if !reflect.DeepEqual(got, w.ids) {
		missing, extra := diff(w.ids, got)
		t.Fatalf("ClickHouse holds %d distinct ids (%d rows), want exactly the %d published: %d missing (e.g. %v), %d extra (e.g. %v)",
			len(got), rows, len(w.ids), len(missing), head(missing), len(extra), head(extra))
	}
	lb := leaderboard(t, e.ch2, e.ch.Database)
	if !reflect.DeepEqual(lb, want) {
		t.Fatalf("leaderboard differs from the fault-free run:\n got %s\nwant %s", fmtRows(lb), fmtRows(want))
	}
	t.Logf("%d ids exact (%d rows in mentions now, %d of them duplicates not merged away yet); leaderboard equals the fault-free run (%s)",
		len(got), rows, rows-uint64(len(got)), fmtRows(lb))
}

func fmtRows(rows []analytics.Row) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "[%s inbound=%d answered=%d pending=%d", r.Brand, r.Inbound, r.Answered, r.Pending)
		if r.FRTMedianSeconds != nil {
			fmt.Fprintf(&b, " median=%.1f p90=%.1f", *r.FRTMedianSeconds, *r.FRTP90Seconds)
		}
		b.WriteString("] ")
	}
	return b.String()
}

func diff(want, got []string) (missing, extra []string) {
	g := map[string]bool{}
	for _, id := range got {
		g[id] = true
	}
	w := map[string]bool{}
	for _, id := range want {
		w[id] = true
		if !g[id] {
			missing = append(missing, id)
		}
	}
	for _, id := range got {
		if !w[id] {
			extra = append(extra, id)
		}
	}
	return missing, extra
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

// groupSink is a sink with a GroupReader running in the background.
type groupSink struct {
	reader *chsink.GroupReader
	m      *chsink.Metrics
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

func (e *env) startGroup(t testing.TB, cfg chsink.Config, insert chsink.InsertFunc) *groupSink {
	t.Helper()
	met := chsink.NewMetrics(prometheus.NewRegistry())
	reader, err := chsink.NewGroupReader(e.kc, e.kc.EnrichedTopic, cfg.Group, met, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	dlq := bus.NewWriter(e.kc, e.kc.DLQTopic)
	s, err := chsink.New(cfg, chsink.Options{Conn: e.ch2, Database: e.ch.Database, Reader: reader, DLQ: dlq, Metrics: met, Insert: insert, Log: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &groupSink{reader: reader, m: met, cancel: cancel, done: make(chan error, 1)}
	go func() { g.done <- s.Run(ctx) }()
	t.Cleanup(func() { g.stop(t); dlq.Close() })
	return g
}

// stop shuts the sink down (final flush and commit), then leaves the
// group, as `earshot sink` does on SIGTERM.
func (g *groupSink) stop(t testing.TB) error {
	t.Helper()
	g.once.Do(func() {
		g.cancel()
		select {
		case g.err = <-g.done:
		case <-time.After(30 * time.Second):
			t.Error("sink did not stop within 30 s")
		}
		g.reader.Close()
	})
	return g.err
}

// testLog shows the sink's warnings and errors in verbose test output.
func testLog(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// publishPaced publishes msgs in chunks, one chunk every interval, in the
// background; the returned channel is closed when all are written.
func publishPaced(t testing.TB, kc bus.Config, msgs []kafka.Message, chunk int, every time.Duration) <-chan struct{} {
	t.Helper()
	done := make(chan struct{})
	w := bus.NewWriter(kc, kc.EnrichedTopic)
	go func() {
		defer close(done)
		defer w.Close()
		for lo := 0; lo < len(msgs); lo += chunk {
			hi := min(lo+chunk, len(msgs))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err := w.WriteMessages(ctx, msgs[lo:hi]...)
			cancel()
			if err != nil {
				t.Errorf("publish records %d–%d: %v", lo, hi, err)
				return
			}
			time.Sleep(every)
		}
	}()
	return done
}

// committed returns the group's committed offset per partition (-1: none).
func committed(t testing.TB, kc bus.Config, group string) map[int]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr := &kafka.Transport{ClientID: "earshot-test", DialTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(kc.Brokers...), Timeout: 10 * time.Second, Transport: tr}
	parts := make([]int, testenv.KafkaPartitions)
	for i := range parts {
		parts[i] = i
	}
	resp, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{kc.EnrichedTopic: parts}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[kc.EnrichedTopic] {
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

// watchCommits samples the group's committed offsets until stop is
// called, and fails the test if a partition's offset ever moves backwards.
func watchCommits(t testing.TB, kc bus.Config, group string) (stop func()) {
	t.Helper()
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		high := map[int]int64{}
		samples := 0
		for {
			select {
			case <-quit:
				t.Logf("committed offsets sampled %d times; never moved backwards", samples)
				return
			case <-time.After(100 * time.Millisecond):
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			tr := &kafka.Transport{ClientID: "earshot-test-watch", DialTimeout: 2 * time.Second}
			client := &kafka.Client{Addr: kafka.TCP(kc.Brokers...), Timeout: 5 * time.Second, Transport: tr}
			resp, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{kc.EnrichedTopic: {0, 1, 2, 3}}})
			cancel()
			tr.CloseIdleConnections()
			if err != nil {
				continue // the broker may be down in this test; sample again
			}
			samples++
			for _, p := range resp.Topics[kc.EnrichedTopic] {
				if p.CommittedOffset < 0 {
					continue
				}
				if p.CommittedOffset < high[p.Partition] {
					t.Errorf("partition %d: committed offset went back from %d to %d", p.Partition, high[p.Partition], p.CommittedOffset)
				}
				high[p.Partition] = max(high[p.Partition], p.CommittedOffset)
			}
		}
	}()
	return func() { close(quit); <-done }
}

// GroupReader commits only what its member owns: after a second member
// joined, a commit covering every partition commits the member's own
// partitions and skips the revoked ones (a kafka-go Reader would commit
// them all, with the new generation's id).
func TestGroupReaderNeverCommitsRevokedPartitions(t *testing.T) {
	t.Parallel() // each has its own broker and database; most of the time is waiting
	e := &env{kc: testenv.Kafka(t)}
	w := newWorkload(t, 200)
	publish(t, e.kc, w.msgs)
	const group = "revoked-test"
	mA := chsink.NewMetrics(prometheus.NewRegistry())
	a, err := chsink.NewGroupReader(e.kc, e.kc.EnrichedTopic, group, mA, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// One record of each partition, fetched while A owns them all.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	last := map[int]kafka.Message{}
	for len(last) < testenv.KafkaPartitions {
		m, err := a.FetchMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		last[m.Partition] = m
	}
	if got := len(a.Owned()); got != testenv.KafkaPartitions {
		t.Fatalf("A owns %d partitions alone, want %d", got, testenv.KafkaPartitions)
	}
	b, err := chsink.NewGroupReader(e.kc, e.kc.EnrichedTopic, group, nil, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	waitFor(t, "the partitions split between A and B", 60*time.Second, func() bool {
		return len(a.Owned()) > 0 && len(b.Owned()) > 0 && len(a.Owned())+len(b.Owned()) == testenv.KafkaPartitions
	})
	owned := map[int]bool{}
	for _, p := range a.Owned() {
		owned[p] = true
	}
	var all []kafka.Message
	for _, m := range last {
		all = append(all, m)
	}
	if err := a.CommitMessages(ctx, all...); err != nil {
		t.Fatal(err)
	}
	got := committed(t, e.kc, group)
	for p, m := range last {
		if owned[p] && got[p] != m.Offset+1 {
			t.Errorf("partition %d (A's): committed %d, want %d", p, got[p], m.Offset+1)
		}
		if !owned[p] && got[p] >= 0 {
			t.Errorf("partition %d (revoked from A): committed %d by A, want nothing", p, got[p])
		}
	}
	if n := val(mA.CommitsSkipped.WithLabelValues("revoked")); n != float64(testenv.KafkaPartitions-len(owned)) {
		t.Errorf("commits_skipped_total{revoked} = %v, want %d", n, testenv.KafkaPartitions-len(owned))
	}
	// Committing the same records again moves nothing.
	if err := a.CommitMessages(ctx, all...); err != nil {
		t.Fatal(err)
	}
	if n := val(mA.CommitsSkipped.WithLabelValues("not_forward")); n != float64(len(owned)) {
		t.Errorf("commits_skipped_total{not_forward} = %v, want %d", n, len(owned))
	}
	if val(mA.Rebalances) < 2 {
		t.Errorf("rebalances_total = %v, want ≥ 2", val(mA.Rebalances))
	}
}

// (d) Poison records among good ones: ClickHouse gets exactly the good
// ids, the DLQ exactly the poison records, the leaderboard is unchanged.
func TestFaultPoisonAmongGood(t *testing.T) {
	t.Parallel() // each has its own broker and database; most of the time is waiting
	e := newEnv(t, true)
	w := newWorkload(t, 3000)
	want := faultFree(t, w.ms)
	poison := map[string]bool{}
	var msgs []kafka.Message
	for i, m := range w.msgs {
		msgs = append(msgs, m)
		if i%97 == 0 {
			var v string
			switch (i / 97) % 4 {
			case 0:
				v = "not json " + strconv.Itoa(i)
			case 1:
				v = strings.Replace(string(m.Value), `"v":1`, `"v":9`, 1)
			case 2:
				v = strings.Replace(string(m.Value), `"created_at":"2024`, `"created_at":"2300`, 1)
			case 3:
				v = `{"v":1,"id":"x:` + strconv.Itoa(i) + `"}`
			}
			poison[v] = true
			msgs = append(msgs, kafka.Message{Key: m.Key, Value: []byte(v)})
		}
	}
	publish(t, e.kc, msgs)
	cfg := testConfig()
	s := e.startGroup(t, cfg, nil)
	waitFor(t, "every record committed", 60*time.Second, func() bool { lag, end := e.lag(t, cfg.Group); return end == int64(len(msgs)) && lag == 0 })
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	e.check(t, w, want)
	dead := e.readTopic(t, e.kc.DLQTopic)
	got := map[string]bool{}
	for _, d := range dead {
		if got[string(d.Value)] {
			t.Errorf("poison record %.60q is twice in the DLQ", d.Value)
		}
		got[string(d.Value)] = true
		if bus.Header(d, bus.HeaderReason) == "" {
			t.Errorf("dead letter %.60q has no reason", d.Value)
		}
	}
	if !reflect.DeepEqual(got, poison) {
		t.Fatalf("DLQ holds %d records, want exactly the %d poison ones", len(got), len(poison))
	}
	t.Logf("DLQ holds exactly the %d poison records", len(poison))
}

// (e) Two sinks in one group rebalancing while consuming: the second
// starts mid-stream, the first stops mid-stream. Exact ids, nothing
// counted twice, committed offsets never move backwards.
func TestFaultRebalanceTwoSinks(t *testing.T) {
	t.Parallel() // each has its own broker and database; most of the time is waiting
	e := newEnv(t, true)
	w := newWorkload(t, 6000)
	want := faultFree(t, w.ms)
	cfg := testConfig()
	cfg.BatchRows = 1000
	cfg.FlushInterval = 700 * time.Millisecond // hold rows across the rebalances
	cfg.ShutdownTimeout = 30 * time.Second     // the machine may be loaded
	stopWatch := watchCommits(t, e.kc, cfg.Group)
	published := publishPaced(t, e.kc, w.msgs, 200, 200*time.Millisecond) // ≈ 6 s
	a := e.startGroup(t, cfg, nil)
	waitFor(t, "A consuming", 30*time.Second, func() bool { return val(a.m.RowsInserted) > 0 })
	b := e.startGroup(t, cfg, nil)
	waitFor(t, "B consuming", 30*time.Second, func() bool { return val(b.m.RowsInserted) > 0 })
	if err := a.stop(t); err != nil {
		t.Fatalf("A: %v", err)
	}
	<-published
	waitFor(t, "every record committed", 60*time.Second, func() bool { lag, end := e.lag(t, cfg.Group); return end == int64(len(w.msgs)) && lag == 0 })
	// A may have committed everything before it left (a loaded machine
	// publishes slowly): B still takes A's partitions in a new generation,
	// a join later.
	waitFor(t, "B in a second generation", 30*time.Second, func() bool { return val(b.m.Rebalances) >= 2 })
	if err := b.stop(t); err != nil {
		t.Fatalf("B: %v", err)
	}
	stopWatch()
	t.Logf("A inserted %v rows, B %v; generations A %v, B %v; stale records dropped A %v, B %v; commits skipped (revoked) A %v, B %v",
		val(a.m.RowsInserted), val(b.m.RowsInserted), val(a.m.Rebalances), val(b.m.Rebalances),
		val(a.m.StaleDropped), val(b.m.StaleDropped),
		val(a.m.CommitsSkipped.WithLabelValues("revoked")), val(b.m.CommitsSkipped.WithLabelValues("revoked")))
	if val(b.m.Rebalances) < 2 {
		t.Errorf("B saw %v generations, want ≥ 2 (joined, then took A's partitions)", val(b.m.Rebalances))
	}
	e.check(t, w, want)
}

// brokerEnv is a one-broker dev cluster the test can take down.
func brokerEnv(t testing.TB) (*env, func(up bool)) {
	t.Helper()
	broker := testenv.KafkaBroker(t, 1)
	kc := bus.DefaultConfig()
	kc.Brokers = broker.BootstrapServers()
	kc.ClientID = "earshot-test"
	kc.Partitions = testenv.KafkaPartitions
	kc.DialTimeout = 2 * time.Second
	if err := broker.CreateTopics(kc); err != nil {
		t.Fatal(err)
	}
	e := &env{kc: kc, ch: testenv.ClickHouse(t)}
	conn, err := storage.Open(context.Background(), e.ch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	e.ch2 = conn
	e.migrate(t)
	return e, func(up bool) {
		var err error
		if up {
			err = broker.SetBrokerUp(1)
		} else {
			err = broker.SetBrokerDown(1)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// slowInsert is the real insert after a pause: it stretches consumption
// over seconds so that faults land in the middle of it.
func slowInsert(e *env, pause time.Duration) chsink.InsertFunc {
	return func(ctx context.Context, cols []any) error {
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return ctx.Err()
		}
		return storage.InsertColumns(ctx, e.ch2, e.ch.Database, cols)
	}
}

// (c) The broker marked down and up during consumption: the sink keeps
// its rows, rejoins and finishes; nothing lost, nothing counted twice.
func TestFaultBrokerDownAndUp(t *testing.T) {
	t.Parallel() // each has its own broker and database; most of the time is waiting
	e, setBroker := brokerEnv(t)
	w := newWorkload(t, 4000)
	want := faultFree(t, w.ms)
	publish(t, e.kc, w.msgs)
	cfg := testConfig()
	cfg.BatchRows = 250
	cfg.FetchBuffer = 100
	s := e.startGroup(t, cfg, slowInsert(e, 150*time.Millisecond)) // ≈ 16 inserts: ≈ 2.5 s of consumption
	waitFor(t, "consumption under way", 30*time.Second, func() bool { return val(s.m.RowsInserted) >= 500 })
	setBroker(false)
	t.Logf("broker down after %v rows inserted", val(s.m.RowsInserted))
	time.Sleep(4 * time.Second)
	setBroker(true)
	t.Logf("broker up after %v rows inserted (commit failures so far: %v)", val(s.m.RowsInserted), val(s.m.CommitErrors))
	waitFor(t, "every record committed", 90*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		lag, end, err := bus.Lag(ctx, e.kc, cfg.Group, e.kc.EnrichedTopic)
		return err == nil && end == int64(len(w.msgs)) && lag == 0
	})
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	t.Logf("generations %v, commit failures %v, rows inserted %v", val(s.m.Rebalances), val(s.m.CommitErrors), val(s.m.RowsInserted))
	e.check(t, w, want)
}

// (b) ClickHouse stopped for 12 s and restarted under load, on a server of
// the test's own (never the shared one): the sink stops consuming, holds
// no more than its bound, resumes by itself; nothing lost or counted twice.
func TestFaultClickHouseDownUnderLoad(t *testing.T) {
	t.Parallel() // each has its own broker and database; most of the time is waiting
	if testing.Short() {
		t.Skip("stops a ClickHouse server for 12 s")
	}
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := localstack.StartClickHouse(ctx, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	ch := storage.DefaultConfig()
	ch.Addr, ch.Database, ch.DialTimeout = srv.Addr(), "fault_ch", 2*time.Second
	conn, err := storage.Open(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	e := &env{kc: testenv.Kafka(t), ch: ch, ch2: conn}
	e.migrate(t)

	w := newWorkload(t, 8000)
	want := faultFree(t, w.ms)
	cfg := testConfig()
	cfg.BatchRows = 500
	cfg.FetchBuffer = 200
	cfg.InsertTimeout = 5 * time.Second
	cfg.RetryMax = time.Second
	bound := float64(cfg.MaxHeld())
	published := publishPaced(t, e.kc, w.msgs, 200, 500*time.Millisecond) // ≈ 20 s of load
	s := e.startGroup(t, cfg, nil)

	var peak atomic.Int64
	quit := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if v := int64(val(s.m.Buffered)); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-quit:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()

	waitFor(t, "rows flowing", 30*time.Second, func() bool { return val(s.m.RowsInserted) >= 1000 })
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	stoppedAt := time.Now()
	atStop := val(s.m.Messages)
	t.Logf("ClickHouse stopped after %v rows inserted", val(s.m.RowsInserted))
	time.Sleep(time.Second) // an insert in flight at the stop may still have completed
	insertedDown := val(s.m.RowsInserted)
	time.Sleep(11 * time.Second)
	during := val(s.m.Messages) - atStop
	inserted := val(s.m.RowsInserted) // before Start: the sink inserts as soon as the server answers
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("ClickHouse back after %s; %v records consumed meanwhile (bound %v); insert errors: %v transient",
		time.Since(stoppedAt).Round(time.Second), during, bound, val(s.m.InsertErrors.WithLabelValues(string(storage.ErrorTransient))))
	if val(s.m.InsertErrors.WithLabelValues(string(storage.ErrorTransient))) == 0 {
		t.Error("no transient insert error while ClickHouse was down")
	}
	if during > bound {
		t.Errorf("consumed %v records while ClickHouse was down, want ≤ %v: the sink must stop consuming", during, bound)
	}
	if inserted != insertedDown {
		t.Errorf("%v rows inserted while ClickHouse was down", inserted-insertedDown)
	}
	<-published
	waitFor(t, "every record committed", 60*time.Second, func() bool { lag, end := e.lag(t, cfg.Group); return end == int64(len(w.msgs)) && lag == 0 })
	close(quit)
	<-sampled
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	t.Logf("peak buffered records %d (bound %v); retrying = %v at the end", peak.Load(), bound, val(s.m.Retrying))
	if float64(peak.Load()) > bound {
		t.Errorf("buffered_records peaked at %d, above the bound %v", peak.Load(), bound)
	}
	if peak.Load() == 0 {
		t.Error("buffered_records never rose above 0: the gauge is not wired")
	}
	if val(s.m.Retrying) != 0 {
		t.Error("retrying still 1 after recovery")
	}
	e.check(t, w, want)
}

// buildEarshot compiles the binary for the process tests.
func buildEarshot(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "earshot")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/earshot")
	cmd.Dir = testenv.RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// metric reads one unlabelled sample from a /metrics page.
func metric(t testing.TB, addr, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == name {
			v, err := strconv.ParseFloat(f[1], 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// (a) kill -9 of an `earshot sink` process holding a batch it has not
// inserted, then a restart: nothing was committed for the lost batch, the
// new process reads it again, and the result is exact.
func TestFaultKillSinkProcess(t *testing.T) {
	t.Parallel() // each has its own broker and database; most of the time is waiting
	if testing.Short() {
		t.Skip("builds and runs the earshot binary")
	}
	e := newEnv(t, true)
	w := newWorkload(t, 5000)
	want := faultFree(t, w.ms)
	bin := buildEarshot(t)
	dir := t.TempDir()
	ports, err := localstack.FreePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	run := func(name, sinkCfg string, port int) (*proc.Child, string) {
		cfgPath := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(cfgPath, []byte("sink:\n"+sinkCfg), 0o644); err != nil {
			t.Fatal(err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		c := &proc.Child{
			Name: name, Path: bin, Args: []string{"sink", "--config", cfgPath},
			Env: []string{
				"EARSHOT_KAFKA_BROKERS=" + strings.Join(e.kc.Brokers, ","),
				"EARSHOT_CLICKHOUSE_ADDR=" + e.ch.Addr,
				"EARSHOT_CLICKHOUSE_DATABASE=" + e.ch.Database,
				"EARSHOT_METRICS_ADDR=" + addr,
				"EARSHOT_LOG_LEVEL=info",
			},
			LogPath: filepath.Join(dir, name+".log"),
		}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Stop(10 * time.Second) })
		return c, addr
	}

	// The first process fetches everything, holds 5000 rows in a batch
	// that only a 10-minute timer or 1M rows would close, and is killed.
	publish(t, e.kc, w.msgs)
	first, addr := run("sink-1", "  batch_rows: 1000000\n  flush_interval: 10m\n", ports[0])
	waitFor(t, "the first sink holding every record", 60*time.Second, func() bool {
		return metric(t, addr, "earshot_sink_messages_total") == float64(len(w.msgs))
	})
	held := metric(t, addr, "earshot_sink_buffered_records")
	if lag, _ := e.lag(t, "earshot-sink"); lag != int64(len(w.msgs)) {
		t.Fatalf("lag %d before the kill, want %d: nothing may be committed before ClickHouse has it", lag, len(w.msgs))
	}
	first.Kill()
	t.Logf("killed pid with SIGKILL while it held %v records", held)
	if held != float64(len(w.msgs)) {
		t.Errorf("buffered_records = %v before the kill, want %d", held, len(w.msgs))
	}
	if ids, _ := e.ids(t); len(ids) != 0 {
		t.Fatalf("%d rows in ClickHouse from a batch that was never flushed", len(ids))
	}

	// The second process, with the default batching, reads it all again.
	second, addr2 := run("sink-2", "  flush_interval: 200ms\n", ports[1])
	waitFor(t, "every record committed", 90*time.Second, func() bool {
		lag, _ := e.lag(t, "earshot-sink")
		return lag == 0
	})
	t.Logf("restarted sink inserted %v rows", metric(t, addr2, "earshot_sink_rows_inserted_total"))
	if err := second.Stop(30 * time.Second); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, second.Tail(2000))
	}
	e.check(t, w, want)

	// Killed mid-stream with rows half inserted: a third process picks up
	// from the committed offsets; duplicates do not count.
	more := newWorkload(t, 7000)
	want = faultFree(t, more.ms)
	published := publishPaced(t, e.kc, more.msgs[5000:], 200, 100*time.Millisecond)
	third, addr3 := run("sink-3", "  batch_rows: 300\n  flush_interval: 300ms\n", ports[0])
	waitFor(t, "the third sink inserting", 60*time.Second, func() bool { return metric(t, addr3, "earshot_sink_rows_inserted_total") >= 600 })
	insertedBefore := metric(t, addr3, "earshot_sink_rows_inserted_total")
	third.Kill()
	t.Logf("killed the third sink mid-stream after it inserted ≥ %v rows", insertedBefore)
	<-published
	fourth, _ := run("sink-4", "  flush_interval: 200ms\n", ports[1])
	waitFor(t, "every record committed", 90*time.Second, func() bool { lag, _ := e.lag(t, "earshot-sink"); return lag == 0 })
	if err := fourth.Stop(30 * time.Second); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, fourth.Tail(2000))
	}
	e.check(t, more, want)
}
