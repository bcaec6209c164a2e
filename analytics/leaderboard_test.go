package analytics_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

// migrated returns a fresh migrated database on the real test server.
func migrated(t testing.TB) (string, driver.Conn) {
	t.Helper()
	cfg, conn := testenv.Migrated(t)
	return cfg.Database, conn
}

// The period of the scenario: [U − 7 d, U).
var (
	until = time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	since = until.Add(-7 * 24 * time.Hour)
)

func at(d time.Duration) time.Time { return until.Add(d) }

const (
	sec = time.Second
	min = time.Minute
	hr  = time.Hour
)

type scenario struct{ ms []*mention.Mention }

func (s *scenario) add(id string, created time.Time, f func(m *mention.Mention)) *mention.Mention {
	enriched := created.Add(time.Second)
	m := &mention.Mention{
		V: 1, ID: "x:" + id, Platform: "x", NativeID: id, CreatedAt: created, IngestedAt: created.Add(time.Second),
		Source: "test", Author: mention.Author{ID: "user-" + id}, Text: "text of " + id, ConversationID: "x:" + id,
		Direction: mention.DirectionInbound, EnrichedAt: &enriched, Enricher: "test",
	}
	if f != nil {
		f(m)
	}
	s.ms = append(s.ms, m)
	return m
}

// post is a customer post addressed to brands.
func (s *scenario) post(id string, created time.Time, brands ...string) *mention.Mention {
	return s.add(id, created, func(m *mention.Mention) {
		for _, b := range brands {
			m.Brands = append(m.Brands, mention.BrandMatch{Brand: b, How: "handle", Addressed: true})
		}
	})
}

// reply is a reply by brand's official account to the post p, after d.
func (s *scenario) reply(id, brand string, p *mention.Mention, d time.Duration) *mention.Mention {
	return s.add(id, p.CreatedAt.Add(d), func(m *mention.Mention) {
		m.InReplyTo, m.ConversationID, m.AuthorBrand = p.ID, p.ConversationID, brand
		m.Direction = mention.DirectionOutbound
		m.Brands = []mention.BrandMatch{{Brand: brand, How: "author"}}
	})
}

