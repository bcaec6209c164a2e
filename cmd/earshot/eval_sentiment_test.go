package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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
