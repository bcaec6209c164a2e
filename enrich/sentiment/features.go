package sentiment

import (
	"unicode"
	"unicode/utf8"

	"github.com/jonreiter/govader"
)

// FeatureVersion identifies the feature extraction below. A weights file
// records the version it was trained with; loading a file of another
// version fails, so that code and weights cannot drift apart silently.
const FeatureVersion = 1

// Dense feature indices (Features.Dense).
const (
	dVaderCompound = iota
	dVaderPos
	dVaderNeg
	dVaderNeu
	dVaderIsPos     // compound ≥ 0.05
	dVaderIsNeg     // compound ≤ −0.05
	dAllCaps        // words in ALL CAPS (≥ 2 letters), capped at 3, / 3
	dElongated      // elongated words ("sooo"), capped at 3, / 3
	dExclaimRun     // a run of two or more '!'
	dQuestion       // a '?'
	dEmoPos         // positive emoticons and emoji, capped at 3, / 3
	dEmoNeg         // negative emoticons and emoji, capped at 3, / 3
	dComplaint      // customer-service complaint cues, capped at 3, / 3
	dComplaintQuiet // complaint cues in a text VADER finds neutral
	dNegation       // negation words, capped at 3, / 3
	dSarcasm        // explicit sarcasm markers ("#sarcasm", "#not", "yeah right")
	dHashtags       // hashtags, capped at 3, / 3
	dLastEmoPos     // the text ends with a positive emoticon/emoji
	dLastEmoNeg     // the text ends with a negative emoticon/emoji
	dLexPos         // lexicon-positive words (valence after negation > 0), capped at 5, / 5
	dLexNeg         // lexicon-negative words, capped at 5, / 5
	dLexSumPos      // sum of positive valences / 8 (capped at 1)
	dLexSumNeg      // sum of negative valences / 8 (capped at 1, as a positive number)
	dLexMax         // the largest valence / 4
	dLexMin         // the smallest valence / 4
	dLexLast        // the last non-zero valence / 4
	dContrast       // positive words in a text with complaint cues ("great job losing my bag again")
	NumDense
)

// Exported indices of the cue features (the training command adds priors
// to their weights).
const (
	DComplaint      = dComplaint
	DComplaintQuiet = dComplaintQuiet
	DSarcasm        = dSarcasm
	DContrast       = dContrast
)

// DenseNames names the dense features in index order (for the weights
// file and for reading a model).
var DenseNames = [NumDense]string{"vader_compound", "vader_pos", "vader_neg", "vader_neu", "vader_is_pos", "vader_is_neg",
	"all_caps", "elongated", "exclaim_run", "question", "emo_pos", "emo_neg", "complaint", "complaint_quiet", "negation",
	"sarcasm", "hashtags", "last_emo_pos", "last_emo_neg", "lex_pos", "lex_neg", "lex_sum_pos", "lex_sum_neg", "lex_max",
	"lex_min", "lex_last", "contrast"}

// Features are a text's model input: hashed sparse binary features (words
// marked when inside a negation scope, hashtags, emoticons, emoji, "!" and
// "?" runs) and dense ones (VADER's scores, lexicon counts, cues).
//
// Word bigrams and character 3–4-grams were tried and left out: on the
// development files they lowered macro-F1 (0.604 with words only; 0.587
// with bigrams; 0.572 with bigrams and character n-grams), as the ≈17,500
// training tweets are too few for the extra features.
type Features struct {
	// Hashed holds 64-bit feature hashes; a model reduces them to its
	// table size. Duplicates count twice.
	Hashed []uint64
	Dense  [NumDense]float32
	// Vader is VADER's score of the cleaned text.
	Vader govader.Sentiment

	word   []byte // scratch: the current word, normalised
	vader  vaderScratch
	cues   cueState
	tokens int
}

// Reset empties f for reuse.
func (f *Features) Reset() {
	f.Hashed = f.Hashed[:0]
	f.Dense = [NumDense]float32{}
	f.Vader = govader.Sentiment{}
	f.word = f.word[:0]
	f.cues = cueState{}
	f.tokens = 0
}

