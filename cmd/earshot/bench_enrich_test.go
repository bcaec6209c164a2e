package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/bench"
	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

// BenchmarkEnrichChain is bench enrich's one-core phase as a Go benchmark:
// every enricher, built as `earshot enrich` builds them, over the same
// corpus (the simulated week, and twcs when the data sets are beside the
// repository), decode → enrich → encode. This machine's speed drifts by up
// to ≈ 45 % within the hour, so two builds are compared by test binaries
// run alternately for a second each (docs/performance.md), not by two long
// runs minutes apart.
func BenchmarkEnrichChain(b *testing.B) {
	reg, corpus := enrichCorpus(b)
	pipe, err := buildPipeline(defaultEnrichSection(), reg)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("corpus: %d mentions (%v)", len(corpus.Records), corpus.Parts)
	ctx := context.Background()
	b.ReportAllocs()
	// One iteration is one mention (so -benchtime Nx is N mentions, as
	// scripts/enrich-cost.sh counts them); they are enriched as the stage
	// does, enrich.StageChunk at a time.
	var chunk bench.Chunk
	raws := make([][]byte, 0, enrich.StageChunk)
	n := 0
	flush := func() {
		ok, err := chunk.Enrich(ctx, pipe, "bench", raws)
		if err != nil {
			b.Fatal(err)
		}
		n += ok
		raws = raws[:0]
	}
	for i := 0; b.Loop(); i++ {
		raws = append(raws, corpus.Records[i%len(corpus.Records)])
		if len(raws) == enrich.StageChunk {
			flush()
		}
	}
	if len(raws) > 0 {
		flush()
	}
	if n == 0 {
		b.Fatal("no mention was enriched")
	}
}

// TestEnrichStagedSameOutput checks that the stage's path (enrich.StageChunk
// mentions at a time, enricher by enricher) writes byte for byte the
// records that enriching one mention after the other writes, with every
// enricher built as `earshot enrich` builds it (two fresh pipelines: reply
// quality's and the brand detector's state grow with what they see).
func TestEnrichStagedSameOutput(t *testing.T) {
	reg, corpus := enrichCorpus(t)
	records := corpus.Records
	if testing.Short() && len(records) > 1500 {
		records = records[:1500]
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	run := func(staged bool) [][]byte {
		pipe, err := buildPipeline(defaultEnrichSection(), reg)
		if err != nil {
			t.Fatal(err)
		}
		out := make([][]byte, len(records))
		encode := func(i int, m *mention.Mention, err error) {
			if err != nil {
				out[i] = []byte("error: " + err.Error())
				return
			}
			m.EnrichedAt, m.Enricher = &now, pipe.Version()
			v, err := mention.Encode(m)
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			out[i] = v
		}
		decode := func(i int) *mention.Mention {
			m, err := mention.Decode(records[i])
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			return m
		}
		if !staged {
			for i := range records {
				m := decode(i)
				encode(i, m, pipe.Enrich(ctx, m))
			}
			return out
		}
		for start := 0; start < len(records); start += enrich.StageChunk {
			end := min(start+enrich.StageChunk, len(records))
			ms := make([]*mention.Mention, 0, enrich.StageChunk)
			for i := start; i < end; i++ {
				ms = append(ms, decode(i))
			}
			errs := make([]error, len(ms))
			if err := pipe.EnrichStaged(ctx, ms, errs, nil, nil); err != nil {
				t.Fatal(err)
			}
			for j, m := range ms {
				encode(start+j, m, errs[j])
			}
		}
		return out
	}
	one, staged := run(false), run(true)
	differ := 0
	for i := range records {
		if !bytes.Equal(one[i], staged[i]) {
			if differ++; differ <= 3 {
				t.Errorf("record %d differs:\none at a time: %s\nstaged:        %s", i, one[i], staged[i])
			}
		}
	}
	if differ > 0 {
		t.Errorf("%d of %d records differ", differ, len(records))
	}
	t.Logf("%d records, the same bytes both ways", len(records))
}

// enrichCorpus is bench enrich's registry and corpus: the simulated week,
// and twcs when the data sets are beside the repository.
func enrichCorpus(tb testing.TB) (*registry.Registry, *bench.Corpus) {
	tb.Helper()
	reg, err := registry.Default()
	if err != nil {
		tb.Fatal(err)
	}
	twcs := ""
	if d := datasetsDir(); d != "" {
		twcs = filepath.Join(d, "twcs", "twcs_first5000.csv")
	}
	corpus, err := bench.EnrichCorpus(context.Background(), reg, twcs)
	if err != nil {
		tb.Fatal(err)
	}
	return reg, corpus
}
