package entities

import (
	"strings"
	"testing"
)

// TestASCIIWordMatchesGeneral checks the ASCII fast path against the
// general one: same hashes and class for every word it accepts.
func TestASCIIWordMatchesGeneral(t *testing.T) {
	words := strings.Fields(`a I iPhone LHR BA117 John's KLM's U.S. AT&T 10:45 1,000 ... !!! - ' " ( ) 
		Coca-Cola hello WORLD McDonald's x1 X 42 www http what who @ # [ ] _ __init__ abcdefghijklmnop
		MiXeD AbC aBc ABc 3D 3d e-mail`)
	words = append(words, strings.Repeat("ab", 40))
	var f featurizer
	accepted := 0
	for _, w := range words {
		var fast, gen tokInfo
		if !f.asciiWord(&fast, w) {
			continue
		}
		accepted++
		f.generalWord(&gen, w)
		if fast != gen {
			t.Errorf("%q: fast path %+v, general %+v", w, fast, gen)
		}
	}
	if accepted < len(words)-6 {
		t.Errorf("fast path took %d of %d words", accepted, len(words))
	}
	for _, w := range []string{"héllo", "@KLM", "#fail", "[phone]", "https://x.co/a", "www.example.com", ""} {
		var ti tokInfo
		if f.asciiWord(&ti, w) {
			t.Errorf("fast path took %q", w)
		}
	}
}
