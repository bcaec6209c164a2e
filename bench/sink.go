package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/ingest/simulate"
	"github.com/earshot-dev/earshot/internal/embedded"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
	chsink "github.com/earshot-dev/earshot/sink/clickhouse"
	"github.com/earshot-dev/earshot/storage"
)

// SinkConfig configures `bench sink`.
type SinkConfig struct {
	// N is the number of enriched mentions written.
	N int
	// Database is dropped and migrated afresh; Database+"_ceiling" too.
	// The name must contain "bench" (it is dropped).
	Database string
	// Partitions of the benchmark topic.
	Partitions int
	// MaxAhead bounds, per partition, the bytes published but not yet
	// fetched by the sink: the dev broker keeps only ≈5 MiB per partition.
	MaxAhead int
	// ClickHouseClient is the clickhouse-client executable.
	ClickHouseClient string
	// Keep leaves the databases in place at the end.
	Keep bool
	// Sink is the sink's configuration (production defaults).
	Sink chsink.Config
	// Seed is the simulator's seed.
	Seed uint64
	// Stall fails the run when the sink inserts nothing for this long.
	Stall time.Duration
	// Prefill publishes every record before the sink starts (the ceiling's
	// file, too, is complete before clickhouse-client starts); the sink
	// then competes with nothing but the broker serving its fetches.
	// Without it the records are published while the sink consumes,
	// paced by MaxAhead.
	Prefill bool
	// Settle bounds the wait, before each phase, for the server's
	// background merges to finish (so that neither phase pays for the
	// other's merges).
	Settle time.Duration
}

// DefaultSinkConfig: 500,000 mentions, database earshot_bench, 16
// partitions (so that the dev broker holds all of them at once: ≈ 3.6 MiB
// per partition with zstd, the default kafka.compression), 3 MiB ahead
// when paced, the sink's production defaults.
func DefaultSinkConfig() SinkConfig {
	return SinkConfig{
		N:                500_000,
		Database:         "earshot_bench",
		Partitions:       16,
		MaxAhead:         3 << 20,
		ClickHouseClient: "clickhouse-client",
		Sink:             chsink.DefaultConfig(),
		Seed:             1,
		Stall:            2 * time.Minute,
		Settle:           2 * time.Minute,
		Prefill:          true,
	}
}

var benchDBRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate names the field that is wrong and the fix.
func (c SinkConfig) Validate() error {
	switch {
	case c.N < 1 || c.N > 50_000_000:
		return fmt.Errorf("bench sink: n %d, want 1..50000000", c.N)
	case !benchDBRe.MatchString(c.Database) || !strings.Contains(strings.ToLower(c.Database), "bench"):
		return fmt.Errorf("bench sink: database %q: want a plain identifier containing \"bench\" (it is dropped and re-created), e.g. earshot_bench", c.Database)
	case c.Partitions < 1 || c.Partitions > 64:
		return fmt.Errorf("bench sink: partitions %d, want 1..64 (the dev broker is happiest at ≤ 12)", c.Partitions)
	case c.MaxAhead < 64<<10:
		return fmt.Errorf("bench sink: max ahead %d bytes, want ≥ 65536", c.MaxAhead)
	case c.ClickHouseClient == "":
		return errors.New("bench sink: clickhouse-client: empty; name the executable")
	case c.Stall <= 0:
		return errors.New("bench sink: stall timeout must be > 0")
	case c.Settle <= 0:
		return errors.New("bench sink: settle timeout must be > 0")
	}
	return c.Sink.Validate()
}

// SinkEnv is what `bench sink` runs against.
type SinkEnv struct {
	// Env holds the ClickHouse and Kafka to use (embedded.Start).
	Env *embedded.Env
	// Pipeline enriches the generated mentions.
	Pipeline *enrich.Pipeline
	Registry *registry.Registry
	Log      *slog.Logger
	// Progress receives a line per step; nil discards.
	Progress io.Writer
}

