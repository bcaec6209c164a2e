package entities

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/earshot-dev/earshot/registry"
)

// Sentence is a tokenized sentence with one label per token (label ids,
// see LabelName). Ignore marks tokens whose gold label is unknown (the
// data set's guidelines did not annotate them): the trainer does not learn
// from them.
type Sentence struct {
	Words  []string
	Labels []int
	Ignore []bool
}

// TrainOptions are the trainer's hyper-parameters.
type TrainOptions struct {
	Epochs   int
	HashBits int
	Seed     uint64
	// Prune zeroes averaged weights whose magnitude is below this share of
	// the largest one (after averaging, before quantising).
	Prune float64
	// Beam is the width of the beam search used in training (and to be
	// used in tagging, ModelInfo.Beam); 0 or 1: greedy. With a beam the
	// perceptron makes early updates: when the oracle's tagging falls out
	// of the beam, it is rewarded and the best tagging in the beam
	// penalised up to that token, and the sentence is left there.
	Beam int
	// WordDropout (beam training only) is the probability that a token's
	// own word features (the word, its exact form, its bigrams, the word
	// after the previous tag) are left out in one epoch: the tagger then
	// learns to find a name from its shape and context too, as it must for
	// names that the training data does not have.
	WordDropout float64
	// Ensemble is the number of training runs (seeds Seed, Seed+1, …)
	// whose averaged weights are averaged into the model; 0 or 1: one.
	Ensemble int
	// Ext are the external lexicon's feature groups (ExtToken, …; 0:
	// none) and ExtMask the lexicon flags they see (0: all).
	Ext     int
	ExtMask int
	// Gazetteer is the brand gazetteer trained with: names, aliases,
	// products and @handles (see RegistryNames); nil: those of the
	// default registry. The trainer passes a pinned list
	// (train/gazetteer.txt), so that editing the default registry does
	// not change what retraining the shipped model gives.
	Gazetteer []string
}

// noFeature marks a left-out feature (see TrainOptions.WordDropout).
const noFeature = ^uint64(0)

// wordFeatures are the indices, among a token's static features, of the
// features of its own word (see featurizer.features).
var wordFeatures = [...]int{0, 1, 14, 15}

// Trained is the result of Train.
type Trained struct {
	Weights []int16
	Scale   float64
	// Updates is the number of perceptron updates in each epoch of each
	// run (training errors: tokens when greedy, sentences with a beam).
	Updates []int
	// Names are the training data's names, for the weights file.
	Names []Name
}

