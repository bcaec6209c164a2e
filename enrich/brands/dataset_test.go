package brands_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

// datasets returns ../shared/datasets beside the repository root, or skips.
func datasets(tb testing.TB) string {
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
			tb.Skip("repository root not found")
		}
		dir = parent
	}
	ds := filepath.Join(filepath.Dir(dir), "shared", "datasets")
	if _, err := os.Stat(ds); err != nil {
		tb.Skipf("datasets not available at %s", ds)
	}
	return ds
}

var leadingHandles = regexp.MustCompile(`^(\s*@\w+)+`)

// TestTWCS runs the default registry over the first 5,000 rows of the
// Customer Support on Twitter data set, in time order, and compares the
// direction found with the data set's own "inbound" flag (customer or
// company author). It logs the figures; run with -v to see them.
func TestTWCS(t *testing.T) {
	f, err := os.Open(filepath.Join(datasets(t), "twcs", "twcs_first5000.csv"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	_, e := defaultEnricher(t)
	type rec struct {
		m       *mention.Mention
		inbound bool
	}
	var recs []rec
	for _, r := range rows[1:] {
		at, err := time.Parse("Mon Jan 02 15:04:05 -0700 2006", r[4])
		if err != nil || r[5] == "" {
			continue
		}
		m := &mention.Mention{V: 1, ID: "twcs:" + r[1], Platform: "twcs", NativeID: r[1], CreatedAt: at.UTC(), IngestedAt: at.UTC(),
			Source: "twcs", Author: mention.Author{ID: r[2]}, Text: r[5], ConversationID: "twcs:" + r[1]}
		if v, err := strconv.ParseFloat(r[7], 64); err == nil {
			m.InReplyTo = "twcs:" + strconv.FormatInt(int64(v), 10)
		}
		recs = append(recs, rec{m, r[3] == "True"})
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].m.CreatedAt.Before(recs[j].m.CreatedAt) })
	var company, companyBrand, companyOut, customer, customerIn, customerOther int
	var toBrand, toBrandByReply int
	unknown := map[string]int{}
	brandPost := map[string]bool{}
	brandOf := map[string]string{}
	for _, r := range recs {
		if !r.inbound {
			brandPost[r.m.ID] = true
		}
	}
	for _, r := range recs {
		// A reply to a brand post with its leading @handles removed (as X
		// shows replies) must still be found as addressed to the brand,
		// by the reply alone.
		if r.inbound && brandPost[r.m.InReplyTo] {
			c := *r.m
			c.Text = strings.TrimLeft(leadingHandles.ReplaceAllString(c.Text, ""), " ")
			if c.Text == "" {
				c.Text = "."
			}
			if err := e.Enrich(context.Background(), &c); err != nil {
				t.Fatal(err)
			}
			toBrand++
			found := false
			for _, b := range c.Brands {
				found = found || b.Addressed && b.Brand == brandOf[c.InReplyTo]
			}
			if c.Direction == mention.DirectionInbound && found {
				toBrandByReply++
			}
		}
		if err := e.Enrich(context.Background(), r.m); err != nil {
			t.Fatal(err)
		}
		if !r.inbound {
			brandOf[r.m.ID] = r.m.AuthorBrand
			company++
			if r.m.AuthorBrand != "" {
				companyBrand++
			} else {
				unknown[r.m.Author.ID]++
			}
			if r.m.Direction == mention.DirectionOutbound {
				companyOut++
			}
			continue
		}
		customer++
		if r.m.Direction == mention.DirectionInbound {
			customerIn++
		} else {
			customerOther++
		}
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(1, b)) }
	t.Logf("company posts: %d, author brand found %.1f%%, outbound %.1f%%; accounts not in the registry: %v", company, pct(companyBrand, company), pct(companyOut, company), unknown)
	t.Logf("customer posts: %d, inbound %.1f%%, other %.1f%% (most address a company by an anonymised numeric id)", customer, pct(customerIn, customer), pct(customerOther, customer))
	t.Logf("customer replies to brand posts: %d, addressed to the parent's brand once their leading @handles are removed: %.1f%%", toBrand, pct(toBrandByReply, toBrand))
	if pct(companyOut, company) < 90 || pct(customerIn, customer) < 70 || pct(toBrandByReply, toBrand) < 99 {
		t.Errorf("outbound %.1f%% of company posts (guard 90%%), inbound %.1f%% of customer posts (guard 70%%), replies found %.1f%% (guard 99%%)",
			pct(companyOut, company), pct(customerIn, customer), pct(toBrandByReply, toBrand))
	}
}
