package sentiment

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/jonreiter/govader"
)

// FeatureVersion identifies the feature extraction below. A weights file
// records the version it was trained with; loading a file of another
// version fails, so that code and weights cannot drift apart silently.
const FeatureVersion = 2

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
	dButPos         // sum of positive valences after the last "but" / 4 (capped at 1)
	dButNeg         // sum of negative valences after the last "but" / 4 (capped at 1, as a positive number)
	dAfinnPos       // sum of positive AFINN-165 valences (negated in scope) / 8, capped at 1
	dAfinnNeg       // sum of negative AFINN-165 valences / 8, capped at 1, as a positive number
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
	"lex_min", "lex_last", "contrast", "but_pos", "but_neg", "afinn_pos", "afinn_neg"}

// Features are a text's model input: hashed sparse binary features (words
// marked when inside a negation scope, hashtags, emoticons, emoji, "!" and
// "?" runs) and dense ones (VADER's scores, VADER and AFINN-165 lexicon
// counts and sums, valences after the last "but", cues).
//
// Word bigrams and character 3–4-grams were tried and left out: on the
// development files they lowered macro-F1 (0.604 with words only; 0.587
// with bigrams; 0.572 with bigrams and character n-grams; with the NBSVM
// ensemble, bigrams 0.603 against 0.605), as the ≈17,500 training tweets
// are too few for the extra features. With the ensemble and AFINN,
// character 3–5-grams within words gave 0.598 and across the text 0.585,
// against 0.611, and cross-validation on the training rows agreed (see
// README.md). A negation scope up to the next
// punctuation (0.606) or of 3 words (0.603) did no better than 4 words.
type Features struct {
	// Hashed holds 64-bit feature hashes; a model reduces them to its
	// table size. Duplicates count twice.
	Hashed []uint64
	Dense  [NumDense]float32
	// Vader is VADER's score of the cleaned text.
	Vader govader.Sentiment

	// Index, when set, maps words to ids (the training command's word
	// vectors). For every word found in it, extract appends to Words
	// id<<2 | negated<<1 | rated: negated when the word is inside a
	// negation scope, rated when VADER's or AFINN's lexicon rates it.
	// Reset keeps Index.
	Index map[string]int32
	Words []int32
	// lex, when set, is Index merged with the cue table (Model.lexicon),
	// so that a word costs one map lookup. Featurize sets it with Index.
	lex *lexicon

	word   []byte // scratch: the current word, normalised
	vader  vaderScratch
	cues   cueState
	tokens int
}

// Reset empties f for reuse.
func (f *Features) Reset() {
	f.Hashed = f.Hashed[:0]
	f.Words = f.Words[:0]
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
	nsCluster
	nsClusterNeg
)

// ClusterFeature is the hashed feature of a word-vector cluster id
// (marked when the word is inside a negation scope).
func ClusterFeature(cluster int32, negated bool) uint64 {
	ns := nsCluster
	if negated {
		ns = nsClusterNeg
	}
	return mix(ns, uint64(cluster))
}

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

