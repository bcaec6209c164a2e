package eval

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/enrich/replyquality"
)

// replyDatasets finds the shared data sets beside the repository root
// (../shared/datasets), or skips.
func replyDatasets(tb testing.TB) string {
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
		tb.Skipf("shared data sets not present (%v)", err)
	}
	return ds
}

const labelledFixture = "../enrich/replyquality/testdata/labelled_replies.csv"

func TestReadRepliesLabelled(t *testing.T) {
	in := `tweet_id,brand,created_at,text,apology,acknowledgement,ownership,next_step,deflection,canned,personal,split
1,AmazonHelp,2017-10-31T22:00:00Z,"@1 Sorry! Please DM us ^AB",1,0,0,0,dm,0,1,tune
2,AmazonHelp,2017-10-31T22:01:00Z,"@2 Try again",0,0,0,1,none,0,0,holdout
3,AmazonHelp,2017-10-31T22:02:00Z,"@3 x",0,0,0,1,fax,0,0,tune
4,AmazonHelp,2017-10-31T22:02:00Z,"@4 y",0,2,0,1,none,0,0,tune
5,AmazonHelp,2017-10-31T22:02:00Z,"",0,0,0,1,none,0,0,tune
`
	ds, err := ReadReplies(strings.NewReader(in), FormatRepliesLabelled)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Examples) != 2 || ds.Skipped[SkipBadLabel] != 2 || ds.Skipped[SkipEmptyText] != 1 {
		t.Fatalf("examples %d, skipped %v", len(ds.Examples), ds.Skipped)
	}
	ex := ds.Examples[0]
	if !ex.Gold[LabelApology] || !ex.Gold[LabelDeflection] || ex.Channel != "dm" || !ex.Gold[LabelPersonal] || ex.Split != "tune" || ex.CreatedAt.IsZero() {
		t.Errorf("example %+v", ex)
	}
	if _, err := ReadReplies(strings.NewReader("tweet_id,text\n1,x\n"), FormatRepliesLabelled); err == nil {
		t.Error("missing columns: no error")
	}
	if _, err := ReadReplies(strings.NewReader(in), "nope"); err == nil {
		t.Error("unknown format: no error")
	}
}

func TestReadRepliesTwcsLabeled(t *testing.T) {
	in := `,main_tweet_id,tweet_id,in_response_to_tweet_id,response_tweet_id,created_at,author_id,inbound,text,company,Request DM,Provide URL,Investigate issue
0,1,2,1,,2017-11-20 14:21:00+00:00,AppleSupport,0,@1 Please reach out to us via DM. https://t.co/x,AppleSupport,1,1,
1,3,4,3,,2017-10-31 13:05:29+00:00,AppleSupport,0,@2 Which version of iOS are you using?,AppleSupport,,,1
`
	ds, err := ReadReplies(strings.NewReader(in), FormatTwcsLabeled)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ds.Labels, ","); got != "next_step,deflection" {
		t.Errorf("labels %q", got)
	}
	if len(ds.Examples) != 2 || !ds.Examples[0].Gold[LabelDeflection] || ds.Examples[0].Channel != replyquality.DeflectDM || !ds.Examples[1].Gold[LabelNextStep] {
		t.Fatalf("examples %+v", ds.Examples)
	}
	rep, err := EvalReplies(context.Background(), ds, ReplyOptions{Config: replyquality.DefaultConfig()})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := rep.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if !strings.HasPrefix(lines[len(lines)-1], "macro_f1=") || lines[0] != "n=2" {
		t.Errorf("output:\n%s", b.String())
	}
	if s := rep.Labels[1]; s.Label != LabelDeflection || s.TP != 1 || s.FP != 0 || s.FN != 0 {
		t.Errorf("deflection scores %+v", s)
	}
}

// TestLabelledHoldout measures the enricher on the held-out third of the
// hand-labelled fixture, with the brands' other twcs replies feeding the
// canned windows, and checks the targets of the reply-quality labels.
func TestLabelledHoldout(t *testing.T) {
	ds := replyDatasets(t)
	f, err := os.Open(labelledFixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := ReadReplies(f, FormatRepliesLabelled)
	if err != nil {
		t.Fatal(err)
	}
	if len(data.Examples) < 300 || len(data.Skipped) != 0 {
		t.Fatalf("fixture: %d examples, skipped %v", len(data.Examples), data.Skipped)
	}
	cf, err := os.Open(filepath.Join(ds, "twcs", "twcs_first5000.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer cf.Close()
	corpus, err := ReadTwcsReplies(cf)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := EvalReplies(context.Background(), data, ReplyOptions{Config: replyquality.DefaultConfig(), Split: "holdout", Corpus: corpus})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_, _ = rep.WriteTo(&b)
	t.Logf("held-out figures:\n%s", b.String())
	for _, s := range rep.Labels {
		switch s.Label {
		case LabelApology, LabelDeflection, LabelCanned:
			if s.F1 < 0.80 {
				t.Errorf("%s F1 %.3f on the held-out split, target 0.80", s.Label, s.F1)
			}
		}
	}
}
