package reasons_test

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshot-dev/earshot/enrich/reasons"
	"github.com/earshot-dev/earshot/mention"
)

var update = flag.Bool("update", false, "rewrite TAXONOMY.md from the taxonomy table")

func classifier(tb testing.TB) *reasons.Classifier {
	tb.Helper()
	c, err := reasons.NewClassifier()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func ids(rs []mention.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Reason
	}
	return out
}

func TestClassify(t *testing.T) {
	c := classifier(t)
	for _, tc := range []struct {
		text     string
		compound float64
		want     []string // must all be there
		not      []string // must not be there
	}{
		{"@British_Airways flight BA117 delayed 4 hours and no one at the gate", reasons.NoTone, []string{"delay"}, []string{"delivery"}},
		{"Our train was not delayed at all today, well done", reasons.NoTone, nil, []string{"delay"}},
		{"my order has been delayed again, where is my parcel", reasons.NoTone, []string{"delivery"}, []string{"delay"}},
		{"@KLM you cancelled my flight to Amsterdam and nobody replies", -0.6, []string{"cancellation", "service_complaint"}, nil},
		{"loving these noise cancelling headphones", 0.8, []string{"praise"}, []string{"cancellation"}},
		{"you lost my luggage at Heathrow", -0.5, []string{"baggage"}, nil},
		{"can't check in online, the booking page errors", -0.3, []string{"booking"}, nil},
		{"still waiting for my refund after 6 weeks", -0.4, []string{"refund"}, nil},
		{"how do I return this jacket? wrong size", 0, []string{"return", "question"}, nil},
		{"booked a return flight to Lisbon", 0, []string{"booking"}, []string{"return"}},
		{"package says delivered but it's not here", -0.4, []string{"delivery"}, nil},
		{"you charged me twice for the same order", -0.5, []string{"billing"}, nil},
		{"my phone won't charge since the update", -0.5, []string{"product_fault"}, []string{"billing"}},
		{"I never made these purchases, fraudulent transaction on my card", -0.6, []string{"fraud"}, nil},
		{"no signal all day in Leeds, is the network down?", -0.4, []string{"outage"}, nil},
		{"can't log into my account, password reset email never arrives", -0.4, []string{"account_access"}, nil},
		{"iPhone keeps freezing and the battery drains in an hour", -0.5, []string{"product_fault"}, nil},
		{"how do I switch to the family plan on premium", 0, []string{"subscription", "question"}, nil},
		{"worst customer service ever, on hold for an hour", -0.8, []string{"service_complaint"}, []string{"praise"}},
		{"your support team is awesome, thank you so much for sorting it", 0.9, []string{"praise"}, []string{"service_complaint"}},
		{"thanks for nothing, great service as always", -0.6, nil, []string{"praise"}},
		{"not happy with this at all", -0.5, nil, []string{"praise"}},
		{"", reasons.NoTone, nil, reasons.IDs()},
		{"@AmazonHelp https://t.co/abc", reasons.NoTone, nil, reasons.IDs()},
	} {
		got := ids(c.Classify(tc.text, tc.compound, reasons.DefaultThreshold, len(reasons.Taxonomy)))
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: got %v, want %s among them", tc.text, got, w)
			}
		}
		for _, n := range tc.not {
			if slices.Contains(got, n) {
				t.Errorf("%q: got %v, want no %s", tc.text, got, n)
			}
		}
	}
}

// Every example phrasing the taxonomy documents carries its reason.
func TestTaxonomyExamples(t *testing.T) {
	c := classifier(t)
	for _, d := range reasons.Taxonomy {
		for _, ex := range d.Examples {
			got := ids(c.Classify(ex, reasons.NoTone, reasons.DefaultThreshold, len(reasons.Taxonomy)))
			if !slices.Contains(got, d.ID) {
				t.Errorf("%s: example %q gives %v", d.ID, ex, got)
			}
		}
	}
}