// Sink runs the sink benchmark (see the bench sink command's help) and
// reports n, partitions, the sink's batch settings, record_bytes,
// sink_inserts, publish_waits, publish_seconds, sink_seconds (first fetch
// to last confirmed insert), sink_insert_seconds (time inside the
// INSERTs: the rest is Kafka fetch and decode), sink_phase_cpu_seconds
// (this process: publisher, broker, sink), json_bytes, ceiling_seconds,
// ratio, ceiling_rows_per_sec and last sink_rows_per_sec. It fails when either table does not hold exactly N
// distinct ids at the end.
func Sink(ctx context.Context, cfg SinkConfig, env SinkEnv) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	out := env.Progress
	if out == nil {
		out = io.Discard
	}
	say := func(format string, args ...any) { fmt.Fprintf(out, "bench sink: "+format+"\n", args...) }

	// 1. Data.
	began := time.Now()
	msgs, err := GenerateEnriched(ctx, cfg.N, cfg.Seed, env.Registry, env.Pipeline)
	if err != nil {
		return nil, err
	}
	say("%d enriched mentions generated in %s", len(msgs), time.Since(began).Round(time.Millisecond))
	jsonFile, err := os.CreateTemp("", "earshot-bench-*.jsonl")
	if err != nil {
		return nil, err
	}
	defer os.Remove(jsonFile.Name())
	defer jsonFile.Close()
	jsonBytes, err := writeRowsFile(jsonFile, msgs)
	if err != nil {
		return nil, err
	}

	// 2. Databases.
	chc := env.Env.ClickHouse
	chc.Database = cfg.Database
	conn, err := storage.Open(ctx, chc)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ceilingDB := cfg.Database + "_ceiling"
	for _, db := range []string{cfg.Database, ceilingDB} {
		if err := freshDatabase(ctx, conn, chc, db); err != nil {
			return nil, err
		}
	}
	if !cfg.Keep {
		defer func() {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			for _, db := range []string{cfg.Database, ceilingDB} {
				if err := conn.Exec(dctx, "DROP DATABASE IF EXISTS "+db); err != nil {
					log.Warn("bench sink: drop database", "database", db, "err", err)
				}
			}
		}()
	}
	say("databases %s and %s migrated afresh on %s", cfg.Database, ceilingDB, chc.Addr)

	// 3. The sink from Kafka.
	kc := env.Env.Kafka
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	kc.RawTopic = "earshot.bench." + suffix + ".raw"
	kc.EnrichedTopic = "earshot.bench." + suffix + ".enriched"
	kc.DLQTopic = "earshot.bench." + suffix + ".dlq"
	kc.Partitions = cfg.Partitions
	if err := env.Env.CreateTopics(ctx, kc); err != nil {
		return nil, fmt.Errorf("bench sink: create topics: %w", err)
	}
	// Each phase starts on an idle server: background merges left by the
	// migrations (or by the other phase) would otherwise slow whichever
	// phase runs second.
	quiet1, err := waitMergesDone(ctx, conn, cfg.Settle)
	if err != nil {
		return nil, err
	}
	sinkRes, err := runSink(ctx, cfg, kc, conn, chc.Database, msgs, log, say)
	if err != nil {
		return nil, err
	}
	if err := checkDistinct(ctx, conn, cfg.Database, cfg.N); err != nil {
		return nil, err
	}
	say("sink: %d rows in %.3f s (%d inserts); %s.mentions holds exactly %d distinct ids", cfg.N, sinkRes.seconds, sinkRes.inserts, cfg.Database, cfg.N)

	// 4. The ceiling: clickhouse-client loads the same rows from a file.
	quiet2, err := waitMergesDone(ctx, conn, cfg.Settle)
	if err != nil {
		return nil, err
	}
	say("server idle before each phase (waited %.1f s and %.1f s for background merges)", quiet1.Seconds(), quiet2.Seconds())
	ceilSec, err := loadWithClient(ctx, cfg.ClickHouseClient, chc, ceilingDB, jsonFile.Name())
	if err != nil {
		return nil, err
	}
	if err := checkDistinct(ctx, conn, ceilingDB, cfg.N); err != nil {
		return nil, err
	}
	say("ceiling: clickhouse-client loaded %d rows (%d bytes of JSONEachRow) in %.3f s", cfg.N, jsonBytes, ceilSec)

	sinkRate := float64(cfg.N) / sinkRes.seconds
	ceilRate := float64(cfg.N) / ceilSec
	r := &Report{}
	r.int("n", int64(cfg.N))
	r.int("partitions", int64(cfg.Partitions))
	r.int("sink_batch_rows", int64(cfg.Sink.BatchRows))
	r.int("sink_batch_bytes", int64(cfg.Sink.BatchBytes))
	r.add("sink_flush_interval", cfg.Sink.FlushInterval.String())
	r.int("record_bytes", sinkRes.bytes)
	r.int("sink_inserts", sinkRes.inserts)
	r.int("publish_waits", sinkRes.waits)
	r.float("publish_seconds", sinkRes.pubS, 3)
	r.float("sink_seconds", sinkRes.seconds, 3)
	r.float("sink_insert_seconds", sinkRes.insertS, 3)
	r.float("sink_phase_cpu_seconds", sinkRes.cpuS, 3)
	r.int("json_bytes", jsonBytes)
	r.float("ceiling_seconds", ceilSec, 3)
	r.float("ratio", sinkRate/ceilRate, 3)
	r.float("ceiling_rows_per_sec", ceilRate, 0)
	r.float("sink_rows_per_sec", sinkRate, 0)
	return r, nil
}

