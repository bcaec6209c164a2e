package entities

// Beam search decoding.
//
// A token's features depend on the tags of the two tokens before it (see
// dynamic), so two partial taggings that end in the same two tags score
// every later token alike: of such a pair only the better one is kept
// (recombination). The beam then holds up to Beam taggings that differ in
// their last two tags; a width of 1 is the greedy decoder. The same search
// is used in training (see Train), so the weights are learnt for it.

// MaxBeam bounds the beam width.
const MaxBeam = 16

// numStates is the number of (tag before, tag) pairs: the recombination
// key of a partial tagging.
const numStates = NumLabels * NumLabels

// beamItem is a partial tagging: its score, its last two tags and the item
// of the previous token that it extends.
type beamItem[S int32 | float32] struct {
	score S
	prev  uint8 // the tag of this token
	prev2 uint8 // the tag of the token before
	back  uint8 // the index of the item it extends, in the previous token's beam
	gold  bool  // training: the item is the oracle's tagging so far
}

// beamStep holds the candidates of one token: each item of the previous
// beam extended by each label it may take, recombined by state.
type beamStep[S int32 | float32] struct {
	cands []beamItem[S]
	slot  [numStates]int8
}

func (b *beamStep[S]) reset() {
	for _, c := range b.cands {
		b.slot[int(c.prev2)*NumLabels+int(c.prev)] = -1
	}
	b.cands = b.cands[:0]
}

func newBeamStep[S int32 | float32]() *beamStep[S] {
	b := &beamStep[S]{cands: make([]beamItem[S], 0, MaxBeam*NumLabels)}
	for i := range b.slot {
		b.slot[i] = -1
	}
	return b
}

// add offers candidate c: it replaces a candidate of the same state with a
// lower score (ties keep the first, as the greedy decoder keeps the lower
// label).
func (b *beamStep[S]) add(c beamItem[S]) {
	k := int(c.prev2)*NumLabels + int(c.prev)
	if j := b.slot[k]; j >= 0 {
		if c.score > b.cands[j].score {
			b.cands[j] = c
		}
		return
	}
	b.slot[k] = int8(len(b.cands))
	b.cands = append(b.cands, c)
}

// top moves the best width candidates to the front, best first (ties: the
// earlier candidate first), and returns them.
func (b *beamStep[S]) top(width int) []beamItem[S] {
	c := b.cands
	n := min(width, len(c))
	for i := 0; i < n; i++ {
		best := i
		for j := i + 1; j < len(c); j++ {
			if c[j].score > c[best].score {
				best = j
			}
		}
		if best != i {
			// Keep the order of the others (stable): rotate.
			x := c[best]
			copy(c[i+1:best+1], c[i:best])
			c[i] = x
		}
	}
	return c[:n]
}

// tagBeam gives each word a label with a beam of width m.beam (see the
// comment at the top of this file). f must have been prepared for words.
func (m *Model) tagBeam(f *featurizer) []int {
	n := len(f.toks)
	f.labels = f.labels[:0]
	if n == 0 {
		return f.labels
	}
	w := m.beam
	if cap(f.hist) < n*w {
		f.hist = make([]beamItem[int32], n*w)
	}
	f.hist = f.hist[:n*w]
	if f.step == nil {
		f.step = newBeamStep[int32]()
	}
	b := f.step
	start := [1]beamItem[int32]{{}}
	cur := start[:]
	for i := 0; i < n; i++ {
		t := &f.toks[i]
		forced := forcedO(t.cls)
		cb := cannotBegin(t)
		var st [NumLabels]int32
		haveStatic := false
		b.reset()
		for j := range cur {
			it := &cur[j]
			if forced || (it.prev == 0 && cb) {
				b.add(beamItem[int32]{score: it.score, prev: 0, prev2: it.prev, back: uint8(j)})
				continue
			}
			if !haveStatic {
				st = m.staticScores(f, i)
				haveStatic = true
			}
			s := st
			m.addLabelContext(&s, t, int(it.prev2), int(it.prev))
			pt := labelType(int(it.prev))
			for c := 0; c < NumLabels; c++ {
				if isInside(c) && pt != labelType(c) {
					continue
				}
				b.add(beamItem[int32]{score: it.score + s[c], prev: uint8(c), prev2: it.prev, back: uint8(j)})
			}
		}
		top := b.top(w)
		if m.beamGap > 0 {
			// Drop the taggings too far behind the best: most tokens then
			// keep one, and the next token is not scored if it is O.
			lim := top[0].score - m.beamGap
			for k := 1; k < len(top); k++ {
				if top[k].score < lim {
					top = top[:k]
					break
				}
			}
		}
		k := copy(f.hist[i*w:(i+1)*w], top)
		cur = f.hist[i*w : i*w+k]
	}
	// Follow the best final item back.
	if cap(f.labels) < n {
		f.labels = make([]int, n, 2*n)
	}
	f.labels = f.labels[:n]
	j := 0
	for i := n - 1; i >= 0; i-- {
		it := f.hist[i*w+j]
		f.labels[i] = int(it.prev)
		j = int(it.back)
	}
	return f.labels
}
