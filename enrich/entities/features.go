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
// fails. Version 6 added the external lexicon's features (ModelInfo.Ext);
// a version-5 file, which has none, computes the same features and still
// loads.
const FeatureVersion = 6

// Feature templates (mixed into every feature id).
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
	fTrainGaz
	fTrainGazCtx
	// the external lexicon (lexicon.go), when the model uses it
	fExtTok
	fExtSpan
	fExtCtx
	// the word clusters (clusters.go), when the model uses them
	fClus64
	fClus256
	fClus1024
	fClusPrev
	fClusNext
)

// numStatic is the number of static features per token in training: the
// tagger computes the first numTagStatic and looks the numCtx context
// features up at once.
const (
	numTagStatic = 20
	numStatic    = numTagStatic + numCtx
)

// tokInfo is what the features of a token are made of: hashes of its
// lower-case form, exact form, shape, prefixes and suffixes, computed once
// per token and combined into feature ids by arithmetic (see fid).
type tokInfo struct {
	low, exact, shape uint64
	pre2, pre3        uint64
	suf2, suf3, suf4  uint64
	cls               byte
	gaz               byte   // 0 none, 1 begins a gazetteer entry, 2 inside one
	tgaz              byte   // the training names' gazetteer: 0 none, else a label (1+2·type begins, 2+2·type inside)
	lex               byte   // lexicon flags: lexCommon, lexGaz, lexTrainGaz
	common            byte   // 1: the training text mostly writes the word in lower case
	ext               uint16 // the external lexicon's flags (lexicon.go), when the model uses it
	xspan             byte   // the external lexicon's multi-word name mark: 0 none, 1+2·class begins, 2+2·class inside
	clus              uint16 // the word's cluster (clusMark | path; 0: none), when the model uses them
}

// featurizer holds reusable buffers; one per goroutine (see pool in
// tagger.go).
type featurizer struct {
	arena  []byte
	toks   []tokInfo
	static []uint64
	ctx    []uint16
	style  uint64
	labels []int
	// Beam search (beam.go): the beam of each token (room for Model.beam
	// items per token, best first) and the candidates of a token.
	hist []beamItem[int32]
	step *beamStep[int32]
	// The external lexicon's feature groups (ModelInfo.Ext; 0: none), the
	// flags they see (ModelInfo.ExtMask) and the lexicon.
	xmode byte
	xmask uint16
	xlex  *extLex
	// The word clusters, when the model uses them (ExtClus, ExtClusCtx).
	xclus *extLex
}

// setExt sets the external lexicon and word cluster features that f
// computes.
func (f *featurizer) setExt(mode byte, mask uint16, lex, clus *extLex) {
	if lex == nil {
		mode = 0
	}
	if clus == nil {
		mode &^= ExtClus | ExtClusCtx
	}
	f.xmode, f.xmask, f.xlex = mode, mask, lex
	f.xclus = nil
	if mode&(ExtClus|ExtClusCtx) != 0 {
		f.xclus = clus
	}
}

// numExt is the number of external lexicon and cluster features per
// token.
func (f *featurizer) numExt() int {
	n := 0
	if f.xmode&ExtToken != 0 {
		n++
	}
	if f.xmode&ExtSpan != 0 {
		n++
	}
	if f.xmode&ExtCtx != 0 {
		n++
	}
	if f.xmode&ExtClus != 0 {
		n += 3
	}
	if f.xmode&ExtClusCtx != 0 {
		n += 2
	}
	return n
}

