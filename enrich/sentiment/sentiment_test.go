package sentiment

import (
	"bufio"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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
	} {
		var b strings.Builder
		clean(&b, tc.in)
		if got := b.String(); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestConfidence(t *testing.T) {
	e := newEnricher(t)
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

func TestScore(t *testing.T) {
	e := newEnricher(t)
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
		th float64
		ok bool
	}{{0.05, true}, {0.5, true}, {0, false}, {1, false}, {-0.1, false}, {math.NaN(), false}} {
		err := Config{Threshold: tc.th}.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("threshold %v: err = %v", tc.th, err)
		}
		if err != nil && !strings.Contains(err.Error(), "enrich.sentiment.threshold") {
			t.Errorf("error does not name the field: %v", err)
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

// datasets returns the shared datasets folder (../shared/datasets from the
// repository root), or skips the test when it is absent.
func datasets(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("repository root not found")
		}
		dir = parent
	}
	ds := filepath.Join(filepath.Dir(dir), "shared", "datasets")
	if _, err := os.Stat(ds); err != nil {
		tb.Skipf("datasets not available at %s", ds)
	}
	return ds
}

// TestDatasets measures the enricher on public labelled data and guards
// against regressions (a broken cleaner or threshold shows up here). It
// logs the figures; run with -v to see them.
func TestDatasets(t *testing.T) {
	ds := datasets(t)
	e := newEnricher(t)

	t.Run("vader_tweets", func(t *testing.T) {
		f, err := os.Open(filepath.Join(ds, "sentiment", "vader_tweets", "tweets_GroundTruth.txt"))
		if err != nil {
			t.Skip(err)
		}
		defer f.Close()
		var xs, ys []float64
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			parts := strings.SplitN(strings.TrimRight(sc.Text(), "\r"), "\t", 3)
			if len(parts) != 3 {
				continue
			}
			y, err := strconv.ParseFloat(parts[1], 64)
			if err != nil {
				continue
			}
			xs = append(xs, e.Score(parts[2]).Compound)
			ys = append(ys, y)
		}
		r := pearson(xs, ys)
		t.Logf("vader_tweets: n=%d Pearson r=%.3f (paper 0.881, reference VADER 0.872)", len(xs), r)
		if len(xs) < 4000 || r < 0.85 {
			t.Errorf("n=%d r=%.3f, want ≥ 4000 rows and r ≥ 0.85", len(xs), r)
		}
	})

	t.Run("sentiment140", func(t *testing.T) {
		f, err := os.Open(filepath.Join(ds, "sentiment", "sentiment140_test", "testdata.manual.2009.06.14.csv"))
		if err != nil {
			t.Skip(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var all, allOK, polar, polarOK, signOK int
		for _, row := range rows {
			if len(row) < 6 {
				continue
			}
			want := map[string]string{"0": "negative", "2": "neutral", "4": "positive"}[row[0]]
			if want == "" {
				continue
			}
			sc := e.Score(row[5])
			got := sc.Label
			all++
			if got == want {
				allOK++
			}
			if want != "neutral" {
				polar++
				if got == want {
					polarOK++
				}
				if (sc.Compound >= 0) == (want == "positive") {
					signOK++
				}
			}
		}
		accSign, accPolar, accAll := float64(signOK)/float64(polar), float64(polarOK)/float64(polar), float64(allOK)/float64(all)
		t.Logf("sentiment140: %d pos/neg rows: accuracy by the sign of compound %.1f%% (reference VADER 79.4%%), by label %.1f%% (a neutral label counts as wrong); all %d rows by label %.1f%% (reference 72.1%%)",
			polar, 100*accSign, 100*accPolar, all, 100*accAll)
		if accSign < 0.77 || accAll < 0.68 {
			t.Errorf("accuracy %.3f / %.3f below the guard 0.77 / 0.68", accSign, accAll)
		}
	})

	t.Run("semeval2016test", func(t *testing.T) {
		f, err := os.Open(filepath.Join(ds, "sentiment", "semeval_2013_2016", "twitter-2016test-A.tsv"))
		if err != nil {
			t.Skip(err)
		}
		defer f.Close()
		labels := []string{"positive", "neutral", "negative"}
		confusion := map[[2]string]int{}
		type band struct{ n, ok int }
		bands := make([]band, 5) // confidence 0.5–0.6, …, 0.9–1.0
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		n := 0
		for sc.Scan() {
			parts := strings.Split(sc.Text(), "\t")
			if len(parts) < 3 {
				continue
			}
			want := parts[1]
			text := strings.Trim(parts[2], `"`)
			s := e.Score(text)
			confusion[[2]string{want, s.Label}]++
			bi := min(4, max(0, int((s.Confidence-0.5)*10)))
			bands[bi].n++
			if s.Label == want {
				bands[bi].ok++
			}
			n++
		}
		var recall float64
		for _, l := range labels {
			tot := 0
			for _, g := range labels {
				tot += confusion[[2]string{l, g}]
			}
			recall += float64(confusion[[2]string{l, l}]) / float64(max(1, tot))
		}
		recall /= 3
		t.Logf("semeval 2016 test: n=%d macro-averaged recall %.3f (reference VADER on SemEval-2017: 0.570)", n, recall)
		for i, b := range bands {
			if b.n > 0 {
				t.Logf("  confidence %.1f–%.1f: %5d tweets, accuracy %.1f%%", 0.5+float64(i)/10, 0.6+float64(i)/10, b.n, 100*float64(b.ok)/float64(b.n))
			}
		}
		if n < 10000 || recall < 0.52 {
			t.Errorf("n=%d macro recall %.3f below the guard 0.52", n, recall)
		}
	})
}

func pearson(xs, ys []float64) float64 {
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	return sxy / math.Sqrt(sxx*syy)
}
