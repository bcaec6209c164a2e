package entities

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// pathScore is the score the decoders give labels for the prepared
// tokens of f: the sum, over the tokens that are scored, of the label's
// score after the two labels before it (O's lowered by the O margin).
func pathScore(m *Model, f *featurizer, labels []int) int32 {
	var total int32
	prev, prev2 := 0, 0
	for i, l := range labels {
		t := &f.toks[i]
		if unscored(t, prev) {
			prev2, prev = prev, 0
			continue
		}
		s := m.staticScores(f, i)
		m.addLabelContext(&s, t, prev2, prev)
		total += s[l]
		prev2, prev = prev, l
	}
	return total
}

// validLabels reports whether labels never put I-t after anything but B-t
// or I-t, and give O to the tokens that are never names.
func validLabels(f *featurizer, labels []int) bool {
	prev := 0
	for i, l := range labels {
		if l < 0 || l >= NumLabels || isInside(l) && labelType(prev) != labelType(l) {
			return false
		}
		if unscored(&f.toks[i], prev) && l != 0 {
			return false
		}
		prev = l
	}
	return true
}

// prepared returns a featurizer prepared for text's tokens with t's
// gazetteers.
func prepared(t *Tagger, text string) *featurizer {
	var words []string
	for _, sp := range Tokenize(nil, text) {
		words = append(words, text[sp.Start:sp.End])
	}
	f := new(featurizer)
	f.prepare(words, t.lex, t.m.vocab, t.gaz, t.m.tgaz, false)
	return f
}

// beamTexts are texts for the decoder tests: names, names after common
// words, all caps, handles, placeholders, and an empty one.
var beamTexts = append([]string{
	"",
	"London",
	"John Smith",
	"going to new york with bank of america people",
	"I LOVE MY NEW IPHONE FROM APPLE",
	"@British_Airways [phone] https://t.co/x Heathrow",
	"the the the of of",
	"Barack Obama met Angela Merkel in Berlin on Monday",
}, benchTexts...)

func shippedTagger(t testing.TB) *Tagger {
	t.Helper()
	m, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	tg, err := NewTagger(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestBeamWidthOneIsGreedy: a beam of one is the greedy decoder.
func TestBeamWidthOneIsGreedy(t *testing.T) {
	tg := shippedTagger(t)
	for _, gap := range []float64{0, 8} {
		m := tg.m.WithBeam(1, gap)
		for _, text := range beamTexts {
			f := prepared(tg, text)
			want := append([]int(nil), m.tagGreedy(f)...)
			got := append([]int(nil), m.tagBeam(f)...)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("gap %v, %q: beam of 1 %v, greedy %v", gap, text, got, want)
			}
		}
	}
}

// TestBeamBruteForce checks the beam against every labelling of short
// texts (where a beam of MaxBeam holds every state, so it is exact), and
// on longer ones that its labels are valid and that their score is the
// one it found.
func TestBeamBruteForce(t *testing.T) {
	tg := shippedTagger(t)
	exact := tg.m.WithBeam(MaxBeam, 0)
	for _, text := range []string{"London", "John Smith", "Bank of", "new york", "@KLM Amsterdam", "I LOVE"} {
		f := prepared(tg, text)
		n := len(f.toks)
		if n > 2 {
			t.Fatalf("%q: %d tokens", text, n)
		}
		var best int32
		first := true
		labels := make([]int, n)
		var walk func(i int)
		walk = func(i int) {
			if i == n {
				if !validLabels(f, labels) {
					return
				}
				if s := pathScore(exact, f, labels); first || s > best {
					best, first = s, false
				}
				return
			}
			for l := 0; l < NumLabels; l++ {
				labels[i] = l
				walk(i + 1)
			}
		}
		walk(0)
		got := append([]int(nil), exact.tagBeam(f)...)
		if s := pathScore(exact, f, got); s != best || !validLabels(f, got) {
			t.Errorf("%q: beam %v scores %d, the best labelling %d", text, got, s, best)
		}
	}
	for _, text := range beamTexts {
		f := prepared(tg, text)
		for _, w := range []int{2, 4, 8, MaxBeam} {
			m := tg.m.WithBeam(w, 0)
			got := append([]int(nil), m.tagBeam(f)...)
			if len(got) != len(f.toks) || !validLabels(f, got) {
				t.Fatalf("%q width %d: labels %v", text, w, got)
			}
			if len(got) == 0 {
				continue
			}
			s := pathScore(m, f, got)
			if found := f.hist[(len(got)-1)*w].score; s != found {
				t.Errorf("%q width %d: labels score %d, the beam found %d", text, w, s, found)
			}
		}
	}
}

func TestBeamStep(t *testing.T) {
	type c = beamItem[int32]
	for _, tt := range []struct {
		name  string
		add   []c
		width int
		want  []c
	}{
		{"best first", []c{{score: 1, prev: 1}, {score: 3, prev: 2}, {score: 2, prev: 3}}, 2,
			[]c{{score: 3, prev: 2}, {score: 2, prev: 3}}},
		{"ties keep the first", []c{{score: 1, prev: 1}, {score: 1, prev: 2}, {score: 1, prev: 3}}, 2,
			[]c{{score: 1, prev: 1}, {score: 1, prev: 2}}},
		{"same state: the better one", []c{{score: 1, prev: 1, back: 0}, {score: 5, prev: 1, back: 1}, {score: 2, prev: 2}}, 4,
			[]c{{score: 5, prev: 1, back: 1}, {score: 2, prev: 2}}},
		{"same state, tie: the first", []c{{score: 5, prev: 1, back: 0}, {score: 5, prev: 1, back: 1}}, 4,
			[]c{{score: 5, prev: 1, back: 0}}},
		{"other tag before: another state", []c{{score: 1, prev: 1, prev2: 0}, {score: 2, prev: 1, prev2: 1}}, 4,
			[]c{{score: 2, prev: 1, prev2: 1}, {score: 1, prev: 1, prev2: 0}}},
		{"fewer than the width", []c{{score: -4}}, 8, []c{{score: -4}}},
	} {
		b := newBeamStep[int32]()
		for round := 0; round < 2; round++ { // reset must clear the slots
			b.reset()
			for _, x := range tt.add {
				b.add(x)
			}
			if got := b.top(tt.width); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s (round %d): %v, want %v", tt.name, round, got, tt.want)
			}
		}
	}
}

