package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/ingest/replay"
	"github.com/earshot-dev/earshot/ingest/simulate"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
	chsink "github.com/earshot-dev/earshot/sink/clickhouse"
	"github.com/earshot-dev/earshot/storage"
)

// E2EConfig configures the end-to-end benchmark (earshot bench e2e).
type E2EConfig struct {
	// Rate is the paced ingest rate, mentions/s, of a fixed-rate run.
	Rate int
	// Duration is how long ingest publishes at Rate (each trial of a
	// search too).
	Duration time.Duration
	// Max searches for the highest sustainable rate between MinRate and
	// MaxRate instead of running at Rate.
	Max              bool
	MinRate, MaxRate int
	// Precision ends the search when hi−lo ≤ Precision × lo.
	Precision float64
	// MaxP99 bounds the p99 post-to-queryable latency of a sustainable
	// rate. A rate is sustainable when every published mention is stored,
	// the p99 is within MaxP99, and the measured rate is at least 90 % of
	// the paced one (ingest kept up).
	MaxP99 time.Duration
	// Drain bounds the wait for the last mentions after ingest finished.
	Drain time.Duration
	// Partitions of the dev broker's topics.
	Partitions int
	// CeilingN is the number of rows of the bare Kafka → ClickHouse copy.
	CeilingN int
	// Database is the prefix of the databases the benchmark (re)creates:
	// <database>_r<rate> per trial, <database>_ceiling. It must contain
	// "bench".
	Database string
	// Keep keeps the databases.
	Keep bool
	// Seed of the simulator.
	Seed uint64
	// Poll is the ClickHouse polling interval (the latency resolution,
	// with the 50 ms of the Kafka end-offset polls).
	Poll time.Duration
	// ConfigYAML, when set, is the configuration file of every child
	// (earshot's config format), e.g. to try sink batch settings.
	ConfigYAML string
	// InsertConcurrency is the sink's insert_concurrency (as ConfigYAML
	// sets it): how many inserts in flight mean ClickHouse is the
	// bottleneck.
	InsertConcurrency int
	// Warmup is how much traffic at the trial's rate the replay sends
	// first, unmeasured, in the same stream right before the trial's
	// records (after a single record that lets the consumer groups join;
	// 0 sends only that). Benchmarks of streaming systems report the
	// steady state after such a phase (the OpenMessaging Benchmark's
	// warmupDurationMinutes, 1 by default).
	Warmup time.Duration
	// Profile takes a CPU profile of ingest, enrich and the sink over each
	// trial (from its first record in Kafka, for Duration), served by the
	// workers' pprof endpoint, into the trial's directory.
	Profile bool
}

// DefaultE2EConfig returns the defaults: 5,000 mentions/s for 30 s; the
// search between 1,000 and 40,000/s to 10 %, p99 ≤ 2 s.
func DefaultE2EConfig() E2EConfig {
	return E2EConfig{
		Rate: 5000, Duration: 30 * time.Second,
		MinRate: 1000, MaxRate: 40000, Precision: 0.1,
		MaxP99: 2 * time.Second, Drain: 2 * time.Minute,
		Partitions: 8, CeilingN: 300_000,
		Database: "earshot_bench_e2e", Seed: 1, Poll: 100 * time.Millisecond, Warmup: 10 * time.Second,
		InsertConcurrency: chsink.DefaultConfig().InsertConcurrency,
	}
}

// Validate names the first wrong field.
func (c E2EConfig) Validate() error {
	switch {
	case c.Rate < 1 && !c.Max:
		return fmt.Errorf("bench e2e: rate %d, want ≥ 1", c.Rate)
	case c.Duration < time.Second:
		return fmt.Errorf("bench e2e: duration %s, want ≥ 1s", c.Duration)
	case c.Max && (c.MinRate < 1 || c.MaxRate <= c.MinRate):
		return fmt.Errorf("bench e2e: search range %d..%d, want 1 ≤ min < max", c.MinRate, c.MaxRate)
	case c.Max && (c.Precision <= 0 || c.Precision >= 1):
		return fmt.Errorf("bench e2e: precision %g, want 0 < p < 1", c.Precision)
	case c.MaxP99 <= 0:
		return fmt.Errorf("bench e2e: max p99 %s, want > 0", c.MaxP99)
	case c.Drain <= 0:
		return fmt.Errorf("bench e2e: drain %s, want > 0", c.Drain)
	case c.Partitions < 1 || c.Partitions > 12:
		return fmt.Errorf("bench e2e: %d partitions, want 1..12 (the dev broker's listen backlog)", c.Partitions)
	case c.CeilingN < 0:
		return fmt.Errorf("bench e2e: ceiling rows %d, want ≥ 0", c.CeilingN)
	case !strings.Contains(c.Database, "bench"):
		return fmt.Errorf("bench e2e: database %q: its name must contain \"bench\" (it is dropped and recreated)", c.Database)
	case c.Warmup < 0 || c.Warmup > 10*time.Minute:
		return fmt.Errorf("bench e2e: warmup %s, want 0..10m", c.Warmup)
	case c.Poll <= 0:
		return fmt.Errorf("bench e2e: poll %s, want > 0", c.Poll)
	case c.InsertConcurrency < 1:
		return fmt.Errorf("bench e2e: insert concurrency %d, want ≥ 1", c.InsertConcurrency)
	}
	return nil
}

// E2EEnv is what the benchmark runs against.
type E2EEnv struct {
	Exe        string         // the earshot binary
	Dir        string         // inputs, logs
	ClickHouse storage.Config // the server (its Database is ignored)
	Registry   *registry.Registry
	Log        *slog.Logger
	Progress   io.Writer // one line per trial; nil discards
}

