package eval

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/mention"
)

func TestSplitKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"RT @mention: Great #iPad app! {link} #SXSW", "great ipad app sxsw"},
		{"great iPad app!!! http://bit.ly/x #sxsw", "great ipad app sxsw"},
		{".@wesley83 I have a 3G iPhone &amp; it's dead", "i have a 3g iphone it s dead"},
		{"  ", ""},
		{"Start of the RTX launch", "start of the rtx launch"},
	} {
		if got := SplitKey(tc.in); got != tc.want {
			t.Errorf("SplitKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// A retweet and its original land in the same part, whatever the
	// number of parts.
	a, b := "Loving the new #iPad 2 at #SXSW {link}", "RT @someone: loving the new iPad 2 at SXSW! http://t.co/x"
	for parts := 2; parts <= 10; parts++ {
		if SplitPart(a, parts) != SplitPart(b, parts) {
			t.Errorf("parts %d: a retweet and its original differ", parts)
		}
	}
}

// TestSplitPartPinned pins the rule (SplitRule): a model's header names
// the rule, and an evaluation must reproduce the trainer's parts exactly.
// If this test fails, the rule changed: rename SplitRule.
func TestSplitPartPinned(t *testing.T) {
	got := []int{}
	for _, s := range []string{"", "a", "great ipad app sxsw", "I have a 3G iPhone", "Google Circles launch at #SXSW"} {
		got = append(got, SplitPart(s, 4), SplitPart(s, 1_000_003))
	}
	want := []int{1, 801432, 0, 783675, 2, 870475, 2, 796656, 0, 674885}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("SplitPart(…, 4), SplitPart(…, 1000003) = %v, want %v: the split rule changed (rename SplitRule)", got, want)
		}
	}
}

func TestKeepParts(t *testing.T) {
	d := &Dataset{Format: FormatCrowdFlower}
	texts := []string{"one fine day", "two fine days", "three", "RT @x: three {link}", "four", "five", "six", "seven"}
	for i, s := range texts {
		d.Examples = append(d.Examples, Example{Line: i + 2, Text: s, Label: mention.SentimentNeutral})
	}
	if _, err := d.KeepParts("another rule", 4, []int{0}); err == nil {
		t.Error("an unknown rule was accepted")
	}
	want := 0
	for _, s := range texts {
		if p := SplitPart(s, 4); p != 0 && p != 1 {
			want++
		}
	}
	n, err := d.KeepParts(SplitRule, 4, []int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	if n != want || len(d.Examples) != len(texts)-want || d.Skipped[SkipTrained] != want {
		t.Fatalf("dropped %d (skipped %d), kept %d; want %d dropped", n, d.Skipped[SkipTrained], len(d.Examples), want)
	}
	for _, ex := range d.Examples {
		if p := SplitPart(ex.Text, 4); p > 1 {
			t.Errorf("kept %q of part %d", ex.Text, p)
		}
	}
	if len(d.Examples) == 0 {
		return
	}
	r, err := Sentiment(context.Background(), d, fixedScorer{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if _, err := r.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	if line := "skipped_trained=" + strconv.Itoa(want) + "\n"; want > 0 && !strings.Contains(out.String(), line) {
		t.Errorf("report lacks %q:\n%s", line, out.String())
	}
}

type fixedScorer struct{}

func (fixedScorer) Score(context.Context, string) (mention.Sentiment, error) {
	return mention.Sentiment{Label: mention.SentimentNeutral}, nil
}

func TestKeepSplit(t *testing.T) {
	tests := []struct {
		name     string
		splits   []string
		keep     string
		wantKept int
		wantErr  bool
	}{
		{name: "holdout of a mixed file", splits: []string{"tune", "holdout", "holdout", "tune", "holdout"}, keep: "holdout", wantKept: 3},
		{name: "tune", splits: []string{"tune", "holdout", "holdout"}, keep: "tune", wantKept: 1},
		{name: "a split no row has", splits: []string{"tune", "holdout"}, keep: "test", wantKept: 0},
		{name: "a file without a split column", splits: []string{"", ""}, keep: "holdout", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Dataset{Format: FormatCrowdFlower}
			for i, s := range tt.splits {
				d.Examples = append(d.Examples, Example{Line: i + 2, Text: "t" + strconv.Itoa(i), Label: mention.SentimentNeutral, Split: s})
			}
			n, err := d.KeepSplit(tt.keep)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				if len(d.Examples) != len(tt.splits) {
					t.Errorf("an error dropped rows: %d left of %d", len(d.Examples), len(tt.splits))
				}
				return
			}
			if len(d.Examples) != tt.wantKept || n != len(tt.splits)-tt.wantKept || d.Skipped[SkipOtherSplit] != n {
				t.Errorf("kept %d, dropped %d (skipped %v); want kept %d", len(d.Examples), n, d.Skipped, tt.wantKept)
			}
			for _, ex := range d.Examples {
				if ex.Split != tt.keep {
					t.Errorf("kept a row of split %q", ex.Split)
				}
			}
		})
	}
}
