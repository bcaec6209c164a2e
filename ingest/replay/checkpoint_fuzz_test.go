package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadCheckpoint: whatever a checkpoint file holds (it lives on disk
// between runs and may be truncated or edited), readCheckpoint returns a
// checkpoint with a non-negative position of this version, or an error
// that tells the user to delete it — never a panic.
func FuzzReadCheckpoint(f *testing.F) {
	for _, seed := range []string{
		`{"version":1,"input":"/a.jsonl","format":"jsonl","size":10,"sha256":"ab","total":3,"position":2,"published":2}`,
		`{"version":2}`,
		`{"version":1,"position":-1}`,
		`{"version":1,"position":1e30}`,
		`{"version":1`,
		``,
		`null`,
		`[]`,
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "ckpt.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := readCheckpoint(p)
		if err != nil {
			if !strings.Contains(err.Error(), "delete it") {
				t.Fatalf("error does not say what to do: %v", err)
			}
			return
		}
		if c == nil {
			t.Fatal("an existing file gave no checkpoint and no error")
		}
		if c.Version != checkpointVersion || c.Position < 0 {
			t.Fatalf("accepted checkpoint version %d position %d", c.Version, c.Position)
		}
		_ = c.mismatch("jsonl", "", 10, "ab")
	})
}

// FuzzParseMap: the --map flag (ingest.replay.csv.map) parses to a
// non-empty mapping of known fields to non-empty columns, or an error
// naming the flag.
func FuzzParseMap(f *testing.F) {
	for _, seed := range []string{
		"id=tweet_id,text=body,created_at=date",
		"extra.lang=language",
		"text=",
		"text=a,text=b",
		",,,",
		"nope=x",
		"text = body , id= n ",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMap(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--map: ") {
				t.Fatalf("error does not name the flag: %v", err)
			}
			return
		}
		if len(m) == 0 {
			t.Fatal("empty mapping accepted")
		}
		for field, col := range m {
			if !validCSVField(field) || col == "" || strings.TrimSpace(col) != col {
				t.Fatalf("accepted %q=%q", field, col)
			}
		}
	})
}