// E2ETrial is one run at a paced rate.
type E2ETrial struct {
	Rate        int
	Published   int64
	Stored      int64
	DeadLetters int64
	// Sustained is the pipeline's throughput (latencyTracker.throughput):
	// records ÷ (last queryable − first queryable), at most Rate and
	// IngestRate. A pipeline that keeps up has Sustained ≈ Rate whatever
	// its steady latency; one that falls behind has the rate it managed.
	Sustained float64
	// MeanRate is stored ÷ (last mention queryable − first published):
	// the whole run including one post-to-queryable latency at the end,
	// so below Rate by a factor duration ÷ (duration + latency) even when
	// the pipeline keeps up. It was the "sustained" figure until session 7.
	MeanRate float64
	// IngestRate is what ingest achieved: published ÷ its publishing time.
	IngestRate       float64
	P50, P99, MaxLat time.Duration
	// P50ByThird and P99ByThird are the same quantiles over the first,
	// middle and last third of the trial's records (by schedule): a
	// pipeline that keeps up has a last third about as fast as its first
	// (zero when the schedule is not known).
	P50ByThird, P99ByThird [3]time.Duration
	MaxLagRecords          int64
	Procs                  []ProcUsage
	// Machine is the whole machine's CPU over the same window as Procs:
	// with Steal > 0 the trial ran on less than all of the machine.
	Machine           MachineUsage
	Sustainable       bool
	Why               string // why not sustainable
	PublishStart      time.Time
	LastQueryable     time.Time
	LatencyResolution time.Duration
	// Stages is where the workers spent the trial (from publishing to the
	// last mention queryable), and Bottleneck the stage that limited it
	// (StageUsage.Bottleneck).
	Stages     StageUsage
	Bottleneck string
	// EnrichDelay is the mean time between the raw and the enriched
	// topic while ingest publishes (Little's law on the end offsets).
	EnrichDelay time.Duration
	// LatencyFrom says where P50, P99 and MaxLat count from: "schedule",
	// the moment the replay's pace made a record due — it had just been
	// posted, as far as earshot can tell — or "kafka", when it is in the
	// raw topic (only if the replay's pacing line was not found).
	// KafkaP50 and KafkaP99 always count from Kafka: the difference is the
	// time records wait in ingest's publisher batches.
	LatencyFrom        string
	KafkaP50, KafkaP99 time.Duration
	// WarmupRecords went through the pipeline right before the trial's, in
	// the same paced replay, unmeasured.
	WarmupRecords int
	// Profiles are the CPU profiles of the workers (E2EConfig.Profile).
	Profiles []string
}

// E2EReport is the benchmark's result.
type E2EReport struct {
	Trials  []E2ETrial
	Best    *E2ETrial // the fixed-rate trial, or the highest sustainable one
	Ceiling float64   // rows/s of the bare copy
	CeilN   int
}

// E2E runs the benchmark: one trial at cfg.Rate, or the search, then the
// ceiling.
func E2E(ctx context.Context, cfg E2EConfig, env E2EEnv) (*E2EReport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if env.Log == nil {
		env.Log = slog.New(slog.DiscardHandler)
	}
	if env.Progress == nil {
		env.Progress = io.Discard
	}
	if err := ensureDir(env.Dir); err != nil {
		return nil, err
	}
	sc := simulate.DefaultConfig()
	sc.Seed, sc.Volume = cfg.Seed, 4 // ≈100k distinct records, cycled
	base, err := Simulated(sc, env.Registry)
	if err != nil {
		return nil, err
	}
	rep := &E2EReport{}
	trial := func(rate int) (*E2ETrial, error) {
		t, err := runTrial(ctx, cfg, env, base.Mentions, rate)
		if err != nil {
			return nil, err
		}
		rep.Trials = append(rep.Trials, *t)
		fmt.Fprintf(env.Progress, "trial rate=%d sustained=%.0f mean=%.0f p50_ms=%d p99_ms=%d stored=%d/%d bottleneck=%s sustainable=%t %s\n",
			rate, t.Sustained, t.MeanRate, t.P50.Milliseconds(), t.P99.Milliseconds(), t.Stored, t.Published, t.Bottleneck, t.Sustainable, t.Why)
		return t, nil
	}
	if !cfg.Max {
		t, err := trial(cfg.Rate)
		if err != nil {
			return nil, err
		}
		rep.Best = t
	} else {
		// Binary search on the paced rate: lo is the highest rate found
		// sustainable, hi the lowest found not to be (MaxRate is assumed
		// not to be until tried). The search starts by checking MinRate.
		lo, hi := 0, cfg.MaxRate
		t, err := trial(cfg.MinRate)
		if err != nil {
			return nil, err
		}
		if t.Sustainable {
			lo, rep.Best = cfg.MinRate, t
			for float64(hi-lo) > cfg.Precision*float64(lo) {
				mid := (lo + hi) / 2
				if t, err = trial(mid); err != nil {
					return nil, err
				}
				if t.Sustainable {
					lo, rep.Best = mid, t
				} else {
					hi = mid
				}
			}
		}
	}
	if cfg.CeilingN > 0 {
		n := cfg.CeilingN
		ceil, err := runCeiling(ctx, cfg, env, base.Mentions, n)
		if err != nil {
			return nil, err
		}
		rep.Ceiling, rep.CeilN = ceil, n
		fmt.Fprintf(env.Progress, "ceiling rows=%d rows_per_sec=%.0f\n", n, ceil)
	}
	return rep, nil
}

