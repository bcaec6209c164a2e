package sentiment

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/earshot-dev/earshot/mention"
)

// tableEnricher is the enricher TestScoreHybrid scores: the shipped model,
// or the weights file named by $EARSHOT_SENTIMENT_WEIGHTS (to check a
// candidate from the trainer against the same table before shipping it).
func tableEnricher(tb testing.TB) *Enricher {
	tb.Helper()
	path := os.Getenv("EARSHOT_SENTIMENT_WEIGHTS")
	if path == "" {
		return newEnricher(tb)
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	m, err := ReadModel(f)
	if err != nil {
		tb.Fatal(err)
	}
	e, err := NewWithModel(DefaultConfig(), m)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("scoring with %s (%s)", path, m.ID)
	return e
}

// TestScoreHybrid is the behaviour table of the shipped model: negation,
// intensifiers, emoji and emoticons, elongation, sarcasm cues, and
// complaints without sentiment words.
func TestScoreHybrid(t *testing.T) {
	e := tableEnricher(t)
	for _, tc := range []struct {
		name, text, label string
	}{
		{"plain positive", "@SpotifyCares Brilliant thanks 😊", "positive"},
		{"plain negative", "@AmazonHelp my parcel is lost and nobody answers, this is terrible", "negative"},
		{"neutral facts", "My flight is at 5pm from gate B12", "neutral"},
		{"neutral reference", "@VirginTrains the booking reference is KX7Q2P and the train was the 08:10 to Euston", "neutral"},
		{"negation of positive", "The service was not good", "negative"},
		{"negation of negative", "honestly not bad at all, the crew were fine", "positive"},
		{"intensifier", "the new app is extremely good", "positive"},
		{"emoji only", "@Uber 😡😡😡", "negative"},
		{"positive emoji", "finally got my refund 🙌🎉", "positive"},
		{"emoticon", "my order arrived today :)", "positive"},
		{"negative emoticon", "my order still hasn't arrived :(", "negative"},
		{"elongation", "sooooo happy with the upgrade", "positive"},
		{"caps and exclamations", "WORST SERVICE EVER!!!", "negative"},
		{"sarcasm cue", "great job losing my bag again #sarcasm", "negative"},
		{"quiet complaint: delay", "flight delayed 3 hours, no update", "negative"},
		{"quiet complaint: waiting", "@AmazonHelp still waiting for my refund", "negative"},
		{"quiet complaint: on hold", "been on hold for 2 hours", "negative"},
		{"product failure", "the app keeps crashing since the update", "negative"},
		{"product failure hashtag", "installed the new version today #epicfail", "negative"},
		{"quiet complaint: cancelled", "@British_Airways my flight got cancelled and nobody can rebook me", "negative"},
	} {
		s := e.Score(tc.text)
		if s.Label != tc.label {
			t.Errorf("%s: %q: %s compound %.3f confidence %.3f, want %s", tc.name, tc.text, s.Label, s.Compound, s.Confidence, tc.label)
		}
		if !(s.Confidence > 1.0/3 && s.Confidence <= 1) || math.IsNaN(s.Compound) || s.Compound < -1 || s.Compound > 1 {
			t.Errorf("%s: out of range %+v", tc.name, s)
		}
	}
	// A stronger text gets a stronger compound.
	weak, strong := e.Score("the delay was bad"), e.Score("the delay was horrible, awful, the worst!!!")
	if !(strong.Compound < weak.Compound && strong.Confidence > weak.Confidence) {
		t.Errorf("weak %+v, strong %+v", weak, strong)
	}
}

// TestEmbeddedWeights loads the shipped weights and checks that they are
// the trained file they claim to be, and that scoring is deterministic.
func TestEmbeddedWeights(t *testing.T) {
	m, err := EmbeddedModel()
	if err != nil {
		t.Fatal(err)
	}
	if m.Info.FeatureVersion != FeatureVersion || m.Info.HashBits < 10 || len(m.w) != (1<<m.Info.HashBits)*NumClasses {
		t.Fatalf("header %+v, table %d", m.Info, len(m.w))
	}
	if len(weightsFile) > 5<<20 {
		t.Errorf("weights file %d bytes, want < 5 MiB", len(weightsFile))
	}
	if len(m.Info.TrainedOn) == 0 || m.Info.Licence == "" || !(m.Info.Blend >= 0 && m.Info.Blend <= 1) {
		t.Errorf("provenance missing: %+v", m.Info)
	}
	nonzero := 0
	for _, w := range m.w {
		if w != 0 {
			nonzero++
		}
	}
	if nonzero < 10000 {
		t.Errorf("only %d non-zero weights", nonzero)
	}
	// Round trip: writing the loaded table again reads back the same model.
	table := make([]float32, len(m.w))
	for i, q := range m.w {
		table[i] = float32(float64(q) * m.Info.Scale)
	}
	var words *WordTable
	if m.index != nil {
		words = &WordTable{Words: make([]string, len(m.index)), Scores: make([]float32, len(m.scores)), Clusters: m.clusters}
		for w, id := range m.index {
			words.Words[id] = w
		}
		for i, q := range m.scores {
			words.Scores[i] = float32(float64(q) * m.Info.WordScale)
		}
	}
	var buf bytes.Buffer
	if err := WriteModel(&buf, m.Info, table, words); err != nil {
		t.Fatal(err)
	}
	m2, err := ReadModel(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.w {
		if m.w[i] != m2.w[i] {
			t.Fatalf("weight %d: %d after a round trip, want %d", i, m2.w[i], m.w[i])
		}
	}
	if len(m2.index) != len(m.index) || !slices.Equal(m.scores, m2.scores) || !slices.Equal(m.clusters, m2.clusters) {
		t.Fatalf("word table: %d words after a round trip, want %d (or scores or clusters differ)", len(m2.index), len(m.index))
	}
	for w, id := range m.index {
		if m2.index[w] != id {
			t.Fatalf("word %q: row %d after a round trip, want %d", w, m2.index[w], id)
		}
	}

	e1, e2 := newEnricher(t), newEnricher(t)
	for _, text := range []string{"I love it", "flight delayed 3 hours, no update", "", "ok"} {
		a, b := e1.Score(text), e2.Score(text)
		if a != b || a != e1.Score(text) {
			t.Errorf("%q: %+v then %+v", text, a, b)
		}
	}
	if v := e1.Version(); v != "hybrid-1+"+m.ID || len(m.ID) != 12 {
		t.Errorf("version %q", v)
	}
}

func TestReadModelRejects(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":       nil,
		"not gzip":    []byte("hello"),
		"truncated":   weightsFile[:len(weightsFile)/2],
		"bad header":  gz(t, weightsMagic+"{not json\n"),
		"bad magic":   gz(t, "something else\n{}\n"),
		"bad bits":    gz(t, weightsMagic+fmt.Sprintf(`{"feature_version":%d,"hash_bits":40}`, FeatureVersion)+"\n"),
		"old version": gz(t, weightsMagic+fmt.Sprintf(`{"feature_version":%d,"hash_bits":12}`, FeatureVersion-1)+"\n"),
	} {
		if _, err := ReadModel(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func gz(tb testing.TB, s string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzipWriter(&buf)
	zw.Write([]byte(s))
	zw.Close()
	return buf.Bytes()
}

func BenchmarkSentiment(b *testing.B) {
	for _, bc := range []struct {
		name string
		e    *Enricher
	}{{"hybrid", newEnricher(b)}, {"vader", newVADER(b)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				bc.e.Score(benchTexts[i%len(benchTexts)])
			}
		})
	}
}

func gzipWriter(buf *bytes.Buffer) *gzip.Writer { return gzip.NewWriter(buf) }

// BenchmarkReadModel measures loading the weights: the embedded file, or
// the one named by $EARSHOT_SENTIMENT_WEIGHTS (to compare two models).
func BenchmarkReadModel(b *testing.B) {
	data := weightsFile
	if p := os.Getenv("EARSHOT_SENTIMENT_WEIGHTS"); p != "" {
		var err error
		if data, err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ReadModel(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestInboundDecisionBias checks that Enrich takes the label with the
// model's inbound decision biases for an inbound mention only, that the
// compound and the other directions are Score's, and that a model without
// inbound biases scores an inbound mention as Score does.
func TestInboundDecisionBias(t *testing.T) {
	shipped := newEnricher(t)
	forced := *shipped.Model() // the same weights, inbound biases that force "negative"
	forced.Info.InboundDecisionBias = &[NumClasses]float64{ClassNegative: 100}
	without := *shipped.Model()
	without.Info.InboundDecisionBias = nil
	texts := []string{"@SpotifyCares Brilliant thanks 😊", "My flight is at 5pm from gate B12", "@AmazonHelp my parcel is lost"}
	for _, tc := range []struct {
		name      string
		model     *Model
		direction string
		negative  bool // every label negative; else Score's label
	}{
		{"forced, inbound", &forced, mention.DirectionInbound, true},
		{"forced, outbound", &forced, mention.DirectionOutbound, false},
		{"forced, other", &forced, mention.DirectionOther, false},
		{"forced, no direction", &forced, "", false},
		{"no inbound biases, inbound", &without, mention.DirectionInbound, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := NewWithModel(DefaultConfig(), tc.model)
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range texts {
				m := &mention.Mention{Text: text, Direction: tc.direction}
				if err := e.Enrich(t.Context(), m); err != nil {
					t.Fatal(err)
				}
				plain := e.Score(text)
				want := plain.Label
				if tc.negative {
					want = "negative"
				}
				if m.Sentiment.Label != want {
					t.Errorf("%q: label %s, want %s", text, m.Sentiment.Label, want)
				}
				if m.Sentiment.Compound != plain.Compound {
					t.Errorf("%q: compound %v, Score's %v", text, m.Sentiment.Compound, plain.Compound)
				}
				if in := e.ScoreInbound(text); tc.direction == mention.DirectionInbound && in != *m.Sentiment {
					t.Errorf("%q: ScoreInbound %+v, Enrich %+v", text, in, *m.Sentiment)
				}
			}
		})
	}
}
