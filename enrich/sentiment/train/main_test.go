package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/earshot-dev/earshot/enrich/sentiment"
)

// synthetic returns n rows over a 2^bits table: hashed feature 1 marks a
// negative row, 2 a positive one, 3 a neutral one; features 10..99 are
// noise, and one dense feature is noise too.
func synthetic(n int, seed uint64) []example {
	rng := rand.New(rand.NewPCG(seed, 1))
	set := make([]example, n)
	for k := range set {
		y := k % sentiment.NumClasses
		cue := []uint32{1, 3, 2}[y]
		e := example{y: y, idx: []uint32{cue, uint32(10 + rng.IntN(90)), uint32(10 + rng.IntN(90))}}
		e.dense[0] = float32(rng.Float64()*2 - 1)
		set[k] = e
	}
	return set
}

func TestFitNBSVMLearnsAndIsDeterministic(t *testing.T) {
	train, test := synthetic(600, 1), synthetic(300, 2)
	p := params{l2: 1e-6, lr: 0.05, classPower: 0.5, epochs: 2}
	m := fitNBSVM(train, p, 7, 10)
	if f := macroF1(test, func(e example) int { return argmax(m.logits(e), [3]float64{}) }); f < 0.99 {
		t.Errorf("NBSVM macro-F1 %.3f on separable data, want ≥ 0.99", f)
	}
	again := fitNBSVM(train, p, 7, 10)
	if !slices.Equal(m.w, again.w) || m.b != again.b || m.d != again.d {
		t.Error("two fits with the same seed differ")
	}
	// The weight of a feature that never occurs stays 0.
	for c := range sentiment.NumClasses {
		if w := m.w[500*sentiment.NumClasses+c]; w != 0 {
			t.Errorf("unseen feature has weight %v", w)
		}
	}
}

func TestCombineAveragesLogits(t *testing.T) {
	train := synthetic(300, 3)
	p := params{l2: 1e-6, lr: 0.05, classPower: 0.5, epochs: 1}
	a := newLR(10)
	a.fit(train, p, 1)
	b := fitNBSVM(train, p, 1, 10)
	for _, share := range []float64{0, 0.25, 1} {
		m := combine(a, b, share)
		for _, e := range train[:50] {
			za, zb, z := a.logits(e), b.logits(e), m.logits(e)
			for c := range z {
				if want := (1-share)*za[c] + share*zb[c]; math.Abs(z[c]-want) > 1e-4 {
					t.Fatalf("share %v class %d: logit %v, want %v", share, c, z[c], want)
				}
			}
		}
	}
}

func TestDecisionBiasNeverLowersMacroF1(t *testing.T) {
	set := synthetic(300, 4)
	m := newLR(10)
	m.fit(set[:30], params{l2: 1e-6, lr: 0.01, classPower: 1, epochs: 1}, 1)
	raw := macroF1(set, func(e example) int { return argmax(m.logits(e), [3]float64{}) })
	db, f := decisionBias([][]example{set}, m)
	if f+1e-9 < raw || db[sentiment.ClassNeutral] != 0 {
		t.Errorf("biases %v give %.4f, without %.4f", db, f, raw)
	}
}

func TestCrossValidate(t *testing.T) {
	set := synthetic(600, 5)
	raw, biased := crossValidate(set, nil, 3, 1, 10)
	if raw < 0.99 || biased+1e-9 < raw {
		t.Errorf("3-fold macro-F1 %.4f (with biases %.4f) on separable data, want ≥ 0.99 and biases never lower", raw, biased)
	}
	again, _ := crossValidate(set, nil, 3, 1, 10)
	if again != raw {
		t.Errorf("two runs differ: %v, %v", raw, again)
	}
}

// TestPriorScale: logitSpread is the mean max−min of the logits without
// the biases, and addPriors scales the priors by priorScale.
func TestPriorScale(t *testing.T) {
	m := newLR(4)
	m.b = [sentiment.NumClasses]float64{5, -5, 9} // ignored by the spread
	m.d[0] = [sentiment.NumClasses]float64{1, 0, -1}
	set := []example{{}, {}}
	set[0].dense[0] = 1 // logits 1, 0, −1: spread 2
	set[1].dense[0] = 2 // spread 4
	if got := logitSpread(m, set); math.Abs(got-3) > 1e-12 {
		t.Errorf("logitSpread %v, want 3", got)
	}
	defer func(r [2]float64, s float64) { priorRef, priorScale = r, s }(priorRef, priorScale)
	priorRef = [2]float64{1.5, 1.5}
	setPriorScale(0, m, set)
	if priorScale != 2 {
		t.Fatalf("priorScale %v, want 2", priorScale)
	}
	before := m.d
	addPriors(m)
	for _, pr := range priors {
		before[pr.feature][pr.class] += 2 * pr.add
	}
	if m.d != before {
		t.Errorf("priors added %v, want %v", m.d, before)
	}
}

// TestSXSWShareCopies: -x-sxsw-fold share keeps SXSW's weighted share of
// the dev stage in the final training, spreading the extra copies.
func TestSXSWShareCopies(t *testing.T) {
	// Dev stage: 17,523 SemEval rows and 2,157 SXSW rows ×3; final: 21,153
	// SemEval rows and 4,410 SXSW rows.
	c := sxswShareCopies(6471, 23994, 21153, 4410)
	sum, ones, twos := 0, 0, 0
	for _, k := range c {
		sum += k
		switch k {
		case 1:
			ones++
		case 2:
			twos++
		}
	}
	if sum != 7812 || ones+twos != 4410 {
		t.Fatalf("sum %d, ones %d, twos %d; want 7812 weighted rows, each row once or twice", sum, ones, twos)
	}
	// The extra copies are spread: each half of the rows gets about half.
	half := 0
	for _, k := range c[:2205] {
		half += k
	}
	if half < 3900 || half > 3912 {
		t.Errorf("first half weighted %d, want ≈ 3906", half)
	}
	if got := sxswShareCopies(1, 2, 5, 0); len(got) != 0 {
		t.Errorf("no rows: %v", got)
	}
}
