package entities

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is a token of a text: text[Start:End], byte offsets.
type Span struct {
	Start, End int
}

// placeholders are what enrich/pii puts in place of a redacted value; each
// is one token and never part of an entity.
var placeholders = []string{"[email]", "[phone]", "[card]", "[postcode]", "[address]"}

// Tokenize appends the tokens of text to dst and returns it. It is a
// tweet tokenizer that keeps byte offsets: URLs, @handles, #hashtags and
// pii placeholders are one token each; a word keeps inner hyphens,
// apostrophes, periods, ampersands and digit separators ("Coca-Cola",
// "U.S.", "AT&T", "10:45", "1,000") but a trailing possessive "'s" is its
// own token ("KLM's" → "KLM", "'s"), as in the CoNLL data sets; a run of
// the same punctuation ("!!!", "...") is one token; any other character
// (an emoji, say) is a token by itself. Invalid UTF-8 bytes are tokens of
// their own (one byte each), so every span falls on valid boundaries of
// the text as given.
//
// Why not prose's tokenizer: prose/v2 returns tokens without offsets and
// rewrites the text first (curly quotes become straight ones, changing
// byte lengths), so entity spans could not be mapped back to the text; and
// it allocates a token per word and a cache per document, about 6× the
// time of this one (BenchmarkTokenize vs BenchmarkProseTokenize).
func Tokenize(dst []Span, text string) []Span {
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && n <= 1 {
			dst = append(dst, Span{i, i + 1})
			i++
			continue
		}
		if isSpace(r) {
			i += n
			continue
		}
		start := i
		switch {
		case r == 'h' && (strings.HasPrefix(text[i:], "https://") || strings.HasPrefix(text[i:], "http://")),
			r == 'w' && strings.HasPrefix(text[i:], "www."):
			i = untilSpace(text, i)
		case (r == '@' || r == '#') && i+1 < len(text) && isWordStart(text[i+1:]):
			i = wordRun(text, i+1, false)
			for _, p := range [...]string{"'s", "\u2019s"} {
				if strings.HasPrefix(text[i:], p) && !isWordStart(text[i+len(p):]) {
					dst = append(dst, Span{start, i}, Span{i, i + len(p)})
					i += len(p)
					goto next
				}
			}
		case r == '[' && isPlaceholder(text[i:]):
			i += strings.IndexByte(text[i:], ']') + 1
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			i = wordRun(text, i, true)
			// A trailing possessive is a token of its own.
			if end := i; end-start > 2 {
				if strings.HasSuffix(text[start:end], "'s") || strings.HasSuffix(text[start:end], "'S") {
					dst = append(dst, Span{start, end - 2}, Span{end - 2, end})
					continue
				}
				if end-start > 4 && strings.HasSuffix(text[start:end], "\u2019s") {
					dst = append(dst, Span{start, end - 4}, Span{end - 4, end})
					continue
				}
			}
		default:
			i += n
			if unicode.IsPunct(r) || unicode.IsSymbol(r) {
				for i < len(text) {
					r2, n2 := utf8.DecodeRuneInString(text[i:])
					if r2 != r {
						break
					}
					i += n2
				}
			}
		}
		dst = append(dst, Span{start, i})
	next:
	}
	return dst
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\n' || r == '\t' || r == '\r' || (r > 127 && unicode.IsSpace(r))
}

func untilSpace(text string, i int) int {
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if isSpace(r) || (r == utf8.RuneError && n <= 1) {
			return i
		}
		i += n
	}
	return i
}

func isWordStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// wordRun returns the end of the word that starts at i. With inner, the
// joiners - ' ’ . & : , / join two word characters (':' ',' '/' only
// between digits).
func wordRun(text string, i int, inner bool) int {
	var prev rune
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if isWordRune(r) {
			prev = r
			i += n
			continue
		}
		if !inner || i+n >= len(text) {
			return i
		}
		next, _ := utf8.DecodeRuneInString(text[i+n:])
		switch r {
		case '-', '\'', '\u2019', '.', '&':
			if isWordRune(next) {
				prev = next
				i += n
				continue
			}
		case ':', ',', '/':
			if unicode.IsDigit(prev) && unicode.IsDigit(next) {
				prev = next
				i += n
				continue
			}
		}
		return i
	}
	return i
}

func isPlaceholder(s string) bool {
	for _, p := range placeholders {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
