package registry_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/registry"
)

// FuzzParse: Parse never panics, and whatever it accepts is consistent:
// every brand is found by its id and by each of its handles.
func FuzzParse(f *testing.F) {
	// The head of the default registry (a few brands, with its YAML anchors):
	// the whole file is too large for the mutator to explore quickly.
	f.Add(head(registry.DefaultYAML(), 5))
	f.Add([]byte(lookupYAML))
	files, _ := filepath.Glob(filepath.Join("testdata", "*.bad.yaml"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("brands: [{id: a, name: A, sector: s, handles: {x: [a]}, support_hours: {tz: UTC, days: {mon: [\"00:00-24:00\"]}}}]"))
	f.Add([]byte("brands: &a [*a]"))
	f.Add([]byte("brands:\n  - &b {id: a, name: A, sector: s, handles: {x: [a]}}\n  - *b\n"))
	at := []time.Time{
		time.Date(2017, 10, 31, 22, 10, 47, 0, time.UTC),
		time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		reg, err := registry.Parse(data)
		if err != nil {
			if reg != nil {
				t.Fatalf("Parse returned a registry and an error: %v", err)
			}
			return
		}
		if len(reg.Brands) == 0 {
			t.Fatal("Parse accepted a registry without brands")
		}
		if len(reg.IDs()) != len(reg.Brands) {
			t.Fatalf("IDs() has %d ids for %d brands", len(reg.IDs()), len(reg.Brands))
		}
		for i := range reg.Brands {
			b := &reg.Brands[i]
			if got, ok := reg.ByID(b.ID); !ok || got != b {
				t.Fatalf("ByID(%q) does not return brand %d", b.ID, i)
			}
			for platform, hs := range b.Handles {
				for _, h := range hs {
					if got, ok := reg.ByHandle(platform, h); !ok || got != b {
						t.Fatalf("ByHandle(%q, %q) does not return brand %q", platform, h, b.ID)
					}
				}
			}
			for _, c := range b.Competitors {
				if _, ok := reg.ByID(c); !ok || c == b.ID {
					t.Fatalf("brand %q: accepted competitor %q", b.ID, c)
				}
			}
			for _, tm := range at {
				b.SupportHours.Open(tm)
			}
		}
	})
}

// head returns data up to its n-th brand entry.
func head(data []byte, n int) []byte {
	off := 0
	for range n {
		i := bytes.Index(data[off+1:], []byte("\n  - id:"))
		if i < 0 {
			return data
		}
		off += 1 + i
	}
	return data[:off+1]
}
