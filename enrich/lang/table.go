package lang

import (
	"strings"
	"sync"

	"github.com/earshot-dev/earshot/internal/wordmap"
)

// maxRank is the distance of a trigram a profile does not have (profiles
// hold 300 trigrams).
const maxRank = 300

type profile struct {
	lang     string
	trigrams string // "|"-separated, most frequent first
}

// table maps a trigram to its rank in every profile of a script.
type table struct {
	langs []string
	index trigramIndex          // trigram → row of ranks
	ranks []uint16              // row-major: ranks[row*len(langs)+lang]
	words *wordmap.Map[[]uint8] // function word → languages (indexes into langs)
}

func key(a, b, c rune) uint64 { return uint64(a)<<42 | uint64(b)<<21 | uint64(c) }

func build(ps []profile) *table {
	t := &table{}
	index := map[uint64]int32{}
	for _, p := range ps {
		t.langs = append(t.langs, p.lang)
	}
	for l, p := range ps {
		for rank, tg := range strings.Split(p.trigrams, "|") {
			r := []rune(tg)
			if len(r) != 3 {
				continue
			}
			k := key(r[0], r[1], r[2])
			if k == 0 {
				continue // three NULs: not a trigram of text (and the index's empty mark)
			}
			row, ok := index[k]
			if !ok {
				row = int32(len(t.ranks) / len(ps))
				index[k] = row
				for range ps {
					t.ranks = append(t.ranks, maxRank)
				}
			}
			i := int(row)*len(ps) + l
			t.ranks[i] = min(t.ranks[i], uint16(rank))
		}
	}
	t.index = newTrigramIndex(index)
	words := map[string][]uint8{}
	for l, lang := range t.langs {
		seen := map[string]bool{}
		for _, w := range strings.Fields(functionWords[lang]) {
			if !seen[w] {
				seen[w] = true
				words[w] = append(words[w], uint8(l))
			}
		}
	}
	t.words = wordmap.New(words)
	return t
}

var (
	latin    = sync.OnceValue(func() *table { return build(latinProfiles) })
	cyrillic = sync.OnceValue(func() *table { return build(cyrillicProfiles) })
)

func tables() { latin(); cyrillic() }

// trigramIndex maps a trigram's key (never 0: see key) to its row: an
// open-addressed table at most half full, each slot the key and the row
// side by side, so that a look-up is a multiplication and (nearly always)
// one cache line, where a Go map touches a control word, a slot and its
// directory.
type trigramIndex struct {
	slots []trigramSlot
	shift uint
}

type trigramSlot struct {
	key uint64 // 0: empty
	row int32
}

func newTrigramIndex(m map[uint64]int32) trigramIndex {
	bits := uint(4)
	for 1<<bits < 2*len(m) {
		bits++
	}
	x := trigramIndex{slots: make([]trigramSlot, 1<<bits), shift: 64 - bits}
	mask := uint64(len(x.slots) - 1)
	for k, row := range m {
		i := x.home(k)
		for x.slots[i].key != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = trigramSlot{k, row}
	}
	return x
}

// home is k's first slot (Fibonacci hashing).
func (x *trigramIndex) home(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15) >> x.shift }

func (x *trigramIndex) get(k uint64) (int32, bool) {
	mask := uint64(len(x.slots) - 1)
	for i := x.home(k); ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.key == 0 {
			return 0, false
		}
		if s.key == k {
			return s.row, true
		}
	}
}
