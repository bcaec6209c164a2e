package phrase_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/enrich/reasons/phrase"
)

func hits(t testing.TB, pats []phrase.Pattern, text string) string {
	t.Helper()
	m, err := phrase.New(pats)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Get()
	defer m.Put(s)
	var out []string
	for _, h := range m.Scan(text, s) {
		n := ""
		if h.Negated {
			n = "!"
		}
		out = append(out, fmt.Sprintf("%s%d@%d-%d", n, h.Value, h.Start, h.End))
	}
	return strings.Join(out, " ")
}

func TestScan(t *testing.T) {
	p := func(text string, v int) phrase.Pattern { return phrase.Pattern{Text: text, Value: v} }
	for _, tc := range []struct {
		pats []phrase.Pattern
		text string
		want string
	}{
		// normalisation: case, apostrophes (straight and curly), handles, URLs, entities, hashtags
		{[]phrase.Pattern{p("cant log in", 1)}, "@AppleSupport I CAN'T log in", "1@1-4"},
		{[]phrase.Pattern{p("cant log in", 1)}, "I can’t log in https://t.co/x", "1@1-4"},
		{[]phrase.Pattern{p("delay", 1)}, "#Delay &amp; more http://delay.com @delay", "1@0-1"},
		{[]phrase.Pattern{p("ab", 1)}, "a&amp;b", ""},
		// alternatives, with empty and multi-word ones
		{[]phrase.Pattern{p("deliver{,ed,y} {my order,it}", 1)}, "delivery my order, delivered it, deliver it", "1@0-3 1@3-5 1@5-7"},
		// wildcard
		{[]phrase.Pattern{p("my * was cancelled", 2)}, "my flight was cancelled", "2@0-4"},
		// question mark token
		{[]phrase.Pattern{p("?", 3)}, "why??? really?", "3@1-2 3@3-4"},
		// negation: within three tokens, same clause only
		{[]phrase.Pattern{p("delayed", 1)}, "not delayed", "!1@1-2"},
		{[]phrase.Pattern{p("delayed", 1)}, "no it was delayed", "!1@3-4"},
		{[]phrase.Pattern{p("delayed", 1)}, "no, not at all, it was badly delayed", "1@7-8"},
		{[]phrase.Pattern{p("delayed", 1)}, "no problem. delayed", "1@2-3"},
		{[]phrase.Pattern{p("delayed", 1)}, "not sure but delayed", "1@3-4"},
		// guards suppress overlapping hits
		{[]phrase.Pattern{p("killing", 1), {Text: "killing it", Guard: true}}, "you are killing it", ""},
		{[]phrase.Pattern{p("killing", 1), {Text: "killing it", Guard: true}}, "killing it. the fumes are killing me", "1@5-6"},
	} {
		if got := hits(t, tc.pats, tc.text); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	for _, text := range []string{"", "   ", "*", "don't", "a{b", "a}b", "UPPER", "a-b"} {
		if _, err := phrase.New([]phrase.Pattern{{Text: text}}); err == nil {
			t.Errorf("%q: no error", text)
		}
	}
}

func TestCapsAndExclaims(t *testing.T) {
	m, err := phrase.New([]phrase.Pattern{{Text: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	s := m.Get()
	m.Scan("FIX THIS NOW!!! ok", s)
	if s.Caps != 3 || s.Exclaims != 3 || s.Tokens != 4 {
		t.Errorf("caps %d exclaims %d tokens %d, want 3 3 4", s.Caps, s.Exclaims, s.Tokens)
	}
	if m.HasToken(s, "?") {
		t.Error("HasToken")
	}
	m.Scan("what?", s)
	if !m.HasToken(s, "?") {
		t.Error("HasToken(?) false after a question")
	}
}

// FuzzScan: any text scans without panic, hits lie within the tokens and
// are ordered by start.
func FuzzScan(f *testing.F) {
	for _, s := range []string{"", "a", "not not delayed", "@x http://y &amp;", "\xff\xfe\xfd", "’’''", "caf\u00e9 d\u00e9lai", "a?b!c;d:e"} {
		f.Add(s)
	}
	m, err := phrase.New([]phrase.Pattern{{Text: "a {b,c d}", Value: 1}, {Text: "* delayed", Value: 2}, {Text: "not", Value: 3}, {Text: "c d", Guard: true}, {Text: "?", Value: 4}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s := m.Get()
		defer m.Put(s)
		prev := 0
		for _, h := range m.Scan(text, s) {
			if h.Start < prev || h.Start >= h.End || h.End > s.Tokens || h.Value < 1 || h.Value > 4 {
				t.Fatalf("bad hit %+v (tokens %d)", h, s.Tokens)
			}
			prev = h.Start
		}
	})
}

func BenchmarkScan(b *testing.B) {
	m, err := phrase.New([]phrase.Pattern{{Text: "deliver{,ed,y}", Value: 1}, {Text: "where is my {order,parcel}", Value: 2}, {Text: "not {working,arrived}", Value: 3}})
	if err != nil {
		b.Fatal(err)
	}
	text := "@AmazonHelp where is my order? It was supposed to be delivered yesterday and tracking is not working https://t.co/abc"
	s := m.Get()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		m.Scan(text, s)
	}
}
