package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/enrich/sentiment"
	"github.com/earshot-dev/earshot/eval"
)

// TestDropTrained: eval sentiment never scores rows the model was trained
// on. A file the header lists with a split keeps only its held-out parts
// (skipped_trained counts the others); a file trained on whole is refused;
// any other file is scored whole.
func TestDropTrained(t *testing.T) {
	data := []byte("tweet_text,emotion_in_tweet_is_directed_at,is_there_an_emotion_directed_at_a_brand_or_product\n" +
		"love my new iPad,iPad,Positive emotion\n" +
		"RT @a: love my new iPad {link},iPad,Positive emotion\n" +
		"the app keeps crashing,iPad or iPhone App,Negative emotion\n" +
		"Google party tonight,,No emotion toward brand or product\n" +
		"line at the Apple pop-up store,,No emotion toward brand or product\n" +
		"android is fine,Android,Positive emotion\n")
	sum := sha256.Sum256(data)
	read := func() *eval.Dataset {
		d, err := eval.Read(bytes.NewReader(data), eval.FormatCrowdFlower)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	held := []int{0, 1}
	m := &sentiment.Model{ID: "test", Info: sentiment.ModelInfo{TrainedOn: []sentiment.TrainFile{
		{Path: "other.tsv", SHA256: strings.Repeat("0", 64)},
		{Path: "brand.csv", SHA256: hex.EncodeToString(sum[:]),
			Split: &sentiment.Split{Rule: eval.SplitRule, Parts: 4, Train: []int{2}, Dev: []int{3}, HeldOut: held}},
	}}}
	d := read()
	if err := dropTrained(d, m, data); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, ex := range read().Examples {
		if p := eval.SplitPart(ex.Text, 4); p != 0 && p != 1 {
			want++
		}
	}
	if d.Skipped[eval.SkipTrained] != want || len(d.Examples) != 6-want {
		t.Errorf("skipped_trained %d, kept %d; want %d and %d", d.Skipped[eval.SkipTrained], len(d.Examples), want, 6-want)
	}
	if want == 0 || want == 6 {
		t.Logf("the fixture's rows all fall on one side (%d trained): the test is weak", want)
	}
	for _, ex := range d.Examples {
		if p := eval.SplitPart(ex.Text, 4); p > 1 {
			t.Errorf("scored %q of trained part %d", ex.Text, p)
		}
	}

	// The whole file trained on: refused.
	m.Info.TrainedOn[1].Split = nil
	if err := dropTrained(read(), m, data); err == nil || !strings.Contains(err.Error(), "trained on this file") {
		t.Errorf("whole trained file: %v", err)
	}
	// An unknown split rule: refused.
	m.Info.TrainedOn[1].Split = &sentiment.Split{Rule: "other", Parts: 4, HeldOut: held}
	if err := dropTrained(read(), m, data); err == nil {
		t.Error("an unknown split rule was accepted")
	}
	// Another file, and VADER alone (no model): scored whole.
	other := read()
	if err := dropTrained(other, m, append([]byte{}, data[:len(data)-1]...)); err != nil || len(other.Examples) != 6 {
		t.Errorf("another file: %v, %d rows", err, len(other.Examples))
	}
	if err := dropTrained(other, nil, data); err != nil || len(other.Examples) != 6 {
		t.Errorf("no model: %v, %d rows", err, len(other.Examples))
	}
}

// TestDropTrainedInboundChoices: the rows of the split the inbound
// decision biases were chosen on are skipped as trained, in that file only.
func TestDropTrainedInboundChoices(t *testing.T) {
	data := []byte("tweet_id,brand,created_at,text,sentiment,split\n" +
		"1,AmazonHelp,2017-10-31T22:00:00Z,my parcel is late,negative,tune\n" +
		"2,AmazonHelp,2017-10-31T22:00:00Z,where is my order?,neutral,holdout\n" +
		"3,AmazonHelp,2017-10-31T22:00:00Z,thanks so much,positive,holdout\n")
	sum := sha256.Sum256(data)
	m := &sentiment.Model{ID: "test", Info: sentiment.ModelInfo{
		InboundChoices: &sentiment.ChoiceFile{Path: "brand_directed.csv", SHA256: hex.EncodeToString(sum[:]), Split: "tune", Rows: 1}}}
	for _, tc := range []struct {
		name      string
		data      []byte
		wantKept  int
		wantTrain int
	}{
		{"the file the biases were chosen on", data, 2, 1},
		{"another file", append(append([]byte{}, data...), "4,AmazonHelp,2017-10-31T22:00:00Z,ok,neutral,tune\n"...), 4, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := eval.Read(bytes.NewReader(tc.data), eval.FormatCrowdFlower)
			if err != nil {
				t.Fatal(err)
			}
			if err := dropTrained(d, m, tc.data); err != nil {
				t.Fatal(err)
			}
			if len(d.Examples) != tc.wantKept || d.Skipped[eval.SkipTrained] != tc.wantTrain {
				t.Errorf("kept %d, skipped_trained %d; want %d and %d", len(d.Examples), d.Skipped[eval.SkipTrained], tc.wantKept, tc.wantTrain)
			}
			for _, ex := range d.Examples {
				if ex.Split == "tune" && tc.wantTrain > 0 {
					t.Errorf("scored tune row %s", ex.ID)
				}
			}
		})
	}
}

const brandDirectedFixture = "../../enrich/sentiment/testdata/brand_directed.csv"

// TestEvalSentimentBrandDirected runs eval sentiment over the project's
// labelled customers' tweets to brands: the tune split (the inbound
// biases' choices) is skipped as trained whether or not --split asks for
// the holdout, and --inbound scores the rows as the pipeline scores
// inbound mentions.
func TestEvalSentimentBrandDirected(t *testing.T) {
	t.Setenv("EARSHOT_CONFIG", "")
	for _, tc := range []struct {
		name        string
		args        []string
		minF1       float64
		inboundBias bool
	}{
		{"holdout, inbound", []string{"--split", "holdout", "--inbound"}, 0.67, true},
		{"every row, inbound", []string{"--inbound"}, 0.67, true},
		{"holdout, no direction", []string{"--split", "holdout"}, 0.6, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() { evalFlags.Split, evalFlags.Inbound = "", false }()
			var out bytes.Buffer
			rootCmd.SetOut(&out)
			rootCmd.SetArgs(append([]string{"eval", "sentiment", "--data", brandDirectedFixture, "--format", "crowdflower"}, tc.args...))
			defer rootCmd.SetArgs(nil)
			if err := rootCmd.ExecuteContext(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			for _, want := range []string{"n=767\n", "skipped_trained=151\n"} {
				if !strings.Contains(got, want) {
					t.Errorf("output lacks %q:\n%s", want, got)
				}
			}
			lines := strings.Split(strings.TrimSpace(got), "\n")
			last := lines[len(lines)-1]
			v, ok := strings.CutPrefix(last, "macro_f1=")
			if !ok {
				t.Fatalf("last line %q is not macro_f1", last)
			}
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			if f < tc.minF1 {
				t.Errorf("macro_f1 %v, want ≥ %v", f, tc.minF1)
			}
			if !tc.inboundBias && f >= 0.67 {
				t.Errorf("macro_f1 %v without --inbound: the inbound biases seem applied", f)
			}
		})
	}
}
