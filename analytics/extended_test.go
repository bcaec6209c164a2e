package analytics_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

// The extended scenario: the week [Mon 2024-02-05, Mon 2024-02-12) UTC, in
// winter (New York is UTC−5), with real registry brands:
// bofa_help (bank; staffed Mon–Fri 08:00–21:00 and Sat 11:00–20:00 New
// York time), ask_wellsfargo (bank, its competitor; no stated hours:
// always staffed) and klm (airline).
var (
	extUntil = time.Date(2024, 2, 12, 0, 0, 0, 0, time.UTC)
	extSince = extUntil.Add(-7 * 24 * time.Hour)
	ny       = mustLoc("America/New_York")
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func nyTime(day, h, m int) time.Time { return time.Date(2024, 2, day, h, m, 0, 0, ny) }

func withSentiment(c float64, label string) func(*mention.Mention) {
	return func(m *mention.Mention) {
		m.Sentiment = &mention.Sentiment{Compound: c, Label: label, Confidence: 0.9}
	}
}

func withQuality(empathy float64, deflection string, canned float64) func(*mention.Mention) {
	return func(m *mention.Mention) {
		m.ReplyQuality = &mention.ReplyQuality{Empathy: empathy, Deflection: deflection, Canned: canned}
	}
}

func (s *scenario) postWith(id string, created time.Time, brand string, fs ...func(*mention.Mention)) *mention.Mention {
	p := s.post(id, created, brand)
	for _, f := range fs {
		f(p)
	}
	return p
}

func (s *scenario) replyWith(id, brand string, p *mention.Mention, d time.Duration, fs ...func(*mention.Mention)) *mention.Mention {
	r := s.reply(id, brand, p, d)
	if p.Platform != "x" {
		r.ID, r.Platform = p.Platform+":"+id, p.Platform
	}
	for _, f := range fs {
		f(r)
	}
	return r
}

func onPlatform(platform string) func(*mention.Mention) {
	return func(m *mention.Mention) {
		m.ID, m.Platform, m.ConversationID = platform+":"+m.NativeID, platform, platform+":"+m.NativeID
	}
}

func buildExtScenario() *scenario {
	s := &scenario{}
	// bofa_help, four inbound posts.
	// p1 Fri 20:50 NY, answered Sat 11:10 NY: wall 14 h 20 min = 51600 s;
	// business Fri 20:50–21:00 + Sat 11:00–11:10 = 1200 s.
	p1 := s.postWith("p1", nyTime(9, 20, 50), "bofa_help", withSentiment(-0.6, "negative"))
	s.replyWith("p1r", "bofa_help", p1, 14*hr+20*min, withQuality(80, "dm", 0.95))
	// p2 Wed 10:00 NY, answered after 300 s, all in hours: 300 s both.
	p2 := s.postWith("p2", nyTime(7, 10, 0), "bofa_help", withSentiment(-0.2, "negative"))
	s.replyWith("p2r", "bofa_help", p2, 300*sec, withQuality(40, "none", 0.2))
	// p3 Sun 09:00 NY, answered 10:00 NY: wall 3600 s, business 0 (closed
	// on Sundays).
	p3 := s.postWith("p3", nyTime(11, 9, 0), "bofa_help", withSentiment(0.4, "positive"))
	s.replyWith("p3r", "bofa_help", p3, hr)
	// p4 Tue, on Bluesky, unanswered.
	s.postWith("p4", nyTime(6, 12, 0), "bofa_help", withSentiment(0, "neutral"), onPlatform("bluesky"))
	// The previous week: one post answered after 120 s.
	q0 := s.postWith("q0", time.Date(2024, 2, 1, 15, 0, 0, 0, time.UTC), "bofa_help")
	s.replyWith("q0r", "bofa_help", q0, 120*sec)
	// ask_wellsfargo: one post answered after 600 s.
	w1 := s.postWith("w1", time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC), "ask_wellsfargo", withSentiment(0.5, "positive"))
	s.replyWith("w1r", "ask_wellsfargo", w1, 600*sec)
	// klm: one old unanswered post.
	s.post("k1", time.Date(2024, 2, 8, 12, 0, 0, 0, time.UTC), "klm")
	return s
}

