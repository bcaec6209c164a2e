package sentiment

import (
	"html"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jonreiter/govader"

	"github.com/earshot-dev/earshot/mention"
)

func newEnricher(tb testing.TB) *Enricher {
	tb.Helper()
	e, err := New(DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"@AppleSupport causing the reply to be disregarded", "causing the reply to be disregarded"},
		{"@105838 @AppleSupport Me too am suffering", "Me too am suffering"},
		{"I still haven't heard &amp; the number is a dead end", "I still haven't heard & the number is a dead end"},
		{"see https://t.co/NxVZjlYx1k and WWW.example.com/x now", "see and now"},
		{"  lots\n\nof\t space  ", "lots of space"},
		{"mail a@b.com (@KLM) ok", "mail a@b.com (@KLM) ok"},
		{"RT @KLM: great!", "RT : great!"},
		{"@", "@"},
		{"", ""},
		{"no\u00a0break\u2003em space\u3000ideographic", "no break em space ideographic"},
		{"naïve café — ok", "naïve café — ok"},
		{"https://x.y/é\u00a0après", "après"},
		{"\xff\xfe bad utf-8", "\xff\xfe bad utf-8"},
	} {
		var b strings.Builder
		clean(&b, tc.in)
		if got := b.String(); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// cleanReference is clean as it was written first, rune by rune: the
// oracle for FuzzClean.
func cleanReference(b *strings.Builder, text string) {
	if strings.IndexByte(text, '&') >= 0 {
		text = html.UnescapeString(text)
	}
	tokenStart, pendingSpace := true, false
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			tokenStart, pendingSpace = true, b.Len() > 0
			i += size
			continue
		}
		if tokenStart {
			tokenStart = false
			if j := skipToken(text, i); j > i {
				i = j
				continue
			}
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteString(text[i : i+size])
		i += size
	}
}

// clean copies whole tokens at once; it must give what the rune-by-rune
// version gives, for any input.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"@KLM: hi", "a\u00a0b\u2028c", "see https://t.co/x now", "\xff@\xfe www.x", "&amp;&lt; x", "  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got, want strings.Builder
		clean(&got, s)
		cleanReference(&want, s)
		if got.String() != want.String() {
			t.Fatalf("clean(%q) = %q, the rune-by-rune version %q", s, got.String(), want.String())
		}
	})
}

func TestConfidence(t *testing.T) {
	e := newVADER(t)
	for _, tc := range []struct {
		ps    govader.Sentiment
		label string
		conf  float64
	}{
		{govader.Sentiment{Compound: 0.05}, "positive", 0.5},
		{govader.Sentiment{Compound: 1}, "positive", 1},
		{govader.Sentiment{Compound: 0.525}, "positive", 0.75},
		{govader.Sentiment{Compound: -0.525}, "negative", 0.75},
		{govader.Sentiment{Compound: -1}, "negative", 1},
		{govader.Sentiment{Compound: 0, Neutral: 1}, "neutral", 1},
		{govader.Sentiment{Compound: 0, Neutral: 0}, "neutral", 0.5},                                      // nothing scorable
		{govader.Sentiment{Compound: 0.025, Neutral: 1}, "neutral", 0.75},                                 // half-way to the threshold
		{govader.Sentiment{Compound: 0.0, Neutral: 0.5, Positive: 0.25, Negative: 0.25}, "neutral", 0.75}, // mixed
		{govader.Sentiment{Compound: -0.0499, Neutral: 1}, "neutral", 0.501},
		{govader.Sentiment{Compound: math.NaN()}, "neutral", 0.5},
		{govader.Sentiment{Compound: 1.5}, "positive", 1},
	} {
		s := e.fromScores(tc.ps)
		if s.Label != tc.label || math.Abs(s.Confidence-tc.conf) > 1e-9 {
			t.Errorf("%+v: %s %.4f, want %s %.4f", tc.ps, s.Label, s.Confidence, tc.label, tc.conf)
		}
	}
}

