package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bench"
	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/internal/proc"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/localstack"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

// The fault suite runs the multi-process pipeline (the real binary:
// ingest replay, enrich, sink; the dev broker in this process; ClickHouse)
// over a simulated week, once without faults and once per fault, each in
// a database and broker of its own. After each fault the pipeline must
// drain by itself and:
//
//   - the mention ids in ClickHouse are exactly the ids published minus
//     the dead-lettered ones (nothing lost, nothing invented), and a
//     FINAL count equals the distinct ids (nothing double-counted);
//   - the dead-letter topic holds exactly the poison records;
//   - the leaderboard CSV is byte-identical to the fault-free run's;
//   - every worker's peak resident set stays under faultRSSLimit.
const (
	faultSimVolume = "0.5"            // ≈ 13,000 records
	faultSimStart  = "2026-11-09"     // a Monday
	faultSimUntil  = "2026-11-16"     // a week
	faultSpeed     = "100800"         // the week in ≈ 6 s
	faultRSSLimit  = int64(512 << 20) // per worker process
	faultDrain     = 3 * time.Minute  // recovery bound per fault
	faultAt        = 1500 * time.Millisecond
)

type faultSuite struct {
	bin    string
	server storage.Config // Addr and credentials of the shared test server
	prefix string         // database name prefix
	input  string
	ids    map[string]bool // every id in input
}

// faultRun is one pipeline run; the fault hook changes it.
type faultRun struct {
	t      *testing.T
	ctx    context.Context
	p      *bench.Pipeline
	ing    *proc.Child
	ingOut *bench.SyncBuffer
	input  string
	ckpt   string
	speed  string
	// extraIDs were published by the hook and must be stored; expectDLQ
	// records must be dead-lettered.
	extraIDs  []string
	expectDLQ int64
	// mustNotExit: a worker or the replay exiting before the end of the
	// run fails the test (the fault is one every process must survive).
	mustNotExit bool
}

// checkNoExit fails the test if a worker or the replay has exited (with
// an error, for the replay, which otherwise ends when its input is done).
func (r *faultRun) checkNoExit(when string) {
	r.t.Helper()
	for _, w := range []string{bench.WorkerEnrich, bench.WorkerSink} {
		if c := r.p.Worker(w); exited(c) {
			r.t.Fatalf("%s: %s exited: %v: %s", when, w, c.Err(), lastLine(c.Tail(600)))
		}
	}
	if exited(r.ing) && r.ing.Err() != nil {
		r.t.Fatalf("%s: ingest replay exited: %v: %s", when, r.ing.Err(), lastLine(r.ing.Tail(600)))
	}
}

func (r *faultRun) startIngest(resume bool) {
	r.t.Helper()
	args := []string{"replay", r.input, "--speed", r.speed, "--checkpoint", r.ckpt, "--progress", "none"}
	if resume {
		args = append(args, "--resume")
	}
	r.ingOut = &bench.SyncBuffer{}
	ing, err := r.p.StartIngest(r.ingOut, args...)
	if err != nil {
		r.t.Fatal(err)
	}
	r.ing = ing
}

// publishRaw writes records straight to the raw topic, as a source would.
func (r *faultRun) publishRaw(msgs []kafka.Message) {
	r.t.Helper()
	w := bus.NewWriter(r.p.Kafka, r.p.Kafka.RawTopic)
	defer w.Close()
	if err := w.WriteMessages(r.ctx, msgs...); err != nil {
		r.t.Fatalf("publish to the raw topic: %v", err)
	}
}