// Feature namespaces (mixed into the hash).
const (
	nsUni uint64 = iota + 1
	nsUniNeg
	nsTag
	nsEmo
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// mix combines two hashes (splitmix64 finaliser over a ^ rotated b).
func mix(a, b uint64) uint64 {
	x := a ^ (b<<31 | b>>33) ^ 0x9e3779b97f4a7c15
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func (f *Features) add(ns, h uint64) { f.Hashed = append(f.Hashed, mix(ns, h)) }

// negatedValence scales a lexicon valence inside a negation scope (VADER's
// N_SCALAR).
const negatedValence = -0.74

// extract fills f from a cleaned text (see clean), VADER's score of it and
// VADER's lexicon (word → valence −4..4).
func (f *Features) extract(text string, vs govader.Sentiment, lexicon map[string]float64) {
	f.Vader = vs
	c := vs.Compound
	if c != c { // NaN
		c = 0
	}
	f.Dense[dVaderCompound] = float32(c)
	f.Dense[dVaderPos] = float32(vs.Positive)
	f.Dense[dVaderNeg] = float32(vs.Negative)
	f.Dense[dVaderNeu] = float32(vs.Neutral)
	if c >= 0.05 {
		f.Dense[dVaderIsPos] = 1
	} else if c <= -0.05 {
		f.Dense[dVaderIsNeg] = 1
	}

	var allCaps, elongated, emoPos, emoNeg, negations, hashtags, lexPos, lexNeg int
	var sumPos, sumNeg, vMax, vMin, vLast float64
	negScope := 0 // words left in the negation scope
	lastEmo := 0  // polarity of the last token when it was an emoticon/emoji
	tokenStart := true
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if r == ' ' {
			tokenStart = true
			i += size
			continue
		}
		if tokenStart {
			tokenStart = false
			end := i
			for end < len(text) && text[end] != ' ' {
				end++
			}
			if pol, ok := emoticons[text[i:end]]; ok {
				f.add(nsEmo, fnv(fnvOffset, []byte(text[i:end])))
				if pol > 0 {
					emoPos++
				} else if pol < 0 {
					emoNeg++
				}
				lastEmo = pol
				f.tokens++
				negScope = 0
				i = end
				continue
			}
		}
		switch {
		case isWordRune(r) || (r == '#' && i+1 < len(text) && isWordByteStart(text, i+1)):
			j, caps, elong, isTag := f.readWord(text, i)
			i = j
			if len(f.word) == 0 {
				continue
			}
			f.tokens++
			lastEmo = 0
			if caps {
				allCaps++
			}
			if elong {
				elongated++
			}
			w := f.word
			if isTag {
				hashtags++
				f.add(nsTag, fnv(fnvOffset, w))
				if string(w) == "not" {
					f.cues.sarcasm++
				}
			}
			h := fnv(fnvOffset, w)
			inScope := negScope > 0
			if inScope {
				f.add(nsUniNeg, h)
				negScope--
			} else {
				f.add(nsUni, h)
			}
			f.cues.word(w)
			if v, ok := lexicon[string(w)]; ok && v != 0 {
				if inScope {
					v *= negatedValence
				}
				if v > 0 {
					lexPos++
					sumPos += v
				} else {
					lexNeg++
					sumNeg -= v
				}
				vMax, vMin, vLast = max(vMax, v), min(vMin, v), v
			}
			if isNegation(w) {
				negations++
				negScope = 4
			}
		case r == '!' || r == '?':
			j := i
			for j < len(text) && (text[j] == '!' || text[j] == '?') {
				j++
			}
			run := text[i:j]
			for k := 0; k < len(run); k++ {
				if run[k] == '?' {
					f.Dense[dQuestion] = 1
				}
			}
			if j-i >= 2 && containsByte(run, '!') {
				f.Dense[dExclaimRun] = 1
			}
			tok := run[:1]
			if j-i >= 2 {
				tok = run[:2]
			}
			f.add(nsUni, fnv(fnvOffset, []byte(tok)))
			negScope = 0
			f.cues.boundary()
			i = j
		case isEmoji(r):
			f.add(nsEmo, uint64(r))
			switch emojiPolarity(r) {
			case 1:
				emoPos++
				lastEmo = 1
			case -1:
				emoNeg++
				lastEmo = -1
			default:
				lastEmo = 0
			}
			f.tokens++
			i += size
		default: // other punctuation ends a negation scope and a cue phrase
			if r == '.' || r == ',' || r == ';' || r == ':' || r == '(' || r == ')' {
				negScope = 0
				f.cues.boundary()
			}
			i += size
		}
	}

	capped := func(n int) float32 { return float32(min(n, 3)) / 3 }
	f.Dense[dAllCaps] = capped(allCaps)
	f.Dense[dElongated] = capped(elongated)
	f.Dense[dEmoPos] = capped(emoPos)
	f.Dense[dEmoNeg] = capped(emoNeg)
	f.Dense[dComplaint] = capped(f.cues.complaints)
	if f.cues.complaints > 0 && c > -0.05 && c < 0.05 {
		f.Dense[dComplaintQuiet] = 1
	}
	f.Dense[dNegation] = capped(negations)
	f.Dense[dSarcasm] = capped(f.cues.sarcasm)
	f.Dense[dHashtags] = capped(hashtags)
	f.Dense[dLexPos] = float32(min(lexPos, 5)) / 5
	f.Dense[dLexNeg] = float32(min(lexNeg, 5)) / 5
	f.Dense[dLexSumPos] = float32(min(sumPos/8, 1))
	f.Dense[dLexSumNeg] = float32(min(sumNeg/8, 1))
	f.Dense[dLexMax] = float32(vMax / 4)
	f.Dense[dLexMin] = float32(vMin / 4)
	f.Dense[dLexLast] = float32(vLast / 4)
	if lexPos > 0 && f.cues.complaints > 0 {
		f.Dense[dContrast] = 1
	}
	if lastEmo > 0 {
		f.Dense[dLastEmoPos] = 1
	} else if lastEmo < 0 {
		f.Dense[dLastEmoNeg] = 1
	}
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// readWord reads a word (letters, digits, apostrophes, '_', '-', and a
// leading '#') at i into f.word: lower-cased, digits as '0', letters
// repeated more than twice cut to two ("sooooo" → "soo"), "’" as "'".
// It returns the end, whether the word was in capitals (≥ 2 letters, none
// lower-case), elongated, and a hashtag (the '#' is not kept in f.word).
func (f *Features) readWord(text string, i int) (end int, caps, elongated, tag bool) {
	f.word = f.word[:0]
	if text[i] == '#' {
		tag = true
		i++
	}
	upper, lower := 0, 0
	var last rune = -1
	run := 0
	for i < len(text) {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if r == '’' || r == '‘' {
			r = '\''
		}
		if !isWordRune(r) && r != '\'' && r != '-' {
			break
		}
		if (r == '\'' || r == '-') && !(i+size < len(text) && isWordByteStart(text, i+size)) {
			break // a trailing quote or dash is punctuation
		}
		i += size
		if unicode.IsUpper(r) {
			upper++
			r = unicode.ToLower(r)
		} else if unicode.IsLower(r) {
			lower++
		}
		if r >= '0' && r <= '9' {
			r = '0'
		}
		if r == last {
			run++
			if run > 2 && unicode.IsLetter(r) {
				elongated = true
				continue
			}
		} else {
			last, run = r, 1
		}
		f.word = utf8.AppendRune(f.word, r)
	}
	return i, upper >= 2 && lower == 0, elongated, tag
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isWordByteStart(text string, i int) bool {
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isWordRune(r)
}

var negations = map[string]bool{
	"not": true, "no": true, "never": true, "cannot": true, "nothing": true, "nobody": true, "none": true, "nor": true,
	"neither": true, "nowhere": true, "without": true, "dont": true, "cant": true, "wont": true, "didnt": true,
	"doesnt": true, "isnt": true, "wasnt": true, "arent": true, "couldnt": true, "shouldnt": true, "wouldnt": true,
	"havent": true, "hasnt": true, "aint": true, "hardly": true,
}

func isNegation(w []byte) bool {
	if len(w) > 3 && string(w[len(w)-3:]) == "n't" {
		return true
	}
	return negations[string(w)]
}

// cueState follows phrase cues word by word.
type cueState struct {
	prev       string // the previous word when it starts a cue phrase
	complaints int
	sarcasm    int
}

// complaintWords are customer-service complaint cues that carry no
// sentiment in a general lexicon; complaintPairs are two-word cues keyed
// by their first word.
var complaintWords = map[string]bool{
	"delayed": true, "delay": true, "delays": true, "cancelled": true, "canceled": true, "cancellation": true,
	"refund": true, "refunded": true, "hours": true, "nobody": true, "stuck": true, "stranded": true,
	"overcharged": true, "charged": true, "outage": true, "lost": true, "missing": true, "broken": true,
	"unacceptable": true, "ridiculous": true, "waiting": true, "yet": true, "again": true, "still": true,
	"rebooked": true, "diverted": true, "glitch": true, "crashed": true, "crashing": true, "unresponsive": true,
}

var complaintPairs = map[string]map[string]bool{
	"still":    {"waiting": true, "nothing": true, "no": true, "not": true},
	"no":       {"update": true, "response": true, "reply": true, "answer": true, "one": true, "help": true, "service": true, "signal": true, "refund": true},
	"on":       {"hold": true},
	"not":      {"working": true, "received": true, "arrived": true, "delivered": true},
	"doesn't":  {"work": true},
	"never":    {"arrived": true, "received": true, "came": true},
	"customer": {"service": true},
	"been":     {"waiting": true},
}

// sarcasmPairs are explicit sarcasm markers. Phrases such as "great job"
// or "love it" are no marker: in the training tweets they are mostly
// sincere; a positive word next to a complaint cue is the contrast
// feature instead.
var sarcasmPairs = map[string]map[string]bool{
	"yeah": {"right": true},
}

func (c *cueState) word(w []byte) {
	s := string(w) // map lookups with string(w) do not allocate
	if complaintWords[s] {
		c.complaints++
	}
	switch s {
	case "sarcasm", "sarcastic", "irony":
		c.sarcasm++
	}
	if c.prev != "" {
		if complaintPairs[c.prev][s] {
			c.complaints++
		}
		if sarcasmPairs[c.prev][s] {
			c.sarcasm++
		}
	}
	c.prev = ""
	if _, ok := complaintPairs[s]; ok {
		c.prev = cueKey(s)
	} else if _, ok := sarcasmPairs[s]; ok {
		c.prev = cueKey(s)
	}
}

// cueKey returns the map's own copy of a key (no allocation per word).
func cueKey(s string) string {
	for k := range complaintPairs {
		if k == s {
			return k
		}
	}
	for k := range sarcasmPairs {
		if k == s {
			return k
		}
	}
	return ""
}

func (c *cueState) boundary() { c.prev = "" }

// emoticons maps ASCII emoticons (a whole space-separated token) to their
// polarity.
var emoticons = map[string]int{
	":)": 1, ":-)": 1, ":D": 1, ":-D": 1, ";)": 1, ";-)": 1, "=)": 1, "(:": 1, ":p": 1, ":P": 1, ":-P": 1, "xD": 1,
	"XD": 1, "<3": 1, ":]": 1, "=]": 1, ":o)": 1, "^_^": 1, "^^": 1, ":))": 1, ":')": 1, "8)": 1, ";D": 1,
	":(": -1, ":-(": -1, ":'(": -1, "):": -1, ":/": -1, ":-/": -1, ":\\": -1, ":|": -1, "-_-": -1, ">:(": -1,
	":((": -1, "D:": -1, "</3": -1, ":[": -1, "=(": -1, ":S": -1, ":s": -1, "T_T": -1, ";(": -1,
}

// isEmoji reports whether r is a pictographic symbol (emoji, dingbats).
func isEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r == 0x2764 || r == 0x263A || r == 0x2639
}

// emojiPolarity is a small hand-made polarity list for frequent emoji.
func emojiPolarity(r rune) int {
	switch r {
	case '😀', '😃', '😄', '😁', '😆', '😊', '🙂', '😍', '🥰', '😘', '😻', '❤', '♥', '💕', '💖', '💗', '💙', '💚', '💛', '💜',
		'👍', '🎉', '🙌', '👏', '😂', '🤣', '✨', '💯', '😎', '🤗', '😉', '☺', '🥳', '🙏', '👌', '💪', '😋', '🌟', '⭐':
		return 1
	case '😡', '😠', '🤬', '😢', '😭', '😞', '😔', '😩', '😫', '😤', '👎', '💔', '🙄', '😒', '😕', '☹', '🙁', '😣', '😖',
		'😟', '😓', '😥', '😰', '😱', '🤮', '🤢', '😬', '😑', '😐', '🤦':
		return -1
	}
	return 0
}
