package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/earshot-dev/earshot/enrich/sentiment"
)

func TestKMeansDeterministic(t *testing.T) {
	// Three directions, 60 noisy points each.
	rng := rand.New(rand.NewPCG(1, 2))
	centres := [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 0, 1}}
	var pts []float32
	for i := range 180 {
		for _, v := range centres[i%3] {
			pts = append(pts, v+float32(rng.NormFloat64()*0.1))
		}
	}
	a, _ := kmeans(pts, 4, 3, 20, 7)
	b, _ := kmeans(pts, 4, 3, 20, 7)
	if !slices.Equal(a, b) {
		t.Fatal("two runs with the same seed differ")
	}
	for i := range a {
		if a[i] != a[i%3] {
			t.Fatalf("point %d in cluster %d, its group's first point in %d", i, a[i], a[i%3])
		}
	}
	if a[0] == a[1] || a[1] == a[2] || a[0] == a[2] {
		t.Errorf("groups share clusters: %v", a[:3])
	}
}

// TestWordTableFolding checks that the shipped per-word scores give the
// logits of the trained model over the average word vector (through the
// stack), and that cluster features reach the same hashed rows.
func TestWordTableFolding(t *testing.T) {
	defer func(m string, s int, sc float64, n int) { avgMode, stackEpochs, embScale, nX = m, s, sc, n }(avgMode, stackEpochs, embScale, nX)
	avgMode, stackEpochs, embScale, nX = "all", 3, 2, sentiment.NumClasses
	rng := rand.New(rand.NewPCG(3, 4))
	g := &vectors{words: []string{"the", "good", "bad", "movie", "great", "awful"}, index: map[string]int32{}, dims: 4}
	for i, w := range g.words {
		g.index[w] = int32(i)
	}
	for range len(g.words) * g.dims {
		g.vecs = append(g.vecs, float32(rng.NormFloat64()))
	}
	const bits = 10
	mask := uint64(1)<<bits - 1
	keep := embVocab(g, 5) // "awful" is neither frequent nor in a text: dropped
	clusters := make([]int32, len(g.words))
	for i := range clusters {
		clusters[i] = int32(i % 2)
	}
	var set []example
	texts := [][]int32{{0, 1, 3}, {2, 3}, {0, 4, 4}, {2, 1}, {5}, {}}
	for i := range 60 {
		e := example{y: i % 3, words: []int32{}}
		for _, w := range texts[i%len(texts)] {
			e.words = append(e.words, w<<2)
		}
		if i%len(texts) == 3 { // "bad" negated
			e.words[0] = 2<<2 | wordNegated
		}
		embFeatures(&e, g, keep, clusters, mask)
		set = append(set, e)
	}
	st := fitStack(set, 1)
	st.apply(set)
	m := combine(fitLR(set, params{l2: 1e-6, lr: 0.05, classPower: 0.5, epochs: 2}, 1, bits),
		fitNBSVM(set, params{l2: 1e-6, lr: 0.05, classPower: 0.5, epochs: 2}, 1, bits), 0.5)
	words := wordTable(g, keep, clusters, m, st)
	if slices.Contains(words.Words, "awful") || !slices.IsSorted(words.Words) {
		t.Fatalf("vocabulary %v", words.Words)
	}
	c16 := make([]uint16, len(words.Clusters))
	copy(c16, words.Clusters)
	info := sentiment.ModelInfo{HashBits: bits, Bias: m.b, Dense: m.d, Clusters: 2}
	var buf bytes.Buffer
	if err := sentiment.WriteModel(&buf, info, m.w, words); err != nil {
		t.Fatal(err)
	}
	sm, err := sentiment.ReadModel(&buf)
	if err != nil {
		t.Fatal(err)
	}
	idx := sm.WordIndex()
	for i, e := range set[:len(texts)] {
		var f sentiment.Features
		for _, w := range e.words {
			if id, ok := idx[g.words[w>>2]]; ok {
				f.Words = append(f.Words, id<<2|w&wordNegated)
			}
		}
		got, want := sm.Logits(&f), m.logits(e)
		for c := range got {
			if math.Abs(got[c]-want[c]) > 1e-3 {
				t.Errorf("text %d class %d: table logit %.5f, trained %.5f", i, c, got[c], want[c])
			}
		}
	}
}

func TestCholeskySolve(t *testing.T) {
	a := [][]float64{{4, 2, 0.4}, {2, 5, 1}, {0.4, 1, 3}}
	want := []float64{1, -2, 0.5}
	b := make([]float64, 3)
	for i := range a {
		for j := range a[i] {
			b[i] += a[i][j] * want[j]
		}
	}
	x := choleskySolve(a, b)
	for i := range x {
		if math.Abs(x[i]-want[i]) > 1e-9 {
			t.Fatalf("x = %v, want %v", x, want)
		}
	}
}
