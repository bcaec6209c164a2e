package entities

// beamTrainer runs the beam search of tagBeam over the training weights
// (float32, the full hashed table) and makes the perceptron's early
// updates (Collins and Roark 2004).
type beamTrainer struct {
	w      []float32
	mask   uint64
	update func(h uint64, label int, delta float32)
	// t is Train's clock (one tick per token decoded).
	t *int32

	step *beamStep[float32]
	hist []beamItem[float32]
	gold []uint8
	pred []uint8
	// dropped marks the tokens whose word features are left out (see
	// TrainOptions.WordDropout); empty: none.
	dropped []bool
}

// staticScores sums the weights of a token's static features.
func (bt *beamTrainer) staticScores(feats []uint64) [NumLabels]float32 {
	var sc [NumLabels]float32
	bt.addRows(&sc, feats)
	return sc
}

// scores returns token i's label scores after the tags prev2, prev; st
// are its static scores.
func (bt *beamTrainer) scores(f *featurizer, i, prev, prev2 int, st *[NumLabels]float32) [NumLabels]float32 {
	var dyn [numDynamic]uint64
	bt.dynamic(f, i, prev, prev2, &dyn)
	sc := *st
	bt.addRows(&sc, dyn[:])
	return sc
}

// addRows adds the weight rows of the hashed features hs to sc.
func (bt *beamTrainer) addRows(sc *[NumLabels]float32, hs []uint64) {
	for _, h := range hs {
		if h == noFeature {
			continue
		}
		row := bt.w[int(h&bt.mask)*NumLabels:]
		for c := range sc {
			sc[c] += row[c]
		}
	}
}

// dynamic is f.dynamic without the word's feature when the token's word
// features are left out.
func (bt *beamTrainer) dynamic(f *featurizer, i, prev, prev2 int, out *[numDynamic]uint64) {
	f.dynamic(i, prev, prev2, out)
	if i < len(bt.dropped) && bt.dropped[i] {
		out[0] = noFeature
	}
}

// sentence decodes s with a beam of width and updates the weights when
// the oracle's tagging falls out of the beam or is not the best at the
// end. It reports whether it updated (0 or 1). f.toks must be those of s
// and static its static feature ids (numStatic per token).
//
// The oracle follows the gold labels where the decoder can: O where it
// must (forcedO, cannotBegin after O), B-t for an I-t that does not
// continue a t, and its own best label on tokens whose gold label is
// unknown (Sentence.Ignore).
func (bt *beamTrainer) sentence(f *featurizer, s Sentence, static []uint64, width int) int {
	n := len(s.Words)
	if bt.step == nil {
		bt.step = newBeamStep[float32]()
	}
	if cap(bt.hist) < n*width {
		bt.hist = make([]beamItem[float32], n*width)
	}
	hist := bt.hist[:n*width]
	bt.gold = bt.gold[:0]
	b := bt.step
	ns := f.stride()
	start := [1]beamItem[float32]{{gold: true}}
	cur := start[:]
	gPrev, gPrev2 := 0, 0
	for i := 0; i < n; i++ {
		t := &f.toks[i]
		feats := static[i*ns : (i+1)*ns]
		var st [NumLabels]float32
		haveStatic := false
		staticScores := func() *[NumLabels]float32 {
			if !haveStatic {
				st = bt.staticScores(feats)
				haveStatic = true
			}
			return &st
		}
		// The oracle's label.
		g := 0
		if !unscored(t, gPrev) {
			g = s.Labels[i]
			switch {
			case s.Ignore != nil && s.Ignore[i]:
				sc := bt.scores(f, i, gPrev, gPrev2, staticScores())
				g = 0
				for c := 1; c < NumLabels; c++ {
					if isInside(c) && labelType(gPrev) != labelType(c) {
						continue
					}
					if sc[c] > sc[g] {
						g = c
					}
				}
			case isInside(g) && labelType(gPrev) != labelType(g):
				g-- // B-t
			}
		}
		bt.gold = append(bt.gold, uint8(g))
		gPrev2, gPrev = gPrev, g
		b.reset()
		for j := range cur {
			it := &cur[j]
			if unscored(t, int(it.prev)) {
				b.add(beamItem[float32]{score: it.score, prev: 0, prev2: it.prev, back: uint8(j), gold: it.gold && g == 0})
				continue
			}
			sc := bt.scores(f, i, int(it.prev), int(it.prev2), staticScores())
			pt := labelType(int(it.prev))
			for c := 0; c < NumLabels; c++ {
				if isInside(c) && pt != labelType(c) {
					continue
				}
				b.add(beamItem[float32]{score: it.score + sc[c], prev: uint8(c), prev2: it.prev, back: uint8(j), gold: it.gold && c == g})
			}
		}
		top := b.top(width)
		k := copy(hist[i*width:(i+1)*width], top)
		cur = hist[i*width : i*width+k]
		inBeam := false
		for _, it := range cur {
			inBeam = inBeam || it.gold
		}
		if !inBeam || (i == n-1 && !cur[0].gold) {
			*bt.t += int32(i + 1)
			bt.pred = bt.pred[:0]
			for range i + 1 {
				bt.pred = append(bt.pred, 0)
			}
			j := 0
			for p := i; p >= 0; p-- {
				it := hist[p*width+j]
				bt.pred[p] = it.prev
				j = int(it.back)
			}
			bt.updatePaths(f, static, i+1)
			return 1
		}
	}
	*bt.t += int32(n)
	return 0
}

// updatePaths rewards the oracle's labels bt.gold and penalises the
// predicted bt.pred over the first n tokens (where both give a token the
// same label after the same two tags the updates cancel and are skipped).
func (bt *beamTrainer) updatePaths(f *featurizer, static []uint64, n int) {
	gp, gp2, pp, pp2 := 0, 0, 0, 0
	var dyn [numDynamic]uint64
	ns := f.stride()
	for j := 0; j < n; j++ {
		t := &f.toks[j]
		g, p := int(bt.gold[j]), int(bt.pred[j])
		feats := static[j*ns : (j+1)*ns]
		if g != p || gp != pp || gp2 != pp2 {
			if !unscored(t, gp) {
				bt.dynamic(f, j, gp, gp2, &dyn)
				for _, h := range feats {
					bt.update(h, g, 1)
				}
				for _, h := range dyn {
					bt.update(h, g, 1)
				}
			}
			if !unscored(t, pp) {
				bt.dynamic(f, j, pp, pp2, &dyn)
				for _, h := range feats {
					bt.update(h, p, -1)
				}
				for _, h := range dyn {
					bt.update(h, p, -1)
				}
			}
		}
		gp2, gp = gp, g
		pp2, pp = pp, p
	}
}