// BenchRecords returns n records cycled from base: record i has id
// sim:<i> (BenchNativeID: zero-padded, so that ids sort as numbers),
// references renumbered within its cycle, and created_at start + i/rate,
// so that 'ingest replay --speed 1' publishes them at rate per second.
func BenchRecords(base []*mention.Mention, n, rate int, start time.Time) []*mention.Mention {
	return benchRecords(base, n, rate, start, 0)
}

// WarmupOffset is the number of the first warm-up record (WarmupRecords):
// sim:9000000000 on, far above any trial's records (a trial of an hour
// at 40,000/s has 144 million), so the poll's id range never counts them.
// runTrial sends the first warm-up record alone (the consumer groups
// join), then the other cfg.Warmup × rate followed by the trial's in one
// paced replay.
const WarmupOffset = 9_000_000_000

// WarmupRecords are n warm-up records: BenchRecords numbered from
// WarmupOffset. They keep the simulator's platform, so that the brands'
// accounts are recognised and every enricher does its usual work on them.
func WarmupRecords(base []*mention.Mention, n, rate int, start time.Time) []*mention.Mention {
	return benchRecords(base, n, rate, start, WarmupOffset)
}

func benchRecords(base []*mention.Mention, n, rate int, start time.Time, offset int) []*mention.Mention {
	index := make(map[string]int, len(base))
	for j, m := range base {
		index[m.ID] = j
	}
	ref := func(id string, cycle int) string {
		if j, ok := index[id]; ok {
			return mention.QualifiedID(simulate.Platform, BenchNativeID(offset+cycle*len(base)+j))
		}
		return id
	}
	out := make([]*mention.Mention, n)
	for i := range n {
		cycle, j := i/len(base), i%len(base)
		m := *base[j]
		m.NativeID = BenchNativeID(offset + i)
		m.ID = mention.QualifiedID(simulate.Platform, m.NativeID)
		m.URL = ""
		if m.InReplyTo != "" {
			m.InReplyTo = ref(m.InReplyTo, cycle)
		}
		if m.QuotedID != "" {
			m.QuotedID = ref(m.QuotedID, cycle)
		}
		m.ConversationID = ref(m.ConversationID, cycle)
		m.CreatedAt = start.Add(time.Duration(float64(i) * float64(time.Second) / float64(rate))).UTC()
		m.IngestedAt = m.CreatedAt
		out[i] = &m
	}
	return out
}

// BenchNativeID is record i's native id: i zero-padded to 10 digits. The
// ids then sort as the numbers do, and the progress poll can ask for
// "id ≥ the first record not yet seen": mentions is ordered by id, so
// ClickHouse reads only the granules from there on in every part, merged
// or not.
func BenchNativeID(i int) string {
	const width = 10
	d := strconv.Itoa(i)
	if len(d) >= width {
		return d
	}
	return strings.Repeat("0", width-len(d)) + d
}

