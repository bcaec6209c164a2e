package entities

import (
	"unicode"
	"unicode/utf8"
)

// Types are the entity types the tagger finds, in label order (the rules
// add the service identifiers, see rules.go).
var Types = []string{TypePerson, TypePlace, TypeOrganisation, TypeProduct}

// Entity types (mention.Entity.Type).
const (
	TypePerson       = "person"
	TypePlace        = "place"
	TypeOrganisation = "organisation"
	TypeProduct      = "product"
	TypeFlight       = "flight"
	TypeAirport      = "airport"
	TypeOrder        = "order"
	TypeBooking      = "booking"
	TypeTracking     = "tracking"
)

// Labels are the tagger's BIO labels: O, then B-t and I-t for each of
// Types. Label 2k+1 is B-Types[k], 2k+2 is I-Types[k].
const NumLabels = 1 + 2*4

// LabelName returns "O", "B-person", "I-person", …
func LabelName(l int) string {
	if l == 0 {
		return "O"
	}
	if (l-1)%2 == 0 {
		return "B-" + Types[(l-1)/2]
	}
	return "I-" + Types[(l-1)/2]
}

// labelType is the index in Types of a B or I label, -1 for O.
func labelType(l int) int {
	if l <= 0 {
		return -1
	}
	return (l - 1) / 2
}

func isInside(l int) bool { return l > 0 && (l-1)%2 == 1 }

// Token classes.
const (
	clsLower = iota
	clsInitCap
	clsAllCap
	clsMixed
	clsDigit
	clsPunct
	clsHandle
	clsHashtag
	clsURL
	clsPlaceholder
	clsOther
)

// FeatureVersion changes whenever features change; a weights file records
// the version it was trained with, and loading a file of another version
// fails.
const FeatureVersion = 1

// Feature templates (the first byte hashed).
const (
	fBias byte = iota + 1
	fLower
	fExact
	fPre2
	fPre3
	fSuf2
	fSuf3
	fSuf4
	fShape
	fClass
	fPrevLower
	fNextLower
	fPrev2Lower
	fNext2Lower
	fPrevShape
	fNextShape
	fBigramPrev
	fBigramNext
	fGaz
	fCommon
	fPosition
	fSentStyle
	fClassPrevClass
	fClassNextClass
	// dynamic (depend on the tags already given)
	fPrevTag
	fPrev2Tag
	fPrevTagLower
	fPrevTagClass
)

// numStatic is the number of static features per token.
const numStatic = 24

// tokInfo is what the features of a token are made of.
type tokInfo struct {
	low   []byte
	shape []byte
	cls   byte
	gaz   byte // 0 none, 1 begins a gazetteer entry, 2 inside one
}

