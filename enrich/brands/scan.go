package brands

import (
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a token found by the scanner.
type tokKind uint8

const (
	tWord    tokKind = iota // a run of letters and digits
	tPunct                  // one other rune (', &, ., -, …)
	tHandle                 // @handle: body without the "@"
	tHashtag                // #tag: body without the "#"
	tCashtag                // $TAG: body without the "$"
)

// maxHandle is the longest handle the scanner takes for a mention (X allows
// 15; the limit leaves room for other platforms' names).
const maxHandle = 50

// maxExtendedHandle bounds a handle with dots, dashes or a host
// ("name.bsky.social", "user@mastodon.social").
const maxExtendedHandle = 253

// token is one token of a text. start and end delimit the body in the text
// (without a sigil); lo and hi delimit its lower-cased form in the scanner's
// buffer (for tags: letters and digits only). For an extended handle, short
// is the end of its leading [A-Za-z0-9_] run.
type token struct {
	kind   tokKind
	start  int32
	end    int32
	lo, hi int32
	short  int32
}

// scanner splits a text into tokens in one pass, skipping URLs and white
// space. It is reused (not safe for concurrent use).
type scanner struct {
	text  string
	toks  []token
	lower []byte
}

// lowerOf returns a token's lower-cased form. It aliases the scanner's
// buffer: use it for comparisons and map look-ups only.
func (s *scanner) lowerOf(t *token) []byte { return s.lower[t.lo:t.hi] }

// bodyOf returns a token's text as written.
func (s *scanner) bodyOf(t *token) string { return s.text[t.start:t.end] }

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isHandleByte(c byte) bool { return isASCIIAlnum(c) || c == '_' }

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// scan tokenizes text. extended allows dots, dashes and a host in handles
// (platforms other than X).
func (s *scanner) scan(text string, extended bool) {
	s.text = text
	s.toks = s.toks[:0]
	s.lower = s.lower[:0]
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case isSpaceByte(c):
				i++
			case isASCIIAlnum(c):
				if j := skipURL(text, i); j > i {
					i = j
					continue
				}
				i = s.word(i)
			case c == '@' && !s.wordBefore(i):
				if j := s.handle(i+1, extended); j > 0 {
					i = j
					continue
				}
				i = s.punct(i)
			case (c == '#' || c == '$') && !s.wordBefore(i):
				if j := s.tag(i+1, c); j > 0 {
					i = j
					continue
				}
				i = s.punct(i)
			default:
				i = s.punct(i)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case isWordRune(r):
			i = s.word(i)
		default:
			i = s.punct(i)
		}
	}
}

// wordBefore reports whether the rune before i continues a word, an e-mail
// address or a sigil run, so that an "@", "#" or "$" at i is not a sigil
// (X's rule: "a@b" and "x#y" are no mention or tag).
func (s *scanner) wordBefore(i int) bool {
	if i == 0 {
		return false
	}
	c := s.text[i-1]
	if c < utf8.RuneSelf {
		return isHandleByte(c) || c == '@' || c == '#' || c == '$' || c == '&' || c == '*' || c == '!' || c == '%'
	}
	r, _ := utf8.DecodeLastRuneInString(s.text[:i])
	return isWordRune(r)
}

// skipURL returns the end of a URL starting at i (http://, https://, www.),
// or i when there is none. A URL ends at white space.
func skipURL(text string, i int) int {
	rest := text[i:]
	if !(hasPrefixFold(rest, "http://") || hasPrefixFold(rest, "https://") || hasPrefixFold(rest, "www.")) {
		return i
	}
	j := i
	for j < len(text) {
		c := text[j]
		if c < utf8.RuneSelf {
			if isSpaceByte(c) {
				break
			}
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if unicode.IsSpace(r) {
			break
		}
		j += size
	}
	return j
}

// hasPrefixFold is an ASCII case-insensitive strings.HasPrefix for a
// lower-case prefix.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for k := 0; k < len(prefix); k++ {
		c := s[k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[k] {
			return false
		}
	}
	return true
}

