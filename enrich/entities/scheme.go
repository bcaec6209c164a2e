package entities

import (
	"fmt"
	"sort"
	"strings"
)

// Scheme maps a data set's entity types onto earshot's (Types). A type
// mapped to "" is ignored: its gold entities are not counted, and a
// predicted entity with exactly its span is neither right nor wrong.
type Scheme struct {
	Name string
	Map  map[string]string
	// AnnotatesHandles is false for data sets whose guidelines leave
	// @usernames unannotated (WNUT): the trainer does not learn from
	// their @handle tokens and the evaluation leaves predicted @handle
	// entities out.
	AnnotatesHandles bool
	Licence          string
}

// Schemes are the type sets earshot reads. The mappings are documented in
// README.md.
var Schemes = map[string]Scheme{
	"wnut17": {Name: "wnut17", Licence: "CC-BY-4.0", Map: map[string]string{
		"person": TypePerson, "location": TypePlace, "group": TypeOrganisation,
		"corporation": TypeOrganisation, "product": TypeProduct, "creative-work": TypeProduct,
	}},
	"wnut16": {Name: "wnut16", Licence: "GPL-3.0", Map: map[string]string{
		"person": TypePerson, "geo-loc": TypePlace, "facility": TypePlace,
		"company": TypeOrganisation, "sportsteam": TypeOrganisation,
		"product": TypeProduct, "movie": TypeProduct, "tvshow": TypeProduct,
		"musicartist": "", "other": "",
	}},
	"btc": {Name: "btc", Licence: "CC-BY-4.0", AnnotatesHandles: true, Map: map[string]string{
		"PER": TypePerson, "LOC": TypePlace, "ORG": TypeOrganisation,
	}},
	"earshot": {Name: "earshot", AnnotatesHandles: true, Map: map[string]string{
		TypePerson: TypePerson, TypePlace: TypePlace, TypeOrganisation: TypeOrganisation, TypeProduct: TypeProduct,
	}},
}

// SchemeNames lists the schemes, sorted.
func SchemeNames() []string {
	var out []string
	for n := range Schemes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// DetectScheme picks the scheme whose type set covers every type used in
// sents, preferring the smallest.
func DetectScheme(sents []RawSentence) (Scheme, error) {
	used := map[string]bool{}
	for _, s := range sents {
		for _, t := range s.Tags {
			if t != "O" {
				used[t[2:]] = true
			}
		}
	}
	best := ""
	for _, n := range SchemeNames() {
		sc := Schemes[n]
		ok := true
		for t := range used {
			if _, in := sc.Map[t]; !in {
				ok = false
				break
			}
		}
		if ok && (best == "" || len(sc.Map) < len(Schemes[best].Map)) {
			best = n
		}
	}
	if best == "" {
		var ts []string
		for t := range used {
			ts = append(ts, t)
		}
		sort.Strings(ts)
		return Scheme{}, fmt.Errorf("no scheme has the types %s; pass --scheme (one of %s)", strings.Join(ts, ", "), strings.Join(SchemeNames(), ", "))
	}
	return Schemes[best], nil
}

// goldSpan is an entity of a sentence: tokens [start, end) of a type
// (earshot's; "" when the scheme ignores the data set's type).
type goldSpan struct {
	start, end int
	typ        string
	raw        string // the data set's type
}

// spansFromTags reads entities from BIO tags, conlleval-style: an I-t that
// does not continue a t entity starts one.
func spansFromTags(tags []string, sc Scheme) ([]goldSpan, error) {
	var out []goldSpan
	cur := -1
	for i, t := range tags {
		if t == "O" {
			cur = -1
			continue
		}
		typ, ok := sc.Map[t[2:]]
		if !ok {
			return nil, fmt.Errorf("type %q is not in scheme %s", t[2:], sc.Name)
		}
		if t[0] == 'I' && cur >= 0 && out[cur].end == i && out[cur].raw == t[2:] {
			out[cur].end = i + 1
			continue
		}
		out = append(out, goldSpan{start: i, end: i + 1, typ: typ, raw: t[2:]})
		cur = len(out) - 1
	}
	return out, nil
}
