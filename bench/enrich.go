package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/mention"
)

// EnrichConfig configures `bench enrich`. Each phase (all cores, then one
// core) runs for Duration, or for Count mentions when Count > 0.
type EnrichConfig struct {
	Duration time.Duration
	Count    int
	// Workers for the all-cores phase; 0 is GOMAXPROCS.
	Workers int
	// Warmup mentions enriched before measuring (caches, lazily built
	// tables); 0 is none.
	Warmup int
}

// DefaultEnrichConfig: 10 s per phase, one worker per core, 2,000
// mentions of warm-up.
func DefaultEnrichConfig() EnrichConfig {
	return EnrichConfig{Duration: 10 * time.Second, Warmup: 2000}
}

// Validate names the field that is wrong.
func (c EnrichConfig) Validate() error {
	switch {
	case c.Duration <= 0 && c.Count <= 0:
		return errors.New("bench enrich: set a duration > 0 (--duration 10s) or a count > 0 (--count 100000)")
	case c.Duration < 0 || c.Count < 0:
		return errors.New("bench enrich: duration and count must not be negative")
	case c.Workers < 0 || c.Workers > 1024:
		return fmt.Errorf("bench enrich: workers %d, want 0 (one per core) to 1024", c.Workers)
	case c.Warmup < 0:
		return fmt.Errorf("bench enrich: warmup %d, want ≥ 0", c.Warmup)
	}
	return nil
}

// phase is one measured run.
type phase struct {
	workers   int
	mentions  int64
	rejected  int64
	seconds   float64
	cpu       float64 // process CPU seconds (user + system, every thread)
	mallocs   uint64
	bytes     uint64
	enricherS []float64
}

// perCPUSec is mentions per CPU second: on a machine shared with other
// work it is the honest per-core rate (wall time includes waiting for a
// core).
func (p phase) perCPUSec() float64 {
	if p.cpu <= 0 {
		return 0
	}
	return float64(p.mentions) / p.cpu
}

func (p phase) perSec() float64 {
	if p.seconds <= 0 {
		return 0
	}
	return float64(p.mentions) / p.seconds
}

// Enrich replays corpus through the whole enrich chain in-process — decode
// the raw record, run pipe (every enricher), stamp and encode the enriched
// record — exactly what the enrich stage does per record between Kafka
// reads and writes. It runs once on every core (Workers goroutines) and
// once on one core (GOMAXPROCS 1, one goroutine, garbage collection
// included), and reports:
//
//	corpus_mentions, corpus, cores, workers,
//	mentions, seconds, mentions_per_sec, rejected, allocs_per_mention,
//	bytes_per_mention (all-cores phase),
//	one_core_mentions, one_core_seconds, one_core_cpu_seconds,
//	one_core_mentions_per_sec, mentions_per_cpu_sec (all-cores phase),
//	share_<enricher> (share of enricher time, one-core phase),
//	rss_bytes (peak resident set, VmHWM), and last
//	enrich_mentions_per_sec_per_core: the one-core phase's mentions per
//	CPU second of the process (user + system time of every thread, garbage
//	collection included). On an idle machine that equals its wall-clock
//	rate; on a shared one it does not count the time spent waiting for a
//	core, which the wall-clock figures (mentions_per_sec) do.
func Enrich(ctx context.Context, cfg EnrichConfig, pipe *enrich.Pipeline, corpus *Corpus) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(corpus.Records) == 0 {
		return nil, errors.New("bench enrich: empty corpus")
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Warmup > 0 {
		if _, err := runPhase(ctx, pipe, corpus.Records, 1, 0, cfg.Warmup); err != nil {
			return nil, err
		}
	}
	all, err := runPhase(ctx, pipe, corpus.Records, workers, cfg.Duration, cfg.Count)
	if err != nil {
		return nil, err
	}
	prev := runtime.GOMAXPROCS(1)
	one, err := runPhase(ctx, pipe, corpus.Records, 1, cfg.Duration, cfg.Count)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		return nil, err
	}

	r := &Report{}
	r.int("corpus_mentions", int64(len(corpus.Records)))
	r.add("corpus", corpus.describe())
	r.add("pipeline", pipe.Version())
	r.int("cores", int64(runtime.NumCPU()))
	r.int("workers", int64(all.workers))
	r.int("mentions", all.mentions)
	r.float("seconds", all.seconds, 3)
	r.float("cpu_seconds", all.cpu, 3)
	r.float("mentions_per_sec", all.perSec(), 0)
	r.int("rejected", all.rejected+one.rejected)
	r.float("allocs_per_mention", float64(all.mallocs)/float64(max(all.mentions, 1)), 1)
	r.float("bytes_per_mention", float64(all.bytes)/float64(max(all.mentions, 1)), 0)
	r.int("one_core_mentions", one.mentions)
	r.float("one_core_seconds", one.seconds, 3)
	r.float("one_core_cpu_seconds", one.cpu, 3)
	r.float("one_core_mentions_per_sec", one.perSec(), 0)
	r.float("mentions_per_cpu_sec", all.perCPUSec(), 0)
	total := 0.0
	for _, s := range one.enricherS {
		total += s
	}
	for i, name := range pipe.Names() {
		if total > 0 {
			r.float("share_"+name, one.enricherS[i]/total, 3)
		}
	}
	r.int("rss_bytes", int64(PeakRSS()))
	r.float("enrich_mentions_per_sec_per_core", one.perCPUSec(), 0)
	return r, nil
}

