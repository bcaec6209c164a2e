package analytics_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

// The recurring-reasons scenario: the week [Mon 2024-03-04, Mon
// 2024-03-11) UTC and the seven weeks before, for klm (airline) and
// bofa_help (bank). Week k is [rrWeek − 7k days, rrWeek − 7(k−1) days).
var rrWeek = time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)

// rrAt is day d, hour h of week k.
func rrAt(k, d, h int) time.Time {
	return rrWeek.AddDate(0, 0, -7*k+d).Add(time.Duration(h) * time.Hour)
}

func withReasons(rs ...string) func(*mention.Mention) {
	return func(m *mention.Mention) {
		for _, r := range rs {
			m.ContactReason = append(m.ContactReason, mention.Reason{Reason: r, Confidence: 0.8})
		}
	}
}

func withText(s string) func(*mention.Mention) { return func(m *mention.Mention) { m.Text = s } }

// rrCounts: per klm reason, the posts of weeks 0 … 7.
var rrCounts = map[string][8]int{
	// k0 6 against prev 3 and trailing mean 3: 6·4 = 24 ≥ 1.25·12 and
	// 24 ≥ 12 + 8 → growing; seen in all 8 weeks.
	"baggage": {6, 3, 3, 3, 3, 2, 2, 2},
	// 2 against 6 and 6: 8·100 ≤ 80·24 and 8 + 8 ≤ 24 → shrinking; 5 weeks.
	"refund": {2, 6, 6, 6, 6, 0, 0, 0},
	// 3 against 3 and (3+3+4+2)/4 = 3 → steady; 5 weeks.
	"booking": {3, 3, 3, 4, 2, 0, 0, 0},
	// 2, never before → new.
	"wifi": {2, 0, 0, 0, 0, 0, 0, 0},
	// 0 after 2 → gone.
	"delay": {0, 2, 1, 0, 0, 0, 0, 0},
	// Seen 3 weeks ago only: not listed.
	"lounge": {0, 0, 0, 5, 0, 0, 0, 0},
	// 1 after a 5-week gap: seen before in the window, so not new; +1
	// post is below ReasonMinChange → steady.
	"seat": {1, 0, 0, 0, 0, 0, 1, 0},
	// 5 against 4 and 4: exactly +25 % but only +1 post → steady.
	"checkin": {5, 4, 4, 4, 4, 0, 0, 0},
	// 5 against 3 and 3: +2 posts exactly ReasonMinChange, ≥ +25 % →
	// growing (one of its week-0 posts is also a baggage post: 4 posts
	// of its own below).
	"meal": {5, 3, 3, 3, 3, 0, 0, 0},
	// Posts without a reason: 1 and 1 → steady (unclassified).
	"": {1, 1, 0, 0, 0, 0, 0, 0},
}