// Hand-derived:
//
// bofa_help: inbound 4, answered 3 (p1 p2 p3), pending 0 (p3 is 10 h old
// but answered). Wall FRTs 300 3600 51600: median 3600, p90 element
// ceil(2.7) = 3 → 51600. Business FRTs 0 300 1200: median 300, p90 1200.
// rate: posts ≥ 24 h old p1 p2 p4, answered within 24 h p1 p2 → 2/3;
// sla15: 1/4 (p2); sla60: p2 p3 (3600 ≤ 3600) → 2/4.
// Sentiment mean (−0.6 −0.2 +0.4 +0)/4 = −0.1; negative share 2/4.
// First replies with quality: p1r (80, dm, 0.95) and p2r (40, none, 0.2):
// deflection 1/2, canned (≥ 0.9) 1/2, empathy median (40+80)/2 = 60.
// Platforms bluesky=1, x=3. Replies at (UTC) Sat 16:10, Wed 15:05,
// Sun 15:00: 3 active hours.
// Score (weights 0.4/0.3/0.3, R = 3600 s): 100·(0.4·0.5 + 0.3·2/3 +
// 0.3·3600/(3600+3600)) = 55.0. Previous week: q0 alone, sla60 1, rate 1,
// median 120: 100·(0.4 + 0.3 + 0.3·3600/3720) = 99.03 → change −44.0;
// inbound change 4/1 − 1 = 3.
//
// ask_wellsfargo: 1 inbound, frt 600 (business 600: always staffed),
// sentiment 0.5, no negative, no quality → undefined; score 100·(0.4 +
// 0.3 + 0.3·3600/4200) = 95.7: first of the banks and of bofa_help's
// competitor set, so bofa_help is second in both. No previous inbound.
//
// klm: 1 inbound, unanswered, 3.5 days old: rate 0, sla 0, score 0 (the
// FRT part counts as 0 when nothing was answered); alone in its sector.
const wantExtCSV = `brand,inbound,answered,pending,response_rate,frt_median_s,frt_p90_s,sla15,sla60,sector,score,rank_sector,rank_competitors,frt_business_median_s,frt_business_p90_s,sentiment_mean,negative_share,deflection_rate,canned_rate,empathy_median,active_hours,platforms,prev_inbound,inbound_change,prev_score,score_change,sentiment_recovery,recovered_posts
ask_wellsfargo,1,1,0,1.0000,600.0,600.0,1.0000,1.0000,bank,95.7,1,1,600.0,600.0,0.5000,0.0000,,,,1,x=1,0,,,,,0
bofa_help,4,3,0,0.6667,3600.0,51600.0,0.2500,0.5000,bank,55.0,2,2,300.0,1200.0,-0.1000,0.5000,0.5000,0.5000,60.0,3,bluesky=1;x=3,1,3.0000,99.0,-44.0,,0
klm,1,0,0,0.0000,,,0.0000,0.0000,airline,0.0,1,1,,,0.0000,0.0000,,,,0,x=1,0,,,,,0
`

