package reasons_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/earshot-dev/earshot/enrich/reasons"
	"github.com/earshot-dev/earshot/enrich/urgency"
	"github.com/earshot-dev/earshot/mention"
)

// benchTexts are customer posts: the inbound tweets of twcs_first5000 when
// ../shared/datasets is present, else a few written for the benchmark.
func benchTexts(tb testing.TB) []string {
	tb.Helper()
	texts := []string{
		"@British_Airways flight BA117 delayed 4 hours and no one at the gate to tell us anything",
		"@AmazonHelp my package says delivered but it isn't here, third time this month, I want a refund",
		"@O2 no signal all day in Leeds, is the network down? Can't even call 999",
		"@AppleSupport since the 11.1 update my iPhone keeps freezing and the battery drains in an hour",
		"@SpotifyCares how do I switch my premium to the family plan? I got charged twice",
		"Huge thanks to Anna at the KLM desk, she sorted my booking in minutes",
	}
	if wd, err := os.Getwd(); err == nil {
		if f, err := os.Open(filepath.Join(wd, "..", "..", "..", "shared", "datasets", "twcs", "twcs_first5000.csv")); err == nil {
			defer f.Close()
			cr := csv.NewReader(f)
			cr.FieldsPerRecord = -1
			if rows, err := cr.ReadAll(); err == nil && len(rows) > 1 {
				var in []string
				for _, r := range rows[1:] {
					if len(r) > 5 && r[3] == "True" {
						in = append(in, r[5])
					}
				}
				if len(in) > 100 {
					tb.Logf("input: %d inbound twcs_first5000 tweets", len(in))
					return in
				}
			}
		}
	}
	tb.Log("input: built-in texts")
	return texts
}

func BenchmarkClassify(b *testing.B) {
	texts := benchTexts(b)
	c := classifier(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Classify(texts[i%len(texts)], -0.3, reasons.DefaultThreshold, 3)
		i++
	}
}

// BenchmarkReasonsAndUrgency is the cost of both enrichers on one customer
// mention, as the pipeline runs them (the budget is ≈ 5 µs).
func BenchmarkReasonsAndUrgency(b *testing.B) {
	texts := benchTexts(b)
	re, err := reasons.New(reasons.DefaultConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	ue, err := urgency.New(urgency.DefaultConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ms := make([]mention.Mention, len(texts))
	for i, t := range texts {
		ms[i] = mention.Mention{Text: t, Direction: mention.DirectionInbound, Sentiment: &mention.Sentiment{Compound: -0.3, Label: "negative"}}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m := &ms[i%len(ms)]
		if err := re.Enrich(ctx, m); err != nil {
			b.Fatal(err)
		}
		if err := ue.Enrich(ctx, m); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkReasonsAndUrgencyParallel(b *testing.B) {
	texts := benchTexts(b)
	re, _ := reasons.New(reasons.DefaultConfig(), nil)
	ue, _ := urgency.New(urgency.DefaultConfig(), nil)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			m := mention.Mention{Text: texts[i%len(texts)], Direction: mention.DirectionInbound}
			_ = re.Enrich(ctx, &m)
			_ = ue.Enrich(ctx, &m)
			i++
		}
	})
}
