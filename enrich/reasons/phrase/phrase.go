// Package phrase is the one-pass phrase matcher behind the contact-reason
// and urgency enrichers: a text is cut into normalised word tokens once,
// every token is looked up once in a vocabulary map, and the phrases that
// start at it are compared token id by token id. There is no regular
// expression and, with a reused Scratch, no allocation per text.
//
// # Tokens
//
// Tokens are lower-cased runs of letters and digits; an apostrophe inside a
// word is dropped ("don't" and "dont" are the same token, "can’t" too).
// @handles and URLs are skipped; a #hashtag is its word. "&amp;"-style HTML
// entities are separators. A question mark is a token of its own, "?", so
// that a phrase can ask for one. Sentence punctuation (. ! ? ; :) and the
// words "but" and "however" start a new clause: negation does not reach
// across a clause.
//
// # Patterns
//
// A pattern is words separated by spaces. Braces hold alternatives, which
// may be empty or several words — "deliver{,ed,y,ies}" is deliver,
// delivered, delivery, deliveries; "{is,has been} late" is two patterns —
// and "*" stands for any one token ("my * was cancelled").
// A pattern is written lower-case and without apostrophes.
//
// # Negation and guards
//
// A Hit reports whether one of the NegationWindow tokens before it, in the
// same clause, is a negator (no, not, never, without, dont, …); the caller
// decides what negation means for its entry. A guard is a pattern whose
// match suppresses every other hit that overlaps it: "killing it" keeps
// "killing" from being an injury cue.
package phrase

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/earshot-dev/earshot/internal/wordmap"
)

// NegationWindow is how many tokens before a hit are searched for a
// negator.
const NegationWindow = 3

// negators start a negated hit.
var negators = []string{"no", "not", "never", "without", "dont", "didnt", "doesnt", "isnt", "wasnt", "arent",
	"werent", "havent", "hasnt", "hadnt", "wont", "wouldnt", "nothing", "nobody", "neither", "nor", "hardly", "zero"}

// Pattern is one entry of a Matcher's table.
type Pattern struct {
	// Text is the pattern (see the package documentation).
	Text string
	// Guard makes the pattern a guard: its matches suppress overlapping
	// hits and are not reported.
	Guard bool
	// Value is the caller's index of the entry the pattern belongs to.
	Value int
}

// Hit is one match of a pattern.
type Hit struct {
	Value int // Pattern.Value
	// Start and End are token positions [Start, End).
	Start, End int
	// Negated is true when a negator precedes the match in the same clause,
	// at most NegationWindow tokens before it.
	Negated bool
}

// Matcher finds patterns in texts. It is safe for concurrent use.
type Matcher struct {
	words   *wordmap.Map[int32] // the vocabulary: word → token id
	negator []bool              // by token id
	first   [][]int32           // patterns starting with each token id
	wild    []int32             // patterns starting with "*"
	pats    []compiled
	pool    sync.Pool
}

type compiled struct {
	toks  []int32 // -1 = any token
	guard bool
	value int
}

const anyToken = -1

// New compiles patterns. A pattern without words, or with characters that
// can never be a token, is an error naming it.
func New(patterns []Pattern) (*Matcher, error) {
	m := &Matcher{}
	vocab := map[string]int32{}
	id := func(w string) int32 {
		if v, ok := vocab[w]; ok {
			return v
		}
		v := int32(len(vocab))
		vocab[w] = v
		return v
	}
	for _, w := range negators {
		id(w)
	}
	id("?")
	for _, p := range patterns {
		if strings.TrimSpace(p.Text) == "" {
			return nil, fmt.Errorf("phrase: pattern %q has no words", p.Text)
		}
		alts, err := expand(p.Text)
		if err != nil {
			return nil, fmt.Errorf("phrase: pattern %q: %w", p.Text, err)
		}
		for _, a := range alts {
			words := strings.Fields(a)
			if len(words) == 0 {
				continue
			}
			c := compiled{guard: p.Guard, value: p.Value}
			for _, w := range words {
				if w == "*" {
					c.toks = append(c.toks, anyToken)
					continue
				}
				if !validWord(w) {
					return nil, fmt.Errorf("phrase: pattern %q: %q is not a token (lower-case letters and digits, no apostrophes, or \"?\")", p.Text, w)
				}
				c.toks = append(c.toks, id(w))
			}
			if len(c.toks) == 1 && c.toks[0] == anyToken {
				return nil, fmt.Errorf("phrase: pattern %q matches every token", p.Text)
			}
			m.pats = append(m.pats, c)
		}
	}
	m.words = wordmap.New(vocab)
	m.first = make([][]int32, len(vocab))
	m.negator = make([]bool, len(vocab))
	for _, w := range negators {
		m.negator[vocab[w]] = true
	}
	for i, c := range m.pats {
		if c.toks[0] == anyToken {
			m.wild = append(m.wild, int32(i))
		} else {
			m.first[c.toks[0]] = append(m.first[c.toks[0]], int32(i))
		}
	}
	m.pool.New = func() any { return new(Scratch) }
	return m, nil
}

