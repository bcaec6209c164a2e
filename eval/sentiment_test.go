package eval

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/enrich/sentiment"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
)

// table is a Scorer that answers from a table: it checks the report's
// arithmetic independently of any model.
type table map[string]mention.Sentiment

func (tb table) Score(_ context.Context, text string) (mention.Sentiment, error) {
	s, ok := tb[text]
	if !ok {
		return mention.Sentiment{}, fmt.Errorf("no entry for %q", text)
	}
	return s, nil
}

func lines(t *testing.T, r *Report) map[string]string {
	t.Helper()
	var b bytes.Buffer
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("line %q is not name=value", l)
		}
		if _, dup := out[k]; dup {
			t.Fatalf("line %s printed twice", k)
		}
		out[k] = v
	}
	return out
}

func TestSentimentReport(t *testing.T) {
	pos := mention.Sentiment{Label: "positive", Compound: 0.5}
	neu := mention.Sentiment{Label: "neutral", Compound: 0}
	neg := mention.Sentiment{Label: "negative", Compound: -0.5}
	sc := table{"p1": pos, "p2": pos, "p3": neu, "n1": neu, "n2": neg, "g1": neg, "g2": pos, "bad": {Label: "mixed"}}
	input := "1\tpositive\tp1\n2\tpositive\tp2\n3\tpositive\tp3\n4\tneutral\tn1\n5\tneutral\tn2\n6\tnegative\tg1\n7\tnegative\tg2\n8\tnegative\tbad\n9\tmixed\tx\n"
	d, err := Read(strings.NewReader(input), FormatSemEval)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Sentiment(context.Background(), d, sc)
	if err != nil {
		t.Fatal(err)
	}
	got := lines(t, r)
	// positive: P 2/3 R 2/3 F1 2/3; neutral: P 1/2 R 1/2 F1 1/2; negative: P 1/2 R 1/2 F1 1/2.
	want := map[string]string{
		"n": "7", "skipped": "1", "skipped_bad_label": "1", "scorer_errors": "1",
		"accuracy": "0.5714", "precision_positive": "0.6667", "recall_positive": "0.6667", "f1_positive": "0.6667",
		"f1_neutral": "0.5000", "f1_negative": "0.5000", "f1_pn": "0.5833",
		"macro_recall": "0.5556", "macro_f1": "0.5556",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if last := r.Lines[len(r.Lines)-1]; last.Name != "macro_f1" {
		t.Errorf("last line %s, want macro_f1", last.Name)
	}
}

func TestSentimentReportVADER(t *testing.T) {
	sc := table{"a": {Label: "positive", Compound: 0.6}, "b": {Label: "negative", Compound: -0.4}, "c": {Label: "neutral", Compound: 0}, "d": {Label: "positive", Compound: 0.2}}
	d, err := Read(strings.NewReader("1\t3\ta\n2\t-2\tb\n3\t1\tc\n4\t-1\td\n"), FormatVADER)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Sentiment(context.Background(), d, sc)
	if err != nil {
		t.Fatal(err)
	}
	got := lines(t, r)
	want := map[string]string{"n": "4", "sign_n": "4", "sign_accuracy": "0.5000", "neutral_predicted": "0.2500"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	// x = 0.6 −0.4 0 0.2 (mean 0.1), y = 3 −2 1 −1 (mean 0.25):
	// Σdx dy = 0.5·2.75 + (−0.5)(−2.25) + (−0.1)(0.75) + 0.1(−1.25) = 2.3; Σdx² = 0.52; Σdy² = 14.75.
	if got["pearson_r"] != "0.8305" {
		t.Errorf("pearson_r = %s, want 0.8305 (2.3/sqrt(0.52·14.75))", got["pearson_r"])
	}
	if last := r.Lines[len(r.Lines)-1]; last.Name != "pearson_r" {
		t.Errorf("last line %s, want pearson_r", last.Name)
	}
}

func TestSentimentNothingScored(t *testing.T) {
	d, _ := Read(strings.NewReader("1\tmixed\tx\n"), FormatSemEval)
	se, _ := sentiment.New(sentiment.DefaultConfig())
	if _, err := Sentiment(context.Background(), d, EnricherScorer{Enricher: se}); err == nil {
		t.Error("no error when nothing could be scored")
	}
}

// TestDatasets runs the project's sentiment enricher over the public data
// sets and checks the figures are in a sane range (they are reported by
// `earshot eval sentiment`; these bounds catch a broken reader or
// enricher, not small regressions).
func TestDatasets(t *testing.T) {
	dir := filepath.Join(testenv.Datasets(t), "sentiment")
	se, err := sentiment.New(sentiment.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file, format string
		minN         int
		headline     string
		lo, hi       float64
		skipped      map[string]int
	}{
		{"vader_tweets/tweets_GroundTruth.txt", FormatVADER, 4200, "pearson_r", 0.85, 0.95, nil},
		{"semeval_2013_2016/twitter-2013test-A.tsv", FormatSemEval, 3500, "macro_f1", 0.5, 0.9, nil},
		{"semeval_2013_2016/twitter-2016test-A.tsv", FormatSemEval, 20000, "macro_f1", 0.4, 0.9, nil},
		{"sentiment140_test/testdata.manual.2009.06.14.csv", FormatS140, 498, "macro_f1", 0.55, 0.95, nil},
		{"brand_emotion_sxsw/brand_product_emotion.csv", FormatCrowdFlower, 8900, "macro_f1", 0.3, 0.9, map[string]int{SkipCantTell: 156}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, tt.file))
			if err != nil {
				t.Skipf("not present: %v", err)
			}
			defer f.Close()
			d, err := Read(f, tt.format)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Sentiment(context.Background(), d, EnricherScorer{Enricher: se})
			if err != nil {
				t.Fatal(err)
			}
			got := lines(t, r)
			var n int
			fmt.Sscan(got["n"], &n)
			if n < tt.minN {
				t.Errorf("n = %d, want ≥ %d (skipped %v, first %v)", n, tt.minN, d.Skipped, d.FirstSkip)
			}
			for reason, want := range tt.skipped {
				if d.Skipped[reason] != want {
					t.Errorf("skipped %s = %d, want %d", reason, d.Skipped[reason], want)
				}
			}
			h, err := r.Float(tt.headline)
			if err != nil {
				t.Fatal(err)
			}
			if r.Lines[len(r.Lines)-1].Name != tt.headline {
				t.Errorf("last line %s, want %s", r.Lines[len(r.Lines)-1].Name, tt.headline)
			}
			if h < tt.lo || h > tt.hi {
				t.Errorf("%s = %.4f, want %.2f..%.2f", tt.headline, h, tt.lo, tt.hi)
			}
			t.Logf("%s: n=%d %s=%.4f accuracy=%s macro_recall=%s", tt.file, n, tt.headline, h, got["accuracy"], got["macro_recall"])
		})
	}
}
