package entities

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
)

// smallSentences reads testdata/small.conll as training sentences.
func smallSentences(t *testing.T) []Sentence {
	t.Helper()
	f, err := os.Open("testdata/small.conll")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := ReadCoNLL(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []Sentence
	for _, r := range raw {
		s, err := ToSentence(r, Schemes["btc"])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func trainSmall(t *testing.T) ([]byte, Trained) {
	t.Helper()
	sents := smallSentences(t)
	// Repeat so that the perceptron learns the sentences.
	var many []Sentence
	for i := 0; i < 20; i++ {
		many = append(many, sents...)
	}
	vocab := LowerVocab(many, 1)
	_, tr, err := TrainTagger(many, vocab, TrainOptions{Epochs: 3, HashBits: 12, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	info := ModelInfo{HashBits: 12, Scale: tr.Scale, OMargin: 0.5}
	if err := WriteModel(&buf, info, tr.Weights, vocab, tr.Names); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), tr
}

// TestModelRoundTrip trains a model on the small file, writes and reads
// it, and checks that it tags its training sentences, that training is
// reproducible and that the header and names survive.
func TestModelRoundTrip(t *testing.T) {
	file, tr := trainSmall(t)
	again, _ := trainSmall(t)
	if !bytes.Equal(file, again) {
		t.Error("two trainings on the same data give different weights files")
	}
	m, err := ReadModel(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if m.Info.OMargin != 0.5 || m.Info.HashBits != 12 || len(m.ID) != 12 {
		t.Errorf("header %+v id %q", m.Info, m.ID)
	}
	if len(tr.Names) == 0 {
		t.Fatal("no training names")
	}
	tg, err := NewTagger(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkLabels(t, tg, smallSentences(t))
}

// checkLabels reports each sentence the tagger labels otherwise than its
// gold labels (ignored tokens aside).
func checkLabels(t *testing.T, tg *Tagger, sents []Sentence) {
	t.Helper()
	for _, s := range sents {
		got := tg.TagWords(nil, s.Words)
		for i := range got {
			if !s.Ignore[i] && got[i] != s.Labels[i] {
				t.Errorf("%v: labels %v, want %v", s.Words, got, s.Labels)
				break
			}
		}
	}
}

func TestReadModelErrors(t *testing.T) {
	file, _ := trainSmall(t)
	for _, tt := range []struct {
		name string
		in   []byte
		want string
	}{
		{"not gzip", []byte("hello"), "not gzip"},
		{"truncated", file[:len(file)/2], ""},
	} {
		_, err := ReadModel(bytes.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestCompactRows checks the tagger's compact table (int8 rows, int16
// rows for large weights, all-zero rows shared) against the plain one.
func TestCompactRows(t *testing.T) {
	const bits = 10
	rows := 1 << bits
	w := make([]int16, rows*NumLabels)
	rng := rand.New(rand.NewPCG(1, 2))
	for r := 0; r < rows; r++ {
		switch rng.IntN(3) {
		case 0: // zero row
		case 1:
			for c := 0; c < NumLabels; c++ {
				w[r*NumLabels+c] = int16(rng.IntN(255) - 127)
			}
		case 2:
			for c := 0; c < NumLabels; c++ {
				w[r*NumLabels+c] = int16(rng.IntN(65535) - 32767)
			}
		}
	}
	m := newModel(ModelInfo{HashBits: bits, Scale: 1}, w, nil, nil)
	for r := 0; r < rows; r++ {
		var got, want [NumLabels]int32
		m.addRow(&got, m.row(uint64(r)))
		for c := range want {
			want[c] = int32(w[r*NumLabels+c])
		}
		if got != want {
			t.Fatalf("row %d: %v, want %v", r, got, want)
		}
	}
}

func TestTrainNames(t *testing.T) {
	s := func(words string, labels ...int) Sentence {
		return Sentence{Words: strings.Fields(words), Labels: labels}
	}
	per, bPlace, iPlace := 1, 3, 4
	sents := []Sentence{
		s("New York is big", bPlace, iPlace, 0, 0), // fold 0
		s("I love new york", 0, 0, bPlace, iPlace), // fold 1
		s("Apple pie and apple", 0, 0, 0, per),     // fold 2: "apple" an entity 1 of 2 times
		s("an apple a day apple", 0, 0, 0, 0, 0),   // fold 0
		s("Sarah said hi", per, 0, 0),              // fold 1
	}
	names := func(folds, exclude int) []string {
		var out []string
		for _, n := range TrainNames(sents, folds, exclude) {
			out = append(out, strings.Join(n.Words, " ")+"/"+n.Type)
		}
		return out
	}
	if got, want := names(3, -1), []string{"new york/place", "sarah/person"}; !reflect.DeepEqual(got, want) {
		t.Errorf("all folds: %v, want %v", got, want)
	}
	// Without fold 0, "apple" is an entity once in two occurrences.
	if got, want := names(3, 0), []string{"apple/person", "new york/place", "sarah/person"}; !reflect.DeepEqual(got, want) {
		t.Errorf("without fold 0: %v, want %v", got, want)
	}
	if got, want := names(3, 1), []string{"new york/place"}; !reflect.DeepEqual(got, want) {
		t.Errorf("without fold 1: %v, want %v", got, want)
	}
}

// TestShippedGazetteerPinned checks that the brand gazetteer file the
// trainer reads (train/gazetteer.txt) is the one the shipped weights were
// trained with: editing it without retraining would make
// `go run ./enrich/entities/train` give other weights than those shipped.
// The default registry may change freely; the trainer does not read it.
func TestShippedGazetteerPinned(t *testing.T) {
	m, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("train/gazetteer.txt")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	want := "enrich/entities/train/gazetteer.txt sha256:" + hex.EncodeToString(sum[:])
	if m.Info.GazetteerNames != want {
		t.Errorf("weights header gazetteer_names = %q, want %q: retrain with go run ./enrich/entities/train", m.Info.GazetteerNames, want)
	}
}