// Train fits an averaged perceptron on sents, decoding as in tagging:
// greedily left to right (opt.Beam ≤ 1, an update at every wrong token),
// or with the beam search and early updates (see beamTrainer). With
// opt.Ensemble > 1 it averages the averaged weights of that many runs. It
// is deterministic for the same input and options: one goroutine, fixed
// seeds for the shuffles and the word dropout.
//
// folds holds the training names' gazetteers that sentence i sees: the
// one of folds[i%len(folds)], built without that fold's sentences, so
// that the tagger learns how far a name seen elsewhere can be trusted (as
// in tagging, where the names are those of the training data).
func Train(sents []Sentence, opt TrainOptions, vocab *hashSet, gaz *gazetteer, folds []*gazetteer) Trained {
	rows := 1 << opt.HashBits
	mask := uint64(rows - 1)
	w := make([]float32, rows*NumLabels)
	total := make([]float64, rows*NumLabels)
	stamp := make([]int32, rows*NumLabels)
	t := int32(1)

	// Static features once per sentence.
	type prepared struct {
		static []uint64
		toks   []tokInfo
	}
	prep := make([]prepared, len(sents))
	var f featurizer
	if opt.Ext != 0 {
		lex, err := externalLexicon()
		if err != nil {
			panic(err) // the embedded file is broken: TrainTagger reports it first
		}
		var clus *extLex
		if opt.Ext&(ExtClus|ExtClusCtx) != 0 {
			if clus, err = wordClusters(); err != nil {
				panic(err)
			}
		}
		f.setExt(byte(opt.Ext), extMask(opt.ExtMask), lex, clus)
	}
	ns := f.stride()
	for i, s := range sents {
		var tg *gazetteer
		if len(folds) > 0 {
			tg = folds[i%len(folds)]
		}
		f.prepare(s.Words, nil, vocab, gaz, tg, true)
		prep[i] = prepared{static: append([]uint64(nil), f.static...), toks: append([]tokInfo(nil), f.toks...)}
	}
	update := func(h uint64, label int, delta float32) {
		if h == noFeature {
			return
		}
		k := int(h&mask)*NumLabels + label
		total[k] += float64(t-stamp[k]) * float64(w[k])
		stamp[k] = t
		w[k] += delta
	}
	avg := make([]float64, len(w))
	runs := max(1, opt.Ensemble)
	var res Trained
	for run := 0; run < runs; run++ {
		if run > 0 {
			clear(w)
			clear(total)
			clear(stamp)
			t = 1
		}
		seed := opt.Seed + uint64(run)
		order := make([]int, len(sents))
		for i := range order {
			order[i] = i
		}
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		drop := rand.New(rand.NewPCG(seed, 0xd20b))
		var static []uint64
		var bt beamTrainer
		for ep := 0; ep < opt.Epochs; ep++ {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			updates := 0
			for _, si := range order {
				s := sents[si]
				p := prep[si]
				f.toks = p.toks
				if opt.Beam > 1 {
					bt.w, bt.mask, bt.update, bt.t = w, mask, update, &t
					static = p.static
					bt.dropped = bt.dropped[:0]
					if opt.WordDropout > 0 {
						static = append(static[:0:0], p.static...)
						for i := range s.Words {
							d := drop.Float64() < opt.WordDropout
							bt.dropped = append(bt.dropped, d)
							if d {
								for _, k := range wordFeatures {
									static[i*ns+k] = noFeature
								}
							}
						}
					}
					updates += bt.sentence(&f, s, static, min(opt.Beam, MaxBeam))
					continue
				}
				prev, prev2 := 0, 0
				var dyn [numDynamic]uint64
				for i := range s.Words {
					gold := s.Labels[i]
					if forcedO(p.toks[i].cls) || (prev == 0 && cannotBegin(&p.toks[i])) {
						prev2, prev = prev, 0
						t++
						continue
					}
					f.dynamic(i, prev, prev2, &dyn)
					var sc [NumLabels]float32
					feats := p.static[i*ns : (i+1)*ns]
					for _, h := range feats {
						row := w[int(h&mask)*NumLabels:]
						for c := range sc {
							sc[c] += row[c]
						}
					}
					for _, h := range dyn {
						row := w[int(h&mask)*NumLabels:]
						for c := range sc {
							sc[c] += row[c]
						}
					}
					best := 0
					for c := 1; c < NumLabels; c++ {
						if isInside(c) && labelType(prev) != labelType(c) {
							continue
						}
						if sc[c] > sc[best] {
							best = c
						}
					}
					ignore := s.Ignore != nil && s.Ignore[i]
					if best != gold && !ignore {
						updates++
						for _, h := range feats {
							update(h, gold, 1)
							update(h, best, -1)
						}
						for _, h := range dyn {
							update(h, gold, 1)
							update(h, best, -1)
						}
					}
					// Teacher forcing would hide the tagger's own mistakes;
					// the next token sees the predicted label, as in tagging.
					prev2, prev = prev, best
					t++
				}
			}
			res.Updates = append(res.Updates, updates)
		}
		for k := range w {
			avg[k] += (total[k] + float64(t-stamp[k])*float64(w[k])) / float64(t) / float64(runs)
		}
	}
	maxAbs := 0.0
	for _, a := range avg {
		maxAbs = math.Max(maxAbs, math.Abs(a))
	}
	res.Weights = make([]int16, len(w))
	if maxAbs == 0 {
		res.Scale = 1
		return res
	}
	res.Scale = maxAbs / 32767
	for k, a := range avg {
		if math.Abs(a) < opt.Prune*maxAbs {
			continue
		}
		res.Weights[k] = int16(math.Round(a / res.Scale))
	}
	return res
}

// ToSentence converts a data set's sentence into labels of earshot's
// types. Tokens of types the scheme ignores, and @handles in data sets that
// do not annotate them, are marked Ignore.
func ToSentence(s RawSentence, sc Scheme) (Sentence, error) {
	spans, err := spansFromTags(s.Tags, sc)
	if err != nil {
		return Sentence{}, fmt.Errorf("sentence at line %d: %w", s.Line, err)
	}
	out := Sentence{Words: s.Words, Labels: make([]int, len(s.Words)), Ignore: make([]bool, len(s.Words))}
	for _, sp := range spans {
		if sp.typ == "" {
			for i := sp.start; i < sp.end; i++ {
				out.Ignore[i] = true
			}
			continue
		}
		k := typeIndex(sp.typ)
		out.Labels[sp.start] = 1 + 2*k
		for i := sp.start + 1; i < sp.end; i++ {
			out.Labels[i] = 2 + 2*k
		}
	}
	if !sc.AnnotatesHandles {
		for i, w := range s.Words {
			if len(w) > 1 && w[0] == '@' {
				out.Ignore[i] = true
			}
		}
	}
	return out, nil
}

