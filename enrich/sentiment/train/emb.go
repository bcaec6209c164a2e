package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/earshot-dev/earshot/enrich/sentiment"
)

// Word-vector features (with -glove).
var (
	gv        *vectors // nil without -glove
	avgMode   string   // "", "all", "neg", "unrated", "unratedneg"
	nClusters int
	topN      int
	embScale  = 1.0
	nX        int // len(example.x)
)

// Bits of sentiment.Features.Words entries.
const (
	wordNegated = 2
	wordRated   = 1
)

// embVocab returns, by GloVe id, whether a word gets a table entry: the
// topN most frequent words and every word that occurs in sets.
func embVocab(g *vectors, topN int, sets ...[]example) []bool {
	keep := make([]bool, len(g.words))
	for i := range min(topN, len(keep)) {
		keep[i] = true
	}
	for _, set := range sets {
		for _, e := range set {
			for _, w := range e.words {
				keep[w>>2] = true
			}
		}
	}
	return keep
}

// clusterCache holds embClusters' results by k (the clustering does not
// depend on the training seed).
var clusterCache = map[int][]int32{}

// kmeansIterations bounds k-means.
const kmeansIterations = 15

// clusterSeed seeds k-means (fixed: the clusters do not depend on -seed).
const clusterSeed = 20261122

// embClusters returns, by GloVe id, the k-means cluster of each kept word
// (-1 for the others), or nil when k is 0.
func embClusters(g *vectors, keep []bool, k int) []int32 {
	if k <= 0 {
		return nil
	}
	if c, ok := clusterCache[k]; ok {
		return c
	}
	// $EARSHOT_KMEANS_CACHE (experiments): a folder keeping the clusters
	// between runs, by k, vocabulary size and tarball (k-means is
	// deterministic, so a cached result equals a computed one).
	cacheFile := ""
	if dir := os.Getenv("EARSHOT_KMEANS_CACHE"); dir != "" {
		n := 0
		for _, ok := range keep {
			if ok {
				n++
			}
		}
		cacheFile = filepath.Join(dir, fmt.Sprintf("kmeans-%s-%d-%d-%d-%d.bin", g.sha256[:12], k, n, kmeansIterations, clusterSeed))
		if b, err := os.ReadFile(cacheFile); err == nil && len(b) == 4*len(keep) {
			byID := make([]int32, len(keep))
			for i := range byID {
				byID[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
			}
			clusterCache[k] = byID
			fmt.Printf("k-means: %d clusters read from %s\n", k, cacheFile)
			return byID
		}
	}
	var ids []int32
	for id, ok := range keep {
		if ok {
			ids = append(ids, int32(id))
		}
	}
	pts := make([]float32, len(ids)*g.dims)
	for i, id := range ids {
		copy(pts[i*g.dims:], g.vec(id))
	}
	assign, iters := kmeans(pts, g.dims, k, kmeansIterations, clusterSeed)
	fmt.Printf("k-means: %d words, %d clusters, %d iterations\n", len(ids), k, iters)
	byID := make([]int32, len(keep))
	for i := range byID {
		byID[i] = -1
	}
	for i, id := range ids {
		byID[id] = assign[i]
	}
	clusterCache[k] = byID
	if cacheFile != "" {
		b := make([]byte, 4*len(byID))
		for i, c := range byID {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(c))
		}
		if err := os.WriteFile(cacheFile, b, 0o644); err != nil {
			fmt.Println("k-means cache:", err)
		}
	}
	return byID
}

