package httpingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzTokens feeds arbitrary tokens files and Authorization headers
// through loadTokens and check: no panic, every loaded token is at least
// 16 characters, and a header carrying a loaded token is accepted under
// that token's name while a header check never accepts what no line holds.
func FuzzTokens(f *testing.F) {
	for _, seed := range []struct{ file, header string }{
		{"ci 0123456789abcdef0123\n", "Bearer 0123456789abcdef0123"},
		{"# comment\n\n0123456789abcdef0123\n", "bearer  0123456789abcdef0123 "},
		{"a b c\n", "Bearer b"},
		{"short\n", "Bearer short"},
		{"x 0123456789abcdef0123\ny 0123456789abcdef0123\n", "Bearer 0123456789abcdef0123"},
		{"\xff\xfe0123456789abcdef\r\n", "Bearer"},
		{"", ""},
	} {
		f.Add(seed.file, seed.header)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, file, header string) {
		p := filepath.Join(dir, "tokens")
		if err := os.WriteFile(p, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		ts, err := loadTokens(p, "")
		if err != nil {
			if !strings.Contains(err.Error(), "ingest_http.tokens_file") {
				t.Fatalf("error does not name the setting: %v", err)
			}
			return
		}
		if len(ts.names) != len(ts.hashes) {
			t.Fatalf("%d names for %d hashes", len(ts.names), len(ts.hashes))
		}
		name, err := ts.check(header)
		if err != nil {
			if err != errNoToken && err != errBadToken {
				t.Fatalf("check: unexpected error %v", err)
			}
		} else {
			tok := strings.TrimSpace(header[len("bearer "):])
			if len(tok) < 16 || !strings.Contains(file, tok) {
				t.Fatalf("header %q accepted as %q, but the file holds no such token", header, name)
			}
		}
		// Every token the file holds is accepted under its name.
		for i, n := range ts.names {
			for _, line := range strings.Split(file, "\n") {
				fs := strings.Fields(line)
				if len(fs) == 0 || strings.HasPrefix(fs[0], "#") {
					continue
				}
				tok := fs[len(fs)-1]
				if len(fs) == 2 && fs[0] == n {
					got, err := ts.check("Bearer " + tok)
					if err != nil {
						t.Fatalf("token %d (%s) of the file is refused: %v", i, n, err)
					}
					_ = got // an earlier line may hold the same token under another name
				}
			}
		}
	})
}
