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
	index *wordmap.Map[int32]   // trigram (key) → row of ranks
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
	t.index = wordmap.NewUint64(index)
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
