package entities

import (
	"sort"
	"strings"

	"github.com/earshot-dev/earshot/internal/wordmap"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

// Products finds the product names of the brand registry
// (registry.Brand.Products) in a text. A name matches whole tokens, in any
// case, also as a hashtag ("#iPhone"); a one-word name that is an ordinary
// capitalised word ("Kindle", "Surface") must be written with its capital
// (or in capitals), so that "kindle a fire" is not a product. A match
// takes up to three model tokens after it: "Pro", "Max", "Plus", "Mini",
// "Ultra", "SE", "Lite", "Air", letters and digits mixed ("S24", "8a"), and
// a number of one or two digits unless a unit follows it ("iPhone 15 Pro
// Max", but not the "2" of "iPhone 2 hours").
type Products struct {
	byFirst *wordmap.Map[[]productName] // first token, lower case → names, longest first
}

type productName struct {
	rest  []string // the tokens after the first, lower case
	exact string   // non-empty: how the one-word name must be written
}

// maxProductSuffix bounds the model tokens a match takes after the name.
const maxProductSuffix = 3

var productModelWords = map[string]bool{
	"pro": true, "max": true, "plus": true, "mini": true, "ultra": true, "se": true, "lite": true, "air": true,
}

// productUnits are the words after a number that make it a quantity, not
// a model number.
var productUnits = map[string]bool{
	"hour": true, "hours": true, "hr": true, "hrs": true, "h": true, "min": true, "mins": true, "minute": true,
	"minutes": true, "sec": true, "secs": true, "seconds": true, "day": true, "days": true, "week": true,
	"weeks": true, "month": true, "months": true, "year": true, "years": true, "yrs": true, "times": true,
	"time": true, "of": true, "people": true, "%": true, "gb": true, "tb": true, "mb": true, "x": true,
	"more": true, "less": true, "or": true, "and": true, "to": true, "-": true,
}

// NewProducts returns the matcher of reg's products, nil when reg lists
// none.
func NewProducts(reg *registry.Registry) *Products {
	byFirst := map[string][]productName{}
	var spans []Span
	for _, b := range reg.Brands {
		for _, p := range b.Products {
			spans = Tokenize(spans[:0], p)
			if len(spans) == 0 {
				continue
			}
			toks := make([]string, len(spans))
			for i, s := range spans {
				toks[i] = strings.ToLower(strings.TrimPrefix(p[s.Start:s.End], "#"))
			}
			if toks[0] == "" {
				continue
			}
			n := productName{rest: toks[1:]}
			if first := p[spans[0].Start:spans[0].End]; len(toks) == 1 && plainCapitalised(first) {
				n.exact = first
			}
			byFirst[toks[0]] = append(byFirst[toks[0]], n)
		}
	}
	if len(byFirst) == 0 {
		return nil
	}
	for _, ns := range byFirst {
		sort.SliceStable(ns, func(i, j int) bool { return len(ns[i].rest) > len(ns[j].rest) })
	}
	return &Products{byFirst: wordmap.New(byFirst)}
}

// plainCapitalised reports whether w is a capital letter followed by
// lower-case letters only ("Kindle"), the form of an ordinary word at the
// start of a sentence.
func plainCapitalised(w string) bool {
	if len(w) < 2 || w[0] < 'A' || w[0] > 'Z' {
		return false
	}
	for i := 1; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// find appends the products of a tokenized text to dst, skipping those
// that overlap an entity already in dst[from:]. words are the tokens as
// written, low their lower-case forms.
func (pm *Products) find(dst []mention.Entity, from int, text string, toks []Span, words, low []string) []mention.Entity {
	for i := 0; i < len(toks); i++ {
		w, hash := strings.CutPrefix(low[i], "#")
		names, ok := pm.byFirst.GetString(w)
		if !ok {
			continue
		}
		end := -1
		for _, n := range names {
			if n.exact != "" {
				orig := strings.TrimPrefix(words[i], "#")
				if orig != n.exact && orig != strings.ToUpper(n.exact) {
					continue
				}
			}
			if i+1+len(n.rest) > len(toks) {
				continue
			}
			match := true
			for k, r := range n.rest {
				if low[i+1+k] != r {
					match = false
					break
				}
			}
			if match {
				end = i + 1 + len(n.rest)
				break
			}
		}
		if end < 0 {
			continue
		}
		for k := 0; k < maxProductSuffix && end < len(toks) && toks[end].Start-toks[end-1].End <= 1 && modelToken(low, end); k++ {
			end++
		}
		start := toks[i].Start
		if hash {
			start++
		}
		stop := toks[end-1].End
		overlaps := false
		for _, r := range dst[from:] {
			if start < r.End && r.Start < stop {
				overlaps = true
				break
			}
		}
		if !overlaps {
			dst = append(dst, mention.Entity{Text: text[start:stop], Type: TypeProduct, Start: start, End: stop})
		}
		i = end - 1
	}
	return dst
}

// modelToken reports whether token k (lower case in low) continues a
// product name as a model designation.
func modelToken(low []string, k int) bool {
	t := low[k]
	if productModelWords[t] {
		return true
	}
	digits, letters := 0, 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'z':
			letters++
		default:
			return false
		}
	}
	switch {
	case digits == 0:
		return false
	case letters > 0: // "s24", "8a", "x1"
		return len(t) <= 5
	default: // a number: a model number unless a unit follows
		return len(t) <= 2 && (k+1 >= len(low) || !productUnits[low[k+1]])
	}
}

// overrideWords applies the matcher to a sentence of words (joined by
// spaces) and returns pred with the products found, as word spans, in place
// of the spans they overlap.
func (pm *Products) overrideWords(pred []WordSpan, words []string) []WordSpan {
	var b strings.Builder
	toks := make([]Span, len(words))
	low := make([]string, len(words))
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		toks[i] = Span{Start: b.Len(), End: b.Len() + len(w)}
		b.WriteString(w)
		low[i] = strings.ToLower(w)
	}
	text := b.String()
	found := pm.find(nil, 0, text, toks, words, low)
	if len(found) == 0 {
		return pred
	}
	var prods []WordSpan
	for _, en := range found {
		ws := WordSpan{Start: -1, End: -1, Type: TypeProduct}
		for i, t := range toks {
			if t.Start <= en.Start && en.Start < t.End {
				ws.Start = i
			}
			if t.Start < en.End && en.End <= t.End {
				ws.End = i + 1
			}
		}
		if ws.Start >= 0 && ws.End > ws.Start {
			prods = append(prods, ws)
		}
	}
	out := pred[:0:0]
next:
	for _, sp := range pred {
		for _, p := range prods {
			if sp.Start < p.End && p.Start < sp.End {
				continue next
			}
		}
		out = append(out, sp)
	}
	return append(out, prods...)
}
