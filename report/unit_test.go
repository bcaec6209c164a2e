package report

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/analytics"
)

func f(v float64) *float64 { return &v }

func TestSentences(t *testing.T) {
	base := func() *Report {
		me := analytics.ExtRow{Row: analytics.Row{Brand: "acme", Inbound: 120}}
		return &Report{Brand: BrandInfo{ID: "acme", Name: "Acme"}, Me: me}
	}
	withPeers := func(r *Report, myRank int, myScore float64, rival string, rivalRank int, rivalScore float64) {
		r.Peers = []Peer{
			{ExtRow: analytics.ExtRow{Row: analytics.Row{Brand: "acme"}, Score: f(myScore), RankCompetitors: myRank}, Name: "Acme", Me: true, PrevRank: 1},
			{ExtRow: analytics.ExtRow{Row: analytics.Row{Brand: "klm"}, Score: f(rivalScore), RankCompetitors: rivalRank}, Name: rival},
		}
	}
	tests := []struct {
		name  string
		setup func(r *Report)
		want  []string // sentences that must be present, in order
		not   []string
	}{
		{"volume up, SLA15 up, rival better", func(r *Report) {
			r.Prev = &analytics.ExtRow{Row: analytics.Row{Inbound: 100}}
			r.Headline = []Metric{{Key: "sla15", Kind: KindShare, HigherIsBetter: true, Value: f(0.41), Prev: f(0.33), Best: f(0.72), BestBrand: "KLM"}}
		}, []string{
			"Acme received 120 customer posts this week, 20 % more than the week before (100).",
			"You answered 41 % of customer posts within 15 minutes, up from 33 %; KLM answered 72 %.",
		}, nil},
		{"volume down, SLA15 down, no better rival", func(r *Report) {
			r.Prev = &analytics.ExtRow{Row: analytics.Row{Inbound: 150}}
			r.Headline = []Metric{{Key: "sla15", Kind: KindShare, HigherIsBetter: true, Value: f(0.5), Prev: f(0.6), Best: f(0.2), BestBrand: "KLM"}}
		}, []string{
			"Acme received 120 customer posts this week, 20 % fewer than the week before (150).",
			"You answered 50 % of customer posts within 15 minutes, down from 60 %; no competitor did better (KLM: 20 %).",
		}, nil},
		{"unchanged as displayed", func(r *Report) {
			r.Headline = []Metric{{Key: "sla15", Kind: KindShare, HigherIsBetter: true, Value: f(0.412), Prev: f(0.408)}}
		}, []string{"You answered 41 % of customer posts within 15 minutes, the same as last week."}, nil},
		{"no previous week", func(r *Report) {
			r.Headline = []Metric{{Key: "sla15", Kind: KindShare, Value: f(0.41)}}
		}, []string{"Acme received 120 customer posts this week.", "You answered 41 % of customer posts within 15 minutes."}, []string{"up from", "down from"}},
		{"rank second, leader named", func(r *Report) {
			r.Prev = &analytics.ExtRow{Row: analytics.Row{Inbound: 120}}
			r.Prev.Score = f(70)
			withPeers(r, 2, 55, "KLM", 1, 80)
		}, []string{"Acme ranked 2nd of 2 against its competitors with a responsiveness score of 55 (last week 70, 1st); KLM led with 80."}, nil},
		{"alone in its set", func(r *Report) {
			r.Peers = []Peer{{ExtRow: analytics.ExtRow{Row: analytics.Row{Brand: "acme"}, Score: f(61), RankCompetitors: 1}, Name: "Acme", Me: true}}
		}, []string{"Acme was the only brand of its competitor set with customer posts this week; its responsiveness score was 61."}, nil},
		{"FRT faster than last week, rival faster", func(r *Report) {
			r.Headline = []Metric{
				{Key: "frt_median", Kind: KindSeconds, Value: f(600), Prev: f(1800), Best: f(240), BestBrand: "KLM"},
				{Key: "frt_p90", Kind: KindSeconds, Value: f(7200)},
			}
		}, []string{"Half of your first replies came within 10 min and 90 % within 2 h, faster than last week's median of 30 min; KLM was faster, with a median of 4 min."}, nil},
		{"nothing answered", func(r *Report) {
			r.Headline = []Metric{{Key: "frt_median", Kind: KindSeconds}, {Key: "frt_p90", Kind: KindSeconds}}
		}, []string{"You answered none of the 120 customer posts of the week."}, nil},
		{"quality and sentiment", func(r *Report) {
			r.Headline = []Metric{
				{Key: "deflection_rate", Kind: KindShare, Value: f(0.38), Prev: f(0.3)},
				{Key: "canned_rate", Kind: KindShare, Value: f(0.22)},
				{Key: "empathy", Kind: KindScore, Value: f(45), Prev: f(50), HigherIsBetter: true},
				{Key: "net_sentiment", Kind: KindSentiment, Value: f(-0.21), Prev: f(-0.1), HigherIsBetter: true},
			}
			r.Me.NegativeShare = f(0.5)
		}, []string{
			"38 % of your first replies moved the customer to another channel (last week 30 %); 22 % were cut-and-paste; the median empathy score was 45 of 100 (last week 50).",
			"Customers' net sentiment was −0.21 on a scale from −1 to +1, worse than last week's −0.10; 50 % of their posts were negative.",
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := base()
			tc.setup(r)
			got := Sentences(r)
			all := strings.Join(got, "\n")
			i := 0
			for _, w := range tc.want {
				for i < len(got) && got[i] != w {
					i++
				}
				if i == len(got) {
					t.Errorf("missing or out of order:\n%s\ngot:\n%s", w, all)
					return
				}
			}
			for _, n := range tc.not {
				if strings.Contains(all, n) {
					t.Errorf("unexpected %q in:\n%s", n, all)
				}
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v    *float64
		k    Kind
		want string
	}{
		{nil, KindShare, "–"}, {f(0.41), KindShare, "41 %"}, {f(0.034), KindShare, "3.4 %"}, {f(0), KindShare, "0 %"}, {f(1), KindShare, "100 %"},
		{f(42), KindSeconds, "42 s"}, {f(367), KindSeconds, "6 min"}, {f(3600), KindSeconds, "1 h"}, {f(11160), KindSeconds, "3.1 h"},
		{f(86400 * 2.5), KindSeconds, "2.5 d"}, {f(-0.213), KindSentiment, "−0.21"}, {f(0.2), KindSentiment, "+0.20"}, {f(-0.001), KindSentiment, "0.00"},
		{f(55.4), KindScore, "55"}, {f(12345), KindCount, "12,345"},
	}
	for _, tc := range tests {
		if got := Format(tc.v, tc.k); got != tc.want {
			t.Errorf("Format(%v, %d) = %q, want %q", deref(tc.v), tc.k, got, tc.want)
		}
	}
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 102: "102nd"} {
		if got := Ordinal(n); got != want {
			t.Errorf("Ordinal(%d) = %s, want %s", n, got, want)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestMetricDirection(t *testing.T) {
	tests := []struct {
		m              Metric
		arrow, verdict string
	}{
		{Metric{Kind: KindShare, HigherIsBetter: true, Value: f(0.5), Prev: f(0.4)}, "▲", "better"},
		{Metric{Kind: KindSeconds, Value: f(600), Prev: f(1200)}, "▼", "better"},
		{Metric{Kind: KindSeconds, Value: f(1200), Prev: f(600)}, "▲", "worse"},
		{Metric{Kind: KindShare, Value: f(0.501), Prev: f(0.499)}, "→", "same"},
		{Metric{Kind: KindShare, Value: f(0.5)}, "", ""},
	}
	for i, tc := range tests {
		if a, v := tc.m.Arrow(), tc.m.Verdict(); a != tc.arrow || v != tc.verdict {
			t.Errorf("%d: %s %s, want %s %s", i, a, v, tc.arrow, tc.verdict)
		}
	}
}

func TestWeek(t *testing.T) {
	tests := []struct {
		in           string
		since, until string
		err          bool
	}{
		{"2026-W47", "2026-11-16", "2026-11-23", false},
		{"2026W01", "2025-12-29", "2026-01-05", false},
		{"2020-W53", "2020-12-28", "2021-01-04", false},
		{"2021-W53", "", "", true},
		{"2026-W00", "", "", true},
		{"2026-47", "", "", true},
	}
	for _, tc := range tests {
		w, err := ParseWeek(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("%s: err %v", tc.in, err)
			continue
		}
		if err != nil {
			continue
		}
		if s, u := w.Since().Format("2006-01-02"), w.Until().Format("2006-01-02"); s != tc.since || u != tc.until {
			t.Errorf("%s: %s – %s, want %s – %s", tc.in, s, u, tc.since, tc.until)
		}
		if WeekOf(w.Since()) != w || WeekOf(w.Until().Add(-time.Second)) != w {
			t.Errorf("%s: WeekOf does not round-trip", tc.in)
		}
	}
	if got := (Week{2026, 47}).Label(); got != "2026-W47 (16–22 Nov 2026)" {
		t.Errorf("label %q", got)
	}
	if got := (Week{2026, 1}).Label(); got != "2026-W01 (29 Dec 2025 – 4 Jan 2026)" {
		t.Errorf("label %q", got)
	}
}

func TestScheduleNextRun(t *testing.T) {
	s := ScheduleConfig{Time: "07:00", TimeZone: "Europe/Amsterdam"}
	tests := []struct{ now, want, week string }{
		// Sunday evening → Monday 07:00 Amsterdam (06:00 UTC in winter) for the week that ended.
		{"2026-11-22T20:00:00Z", "2026-11-23T06:00:00Z", "2026-W47"},
		// Monday 06:00 UTC exactly: the next Monday.
		{"2026-11-23T06:00:00Z", "2026-11-30T06:00:00Z", "2026-W48"},
		// Monday 05:59 UTC: today.
		{"2026-11-23T05:59:00Z", "2026-11-23T06:00:00Z", "2026-W47"},
		// Summer time: 05:00 UTC.
		{"2026-06-30T12:00:00Z", "2026-07-06T05:00:00Z", "2026-W27"},
	}
	for _, tc := range tests {
		now, _ := time.Parse(time.RFC3339, tc.now)
		got, err := s.NextRun(now)
		if err != nil {
			t.Fatal(err)
		}
		if g := got.UTC().Format(time.RFC3339); g != tc.want {
			t.Errorf("NextRun(%s) = %s, want %s", tc.now, g, tc.want)
		}
		if w := LastCompleteWeek(got).String(); w != tc.week {
			t.Errorf("run at %s reports %s, want %s", tc.want, w, tc.week)
		}
	}
}

func TestHeatmap(t *testing.T) {
	var counts [168]uint64
	counts[0] = 4      // Mon 00
	counts[2*24+9] = 1 // Wed 09
	counts[6*24+23] = 16
	s := Heatmap(counts, "Europe/Amsterdam")
	// Well-formed XML.
	d := xml.NewDecoder(strings.NewReader(s))
	rects, texts := 0, 0
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed: %v", err)
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "rect":
				rects++
			case "text":
				texts++
			}
		}
	}
	if rects != 168 {
		t.Errorf("%d cells, want 168", rects)
	}
	for _, want := range []string{
		"<title>Sun 23:00 – 16 replies</title>", "<title>Mon 00:00 – 4 replies</title>", "<title>Tue 00:00 – 0 replies</title>",
		`fill="` + blend(1) + `"`, `fill="` + blend(0.5) + `"`, `fill="` + blend(0.25) + `"`, "peak 16 in one hour", "Europe/Amsterdam",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("heat map lacks %q", want)
		}
	}
	if blend(0) != "#dce8f7" || blend(1) != "#0b3d91" {
		t.Errorf("blend ends %s %s", blend(0), blend(1))
	}
	var zero [168]uint64
	if z := Heatmap(zero, "UTC"); strings.Count(z, `fill="#ffffff"`) != 168 {
		t.Error("an empty week must draw 168 white cells")
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	tests := []struct {
		name string
		mod  func(c *Config)
		want string
	}{
		{"format", func(c *Config) { c.Formats = []string{"docx"} }, `report.formats: format "docx"`},
		{"no format", func(c *Config) { c.Formats = nil }, "report.formats: empty"},
		{"brand", func(c *Config) { c.Brands = []string{"KLM"} }, `report.brands: "KLM"`},
		{"tz", func(c *Config) { c.Schedule.TimeZone = "Mars/Base" }, "report.schedule.time_zone"},
		{"clock", func(c *Config) { c.Schedule.Time = "7am" }, "report.schedule.time"},
		{"starttls", func(c *Config) { c.SMTP.StartTLS = "maybe" }, "report.smtp.starttls"},
		{"smtp to", func(c *Config) { c.SMTP.Addr, c.SMTP.From = "smtp.example.com:587", "r@example.com" }, "report.smtp.to: no recipient"},
		{"smtp addr", func(c *Config) {
			c.SMTP.Addr, c.SMTP.From, c.SMTP.To = "smtp.example.com", "r@example.com", []string{"a@b.c"}
		}, "report.smtp.addr"},
		{"smtp rcpt", func(c *Config) {
			c.SMTP.Addr, c.SMTP.From, c.SMTP.To = "h:25", "r@example.com", []string{"not an address"}
		}, "report.smtp.to"},
		{"slack", func(c *Config) { c.Slack.WebhookURL = "ftp://x" }, "report.slack.webhook_url"},
		{"examples", func(c *Config) { c.Examples = 0 }, "report.examples"},
		{"chromium", func(c *Config) { c.Chromium.Timeout = 0 }, "report.chromium.timeout"},
	}
	for _, tc := range tests {
		c := DefaultConfig()
		tc.mod(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestNormaliseReply(t *testing.T) {
	a := normaliseReply("@anna_12 Hi Anna, sorry! Please DM us your booking 12345. ^JS")
	b := normaliseReply("@BenX hi Ben, sorry! Please DM us your booking 998. -Kim")
	if a != b {
		t.Errorf("one template, two keys:\n%q\n%q", a, b)
	}
	if c := normaliseReply("@x Hi Anna, your refund was sent."); c == a {
		t.Error("different replies share a key")
	}
}

func TestGapsAndCrises(t *testing.T) {
	since := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	have := map[int64]bool{}
	for h := 0; h < 168; h++ {
		if h < 3 || (h >= 10 && h < 12) {
			continue
		}
		have[since.Add(time.Duration(h)*time.Hour).Unix()] = true
	}
	g := gaps(since, since.AddDate(0, 0, 7), have)
	if len(g) != 2 || g[0].To.Sub(g[0].From) != 3*time.Hour || !g[1].From.Equal(since.Add(10*time.Hour)) || g[1].To.Sub(g[1].From) != 2*time.Hour {
		t.Errorf("gaps %+v", g)
	}

	at := func(m int) time.Time { return since.Add(time.Duration(m) * time.Minute) }
	vs := []alertVersion{
		{id: "a", event: "open", severity: "minor", score: 6, updated: at(10), onset: at(0)},
		{id: "a", event: "update", severity: "minor", score: 7, updated: at(15)},
		{id: "a", event: "update", severity: "major", score: 12, updated: at(20)},
		{id: "a", event: "update", severity: "major", score: 14, updated: at(25)},
		{id: "a", event: "update", severity: "major", score: 9, updated: at(30)},
		{id: "a", event: "resolve", severity: "major", status: "resolved", score: 1, updated: at(90), resolved: at(90),
			exIDs: []string{"1", "2", "3", "4"}, exTexts: []string{"one", "two", "three", "four"}},
	}
	cs := crisesFromVersions(vs, 3)
	if len(cs) != 1 {
		t.Fatalf("%d crises", len(cs))
	}
	var evs []string
	for _, e := range cs[0].Timeline {
		evs = append(evs, e.Event)
	}
	if got := strings.Join(evs, ","); got != "open,escalated,peak,resolve" {
		t.Errorf("timeline %s", got)
	}
	if cs[0].ResolvedAt == nil || len(cs[0].Examples) != 3 || cs[0].Examples[2].Text != "three" {
		t.Errorf("crisis %+v", cs[0])
	}
}