func buildReasonScenario() *scenario {
	s := &scenario{}
	n := 0
	id := func(p string) string { n++; return fmt.Sprintf("%s%d", p, n) }
	for reason, ks := range rrCounts {
		for k, c := range ks {
			for i := 0; i < c; i++ {
				if k == 0 && (reason == "baggage" || reason == "refund" || reason == "meal") {
					continue // below, by hand
				}
				var f func(*mention.Mention)
				if reason != "" {
					f = withReasons(reason)
				} else {
					f = func(*mention.Mention) {}
				}
				p := s.post(id("r"), rrAt(k, 1, i), "klm")
				f(p)
			}
		}
	}
	// baggage, week 0: six posts (the first also about a meal); four
	// answered in the week (FRT 60, 120, 300, 600 s: median 210 s), three
	// of them with the same canned text addressed to different
	// customers, one answered after the week's end (not answered as of
	// the end), one never.
	texts := []string{
		"@ann Sorry about your bag, DM us your file reference.",
		"@bob  Sorry about your bag, DM us your file reference.  ",
		"We are on it",
		"@cy @dee Sorry about your bag, DM us your file reference.",
	}
	frts := []time.Duration{300 * sec, 60 * sec, 600 * sec, 120 * sec}
	for i := 0; i < 6; i++ {
		p := s.post(id("bag"), rrAt(0, 2, i), "klm")
		if i == 0 {
			withReasons("baggage", "meal")(p)
		} else {
			withReasons("baggage")(p)
		}
		switch {
		case i < 4:
			r := s.reply(id("bagr"), "klm", p, frts[i])
			withText(texts[i])(r)
			if i == 3 {
				// An older version of the same reply with another text:
				// the newest version's text counts.
				old := *r
				old.Text = "draft"
				newer := r.EnrichedAt.Add(time.Minute)
				r.EnrichedAt = &newer
				s.ms = append(s.ms, &old)
			}
		case i == 4:
			r := s.reply(id("bagr"), "klm", p, 6*24*hr)
			withText("Too late")(r)
		}
	}
	// meal, week 0: four posts of its own (5 with the baggage one).
	for i := 0; i < 4; i++ {
		s.post(id("meal"), rrAt(0, 3, i), "klm").ContactReason = []mention.Reason{{Reason: "meal", Confidence: 0.7}}
	}
	// refund, week 0: two posts answered with two texts, one each: the
	// tie goes to the alphabetically first. FRTs 1000 and 3000 s.
	for i, tx := range []string{"B: refunds take 7 days", "A: we have refunded you"} {
		p := s.post(id("ref"), rrAt(0, 4, i), "klm")
		withReasons("refund")(p)
		r := s.reply(id("refr"), "klm", p, time.Duration(1000+2000*i)*sec)
		withText(tx)(r)
	}
	// bofa_help: one card post this week (for the brand filter).
	withReasons("card")(s.post(id("bofa"), rrAt(0, 1, 0), "bofa_help"))
	// Posts outside the window and after the week: never counted.
	withReasons("baggage")(s.post(id("old"), rrAt(8, 1, 0), "klm"))
	withReasons("baggage")(s.post(id("next"), rrAt(-1, 0, 0), "klm"))
	return s
}

// wantReasons is klm's table for rrWeek, derived above: brand, reason,
// count, prev, trailing mean, weeks present, trend, answered, FRT median
// (s), top reply, its count. Sorted by count descending, then reason.
var wantReasons = []string{
	"klm|baggage|6|3|3|8|growing|4|210|Sorry about your bag, DM us your file reference.|3",
	"klm|checkin|5|4|4|5|steady|0|0||0",
	"klm|meal|5|3|3|5|growing|1|300|Sorry about your bag, DM us your file reference.|1",
	"klm|booking|3|3|3|5|steady|0|0||0",
	"klm|refund|2|6|6|5|shrinking|2|2000|A: we have refunded you|1",
	"klm|wifi|2|0|0|1|new|0|0||0",
	"klm|seat|1|0|0|2|steady|0|0||0",
	"klm|unclassified|1|1|0.25|2|steady|0|0||0",
	"klm|delay|0|2|0.75|2|gone|0|0||0",
}

func reasonLine(r analytics.ReasonTrend) string {
	return fmt.Sprintf("%s|%s|%d|%d|%g|%d|%s|%d|%g|%s|%d", r.Brand, r.Reason, r.Count, r.PrevCount, r.TrailingMean,
		r.WeeksPresent, r.Trend, r.Answered, r.FRTMedianSec, r.TopReply, r.TopReplyCount)
}

