package entities

import (
	"sort"

	"github.com/earshot-dev/earshot/registry"
)

// gazetteer is a list of names of several tokens each (lower case), looked
// up by their first token. The tagger marks the tokens of the longest
// name that starts at each token; the mark is a feature, not a decision.
// Tokens are compared by the hashes of their lower-case forms
// (tokInfo.low).
type gazetteer struct {
	first   *hashSet              // the first tokens, a quick filter
	byFirst map[uint64][]gazEntry // first token → its names, longest first
	typed   bool                  // mark with the names' types (see mark)
}

type gazEntry struct {
	rest []uint64 // the tokens after the first
	typ  byte     // index in Types (typed gazetteers)
}

// maxGazTokens bounds a name's length in tokens.
const maxGazTokens = 6

// newGazetteer builds a gazetteer of names (any case; tokenized with
// Tokenize).
func newGazetteer(names []string) *gazetteer {
	var toks [][]string
	var spans []Span
	for _, name := range names {
		spans = Tokenize(spans[:0], name)
		t := make([]string, len(spans))
		for i, s := range spans {
			t[i] = name[s.Start:s.End]
		}
		toks = append(toks, t)
	}
	return newTokenGazetteer(toks, nil)
}

// newTokenGazetteer builds a gazetteer of tokenized names; with types (one
// index in Types per name) it is a typed one.
func newTokenGazetteer(names [][]string, types []byte) *gazetteer {
	g := &gazetteer{byFirst: map[uint64][]gazEntry{}, typed: types != nil}
	seen := map[string]bool{}
	var firsts []uint64
	for n, name := range names {
		if len(name) == 0 || len(name) > maxGazTokens {
			continue
		}
		toks := make([]uint64, len(name))
		key := ""
		for i, w := range name {
			l := string(appendLower(nil, w))
			toks[i] = hb(fnvOffset, []byte(l))
			key += l + "\x00"
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := g.byFirst[toks[0]]; !ok {
			firsts = append(firsts, toks[0])
		}
		e := gazEntry{rest: toks[1:]}
		if types != nil {
			e.typ = types[n]
		}
		g.byFirst[toks[0]] = append(g.byFirst[toks[0]], e)
	}
	for _, es := range g.byFirst {
		sort.SliceStable(es, func(i, j int) bool { return len(es[i].rest) > len(es[j].rest) })
	}
	g.first = newHashSet(firsts)
	return g
}

// mark sets toks[i].gaz (1 where a name begins, 2 inside one), or for a
// typed gazetteer toks[i].tgaz (1+2·type where a name begins, 2+2·type
// inside one).
func (g *gazetteer) mark(toks []tokInfo) {
	bit := byte(lexGaz)
	if g.typed {
		bit = lexTrainGaz
	}
	for i := 0; i < len(toks); i++ {
		if toks[i].lex&bit == 0 {
			continue
		}
		for _, e := range g.byFirst[toks[i].low] {
			rest := e.rest
			if i+1+len(rest) > len(toks) {
				continue
			}
			match := true
			for k, w := range rest {
				if toks[i+1+k].low != w {
					match = false
					break
				}
			}
			if !match {
				continue
			}
			if g.typed {
				toks[i].tgaz = 1 + 2*e.typ
				for k := range rest {
					toks[i+1+k].tgaz = 2 + 2*e.typ
				}
			} else {
				toks[i].gaz = 1
				for k := range rest {
					toks[i+1+k].gaz = 2
				}
			}
			i += len(rest)
			break
		}
	}
}

// RegistryNames returns the names, aliases, products and @handles of the brands of
// reg: the brand gazetteer the tagger marks tokens with (the configured
// registry's at tagging time; the trainer's pinned list, train/gazetteer.txt,
// was written by this function from an earlier default registry).
func RegistryNames(reg *registry.Registry) []string {
	var out []string
	for _, b := range reg.Brands {
		out = append(out, b.Name)
		out = append(out, b.Aliases...)
		out = append(out, b.Products...)
		for _, hs := range b.Handles {
			for _, h := range hs {
				out = append(out, "@"+h)
			}
		}
	}
	return out
}