// kmeans clusters the n = len(pts)/dims points by cosine similarity
// (spherical k-means: unit vectors, centroids renormalised) into k
// clusters, for at most maxIter iterations or until no point moves. The
// initial centroids are k distinct points drawn with seed. It runs on one
// goroutine and is deterministic.
func kmeans(pts []float32, dims, k, maxIter int, seed uint64) (assign []int32, iters int) {
	n := len(pts) / dims
	k = min(k, n)
	unit := make([]float32, len(pts))
	copy(unit, pts)
	for i := range n {
		normalise(unit[i*dims : (i+1)*dims])
	}
	cent := make([]float32, k*dims)
	perm := rand.New(rand.NewPCG(seed, 0xc1)).Perm(n)
	for c := range k {
		copy(cent[c*dims:(c+1)*dims], unit[perm[c]*dims:(perm[c]+1)*dims])
	}
	assign = make([]int32, n)
	for i := range assign {
		assign[i] = -1
	}
	sum := make([]float64, k*dims)
	count := make([]int, k)
	for iters = 1; iters <= maxIter; iters++ {
		moved := 0
		for i := range n {
			p := unit[i*dims : (i+1)*dims]
			best, bestDot := int32(0), float32(math.Inf(-1))
			for c := range k {
				if d := dot(p, cent[c*dims:(c+1)*dims]); d > bestDot {
					best, bestDot = int32(c), d
				}
			}
			if assign[i] != best {
				assign[i] = best
				moved++
			}
		}
		if moved == 0 {
			break
		}
		clear(sum)
		clear(count)
		for i, c := range assign {
			count[c]++
			for d, v := range unit[i*dims : (i+1)*dims] {
				sum[int(c)*dims+d] += float64(v)
			}
		}
		for c := range k {
			if count[c] == 0 {
				continue // an empty cluster keeps its centroid
			}
			row := cent[c*dims : (c+1)*dims]
			for d := range row {
				row[d] = float32(sum[c*dims+d])
			}
			normalise(row)
		}
	}
	return assign, min(iters, maxIter)
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

func normalise(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := 1 / math.Sqrt(s)
	for i := range v {
		v[i] = float32(float64(v[i]) * inv)
	}
}

// avgUses reports whether the average word vector of mode takes a word
// (a sentiment.Features.Words entry), and with which sign.
func avgUses(mode string, w int32) (use bool, sign float32) {
	sign = 1
	if (mode == "neg" || mode == "unratedneg") && w&wordNegated != 0 {
		sign = -1
	}
	if (mode == "unrated" || mode == "unratedneg") && w&wordRated != 0 {
		return false, 0
	}
	return mode != "", sign
}

// embFeatures sets e.x (the average word vector, scaled by embScale) and
// adds the cluster features to e.idx, from the words of e in the
// vocabulary.
func embFeatures(e *example, g *vectors, keep []bool, clusters []int32, mask uint64) {
	var sum []float64
	if avgMode != "" {
		sum = make([]float64, g.dims)
	}
	n := 0
	for _, w := range e.words {
		id := w >> 2
		if !keep[id] {
			continue
		}
		if clusters != nil {
			e.idx = append(e.idx, uint32(sentiment.ClusterFeature(clusters[id], w&wordNegated != 0)&mask))
		}
		if use, sign := avgUses(avgMode, w); use {
			n++
			for d, v := range g.vec(id) {
				sum[d] += float64(sign * v)
			}
		}
	}
	if n > 0 {
		e.avg = make([]float32, g.dims)
		for d := range sum {
			e.avg[d] = float32(sum[d] / float64(n) * embScale)
		}
	}
	e.x = e.avg
}

// stackL2 is the stack's L2 (-x-stackl2).
var stackL2 = 1e-5

// stackEpochs: with -x-stack, the epochs of the logistic regression over
// the average word vector whose logits replace it as features.
var stackEpochs int

// stack is a multinomial logistic regression over example.avg.
type stack struct {
	w [][sentiment.NumClasses]float64
	b [sentiment.NumClasses]float64
}

// fitStack fits a stack on the rows of set that have an average vector
// (AdaGrad, class weights (n/(3·n_c))^0.5, L2 1e-5).
func fitStack(set []example, seed uint64) *stack {
	var rows []int
	var count [sentiment.NumClasses]float64
	dims := 0
	for i, e := range set {
		if e.avg != nil {
			rows = append(rows, i)
			count[e.y]++
			dims = len(e.avg)
		}
	}
	st := &stack{w: make([][sentiment.NumClasses]float64, dims)}
	var cw [sentiment.NumClasses]float64
	for c := range cw {
		cw[c] = math.Sqrt(float64(len(rows)) / (3 * max(count[c], 1)))
	}
	gw := make([][sentiment.NumClasses]float64, dims)
	var gb [sentiment.NumClasses]float64
	const rate = 0.05
	l2 := stackL2
	rng := rand.New(rand.NewPCG(seed, 0x57ac))
	for range stackEpochs {
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		for _, k := range rows {
			e := set[k]
			z := st.logits(e.avg)
			p := sentiment.Softmax(z)
			for c := range p {
				g := p[c] * cw[e.y]
				if c == e.y {
					g -= cw[e.y]
				}
				adagrad(&st.b[c], &gb[c], g, rate)
				for d, v := range e.avg {
					gg := g*float64(v) + l2*st.w[d][c]
					adagrad(&st.w[d][c], &gw[d][c], gg, rate)
				}
			}
		}
	}
	return st
}

func (st *stack) logits(avg []float32) [sentiment.NumClasses]float64 {
	z := st.b
	for d, v := range avg {
		for c := range z {
			z[c] += float64(v) * st.w[d][c]
		}
	}
	return z
}

// apply sets x of every row of set to the stack's logits without the
// bias (a linear function of avg; nil without avg).
func (st *stack) apply(set []example) {
	for i := range set {
		e := &set[i]
		e.x = nil
		if e.avg == nil {
			continue
		}
		z := st.logits(e.avg)
		e.x = make([]float32, sentiment.NumClasses)
		for c := range z {
			e.x[c] = float32(z[c] - st.b[c])
		}
	}
}

// wordTable folds the word-vector features of m into per-word scores: as
// the model is linear, the average vector's contribution to the logits,
// Σ_k x_k·W[k][c], equals the average over the words of p_c(word), where
// p_c(word) is the same sum over the word's own vector (through the stack
// when there is one). The table holds the vocabulary words in byte order.
func wordTable(g *vectors, keep []bool, clusters []int32, m *lr, st *stack) *sentiment.WordTable {
	var ids []int32
	for id, ok := range keep {
		if ok {
			ids = append(ids, int32(id))
		}
	}
	slices.SortFunc(ids, func(a, b int32) int { return strings.Compare(g.words[a], g.words[b]) })
	t := &sentiment.WordTable{Words: make([]string, len(ids)), Scores: make([]float32, len(ids)*sentiment.NumClasses)}
	if clusters != nil {
		t.Clusters = make([]uint16, len(ids))
	}
	for i, id := range ids {
		t.Words[i] = g.words[id]
		if clusters != nil {
			t.Clusters[i] = uint16(clusters[id])
		}
		if avgMode == "" {
			continue
		}
		p := wordScores(g.vec(id), m, st)
		for c := range p {
			t.Scores[i*sentiment.NumClasses+c] = float32(p[c])
		}
	}
	return t
}

// wordScores is p_c(word) for the word vector v (see wordTable).
func wordScores(v []float32, m *lr, st *stack) [sentiment.NumClasses]float64 {
	x := make([]float64, len(v))
	for d := range v {
		x[d] = float64(v[d]) * embScale
	}
	if st != nil {
		var z [sentiment.NumClasses]float64
		for d, xv := range x {
			for k := range z {
				z[k] += xv * st.w[d][k]
			}
		}
		x = z[:]
	}
	var p [sentiment.NumClasses]float64
	for k, xv := range x {
		for c := range p {
			p[c] += xv * m.xw[k][c]
		}
	}
	return p
}

// foldingError reads the weights file data and returns the largest
// difference between its logits and m's over set (whose x and idx were
// made for m).
func foldingError(data []byte, set []example, m *lr) (float64, error) {
	sm, err := sentiment.ReadModel(bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	enr, err := sentiment.NewWithModel(sentiment.DefaultConfig(), sm)
	if err != nil {
		return 0, err
	}
	var f sentiment.Features
	worst := 0.0
	for _, e := range set {
		enr.Featurize(e.text, &f)
		a, b := sm.Logits(&f), m.logits(e)
		for c := range a {
			worst = max(worst, math.Abs(a[c]-b[c]))
		}
	}
	return worst, nil
}

// lexVecMin: with -x-lexvec T > 0, the lexicon extended by the word
// vectors: a ridge regression from a word's vector to its VADER valence
// (fitted on VADER's rated words and, with valence 0, the most frequent
// unrated words) predicts a valence for every vocabulary word; words no
// lexicon rates whose |prediction| ≥ T add it to two sums (negated in
// scope), the features x = [positive sum / 8, negative sum / 8], capped at 1.
var lexVecMin float64

// lexVecNeutral is the number of most frequent unrated GloVe words fitted
// with valence 0.
const lexVecNeutral = 20000

// lexVec returns the predicted valence by GloVe id (0 outside keep).
func lexVec(g *vectors, keep []bool, lexicon map[string]float64) []float32 {
	dims := g.dims + 1 // and a bias
	var rows [][]float64
	var ys []float64
	add := func(id int32, y float64) {
		r := make([]float64, dims)
		for d, v := range g.vec(id) {
			r[d] = float64(v)
		}
		r[g.dims] = 1
		rows = append(rows, r)
		ys = append(ys, y)
	}
	rated, neutral := 0, 0
	for id, w := range g.words {
		if v, ok := lexicon[w]; ok && v != 0 {
			add(int32(id), v)
			rated++
		} else if neutral < lexVecNeutral {
			add(int32(id), 0)
			neutral++
		}
	}
	// Ridge: (XᵀX + λI) w = Xᵀy, by Cholesky.
	const lambda = 1.0
	a := make([][]float64, dims)
	b := make([]float64, dims)
	for i := range a {
		a[i] = make([]float64, dims)
		a[i][i] = lambda
	}
	for k, r := range rows {
		for i := range dims {
			b[i] += r[i] * ys[k]
			for j := range dims {
				a[i][j] += r[i] * r[j]
			}
		}
	}
	w := choleskySolve(a, b)
	pred := make([]float32, len(g.words))
	for id, ok := range keep {
		if !ok {
			continue
		}
		s := w[g.dims]
		for d, v := range g.vec(int32(id)) {
			s += w[d] * float64(v)
		}
		pred[id] = float32(s)
	}
	n05, n10 := 0, 0
	for id, v := range pred {
		if keep[id] && math.Abs(float64(v)) >= 0.5 {
			n05++
			if math.Abs(float64(v)) >= 1 {
				n10++
			}
		}
	}
	fmt.Printf("lexicon by word vectors: fitted on %d rated and %d neutral words; %d vocabulary words with |valence| ≥ 0.5, %d ≥ 1\n", rated, neutral, n05, n10)
	return pred
}

// choleskySolve solves a·x = b for a symmetric positive-definite a
// (overwritten).
func choleskySolve(a [][]float64, b []float64) []float64 {
	n := len(b)
	for j := range n {
		s := a[j][j]
		for k := range j {
			s -= a[j][k] * a[j][k]
		}
		a[j][j] = math.Sqrt(s)
		for i := j + 1; i < n; i++ {
			s := a[i][j]
			for k := range j {
				s -= a[i][k] * a[j][k]
			}
			a[i][j] = s / a[j][j]
		}
	}
	y := make([]float64, n)
	for i := range n {
		s := b[i]
		for k := range i {
			s -= a[i][k] * y[k]
		}
		y[i] = s / a[i][i]
	}
	x := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < n; k++ {
			s -= a[k][i] * x[k]
		}
		x[i] = s / a[i][i]
	}
	return x
}

// lexVecFeatures sets e.x from the predicted valences (see lexVecMin).
func lexVecFeatures(e *example, keep []bool, pred []float32) {
	var pos, neg float64
	for _, w := range e.words {
		id := w >> 2
		if !keep[id] || w&wordRated != 0 {
			continue
		}
		v := float64(pred[id])
		if math.Abs(v) < lexVecMin {
			continue
		}
		if w&wordNegated != 0 {
			v *= -0.74
		}
		if v > 0 {
			pos += v
		} else {
			neg -= v
		}
	}
	e.x = []float32{float32(min(pos/8, 1)), float32(min(neg/8, 1))}
}

// stacking reports whether the average word vector goes through a stack.
func stacking() bool { return avgMode != "" && stackEpochs > 0 }