func typeIndex(t string) int {
	for i, x := range Types {
		if x == t {
			return i
		}
	}
	return -1
}

// LowerVocab returns the words that occur at least minCount times written
// in lower case and are written in lower case at least half the times they
// occur: the tagger's "common word" feature.
func LowerVocab(sents []Sentence, minCount int) []string {
	lower := map[string]int{}
	all := map[string]int{}
	for _, s := range sents {
		for _, w := range s.Words {
			l := string(appendLower(nil, w))
			all[l]++
			if classify(w) == clsLower {
				lower[l]++
			}
		}
	}
	var out []string
	for w, n := range lower {
		if n >= minCount && 2*n >= all[w] {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}

// TrainTagger trains a model on sents with opt's brand gazetteer (the
// default registry's without one) and the vocabulary, and returns it
// ready to tag.
func TrainTagger(sents []Sentence, vocab []string, opt TrainOptions) (*Model, Trained, error) {
	names := opt.Gazetteer
	if names == nil {
		reg, err := registry.Default()
		if err != nil {
			return nil, Trained{}, err
		}
		names = RegistryNames(reg)
	}
	if opt.Ext != 0 {
		if _, err := externalLexicon(); err != nil {
			return nil, Trained{}, err
		}
	}
	if opt.Ext&(ExtClus|ExtClusCtx) != 0 {
		if _, err := wordClusters(); err != nil {
			return nil, Trained{}, err
		}
	}
	vs := make([]uint64, len(vocab))
	for i, v := range vocab {
		vs[i] = hashLower(v)
	}
	folds := make([]*gazetteer, numFolds)
	for k := range folds {
		folds[k] = namesGazetteer(TrainNames(sents, numFolds, k))
	}
	tr := Train(sents, opt, newHashSet(vs), newGazetteer(names), folds)
	tr.Names = TrainNames(sents, numFolds, -1)
	m := newModel(ModelInfo{FeatureVersion: FeatureVersion, HashBits: opt.HashBits, Scale: tr.Scale, Beam: opt.Beam, Ext: opt.Ext, ExtMask: opt.ExtMask}, tr.Weights, vs, tr.Names)
	return m, tr, nil
}

// numFolds is the number of folds of the training names' gazetteer.
const numFolds = 5

// TrainNames returns the entity names of sents (sentence i in fold
// i%folds), leaving out fold exclude (-1: none): each name (lower case) with
// its most frequent type, kept when it is an entity at least half the
// times its words occur. Sorted, so deterministic.
func TrainNames(sents []Sentence, folds, exclude int) []Name {
	type stat struct {
		byType [4]int
		total  int
	}
	stats := map[string]*stat{}
	key := func(words []string) string {
		var b []byte
		for i, w := range words {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendLower(b, w)
		}
		return string(b)
	}
	use := func(i int) bool { return exclude < 0 || i%folds != exclude }
	for i, s := range sents {
		if !use(i) {
			continue
		}
		for _, sp := range SpansFromLabels(nil, s.Labels) {
			if sp.End-sp.Start > maxGazTokens {
				continue
			}
			k := key(s.Words[sp.Start:sp.End])
			st := stats[k]
			if st == nil {
				st = &stat{}
				stats[k] = st
			}
			st.byType[typeIndex(sp.Type)]++
		}
	}
	for i, s := range sents {
		if !use(i) {
			continue
		}
		for a := range s.Words {
			for b := a + 1; b <= len(s.Words) && b-a <= maxGazTokens; b++ {
				if st := stats[key(s.Words[a:b])]; st != nil {
					st.total++
				}
			}
		}
	}
	var out []Name
	for k, st := range stats {
		best, n := 0, 0
		for t, c := range st.byType {
			n += c
			if c > st.byType[best] {
				best = t
			}
		}
		if 2*n < st.total {
			continue
		}
		out = append(out, Name{Words: strings.Split(k, " "), Type: Types[best]})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := strings.Join(out[i].Words, " "), strings.Join(out[j].Words, " ")
		return a < b || a == b && out[i].Type < out[j].Type
	})
	return out
}