func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end fault suite")
	}
	ch := testenv.ClickHouse(t)
	s := &faultSuite{bin: buildEarshot(t), server: ch, prefix: ch.Database}
	dir := t.TempDir()
	s.input = filepath.Join(dir, "input.jsonl")
	earshot(t, s.bin, []string{"EARSHOT_CONFIG="}, "ingest", "simulate", "--out", s.input, "--start", faultSimStart,
		"--days", "7", "--volume", faultSimVolume, "--seed", "9", "--progress", "none")
	s.ids = readIDs(t, s.input)
	t.Logf("input: %d simulated mentions", len(s.ids))

	baseline := s.run(t, "baseline", ch.Addr, nil)
	if strings.Count(baseline, "\n") < 5 {
		t.Fatalf("the fault-free leaderboard has too few rows to compare:\n%s", baseline)
	}
	t.Logf("fault-free leaderboard:\n%s", baseline)

	check := func(t *testing.T, got string) {
		t.Helper()
		if got != baseline {
			t.Errorf("leaderboard differs from the fault-free run:\ngot:\n%s\nwant:\n%s", got, baseline)
		}
	}
	for _, w := range []string{"ingest", "enrich", "sink"} {
		t.Run("kill -9 "+w, func(t *testing.T) {
			check(t, s.run(t, "kill_"+w, ch.Addr, func(r *faultRun) {
				sleepCtx(r.ctx, faultAt)
				if w == "ingest" {
					r.ing.Kill()
					r.t.Logf("ingest killed after: %s", lastLine(r.ingOut.String()))
					r.startIngest(true) // resumes from its checkpoint
					return
				}
				if err := r.p.Kill(w); err != nil {
					r.t.Fatal(err)
				}
				sleepCtx(r.ctx, 500*time.Millisecond)
				if err := r.p.StartWorker(w); err != nil {
					r.t.Fatal(err)
				}
			}))
		})
	}
	t.Run("ClickHouse restart", func(t *testing.T) {
		// A private server: restarting the shared one would break the
		// packages testing concurrently.
		st, err := localstack.New(localstack.Config{
			Root: t.TempDir(), Only: []string{localstack.ServerClickHouse}, Install: true,
			StartTimeout: 90 * time.Second, StopTimeout: 30 * time.Second, LockTimeout: time.Minute,
			Log: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		ep, err := st.Up(ctx)
		if err != nil {
			t.Fatalf("private ClickHouse: %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := st.Down(ctx); err != nil {
				t.Errorf("stop the private ClickHouse: %v", err)
			}
		})
		check(t, s.run(t, "ch_restart", ep.ClickHouseAddr, func(r *faultRun) {
			sleepCtx(r.ctx, faultAt)
			if err := st.Down(r.ctx); err != nil {
				r.t.Fatalf("stop ClickHouse: %v", err)
			}
			sleepCtx(r.ctx, 2*time.Second)
			ep2, err := st.Up(r.ctx)
			if err != nil {
				r.t.Fatalf("restart ClickHouse: %v", err)
			}
			if ep2.ClickHouseAddr != ep.ClickHouseAddr {
				r.t.Fatalf("ClickHouse came back on %s, not %s", ep2.ClickHouseAddr, ep.ClickHouseAddr)
			}
		}))
	})
	t.Run("broker down and up", func(t *testing.T) {
		check(t, s.run(t, "broker_down", ch.Addr, func(r *faultRun) {
			sleepCtx(r.ctx, faultAt)
			if err := r.p.Broker.SetBrokerDown(1); err != nil {
				r.t.Fatal(err)
			}
			sleepCtx(r.ctx, 3*time.Second)
			if err := r.p.Broker.SetBrokerUp(1); err != nil {
				r.t.Fatal(err)
			}
			// No supervisor here: every process must ride the outage out
			// by itself (retrying with back-off) and none may exit. A
			// restart is only for the kill -9 cases, where the test
			// itself killed the process.
			sleepCtx(r.ctx, time.Second)
			r.mustNotExit = true
			r.checkNoExit("after the broker came back")
			// What the processes said about the outage (one warn per
			// outage and operation, then the recovery).
			for name, tail := range map[string]string{"enrich": r.p.Worker(bench.WorkerEnrich).Tail(20000), "ingest": r.ing.Tail(20000)} {
				for _, line := range strings.Split(tail, "\n") {
					if strings.Contains(line, "msg=\"kafka: ") {
						r.t.Logf("%s: %s", name, line)
					}
				}
			}
		}))
	})
	t.Run("slow ClickHouse", func(t *testing.T) {
		proxy := startSlowProxy(t, ch.Addr)
		check(t, s.run(t, "ch_slow", proxy.Addr(), func(r *faultRun) {
			sleepCtx(r.ctx, time.Second)
			proxy.SetDelay(300 * time.Millisecond) // every chunk to ClickHouse
			sleepCtx(r.ctx, 5*time.Second)
			proxy.SetDelay(0)
		}))
	})
	t.Run("1% poison records", func(t *testing.T) {
		check(t, s.run(t, "poison", ch.Addr, func(r *faultRun) {
			sleepCtx(r.ctx, faultAt)
			msgs := poisonRecords(len(s.ids) / 100)
			r.publishRaw(msgs)
			r.expectDLQ = int64(len(msgs))
		}))
	})
	t.Run("skewed source clock", func(t *testing.T) {
		check(t, s.run(t, "skew", ch.Addr, func(r *faultRun) {
			sleepCtx(r.ctx, faultAt)
			// DESIGN: created_at is the platform's time, kept as given;
			// up to 24 h in the future is tolerated as clock skew, more
			// is an invalid record for the DLQ. These posts mention no
			// brand and lie outside the leaderboard's week.
			now := time.Now().UTC()
			var msgs []kafka.Message
			for i, skew := range []time.Duration{3 * time.Hour, 20 * time.Hour, -6 * time.Hour, -72 * time.Hour, 30 * time.Hour, 48 * time.Hour} {
				for j := range 10 {
					id := fmt.Sprintf("%d-%d", i, j)
					m := &mention.Mention{V: 1, ID: mention.QualifiedID("skew", id), Platform: "skew", NativeID: id,
						CreatedAt: now.Add(skew).Truncate(time.Second), IngestedAt: now.Truncate(time.Second), Source: "skewed-test",
						Author: mention.Author{ID: "u" + id, Handle: "someone" + id}, Text: "lovely weather on the hills today " + id}
					m.ConversationID = m.ID
					v, err := json.Marshal(m)
					if err != nil {
						r.t.Fatal(err)
					}
					msgs = append(msgs, kafka.Message{Key: []byte(m.ID), Value: v})
					if skew > 24*time.Hour {
						r.expectDLQ++
					} else {
						r.extraIDs = append(r.extraIDs, m.ID)
					}
				}
			}
			r.publishRaw(msgs)
		}))
	})
	t.Run("flood", func(t *testing.T) {
		// The whole week published by a source at once, as fast as the
		// broker takes it (≈10⁵ mentions/s here, over 10× the pipeline's
		// sustainable rate): back-pressure, bounded memory, recovery.
		check(t, s.runAt(t, "flood", ch.Addr, "", func(r *faultRun) {
			msgs := inputMessages(t, s.input)
			start := time.Now()
			r.publishRaw(msgs)
			d := time.Since(start)
			t.Logf("flood: %d mentions published in %s (%.0f/s)", len(msgs), d.Round(time.Millisecond), float64(len(msgs))/d.Seconds())
		}))
	})
}