// word appends the word starting at i and returns its end.
func (s *scanner) word(i int) int {
	text := s.text
	lo := len(s.lower)
	j := i
	for j < len(text) {
		c := text[j]
		if c < utf8.RuneSelf {
			if !isASCIIAlnum(c) {
				break
			}
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			s.lower = append(s.lower, c)
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if !isWordRune(r) {
			break
		}
		s.lower = utf8.AppendRune(s.lower, unicode.ToLower(r))
		j += size
	}
	s.toks = append(s.toks, token{kind: tWord, start: int32(i), end: int32(j), lo: int32(lo), hi: int32(len(s.lower))})
	return j
}

// punct appends the single rune at i as a token and returns its end. The
// typographic apostrophe folds to "'".
func (s *scanner) punct(i int) int {
	lo := len(s.lower)
	c := s.text[i]
	size := 1
	if c < utf8.RuneSelf {
		s.lower = append(s.lower, c)
	} else {
		var r rune
		r, size = utf8.DecodeRuneInString(s.text[i:])
		if r == '\u2019' || r == '\u2018' {
			r = '\''
		}
		s.lower = utf8.AppendRune(s.lower, unicode.ToLower(r))
	}
	s.toks = append(s.toks, token{kind: tPunct, start: int32(i), end: int32(i + size), lo: int32(lo), hi: int32(len(s.lower))})
	return i + size
}

// handle scans a handle body starting at i (after the "@"): 1..maxHandle
// bytes of [A-Za-z0-9_], and when extended, further parts joined by ".",
// "-" or "@". It returns the end, or 0 when there is no handle.
func (s *scanner) handle(i int, extended bool) int {
	text := s.text
	j := i
	for j < len(text) && isHandleByte(text[j]) {
		j++
	}
	if j == i || j-i > maxHandle {
		return 0
	}
	short := j
	if extended {
		for j+1 < len(text) && (text[j] == '.' || text[j] == '-' || text[j] == '@') && isHandleByte(text[j+1]) && j-i < maxExtendedHandle {
			j++
			for j < len(text) && isHandleByte(text[j]) && j-i < maxExtendedHandle {
				j++
			}
		}
	}
	lo := len(s.lower)
	for k := i; k < j; k++ {
		c := text[k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		s.lower = append(s.lower, c)
	}
	s.toks = append(s.toks, token{kind: tHandle, start: int32(i), end: int32(j), lo: int32(lo), hi: int32(len(s.lower)), short: int32(short)})
	return j
}

// tag scans a hashtag or cashtag body starting at i: letters, digits and
// "_"; a cashtag starts with a letter ("$5" is money). It returns the end, or
// 0 when there is no tag. The lower-cased form keeps letters and digits only
// ("#British_Airways" → "britishairways").
func (s *scanner) tag(i int, sigil byte) int {
	text := s.text
	lo := len(s.lower)
	j := i
	for j < len(text) {
		c := text[j]
		if c < utf8.RuneSelf {
			if !isHandleByte(c) {
				break
			}
			if c == '_' {
				j++
				continue
			}
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			s.lower = append(s.lower, c)
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if !isWordRune(r) {
			break
		}
		s.lower = utf8.AppendRune(s.lower, unicode.ToLower(r))
		j += size
	}
	if len(s.lower) == lo || sigil == '$' && !(text[i] >= 'A' && text[i] <= 'Z' || text[i] >= 'a' && text[i] <= 'z') {
		s.lower = s.lower[:lo]
		return 0
	}
	kind := tHashtag
	if sigil == '$' {
		kind = tCashtag
	}
	s.toks = append(s.toks, token{kind: kind, start: int32(i), end: int32(j), lo: int32(lo), hi: int32(len(s.lower))})
	return j
}

// isUpperWord reports whether a word has at least one letter and no
// lower-case letter ("NEXT", "O2").
func isUpperWord(w string) bool {
	letter := false
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letter = true
		}
	}
	return letter
}