// TestTrainOptions trains on the small file with each decoder and
// option: two runs give the same bytes and the model tags its training
// sentences.
func TestTrainOptions(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  TrainOptions
	}{
		{"greedy", TrainOptions{Epochs: 3, HashBits: 12, Seed: 1}},
		{"beam 2", TrainOptions{Epochs: 3, HashBits: 12, Seed: 1, Beam: 2}},
		{"beam 4, dropout, ensemble", TrainOptions{Epochs: 4, HashBits: 12, Seed: 1, Beam: 4, WordDropout: 0.1, Ensemble: 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sents := smallSentences(t)
			var many []Sentence
			for i := 0; i < 20; i++ {
				many = append(many, sents...)
			}
			vocab := LowerVocab(many, 1)
			train := func() ([]byte, *Model) {
				_, tr, err := TrainTagger(many, vocab, tt.opt)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				info := ModelInfo{HashBits: tt.opt.HashBits, Scale: tr.Scale, Beam: tt.opt.Beam, BeamGap: 4}
				if err := WriteModel(&buf, info, tr.Weights, vocab, tr.Names); err != nil {
					t.Fatal(err)
				}
				m, err := ReadModel(bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				return buf.Bytes(), m
			}
			a, m := train()
			b, _ := train()
			if !bytes.Equal(a, b) {
				t.Error("two trainings give different weights files")
			}
			if m.beam != max(1, tt.opt.Beam) || m.Info.BeamGap != 4 {
				t.Errorf("beam %d gap %v", m.beam, m.Info.BeamGap)
			}
			tg, err := NewTagger(m, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkLabels(t, tg, sents)
		})
	}
}

func TestRowShift(t *testing.T) {
	for _, tt := range []struct {
		row   []int16
		shift uint
		ok    bool
	}{
		{[]int16{0, 1, -1, 127, -128}, 0, true},
		{[]int16{128}, 1, true},
		{[]int16{-256}, 1, true},
		{[]int16{255}, 2, true}, // 255/2 rounds to 128
		{[]int16{1000, -3}, 3, true},
		{[]int16{16255}, 7, true},
		{[]int16{32767}, 0, false},
		{[]int16{-32768}, 0, false},
	} {
		k, ok := rowShift(tt.row)
		if k != tt.shift || ok != tt.ok {
			t.Errorf("rowShift(%v) = %d, %v; want %d, %v", tt.row, k, ok, tt.shift, tt.ok)
		}
	}
	for _, tt := range []struct {
		v    int16
		k    uint
		want int32
	}{
		{5, 0, 5}, {5, 1, 3}, {-5, 1, -3}, {4, 1, 2}, {-4, 2, -1}, {6, 2, 2}, {-6, 2, -2}, {1000, 3, 125},
	} {
		if got := shiftRound(tt.v, tt.k); got != tt.want {
			t.Errorf("shiftRound(%d, %d) = %d, want %d", tt.v, tt.k, got, tt.want)
		}
	}
}

// FuzzTagBeam: on any text the beam gives one valid label per token, and
// the labels score what the beam found.
func FuzzTagBeam(f *testing.F) {
	for _, s := range beamTexts {
		f.Add(s, uint8(4))
	}
	f.Add("\xff\xfe Łódź ÉCOLE naïve", uint8(16))
	tg := shippedTagger(f)
	f.Fuzz(func(t *testing.T, text string, width uint8) {
		w := 1 + int(width)%MaxBeam
		m := tg.m.WithBeam(w, float64(width%3)*4).WithTypeBias([]float64{float64(width%5) - 2, 0, 1, -1})
		fz := prepared(tg, strings.ToValidUTF8(text, " "))
		got := m.tagBeam(fz)
		if len(got) != len(fz.toks) || !validLabels(fz, got) {
			t.Fatalf("%q width %d: labels %v for %d tokens", text, w, got, len(fz.toks))
		}
		if len(got) > 0 {
			labels := append([]int(nil), got...)
			if s, found := pathScore(m, fz, labels), fz.hist[(len(got)-1)*w].score; s != found {
				t.Fatalf("%q width %d: labels score %d, the beam found %d", text, w, s, found)
			}
		}
	})
}

func TestReadModelBeam(t *testing.T) {
	w := make([]int16, (1<<8)*NumLabels)
	w[5] = 3
	for _, tt := range []struct {
		beam int
		gap  float64
		bias []float64
		want string
	}{
		{0, 0, nil, ""},
		{4, 8, []float64{1, 2, 3, 4}, ""},
		{MaxBeam, 0, nil, ""},
		{MaxBeam + 1, 0, nil, "beam"},
		{-1, 0, nil, "beam"},
		{2, -1, nil, "beam_gap"},
		{2, 0, []float64{1}, "type biases"},
		{2, 0, []float64{0, 0, 0, 1e9}, "type bias"},
	} {
		var buf bytes.Buffer
		if err := WriteModel(&buf, ModelInfo{HashBits: 8, Scale: 1, Beam: tt.beam, BeamGap: tt.gap, TypeBias: tt.bias}, w, nil, nil); err != nil {
			t.Fatal(err)
		}
		m, err := ReadModel(&buf)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("beam %d gap %v: %v", tt.beam, tt.gap, err)
		case tt.want == "" && m.beam != max(1, tt.beam):
			t.Errorf("beam %d: model beam %d", tt.beam, m.beam)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("beam %d gap %v: err %v, want %q", tt.beam, tt.gap, err, tt.want)
		}
	}
}