func TestTaxonomyTable(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range reasons.Taxonomy {
		if seen[d.ID] {
			t.Errorf("%s twice", d.ID)
		}
		seen[d.ID] = true
		if d.ID != strings.ToLower(d.ID) || strings.ContainsAny(d.ID, " -") {
			t.Errorf("%q is not lower-case snake_case", d.ID)
		}
		if d.Definition == "" || len(d.Sectors) == 0 || len(d.Examples) < 2 || d.Not == "" || len(d.Cues) == 0 {
			t.Errorf("%s: definition, sectors, ≥ 2 examples, not and cues are all required", d.ID)
		}
	}
	// The ids the issue names are all present.
	for _, id := range []string{"delay", "cancellation", "baggage", "booking", "refund", "delivery", "billing", "outage",
		"account_access", "product_fault", "service_complaint", "praise", "question"} {
		if !seen[id] {
			t.Errorf("taxonomy has no %s", id)
		}
	}
	for _, tm := range reasons.TwcsTopics {
		if tm.Reason != "" && !seen[tm.Reason] {
			t.Errorf("twcs topic %s/%s maps to unknown reason %q", tm.Brand, tm.Topic, tm.Reason)
		}
	}
}

func TestTaxonomyDocIsCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := reasons.WriteTaxonomy(&b); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("TAXONOMY.md", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("TAXONOMY.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Error("TAXONOMY.md is not what the taxonomy table generates; run go test ./enrich/reasons -update")
	}
}