// expand turns "deliver{,ed,y} {my order,it}" into every combination of
// the alternatives (braces do not nest; an alternative may have spaces).
func expand(w string) ([]string, error) {
	i := strings.IndexByte(w, '{')
	if i < 0 {
		if strings.ContainsAny(w, "}") {
			return nil, fmt.Errorf("%q: '}' without '{'", w)
		}
		return []string{w}, nil
	}
	j := strings.IndexByte(w[i:], '}')
	if j < 0 {
		return nil, fmt.Errorf("%q: '{' without '}'", w)
	}
	j += i
	rest, err := expand(w[j+1:])
	if err != nil {
		return nil, err
	}
	var out []string
	for _, alt := range strings.Split(w[i+1:j], ",") {
		for _, r := range rest {
			out = append(out, w[:i]+alt+r)
		}
	}
	return out, nil
}

func validWord(w string) bool {
	if w == "?" {
		return true
	}
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= utf8.RuneSelf) {
			return false
		}
	}
	return true
}

// Scratch holds one text's tokens and hits; reuse it to avoid allocation.
// It is not safe for concurrent use.
type Scratch struct {
	buf     []byte
	ids     []int32 // token id, -2 when not in the vocabulary
	clause  []int32
	hits    []Hit
	guarded []bool
	// Tokens is the number of tokens of the last text scanned.
	Tokens int
	// Caps is the number of words of at least three letters written all
	// in capitals, and Exclaims the number of '!' in the last text.
	Caps, Exclaims int
}

const unknown = -2

// Get returns a Scratch from the matcher's pool; Put it back when done.
func (m *Matcher) Get() *Scratch { return m.pool.Get().(*Scratch) }

// Put returns s to the pool.
func (m *Matcher) Put(s *Scratch) { m.pool.Put(s) }

// maxTokens bounds the tokens read from one text (a post is short; a
// pasted essay is cut).
const maxTokens = 512

// Scan tokenises text and returns the hits of every non-guard pattern that
// no guard overlaps, in order of their start. The slice belongs to s and is
// valid until s is used again.
func (m *Matcher) Scan(text string, s *Scratch) []Hit {
	m.tokenize(text, s)
	s.hits = s.hits[:0]
	n := len(s.ids)
	anyGuard := false
	for i := 0; i < n; i++ {
		t := s.ids[i]
		if t >= 0 {
			for _, pi := range m.first[t] {
				anyGuard = m.try(s, pi, i) || anyGuard
			}
		}
		for _, pi := range m.wild {
			anyGuard = m.try(s, pi, i) || anyGuard
		}
	}
	if !anyGuard {
		return s.hits
	}
	if cap(s.guarded) < n {
		s.guarded = make([]bool, n)
	}
	g := s.guarded[:n]
	clear(g)
	for _, h := range s.hits {
		if h.Value < 0 {
			for k := h.Start; k < h.End; k++ {
				g[k] = true
			}
		}
	}
	out := s.hits[:0]
	for _, h := range s.hits {
		if h.Value < 0 {
			continue
		}
		covered := false
		for k := h.Start; k < h.End; k++ {
			if g[k] {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, h)
		}
	}
	s.hits = out
	return out
}

// try appends the hit of pattern pi at token i, if it matches. Guards are
// recorded with Value −1. It reports whether a guard matched.
func (m *Matcher) try(s *Scratch, pi int32, i int) bool {
	c := &m.pats[pi]
	if i+len(c.toks) > len(s.ids) {
		return false
	}
	for k, t := range c.toks {
		if t != anyToken && s.ids[i+k] != t {
			return false
		}
	}
	end := i + len(c.toks)
	if c.guard {
		s.hits = append(s.hits, Hit{Value: -1, Start: i, End: end})
		return true
	}
	neg := false
	for k := i - 1; k >= 0 && k >= i-NegationWindow && s.clause[k] == s.clause[i]; k-- {
		if t := s.ids[k]; t >= 0 && m.negator[t] {
			neg = true
			break
		}
	}
	s.hits = append(s.hits, Hit{Value: c.value, Start: i, End: end, Negated: neg})
	return false
}