func TestExtended(t *testing.T) {
	ctx := context.Background()
	db, conn := migrated(t)
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := buildExtScenario()
	insert(t, conn, db, s.ms)
	insert(t, conn, db, s.ms) // duplicates change nothing
	q := analytics.Query{Since: extSince, Until: extUntil}
	rows, err := analytics.Extended(ctx, conn, db, reg, q, analytics.ExtOptions{Previous: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := analytics.WriteExt(&buf, "csv", []analytics.Block{{Since: extSince, Until: extUntil, Rows: rows}}, false); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != wantExtCSV {
		t.Fatalf("extended leaderboard\n got:\n%s\nwant:\n%s", got, wantExtCSV)
	}
	// The reply hours, UTC: Sat 16h, Wed 15h, Sun 15h.
	var bofa analytics.ExtRow
	for _, r := range rows {
		if r.Brand == "bofa_help" {
			bofa = r
		}
	}
	for _, b := range []struct{ dow, hour int }{{6, 16}, {3, 15}, {7, 15}} {
		if n := bofa.ReplyHours[(b.dow-1)*24+b.hour]; n != 1 {
			t.Errorf("bofa_help replies on day %d hour %d = %d, want 1", b.dow, b.hour, n)
		}
	}

	t.Run("brand filter keeps ranks over every brand", func(t *testing.T) {
		rows, err := analytics.Extended(ctx, conn, db, reg, analytics.Query{Since: extSince, Until: extUntil, Brands: []string{"bofa_help"}}, analytics.ExtOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].RankSector != 2 || rows[0].RankCompetitors != 2 || rows[0].PrevInbound != nil {
			t.Fatalf("rows = %+v", rows)
		}
	})

	t.Run("hours in New York", func(t *testing.T) {
		rows, err := analytics.Extended(ctx, conn, db, reg, analytics.Query{Since: extSince, Until: extUntil, Brands: []string{"bofa_help"}}, analytics.ExtOptions{HoursTZ: "America/New_York"})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range []struct{ dow, hour int }{{6, 11}, {3, 10}, {7, 10}} {
			if n := rows[0].ReplyHours[(b.dow-1)*24+b.hour]; n != 1 {
				t.Errorf("day %d hour %d = %d, want 1", b.dow, b.hour, n)
			}
		}
	})
}

// The inbound-post SQL shared by the extra columns and the dashboards
// agrees with the leaderboard on every edge case of the leaderboard's
// scenario (Extended checks inbound and answered per brand and fails on a
// mismatch; the nine columns are the leaderboard's own).
func TestExtendedAgreesWithLeaderboard(t *testing.T) {
	ctx := context.Background()
	db, conn := migrated(t)
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	insert(t, conn, db, buildScenario().ms)
	for _, q := range []analytics.Query{
		{Since: since, Until: until},
		{Since: since, Until: at(-20 * hr)},
		{Since: at(-45*hr - 30*min), Until: until},
	} {
		rows, err := analytics.Extended(ctx, conn, db, reg, q, analytics.ExtOptions{})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := analytics.Leaderboard(ctx, conn, db, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(plain) {
			t.Fatalf("%d rows, leaderboard %d", len(rows), len(plain))
		}
		for i := range rows {
			if got, want := csvOf(t, []analytics.Row{rows[i].Row}), csvOf(t, plain[i:i+1]); got != want {
				t.Errorf("row %d: %s, want %s", i, got, want)
			}
			// The business FRT of a brand without support hours is the wall-clock FRT.
			if a, b := deref(rows[i].BusinessFRTMedianSeconds), deref(plain[i].FRTMedianSeconds); fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("%s: business median %v, wall clock %v (no support hours: must agree)", rows[i].Brand, a, b)
			}
		}
	}
}

func TestPeriods(t *testing.T) {
	mon := time.Date(2024, 2, 5, 0, 0, 0, 0, time.UTC)
	got, err := analytics.Periods(mon.Add(-36*hr), mon.Add(8*24*hr+6*hr), "week")
	if err != nil {
		t.Fatal(err)
	}
	want := "2024-02-03T12:00:00Z-2024-02-05T00:00:00Z 2024-02-05T00:00:00Z-2024-02-12T00:00:00Z 2024-02-12T00:00:00Z-2024-02-13T06:00:00Z"
	var parts []string
	for _, p := range got {
		parts = append(parts, p[0].Format(time.RFC3339)+"-"+p[1].Format(time.RFC3339))
	}
	if s := strings.Join(parts, " "); s != want {
		t.Fatalf("weeks %s, want %s", s, want)
	}
	days, err := analytics.Periods(mon, mon.Add(3*24*hr), "day")
	if err != nil || len(days) != 3 || !days[2][0].Equal(mon.Add(48*hr)) {
		t.Fatalf("days %v, %v", days, err)
	}
	if _, err := analytics.Periods(mon, mon.Add(hr), "month"); err == nil {
		t.Fatal("--by month accepted")
	}
}

func csvOf(t *testing.T, rows []analytics.Row) string {
	t.Helper()
	var buf bytes.Buffer
	if err := analytics.WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