func TestRecurringReasons(t *testing.T) {
	ctx := context.Background()
	db, conn := migrated(t)
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := buildReasonScenario()
	insert(t, conn, db, s.ms)
	insert(t, conn, db, s.ms) // duplicates change nothing

	rows, err := analytics.RecurringReasons(ctx, conn, db, reg, analytics.Query{Brands: []string{"klm"}}, rrWeek.Add(50*hr))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, reasonLine(r))
		if !r.Week.Equal(rrWeek) || r.WeeksWindow != analytics.ReasonWindowWeeks {
			t.Errorf("%s: week %v of %d, want %v of %d", r.Reason, r.Week, r.WeeksWindow, rrWeek, analytics.ReasonWindowWeeks)
		}
	}
	if g, w := strings.Join(got, "\n"), strings.Join(wantReasons, "\n"); g != w {
		t.Fatalf("recurring reasons\n got:\n%s\nwant:\n%s", g, w)
	}

	t.Run("counts agree with the leaderboard's inbound", func(t *testing.T) {
		lb, err := analytics.Leaderboard(ctx, conn, db, analytics.Query{Since: rrWeek, Until: rrWeek.AddDate(0, 0, 7), Brands: []string{"klm"}})
		if err != nil {
			t.Fatal(err)
		}
		var sum uint64
		for _, r := range rows {
			sum += r.Count
		}
		// One week-0 post has two reasons (baggage and meal).
		if len(lb) != 1 || lb[0].Inbound != sum-1 {
			t.Fatalf("leaderboard %+v; reasons count %d posts (one twice)", lb, sum)
		}
		var answered uint64
		for _, r := range rows {
			answered += r.Answered
		}
		if lb[0].Answered != answered-1 { // the same post again
			t.Fatalf("leaderboard answered %d, reasons %d", lb[0].Answered, answered)
		}
	})

	t.Run("every brand", func(t *testing.T) {
		rows, err := analytics.RecurringReasons(ctx, conn, db, reg, analytics.Query{}, rrWeek)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(wantReasons)+1 || reasonLine(rows[0]) != "bofa_help|card|1|0|0|1|new|0|0||0" {
			t.Fatalf("rows %v", rows)
		}
	})

	t.Run("a week in progress", func(t *testing.T) {
		// As of Wednesday 00:00: the baggage posts (Wednesday) and the
		// meal, refund posts (Thursday, Friday) are not there yet.
		rows, err := analytics.RecurringReasons(ctx, conn, db, reg, analytics.Query{Until: rrWeek.Add(48 * hr), Brands: []string{"klm"}}, rrWeek)
		if err != nil {
			t.Fatal(err)
		}
		byReason := map[string]analytics.ReasonTrend{}
		for _, r := range rows {
			byReason[r.Reason] = r
		}
		if b := byReason["baggage"]; b.Count != 0 || b.Trend != "gone" || b.PrevCount != 3 {
			t.Errorf("baggage as of Wednesday: %s", reasonLine(b))
		}
		if m := byReason["refund"]; m.Count != 0 || m.Trend != "gone" {
			t.Errorf("refund as of Wednesday: %s", reasonLine(m))
		}
		if w := byReason["wifi"]; w.Count != 2 || w.Trend != "new" {
			t.Errorf("wifi as of Wednesday: %s", reasonLine(w))
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, q := range []analytics.Query{{Brands: []string{"Not-an-id"}}, {Brands: []string{"no_such_brand"}}} {
			if _, err := analytics.RecurringReasons(ctx, conn, db, reg, q, rrWeek); err == nil {
				t.Errorf("brands %v accepted", q.Brands)
			}
		}
		if _, err := analytics.RecurringReasons(ctx, conn, db, reg, analytics.Query{}, time.Time{}); err == nil {
			t.Error("a zero week accepted")
		}
	})
}

func TestClassifyReason(t *testing.T) {
	tests := []struct {
		name                  string
		count, prev, trailSum uint64
		weeks                 int
		want                  string
	}{
		{"gone", 0, 3, 12, 5, analytics.TrendGone},
		{"new", 4, 0, 0, 1, analytics.TrendNew},
		{"back after a gap is not new", 4, 0, 0, 2, analytics.TrendGrowing},
		{"growing on both", 6, 3, 12, 8, analytics.TrendGrowing},
		{"growing: exactly +25 % and +2", 10, 8, 32, 8, analytics.TrendGrowing},
		{"+25 % but +1 post", 5, 4, 16, 8, analytics.TrendSteady},
		{"+2 posts but +22 %", 11, 9, 36, 8, analytics.TrendSteady},
		{"up on last week, not on the trailing mean", 6, 2, 24, 8, analytics.TrendSteady},
		{"up on the trailing mean, not on last week", 6, 6, 8, 8, analytics.TrendSteady},
		{"shrinking on both", 2, 6, 24, 5, analytics.TrendShrinking},
		{"shrinking: exactly −20 % and −2", 8, 10, 40, 8, analytics.TrendShrinking},
		{"−20 % but −1 post", 4, 5, 20, 8, analytics.TrendSteady},
		{"down on last week only", 3, 8, 12, 8, analytics.TrendSteady},
		{"trailing mean fractional", 1, 1, 1, 2, analytics.TrendSteady},
		{"steady", 3, 3, 12, 5, analytics.TrendSteady},
	}
	for _, tt := range tests {
		if got := analytics.ClassifyReason(tt.count, tt.prev, tt.trailSum, tt.weeks); got != tt.want {
			t.Errorf("%s: ClassifyReason(%d, %d, %d, %d) = %s, want %s", tt.name, tt.count, tt.prev, tt.trailSum, tt.weeks, got, tt.want)
		}
	}
}

