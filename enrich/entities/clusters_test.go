package entities

import (
	"bytes"
	"compress/gzip"
	"testing"
)

// TestReadClusters: a clusters file's words are found by their tokens'
// hashes (any case) with their paths; words that are not one token, or
// are of a class without clusters, are left out; a bad line is an error.
func TestReadClusters(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	c, err := readClusters(bytes.NewReader(gz("# header\nlondon\t00a\nparis\t00b\nnew york\t001\n@klm\t002\n1990\t3ff\n!\t005\n")))
	if err != nil {
		t.Fatal(err)
	}
	for w, want := range map[string]uint16{"London": clusMark | 0x00a, "paris": clusMark | 0x00b, "1990": clusMark | 0x3ff, "@klm": 0, "new": 0, "Berlin": 0, "!": clusMark | 0x005} {
		if got := c.lookupClus(hashLower(w), classify(w)); got != want {
			t.Errorf("%q: %#x, want %#x", w, got, want)
		}
	}
	for _, bad := range []string{"x\t400\n", "x\tzz\n", "x\n"} {
		if _, err := readClusters(bytes.NewReader(gz(bad))); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// The embedded file.
	e, err := wordClusters()
	if err != nil {
		t.Fatal(err)
	}
	l, p := e.lookupClus(hashLower("London"), clsInitCap), e.lookupClus(hashLower("Paris"), clsInitCap)
	if l == 0 || p == 0 || l>>4 != p>>4 {
		t.Errorf("london %#x, paris %#x: want one coarse cluster", l, p)
	}
	if len(e.slots) > 1<<18 {
		t.Errorf("cluster table of %d slots, want at most 2^18 (1 MB)", len(e.slots))
	}
	if ClustersSHA256() == "" {
		t.Error("no SHA-256")
	}
}
