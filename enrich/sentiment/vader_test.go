package sentiment

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/earshot-dev/earshot/eval"
)

// TestFastVADERMatchesGovader checks that fastVADER gives govader's scores:
// on hand-made edge cases, and on every tweet of VADER's ground truth and
// SemEval's 2013 test file when the data sets are present.
func TestFastVADERMatchesGovader(t *testing.T) {
	sia := analyzer()
	for k := range sia.EmojiDict {
		// govader looks up one rune at a time, so only one-rune keys count.
		if r, n := utf8.DecodeRuneInString(k); n == len(k) && r < utf8.RuneSelf {
			t.Fatalf("emoji dictionary has an ASCII key %q: fastVADER skips ASCII", k)
		}
	}
	v := fast()
	texts := []string{"", " ", "I love it", "I do NOT like it at ALL", "not bad", "never so good", "without doubt great",
		"the shit", "kind of good", "at least good", "least good", "very least good", "good but bad", "GREAT!!!!",
		"really?? why??", "no good", "no problem", "nor good or bad", "😀 good😡bad", "\xff good", "sort of nice",
		"it was the bomb", "yeah right", "ok ok ok very very very good", ":) :( :D", "it's not the best, but OK",
		// Idioms and multi-word boosters around a sentiment word at index ≥ 3
		// (vSpecialIdioms3 and its idiom-word filter).
		"that movie was the shit", "honestly my new car is bad ass", "oh well that was great yeah right",
		"the food was to die for good", "you know kind of good really", "this is sort of nice", "it is just enough good",
		"what a kiss of death terrible", "wow so the bomb great", "great the shit happy", "i am kind of sad sort of"}
	if ds, ok := datasetsDir(); ok {
		for _, f := range []struct{ rel, format string }{
			{"sentiment/vader_tweets/tweets_GroundTruth.txt", eval.FormatVADER},
			{"sentiment/semeval_2013_2016/twitter-2013test-A.tsv", eval.FormatSemEval},
		} {
			fh, err := os.Open(filepath.Join(ds, f.rel))
			if err != nil {
				continue
			}
			d, err := eval.Read(fh, f.format)
			fh.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, ex := range d.Examples {
				texts = append(texts, ex.Text)
			}
		}
	}
	var s vaderScratch
	bad := 0
	for _, text := range texts {
		want, got := sia.PolarityScores(text), v.score(text, &s)
		if math.Abs(want.Compound-got.Compound) > 1e-9 || math.Abs(want.Positive-got.Positive) > 1e-9 ||
			math.Abs(want.Negative-got.Negative) > 1e-9 || math.Abs(want.Neutral-got.Neutral) > 1e-9 {
			if bad++; bad <= 10 {
				t.Errorf("%q: fast %+v, govader %+v", text, got, want)
			}
		}
	}
	t.Logf("%d texts compared, %d differ", len(texts), bad)
}

func datasetsDir() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
	ds := filepath.Join(filepath.Dir(dir), "shared", "datasets")
	_, err = os.Stat(ds)
	return ds, err == nil
}

func BenchmarkVADER(b *testing.B) {
	sia, v := analyzer(), fast()
	var s vaderScratch
	b.Run("govader", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			sia.PolarityScores(benchTexts[i%len(benchTexts)])
		}
	})
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			v.score(benchTexts[i%len(benchTexts)], &s)
		}
	})
}

// FuzzFastVADER checks fastVADER against govader on arbitrary text.
func FuzzFastVADER(f *testing.F) {
	for _, s := range []string{"I love it", "not BAD at all!!", "kind of the shit", "😀good", "\xffno", "at least  good ??"} {
		f.Add(s)
	}
	sia, v := analyzer(), fast()
	f.Fuzz(func(t *testing.T, text string) {
		var s vaderScratch
		want, got := sia.PolarityScores(text), v.score(text, &s)
		same := func(a, b float64) bool { return a == b || math.Abs(a-b) <= 1e-9 || (math.IsNaN(a) && math.IsNaN(b)) }
		if !same(want.Compound, got.Compound) || !same(want.Positive, got.Positive) || !same(want.Negative, got.Negative) || !same(want.Neutral, got.Neutral) {
			t.Fatalf("%q: fast %+v, govader %+v", text, got, want)
		}
	})
}

func TestEmoticonAtMatchesMap(t *testing.T) {
	toks := []string{"", ":", ":)", ":-)", "xD", "XD", "x", "xDD", "D:", "DOG", "T_T", "T", "<3", "</3", "^^", "^_^",
		">:(", ":'(", "(:", "good", "8)", "8", "-_-", "):", "longer-than-any", ";-)", ":S", ":s", ":P", ":p"}
	for e := range emoticons {
		toks = append(toks, e, e+"x", "a"+e)
	}
	for _, tok := range toks {
		wantPol, wantOK := emoticons[tok]
		pol, ok := emoticonAt(tok)
		if pol != wantPol || ok != wantOK {
			t.Errorf("emoticonAt(%q) = %d, %v; the map says %d, %v", tok, pol, ok, wantPol, wantOK)
		}
	}
}
