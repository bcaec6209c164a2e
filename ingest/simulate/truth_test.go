package simulate_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/ingest/simulate"
)

// TestComputeTruthHandChecked runs the metric definitions on a scenario
// whose numbers were worked out by hand (see the comments), including every
// boundary: replies after until, inclusive cut-offs, a post replying to a
// brand without naming it, the brand's own post, a post before since, a
// duplicate id, a reply by a brand the post was not addressed to.
func TestComputeTruthHandChecked(t *testing.T) {
	since := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	until := since.Add(48 * time.Hour)
	at := func(d time.Duration) time.Time { return since.Add(d) }
	end := func(d time.Duration) time.Time { return until.Add(d) }
	cust := func(id string, t time.Time, brands ...string) simulate.TruthEvent {
		return simulate.TruthEvent{ID: id, CreatedAt: t, Mentions: brands}
	}
	reply := func(id, brand, to string, t time.Time) simulate.TruthEvent {
		return simulate.TruthEvent{ID: id, CreatedAt: t, AuthorBrand: brand, InReplyTo: to}
	}
	h := time.Hour
	events := []simulate.TruthEvent{
		// alpha
		cust("p1", at(1*h), "alpha"), // frt 600
		reply("r1a", "alpha", "p1", at(1*h+10*time.Minute)),
		reply("r1b", "alpha", "p1", at(3*h)),             // a second reply: the first one counts
		reply("r1g", "gamma", "p1", at(1*h+time.Minute)), // gamma was not addressed: ignored
		cust("p2", at(2*h), "alpha"),                     // frt 7200
		reply("r2", "alpha", "p2", at(4*h)),
		cust("p3", at(3*h), "alpha", "beta"), // alpha frt 1800; beta never answers
		reply("r3", "alpha", "p3", at(3*h+30*time.Minute)),
		cust("p4", end(-2*h), "alpha"),            // young, unanswered: pending
		cust("p5", end(-10*time.Minute), "alpha"), // answered only after until: pending, outside sla15's denominator
		reply("r5", "alpha", "p5", end(5*time.Minute)),
		{ID: "p6", CreatedAt: at(1*h + 30*time.Minute), InReplyTo: "r1a"},                   // replies to alpha without naming it
		reply("r6", "alpha", "p6", at(1*h+30*time.Minute+26*h)),                             // frt 93600 > 24 h
		{ID: "p7", CreatedAt: at(5 * h), AuthorBrand: "alpha", Mentions: []string{"alpha"}}, // alpha's own post
		cust("p8", since.Add(-time.Hour), "alpha"),                                          // before since
		reply("r8", "alpha", "p8", at(time.Minute)),
		cust("p1", at(1*h), "alpha"), // a duplicate delivery of p1
		// beta
		cust("p9", at(5*h), "beta"), // frt exactly 900
		reply("r9", "beta", "p9", at(5*h+15*time.Minute)),
		reply("r9x", "alpha", "p9", at(5*h+time.Minute)), // alpha answering a beta post: not beta's reply
		cust("p10", at(6*h), "beta"),                     // frt exactly 3600
		reply("r10", "beta", "p10", at(7*h)),
		// delta: one post exactly at until − 1h, unanswered
		cust("p11", end(-1*h), "delta"),
		// gamma: only a post before the period
		cust("p12", since.Add(-2*h), "gamma"),
	}
	rows := simulate.ComputeTruth(events, since, until)
	var csv bytes.Buffer
	if err := simulate.WriteCSV(&csv, rows); err != nil {
		t.Fatal(err)
	}
	// alpha: inbound p1 p2 p3 p4 p5 p6 = 6; answered p1 p2 p3 p6 = 4; pending p4 p5 = 2;
	//   response_rate: created ≤ until−24h are p1 p2 p3 p6, within 24 h p1 p2 p3 → 3/4;
	//   sla15: p5 is younger than 15 min → 5 posts, ≤ 900 s only p1 → 1/5;
	//   sla60: p1 p2 p3 p4 p6 → 5, ≤ 3600 s p1 p3 → 2/5;
	//   frt 600 1800 7200 93600: median (1800+7200)/2 = 4500, p90 element ⌈3.6⌉ = 4 → 93600.
	// beta: inbound p3 p9 p10; answered p9 (900) p10 (3600); pending 0 (p3 is old);
	//   response_rate 2/3; sla15 1/3 (900 ≤ 900); sla60 2/3; median 2250; p90 element 2 → 3600.
	// delta: p11 unanswered and young: pending 1; no post older than 24 h → response_rate
	//   undefined; p11 is exactly until − 1h, so in both SLA denominators → 0/1.
	want := "brand,inbound,answered,pending,response_rate,frt_median_s,frt_p90_s,sla15,sla60\n" +
		"alpha,6,4,2,0.7500,4500.0,93600.0,0.2000,0.4000\n" +
		"beta,3,2,0,0.6667,2250.0,3600.0,0.3333,0.6667\n" +
		"delta,1,0,1,,,,0.0000,0.0000\n"
	if csv.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", csv.String(), want)
	}

	var js bytes.Buffer
	if err := simulate.WriteJSON(&js, simulate.Truth{Since: since, Until: until, Seed: 7, Brands: rows}); err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Until  time.Time                    `json:"until"`
		Brands []map[string]json.RawMessage `json:"brands"`
	}
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	if !decoded.Until.Equal(until) || len(decoded.Brands) != 3 {
		t.Fatalf("JSON: %s", js.String())
	}
	if got := string(decoded.Brands[2]["response_rate"]); got != "null" {
		t.Errorf("delta response_rate in JSON = %s, want null", got)
	}
	if got := string(decoded.Brands[1]["response_rate"]); !strings.HasPrefix(got, "0.6666666") {
		t.Errorf("beta response_rate in JSON = %s, want the exact 2/3", got)
	}
	for _, k := range []string{"brand", "inbound", "answered", "pending", "response_rate", "frt_median_s", "frt_p90_s", "sla15", "sla60"} {
		if _, ok := decoded.Brands[0][k]; !ok {
			t.Errorf("JSON row lacks %q", k)
		}
	}
}

