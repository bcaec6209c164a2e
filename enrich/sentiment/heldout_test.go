package sentiment

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/eval"
)

// heldOut are the evaluation files: none of them was trained on (the
// training command drops any training row whose id or text occurs in one
// of them). Floors are a little below the figures measured when the
// shipped weights were trained, so that a regression fails the test.
//
// A file the model was trained on in part (its SHA-256 is in the weights
// header, with a split) is scored on its held-out parts only, as earshot
// eval sentiment does; parts/keep give the parts scored, the same for
// every model (the SXSW file: parts 0 and 1 of 4, the trainer's held-out
// parts), and must match the header's when it has a split.
var heldOut = []struct {
	name, rel, format, headline string
	floor                       float64
	parts                       int
	keep                        []int
}{
	{"semeval2013test", "sentiment/semeval_2013_2016/twitter-2013test-A.tsv", eval.FormatSemEval, "macro_f1", 0.69, 0, nil},
	{"semeval2014test", "sentiment/semeval_2013_2016/twitter-2014test-A.tsv", eval.FormatSemEval, "macro_f1", 0.66, 0, nil},
	{"semeval2014sarcasm", "sentiment/semeval_2013_2016/twitter-2014sarcasm-A.tsv", eval.FormatSemEval, "macro_f1", 0.47, 0, nil},
	{"semeval2015test", "sentiment/semeval_2013_2016/twitter-2015test-A.tsv", eval.FormatSemEval, "macro_f1", 0.64, 0, nil},
	{"semeval2016test", "sentiment/semeval_2013_2016/twitter-2016test-A.tsv", eval.FormatSemEval, "macro_f1", 0.62, 0, nil},
	{"sentiment140test", "sentiment/sentiment140_test/testdata.manual.2009.06.14.csv", eval.FormatS140, "macro_f1", 0.74, 0, nil},
	{"sxsw_brand_emotion_parts01", "sentiment/brand_emotion_sxsw/brand_product_emotion.csv", eval.FormatCrowdFlower, "macro_f1", 0.52, 4, []int{0, 1}},
	{"vader_tweets", "sentiment/vader_tweets/tweets_GroundTruth.txt", eval.FormatVADER, "pearson_r", 0.89, 0, nil},
	// The two thirds of VADER's tweets the blend was not chosen on.
	{"vader_tweets_heldout", "sentiment/vader_tweets/tweets_GroundTruth.txt", eval.FormatVADER, "pearson_r", 0.89, 0, nil},
}

// TestHeldOut guards the hybrid model's figures on the held-out files; with
// -v it also measures VADER alone and logs both. $EARSHOT_SENTIMENT_WEIGHTS
// scores a trainer's file instead of the shipped one.
func TestHeldOut(t *testing.T) {
	ds := datasets(t)
	hybrid := tableEnricher(t)
	vader, err := New(Config{Model: ModelVADER, Threshold: DefaultThreshold})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range heldOut {
		t.Run(tc.name, func(t *testing.T) {
			if (testing.Short() || raceEnabled) && strings.Contains(tc.name, "2016") {
				t.Skip("20,632 tweets: skipped with -short and under the race detector (run without -race to check it)")
			}
			data, err := os.ReadFile(filepath.Join(ds, tc.rel))
			if err != nil {
				t.Skip(err)
			}
			d, err := eval.Read(bytes.NewReader(data), tc.format)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if tf, ok := hybrid.Model().UsedFile(hex.EncodeToString(sum[:])); ok {
				if tf.Split == nil {
					t.Fatalf("the model was trained on the whole of %s: not a held-out file", tc.rel)
				}
				if tf.Split.Rule != eval.SplitRule || tf.Split.Parts != tc.parts || !slices.Equal(tf.Split.HeldOut, tc.keep) {
					t.Fatalf("the model's held-out parts of %s are %v of %d (%s), the test's %v of %d: update the test",
						tc.rel, tf.Split.HeldOut, tf.Split.Parts, tf.Split.Rule, tc.keep, tc.parts)
				}
			}
			if tc.parts > 0 {
				n, err := d.KeepParts(eval.SplitRule, tc.parts, tc.keep)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s: %d rows of the other parts skipped", tc.name, n)
			}
			if tc.format == eval.FormatVADER && strings.HasSuffix(tc.name, "_heldout") { // rows the training command's isVADERDev leaves out
				kept := d.Examples[:0]
				for _, ex := range d.Examples {
					if ex.Line%3 != 0 {
						kept = append(kept, ex)
					}
				}
				d.Examples = kept
			}
			var got, base float64
			var line strings.Builder
			models := []*Enricher{hybrid}
			if testing.Verbose() { // VADER's figures beside the model's, for the log
				models = append(models, vader)
			}
			for i, e := range models {
				r, err := eval.Sentiment(t.Context(), d, eval.EnricherScorer{Enricher: e})
				if err != nil {
					t.Fatal(err)
				}
				v, err := r.Float(tc.headline)
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					got = v
				} else {
					base = v
				}
				for _, k := range []string{"accuracy", "f1_positive", "f1_neutral", "f1_negative", "macro_recall"} {
					if x, ok := r.Value(k); ok {
						line.WriteString(" " + e.Version()[:6] + "." + k + "=" + x)
					}
				}
			}
			if testing.Verbose() {
				t.Logf("%s n=%d: hybrid %s=%.4f, VADER %.4f;%s", tc.name, len(d.Examples), tc.headline, got, base, line.String())
			}
			if got < tc.floor {
				t.Errorf("%s %s=%.4f below the floor %.4f", tc.name, tc.headline, got, tc.floor)
			}
		})
	}
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
