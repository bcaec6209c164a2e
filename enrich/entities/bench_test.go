package entities

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/jdkato/prose/v2"

	"github.com/earshot-dev/earshot/internal/testenv"
)

// benchTexts are customer-service posts of the kinds earshot sees (written
// for this benchmark).
var benchTexts = []string{
	"@British_Airways my flight BA117 from LHR was cancelled and nobody at the desk can tell me anything. Booking ref X7K2PQ",
	"@AmazonHelp order #112-1234567-1234567 still not here, tracking says delivered?? this is the third time",
	"Huge thanks to Sarah at @Tesco in Manchester for sorting my refund so quickly 👏",
	"why does the @Spotify app keep crashing on my iPhone since the update #fail",
	"@O2 no signal in central London again all day, when will this be fixed",
	"@AppleSupport my MacBook Pro won't turn on after the latest macOS update, help",
	"stuck at Schiphol, KL 1234 delayed 3 hours and no update from @KLM",
	"@SouthwestAir great crew on the flight to Denver today, thanks!",
	"DPD lost my parcel again, tracking number 15501234567890 shows nothing since Monday",
	"@VirginTrains the 17:05 from Euston is packed and the wifi doesn't work",
}

func BenchmarkEnrich(b *testing.B) {
	e := newEnricher(b, DefaultConfig())
	benchFind(b, e, benchTexts)
}

// BenchmarkEnrichTWCS runs over the first 5,000 posts of the Customer
// Support on Twitter data set, when present.
func BenchmarkEnrichTWCS(b *testing.B) {
	texts := twcsTexts(b)
	e := newEnricher(b, DefaultConfig())
	benchFind(b, e, texts)
}

// twcsTexts reads the texts of the first 5,000 twcs posts (skips when the
// data set is absent).
func twcsTexts(b *testing.B) []string {
	dir := testenv.Datasets(b)
	f, err := os.Open(filepath.Join(dir, "twcs", "twcs_first5000.csv"))
	if err != nil {
		b.Skip(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	hdr, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	col := -1
	for i, h := range hdr {
		if h == "text" {
			col = i
		}
	}
	var texts []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if col >= 0 && col < len(rec) {
			texts = append(texts, rec[col])
		}
	}
	return texts
}

// BenchmarkTagTWCS is the tagger alone (TagWords on tokenized twcs posts)
// with the shipped model's decoder, greedily, and with its beam without
// the gap.
func BenchmarkTagTWCS(b *testing.B) {
	texts := twcsTexts(b)
	var words [][]string
	for _, t := range texts {
		var ws []string
		for _, sp := range Tokenize(nil, t) {
			ws = append(ws, t[sp.Start:sp.End])
		}
		words = append(words, ws)
	}
	m, err := DefaultModel()
	if err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		m    *Model
	}{
		{"shipped", m},
		{"greedy", m.WithBeam(1, 0)},
		{"beam-no-gap", m.WithBeam(m.Info.Beam, 0)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			tg, err := NewTagger(tt.m, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var labels []int
			b.ResetTimer()
			defer cpuTimer(b)()
			for i := 0; i < b.N; i++ {
				labels = tg.TagWords(labels[:0], words[i%len(words)])
			}
		})
	}
}

func benchFind(b *testing.B, e *Enricher, texts []string) {
	n := 0
	for _, t := range texts {
		n += len(t)
	}
	b.SetBytes(int64(n / len(texts)))
	b.ReportAllocs()
	var dst = e.Find(nil, "")
	b.ResetTimer()
	defer cpuTimer(b)()
	for i := 0; i < b.N; i++ {
		dst = e.Find(dst[:0], texts[i%len(texts)])
	}
}

func BenchmarkTokenize(b *testing.B) {
	b.ReportAllocs()
	var toks []Span
	defer cpuTimer(b)()
	for i := 0; i < b.N; i++ {
		toks = Tokenize(toks[:0], benchTexts[i%len(benchTexts)])
	}
}

// BenchmarkProseTokenize is prose/v2's tokenizer alone (a shared model,
// no tagging, segmentation or extraction), for comparison.
func BenchmarkProseTokenize(b *testing.B) {
	model := prose.ModelFromData("none")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := prose.NewDocument(benchTexts[i%len(benchTexts)], prose.UsingModel(model),
			prose.WithTagging(false), prose.WithSegmentation(false), prose.WithExtraction(false)); err != nil {
			b.Fatal(err)
		}
	}
}