func insert(t testing.TB, conn driver.Conn, db string, ms []*mention.Mention) {
	t.Helper()
	var b storage.MentionBlock
	for _, m := range ms {
		if err := m.Validate(); err != nil {
			t.Fatalf("%s: %v", m.ID, err)
		}
		if err := b.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := storage.InsertMentions(context.Background(), conn, db, &b); err != nil {
		t.Fatal(err)
	}
}

// buildScenario is a hand-made set of mentions. The expected numbers in
// wantCSV are derived by hand in the comments.
func buildScenario() *scenario {
	s := &scenario{}
	// alpha: 14 inbound posts.
	a1 := s.post("a1", at(-48*hr), "alpha")
	s.reply("a1r", "alpha", a1, 600*sec) // frt 600
	a2 := s.post("a2", at(-47*hr), "alpha")
	s.reply("a2r", "alpha", a2, 1800*sec) // frt 1800
	a3 := s.post("a3", at(-46*hr), "alpha")
	s.reply("a3r", "alpha", a3, 7200*sec) // frt 7200
	a4 := s.post("a4", at(-45*hr), "alpha")
	s.reply("a4r2", "alpha", a4, 100000*sec)                                                 // a later second reply
	s.reply("a4r1", "alpha", a4, 90000*sec)                                                  // frt 90000: answered, not within 24 h
	a5 := s.post("a5", at(-44*hr), "alpha")                                                  // unanswered, old: not pending
	s.add("a5c", a5.CreatedAt.Add(10*min), func(m *mention.Mention) { m.InReplyTo = a5.ID }) // a customer's reply is no brand reply
	s.post("a6", at(-2*hr), "alpha")                                                         // unanswered, young: pending
	a7 := s.post("a7", at(-10*min), "alpha")                                                 // younger than 15 min: in no ratio
	s.reply("a7r", "alpha", a7, 60*sec)                                                      // frt 60
	a8 := s.post("a8", at(-30*min), "alpha")                                                 // in sla15's denominator only
	s.reply("a8r", "alpha", a8, 120*sec)                                                     // frt 120
	s.post("a9", at(-24*hr), "alpha")                                                        // exactly 24 h old, unanswered: not pending, in the rate
	s.post("a10", at(-24*hr+time.Millisecond), "alpha")                                      // 1 ms younger: pending
	a11 := s.post("a11", at(-3*hr), "alpha")
	s.reply("a11r", "alpha", a11, 3*hr+5*min) // after until: ignored, a11 is pending
	a12 := s.post("a12", at(-40*hr), "alpha")
	s.reply("a12r", "beta", a12, 60*sec) // another brand's reply: a12 stays unanswered for alpha, and is inbound for beta
	a13 := s.post("a13", at(-30*hr), "alpha")
	s.reply("a13r", "alpha", a13, 300*sec) // frt 300; a13 and a13r are inserted twice
	s.ms = append(s.ms, a13, s.ms[len(s.ms)-1])
	a14 := s.post("a14", at(-20*hr), "alpha")
	s.reply("a14r", "alpha", a14, 900*sec) // frt exactly 900: within sla15
	// alpha: inbound 14; answered a1 a2 a3 a4 a7 a8 a13 a14 = 8;
	// pending a6 a10 a11 = 3.
	// frts sorted 60 120 300 600 900 1800 7200 90000: median (600+900)/2 = 750,
	// p90 element ceil(7.2) = 8 → 90000.
	// ≤ U−24h: a1 a2 a3 a4 a5 a9 a12 a13 = 8, of which frt ≤ 86400: a1 a2 a3 a13 = 4 → 0.5.
	// ≤ U−15m: all but a7 = 13; frt ≤ 900: a1 a8 a13 a14 = 4 → 0.3077.
	// ≤ U−60m: all but a7 a8 = 12; frt ≤ 3600: a1 a2 a13 a14 = 4 → 0.3333.

	// beta and gamma.
	b1 := s.post("b1", at(-50*hr), "beta", "gamma")            // inbound for both
	s.reply("b1rb", "beta", b1, 200*sec)                       // beta frt 200
	s.reply("b1rg", "gamma", b1, 400*sec+300*time.Millisecond) // gamma frt 400.3
	b2 := s.post("b2", at(-49*hr), "beta")
	s.reply("b2r", "beta", b2, -5*sec) // clock skew: frt clamped to 0
	b3 := s.post("b3", at(-48*hr), "beta")
	s.reply("b3r", "beta", b3, 86400*sec)              // frt exactly 24 h: within the rate
	s.add("b4", at(-47*hr), func(m *mention.Mention) { // about beta, not addressed
		m.Brands = []mention.BrandMatch{{Brand: "beta", How: "alias"}}
	})
	s.add("b5", at(-46*hr), func(m *mention.Mention) { // beta's own post naming its handle
		m.AuthorBrand = "beta"
		m.Brands = []mention.BrandMatch{{Brand: "beta", How: "handle", Addressed: true}}
	})
	b6 := s.post("b6", since.Add(-time.Millisecond), "beta") // before since
	s.reply("b6r", "beta", b6, 60*sec)
	s.post("b7", since, "beta") // exactly at since: inbound, unanswered
	s.post("b8", until, "beta") // exactly at until: out
	// A brand's post addressed to alpha and answered by alpha is
	// brand-to-brand banter, not a customer post: no inbound for alpha.
	x1 := s.add("x1", at(-30*hr), func(m *mention.Mention) {
		m.AuthorBrand = "beta"
		m.Brands = []mention.BrandMatch{{Brand: "beta", How: "author"}, {Brand: "alpha", How: "handle", Addressed: true}}
	})
	s.reply("x1r", "alpha", x1, 30*sec)
	// A customer post that names no brand (say, by an anonymised handle),
	// answered by gamma: gamma's inbound post all the same.
	g2 := s.add("g2", at(-30*hr), nil)
	s.reply("g2r", "gamma", g2, 399*sec+700*time.Millisecond)
	// beta: inbound b1 b2 b3 b7 and a12 (beta replied to it) = 5,
	// answered b1 b2 b3 a12 = 4, frts 0 60 200 86400: median (60+200)/2 =
	// 130, p90 element ceil(3.6) = 4 → 86400; pending 0;
	// rate 4/5; sla15 (b1 b2 a12)/5; sla60 (b1 b2 a12)/5.
	// gamma: b1 (frt 400.3) and g2 (frt 399.7): median 400.0, p90 element
	// ceil(1.8) = 2 → 400.3; rate, sla15, sla60 2/2.

	// delta: one young unanswered post. rate undefined; sla15 and sla60
	// have the post (1 h old ≤ U−60m) in their denominators: 0.
	s.post("d1", at(-1*hr), "delta")
	// epsilon: only talked about, never addressed: no row.
	s.add("e1", at(-5*hr), func(m *mention.Mention) {
		m.Brands = []mention.BrandMatch{{Brand: "epsilon", How: "alias"}}
	})
	return s
}

const wantCSV = `brand,inbound,answered,pending,response_rate,frt_median_s,frt_p90_s,sla15,sla60
alpha,14,8,3,0.5000,750.0,90000.0,0.3077,0.3333
beta,5,4,0,0.8000,130.0,86400.0,0.6000,0.6000
delta,1,0,1,,,,0.0000,0.0000
gamma,2,2,0,1.0000,400.0,400.3,1.0000,1.0000
`

func leaderboardCSV(t testing.TB, conn driver.Conn, db string, q analytics.Query) string {
	t.Helper()
	rows, err := analytics.Leaderboard(context.Background(), conn, db, q)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := analytics.WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestLeaderboard(t *testing.T) {
	ctx := context.Background()
	db, conn := migrated(t)
	s := buildScenario()
	insert(t, conn, db, s.ms)
	q := analytics.Query{Since: since, Until: until}

	if got := leaderboardCSV(t, conn, db, q); got != wantCSV {
		t.Fatalf("leaderboard\n got:\n%s\nwant:\n%s", got, wantCSV)
	}

	t.Run("brand filter", func(t *testing.T) {
		got := leaderboardCSV(t, conn, db, analytics.Query{Since: since, Until: until, Brands: []string{"gamma", "beta", "nobody"}})
		lines := strings.Split(wantCSV, "\n")
		want := lines[0] + "\n" + lines[2] + "\n" + lines[4] + "\n"
		if got != want {
			t.Fatalf("got:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("duplicates change nothing", func(t *testing.T) {
		// The whole set again, in another insert (another part), then merged.
		insert(t, conn, db, s.ms)
		if got := leaderboardCSV(t, conn, db, q); got != wantCSV {
			t.Fatalf("after a duplicate insert\n got:\n%s\nwant:\n%s", got, wantCSV)
		}
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".mentions").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2*uint64(len(s.ms)) {
			t.Fatalf("mentions has %d rows; want %d unmerged, so that the query is what deduplicates", n, 2*len(s.ms))
		}
		for _, table := range []string{"mentions", "mention_brands", "replies"} {
			if err := conn.Exec(ctx, "OPTIMIZE TABLE "+db+"."+table+" FINAL"); err != nil {
				t.Fatal(err)
			}
		}
		if got := leaderboardCSV(t, conn, db, q); got != wantCSV {
			t.Fatalf("after merging\n got:\n%s\nwant:\n%s", got, wantCSV)
		}
	})

	t.Run("as of an earlier until", func(t *testing.T) {
		// As of U' = U − 20 h, with since U − 7 d: a14 (created at U') and
		// every younger alpha post are out; a4's first reply (U − 45 h + 25 h
		// = U') is at until: ignored, so a4 is unanswered (25 h old: not
		// pending).
		// alpha inbound a1 a2 a3 a4 a5 a9 a10 a12 a13 = 9; answered a1 a2 a3
		// a13, frts 300 600 1800 7200: median (600+1800)/2 = 1200, p90
		// element ceil(3.6) = 4 → 7200. pending: unanswered and created
		// after U' − 24 h = U − 44 h: a9 a10 a12 → 3 (a5, exactly U − 44 h,
		// is not).
		// ≤ U'−24h: a1 a2 a3 a4 a5 = 5, frt ≤ 86400: a1 a2 a3 → 0.6.
		// ≤ U'−15m: all 9; frt ≤ 900: a1 a13 → 0.2222.
		// ≤ U'−60m: all 9; frt ≤ 3600: a1 a2 a13 → 0.3333.
		got := leaderboardCSV(t, conn, db, analytics.Query{Since: since, Until: at(-20 * hr), Brands: []string{"alpha"}})
		want := "brand,inbound,answered,pending,response_rate,frt_median_s,frt_p90_s,sla15,sla60\n" +
			"alpha,9,4,3,0.6000,1200.0,7200.0,0.2222,0.3333\n"
		if got != want {
			t.Fatalf("got:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("odd median", func(t *testing.T) {
		// Since U − 46 h 30 m drops a1 and a2 (and beta's b1 b2 b3):
		// alpha answered a3 a4 a7 a8 a13 a14 → frts 60 120 300 900 7200 90000
		// is even; also drop a3 with since U − 45 h 30 m: 60 120 300 900 90000,
		// median the 3rd = 300, p90 element ceil(4.5) = 5 → 90000.
		// inbound a4..a14 = 11; pending a6 a10 a11 = 3;
		// ≤ U−24h: a4 a5 a9 a12 a13 = 5, within 24 h: a13 → 0.2;
		// ≤ U−15m: 10 (not a7); ≤ 900: a8 a13 a14 → 0.3;
		// ≤ U−60m: 9 (not a7 a8); ≤ 3600: a13 a14 → 0.2222.
		// beta keeps a12 (it replied after 60 s), gamma keeps g2 (399.7 s).
		got := leaderboardCSV(t, conn, db, analytics.Query{Since: at(-45*hr - 30*min), Until: until})
		want := "brand,inbound,answered,pending,response_rate,frt_median_s,frt_p90_s,sla15,sla60\n" +
			"alpha,11,5,3,0.2000,300.0,90000.0,0.3000,0.2222\n" +
			"beta,1,1,0,1.0000,60.0,60.0,1.0000,1.0000\n" +
			"delta,1,0,1,,,,0.0000,0.0000\n" +
			"gamma,1,1,0,1.0000,399.7,399.7,1.0000,1.0000\n"
		if got != want {
			t.Fatalf("got:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("empty period", func(t *testing.T) {
		rows, err := analytics.Leaderboard(ctx, conn, db, analytics.Query{Since: until.Add(24 * hr), Until: until.Add(48 * hr)})
		if err != nil || len(rows) != 0 {
			t.Fatalf("rows = %v, err = %v", rows, err)
		}
	})
}

// p90 by nearest rank for every n from 1 to 20, against the definition
// computed here from the same values: sorted ascending, element ceil(0.9 n).
func TestLeaderboardMedianAndP90BySize(t *testing.T) {
	db, conn := migrated(t)
	s := &scenario{}
	// Brand bN has N answered posts with frts 10, 20, …, 10·N seconds
	// (inserted in descending order, so the query must sort).
	const maxN = 20
	brands := make([]string, 0, maxN)
	for n := 1; n <= maxN; n++ {
		b := "b" + twoDigits(n)
		brands = append(brands, b)
		for i := n; i >= 1; i-- {
			p := s.post(b+"p"+twoDigits(i), at(-72*hr+time.Duration(i)*min), b)
			s.reply(b+"r"+twoDigits(i), b, p, time.Duration(10*i)*sec)
		}
	}
	insert(t, conn, db, s.ms)
	rows, err := analytics.Leaderboard(context.Background(), conn, db, analytics.Query{Since: since, Until: until})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != maxN {
		t.Fatalf("%d rows, want %d", len(rows), maxN)
	}
	for i, r := range rows {
		n := i + 1
		if r.Brand != brands[i] {
			t.Fatalf("row %d is %s, want %s", i, r.Brand, brands[i])
		}
		// Median of 10, 20, …, 10n is 5(n+1); nearest-rank p90 is
		// 10·ceil(9n/10).
		wantMedian := 5 * float64(n+1)
		wantP90 := 10 * float64((9*n+9)/10)
		if r.FRTMedianSeconds == nil || *r.FRTMedianSeconds != wantMedian {
			t.Errorf("n=%d: median %v, want %v", n, deref(r.FRTMedianSeconds), wantMedian)
		}
		if r.FRTP90Seconds == nil || *r.FRTP90Seconds != wantP90 {
			t.Errorf("n=%d: p90 %v, want %v", n, deref(r.FRTP90Seconds), wantP90)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

func TestQueryValidate(t *testing.T) {
	tests := []struct {
		name string
		q    analytics.Query
		want string
	}{
		{"missing", analytics.Query{Until: until}, "required"},
		{"reversed", analytics.Query{Since: until, Until: since}, "not before"},
		{"before 1970", analytics.Query{Since: time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC), Until: until}, "outside"},
		{"bad brand", analytics.Query{Since: since, Until: until, Brands: []string{"a'b"}}, "registry id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.q.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
	if err := (analytics.Query{Since: since, Until: until, Brands: []string{"klm", "british_airways"}}).Validate(); err != nil {
		t.Fatal(err)
	}
}
