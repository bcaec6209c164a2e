package entities

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The external lexicon (lexicon.txt.gz, written by
// go run ./enrich/entities/gazetteer/gen from freely licensed word lists
// of the npm registry: WordNet 3.1, GeoNames cities, hunspell en_US; see
// the file's header for versions, hashes and licences): for each word or
// name (lower case) a set of flags. A model trained with external
// features (ModelInfo.Ext) sees a token's own flags and the class of the
// longest multi-word name it is part of.

//go:embed lexicon.txt.gz
var lexiconFile []byte

// Flags of a lexicon entry (the low 8 bits are those of the file).
const (
	xPerson   = 1 << iota // WordNet noun.person proper name
	xLocation             // WordNet noun.location proper name
	xGroup                // WordNet noun.group proper name
	xProper               // other WordNet proper noun
	xCity                 // GeoNames city (population ≥ 15,000)
	xCapOnly              // hunspell en_US: listed only capitalised
	xDictLow              // hunspell en_US: a lower-case word
	xWNLow                // WordNet: a lower-case lemma
	// Bits 8–10 of a word's entry: the length in tokens (2–6) of the
	// longest multi-word name that begins with the word, 0: none. Bit 11
	// of a phrase entry: a longer name continues it (a prefix).
	xPrefix = 1 << 11
)

// Model.Info.Ext feature groups.
const (
	ExtToken = 1 << iota // the token's lexicon flags, with its class
	ExtSpan              // the class (B/I × person, place, group, other) of a multi-word lexicon name
	ExtCtx               // the flags of the neighbouring tokens
	// ExtBegin: a common lower-case word inside a multi-word lexicon name
	// is scored after an O (see cannotBegin), as a gazetteer's is.
	ExtBegin
)

// extLex is the loaded lexicon: an open-addressing table (linear
// probing) of 64-bit hashes (a word's tokInfo.low, or a phrase's
// phraseHash) whose slot is picked by the low bits; each slot is one
// uint32: 20 more bits of the hash as a check value (a word that is not
// listed passes it a few times in 10^6 look-ups) and the entry's 12 bits of
// flags (0: empty), so that a look-up touches one cache line.
type extLex struct {
	slots []uint32
	mask  uint64
	// other holds the words (and first words of names) that are not of a
	// letter class (see wordClass): numbers, punctuation, …; a token of
	// such a class can only be one of them, so it is looked up in this
	// small table instead of slots (fewer cache misses, same flags).
	other *lexicon
	// pairs is a one-hash Bloom filter (2^20 bits, 128 kB) of the first two
	// tokens of the multi-word names: most first words of names ("the",
	// "new", "san") are not followed by a second word of one, and the
	// filter, small enough to stay in cache, rules that out without a
	// probe of slots.
	pairs []uint64
	// sum is the SHA-256 of the embedded file (provenance).
	sum string
}

// externalLexicon returns the embedded lexicon, loaded once.
var externalLexicon = sync.OnceValues(func() (*extLex, error) {
	x, err := readLexicon(bytes.NewReader(lexiconFile))
	if err != nil {
		return nil, fmt.Errorf("entities: the embedded lexicon.txt.gz: %w", err)
	}
	return x, nil
})

// phraseHash extends the hash of a phrase's first tokens with the next
// token's (tokInfo.low).
func phraseHash(h, next uint64) uint64 { return pair(h, next) ^ 0x5bd1e995 }

// readLexicon reads a lexicon file (see the generator): each entry is
// tokenized as text is (Tokenize), so that its tokens match the text's.
func readLexicon(r io.Reader) (*extLex, error) {
	entries := map[uint64]uint16{}
	nonWord := map[uint64]bool{}
	pairs := make([]uint64, pairBits/64)
	var spans []Span
	var buf []byte
	sum, err := readEntries(r, 8, "<name>\\t<flags>", func(v uint64) bool { return v != 0 }, func(name string, v uint64) {
		spans = Tokenize(spans[:0], name)
		if len(spans) == 0 || len(spans) > maxGazTokens {
			return
		}
		var first, h uint64
		for i, sp := range spans {
			buf = appendLower(buf[:0], name[sp.Start:sp.End])
			t := hb(fnvOffset, buf)
			if i == 0 {
				first, h = t, t
				if !wordClass(classify(string(buf))) {
					nonWord[t] = true
				}
				continue
			}
			h = phraseHash(h, t)
			if i == 1 {
				b := pairBit(h)
				pairs[b>>6] |= 1 << (b & 63)
			}
			if i < len(spans)-1 {
				entries[h] |= xPrefix
			}
		}
		if len(spans) == 1 {
			entries[first] |= uint16(v)
			return
		}
		entries[h] |= uint16(v)
		if n := uint16(len(spans)); n > entries[first]>>8&7 {
			entries[first] = entries[first]&^(7<<8) | n<<8
		}
	})
	if err != nil {
		return nil, err
	}
	l, keys := newExtLex(entries, sum)
	var other []uint64
	for _, k := range keys {
		if nonWord[k] {
			other = append(other, k)
		}
	}
	l.other = newOtherLexicon(other, entries)
	l.pairs = pairs
	return l, nil
}

// pairBits is the size of extLex.pairs in bits.
const pairBits = 1 << 20

// pairBit is the bit of extLex.pairs of a two-token phrase hash (bits
// other than those that pick its slot).
func pairBit(h uint64) uint64 { return h >> 40 & (pairBits - 1) }

// wordClass reports whether c is a class of words with letters (whose
// tokens are looked up in the main table).
func wordClass(c byte) bool { return c <= clsMixed }

// newOtherLexicon is a lexicon of the words keys with their flags.
func newOtherLexicon(keys []uint64, flags map[uint64]uint16) *lexicon {
	size := 16
	for size < 2*len(keys) {
		size *= 2
	}
	l := &lexicon{slots: make([]lexSlot, size), mask: uint64(size - 1)}
	for _, k := range keys {
		h := k
		if h == 0 {
			h = 1
		}
		i := (h ^ h>>32) & l.mask
		for l.slots[i].key != 0 {
			i = (i + 1) & l.mask
		}
		l.slots[i] = lexSlot{key: h, ext: flags[k]}
	}
	return l
}

// lookupToken returns the flags of a token of hash k and class cls (as
// lookup does for its word).
func (l *extLex) lookupToken(k uint64, cls byte) uint16 {
	if wordClass(cls) {
		return l.lookup(k)
	}
	_, f, _, _ := l.other.lookup(k)
	return f
}

// extCheck is the check value of hash k, in the high 20 bits of a slot.
func extCheck(k uint64) uint32 { return uint32(k>>32) &^ 0xfff }

// The token and span features of the external lexicon depend only on the
// token's flags (8 bits, masked), its span mark (0–8) and its class:
// numExtKeys combinations, whose summed weights the tagger looks up at
// once (Model.xtab).
const numExtKeys = 256 * 9 * 11

func extKey(ext uint16, xspan, cls byte) int { return (int(ext&0xff)*9+int(xspan))*11 + int(cls) }

// extFeatures returns the ids of the token and span features of key under
// mode, and which of them mode has.
func extFeatures(key int, mode byte) (tok, span uint64, hasTok, hasSpan bool) {
	cls := uint64(key % 11)
	xspan := uint64(key / 11 % 9)
	ext := uint64(key / 11 / 9)
	return fid(fExtTok, ext|cls<<8), fid(fExtSpan, xspan|cls<<8), mode&ExtToken != 0, mode&ExtSpan != 0
}

// lookup returns the flags of the word or phrase of hash k (0: none).
func (l *extLex) lookup(k uint64) uint16 {
	c := extCheck(k)
	for i := k & l.mask; ; i = (i + 1) & l.mask {
		s := l.slots[i]
		if s == 0 {
			return 0
		}
		if s&^0xfff == c {
			return uint16(s & 0xfff)
		}
	}
}

// mark sets toks[i].xspan: for the
// tokens of the longest multi-word name at each position, 1+2·c where it
// begins, 2+2·c inside it, with c its class (see spanClass).
//
// Only names with a flag of mask count; with begin the marked tokens get
// lexExt (see cannotBegin).
//
// toks[i].ext must have been set (see featurizer.prepare).
func (l *extLex) mark(toks []tokInfo, mask uint16, begin bool) {
	for i := 0; i < len(toks); i++ {
		maxLen := int(toks[i].ext >> 8 & 7)
		if maxLen < 2 {
			continue
		}
		if i+1 >= len(toks) {
			continue
		}
		h := phraseHash(toks[i].low, toks[i+1].low)
		if b := pairBit(h); l.pairs[b>>6]&(1<<(b&63)) == 0 {
			continue
		}
		bestLen, best := 0, uint16(0)
		for n := 2; n <= maxLen && i+n <= len(toks); n++ {
			if n > 2 {
				h = phraseHash(h, toks[i+n-1].low)
			}
			f := l.lookup(h)
			if f&mask&0xff != 0 {
				bestLen, best = n, f
			}
			if f&xPrefix == 0 {
				break
			}
		}
		if bestLen == 0 {
			continue
		}
		c := spanClass(best & mask)
		toks[i].xspan = 1 + 2*c
		for k := 1; k < bestLen; k++ {
			toks[i+k].xspan = 2 + 2*c
		}
		if begin {
			for k := 0; k < bestLen; k++ {
				toks[i+k].lex |= lexExt
			}
		}
		i += bestLen - 1
	}
}

// spanClass is the class of a name's flags: 0 place (a WordNet location
// or a city), 1 person, 2 group, 3 other.
func spanClass(f uint16) byte {
	switch {
	case f&(xLocation|xCity) != 0:
		return 0
	case f&xPerson != 0:
		return 1
	case f&xGroup != 0:
		return 2
	}
	return 3
}

// extMask is the lexicon flags a model's features see (ModelInfo.ExtMask;
// 0: all).
func extMask(m int) uint16 {
	if m == 0 {
		return 0xff
	}
	return uint16(m) & 0xff
}

// LexiconSHA256 is the SHA-256 of the embedded lexicon file ("" if it
// does not load).
func LexiconSHA256() string {
	l, err := externalLexicon()
	if err != nil {
		return ""
	}
	return l.sum
}

// newExtLex returns the open-addressing table of entries (hash → value)
// and the hashes in increasing order. It is at most 70 % full: a miss
// then scans ≈ 6 slots on average, one or two cache lines, and the table
// stays small (2^18 slots, 1 MB, for the lexicon). The entries go in in
// hash order, so that the table (and which of two entries with the same
// check value comes first) does not depend on map order.
func newExtLex(entries map[uint64]uint16, sum string) (*extLex, []uint64) {
	size := 16
	for size*7 < len(entries)*10 {
		size *= 2
	}
	l := &extLex{slots: make([]uint32, size), mask: uint64(size - 1), sum: sum}
	keys := make([]uint64, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		i := k & l.mask
		for l.slots[i] != 0 {
			i = (i + 1) & l.mask
		}
		l.slots[i] = extCheck(k) | uint32(entries[k])
	}
	return l, keys
}

// readEntries reads a gzip-compressed file of '<key>\t<value, hex>' lines
// ('#' lines and empty lines are comments): fn gets each entry whose value
// fits in bits bits and is valid; any other line is an error naming the
// format. It returns the SHA-256 (hex) of the compressed file.
func readEntries(r io.Reader, bits int, format string, valid func(v uint64) bool, fn func(key string, v uint64)) (string, error) {
	zr, sum, err := openGzip(r)
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(zr)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if s == "" || s[0] == '#' {
			continue
		}
		key, val, ok := strings.Cut(s, "\t")
		v, err := strconv.ParseUint(val, 16, bits)
		if !ok || err != nil || !valid(v) {
			return "", fmt.Errorf("line %d: want '%s', got %q", line, format, s)
		}
		fn(key, v)
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return hex.EncodeToString(sum[:]), nil
}