// TestTypeBias: a large bias for a type makes every scored token start
// one of that type; a large negative bias for every type leaves only O.
func TestTypeBias(t *testing.T) {
	tg := shippedTagger(t)
	for _, tt := range []struct {
		name  string
		bias  []float64
		label int // every scored token's label
	}{
		{"person", []float64{1e3, 0, 0, 0}, 1},
		{"product", []float64{0, 0, 0, 1e3}, 7},
		{"none", []float64{-1e3, -1e3, -1e3, -1e3}, 0},
	} {
		for _, w := range []int{1, 4} {
			m := tg.m.WithBeam(w, 0).WithTypeBias(tt.bias)
			for _, text := range beamTexts {
				f := prepared(tg, text)
				got := m.tag(f)
				prev := 0
				for i, l := range got {
					if unscored(&f.toks[i], prev) {
						if l != 0 {
							t.Errorf("%s width %d %q: token %d not scored, label %d", tt.name, w, text, i, l)
						}
					} else if l != tt.label {
						t.Errorf("%s width %d %q: labels %v, want %d where scored", tt.name, w, text, got, tt.label)
						break
					}
					prev = l
				}
			}
		}
	}
}

// TestWordFeatures: wordFeatures are the indices of a token's own word
// features among its static features (word dropout leaves them out).
func TestWordFeatures(t *testing.T) {
	var f featurizer
	f.prepare([]string{"Flights", "from", "London", "today"}, nil, nil, nil, nil, true)
	for i := range f.toks {
		tk := &f.toks[i]
		prev, next := hBos, hEos
		if i > 0 {
			prev = f.toks[i-1].low
		}
		if i+1 < len(f.toks) {
			next = f.toks[i+1].low
		}
		want := []uint64{wid(tk.low, slotLower), fid(fExact, tk.exact), bid(prev, tk.low, 0), bid(tk.low, next, 1)}
		for j, k := range wordFeatures {
			if got := f.static[i*numStatic+k]; got != want[j] {
				t.Errorf("token %d feature %d: %x, want %x", i, k, got, want[j])
			}
		}
	}
}
