package registry_test

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/registry"
)

func mustDefault(tb testing.TB) *registry.Registry {
	tb.Helper()
	reg, err := registry.Default()
	if err != nil {
		tb.Fatalf("the embedded default registry does not load: %v", err)
	}
	return reg
}

// The brands DESIGN.md names, by the handle customers address them with.
var namedBrands = []struct{ handle, id string }{
	{"KLM", "klm"},
	{"lufthansa", "lufthansa"},
	{"airfrance", "air_france"},
	{"O2", "o2"},
	{"Tesco", "tesco"},
	{"sainsburys", "sainsburys"},
	{"BarclaysUK", "barclays"},
	{"Ocado", "ocado"},
	{"DirectLineUK", "direct_line"},
	{"nextofficial", "next"},
	{"giffgaff", "giffgaff"},
	{"AppleSupport", "applesupport"},
	{"AmazonHelp", "amazonhelp"},
	{"Delta", "delta"},
	{"British_Airways", "british_airways"},
	{"SpotifyCares", "spotifycares"},
}

func TestDefaultNamedBrands(t *testing.T) {
	reg := mustDefault(t)
	for _, nb := range namedBrands {
		b, ok := reg.ByHandle("x", nb.handle)
		if !ok {
			t.Errorf("default registry: no brand owns x@%s", nb.handle)
			continue
		}
		if b.ID != nb.id {
			t.Errorf("x@%s belongs to %q, want %q", nb.handle, b.ID, nb.id)
		}
		if len(b.Competitors) == 0 {
			t.Errorf("brand %q has no competitors: a leaderboard needs a peer set", b.ID)
		}
	}
}

// TestDefaultInvariants checks what every entry of the shipped registry
// promises: an SLA, aliases, context words for ambiguous names, handles
// that resolve back to the brand on x, twcs and sim, and a peer in its sector.
func TestDefaultInvariants(t *testing.T) {
	reg := mustDefault(t)
	bySector := map[string][]string{}
	withPeers := map[string]bool{}
	for i := range reg.Brands {
		b := &reg.Brands[i]
		bySector[b.Sector] = append(bySector[b.Sector], b.ID)
		if b.SLA.FirstResponse <= 0 {
			t.Errorf("brand %q: no sla.first_response", b.ID)
		}
		if len(b.Aliases) == 0 {
			t.Errorf("brand %q: no aliases", b.ID)
		}
		if len(b.Handles["x"]) == 0 {
			t.Errorf("brand %q: no x handle", b.ID)
		}
		for platform, hs := range b.Handles {
			for _, h := range hs {
				got, ok := reg.ByHandle(platform, h)
				if !ok || got != b {
					t.Errorf("brand %q: ByHandle(%q, %q) does not return it", b.ID, platform, h)
				}
				if platform == "x" {
					for _, shared := range []string{"twcs", "sim"} {
						if got, ok := reg.ByHandle(shared, strings.ToUpper(h)); !ok || got != b {
							t.Errorf("brand %q: x handle %q does not serve %s", b.ID, h, shared)
						}
					}
				}
			}
		}
		if len(b.Competitors) > 0 {
			withPeers[b.Sector] = true
		}
	}
	for sector, ids := range bySector {
		if !withPeers[sector] {
			t.Errorf("sector %q (%v): no brand lists competitors; add a peer set", sector, ids)
		}
	}
	if len(reg.Brands) < 90 {
		t.Errorf("the default registry has %d brands; it should cover the named brands, their peers and every twcs support account", len(reg.Brands))
	}
	// DefaultYAML is the text Default parsed.
	again, err := registry.Parse(registry.DefaultYAML())
	if err != nil || len(again.Brands) != len(reg.Brands) {
		t.Fatalf("DefaultYAML does not parse to the default registry: %v", err)
	}
}

// TestDefaultCoversTWCS checks that every brand account writing in the
// Customer Support on Twitter data resolves to the brand whose id is the
// account name in lower case.
func TestDefaultCoversTWCS(t *testing.T) {
	dir := datasetsDir(t)
	reg := mustDefault(t)
	accounts := map[string]int{}
	for _, name := range []string{"twcs_first5000.csv", "sample.csv"} {
		path := filepath.Join(dir, "twcs", name)
		n := twcsBrandAccounts(t, path, accounts)
		if n == 0 {
			t.Fatalf("%s: no brand-authored rows found; has the file's format changed?", path)
		}
	}
	ids := make([]string, 0, len(accounts))
	for id := range accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, platform := range []string{"twcs", "x"} {
			b, ok := reg.ByHandle(platform, id)
			if !ok {
				t.Errorf("twcs account %s (%d posts): no brand owns %s@%s; add an entry with id %q", id, accounts[id], platform, id, strings.ToLower(id))
				continue
			}
			if b.ID != strings.ToLower(id) {
				t.Errorf("twcs account %s resolves to brand %q, want id %q", id, b.ID, strings.ToLower(id))
			}
		}
	}
	t.Logf("%d twcs brand accounts resolve: %s", len(ids), strings.Join(ids, " "))
}

// twcsBrandAccounts adds the non-numeric author ids of a twcs CSV file (the
// brands' own accounts; customers are numbered) and returns the rows read.
func twcsBrandAccounts(tb testing.TB, path string, into map[string]int) int {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	col := -1
	for i, h := range header {
		if h == "author_id" {
			col = i
		}
	}
	if col < 0 {
		tb.Fatalf("%s: no author_id column in %v", path, header)
	}
	rows := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if col >= len(rec) {
			tb.Fatalf("%s: short row %v", path, rec)
		}
		rows++
		id := rec[col]
		if _, err := strconv.ParseUint(id, 10, 64); err == nil || id == "" {
			continue // a customer
		}
		into[id]++
	}
	return rows
}

// datasetsDir finds ../shared/datasets next to the repository root, or skips
// the test when it is absent (a user's clone does not have it).
func datasetsDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("repository root (go.mod) not found")
		}
		dir = parent
	}
	ds := filepath.Join(dir, "..", "shared", "datasets")
	if fi, err := os.Stat(ds); err != nil || !fi.IsDir() {
		tb.Skipf("data sets not available at %s", ds)
	}
	return ds
}