func TestClassifyOrderThresholdAndCap(t *testing.T) {
	c := classifier(t)
	text := "flight cancelled, lost my luggage, still no refund and customer service hung up on me"
	all := c.Classify(text, -0.8, 0.01, len(reasons.Taxonomy))
	if len(all) < 4 {
		t.Fatalf("got %v, want ≥ 4 reasons", all)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Confidence > all[i-1].Confidence {
			t.Errorf("not highest first: %v", all)
		}
	}
	for _, r := range all {
		if !(r.Confidence > 0 && r.Confidence < 1) {
			t.Errorf("confidence %v out of (0, 1)", r)
		}
	}
	two := c.Classify(text, -0.8, 0.01, 2)
	if len(two) != 2 || two[0] != all[0] || two[1] != all[1] {
		t.Errorf("cap 2: got %v, want the first two of %v", two, all)
	}
	if hi := c.Classify(text, -0.8, 0.999, 3); hi != nil {
		t.Errorf("threshold 0.999: got %v", hi)
	}
	scores := make([]float64, len(reasons.Taxonomy))
	c.Scores(text, -0.8, scores)
	for i, d := range reasons.Taxonomy {
		for _, r := range all {
			if r.Reason == d.ID && math.Abs(r.Confidence-scores[i]) > 0.001 {
				t.Errorf("%s: Classify %v, Scores %v", d.ID, r.Confidence, scores[i])
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := reasons.DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mut  func(*reasons.Config)
		want string
	}{
		{func(c *reasons.Config) { c.Threshold = 0 }, "enrich.reasons.threshold"},
		{func(c *reasons.Config) { c.Threshold = 1 }, "enrich.reasons.threshold"},
		{func(c *reasons.Config) { c.Threshold = math.NaN() }, "enrich.reasons.threshold"},
		{func(c *reasons.Config) { c.MaxReasons = 0 }, "enrich.reasons.max_reasons"},
		{func(c *reasons.Config) { c.MaxReasons = 99 }, "enrich.reasons.max_reasons"},
	} {
		c := reasons.DefaultConfig()
		tc.mut(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error naming %s", c, err, tc.want)
		}
		if _, err := reasons.New(c, nil); err == nil {
			t.Errorf("%+v: New accepted it", c)
		}
	}
}

func TestEnricher(t *testing.T) {
	reg := prometheus.NewRegistry()
	e, err := reasons.New(reasons.DefaultConfig(), reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	text := "@British_Airways you lost my luggage"
	in := &mention.Mention{Text: text, Direction: mention.DirectionInbound, Sentiment: &mention.Sentiment{Compound: -0.5, Label: "negative"}}
	if err := e.Enrich(ctx, in); err != nil {
		t.Fatal(err)
	}
	if got := ids(in.ContactReason); !slices.Contains(got, "baggage") {
		t.Fatalf("inbound: %v", in.ContactReason)
	}
	first := slices.Clone(in.ContactReason)
	if err := e.Enrich(ctx, in); err != nil || !slices.Equal(first, in.ContactReason) {
		t.Errorf("not idempotent: %v then %v (%v)", first, in.ContactReason, err)
	}
	other := &mention.Mention{Text: text, Direction: mention.DirectionOther}
	_ = e.Enrich(ctx, other)
	if len(other.ContactReason) == 0 {
		t.Error("a customer post about a brand got no reason")
	}
	for _, m := range []*mention.Mention{
		{Text: text, Direction: mention.DirectionOutbound, AuthorBrand: "ba", ContactReason: []mention.Reason{{Reason: "stale"}}},
		{Text: text, Direction: mention.DirectionOther, AuthorBrand: "ba"},
	} {
		_ = e.Enrich(ctx, m)
		if m.ContactReason != nil {
			t.Errorf("brand post got %v", m.ContactReason)
		}
	}
	want := `
# HELP earshot_enrich_reasons_mentions_total Mentions seen by the contact-reason enricher, by result: classified (at least one reason), unclassified, skipped (written by a brand, or not inbound with inbound_only).
# TYPE earshot_enrich_reasons_mentions_total counter
earshot_enrich_reasons_mentions_total{result="classified"} 3
earshot_enrich_reasons_mentions_total{result="skipped"} 2
earshot_enrich_reasons_mentions_total{result="unclassified"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "earshot_enrich_reasons_mentions_total"); err != nil {
		t.Error(err)
	}

	cfg := reasons.DefaultConfig()
	cfg.InboundOnly = true
	io, err := reasons.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	other = &mention.Mention{Text: text, Direction: mention.DirectionOther}
	_ = io.Enrich(ctx, other)
	if other.ContactReason != nil {
		t.Errorf("inbound_only: a post not addressed to a brand got %v", other.ContactReason)
	}
	cfg = reasons.DefaultConfig()
	cfg.Enabled = false
	off, _ := reasons.New(cfg, nil)
	keep := &mention.Mention{Text: text, ContactReason: []mention.Reason{{Reason: "delay", Confidence: 1}}}
	_ = off.Enrich(ctx, keep)
	if len(keep.ContactReason) != 1 || keep.ContactReason[0].Reason != "delay" {
		t.Errorf("disabled: changed %v", keep.ContactReason)
	}
}

// FuzzClassify: any text gives valid, known, distinct reasons with
// confidences in the threshold..1 range, highest first.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"", "?", "flight delayed ?!?!", "can't can’t cant", "@a @b http://x.y #delay &amp; &#39;", "\xff\xfe noise cancel{l}ing",
		strings.Repeat("refund ", 600), "not not not delayed", "ÉCLAIR délai 🙃 retour"} {
		f.Add(s, 0.2)
	}
	c := classifier(f)
	known := map[string]bool{}
	for _, id := range reasons.IDs() {
		known[id] = true
	}
	f.Fuzz(func(t *testing.T, text string, compound float64) {
		got := c.Classify(text, compound, reasons.DefaultThreshold, 3)
		if len(got) > 3 {
			t.Fatalf("%d reasons", len(got))
		}
		seen := map[string]bool{}
		for i, r := range got {
			if !known[r.Reason] || seen[r.Reason] {
				t.Fatalf("reason %q unknown or repeated: %v", r.Reason, got)
			}
			seen[r.Reason] = true
			if !(r.Confidence >= reasons.DefaultThreshold-0.001 && r.Confidence < 1) {
				t.Fatalf("confidence %v", r)
			}
			if i > 0 && r.Confidence > got[i-1].Confidence {
				t.Fatalf("order: %v", got)
			}
		}
	})
}
