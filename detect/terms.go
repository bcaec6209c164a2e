package detect

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTokens bounds the tokens read from one post.
const maxTokens = 64

// stopwords are English function words, social-media filler and words
// every customer-care post has; they are never a term on their own (a
// bigram keeps them: "no signal", "not working").
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a about above after again against all am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't she
she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then there
there's these they they'd they'll they're they've this those through to too under until up very was wasn't we we'd
we'll we're we've were weren't what what's when when's where where's which while who who's whom why why's with
won't would wouldn't you you'd you'll you're you've your yours yourself yourselves im ive dont cant wont didnt doesnt
isnt its u ur pls please thanks thank thx hi hello hey just get got still now today yet already also really amp rt
via will one two us ok okay yes`) {
		stopwords[w] = true
	}
	// "down" and "out" carry meaning in outages: keep them as terms.
	delete(stopwords, "down")
	delete(stopwords, "out")
}

// Tokens returns the lower-cased word tokens of text: words (letters,
// digits, inner apostrophes and hyphens) and #hashtags; @handles, URLs and
// pure numbers are dropped. It reads at most 64 tokens.
func Tokens(text string) []string {
	var out []string
	i := 0
	for i < len(text) && len(out) < maxTokens {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '@':
			i = skipWord(text, i+size)
			continue
		case r == '#':
			j := scanWord(text, i+size)
			if j > i+size {
				out = append(out, "#"+strings.ToLower(text[i+size:j]))
			}
			i = max(j, i+size)
			continue
		case isWordRune(r):
			if hasURLPrefix(text[i:]) {
				i = skipNonSpace(text, i)
				continue
			}
			j := scanWord(text, i)
			w := strings.ToLower(strings.Trim(text[i:j], "'’-"))
			if w != "" && !allDigits(w) {
				out = append(out, w)
			}
			i = j
			continue
		}
		i += size
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// scanWord returns the end of the word starting at i: word runes, and
// apostrophes or hyphens between word runes.
func scanWord(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if isWordRune(r) {
			i += size
			continue
		}
		if r == '\'' || r == '’' || r == '-' {
			if n, ns := utf8.DecodeRuneInString(text[i+size:]); i+size < len(text) && isWordRune(n) {
				i += size + ns
				continue
			}
		}
		break
	}
	return i
}

func skipWord(text string, i int) int {
	j := scanWord(text, i)
	if j == i {
		return i
	}
	return j
}

func skipNonSpace(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

func hasURLPrefix(s string) bool {
	if len(s) >= 4 && (s[0] == 'h' || s[0] == 'H') {
		l := strings.ToLower(s[:min(len(s), 8)])
		return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
	}
	return len(s) >= 4 && strings.EqualFold(s[:4], "www.")
}

func allDigits(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) && r != '-' && r != '\'' {
			return false
		}
	}
	return true
}

// Terms returns the distinct terms of text: its tokens that are not
// stopwords (at least 3 characters, or a hashtag) and its bigrams with at
// least one such token ("no signal"). Each term appears once: the counts
// built from it are numbers of posts.
func Terms(text string) []string {
	toks := Tokens(text)
	seen := make(map[string]struct{}, 2*len(toks))
	out := make([]string, 0, 2*len(toks))
	add := func(t string) {
		if _, ok := seen[t]; !ok {
			seen[t] = struct{}{}
			out = append(out, t)
		}
	}
	content := func(t string) bool {
		return !stopwords[t] && (strings.HasPrefix(t, "#") || utf8.RuneCountInString(t) >= 3)
	}
	for i, t := range toks {
		if content(t) {
			add(t)
		}
		if i > 0 && !strings.HasPrefix(t, "#") && !strings.HasPrefix(toks[i-1], "#") && (content(t) || content(toks[i-1])) {
			// Bigrams need a content word with a short or stop word, or
			// two content words.
			add(toks[i-1] + " " + t)
		}
	}
	return out
}
