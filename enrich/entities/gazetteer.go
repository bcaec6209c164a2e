package entities

import (
	"sort"

	"github.com/earshot-dev/earshot/registry"
)

// gazetteer is a list of names of several tokens each (lower case), looked
// up by their first token. The tagger marks the tokens of the longest
// name that starts at each token; the mark is a feature, not a decision.
type gazetteer struct {
	byFirst map[string][][]string // first token → the other tokens of each name, longest first
}

// maxGazTokens bounds a name's length in tokens.
const maxGazTokens = 6

// newGazetteer builds a gazetteer of names (any case; tokenized with
// Tokenize).
func newGazetteer(names []string) *gazetteer {
	g := &gazetteer{byFirst: map[string][][]string{}}
	seen := map[string]bool{}
	var spans []Span
	for _, name := range names {
		spans = Tokenize(spans[:0], name)
		if len(spans) == 0 || len(spans) > maxGazTokens {
			continue
		}
		toks := make([]string, len(spans))
		key := ""
		for i, s := range spans {
			toks[i] = string(appendLower(nil, name[s.Start:s.End]))
			key += toks[i] + "\x00"
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		g.byFirst[toks[0]] = append(g.byFirst[toks[0]], toks[1:])
	}
	for _, rests := range g.byFirst {
		sort.SliceStable(rests, func(i, j int) bool { return len(rests[i]) > len(rests[j]) })
	}
	return g
}

// mark sets toks[i].gaz: 1 where a name begins, 2 inside one.
func (g *gazetteer) mark(toks []tokInfo) {
	for i := 0; i < len(toks); i++ {
		rests, ok := g.byFirst[string(toks[i].low)]
		if !ok {
			continue
		}
		for _, rest := range rests {
			if i+1+len(rest) > len(toks) {
				continue
			}
			match := true
			for k, w := range rest {
				if string(toks[i+1+k].low) != w {
					match = false
					break
				}
			}
			if match {
				toks[i].gaz = 1
				for k := range rest {
					toks[i+1+k].gaz = 2
				}
				i += len(rest)
				break
			}
		}
	}
}

// registryNames returns the names, aliases and @handles of the brands of
// reg: the gazetteer the shipped model was trained with.
func registryNames(reg *registry.Registry) []string {
	var out []string
	for _, b := range reg.Brands {
		out = append(out, b.Name)
		out = append(out, b.Aliases...)
		for _, hs := range b.Handles {
			for _, h := range hs {
				out = append(out, "@"+h)
			}
		}
	}
	return out
}