// run runs the pipeline over the input into database <prefix>_<name>
// with ClickHouse at addr, calls fault (nil: none) while ingest runs,
// waits until everything is drained, checks ids, DLQ and memory, and
// returns the leaderboard CSV.
func (s *faultSuite) run(t *testing.T, name, addr string, fault func(*faultRun)) string {
	t.Helper()
	return s.runAt(t, name, addr, faultSpeed, fault)
}

// runAt is run with the replay at speed.
func (s *faultSuite) runAt(t *testing.T, name, addr, speed string, fault func(*faultRun)) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	chc := s.server
	chc.Addr = addr
	chc.Database = s.prefix + "_" + name
	p, err := bench.NewPipeline(ctx, bench.PipelineConfig{Exe: s.bin, Dir: filepath.Join(dir, "run"), ClickHouse: chc, Partitions: 8, Env: []string{"EARSHOT_CONFIG="}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, w := range []string{bench.WorkerEnrich, bench.WorkerSink} {
				if c := p.Worker(w); c != nil {
					t.Logf("%s log (tail):\n%s", w, c.Tail(2500))
				}
			}
		}
		if err := p.Close(); err != nil {
			t.Errorf("stop the workers: %v", err)
		}
		conn, err := bench.OpenClickHouse(s.server, "")
		if err == nil {
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+chc.Database); err != nil {
				t.Logf("drop %s: %v", chc.Database, err)
			}
		}
	})
	if err := p.StartWorkers(); err != nil {
		t.Fatal(err)
	}
	mem := watchMemory(ctx, p)
	var stages0 bench.StageSample
	if fault == nil {
		stages0 = sampleStages(ctx, t, p)
	}
	r := &faultRun{t: t, ctx: ctx, p: p, input: s.input, ckpt: filepath.Join(dir, "input.ckpt"), speed: speed}
	start := time.Now()
	if speed != "" { // "": the hook is the only source
		r.startIngest(false)
	}
	if fault != nil {
		fault(r)
	}
	if r.ing != nil {
		if err := r.ing.Wait(ctx); err != nil {
			t.Fatalf("ingest replay: %v\n%s", err, r.ing.Tail(3000))
		}
	}
	published := time.Since(start)
	g, err := p.WaitDrained(ctx, 0, faultDrain)
	if err != nil {
		t.Fatal(err)
	}
	if r.mustNotExit {
		r.checkNoExit("after the drain")
	}
	if fault == nil {
		// The stage times bench e2e reads from the workers' /metrics:
		// the names exist and the fractions are plausible.
		u := bench.Stages(stages0, sampleStages(ctx, t, p))
		t.Logf("%s: enrich busy %.2f, enrich writing %.2f, sink inserts in flight %.2f", name, u.EnrichBusy, u.EnrichWrite, u.SinkInFlight)
		if !u.OK || u.EnrichBusy <= 0 || u.EnrichBusy > 1.05 || u.EnrichWrite <= 0 || u.SinkInFlight <= 0 || u.SinkInFlight > 2.05 {
			t.Errorf("stage usage %+v: want enrich busy in (0, 1], writing > 0, inserts in flight in (0, 2]", u)
		}
	}
	t.Logf("%s: drained in %s (ingest done after %s): raw %d, enriched %d, dead letters %d",
		name, time.Since(start).Round(time.Millisecond), published.Round(time.Millisecond), g.Raw, g.Enriched, g.DLQ)
	peaks := mem()

	// Ids: exactly the published ones minus the dead letters.
	want := map[string]bool{}
	for id := range s.ids {
		want[id] = true
	}
	for _, id := range r.extraIDs {
		want[id] = true
	}
	conn, err := bench.OpenClickHouse(chc, chc.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	got := map[string]bool{}
	rows, err := conn.Query(ctx, "SELECT DISTINCT id FROM mentions")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got[id] = true
	}
	rows.Close()
	var missing, extra []string
	for id := range want {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	for id := range got {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("ids in ClickHouse: %d missing (e.g. %v), %d unexpected (e.g. %v), of %d expected", len(missing), head(missing), len(extra), head(extra), len(want))
	}
	var final, distinct uint64
	if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(id) FROM mentions FINAL").Scan(&final, &distinct); err != nil {
		t.Fatal(err)
	}
	if final != distinct {
		t.Errorf("mentions FINAL has %d rows for %d ids: a mention counted twice", final, distinct)
	}
	if g.DLQ != r.expectDLQ {
		t.Errorf("dead letters: %d, want %d", g.DLQ, r.expectDLQ)
	}
	for w, peak := range peaks {
		t.Logf("%s: %s peak RSS %d MiB", name, w, peak>>20)
		if peak > faultRSSLimit {
			t.Errorf("%s peak RSS %d MiB > %d MiB", w, peak>>20, faultRSSLimit>>20)
		}
	}
	out, err := p.Run(ctx, "leaderboard", "leaderboard", "--since", faultSimStart, "--until", faultSimUntil, "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// watchMemory samples the workers' peak RSS (across restarts) every
// 200 ms until the returned function is called, which returns the peaks.
func watchMemory(ctx context.Context, p *bench.Pipeline) func() map[string]int64 {
	var mu sync.Mutex
	peaks := map[string]int64{}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	sample := func() {
		for _, w := range []string{bench.WorkerEnrich, bench.WorkerSink} {
			c := p.Worker(w)
			if c == nil {
				continue
			}
			if s, err := bench.ReadProc(c.Pid()); err == nil {
				mu.Lock()
				peaks[w] = max(peaks[w], s.Peak, s.RSS)
				mu.Unlock()
			}
		}
	}
	go func() {
		defer close(done)
		for {
			sample()
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	return func() map[string]int64 {
		sample()
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peaks
	}
}

// poisonRecords are n raw records that enrich must dead-letter, of every
// kind a broken source produces.
func poisonRecords(n int) []kafka.Message {
	kinds := []func(i int) string{
		func(i int) string { return fmt.Sprintf("not json %d", i) },
		func(i int) string { return fmt.Sprintf(`{"v":1,"id":"poison:%d"`, i) }, // truncated
		func(i int) string {
			return fmt.Sprintf(`{"v":99,"id":"poison:%d","platform":"poison","native_id":"%d"}`, i, i)
		},
		func(i int) string {
			return fmt.Sprintf(`{"v":1,"id":"poison:%d","platform":"poison","native_id":"%d","created_at":"yesterday"}`, i, i)
		},
		func(i int) string { return "\xff\xfe" + fmt.Sprint(i) },
		func(i int) string { return fmt.Sprintf(`[%d]`, i) },
	}
	msgs := make([]kafka.Message, n)
	for i := range n {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprintf("poison-%d", i)), Value: []byte(kinds[i%len(kinds)](i))}
	}
	return msgs
}

// exited reports whether c ran and has exited.
func exited(c *proc.Child) bool {
	if c == nil {
		return false
	}
	select {
	case <-c.Done():
		return true
	default:
		return false
	}
}

// inputMessages are the input's records as raw-topic messages keyed by
// conversation, as ingest publishes them.
func inputMessages(t testing.TB, path string) []kafka.Message {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []kafka.Message
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		m, err := mention.Decode([]byte(line))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		msgs = append(msgs, kafka.Message{Key: []byte(m.ConversationID), Value: []byte(line)})
	}
	return msgs
}

func readIDs(t testing.TB, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.ID == "" {
			t.Fatalf("%s: not a record: %q", path, sc.Text())
		}
		ids[r.ID] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// sampleStages reads the workers' stage times, waiting for both to serve
// /metrics.
func sampleStages(ctx context.Context, t *testing.T, p *bench.Pipeline) bench.StageSample {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.SampleStages(ctx)
		if s.Err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("read the workers' stage times: %v", s.Err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
