package entities

import (
	"sync"

	"github.com/earshot-dev/earshot/registry"
)

// Tagger finds names (person, place, organisation, product) in tokenized
// text with a Model and a gazetteer. It is safe for concurrent use.
type Tagger struct {
	m    *Model
	gaz  *gazetteer
	lex  *lexicon
	xlex *extLex // the external lexicon, when the model uses it
	clus *extLex // the word clusters, when the model uses them
	pool sync.Pool
}

// NewTagger returns a tagger of m whose gazetteer holds the names, aliases,
// products and handles of reg's brands (the default registry when reg is nil, as
// in training).
func NewTagger(m *Model, reg *registry.Registry) (*Tagger, error) {
	if reg == nil {
		var err error
		if reg, err = registry.Default(); err != nil {
			return nil, err
		}
	}
	t := &Tagger{m: m, gaz: newGazetteer(RegistryNames(reg))}
	if m.Info.Ext != 0 {
		var err error
		if t.xlex, err = externalLexicon(); err != nil {
			return nil, err
		}
	}
	if m.Info.Ext&(ExtClus|ExtClusCtx) != 0 {
		var err error
		if t.clus, err = wordClusters(); err != nil {
			return nil, err
		}
	}
	t.lex = newLexicon(m.vocab, t.gaz, m.tgaz, t.xlex, t.clus)
	t.pool.New = func() any { return new(featurizer) }
	return t, nil
}

// Model returns the tagger's model.
func (t *Tagger) Model() *Model { return t.m }

// TagWords appends one label per word to dst (see LabelName).
func (t *Tagger) TagWords(dst []int, words []string) []int {
	f := t.pool.Get().(*featurizer)
	f.setExt(byte(t.m.Info.Ext), extMask(t.m.Info.ExtMask), t.xlex, t.clus)
	f.prepare(words, t.lex, t.m.vocab, t.gaz, t.m.tgaz, false)
	dst = append(dst, t.m.tag(f)...)
	t.pool.Put(f)
	return dst
}

// WordSpan is an entity over words [Start, End) of a tokenized text.
type WordSpan struct {
	Start, End int
	Type       string
}

// SpansFromLabels turns BIO labels into entities; an I-t that does not
// continue a t entity starts one.
func SpansFromLabels(dst []WordSpan, labels []int) []WordSpan {
	cur := -1
	for i, l := range labels {
		k := labelType(l)
		if k < 0 {
			cur = -1
			continue
		}
		if isInside(l) && cur >= 0 && dst[cur].End == i && dst[cur].Type == Types[k] {
			dst[cur].End = i + 1
			continue
		}
		dst = append(dst, WordSpan{Start: i, End: i + 1, Type: Types[k]})
		cur = len(dst) - 1
	}
	return dst
}
