package sentiment

import "testing"

// TestFeatureCues checks the dense cue features of the extraction: the
// complaint cues (customer service and product failures), the valences
// after the last "but", the contrast and sarcasm cues.
func TestFeatureCues(t *testing.T) {
	e := newVADER(t)
	type want struct {
		complaint, butPos, butNeg, contrast, sarcasm bool
	}
	for _, tc := range []struct {
		text string
		want want
	}{
		{"I love this phone", want{}},
		{"the app keeps crashing", want{complaint: true}},
		{"my laptop won't connect to the wifi", want{complaint: true}},
		{"this won't matter tomorrow", want{}},
		{"cannot load the page", want{complaint: true}},
		{"new update is out #epicfail", want{complaint: true}},
		{"#Windows10Fail again", want{complaint: true}},
		{"battery issues since the update", want{complaint: true}},
		{"the food was good but the service was terrible", want{butNeg: true}},
		{"the queue was awful but the staff were lovely", want{butPos: true}},
		{"good food, terrible service", want{}},
		{"but", want{}},
		{"#but it is great", want{}},
		{"great job losing my bag again", want{complaint: true, contrast: true}},
		{"oh yeah right, best day ever #sarcasm", want{sarcasm: true}},
	} {
		var f Features
		e.Featurize(tc.text, &f)
		got := want{
			complaint: f.Dense[dComplaint] > 0,
			butPos:    f.Dense[dButPos] > 0,
			butNeg:    f.Dense[dButNeg] > 0,
			contrast:  f.Dense[dContrast] > 0,
			sarcasm:   f.Dense[dSarcasm] > 0,
		}
		if got != tc.want {
			t.Errorf("%q: %+v, want %+v (dense %v)", tc.text, got, tc.want, f.Dense)
		}
		for i, v := range f.Dense {
			if v != v || v < -1 || v > 1 {
				t.Errorf("%q: dense %s = %v, want −1..1", tc.text, DenseNames[i], v)
			}
		}
	}
}

// TestNegationScope checks that words after a negation get the negated
// namespace for four words or until punctuation, and that the lexicon
// valence of a negated word flips.
func TestNegationScope(t *testing.T) {
	e := newVADER(t)
	var plain, negated, ended Features
	e.Featurize("good", &plain)
	e.Featurize("not good", &negated)
	e.Featurize("not now. good", &ended)
	has := func(f *Features, h uint64) bool {
		for _, x := range f.Hashed {
			if x == h {
				return true
			}
		}
		return false
	}
	good := fnv(fnvOffset, []byte("good"))
	if !has(&plain, mix(nsUni, good)) || has(&plain, mix(nsUniNeg, good)) {
		t.Errorf("plain: %v", plain.Hashed)
	}
	if !has(&negated, mix(nsUniNeg, good)) || has(&negated, mix(nsUni, good)) {
		t.Errorf("negated: %v", negated.Hashed)
	}
	if !has(&ended, mix(nsUni, good)) {
		t.Errorf("a full stop should end the scope: %v", ended.Hashed)
	}
	if !(plain.Dense[dLexSumPos] > 0 && negated.Dense[dLexSumPos] == 0 && negated.Dense[dLexSumNeg] > 0) {
		t.Errorf("lexicon sums: plain %v, negated %v", plain.Dense, negated.Dense)
	}
}

func TestParseAFINN(t *testing.T) {
	m, err := parseAFINN(afinnTSV)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 3382-30 || m["good"] != 3 || m["abhor"] != -3 {
		t.Errorf("%d words, good=%d abhor=%d", len(m), m["good"], m["abhor"])
	}
	if _, ok := m["cool stuff"]; ok {
		t.Error("phrases should be left out")
	}
	for _, bad := range []string{"word\t9", "word", "word\tx", "word\t-6"} {
		if _, err := parseAFINN(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if m, err := parseAFINN("# comment\n\nfine\t2\n"); err != nil || len(m) != 1 || m["fine"] != 2 {
		t.Errorf("comments: %v %v", m, err)
	}
}

// TestCueTable checks that the merged word table holds every list it is
// made of.
func TestCueTable(t *testing.T) {
	tab := loadCues()
	for w := range complaintWords {
		if !tab.words[w].complaint {
			t.Errorf("%q: not a complaint word in the table", w)
		}
	}
	for w := range negations {
		if !tab.words[w].negation {
			t.Errorf("%q: not a negation in the table", w)
		}
	}
	for w, v := range afinn() {
		if tab.words[w].afinn != v {
			t.Errorf("%q: AFINN %d in the table, want %d", w, tab.words[w].afinn, v)
		}
	}
	for _, pairs := range []map[string]map[string]bool{complaintPairs, sarcasmPairs} {
		for first, second := range pairs {
			s := tab.words[first].starts
			if s == 0 || int(s) > len(tab.starts) {
				t.Fatalf("%q: starts %d", first, s)
			}
			p := tab.starts[s-1]
			for w := range second {
				if !p.complaint[w] && !p.sarcasm[w] {
					t.Errorf("%q %q: phrase missing from the table", first, w)
				}
			}
		}
	}
	if len(tab.starts) > 255 {
		t.Errorf("%d phrase starts do not fit wordCue.starts (uint8)", len(tab.starts))
	}
}