func writeJSONL(path string, ms []*mention.Mention) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, m := range ms {
		b, err := mention.Encode(m)
		if err != nil {
			f.Close()
			return fmt.Errorf("bench: encode %s: %w", m.ID, err)
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// slotWidth is the schedule time one latency slot covers.
const slotWidth = 50 * time.Millisecond

// latencyTracker turns polls of ClickHouse's per-slot counts (queryable
// records) into post-to-queryable latencies, and polls of the raw topic's
// end offset (published records, in publishing order) into
// Kafka-to-queryable ones. Record i is in slot i/size. A slot is posted
// when the replay's schedule makes its first record due (setSchedule):
// each record that becomes queryable at poll time T counts T minus that.
// A slot is published when the end offset covers its last record; the
// Kafka-to-queryable latency counts T minus that, and leaves out the time
// a record waited in ingest's batch.
type latencyTracker struct {
	mu        sync.Mutex
	size      int64
	n         int64
	published []time.Time // per slot, zero until seen
	pubCount  int64
	visible   map[int64]int64
	full      []time.Time             // per slot, when its last record became queryable
	samples   map[time.Duration]int64 // latency (ms resolution) → records
	stored    int64
	complete  int64 // slots [0, complete) are fully queryable
	maxLag    int64
	last      time.Time
	events    []visibleEvent
	t0        time.Time // the schedule's start, zero until known
	rate      int
}

// visibleEvent is one poll's news: n more records of slot queryable at at.
type visibleEvent struct {
	slot int64
	at   time.Time
	n    int64
}

// setSchedule sets when record 0 was due (replay.PacingStart); record i
// was due i/rate later.
func (l *latencyTracker) setSchedule(t0 time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t0 = t0
}

// due is when slot s's first record was due; zero when the schedule is
// not known.
func (l *latencyTracker) due(s int64) time.Time {
	if l.t0.IsZero() {
		return time.Time{}
	}
	return l.t0.Add(time.Duration(float64(s*l.size) * float64(time.Second) / float64(l.rate)))
}

func newLatencyTracker(n int64, rate int) *latencyTracker {
	size := max(int64(float64(rate)*slotWidth.Seconds()), 1)
	return &latencyTracker{size: size, n: n, rate: rate, published: make([]time.Time, (n+size-1)/size), full: make([]time.Time, (n+size-1)/size), visible: map[int64]int64{}, samples: map[time.Duration]int64{}}
}

func (l *latencyTracker) notePublished(count int64, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	count = min(count, l.n)
	if count <= l.pubCount {
		return
	}
	l.pubCount = count
	for s := range l.published {
		end := min(int64(s+1)*l.size, l.n)
		if end > count {
			break
		}
		if l.published[s].IsZero() {
			l.published[s] = at
		}
	}
}

// noteVisible takes per-slot counts of queryable records. counts may
// leave out slots that were already complete (see firstIncomplete): a
// slot's count only ever grows, and stored is the sum over every slot seen.
func (l *latencyTracker) noteVisible(counts map[int64]int64, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for s, c := range counts {
		d := c - l.visible[s]
		if d <= 0 || s < 0 || s >= int64(len(l.published)) {
			continue
		}
		l.visible[s] = c
		l.stored += d
		pub := l.published[s]
		if pub.IsZero() || pub.After(at) {
			pub = at // queryable before the end-offset poll saw it published
			l.published[s] = at
		}
		l.samples[at.Sub(pub).Truncate(time.Millisecond)] += d
		l.events = append(l.events, visibleEvent{s, at, d})
		if c >= min((s+1)*l.size, l.n)-s*l.size {
			l.full[s] = at
		}
		l.last = at
	}
	for l.complete < int64(len(l.full)) && !l.full[l.complete].IsZero() {
		l.complete++
	}
	l.maxLag = max(l.maxLag, l.pubCount-l.stored)
}

// firstIncomplete is the lowest slot not yet fully queryable: the poll
// only needs counts from there on.
func (l *latencyTracker) firstIncomplete() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.complete
}

// writeCSV writes slot, due (empty when the schedule is not known),
// published and fully queryable times (ms after t0) per slot: the latency
// over the run, for plotting.
func (l *latencyTracker) writeCSV(path string, t0 time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	b.WriteString("slot,first_record,due_ms,published_ms,queryable_ms\n")
	ms := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatInt(t.Sub(t0).Milliseconds(), 10)
	}
	for s := range l.published {
		fmt.Fprintf(&b, "%d,%d,%s,%s,%s\n", s, int64(s)*l.size, ms(l.due(int64(s))), ms(l.published[s]), ms(l.full[s]))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// throughput is the pipeline's throughput, in records/s: the records
// stored after the first slot ÷ the time from the first slot being fully
// queryable to the last record being queryable. Unlike stored ÷ (last
// queryable − first published), it does not count one post-to-queryable
// latency as time spent: a pipeline that keeps up with a rate, at any
// steady latency, has that rate; one that falls behind has the rate it
// managed, because the lag it built up lengthens the span. Stalls that it
// makes up for before the end do not lower it. It returns 0 when fewer
// than two slots are fully queryable or they became so at the same time.
func (l *latencyTracker) throughput() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	first, firstSlot := time.Time{}, -1
	for s, t := range l.full {
		if !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first, firstSlot = t, s
		}
	}
	if firstSlot < 0 || !l.last.After(first) {
		return 0
	}
	inFirst := min(int64(firstSlot+1)*l.size, l.n) - int64(firstSlot)*l.size
	return float64(l.stored-inFirst) / l.last.Sub(first).Seconds()
}

// quantiles are the Kafka-to-queryable latencies' quantiles.
func (l *latencyTracker) quantiles(qs ...float64) []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return quantilesOf(l.samples, qs)
}

// postedQuantiles are the post-to-queryable latencies' quantiles, from
// the schedule; ok is false when the schedule is not known.
func (l *latencyTracker) postedQuantiles(qs ...float64) (_ []time.Duration, ok bool) {
	parts, ok := l.postedQuantilesByPart(1, qs...)
	if !ok {
		return nil, false
	}
	return parts[0], true
}

// postedQuantilesByPart splits the trial's records by schedule into parts
// equal runs of slots and returns each part's post-to-queryable latency
// quantiles (out[part][quantile]); ok is false when the schedule is not
// known. A pipeline that keeps up has a last part about as fast as its
// first; one that falls behind, a growing latency.
func (l *latencyTracker) postedQuantilesByPart(parts int, qs ...float64) (_ [][]time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.t0.IsZero() || parts < 1 {
		return nil, false
	}
	slots := int64(len(l.published))
	samples := make([]map[time.Duration]int64, parts)
	for i := range samples {
		samples[i] = map[time.Duration]int64{}
	}
	for _, e := range l.events {
		part := min(int(e.slot*int64(parts)/max(slots, 1)), parts-1)
		samples[part][max(e.at.Sub(l.due(e.slot)), 0).Truncate(time.Millisecond)] += e.n
	}
	out := make([][]time.Duration, parts)
	for i := range samples {
		out[i] = quantilesOf(samples[i], qs)
	}
	return out, true
}

// quantilesOf reads quantiles off a histogram of latencies.
func quantilesOf(samples map[time.Duration]int64, qs []float64) []time.Duration {
	keys := make([]time.Duration, 0, len(samples))
	var total int64
	for k, c := range samples {
		keys = append(keys, k)
		total += c
	}
	slices.Sort(keys)
	out := make([]time.Duration, len(qs))
	for i, q := range qs {
		want := int64(math.Ceil(q * float64(total)))
		var acc int64
		for _, k := range keys {
			acc += samples[k]
			if acc >= want {
				out[i] = k
				break
			}
		}
	}
	return out
}