// stride is the number of static features per token in training.
func (f *featurizer) stride() int { return numStatic + f.numExt() }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hb continues the FNV-1a hash h with b.
func hb(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// hashString is the FNV-1a hash of s.
func hashString(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// hashLower is the hash of a token's lower-case form (as in tokInfo.low):
// the key of the vocabulary and the gazetteer.
func hashLower(w string) uint64 {
	var buf [64]byte
	return hb(fnvOffset, appendLower(buf[:0], w))
}

// fid is the id of the feature of template t with value v: a 64-bit mix
// (one multiply, high bits folded down), whose low bits pick the weight
// row.
func fid(t byte, v uint64) uint64 {
	x := (v ^ uint64(t)*0x9E3779B97F4A7C15) * 0xD6E8FEB86659FD93
	return x ^ x>>32
}

// Word blocks: the features that a word's lower-case form keys (the word
// itself, as a neighbour at each distance, and after each tag) share one
// block of wordBlock rows, and the two bigram features of a pair of words
// one block of 2, so that the rows a text needs are few cache lines:
// word j's block serves tokens j-2 … j+2.
const (
	wordBlock   = 16
	slotLower   = 0
	slotPrev    = 1 // the word before the token
	slotNext    = 2
	slotPrev2   = 3
	slotNext2   = 4
	slotPrevTag = 5 // … 5+NumLabels-1: the word after tag prev
	fWordBlock  = 64
	fPairBlock  = 65
)

// wid is the id of the feature in slot of word (lower-case hash) w's block.
func wid(w uint64, slot int) uint64 { return fid(fWordBlock, w)&^(wordBlock-1) | uint64(slot) }

// bid is the id of the bigram feature of words a, b: slot 0 as seen from
// b (the previous word is a), slot 1 as seen from a.
func bid(a, b uint64, slot int) uint64 { return fid(fPairBlock, pair(a, b))&^1 | uint64(slot) }

// pair combines two hashed values (order matters).
func pair(a, b uint64) uint64 { return (a^a>>29)*0xC2B2AE3D27D4EB4F + b }

var (
	hBos  = hashString("<s>")
	hEos  = hashString("</s>")
	hBos2 = hashString("<s2>")
	hEos2 = hashString("</s2>")
)

// prepare fills f.toks and f.static for words (the token texts).
// With full (training) f.static gets the numStatic feature ids of every
// token and f.ctx their context keys; the tagger computes them per token
// (see features) for the tokens it scores.
//
// lex, when not nil, holds the flags of vocab, gaz and tgaz in one table
// (see Tagger); else they are looked up one by one.
func (f *featurizer) prepare(words []string, lex *lexicon, vocab *hashSet, gaz, tgaz *gazetteer, full bool) {
	f.toks = f.toks[:0]
	for _, w := range words {
		var ti tokInfo
		if !f.asciiWord(&ti, w) {
			f.generalWord(&ti, w)
		}
		if lex != nil {
			var found bool
			ti.lex, ti.ext, ti.clus, found = lex.lookup(ti.low)
			if found && ti.clus != 0 && !clusClass(ti.cls) {
				ti.clus = 0 // as lookupClus
			}
			if !found && f.xmode != 0 {
				ti.ext = f.xlex.lookupToken(ti.low, ti.cls)
				if f.xclus != nil {
					ti.clus = f.xclus.lookupClus(ti.low, ti.cls)
				}
			}
		} else {
			ti.lex = lexFlags(ti.low, vocab, gaz, tgaz)
			if f.xmode != 0 {
				ti.ext = f.xlex.lookupToken(ti.low, ti.cls)
				if f.xclus != nil {
					ti.clus = f.xclus.lookupClus(ti.low, ti.cls)
				}
			}
		}
		ti.common = ti.lex & lexCommon
		f.toks = append(f.toks, ti)
	}
	if gaz != nil {
		gaz.mark(f.toks)
	}
	if tgaz != nil {
		tgaz.mark(f.toks)
	}
	if f.xmode != 0 {
		f.xlex.mark(f.toks, f.xmask, f.xmode&ExtBegin != 0)
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
	var style uint64
	switch {
	case words3 >= 3 && allcaps*10 >= words3*7:
		style = 2
	case words3 >= 3 && (caps+allcaps)*10 >= words3*6:
		style = 1
	}
	f.style = style
	if full {
		f.static = f.static[:0]
		f.ctx = f.ctx[:0]
		for i := range f.toks {
			var key int
			f.static, key = f.features(f.static, i, true)
			f.ctx = append(f.ctx, uint16(key))
		}
	}
}

// features appends the ids of token i's static features to dst:
// numTagStatic of them, and with full the numCtx context features too. It
// returns the token's context key.
func (f *featurizer) features(dst []uint64, i int, full bool) ([]uint64, int) {
	n := len(f.toks)
	low := func(i int) uint64 {
		switch {
		case i == -1:
			return hBos
		case i < -1:
			return hBos2
		case i == n:
			return hEos
		case i > n:
			return hEos2
		}
		return f.toks[i].low
	}
	shape := func(i int) uint64 {
		if i < 0 {
			return hBos
		}
		if i >= n {
			return hEos
		}
		return f.toks[i].shape
	}
	cls := func(i int) uint64 {
		if i < 0 || i >= n {
			return 255
		}
		return uint64(f.toks[i].cls)
	}
	tgaz := func(i int) uint64 {
		if i < 0 || i >= n {
			return 255
		}
		return uint64(f.toks[i].tgaz)
	}
	t := &f.toks[i]
	c := uint64(t.common)
	pos := uint64(0)
	if i == 0 {
		pos = 1
	} else if cls(i-1) == clsPunct {
		pos = 2
	}
	if i == n-1 {
		pos += 4
	}
	tc := uint64(t.cls)
	dst = append(dst,
		wid(t.low, slotLower),
		fid(fExact, t.exact),
		fid(fPre2, t.pre2),
		fid(fPre3, t.pre3),
		fid(fSuf2, t.suf2),
		fid(fSuf3, t.suf3),
		fid(fSuf4, t.suf4),
		fid(fShape, t.shape),
		wid(low(i-1), slotPrev),
		wid(low(i+1), slotNext),
		wid(low(i-2), slotPrev2),
		wid(low(i+2), slotNext2),
		fid(fPrevShape, pair(shape(i-1), t.shape)),
		fid(fNextShape, pair(t.shape, shape(i+1))),
		bid(low(i-1), t.low, 0),
		bid(t.low, low(i+1), 1),
		fid(fClassPrevClass, cls(i-1)|tc<<8|c<<16),
		fid(fClassNextClass, tc|cls(i+1)<<8|c<<16),
		fid(fTrainGaz, uint64(t.tgaz)|tc<<8),
		fid(fTrainGazCtx, tgaz(i-1)|uint64(t.tgaz)<<8|tgaz(i+1)<<16),
	)
	if f.xmode != 0 {
		// The tagger looks the token and span features' summed weights
		// up at once (Model.xtab, see extKey); the trainer sees them one
		// by one.
		m := f.xmask
		if f.xmode&ExtToken != 0 && full {
			dst = append(dst, fid(fExtTok, uint64(t.ext&m)|tc<<8))
		}
		if f.xmode&ExtSpan != 0 && full {
			dst = append(dst, fid(fExtSpan, uint64(t.xspan)|tc<<8))
		}
		if f.xmode&ExtCtx != 0 {
			ext := func(i int) uint64 {
				if i < 0 || i >= n {
					return 0xff
				}
				return uint64(f.toks[i].ext & m & 0x3f)
			}
			dst = append(dst, fid(fExtCtx, ext(i-1)|ext(i+1)<<8|tc<<16))
		}
		// The tagger looks the token's cluster features' summed weights
		// up at once (Model.ctab, see clusKey).
		if f.xmode&ExtClus != 0 && full {
			var g [3]uint64
			clusFeatures(t.clus, t.cls, &g)
			dst = append(dst, g[:]...)
		}
		if f.xmode&ExtClusCtx != 0 {
			c256 := func(i int) uint64 {
				if i < 0 || i >= n {
					return 0xfff
				}
				return uint64(f.toks[i].clus >> 2)
			}
			dst = append(dst, fid(fClusPrev, c256(i-1)|tc<<12), fid(fClusNext, c256(i+1)|tc<<12))
		}
	}
	key := ctxKey(tc, pos, c, uint64(t.gaz), f.style)
	if full {
		var g [numCtx]uint64
		ctxFeatures(key, &g)
		dst = append(dst, g[:]...)
	}
	return dst, key
}

// The context features of a token depend only on its class, position,
// common-word flag, gazetteer mark and the sentence's style: 1,584
// combinations, whose summed weights the tagger looks up at once (see
// Model.ctx) while the trainer sees them one by one.
const (
	numCtx  = 6    // context features per token
	numKeys = 1584 // 11 classes × 8 positions × 2 × 3 gazetteer marks × 3 styles
)

func ctxKey(cls, pos, common, gaz, style uint64) int {
	return int((((cls*8+pos)*2+common)*3+gaz)*3 + style)
}

// ctxFeatures returns the ids of the context features of key.
func ctxFeatures(key int, out *[numCtx]uint64) {
	k := uint64(key)
	style := k % 3
	k /= 3
	gaz := k % 3
	k /= 3
	c := k % 2
	k /= 2
	pos := k % 8
	tc := k / 8
	out[0] = fid(fBias, 0)
	out[1] = fid(fClass, tc|pos<<8)
	out[2] = fid(fGaz, gaz|tc<<8)
	out[3] = fid(fCommon, c|tc<<8|(pos&3)<<16)
	out[4] = fid(fPosition, pos|c<<8)
	out[5] = fid(fSentStyle, style|tc<<8|c<<16)
}

// numDynamic is the number of tag-dependent features per token.
const numDynamic = 4

// dynamic returns the ids of token i's tag-dependent features.
func (f *featurizer) dynamic(i, prev, prev2 int, out *[numDynamic]uint64) {
	t := &f.toks[i]
	out[0] = wid(t.low, slotPrevTag+prev)
	tagFeatures(dynKey(prev2, prev, int(t.cls)), (*[numDynamic - 1]uint64)(out[1:]))
}

// The tag features other than the word's (the previous tags, the previous
// tag and the token's class) have NumLabels² × 11 combinations, whose
// summed weights the tagger looks up at once (Model.dyn).
const numDynKeys = NumLabels * NumLabels * 11

func dynKey(prev2, prev, cls int) int { return (prev2*NumLabels+prev)*11 + cls }

func tagFeatures(key int, out *[numDynamic - 1]uint64) {
	cls := uint64(key % 11)
	prev := uint64(key / 11 % NumLabels)
	prev2 := uint64(key / 11 / NumLabels)
	out[0] = fid(fPrevTag, prev)
	out[1] = fid(fPrev2Tag, prev2|prev<<8)
	out[2] = fid(fPrevTagClass, prev|cls<<8)
}

// generalWord fills ti's hashes and class for any word w.
func (f *featurizer) generalWord(ti *tokInfo, w string) {
	f.arena = appendLower(f.arena[:0], w)
	low := f.arena
	p2 := len(runePrefix(low, 2))
	p3 := p2 + len(runePrefix(low[p2:], 1))
	ti.pre2 = hb(fnvOffset, low[:p2])
	ti.pre3 = hb(ti.pre2, low[p2:p3])
	ti.low = hb(ti.pre3, low[p3:])
	ti.suf2 = hb(fnvOffset, runeSuffix(low, 2))
	ti.suf3 = hb(fnvOffset, runeSuffix(low, 3))
	ti.suf4 = hb(fnvOffset, runeSuffix(low, 4))
	ti.exact = hashString(w)
	ti.shape = shapeHash(w)
	ti.cls = classify(w)
}

// asciiWord fills ti as prepare does, in one pass, for a word of ASCII
// letters, digits and inner punctuation that classify has no special case
// for; it reports false (and leaves ti alone) for any other word.
func (f *featurizer) asciiWord(ti *tokInfo, w string) bool {
	if w == "" || len(w) > 64 {
		return false
	}
	switch w[0] {
	case '@', '#', '[':
		return false
	case 'h', 'w':
		if classify(w) == clsURL {
			return false
		}
	}
	low := f.arena[:0]
	exact, shape := uint64(fnvOffset), uint64(fnvOffset)
	var last byte
	nShape := 0
	var up, lo, dig, other int
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return false
		}
		exact ^= uint64(c)
		exact *= fnvPrime
		var sc byte
		switch {
		case 'A' <= c && c <= 'Z':
			up++
			sc = 'X'
			c += 'a' - 'A'
		case 'a' <= c && c <= 'z':
			lo++
			sc = 'x'
		case '0' <= c && c <= '9':
			dig++
			sc = 'd'
		default:
			other++
			sc = c
		}
		low = append(low, c)
		if sc != last && nShape < 8 {
			last = sc
			nShape++
			shape ^= uint64(sc)
			shape *= fnvPrime
		} else if sc != last {
			last = sc
		}
	}
	f.arena = low
	n := len(low)
	p2, p3 := min(n, 2), min(n, 3)
	ti.pre2 = hb(fnvOffset, low[:p2])
	ti.pre3 = hb(ti.pre2, low[p2:p3])
	ti.low = hb(ti.pre3, low[p3:])
	ti.suf2 = hb(fnvOffset, low[n-min(n, 2):])
	ti.suf3 = hb(fnvOffset, low[n-min(n, 3):])
	ti.suf4 = hb(fnvOffset, low[n-min(n, 4):])
	ti.exact = exact
	ti.shape = shape
	switch {
	case up+lo == 0 && dig > 0:
		ti.cls = clsDigit
	case up+lo+dig == 0:
		ti.cls = clsOther
		if other > 0 && unicode.IsPunct(rune(w[0])) {
			ti.cls = clsPunct
		}
	case up == 0:
		ti.cls = clsLower
	case lo == 0:
		ti.cls = clsAllCap
	case up == 1 && 'A' <= w[0] && w[0] <= 'Z':
		ti.cls = clsInitCap
	default:
		ti.cls = clsMixed
	}
	return true
}

// shapeHash hashes the word's short shape: X upper, x lower, d digit,
// other characters as they are (non-ASCII ones as 'o'), runs of one class
// collapsed, at most 8 classes.
func shapeHash(w string) uint64 {
	h := uint64(fnvOffset)
	var last byte
	n := 0
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
		if n >= 8 {
			break
		}
		n++
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// Lexicon flags of a word.
const (
	lexCommon   = 1 // in the vocabulary of common lower-case words
	lexGaz      = 2 // first word of a name of the brand registry
	lexTrainGaz = 4 // first word of a name of the training data
	lexExt      = 8 // in a multi-word name of the external lexicon (ExtBegin)
)

func lexFlags(h uint64, vocab *hashSet, gaz, tgaz *gazetteer) byte {
	var f byte
	if vocab.has(h) {
		f |= lexCommon
	}
	if gaz != nil && gaz.first.has(h) {
		f |= lexGaz
	}
	if tgaz != nil && tgaz.first.has(h) {
		f |= lexTrainGaz
	}
	return f
}

// lexicon maps word hashes to lexicon flags: one probe per token instead
// of one per set. It also holds the external lexicon's flags of its words
// (most of a text's tokens are among them), so that only the other tokens
// need a probe of the larger external table.
type lexicon struct {
	slots []lexSlot
	mask  uint64
}

// lexSlot is a slot of a lexicon: a word's hash (0: empty) and its flags,
// side by side so that a look-up reads one cache line.
type lexSlot struct {
	key   uint64
	flags byte
	ext   uint16
	clus  uint16
}

func newLexicon(vocab *hashSet, gaz, tgaz *gazetteer, xlex, xclus *extLex) *lexicon {
	all := map[uint64]bool{}
	for _, s := range []*hashSet{vocab, gaz.first, tgaz.first} {
		for _, k := range s.keys {
			if k != 0 {
				all[k] = true
			}
		}
	}
	size := 16
	for size < 2*len(all) {
		size *= 2
	}
	l := &lexicon{slots: make([]lexSlot, size), mask: uint64(size - 1)}
	for k := range all {
		i := (k ^ k>>32) & l.mask
		for l.slots[i].key != 0 {
			i = (i + 1) & l.mask
		}
		l.slots[i] = lexSlot{key: k, flags: lexFlags(k, vocab, gaz, tgaz)}
		if xlex != nil {
			l.slots[i].ext = xlex.lookup(k)
		}
		if xclus != nil {
			l.slots[i].clus = xclus.lookup(k)
		}
	}
	return l
}

// lookup returns the flags of the word of hash k, its external lexicon
// flags, its cluster, and whether the word is in l.
func (l *lexicon) lookup(k uint64) (byte, uint16, uint16, bool) {
	if k == 0 {
		k = 1 // as in hashSet
	}
	for i := (k ^ k>>32) & l.mask; ; i = (i + 1) & l.mask {
		s := &l.slots[i]
		switch s.key {
		case k:
			return s.flags, s.ext, s.clus, true
		case 0:
			return 0, 0, 0, false
		}
	}
}

// hashSet is a set of 64-bit hashes (open addressing, linear probing).
type hashSet struct {
	keys []uint64
	mask uint64
}

func newHashSet(keys []uint64) *hashSet {
	size := 16
	for size < 2*len(keys) {
		size *= 2
	}
	s := &hashSet{keys: make([]uint64, size), mask: uint64(size - 1)}
	for _, k := range keys {
		s.add(k)
	}
	return s
}

func (s *hashSet) add(k uint64) {
	if k == 0 {
		k = 1
	}
	for i := (k ^ k>>32) & s.mask; ; i = (i + 1) & s.mask {
		switch s.keys[i] {
		case k:
			return
		case 0:
			s.keys[i] = k
			return
		}
	}
}

func (s *hashSet) has(k uint64) bool {
	if s == nil {
		return false
	}
	if k == 0 {
		k = 1
	}
	for i := (k ^ k>>32) & s.mask; ; i = (i + 1) & s.mask {
		switch s.keys[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
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
