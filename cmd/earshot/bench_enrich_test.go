package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/earshot-dev/earshot/bench"
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
	reg, err := registry.Default()
	if err != nil {
		b.Fatal(err)
	}
	pipe, err := buildPipeline(defaultEnrichSection(), reg)
	if err != nil {
		b.Fatal(err)
	}
	twcs := ""
	if d := datasetsDir(); d != "" {
		twcs = filepath.Join(d, "twcs", "twcs_first5000.csv")
	}
	corpus, err := bench.EnrichCorpus(context.Background(), reg, twcs)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("corpus: %d mentions (%v)", len(corpus.Records), corpus.Parts)
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		ok, err := bench.EnrichOne(ctx, pipe, "bench", corpus.Records[i%len(corpus.Records)])
		if err != nil {
			b.Fatal(err)
		}
		if ok {
			n++
		}
	}
	if n == 0 {
		b.Fatal("no mention was enriched")
	}
}