// GenerateEnriched returns n enriched records (key = conversation, value =
// Mention v1 JSON): the simulator's traffic from seed, scaled in volume to
// give at least n records, the first n of them in time order, enriched by
// pipe on every core.
func GenerateEnriched(ctx context.Context, n int, seed uint64, reg *registry.Registry, pipe *enrich.Pipeline) ([]kafka.Message, error) {
	cfg := simulate.DefaultConfig()
	cfg.Seed = seed
	cfg.Volume = max(0.05, float64(n)/20000)
	var sim *simulate.Simulation
	for attempt := 0; ; attempt++ {
		if cfg.Volume > simulate.MaxVolume {
			cfg.Days = min(simulate.MaxDays, int(math.Ceil(float64(cfg.Days)*cfg.Volume/simulate.MaxVolume)))
			cfg.Volume = simulate.MaxVolume
		}
		var err error
		if sim, err = Simulated(cfg, reg); err != nil {
			return nil, err
		}
		if len(sim.Mentions) >= n {
			break
		}
		if attempt == 4 || len(sim.Mentions) == 0 {
			return nil, fmt.Errorf("bench: the simulator gave %d records, fewer than %d", len(sim.Mentions), n)
		}
		cfg.Volume *= 1.1 * float64(n) / float64(len(sim.Mentions))
	}
	ms := sim.Mentions[:n]
	out := make([]kafka.Message, n)
	version := pipe.Version()
	workers := runtime.GOMAXPROCS(0)
	chunk := (n + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				if i%4096 == 0 && ctx.Err() != nil {
					errs[w] = ctx.Err()
					return
				}
				m := ms[i]
				if err := pipe.Enrich(ctx, m); err != nil {
					errs[w] = fmt.Errorf("bench: enrich %s: %w", m.ID, err)
					return
				}
				t := time.Now().UTC()
				m.EnrichedAt, m.Enricher = &t, version
				v, err := mention.Encode(m)
				if err != nil {
					errs[w] = fmt.Errorf("bench: encode %s: %w", m.ID, err)
					return
				}
				out[i] = kafka.Message{Key: m.PartitionKey(), Value: v}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// writeRowsFile writes the records as the sink would store them, in
// JSONEachRow, and returns the bytes written.
func writeRowsFile(f *os.File, msgs []kafka.Message) (int64, error) {
	cw := &countWriter{w: bufio.NewWriterSize(f, 1<<20)}
	var b storage.MentionBlock
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		err := writeJSONEachRow(cw, b.Columns(), b.Len())
		b.Reset()
		return err
	}
	for _, msg := range msgs {
		m, err := mention.Decode(msg.Value)
		if err != nil {
			return 0, fmt.Errorf("bench: generated record does not decode: %w", err)
		}
		if err := b.Append(m); err != nil {
			return 0, fmt.Errorf("bench: generated record %s does not fit the table: %w", m.ID, err)
		}
		if b.Len() >= 10_000 {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	if err := cw.w.(*bufio.Writer).Flush(); err != nil {
		return 0, err
	}
	return cw.n, f.Sync()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// freshDatabase drops db and migrates it from scratch.
func freshDatabase(ctx context.Context, conn driver.Conn, chc storage.Config, db string) error {
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		return fmt.Errorf("bench sink: drop database %s: %w", db, err)
	}
	c := chc
	c.Database = db
	c.Cluster = ""
	m, err := storage.NewMigrator(conn, c)
	if err != nil {
		return err
	}
	if _, err := m.Up(ctx); err != nil {
		return fmt.Errorf("bench sink: migrate %s: %w", db, err)
	}
	return nil
}

func checkDistinct(ctx context.Context, conn driver.Conn, db string, n int) error {
	var distinct, rows uint64
	if err := conn.QueryRow(ctx, "SELECT uniqExact(id), count() FROM "+db+".mentions").Scan(&distinct, &rows); err != nil {
		return fmt.Errorf("bench sink: count %s.mentions: %w", db, err)
	}
	if distinct != uint64(n) {
		return fmt.Errorf("bench sink: %s.mentions holds %d distinct ids (%d rows), want exactly %d: data was lost or extra data written", db, distinct, rows, n)
	}
	return nil
}

// waitMergesDone waits until system.merges has been empty on three polls
// in a row, 100 ms apart, and returns how long that took. It gives up with
// an error after limit.
func waitMergesDone(ctx context.Context, conn driver.Conn, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	for idle := 0; idle < 3; {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.merges").Scan(&n); err != nil {
			return 0, fmt.Errorf("bench sink: read system.merges: %w", err)
		}
		if n == 0 {
			idle++
		} else {
			idle = 0
		}
		if time.Since(start) > limit {
			return 0, fmt.Errorf("bench sink: the server still had %d merges running after %s", n, limit)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return time.Since(start), nil
}

// countingReader counts, per partition, the bytes the sink fetched, and
// remembers when it fetched first.
type countingReader struct {
	r       *chsink.GroupReader
	fetched []atomic.Int64
	first   atomic.Int64 // UnixNano
}

func (c *countingReader) FetchMessage(ctx context.Context) (kafka.Message, error) {
	m, err := c.r.FetchMessage(ctx)
	if err == nil {
		c.first.CompareAndSwap(0, time.Now().UnixNano())
		if m.Partition >= 0 && m.Partition < len(c.fetched) {
			c.fetched[m.Partition].Add(int64(len(m.Key) + len(m.Value)))
		}
	}
	return m, err
}

func (c *countingReader) CommitMessages(ctx context.Context, msgs ...kafka.Message) error {
	return c.r.CommitMessages(ctx, msgs...)
}

type sinkResult struct {
	seconds float64
	insertS float64 // time inside the INSERTs
	pubS    float64 // from the first publish to the last acknowledged one
	cpuS    float64 // this process's CPU time during the sink phase
	inserts int64
	waits   int64
	bytes   int64
}

// runSink publishes msgs to kc.EnrichedTopic while the real sink consumes
// them into db, and times the sink from its first fetch to the insert that
// completed the N rows.
func runSink(ctx context.Context, cfg SinkConfig, kc bus.Config, conn driver.Conn, db string, msgs []kafka.Message, log *slog.Logger, say func(string, ...any)) (sinkResult, error) {
	var res sinkResult
	if cfg.Prefill {
		// Every record is on the broker before the sink starts, as the
		// ceiling's file is written before clickhouse-client starts.
		t0 := time.Now()
		if err := publish(ctx, kc, cfg, msgs, nil, nil); err != nil {
			return res, fmt.Errorf("bench sink: publish: %w", err)
		}
		res.pubS = time.Since(t0).Seconds()
		if err := checkRetained(ctx, kc, cfg.Partitions); err != nil {
			return res, err
		}
		say("%d records published before the sink started (%.1f s)", len(msgs), res.pubS)
	}
	group := "earshot-bench-sink-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	// The production reader (as `earshot sink` builds it): commits only
	// partitions this member owns.
	gr, err := chsink.NewGroupReader(kc, kc.EnrichedTopic, group, nil, log)
	if err != nil {
		return res, err
	}
	reader := &countingReader{r: gr, fetched: make([]atomic.Int64, cfg.Partitions)}
	defer reader.r.Close()
	dlq := bus.NewWriter(kc, kc.DLQTopic)
	defer dlq.Close()
	cfg.Sink.Group = group
	var rows, inserts, lastInsert, insertNanos atomic.Int64
	sink, err := chsink.New(cfg.Sink, chsink.Options{
		Conn: conn, Database: db, Reader: reader, DLQ: dlq, Log: log,
		// The production insert, counted.
		Insert: func(ctx context.Context, cols []any) error {
			t0 := time.Now()
			err := storage.InsertColumns(ctx, conn, db, cols)
			insertNanos.Add(int64(time.Since(t0)))
			if err != nil {
				return err
			}
			rows.Add(int64(reflect.ValueOf(cols[0]).Len()))
			inserts.Add(1)
			lastInsert.Store(time.Now().UnixNano())
			return nil
		},
	})
	if err != nil {
		return res, err
	}

	// The sink's GC target, as `earshot sink` sets it.
	defer cfg.Sink.ApplyGC()()
	sctx, stopSink := context.WithCancel(ctx)
	defer stopSink()
	sinkDone := make(chan error, 1)
	go func() { sinkDone <- sink.Run(sctx) }()

	// The publisher: never more than MaxAhead bytes per partition beyond
	// what the sink fetched.
	pctx, stopPub := context.WithCancel(ctx)
	defer stopPub()
	var pubDone chan error
	var waits, pubEnd atomic.Int64
	cpu0 := cpuSeconds()
	pubStart := time.Now()
	if !cfg.Prefill {
		pubDone = make(chan error, 1)
		go func() {
			err := publish(pctx, kc, cfg, msgs, reader, &waits)
			pubEnd.Store(time.Now().UnixNano())
			pubDone <- err
		}()
	}

	var total int64
	for _, m := range msgs {
		total += int64(len(m.Key) + len(m.Value))
	}
	res.bytes = total / int64(max(1, len(msgs)))
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	lastRows, lastProgress, lastSay := int64(0), time.Now(), time.Now()
	for rows.Load() < int64(cfg.N) {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case err := <-sinkDone:
			return res, fmt.Errorf("bench sink: the sink stopped after %d of %d rows: %v", rows.Load(), cfg.N, err)
		case err := <-pubDone:
			if err != nil {
				return res, fmt.Errorf("bench sink: publish: %w", err)
			}
			pubDone = nil
		case <-tick.C:
		}
		if n := rows.Load(); n != lastRows {
			lastRows, lastProgress = n, time.Now()
		} else if time.Since(lastProgress) > cfg.Stall {
			return res, fmt.Errorf("bench sink: the sink inserted nothing for %s (%d of %d rows): data lost on the broker, or ClickHouse stuck", cfg.Stall, lastRows, cfg.N)
		}
		if time.Since(lastSay) >= 5*time.Second {
			say("sink progress: %d/%d rows", rows.Load(), cfg.N)
			lastSay = time.Now()
		}
	}
	end := lastInsert.Load()
	first := reader.first.Load()
	res.seconds = float64(end-first) / 1e9
	res.cpuS = cpuSeconds() - cpu0
	res.insertS = float64(insertNanos.Load()) / 1e9
	if pe := pubEnd.Load(); pe > 0 {
		res.pubS = float64(pe-pubStart.UnixNano()) / 1e9
	}
	res.inserts = inserts.Load()
	res.waits = waits.Load()
	stopSink()
	if err := <-sinkDone; err != nil {
		return res, fmt.Errorf("bench sink: sink shutdown: %w", err)
	}
	if pubDone != nil {
		if err := <-pubDone; err != nil {
			return res, fmt.Errorf("bench sink: publish: %w", err)
		}
	}
	if rows.Load() != int64(cfg.N) {
		return res, fmt.Errorf("bench sink: the sink inserted %d rows, want %d (duplicates re-delivered?)", rows.Load(), cfg.N)
	}
	if res.seconds <= 0 {
		return res, errors.New("bench sink: no time elapsed between the first fetch and the last insert")
	}
	return res, nil
}

// checkRetained fails when the broker no longer holds a partition from
// offset 0: the dev broker drops the oldest records of a partition beyond
// ≈5 MiB (after compression).
func checkRetained(ctx context.Context, kc bus.Config, partitions int) error {
	for p := 0; p < partitions; p++ {
		conn, err := kc.Dialer().DialLeader(ctx, "tcp", kc.Brokers[0], kc.EnrichedTopic, p)
		if err != nil {
			return fmt.Errorf("bench sink: partition %d leader: %w", p, err)
		}
		first, err := conn.ReadFirstOffset()
		conn.Close()
		if err != nil {
			return fmt.Errorf("bench sink: partition %d first offset: %w", p, err)
		}
		if first != 0 {
			return fmt.Errorf("bench sink: the broker dropped the first %d records of partition %d before the sink started (the dev broker keeps ≈5 MiB per partition): use more --partitions, a smaller --n, or --paced", first, p)
		}
	}
	return nil
}

// publish writes msgs in chunks. With a reader (paced mode) it waits before
// each chunk until no partition would be more than cfg.MaxAhead bytes
// ahead of the sink.
func publish(ctx context.Context, kc bus.Config, cfg SinkConfig, msgs []kafka.Message, reader *countingReader, waits *atomic.Int64) error {
	w := bus.NewWriter(kc, kc.EnrichedTopic)
	defer w.Close()
	parts := make([]int, cfg.Partitions)
	for i := range parts {
		parts[i] = i
	}
	bal := &kafka.Hash{}
	published := make([]int64, cfg.Partitions)
	chunkBytes := make([]int64, cfg.Partitions)
	// A synchronous write waits WriteBatchTimeout for every partition
	// batch it leaves short of WriteBatchSize: with chunks of one batch
	// spread over all partitions, every call waited, and the publisher,
	// not the sink, set the pace (≈20k records/s). A chunk of one batch
	// per partition fills them — within half the window ahead, so that a
	// chunk always fits.
	var total int64
	for _, m := range msgs {
		total += int64(len(m.Key) + len(m.Value))
	}
	avg := max(1, total/int64(max(1, len(msgs))))
	chunk := max(1, min(kc.WriteBatchSize*cfg.Partitions, int(int64(cfg.MaxAhead)/2*int64(cfg.Partitions)/avg)))
	for lo := 0; lo < len(msgs); lo += chunk {
		hi := min(len(msgs), lo+chunk)
		clear(chunkBytes)
		for i := lo; i < hi; i++ {
			p := bal.Balance(msgs[i], parts...)
			chunkBytes[p] += int64(len(msgs[i].Key) + len(msgs[i].Value))
		}
		for waited := false; reader != nil; waited = true {
			ok := true
			for p := range parts {
				if published[p]+chunkBytes[p]-reader.fetched[p].Load() > int64(cfg.MaxAhead) {
					ok = false
					break
				}
			}
			if ok {
				break
			}
			if !waited {
				waits.Add(1)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(2 * time.Millisecond):
			}
		}
		if err := w.WriteMessages(ctx, msgs[lo:hi]...); err != nil {
			return err
		}
		for p := range parts {
			published[p] += chunkBytes[p]
		}
	}
	return nil
}

// loadWithClient loads file into db.mentions with clickhouse-client and
// returns the seconds the client took.
func loadWithClient(ctx context.Context, client string, chc storage.Config, db, file string) (float64, error) {
	host, port, err := net.SplitHostPort(chc.Addr)
	if err != nil {
		return 0, fmt.Errorf("bench sink: clickhouse addr %q: %w", chc.Addr, err)
	}
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	args := []string{"--host", host, "--port", port, "--user", chc.User,
		"--query", fmt.Sprintf("INSERT INTO %s.mentions (%s) FORMAT JSONEachRow", db, strings.Join(storage.MentionColumns, ", "))}
	if chc.Password != "" {
		args = append(args, "--password", chc.Password)
	}
	cmd := exec.CommandContext(ctx, client, args...)
	cmd.Stdin = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		msg := stderr.String()
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		return 0, fmt.Errorf("bench sink: %s failed: %w: %s", client, err, strings.TrimSpace(msg))
	}
	return time.Since(start).Seconds(), nil
}