// HasToken reports whether the last text scanned into s has the word w
// (which must be in the matcher's vocabulary, e.g. "?").
func (m *Matcher) HasToken(s *Scratch, w string) bool {
	id, ok := m.words.GetString(w)
	if !ok {
		return false
	}
	for _, t := range s.ids {
		if t == id {
			return true
		}
	}
	return false
}

func (m *Matcher) tokenize(text string, s *Scratch) {
	s.ids, s.clause = s.ids[:0], s.clause[:0]
	s.Caps, s.Exclaims = 0, 0
	clause := int32(0)
	buf := s.buf[:0]
	emit := func(b []byte) {
		id, ok := m.words.Get(b)
		if !ok {
			id = unknown
		}
		s.ids = append(s.ids, id)
		s.clause = append(s.clause, clause)
		if string(b) == "but" || string(b) == "however" {
			clause++
		}
	}
	for i := 0; i < len(text) && len(s.ids) < maxTokens; {
		c := text[i]
		switch {
		case c == '@' && (i == 0 || !wordByte(text[i-1])):
			i++
			for i < len(text) && (wordByte(text[i]) || text[i] == '.' && i+1 < len(text) && wordByte(text[i+1])) {
				i++
			}
			continue
		case (c == 'h' || c == 'H') && hasURL(text[i:]), (c == 'w' || c == 'W') && len(text) > i+4 && strings.EqualFold(text[i:i+4], "www."):
			for i < len(text) && text[i] > ' ' {
				i++
			}
			continue
		case c == '&':
			j := i + 1
			for j < len(text) && j-i < 8 && (text[j] >= 'a' && text[j] <= 'z' || text[j] == '#' || text[j] >= '0' && text[j] <= '9') {
				j++
			}
			if j < len(text) && text[j] == ';' && j > i+1 {
				i = j + 1
				continue
			}
			i++
			continue
		case c == '?':
			emit([]byte{'?'})
			clause++
			for i < len(text) && text[i] == '?' {
				i++
			}
			continue
		case c == '.' || c == '!' || c == ';' || c == ':':
			if c == '!' {
				s.Exclaims++
			}
			clause++
			i++
			continue
		case wordByte(c) || c >= utf8.RuneSelf && isLetterRune(text[i:]):
			buf = buf[:0]
			upper, letters := 0, 0
			for i < len(text) {
				c := text[i]
				if c >= 'A' && c <= 'Z' {
					buf = append(buf, c+'a'-'A')
					upper++
					letters++
					i++
				} else if c >= 'a' && c <= 'z' {
					buf = append(buf, c)
					letters++
					i++
				} else if c >= '0' && c <= '9' {
					buf = append(buf, c)
					i++
				} else if (c == '\'' || c == '_') && i+1 < len(text) && wordByte(text[i+1]) && len(buf) > 0 {
					i++ // inner apostrophe dropped; '_' joins
				} else if c == 0xE2 && strings.HasPrefix(text[i:], "\u2019") && i+3 < len(text) && wordByte(text[i+3]) && len(buf) > 0 {
					i += 3 // ’
				} else if c >= utf8.RuneSelf && isLetterRune(text[i:]) {
					_, n := utf8.DecodeRuneInString(text[i:])
					buf = append(buf, text[i:i+n]...)
					letters++
					i += n
				} else {
					break
				}
			}
			if upper >= 3 && upper == letters {
				s.Caps++
			}
			emit(buf)
			continue
		}
		if c >= utf8.RuneSelf {
			_, n := utf8.DecodeRuneInString(text[i:])
			i += n
			continue
		}
		i++
	}
	s.buf = buf
	s.Tokens = len(s.ids)
}

func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func hasURL(s string) bool {
	return len(s) >= 7 && (strings.EqualFold(s[:7], "http://") || len(s) >= 8 && strings.EqualFold(s[:8], "https://"))
}

// isLetterRune reports whether s starts with a non-ASCII letter (Latin
// accented letters and other scripts; emoji and punctuation are not).
func isLetterRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	switch {
	case r == utf8.RuneError:
		return false
	case r >= 0x00C0 && r <= 0x024F, r >= 0x0370 && r <= 0x1FFF, r >= 0x3040 && r <= 0x9FFF, r >= 0xAC00 && r <= 0xD7AF:
		return r != 0x00D7 && r != 0x00F7
	}
	return false
}