// runPhase enriches records round-robin with n goroutines for d, or for
// count records when count > 0.
func runPhase(ctx context.Context, pipe *enrich.Pipeline, records [][]byte, n int, d time.Duration, count int) (phase, error) {
	p := phase{workers: n}
	before := pipe.Seconds()
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	var next, done, rejected atomic.Int64
	var stop atomic.Bool
	errs := make([]error, n)
	version := pipe.Version()
	cpu0 := cpuSeconds()
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var chunk Chunk
			raws := make([][]byte, 0, enrich.StageChunk)
			for k := 0; ; k++ {
				if stop.Load() {
					return
				}
				i := next.Add(enrich.StageChunk) - enrich.StageChunk
				end := i + enrich.StageChunk
				if count > 0 {
					end = min(end, int64(count))
				}
				if end <= i {
					return
				}
				if count <= 0 && k%4 == 0 && (time.Now().After(deadline) || ctx.Err() != nil) {
					stop.Store(true)
					return
				}
				raws = raws[:0]
				for j := i; j < end; j++ {
					raws = append(raws, records[j%int64(len(records))])
				}
				ok, err := chunk.Enrich(ctx, pipe, version, raws)
				if err != nil {
					errs[w] = err
					stop.Store(true)
					return
				}
				rejected.Add(int64(len(raws) - ok))
				done.Add(int64(len(raws)))
			}
		}()
	}
	wg.Wait()
	p.seconds = time.Since(start).Seconds()
	p.cpu = cpuSeconds() - cpu0
	runtime.ReadMemStats(&ms1)
	if err := errors.Join(errs...); err != nil {
		return p, err
	}
	if err := ctx.Err(); err != nil {
		return p, err
	}
	p.mentions, p.rejected = done.Load(), rejected.Load()
	p.mallocs = ms1.Mallocs - ms0.Mallocs
	p.bytes = ms1.TotalAlloc - ms0.TotalAlloc
	after := pipe.Seconds()
	p.enricherS = make([]float64, len(after))
	for i := range after {
		p.enricherS[i] = after[i] - before[i]
	}
	return p, nil
}

// Chunk is the enrich stage's per-record work on up to enrich.StageChunk
// records at a time (decode, enrich enricher by enricher, stamp, encode),
// with its buffers kept between calls. One goroutine uses a Chunk.
type Chunk struct {
	ms   []*mention.Mention
	errs []error
}

// Enrich decodes, enriches (all of raws together, enricher by enricher, so
// pass enrich.StageChunk records, as the stage does) and encodes raws, and
// returns how many were enriched; the others the stage would dead-letter. err is a transient
// enricher error (the stage would retry it), which stops the benchmark.
func (c *Chunk) Enrich(ctx context.Context, pipe *enrich.Pipeline, version string, raws [][]byte) (ok int, err error) {
	c.ms, c.errs = c.ms[:0], c.errs[:0]
	for _, raw := range raws {
		m, err := mention.Decode(raw)
		if err != nil {
			m = nil
		}
		c.ms = append(c.ms, m)
		c.errs = append(c.errs, nil)
	}
	if err := pipe.EnrichStaged(ctx, c.ms, c.errs, nil, nil); err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	for i, m := range c.ms {
		switch {
		case m == nil:
		case c.errs[i] != nil:
			if !enrich.IsPermanent(c.errs[i]) {
				return 0, fmt.Errorf("bench enrich: transient enricher error on %s: %w", m.ID, c.errs[i])
			}
		default:
			m.EnrichedAt = &now
			m.Enricher = version
			if _, err := mention.Encode(m); err == nil {
				ok++
			}
		}
	}
	return ok, nil
}

// cpuSeconds is the process's user + system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// PeakRSS is the process's peak resident set size in bytes (VmHWM from
// /proc/self/status), or, where that is not available, the memory the Go
// runtime holds from the OS (runtime/metrics).
func PeakRSS() uint64 {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Bytes()
			if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
				fields := bytes.Fields(v)
				if len(fields) >= 1 {
					if kb, err := strconv.ParseUint(string(fields[0]), 10, 64); err == nil {
						return kb * 1024
					}
				}
			}
		}
	}
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		return s[0].Value.Uint64()
	}
	return 0
}