func newVADER(tb testing.TB) *Enricher {
	tb.Helper()
	e, err := New(Config{Model: ModelVADER, Threshold: DefaultThreshold})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// TestScoreVADER checks the lexicon-only model and its confidence.
func TestScoreVADER(t *testing.T) {
	e := newVADER(t)
	for _, tc := range []struct {
		text    string
		label   string
		minConf float64
	}{
		{"@SpotifyCares Brilliant thanks 😊", "positive", 0.75},
		{"@VirginTrains the booking reference is KX7Q2P and the train was the 08:10 to Euston", "neutral", 0.9},
		{"@AmazonHelp my parcel is lost and nobody answers, this is terrible", "negative", 0.7},
		{"@AppleSupport after the 11.0.2 my phone just sucks most of the apps are broken, wifi disconnects frequently #painfulupdate", "negative", 0.6},
		{"Flight 2 hours late and the crew were rude. Worst airline ever @British_Airways", "negative", 0.7},
		{"My flight is at 5pm from gate B12", "neutral", 0.99},
		{"https://t.co/abc", "neutral", 0.5},
		{"The service was not good", "negative", 0.5},
	} {
		s := e.Score(tc.text)
		if s.Label != tc.label || s.Confidence < tc.minConf {
			t.Errorf("%q: %s compound %.3f confidence %.3f, want %s with confidence ≥ %.2f", tc.text, s.Label, s.Compound, s.Confidence, tc.label, tc.minConf)
		}
	}
	// A stronger text is scored more confidently.
	weak, strong := e.Score("the delay was bad"), e.Score("the delay was horrible, awful, the worst!!!")
	if !(strong.Compound < weak.Compound && strong.Confidence > weak.Confidence) {
		t.Errorf("weak %+v, strong %+v", weak, strong)
	}
}

func TestEnrichSetsAValidSentiment(t *testing.T) {
	e := newEnricher(t)
	now := time.Now().UTC()
	m := &mention.Mention{V: 1, ID: "x:1", Platform: "x", NativeID: "1", CreatedAt: now, IngestedAt: now, Source: "t",
		Author: mention.Author{ID: "1"}, Text: "I love it", ConversationID: "x:1"}
	if err := e.Enrich(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if m.Sentiment == nil || m.Sentiment.Label != "positive" {
		t.Fatalf("sentiment %+v", m.Sentiment)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		model string
		th    float64
		field string // "" when valid
	}{
		{ModelHybrid, 0.05, ""}, {ModelVADER, 0.5, ""}, {ModelVADER, 0, "enrich.sentiment.threshold"},
		{ModelVADER, 1, "enrich.sentiment.threshold"}, {ModelHybrid, -0.1, "enrich.sentiment.threshold"},
		{ModelVADER, math.NaN(), "enrich.sentiment.threshold"}, {"", 0.05, "enrich.sentiment.model"},
		{"bert", 0.05, "enrich.sentiment.model"},
	} {
		err := Config{Model: tc.model, Threshold: tc.th}.Validate()
		if (err == nil) != (tc.field == "") {
			t.Errorf("%s %v: err = %v", tc.model, tc.th, err)
		}
		if err != nil && !strings.Contains(err.Error(), tc.field) {
			t.Errorf("error does not name %s: %v", tc.field, err)
		}
	}
}

// TestConcurrent shares one analyzer between goroutines; with -race it
// checks that govader does not write shared state while scoring.
func TestConcurrent(t *testing.T) {
	e := newEnricher(t)
	texts := []string{"I love it!!", "worst service ever", "ok", "not bad at all, but the app is SO slow 😡"}
	want := make([]mention.Sentiment, len(texts))
	for i, s := range texts {
		want[i] = e.Score(s)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				k := (i + w) % len(texts)
				if got := e.Score(texts[k]); got != want[k] {
					t.Errorf("%q: %+v, want %+v", texts[k], got, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzScore(f *testing.F) {
	for _, s := range []string{"I love it", "@KLM worst!!!", "&amp;&lt;", "https://x", "\xff", "NOT GOOD"} {
		f.Add(s)
	}
	e := newEnricher(f)
	f.Fuzz(func(t *testing.T, text string) {
		s := e.Score(text)
		if !(s.Compound >= -1 && s.Compound <= 1) || !(s.Confidence >= 0 && s.Confidence <= 1) {
			t.Fatalf("%q: %+v out of range", text, s)
		}
		switch s.Label {
		case "positive", "negative", "neutral":
		default:
			t.Fatalf("label %q", s.Label)
		}
	})
}

var benchTexts = []string{
	"@AppleSupport causing the reply to be disregarded and the tapped notification under the keyboard is opened😡😡😡",
	"@105835 Your business means a lot to us. Please DM your name, zip code and additional details about your concern. ^RR https://t.co/znUu1VJn9r",
	"@VirginTrains I still haven't heard &amp; the number I'm directed to by phone is a dead end &amp; the live chat doesn't work. Can someone call me?",
	"@105840 That's great to hear. If anything comes up, just let us know. We'll carry on helping out 🙂 /AY",
}

func BenchmarkScore(b *testing.B) {
	e := newEnricher(b)
	size := 0
	for _, s := range benchTexts {
		size += len(s)
	}
	b.SetBytes(int64(size / len(benchTexts)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Score(benchTexts[i%len(benchTexts)])
	}
}

func BenchmarkScoreParallel(b *testing.B) {
	e := newEnricher(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			e.Score(benchTexts[i%len(benchTexts)])
		}
	})
}