// extract fills f from a cleaned text (see clean) and VADER's score of it.
// VADER's lexicon valences (−4..4) come from the cue table, so a word costs
// one map probe.
func (f *Features) extract(text string, vs govader.Sentiment) {
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
	var butPos, butNeg float64 // valences after the last "but"
	sawBut := false
	var afPos, afNeg float64
	table := loadCues()
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
			if pol, ok := emoticonAt(text[i:end]); ok {
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
				if len(w) >= 4 && string(w[len(w)-4:]) == "fail" { // #fail, #epicfail, #windows10fail
					f.cues.complaints++
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
			// One map lookup per word when the model's merged table is
			// set (Model.lexicon), two otherwise; the same answers.
			var (
				wc      wordCue
				id      int32
				indexed bool
			)
			if f.lex != nil {
				wc, id, indexed = f.lex.get(w)
			} else {
				wc = table.words[string(w)]
				if f.Index != nil {
					id, indexed = f.Index[string(w)]
				}
			}
			f.cues.word(w, wc, table)
			if indexed {
				v := id << 2
				if inScope {
					v |= 2
				}
				if wc.vader != 0 || wc.afinn != 0 {
					v |= 1
				}
				f.Words = append(f.Words, v)
			}
			if v := wc.vader; v != 0 {
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
				if v > 0 {
					butPos += v
				} else {
					butNeg -= v
				}
			}
			if wc.afinn != 0 {
				fv := float64(wc.afinn)
				if inScope {
					fv *= negatedValence
				}
				if fv > 0 {
					afPos += fv
				} else {
					afNeg -= fv
				}
			}
			if !isTag && string(w) == "but" {
				butPos, butNeg = 0, 0
				sawBut = true
			}
			if isNegation(w, wc) {
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
	f.Dense[dAfinnPos] = float32(min(afPos/8, 1))
	f.Dense[dAfinnNeg] = float32(min(afNeg/8, 1))
	if sawBut {
		f.Dense[dButPos] = float32(min(butPos/4, 1))
		f.Dense[dButNeg] = float32(min(butNeg/4, 1))
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
		letter := false
		switch {
		case 'A' <= r && r <= 'Z':
			upper++
			r += 'a' - 'A'
			letter = true
		case 'a' <= r && r <= 'z':
			lower++
			letter = true
		case r < utf8.RuneSelf:
		case unicode.IsUpper(r):
			upper++
			r = unicode.ToLower(r)
			letter = unicode.IsLetter(r)
		case unicode.IsLower(r):
			lower++
			letter = true
		default:
			letter = unicode.IsLetter(r)
		}
		if r >= '0' && r <= '9' {
			r = '0'
		}
		if r == last {
			run++
			if run > 2 && letter {
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
	if r < utf8.RuneSelf {
		return asciiWordByte[r]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// asciiWordByte marks the ASCII word runes: letters, digits and '_'.
var asciiWordByte = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

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

// isNegation reports whether w, whose cue entry is wc, is a negation.
func isNegation(w []byte, wc wordCue) bool {
	return wc.negation || len(w) > 3 && string(w[len(w)-3:]) == "n't"
}

// cueState follows phrase cues word by word.
type cueState struct {
	prev       uint8 // 1 + the index in cueTable.starts of the previous word, 0 if it starts no cue phrase
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
	// Product and software failures.
	"issue": true, "issues": true, "problem": true, "problems": true, "malfunction": true, "bug": true, "bugs": true,
	"buggy": true, "crash": true, "crashes": true, "freezes": true, "freezing": true, "froze": true, "laggy": true,
	"slower": true, "glitches": true, "glitchy": true, "drained": true, "disconnected": true, "error": true,
	"errors": true, "unusable": true, "overpriced": true, "headache": true, "headaches": true,
}

// failVerbs follow "can't", "won't", "doesn't", … in a failure cue
// ("won't load").
var failVerbs = map[string]bool{"work": true, "working": true, "load": true, "connect": true, "open": true,
	"update": true, "install": true, "sync": true, "charge": true, "download": true}

var complaintPairs = map[string]map[string]bool{
	"still":    {"waiting": true, "nothing": true, "no": true, "not": true},
	"no":       {"update": true, "response": true, "reply": true, "answer": true, "one": true, "help": true, "service": true, "signal": true, "refund": true},
	"on":       {"hold": true},
	"not":      {"working": true, "received": true, "arrived": true, "delivered": true, "loading": true, "connecting": true, "responding": true},
	"doesn't":  failVerbs,
	"doesnt":   failVerbs,
	"won't":    failVerbs,
	"wont":     failVerbs,
	"can't":    failVerbs,
	"cant":     failVerbs,
	"couldn't": failVerbs,
	"couldnt":  failVerbs,
	"cannot":   failVerbs,
	"keeps":    {"crashing": true, "dropping": true, "freezing": true, "failing": true},
	"gave":     {"up": true},
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

// wordCue is what the cue lists, the negations and AFINN-165 say about a
// word. cueTable merges them so that a word costs one map lookup (plus
// VADER's lexicon).
type wordCue struct {
	afinn     int8    // AFINN-165 valence, 0 when absent
	vader     float64 // VADER's lexicon valence (0 when not listed)
	complaint bool    // in complaintWords
	negation  bool    // in negations
	sarcasm   bool    // "sarcasm", "sarcastic", "irony"
	starts    uint8   // 1 + index in cueTable.starts when the word starts cue phrases
}

// phraseStart holds the second words of the cue phrases a word starts.
type phraseStart struct{ complaint, sarcasm map[string]bool }

type cueTable struct {
	words  map[string]wordCue
	starts []phraseStart
}

var loadCues = sync.OnceValue(func() *cueTable {
	t := &cueTable{words: map[string]wordCue{}}
	for w, v := range afinn() {
		t.words[w] = wordCue{afinn: v}
	}
	for w, v := range analyzer().Lexicon {
		wc := t.words[w]
		wc.vader = v
		t.words[w] = wc
	}
	for w := range complaintWords {
		wc := t.words[w]
		wc.complaint = true
		t.words[w] = wc
	}
	for w := range negations {
		wc := t.words[w]
		wc.negation = true
		t.words[w] = wc
	}
	for _, w := range []string{"sarcasm", "sarcastic", "irony"} {
		wc := t.words[w]
		wc.sarcasm = true
		t.words[w] = wc
	}
	var first []string
	for w := range complaintPairs {
		first = append(first, w)
	}
	for w := range sarcasmPairs {
		if complaintPairs[w] == nil {
			first = append(first, w)
		}
	}
	slices.Sort(first)
	for _, w := range first {
		t.starts = append(t.starts, phraseStart{complaintPairs[w], sarcasmPairs[w]})
		wc := t.words[w]
		wc.starts = uint8(len(t.starts))
		t.words[w] = wc
	}
	return t
})

// word follows the cues of the word w, whose entry in cueTable.words is wc.
func (c *cueState) word(w []byte, wc wordCue, t *cueTable) {
	if wc.complaint {
		c.complaints++
	}
	if wc.sarcasm {
		c.sarcasm++
	}
	if c.prev > 0 {
		p := &t.starts[c.prev-1]
		if p.complaint[string(w)] { // map lookups with string(w) do not allocate
			c.complaints++
		}
		if p.sarcasm[string(w)] {
			c.sarcasm++
		}
	}
	c.prev = wc.starts
}

func (c *cueState) boundary() { c.prev = 0 }

// emoticons maps ASCII emoticons (a whole space-separated token) to their
// polarity.
var emoticons = map[string]int{
	":)": 1, ":-)": 1, ":D": 1, ":-D": 1, ";)": 1, ";-)": 1, "=)": 1, "(:": 1, ":p": 1, ":P": 1, ":-P": 1, "xD": 1,
	"XD": 1, "<3": 1, ":]": 1, "=]": 1, ":o)": 1, "^_^": 1, "^^": 1, ":))": 1, ":')": 1, "8)": 1, ";D": 1,
	":(": -1, ":-(": -1, ":'(": -1, "):": -1, ":/": -1, ":-/": -1, ":\\": -1, ":|": -1, "-_-": -1, ">:(": -1,
	":((": -1, "D:": -1, "</3": -1, ":[": -1, "=(": -1, ":S": -1, ":s": -1, "T_T": -1, ";(": -1,
}

// emoticonFirst and emoticonMax let emoticonAt skip the map for the
// tokens no emoticon can be: too long, or starting with another byte.
var emoticonFirst, emoticonMax = func() (first [256]bool, longest int) {
	for e := range emoticons {
		first[e[0]] = true
		longest = max(longest, len(e))
	}
	return first, longest
}()

// emoticonAt is emoticons[tok] without a map probe for most words.
func emoticonAt(tok string) (int, bool) {
	if len(tok) == 0 || len(tok) > emoticonMax || !emoticonFirst[tok[0]] {
		return 0, false
	}
	pol, ok := emoticons[tok]
	return pol, ok
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

// afinnTSV is the AFINN-165 list (Finn Årup Nielsen, Open Database
// License v1.0; see the file's header): "entry TAB valence −5..5".
//
//go:embed afinn165.tsv
var afinnTSV string

// afinn returns AFINN-165's single-word entries and their valences (the
// phrases are left out: features look words up one at a time).
var afinn = sync.OnceValue(func() map[string]int8 {
	m, err := parseAFINN(afinnTSV)
	if err != nil {
		panic(err) // the embedded file is checked by TestParseAFINN
	}
	return m
})

// AFINNSHA256 is the SHA-256 (hex) of the embedded AFINN-165 file, for
// the provenance recorded in a weights file.
func AFINNSHA256() string {
	sum := sha256.Sum256([]byte(afinnTSV))
	return hex.EncodeToString(sum[:])
}

func parseAFINN(text string) (map[string]int8, error) {
	m := make(map[string]int8, 3400)
	for n, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		w, v, ok := strings.Cut(line, "\t")
		val, err := strconv.Atoi(v)
		if !ok || err != nil || val < -5 || val > 5 {
			return nil, fmt.Errorf("sentiment: afinn165.tsv line %d: %q, want word TAB valence −5..5", n+1, line)
		}
		if val != 0 && !strings.Contains(w, " ") { // two phrases are rated 0
			m[w] = int8(val)
		}
	}
	return m, nil
}
