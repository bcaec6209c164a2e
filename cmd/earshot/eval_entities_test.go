package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/internal/testenv"
)

// evalLines parses name=value lines.
func evalLines(t *testing.T, out string) (map[string]string, string) {
	t.Helper()
	kv := map[string]string{}
	last := ""
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("line %q is not name=value", l)
		}
		kv[k] = v
		last = k
	}
	return kv, last
}

func TestEvalEntitiesFixture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "small.conll")
	// Tokens the tagger is sure of, and one gold entity no tagger finds
	// ("zzyzx" as an organisation), so recall must be below 1.
	data := "John\tB-PER\nSmith\tI-PER\nflew\tO\nto\tO\nLondon\tB-LOC\nyesterday\tO\n\nzzyzx\tB-ORG\nagain\tO\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "eval", "entities", "--data", path, "--format", "conll")
	if err != nil {
		t.Fatal(err)
	}
	kv, last := evalLines(t, out)
	if last != "entity_f1" {
		t.Errorf("last line %q, want entity_f1", last)
	}
	for k, want := range map[string]string{"scheme": "btc", "sentences": "2", "tokens": "8", "gold_entities": "3", "person_support": "1", "place_support": "1", "organisation_support": "1"} {
		if kv[k] != want {
			t.Errorf("%s=%s, want %s", k, kv[k], want)
		}
	}
	rec, _ := strconv.ParseFloat(kv["recall"], 64)
	f1, _ := strconv.ParseFloat(kv["entity_f1"], 64)
	if rec < 0.6 || rec > 0.67 || f1 <= 0 || f1 > 1 {
		t.Errorf("recall %v, F1 %v: want John Smith and London found, zzyzx missed\n%s", rec, f1, out)
	}
	for _, ty := range []string{"person", "place", "organisation", "product"} {
		for _, m := range []string{"precision", "recall", "f1"} {
			v, err := strconv.ParseFloat(kv[ty+"_"+m], 64)
			if err != nil || v < 0 || v > 1 {
				t.Errorf("%s_%s=%q, want a fraction", ty, m, kv[ty+"_"+m])
			}
		}
	}
}

func TestEvalEntitiesErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.conll")
	os.WriteFile(path, []byte("word\tB-WEIRD\n"), 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "entities"}, "--data FILE is required"},
		{[]string{"eval", "entities", "--data", path, "--format", "json"}, "want conll"},
		{[]string{"eval", "entities", "--data", path}, "no scheme has the types WEIRD"},
		{[]string{"eval", "entities", "--data", path, "--scheme", "nope"}, "--scheme \"nope\""},
	} {
		_, err := runCLI(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.args, err, tt.want)
		}
	}
}

// TestEvalEntitiesDatasets runs the command on the held-out development
// files when the shared data sets are present.
func TestEvalEntitiesDatasets(t *testing.T) {
	dir := testenv.Datasets(t)
	for _, tt := range []struct{ file, scheme string }{
		{"ner/wnut17/emerging.dev.conll", "wnut17"},
		{"ner/broad_twitter_corpus/btc.dev.conll", "btc"},
	} {
		out, err := runCLI(t, "eval", "entities", "--data", filepath.Join(dir, tt.file), "--format", "conll")
		if err != nil {
			t.Fatal(err)
		}
		kv, _ := evalLines(t, out)
		if kv["scheme"] != tt.scheme {
			t.Errorf("%s: scheme %s, want %s", tt.file, kv["scheme"], tt.scheme)
		}
		f1, err := strconv.ParseFloat(kv["entity_f1"], 64)
		if err != nil || f1 < 0.25 {
			t.Errorf("%s: entity_f1=%s", tt.file, kv["entity_f1"])
		}
		t.Logf("%s: entity_f1=%s", tt.file, kv["entity_f1"])
	}
}
