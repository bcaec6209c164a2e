package entities

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

// TestExternalLexicon looks words and names up in the embedded lexicon.
func TestExternalLexicon(t *testing.T) {
	l, err := externalLexicon()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		word      string
		has, hasn uint16
	}{
		{"london", xLocation | xCity, 0},
		{"obama", xPerson, xDictLow},
		{"paris", xCity, 0},
		{"microsoft", xCapOnly, xDictLow},
		{"house", xDictLow | xWNLow, xCapOnly},
		{"houses", xDictLow, 0},
		{"walked", xDictLow, xCapOnly},
		{"the", xDictLow, xPerson},
		{"qwzxqv", 0, 0xff},
	} {
		var ti tokInfo
		var f featurizer
		f.generalWord(&ti, c.word)
		got := l.lookup(ti.low) & 0xff
		if got&c.has != c.has || got&c.hasn != 0 {
			t.Errorf("%q: flags %08b, want all of %08b and none of %08b", c.word, got, c.has, c.hasn)
		}
	}
	// Multi-word names: the longest match, with its class.
	for _, c := range []struct {
		text string
		want []byte
	}{
		{"I love New York City today", []byte{0, 0, 1, 2, 2, 0}},
		{"flying to los angeles now", []byte{0, 0, 1, 2, 0}},
		{"Barack Hussein Obama said", []byte{0, 3, 4, 4, 0}[1:]},
		{"the New Deal", []byte{0, 7, 8}},
		{"a big deal", []byte{0, 0, 0}},
		{"new", []byte{0}},
	} {
		var spans []Span
		spans = Tokenize(spans, c.text)
		words := make([]string, len(spans))
		for i, s := range spans {
			words[i] = c.text[s.Start:s.End]
		}
		var f featurizer
		f.setExt(ExtToken|ExtSpan, 0xff, l, nil)
		f.prepare(words, nil, nil, nil, nil, false)
		got := make([]byte, len(f.toks))
		for i, tk := range f.toks {
			got[i] = tk.xspan
		}
		if string(got) != string(c.want) {
			t.Errorf("%q: marks %v, want %v", c.text, got, c.want)
		}
	}
	if n := len(l.slots); n > 1<<18 {
		t.Errorf("lexicon table of %d slots, want at most 2^18 (1 MB)", n)
	}
}

// TestExtScoresMatchFeatures: the tagger's static scores (the context,
// lexicon and cluster features pre-summed) equal the sum of the rows of
// the features the trainer sees one by one, for a model with the external
// features (and one with the word clusters too).
func TestExtScoresMatchFeatures(t *testing.T) {
	words := [][]string{
		{"I", "flew", "to", "New", "York", "City", "with", "Barack", "Hussein", "Obama"},
		{"London", "is", "rainy", ",", "says", "Microsoft", "@klm", "#fail", "2day"},
		{"the", "New", "Deal", "and", "the", "big", "house"},
	}
	labels := [][]int{
		{0, 0, 0, 3, 4, 4, 0, 1, 2, 2},
		{3, 0, 0, 0, 0, 5, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0},
	}
	var sents []Sentence
	for i := range words {
		sents = append(sents, Sentence{Words: words[i], Labels: labels[i]})
	}
	for _, ext := range []int{ExtToken | ExtSpan | ExtCtx, ExtToken | ExtSpan | ExtCtx | ExtClus | ExtClusCtx} {
		opt := TrainOptions{Epochs: 3, HashBits: 14, Seed: 1, Beam: 2, Ext: ext}
		m, _, err := TrainTagger(sents, LowerVocab(sents, 1), opt)
		if err != nil {
			t.Fatal(err)
		}
		if m.xtab == nil || (m.ctab != nil) != (ext&ExtClus != 0) {
			t.Fatal("no pre-summed lexicon or cluster table")
		}
		tg, err := NewTagger(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		var f featurizer
		f.setExt(byte(m.Info.Ext), extMask(m.Info.ExtMask), tg.xlex, tg.clus)
		for _, ws := range words {
			f.prepare(ws, tg.lex, m.vocab, tg.gaz, m.tgaz, false)
			for i := range ws {
				got := m.staticScores(&f, i)
				full, _ := f.features(nil, i, true)
				var want [NumLabels]int32
				for _, h := range full {
					m.addRow(&want, m.row(h))
				}
				if got != want {
					t.Errorf("ext %d, %q: tagger %v, features %v", ext, ws[i], got, want)
				}
			}
		}
	}
}

// TestExtModelFile: a model with the external features keeps them through
// its weights file; a version-5 file (before the lexicon) loads only when
// it has none.
func TestExtModelFile(t *testing.T) {
	sents := []Sentence{
		{Words: []string{"I", "love", "Paris"}, Labels: []int{0, 0, 3}},
		{Words: []string{"Obama", "visited", "London"}, Labels: []int{1, 0, 3}},
	}
	for _, ext := range []int{0, ExtToken | ExtSpan | ExtCtx, ExtToken | ExtSpan | ExtCtx | ExtClus | ExtClusCtx} {
		opt := TrainOptions{Epochs: 2, HashBits: 12, Seed: 1, Beam: 2, Ext: ext}
		_, tr, err := TrainTagger(sents, nil, opt)
		if err != nil {
			t.Fatal(err)
		}
		info := ModelInfo{HashBits: opt.HashBits, Scale: tr.Scale, Beam: 2, Ext: ext}
		var buf bytes.Buffer
		if err := WriteModel(&buf, info, tr.Weights, nil, tr.Names); err != nil {
			t.Fatal(err)
		}
		m, err := ReadModel(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if m.Info.Ext != ext || (m.xtab != nil) != (ext != 0) {
			t.Errorf("ext %d: read back ext %d, table %v", ext, m.Info.Ext, m.xtab != nil)
		}
		// The same file as feature version 5.
		zr, err := gzip.NewReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(zr)
		v5 := bytes.Replace(raw, []byte(`"feature_version":6`), []byte(`"feature_version":5`), 1)
		if bytes.Equal(v5, raw) {
			t.Fatal("no feature_version in the header")
		}
		var zbuf bytes.Buffer
		zw := gzip.NewWriter(&zbuf)
		zw.Write(v5)
		zw.Close()
		_, err = ReadModel(bytes.NewReader(zbuf.Bytes()))
		if (err == nil) != (ext == 0) {
			t.Errorf("ext %d, feature version 5: error %v", ext, err)
		}
	}
}