func runTrial(ctx context.Context, cfg E2EConfig, env E2EEnv, base []*mention.Mention, rate int) (*E2ETrial, error) {
	n := int(float64(rate) * cfg.Duration.Seconds())
	dir := filepath.Join(env.Dir, fmt.Sprintf("r%d", rate))
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	// The warm-up records: the first alone lets the consumer groups join;
	// the other nWarm precede the trial's in one stream at the rate (their
	// created_at end where the trial's begin), so that the trial starts on
	// a pipeline in its steady state.
	start := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	nWarm := int(float64(rate) * cfg.Warmup.Seconds())
	warmSpan := time.Duration(float64(nWarm) * float64(time.Second) / float64(rate))
	warmRecs := WarmupRecords(base, nWarm+1, rate, start.Add(-warmSpan-time.Second/time.Duration(rate)))
	warm := filepath.Join(dir, "warmup.jsonl")
	if err := writeJSONL(warm, warmRecs[:1]); err != nil {
		return nil, err
	}
	defer os.Remove(warm)
	input := filepath.Join(dir, "input.jsonl")
	if err := writeJSONL(input, append(warmRecs[1:], BenchRecords(base, n, rate, start)...)); err != nil {
		return nil, err
	}
	defer os.Remove(input)

	chc := env.ClickHouse
	chc.Database = fmt.Sprintf("%s_r%d", cfg.Database, rate)
	pc := PipelineConfig{Exe: env.Exe, Dir: dir, ClickHouse: chc, Partitions: cfg.Partitions, ConfigYAML: cfg.ConfigYAML}
	if cfg.Profile {
		pc.Env = append(pc.Env, config.EnvPprof+"=true")
	}
	p, err := NewPipeline(ctx, pc)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := p.Close(); err != nil {
			env.Log.Warn("bench e2e: stopping the workers", "err", err)
		}
		if !cfg.Keep {
			dropDatabase(env.ClickHouse, chc.Database, env.Log)
		}
	}()
	if err := p.StartWorkers(); err != nil {
		return nil, err
	}
	conn, err := OpenClickHouse(chc, chc.Database)
	if err != nil {
		return nil, err
	}
	defer conn.Close()

	// One record through the whole pipeline first, so that the consumer
	// groups have joined (≈3 s on the dev broker) before the replay.
	if _, err := p.Replay(ctx, warm); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	warmQuery := fmt.Sprintf("SELECT count() FROM mentions WHERE id = '%s'", mention.QualifiedID(simulate.Platform, BenchNativeID(WarmupOffset)))
	for {
		var c uint64
		if err := conn.QueryRow(wctx, warmQuery).Scan(&c); err == nil && c > 0 {
			break
		}
		if err := p.CheckWorkers(); err != nil {
			cancel()
			return nil, err
		}
		select {
		case <-wctx.Done():
			cancel()
			return nil, fmt.Errorf("bench e2e: the warm-up record was not queryable within a minute (logs in %s)", filepath.Join(dir, "logs"))
		case <-time.After(100 * time.Millisecond):
		}
	}
	cancel()
	g0, err := p.Progress(ctx)
	if err != nil {
		return nil, err
	}

	offs, err := newEndOffsets(ctx, p.Kafka, p.Kafka.RawTopic, p.Kafka.EnrichedTopic)
	if err != nil {
		return nil, err
	}
	defer offs.Close()
	lt := newLatencyTracker(int64(n), rate)
	var out SyncBuffer
	ing, err := p.StartIngest(&out, "replay", input, "--speed", "1", "--progress", "none",
		"--checkpoint", filepath.Join(dir, "input.ckpt"))
	if err != nil {
		return nil, err
	}
	defer ing.Stop(5 * time.Second)

	pids := map[string]int{"ingest": ing.Pid(), "enrich": p.Worker(WorkerEnrich).Pid(), "sink": p.Worker(WorkerSink).Pid()}
	for i, pid := range FindProcs("clickhouse-serv") {
		pids[fmt.Sprintf("clickhouse-server#%d", i)] = pid
	}
	pids["bench+dev-broker"] = os.Getpid()
	first, last := map[string]ProcSample{}, map[string]ProcSample{}
	var mFirst, mLast MachineSample
	sample := func() {
		if m, err := ReadMachine(); err == nil {
			if mFirst.At.IsZero() {
				mFirst = m
			}
			mLast = m
		}
		for name, pid := range pids {
			s, err := ReadProc(pid)
			if err != nil {
				continue
			}
			if _, ok := first[name]; !ok {
				first[name] = s
			}
			last[name] = s
		}
	}
	sample()

	// Poll: the raw topic's end offset every 50 ms, ClickHouse every
	// cfg.Poll, processes every 500 ms.
	var (
		published    int64 = -1
		ingestDone   time.Time
		publishStart time.Time
		stages0      StageSample
		lastCH       time.Time
		lastProc     time.Time
		deadline     time.Time
		backlogRaw   float64
		backlogPolls int
	)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	// The poll must not load the server it measures: it reads only the
	// records from the first slot not yet complete on. mentions is ordered
	// by id and the bench's ids sort as numbers (BenchNativeID), so
	// ClickHouse reads only the granules from that record on, in every part
	// (until session 7 the poll filtered on created_at, which skips only
	// whole parts: once merges had built parts spanning the run, it read
	// every row ten times a second — ≈ 20 % of ClickHouse's CPU at
	// 18,000/s). created_at still lets it skip old parts outright, with one
	// second of margin for its truncation to seconds.
	endID := mention.QualifiedID(simulate.Platform, BenchNativeID(n)) // the warm-up's records sort after it
	pollQuery := func() string {
		s := lt.firstIncomplete()
		from := start.Add(time.Duration(float64(s*lt.size) * float64(time.Second) / float64(rate))).Add(-time.Second).Unix()
		first := mention.QualifiedID(simulate.Platform, BenchNativeID(int(s*lt.size)))
		return fmt.Sprintf("SELECT intDiv(toUInt64(native_id), %d) AS s, count() FROM mentions WHERE id >= '%s' AND id < '%s' AND created_at >= toDateTime(%d) GROUP BY s HAVING s >= %d",
			lt.size, first, endID, from, s)
	}
	var (
		pacing time.Time
		prof   *profiler
	)
	for {
		now := time.Now()
		if pacing.IsZero() {
			if pacing = pacingStart(ing.LogPath); !pacing.IsZero() {
				lt.setSchedule(pacing.Add(warmSpan)) // the trial's record 0 follows the warm-up's
			}
		}
		if ends, err := offs.Ends(ctx); err == nil {
			raw := ends[p.Kafka.RawTopic] - g0.Raw
			c := raw - int64(nWarm) // the trial's records in Kafka
			if c > 0 && publishStart.IsZero() {
				// The trial starts: CPU, stages and rates count from here,
				// not from the warm-up (nor ingest loading its input).
				publishStart = now
				stages0 = p.SampleStages(ctx)
				clear(first)
				sample()
				if cfg.Profile {
					// Two seconds short of the trial, so that ingest (which
					// exits when it has published) is still there to answer.
					prof = startProfiles(ctx, dir, max(time.Second, cfg.Duration-2*time.Second), profileAddrs(p, ing.LogPath, env.Log))
				}
			}
			lt.notePublished(c, now)
			if c > 0 && c < int64(n) {
				// Little's law: records between two stages ÷ rate is
				// the mean time spent between them.
				backlogRaw += float64(raw - (ends[p.Kafka.EnrichedTopic] - g0.Enriched))
				backlogPolls++
			}
		}
		if now.Sub(lastCH) >= cfg.Poll {
			lastCH = now
			rows, err := conn.Query(ctx, pollQuery())
			if err == nil {
				counts := map[int64]int64{}
				for rows.Next() {
					var s, c uint64
					if err := rows.Scan(&s, &c); err == nil {
						counts[int64(s)] = int64(c)
					}
				}
				rows.Close()
				lt.noteVisible(counts, time.Now())
			} else {
				env.Log.Debug("bench e2e: poll ClickHouse", "err", err)
			}
		}
		if now.Sub(lastProc) >= 500*time.Millisecond {
			lastProc = now
			sample()
		}
		if ingestDone.IsZero() {
			select {
			case <-ing.Done():
				ingestDone = time.Now()
				if ing.Err() != nil {
					return nil, fmt.Errorf("bench e2e: ingest replay failed: %v\n%s", ing.Err(), ing.Tail(3000))
				}
				if published, err = PublishedFromSummary(out.String()); err != nil {
					return nil, err
				}
				if published -= int64(nWarm); published < 0 {
					return nil, fmt.Errorf("bench e2e: ingest published %d records, fewer than the %d of the warm-up", published+int64(nWarm), nWarm)
				}
				deadline = ingestDone.Add(cfg.Drain)
			default:
			}
		}
		if err := p.CheckWorkers(); err != nil {
			return nil, err
		}
		lt.mu.Lock()
		stored := lt.stored
		lt.mu.Unlock()
		if published >= 0 {
			if stored >= published {
				break
			}
			if time.Now().After(deadline) {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
	sample()
	stages1 := p.SampleStages(ctx)
	if stages1.Err != nil || stages0.Err != nil {
		env.Log.Warn("bench e2e: could not read the workers' stage times", "err", errors.Join(stages0.Err, stages1.Err))
	}
	g1, err := p.Progress(ctx)
	if err != nil {
		return nil, err
	}
	if err := lt.writeCSV(filepath.Join(dir, "latency.csv"), publishStart); err != nil {
		return nil, err
	}
	t := &E2ETrial{Rate: rate, Published: published, DeadLetters: g1.DLQ - g0.DLQ, PublishStart: publishStart, LatencyResolution: slotWidth + cfg.Poll,
		WarmupRecords: nWarm}
	t.Stages = Stages(stages0, stages1)
	if prof != nil {
		files, err := prof.wait()
		if err != nil {
			env.Log.Warn("bench e2e: CPU profiles", "err", err)
		}
		t.Profiles = files
	}
	lt.mu.Lock()
	t.Stored, t.MaxLagRecords, t.LastQueryable = lt.stored, lt.maxLag, lt.last
	lt.mu.Unlock()
	kq := lt.quantiles(0.5, 0.99)
	t.KafkaP50, t.KafkaP99 = kq[0], kq[1]
	if qs, ok := lt.postedQuantiles(0.5, 0.99, 1); ok {
		t.P50, t.P99, t.MaxLat, t.LatencyFrom = qs[0], qs[1], qs[2], "schedule"
		if parts, ok := lt.postedQuantilesByPart(3, 0.5, 0.99); ok {
			for i, q := range parts {
				t.P50ByThird[i], t.P99ByThird[i] = q[0], q[1]
			}
		}
	} else {
		env.Log.Warn("bench e2e: the replay logged no pacing start; latency counted from Kafka, without the time in ingest's batch", "log", ing.LogPath)
		qs := lt.quantiles(0.5, 0.99, 1)
		t.P50, t.P99, t.MaxLat, t.LatencyFrom = qs[0], qs[1], qs[2], "kafka"
	}
	if d := t.LastQueryable.Sub(publishStart); d > 0 {
		t.MeanRate = float64(t.Stored) / d.Seconds()
	}
	if d := ingestDone.Sub(publishStart); d > 0 {
		t.IngestRate = float64(published) / d.Seconds()
	}
	// Batching makes the first and last records' latencies differ by up
	// to a flush interval either way; the pipeline cannot have carried
	// more than it was offered, so the figure is capped at the pace (or
	// at the ingest rate, when ingest fell short of the pace).
	t.Sustained = min(lt.throughput(), float64(rate))
	if t.IngestRate > 0 {
		t.Sustained = min(t.Sustained, t.IngestRate)
	}
	if t.Sustained == 0 {
		t.Sustained = t.MeanRate
	}
	if backlogPolls > 0 && t.IngestRate > 0 {
		t.EnrichDelay = time.Duration(backlogRaw / float64(backlogPolls) / t.IngestRate * float64(time.Second))
	}
	names := make([]string, 0, len(last))
	for name := range last {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		u := Usage(name, first[name], last[name])
		t.Procs = append(t.Procs, u)
	}
	t.Machine = MachineUse(mFirst, mLast)
	switch {
	case t.Stored < published:
		t.Why = fmt.Sprintf("only %d of %d published mentions queryable %s after ingest finished (%d dead-lettered)", t.Stored, published, cfg.Drain, t.DeadLetters)
	case t.P99 > cfg.MaxP99:
		t.Why = fmt.Sprintf("p99 %s > %s", t.P99, cfg.MaxP99)
	case t.Sustained < 0.9*float64(rate):
		t.Why = fmt.Sprintf("sustained %.0f/s < 90%% of the paced %d/s", t.Sustained, rate)
	default:
		t.Sustainable = true
	}
	t.Bottleneck = t.Stages.Bottleneck(cfg.InsertConcurrency, t.Sustainable)
	if t.Stored > published {
		return nil, fmt.Errorf("bench e2e: %d rows for %d published mentions: duplicates are visible to count()", t.Stored, published)
	}
	return t, nil
}

func dropDatabase(c storage.Config, db string, log *slog.Logger) {
	conn, err := OpenClickHouse(c, "")
	if err != nil {
		log.Warn("bench e2e: drop database", "db", db, "err", err)
		return
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		log.Warn("bench e2e: drop database", "db", db, "err", err)
	}
}

// runCeiling measures the bare Kafka → ClickHouse copy: the raw records,
// not enriched, published by this process to a fresh dev broker's
// enriched topic while one 'earshot sink' process writes them into
// <database>_ceiling. Publishing stays at most 3 MiB per partition ahead
// of the sink's committed offsets, so that the dev broker (≈5 MiB per
// partition) drops nothing; the count is checked at the end. The rate is
// n ÷ (last row queryable − first write).
func runCeiling(ctx context.Context, cfg E2EConfig, env E2EEnv, base []*mention.Mention, n int) (float64, error) {
	dir := filepath.Join(env.Dir, "ceiling")
	if err := ensureDir(dir); err != nil {
		return 0, err
	}
	chc := env.ClickHouse
	chc.Database = cfg.Database + "_ceiling"
	pc := PipelineConfig{Exe: env.Exe, Dir: dir, ClickHouse: chc, Partitions: cfg.Partitions, ConfigYAML: cfg.ConfigYAML}
	if cfg.Profile {
		pc.Env = append(pc.Env, config.EnvPprof+"=true")
	}
	p, err := NewPipeline(ctx, pc)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err := p.Close(); err != nil {
			env.Log.Warn("bench e2e: stopping the ceiling sink", "err", err)
		}
		if !cfg.Keep {
			dropDatabase(env.ClickHouse, chc.Database, env.Log)
		}
	}()
	ms := BenchRecords(base, n, 1000, time.Now().Add(-24*time.Hour).Truncate(time.Second))
	msgs := make([]kafka.Message, n)
	for i, m := range ms {
		v, err := mention.Encode(m)
		if err != nil {
			return 0, err
		}
		msgs[i] = kafka.Message{Key: []byte(m.ConversationID), Value: v}
	}
	if err := p.StartWorker(WorkerSink); err != nil {
		return 0, err
	}
	conn, err := OpenClickHouse(chc, chc.Database)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	w := bus.NewWriter(p.Kafka, p.Kafka.EnrichedTopic)
	defer w.Close()
	// Warm-up: the sink's group join.
	if err := w.WriteMessages(ctx, msgs[0]); err != nil {
		return 0, fmt.Errorf("bench e2e: ceiling publish: %w", err)
	}
	if _, err := p.WaitDrainedSink(ctx, 1, time.Minute); err != nil {
		return 0, err
	}
	budget := int64(cfg.Partitions) * 3 << 20
	var avg int64
	for _, m := range msgs {
		avg += int64(len(m.Value))
	}
	avg /= int64(n)
	maxAhead := max(budget/max(avg, 1), 1000)
	t0 := time.Now()
	const chunk = 2000
	for i := 1; i < n; {
		lag, _, err := bus.Lag(ctx, p.Kafka, GroupSink, p.Kafka.EnrichedTopic)
		if err != nil {
			return 0, err
		}
		if lag+chunk > maxAhead {
			if err := p.CheckWorkers(); err != nil {
				return 0, err
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		j := min(i+chunk, n)
		if err := w.WriteMessages(ctx, msgs[i:j]...); err != nil {
			return 0, fmt.Errorf("bench e2e: ceiling publish: %w", err)
		}
		i = j
	}
	deadline := time.Now().Add(cfg.Drain)
	for {
		var c uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM mentions").Scan(&c); err == nil && int(c) >= n {
			d := time.Since(t0)
			return float64(n-1) / d.Seconds(), nil
		}
		if err := p.CheckWorkers(); err != nil {
			return 0, err
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("bench e2e: ceiling: fewer than %d rows in %s.mentions %s after the last write", n, chc.Database, cfg.Drain)
		}
		time.Sleep(cfg.Poll)
	}
}

// WaitDrainedSink waits until the sink group committed n records of the
// enriched topic.
func (p *Pipeline) WaitDrainedSink(ctx context.Context, n int64, timeout time.Duration) (int64, error) {
	deadline := time.Now().Add(timeout)
	for {
		lag, end, err := bus.Lag(ctx, p.Kafka, GroupSink, p.Kafka.EnrichedTopic)
		if err == nil && end >= n && lag == 0 {
			return end, nil
		}
		if err := p.CheckWorkers(); err != nil {
			return 0, err
		}
		if time.Now().After(deadline) {
			return 0, errors.New("bench e2e: the sink did not commit its first records within " + timeout.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// msList prints durations as comma-separated milliseconds.
func msList(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = strconv.FormatInt(d.Milliseconds(), 10)
	}
	return strings.Join(parts, ",")
}

// WriteTo prints one name=value line per figure, per trial, and last the
// headline: e2e_mentions_per_sec=N p99_latency_ms=N ceiling_rows_per_sec=N.
func (r *E2EReport) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	for i, t := range r.Trials {
		pre := fmt.Sprintf("trial%d_", i+1)
		fmt.Fprintf(&b, "%srate=%d\n", pre, t.Rate)
		fmt.Fprintf(&b, "%spublished=%d\n%sstored=%d\n%sdead_letters=%d\n", pre, t.Published, pre, t.Stored, pre, t.DeadLetters)
		fmt.Fprintf(&b, "%singest_mentions_per_sec=%.0f\n%ssustained_mentions_per_sec=%.0f\n%smean_mentions_per_sec=%.0f\n", pre, t.IngestRate, pre, t.Sustained, pre, t.MeanRate)
		fmt.Fprintf(&b, "%swarmup_records=%d\n", pre, t.WarmupRecords)
		if len(t.Profiles) > 0 {
			fmt.Fprintf(&b, "%scpu_profiles=%s\n", pre, strings.Join(t.Profiles, ","))
		}
		fmt.Fprintf(&b, "%sp50_latency_ms=%d\n%sp99_latency_ms=%d\n%smax_latency_ms=%d\n%slatency_resolution_ms=%d\n", pre, t.P50.Milliseconds(), pre, t.P99.Milliseconds(), pre, t.MaxLat.Milliseconds(), pre, t.LatencyResolution.Milliseconds())
		if t.P99ByThird[2] > 0 {
			fmt.Fprintf(&b, "%sp50_by_third_ms=%s\n%sp99_by_third_ms=%s\n", pre, msList(t.P50ByThird[:]), pre, msList(t.P99ByThird[:]))
		}
		fmt.Fprintf(&b, "%slatency_from=%s\n%skafka_to_queryable_p50_ms=%d\n%skafka_to_queryable_p99_ms=%d\n", pre, t.LatencyFrom, pre, t.KafkaP50.Milliseconds(), pre, t.KafkaP99.Milliseconds())
		fmt.Fprintf(&b, "%smax_lag_records=%d\n%smean_raw_to_enriched_ms=%d\n", pre, t.MaxLagRecords, pre, t.EnrichDelay.Milliseconds())
		if t.Stages.OK {
			fmt.Fprintf(&b, "%senrich_busy=%.2f\n%senrich_write_busy=%.2f\n%ssink_inserts_in_flight=%.2f\n", pre, t.Stages.EnrichBusy, pre, t.Stages.EnrichWrite, pre, t.Stages.SinkInFlight)
		}
		fmt.Fprintf(&b, "%sbottleneck=%s\n", pre, t.Bottleneck)
		for _, u := range t.Procs {
			fmt.Fprintf(&b, "%s%s_cpu_cores=%.2f\n%s%s_rss_peak_bytes=%d\n", pre, u.Name, u.Cores, pre, u.Name, u.Peak)
		}
		if t.Machine.OK {
			fmt.Fprintf(&b, "%smachine_busy_cores=%.2f\n%smachine_steal_cores=%.2f\n", pre, t.Machine.Busy, pre, t.Machine.Steal)
		}
		fmt.Fprintf(&b, "%ssustainable=%t\n", pre, t.Sustainable)
		if t.Why != "" {
			fmt.Fprintf(&b, "%snot_sustainable_because=%q\n", pre, t.Why)
		}
	}
	e2e, p99 := 0.0, int64(0)
	if r.Best != nil {
		e2e, p99 = r.Best.Sustained, r.Best.P99.Milliseconds()
		fmt.Fprintf(&b, "best_rate=%d\n", r.Best.Rate)
	}
	if r.CeilN > 0 {
		fmt.Fprintf(&b, "ceiling_rows=%d\n", r.CeilN)
	}
	fmt.Fprintf(&b, "e2e_mentions_per_sec=%.0f p99_latency_ms=%d ceiling_rows_per_sec=%.0f\n", e2e, p99, r.Ceiling)
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// pacingStart reads the paced replay's schedule start from its log
// (replay.PacingMessage); zero until it is there.
func pacingStart(logPath string) time.Time {
	var start time.Time
	_ = scanLog(logPath, func(line []byte) bool { // not there yet: try again next poll
		t, ok := replay.PacingStart(line)
		if ok {
			start = t
		}
		return ok
	})
	return start
}
