package replyquality

import (
	"slices"
	"strings"
	"testing"
)

func TestBlankFields(t *testing.T) {
	for _, s := range []string{"", " ", "a", " a ", "Hi  Sarah,\tthanks\n\nfor that", "\n\t x\u00a0y z", "é à  ü", strings.Repeat("w ", 100)} {
		want := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' })
		if got := blankFields(nil, s); !slices.Equal(got, want) {
			t.Errorf("blankFields(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestInLower checks that every word of the sets fits inLower's buffer and
// is found whatever its case, as strings.ToLower would find it.
func TestInLower(t *testing.T) {
	for name, set := range map[string]map[string]bool{"greetingWords": greetingWords, "notNames": notNames} {
		for w := range set {
			if len(w) > maxSetWord {
				t.Errorf("%s: %q is longer than maxSetWord (%d): inLower would never find it", name, w, maxSetWord)
			}
			for _, v := range []string{w, strings.ToUpper(w), strings.ToUpper(w[:1]) + w[1:]} {
				if !inLower(set, v) {
					t.Errorf("%s: inLower(%q) = false", name, v)
				}
			}
		}
	}
	for _, w := range []string{"", "Sarah", "HELLOS", "hÉllo", "İ", strings.Repeat("a", 40)} {
		if got, want := inLower(greetingWords, w), greetingWords[strings.ToLower(w)]; got != want {
			t.Errorf("inLower(%q) = %v, want %v", w, got, want)
		}
	}
}
