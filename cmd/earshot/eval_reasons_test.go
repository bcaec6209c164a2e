package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/internal/testenv"
)

const reasonsFixture = "../../enrich/reasons/testdata/twcs_labeled_fixture.csv"

// TestEvalReasonsFixture runs the whole eval (pii → sentiment → reasons)
// over the small fixture; the figures were worked out by hand from the
// fixture's six rows: delivery 2/2, refund TP 1 + FP 1 (row 4 asks for one
// but is tagged Delivery only), service_complaint 1/1, praise recall 1/1.
func TestEvalReasonsFixture(t *testing.T) {
	t.Setenv("EARSHOT_CONFIG", "")
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetArgs([]string{"eval", "reasons", "--data", reasonsFixture})
	defer rootCmd.SetArgs(nil)
	if err := rootCmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"n=6\n", "excluded_topics=AmazonHelp/Packaging:1,AmazonHelp/Prime:1\n", "delivery_f1=1.0000\n",
		"refund_precision=0.5000\n", "refund_recall=1.0000\n", "service_complaint_f1=1.0000\n", "praise_recall=1.0000\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(got, "macro_f1=0.8889\n") {
		t.Errorf("last line is not macro_f1=0.8889:\n%s", got)
	}
}

func TestEvalReasonsErrors(t *testing.T) {
	cfg := defaultEnrichSection()
	if _, err := evalReasons(context.Background(), cfg, []string{"/nonexistent.csv"}); err == nil || !strings.Contains(err.Error(), "nonexistent") {
		t.Errorf("missing file: %v", err)
	}
	cfg.Reasons.Threshold = 2
	if _, err := evalReasons(context.Background(), cfg, []string{reasonsFixture}); err == nil || !strings.Contains(err.Error(), "threshold") {
		t.Errorf("bad threshold: %v", err)
	}
}

// TestEvalReasonsDataset: the held-out brand through the full eval, when
// the shared data sets are present.
func TestEvalReasonsDataset(t *testing.T) {
	dir := filepath.Join(testenv.Datasets(t), "twcs_labeled")
	rep, err := evalReasons(context.Background(), defaultEnrichSection(), []string{filepath.Join(dir, "twcs-SpotifyCares-200-inbound.csv")})
	if err != nil {
		t.Fatal(err)
	}
	if rep.N != 200 || rep.MacroF1 < 0.65 {
		t.Errorf("n %d macro_f1 %v", rep.N, rep.MacroF1)
	}
}