// featurizer holds reusable buffers; one per goroutine (see pool in
// tagger.go).
type featurizer struct {
	arena  []byte
	toks   []tokInfo
	static []uint64
	labels []int
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hb(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

func hs(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hbyte(h uint64, c byte) uint64 {
	h ^= uint64(c)
	h *= fnvPrime
	return h
}

func h1(t byte, a []byte) uint64 { return hb(hbyte(fnvOffset, t), a) }

func h2(t byte, a, b []byte) uint64 {
	return hb(hbyte(hb(hbyte(fnvOffset, t), a), 0), b)
}

func hn(t byte, vals ...byte) uint64 {
	h := hbyte(fnvOffset, t)
	for _, v := range vals {
		h = hbyte(h, v)
	}
	return h
}

var (
	bos  = []byte("<s>")
	eos  = []byte("</s>")
	bos2 = []byte("<s2>")
	eos2 = []byte("</s2>")
)

// prepare fills f.toks for words (the token texts).
func (f *featurizer) prepare(words []string, vocab map[string]struct{}, gaz *gazetteer) {
	f.arena = f.arena[:0]
	f.toks = f.toks[:0]
	// Reserve the arena once so that slices into it stay valid.
	need := 0
	for _, w := range words {
		need += 2*len(w) + 8
	}
	if cap(f.arena) < need {
		f.arena = make([]byte, 0, need)
	}
	for _, w := range words {
		var ti tokInfo
		s := len(f.arena)
		f.arena = appendLower(f.arena, w)
		ti.low = f.arena[s:len(f.arena):len(f.arena)]
		s = len(f.arena)
		f.arena = appendShape(f.arena, w)
		ti.shape = f.arena[s:len(f.arena):len(f.arena)]
		ti.cls = classify(w)
		f.toks = append(f.toks, ti)
	}
	if gaz != nil {
		gaz.mark(f.toks)
	}
	// Sentence style: mostly capitalised words (a headline) or all caps.
	var words3, caps, allcaps int
	for _, t := range f.toks {
		switch t.cls {
		case clsLower:
			words3++
		case clsInitCap:
			words3++
			caps++
		case clsAllCap:
			words3++
			allcaps++
		}
	}
	var style byte
	switch {
	case words3 >= 3 && allcaps*10 >= words3*7:
		style = 2
	case words3 >= 3 && (caps+allcaps)*10 >= words3*6:
		style = 1
	}
	f.static = f.static[:0]
	n := len(f.toks)
	low := func(i int) []byte {
		switch {
		case i == -1:
			return bos
		case i < -1:
			return bos2
		case i == n:
			return eos
		case i > n:
			return eos2
		}
		return f.toks[i].low
	}
	shape := func(i int) []byte {
		if i < 0 {
			return bos
		}
		if i >= n {
			return eos
		}
		return f.toks[i].shape
	}
	cls := func(i int) byte {
		if i < 0 || i >= n {
			return 255
		}
		return f.toks[i].cls
	}
	for i, t := range f.toks {
		w := words[i]
		_, common := vocab[string(t.low)]
		var c byte
		if common {
			c = 1
		}
		pos := byte(0)
		if i == 0 {
			pos = 1
		} else if pc := cls(i - 1); pc == clsPunct {
			pos = 2
		}
		if i == n-1 {
			pos += 4
		}
		f.static = append(f.static,
			hn(fBias),
			h1(fLower, t.low),
			hs(hbyte(fnvOffset, fExact), w),
			h1(fPre2, runePrefix(t.low, 2)),
			h1(fPre3, runePrefix(t.low, 3)),
			h1(fSuf2, runeSuffix(t.low, 2)),
			h1(fSuf3, runeSuffix(t.low, 3)),
			h1(fSuf4, runeSuffix(t.low, 4)),
			h1(fShape, t.shape),
			hn(fClass, t.cls, pos),
			h1(fPrevLower, low(i-1)),
			h1(fNextLower, low(i+1)),
			h1(fPrev2Lower, low(i-2)),
			h1(fNext2Lower, low(i+2)),
			h2(fPrevShape, shape(i-1), t.shape),
			h2(fNextShape, t.shape, shape(i+1)),
			h2(fBigramPrev, low(i-1), t.low),
			h2(fBigramNext, t.low, low(i+1)),
			hn(fGaz, t.gaz, t.cls),
			hn(fCommon, c, t.cls, pos&3),
			hn(fPosition, pos, c),
			hn(fSentStyle, style, t.cls, c),
			hn(fClassPrevClass, cls(i-1), t.cls, c),
			hn(fClassNextClass, t.cls, cls(i+1), c),
		)
	}
}

// dynamic returns the hashes of token i's tag-dependent features.
func (f *featurizer) dynamic(i, prev, prev2 int, out *[4]uint64) {
	t := f.toks[i]
	out[0] = hn(fPrevTag, byte(prev))
	out[1] = hn(fPrev2Tag, byte(prev2), byte(prev))
	out[2] = hb(hn(fPrevTagLower, byte(prev)), t.low)
	out[3] = hn(fPrevTagClass, byte(prev), t.cls)
}

func appendLower(dst []byte, w string) []byte {
	for i := 0; i < len(w); {
		c := w[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(w[i:])
		if r == utf8.RuneError && n <= 1 {
			dst = append(dst, c)
			i++
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += n
	}
	return dst
}

// appendShape appends the word's short shape: X upper, x lower, d digit,
// other characters as they are (non-ASCII ones as 'o'), runs of one class
// collapsed, at most 8 bytes.
func appendShape(dst []byte, w string) []byte {
	start := len(dst)
	var last byte
	for _, r := range w {
		var c byte
		switch {
		case r < utf8.RuneSelf && 'A' <= r && r <= 'Z', r >= utf8.RuneSelf && unicode.IsUpper(r):
			c = 'X'
		case r < utf8.RuneSelf && 'a' <= r && r <= 'z', r >= utf8.RuneSelf && unicode.IsLetter(r):
			c = 'x'
		case '0' <= r && r <= '9':
			c = 'd'
		case r < utf8.RuneSelf:
			c = byte(r)
		default:
			c = 'o'
		}
		if c == last {
			continue
		}
		last = c
		if len(dst)-start >= 8 {
			break
		}
		dst = append(dst, c)
	}
	return dst
}

func classify(w string) byte {
	if w == "" {
		return clsOther
	}
	switch w[0] {
	case '@':
		if len(w) > 1 {
			return clsHandle
		}
	case '#':
		if len(w) > 1 {
			return clsHashtag
		}
	case '[':
		if isPlaceholder(w) {
			return clsPlaceholder
		}
	case 'h', 'w':
		if len(w) > 7 && (w[:7] == "http://" || (len(w) > 8 && w[:8] == "https://") || w[:4] == "www.") {
			return clsURL
		}
	}
	var up, lo, dig, other int
	first := true
	firstUp := false
	for _, r := range w {
		switch {
		case unicode.IsUpper(r):
			up++
			if first {
				firstUp = true
			}
		case unicode.IsLetter(r):
			lo++
		case unicode.IsDigit(r):
			dig++
		default:
			other++
		}
		first = false
	}
	switch {
	case up+lo == 0 && dig > 0:
		return clsDigit
	case up+lo+dig == 0:
		if other > 0 {
			r, _ := utf8.DecodeRuneInString(w)
			if unicode.IsPunct(r) {
				return clsPunct
			}
		}
		return clsOther
	case up == 0:
		return clsLower
	case lo == 0:
		return clsAllCap
	case firstUp && up == 1:
		return clsInitCap
	}
	return clsMixed
}

func runePrefix(b []byte, n int) []byte {
	i := 0
	for k := 0; k < n && i < len(b); k++ {
		_, s := utf8.DecodeRune(b[i:])
		i += s
	}
	return b[:i]
}

func runeSuffix(b []byte, n int) []byte {
	i := len(b)
	for k := 0; k < n && i > 0; k++ {
		_, s := utf8.DecodeLastRune(b[:i])
		i -= s
	}
	return b[i:]
}