func TestPercentiles(t *testing.T) {
	since := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	until := since.Add(72 * time.Hour)
	tests := []struct {
		frts        []int // seconds
		median, p90 string
	}{
		{[]int{5}, "5.0", "5.0"},
		{[]int{10, 1}, "5.5", "10.0"},
		{[]int{3, 1, 2}, "2.0", "3.0"},
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "5.5", "9.0"},      // ⌈9⌉ = 9
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, "6.0", "10.0"}, // ⌈9.9⌉ = 10
	}
	for _, tt := range tests {
		var ev []simulate.TruthEvent
		for i, f := range tt.frts {
			id := string(rune('a' + i))
			p := since.Add(time.Duration(i) * time.Minute)
			ev = append(ev, simulate.TruthEvent{ID: "p" + id, CreatedAt: p, Mentions: []string{"b"}},
				simulate.TruthEvent{ID: "r" + id, CreatedAt: p.Add(time.Duration(f) * time.Second), AuthorBrand: "b", InReplyTo: "p" + id})
		}
		rows := simulate.ComputeTruth(ev, since, until)
		if len(rows) != 1 {
			t.Fatalf("rows = %+v", rows)
		}
		if got := simulate.FormatSeconds(rows[0].FRTMedianS); got != tt.median {
			t.Errorf("%v: median %s, want %s", tt.frts, got, tt.median)
		}
		if got := simulate.FormatSeconds(rows[0].FRTP90S); got != tt.p90 {
			t.Errorf("%v: p90 %s, want %s", tt.frts, got, tt.p90)
		}
	}
}
