package promconfig_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	promconfig "github.com/earshot-dev/earshot/deploy/prometheus"
	"github.com/earshot-dev/earshot/internal/testenv"
)

func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus): rules not checked")
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func TestRulesCheck(t *testing.T) {
	out := run(t, promtool(t), "check", "rules", "earshot.rules.yml")
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool check rules:\n%s", out)
	}
}

// The unit tests of the rules (earshot.rules.test.yml) pass.
func TestRulesUnitTests(t *testing.T) {
	out := run(t, promtool(t), "test", "rules", "earshot.rules.test.yml")
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules:\n%s", out)
	}
}

func TestEmbeddedRulesAreTheFile(t *testing.T) {
	b, err := os.ReadFile("earshot.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, promconfig.Rules) {
		t.Error("embedded rules differ from earshot.rules.yml")
	}
}

// Every earshot metric a rule uses is defined in earshot's code: its
// subsystem and the rest of its name appear in a non-test Go file.
func TestRulesUseExistingMetrics(t *testing.T) {
	root := testenv.RepoRoot(t)
	var src bytes.Buffer
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".earshot" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			src.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	code := src.String()
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`earshot_[a-z_]+`).FindAllString(string(promconfig.Rules), -1) {
		names[m] = true
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	if len(sorted) < 8 {
		t.Fatalf("only %d metrics found in the rules: %v", len(sorted), sorted)
	}
	defined := func(name string) (subsystem, rest string, ok bool) {
		parts := strings.SplitN(strings.TrimPrefix(name, "earshot_"), "_", 2)
		if len(parts) != 2 {
			return "", "", false
		}
		named := regexp.MustCompile(`Name:\s+"` + regexp.QuoteMeta(parts[1]) + `"`).MatchString(code)
		return parts[0], parts[1], named && strings.Contains(code, `"`+parts[0]+`"`)
	}
	for _, n := range sorted {
		sub, rest, ok := defined(n)
		// A histogram's series carry a suffix its definition does not.
		for _, suffix := range []string{"_sum", "_count", "_bucket"} {
			if base, cut := strings.CutSuffix(n, suffix); cut && !ok {
				_, _, ok = defined(base)
			}
		}
		if !ok {
			t.Errorf("%s: no metric %q of subsystem %q in the code", n, rest, sub)
		}
	}
}
