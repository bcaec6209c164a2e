package sentiment

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The merged table (one lookup per word) gives extract exactly what the
// cue table and the word index give looked up one after the other: every
// word of either, in texts with negations, hashtags and unknown words,
// yields the same features both ways.
func TestMergedLexiconSameFeatures(t *testing.T) {
	e := newEnricher(t)
	if e.model == nil || e.model.index == nil {
		t.Fatal("the default model has no word index")
	}
	lex := e.model.lex()
	if lex == nil {
		t.Fatal("no merged table")
	}
	cues := loadCues()
	var words []string
	for w := range cues.words {
		words = append(words, w)
	}
	for w := range e.model.index {
		if _, ok := cues.words[w]; !ok {
			words = append(words, w)
		}
	}
	slices.Sort(words)
	if lex.words.Len() != len(words) {
		t.Fatalf("merged table has %d words, the cue table and the index %d together", lex.words.Len(), len(words))
	}
	for _, w := range words {
		cue, gotID, gotIndexed := lex.get([]byte(w))
		id, indexed := e.model.index[w]
		if cue != cues.words[w] || gotID != id || gotIndexed != indexed {
			t.Fatalf("%q: merged cue %+v id %d indexed %t, separately cue %+v id %d indexed %t", w, cue, gotID, gotIndexed, cues.words[w], id, indexed)
		}
	}
	for _, w := range []string{"zzqx", "Delayed", "#epicfail", ""} {
		if _, in := e.model.index[w]; in {
			continue
		}
		if _, in := cues.words[w]; in {
			continue
		}
		if cue, id, indexed := lex.get([]byte(w)); cue != (wordCue{}) || id != 0 || indexed {
			t.Errorf("%q is in neither table but the merged one gives cue %+v id %d indexed %t", w, cue, id, indexed)
		}
	}

	fill := []string{"not", "#epicfail", "never", "zzqx", "but", "!!", "flight", "delayed"}
	var with, without Features
	for i := 0; i < len(words); i += 9 {
		chunk := slices.Clone(words[i:min(i+9, len(words))])
		chunk = append(chunk, fill[i%len(fill)])
		text := strings.Join(chunk, " ")
		e.Featurize(text, &with)
		if with.lex == nil {
			t.Fatal("Featurize did not set the merged table")
		}
		// The same text through two lookups per word.
		without.Reset()
		without.lex, without.Index = nil, e.model.index
		var b strings.Builder
		clean(&b, text)
		c := b.String()
		without.extract(c, e.vader.score(c, &without.vader))
		if !reflect.DeepEqual(with.Hashed, without.Hashed) || with.Dense != without.Dense || !reflect.DeepEqual(with.Words, without.Words) || with.Vader != without.Vader {
			t.Fatalf("%q: features differ with the merged table\nwith:    %v %v\nwithout: %v %v", text, with.Words, with.Dense, without.Words, without.Dense)
		}
	}
}
