package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/enrich/entities"
	"github.com/earshot-dev/earshot/registry"
)

func TestReadGazetteer(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
		err        string
	}{
		{name: "names", text: "KLM\n@KLM\nMiles & More\n", want: []string{"KLM", "@KLM", "Miles & More"}},
		{name: "no final newline", text: "KLM\n@KLM", want: []string{"KLM", "@KLM"}},
		{name: "empty line", text: "KLM\n\n@KLM\n", err: "line 2 is empty"},
		{name: "empty file", text: "", err: "line 1 is empty"},
		{name: "CRLF", text: "KLM\r\n@KLM\r\n", err: "line 1 ends in CR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "gazetteer.txt")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, sum, err := readGazetteer(path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("names = %q, want %q", got, tt.want)
			}
			if !strings.HasPrefix(sum, filepath.ToSlash(path)+" sha256:") || len(sum) != len(filepath.ToSlash(path))+len(" sha256:")+64 {
				t.Errorf("provenance = %q", sum)
			}
		})
	}
}

// TestWriteGazetteerRoundTrip writes the default registry's names and
// reads them back unchanged.
func TestWriteGazetteerRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gazetteer.txt")
	if err := writeGazetteer(path); err != nil {
		t.Fatal(err)
	}
	got, _, err := readGazetteer(path)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	if want := entities.RegistryNames(reg); !reflect.DeepEqual(got, want) {
		t.Errorf("read back %d names, want the default registry's %d", len(got), len(want))
	}
}