func TestWeekStart(t *testing.T) {
	for in, want := range map[time.Time]time.Time{
		time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC):                   rrWeek,
		time.Date(2024, 3, 10, 23, 59, 59, 0, time.UTC):               rrWeek,
		time.Date(2024, 3, 11, 0, 0, 0, 0, time.UTC):                  rrWeek.AddDate(0, 0, 7),
		time.Date(2024, 3, 11, 0, 30, 0, 0, time.FixedZone("", 3600)): rrWeek, // Sunday 23:30 UTC
	} {
		if got := analytics.WeekStart(in); !got.Equal(want) {
			t.Errorf("WeekStart(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestWriteReasons(t *testing.T) {
	rows := []analytics.ReasonTrend{
		{Brand: "klm", Reason: "baggage", Week: rrWeek, Count: 6, PrevCount: 3, TrailingMean: 3, WeeksPresent: 8, WeeksWindow: 8,
			Trend: "growing", Answered: 4, FRTMedianSec: 210, TopReply: "Sorry, \"DM\" us,\nplease", TopReplyCount: 3},
		{Brand: "klm", Reason: "delay", Week: rrWeek, PrevCount: 2, TrailingMean: 0.75, WeeksPresent: 2, WeeksWindow: 8, Trend: "gone"},
	}
	tests := []struct{ format, want string }{
		{"csv", "week,brand,reason,trend,count,prev_count,trailing_mean,weeks_present,weeks_window,answered,answered_share,frt_median_s,top_reply,top_reply_count\n" +
			"2024-03-04,klm,baggage,growing,6,3,3.00,8,8,4,0.6667,210.0,\"Sorry, \"\"DM\"\" us,\nplease\",3\n" +
			"2024-03-04,klm,delay,gone,0,2,0.75,2,8,0,,,,0\n"},
		{"json", `[
  {
    "week": "2024-03-04",
    "brand": "klm",
    "reason": "baggage",
    "trend": "growing",
    "count": 6,
    "prev_count": 3,
    "trailing_mean": 3.00,
    "weeks_present": 8,
    "weeks_window": 8,
    "answered": 4,
    "answered_share": 0.6667,
    "frt_median_s": 210.0,
    "top_reply": "Sorry, \"DM\" us,\nplease",
    "top_reply_count": 3
  },
  {
    "week": "2024-03-04",
    "brand": "klm",
    "reason": "delay",
    "trend": "gone",
    "count": 0,
    "prev_count": 2,
    "trailing_mean": 0.75,
    "weeks_present": 2,
    "weeks_window": 8,
    "answered": 0,
    "answered_share": null,
    "frt_median_s": null,
    "top_reply": "",
    "top_reply_count": 0
  }
]
`},
		{"table", "WEEK        BRAND  REASON   TREND    COUNT  PREV  TRAILING  WEEKS  ANSWERED  FRT MEDIAN  TOP REPLY\n" +
			"2024-03-04  klm    baggage  growing  6      3     3.00      8/8    66.7%     3m30s       Sorry, \"DM\" us, please (3)\n" +
			"2024-03-04  klm    delay    gone     0      2     0.75      2/8    -         -           -\n"},
	}
	for _, tt := range tests {
		var buf strings.Builder
		if err := analytics.WriteReasons(&buf, tt.format, rows); err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); got != tt.want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", tt.format, got, tt.want)
		}
	}
	if err := analytics.WriteReasons(&strings.Builder{}, "xml", rows); err == nil {
		t.Error("format xml accepted")
	}
}
