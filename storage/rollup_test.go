package storage_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

var rollupStart = time.Date(2024, 5, 6, 8, 0, 0, 0, time.UTC)

// rollupWorkload: 600 customer posts over 5 hours to three brands (some
// also naming a second brand without addressing it), sentiment labels and
// contact reasons cycling, and a reply by the addressed brand to every
// other post after 1–17 minutes.
func rollupWorkload() []*mention.Mention {
	brands := []string{"alpha", "beta", "gamma"}
	labels := []string{mention.SentimentNegative, mention.SentimentPositive, mention.SentimentNeutral, mention.SentimentNegative}
	reasons := [][]string{{"refund"}, {"delay", "refund"}, nil, {"baggage"}}
	var out []*mention.Mention
	for i := 0; i < 600; i++ {
		at := rollupStart.Add(time.Duration(i)*30*time.Second + time.Duration(i%7)*111*time.Millisecond)
		en := at.Add(time.Second)
		id := fmt.Sprintf("x:p%d", i)
		b := brands[i%3]
		m := &mention.Mention{V: 1, ID: id, Platform: "x", NativeID: id[2:], CreatedAt: at, IngestedAt: en, Source: "test",
			Author: mention.Author{ID: fmt.Sprintf("u%d", i)}, Text: "hi", ConversationID: id, Direction: mention.DirectionInbound,
			Brands:     []mention.BrandMatch{{Brand: b, How: "handle", Addressed: true}},
			Sentiment:  &mention.Sentiment{Compound: float64(i%9)/4 - 1, Label: labels[i%4], Confidence: 0.5},
			EnrichedAt: &en, Enricher: "test"}
		if i%5 == 0 {
			m.Brands = append(m.Brands, mention.BrandMatch{Brand: brands[(i+1)%3], How: "keyword"})
		}
		for _, r := range reasons[i%4] {
			m.ContactReason = append(m.ContactReason, mention.Reason{Reason: r, Confidence: 0.6})
		}
		out = append(out, m)
		if i%2 == 0 {
			rat := at.Add(time.Duration(i%17+1) * time.Minute)
			ren := rat.Add(time.Second)
			out = append(out, &mention.Mention{V: 1, ID: id + "r", Platform: "x", NativeID: id[2:] + "r", CreatedAt: rat, IngestedAt: ren,
				Source: "test", Author: mention.Author{ID: b + "-official"}, Text: "sorry", ConversationID: id, InReplyTo: id,
				AuthorBrand: b, Direction: mention.DirectionOutbound, Brands: []mention.BrandMatch{{Brand: b, How: "author"}},
				Sentiment:  &mention.Sentiment{Compound: 0.3, Label: mention.SentimentPositive, Confidence: 0.5},
				EnrichedAt: &ren, Enricher: "test"})
		}
	}
	return out
}

// expectedVolume computes the rollup's numbers from the mentions in Go.
func expectedVolume(ms []*mention.Mention) []storage.HourlyVolume {
	type acc struct {
		v   storage.HourlyVolume
		sum float64
	}
	by := map[string]*acc{}
	for _, m := range ms {
		seen := map[string]bool{}
		for _, bm := range m.Brands {
			if seen[bm.Brand] {
				continue
			}
			seen[bm.Brand] = true
			a := by[bm.Brand]
			if a == nil {
				a = &acc{v: storage.HourlyVolume{Brand: bm.Brand}}
				by[bm.Brand] = a
			}
			a.v.Mentions++
			if m.AuthorBrand == "" && bm.Addressed {
				a.v.Inbound++
			}
			if m.AuthorBrand == bm.Brand {
				a.v.Outbound++
			}
			switch m.Sentiment.Label {
			case mention.SentimentNegative:
				a.v.Negative++
			case mention.SentimentPositive:
				a.v.Positive++
			case mention.SentimentNeutral:
				a.v.Neutral++
			}
			a.sum += m.Sentiment.Compound
		}
	}
	var out []storage.HourlyVolume
	for _, a := range by {
		a.v.AvgSentiment = a.sum / float64(a.v.Mentions)
		out = append(out, a.v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Brand < out[j].Brand })
	return out
}

func checkVolume(t *testing.T, got, want []storage.HourlyVolume) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("volume rows %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if math.Abs(g.AvgSentiment-w.AvgSentiment) > 1e-9 {
			t.Errorf("%s: avg sentiment %v, want %v", w.Brand, g.AvgSentiment, w.AvgSentiment)
		}
		g.AvgSentiment, w.AvgSentiment = 0, 0
		if g != w {
			t.Errorf("volume %+v, want %+v", g, w)
		}
	}
}

// The rollups on the real server: views fill brand_hourly and
// brand_reason_hourly; a replay of every mention changes no count;
// BackfillRollups fills them for data stored before 0002; the first
// responses of settled hours are rolled up once.
func TestRollups(t *testing.T) {
	cfg := testClickHouse(t)
	conn := open(t, cfg)
	ctx := context.Background()
	migs, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	ms := rollupWorkload()
	half := len(ms) / 2

	// Schema 0001 only; the first half of the data arrives; then 0002 and
	// the backfill; then the second half, then everything again (a replay).
	m := &storage.Migrator{Conn: conn, Database: cfg.Database, Migrations: migs[:1]}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	insertMentions(t, conn, cfg.Database, ms[:half])
	m.Migrations = migs
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := storage.BackfillRollups(ctx, conn, cfg.Database); err != nil {
		t.Fatal(err)
	}
	insertMentions(t, conn, cfg.Database, ms[half:])
	insertMentions(t, conn, cfg.Database, ms)

	since, until := rollupStart, rollupStart.Add(6*time.Hour)
	got, err := storage.Volume(ctx, conn, cfg.Database, since, until)
	if err != nil {
		t.Fatal(err)
	}
	checkVolume(t, got, expectedVolume(ms))

	// Contact reasons: customer posts per brand and reason.
	wantReasons := map[string]uint64{}
	for _, mm := range ms {
		if mm.AuthorBrand != "" {
			continue
		}
		seen := map[string]bool{}
		for _, bm := range mm.Brands {
			if seen[bm.Brand] {
				continue
			}
			seen[bm.Brand] = true
			for _, r := range mm.ContactReason {
				wantReasons[bm.Brand+"/"+r.Reason]++
			}
		}
	}
	rows, err := conn.Query(ctx, fmt.Sprintf("SELECT brand, reason, uniqMerge(mentions) FROM %s.brand_reason_hourly GROUP BY brand, reason", cfg.Database))
	if err != nil {
		t.Fatal(err)
	}
	gotReasons := map[string]uint64{}
	for rows.Next() {
		var b, r string
		var n uint64
		if err := rows.Scan(&b, &r, &n); err != nil {
			t.Fatal(err)
		}
		gotReasons[b+"/"+r] = n
	}
	rows.Close()
	if !reflect.DeepEqual(gotReasons, wantReasons) {
		t.Errorf("contact reasons %v, want %v", gotReasons, wantReasons)
	}

	// First responses: hours settle 48 h after they end. At 8 May 09:30
	// only the hours before 6 May 09:00 are settled.
	now := rollupStart.Add(49*time.Hour + 30*time.Minute)
	hours, err := storage.RollupFirstResponses(ctx, conn, cfg.Database, since, until, storage.DefaultSettle, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(hours) != 1 || !hours[0].Equal(rollupStart) {
		t.Fatalf("rolled up hours %v, want only %s", hours, rollupStart)
	}
	now = until.Add(72 * time.Hour)
	hours, err = storage.RollupFirstResponses(ctx, conn, cfg.Database, since, until, storage.DefaultSettle, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(hours) != 5 {
		t.Fatalf("second run rolled up %d hours, want the other 5", len(hours))
	}
	again, err := storage.RollupFirstResponses(ctx, conn, cfg.Database, since, until, storage.DefaultSettle, now)
	if err != nil || len(again) != 0 {
		t.Fatalf("third run: %v, %v; want nothing to do", again, err)
	}
	frts := map[string][]float64{}
	for _, mm := range ms {
		if mm.InReplyTo == "" {
			continue
		}
		var post *mention.Mention
		for _, p := range ms {
			if p.ID == mm.InReplyTo {
				post = p
				break
			}
		}
		frts[mm.AuthorBrand] = append(frts[mm.AuthorBrand], float64(mm.CreatedAt.Sub(post.CreatedAt).Milliseconds()))
	}
	rts, err := storage.ResponseTimesOf(ctx, conn, cfg.Database, since, until)
	if err != nil {
		t.Fatal(err)
	}
	if len(rts) != len(frts) {
		t.Fatalf("response times for %d brands, want %d", len(rts), len(frts))
	}
	for _, r := range rts {
		f := frts[r.Brand]
		sort.Float64s(f)
		if r.Answered != uint64(len(f)) {
			t.Errorf("%s: answered %d, want %d", r.Brand, r.Answered, len(f))
		}
		median := (f[(len(f)-1)/2] + f[len(f)/2]) / 2
		p90 := f[int(math.Ceil(0.9*float64(len(f))))-1]
		// t-digest: approximate; within 10 % of the exact values here.
		if math.Abs(r.MedianMS-median) > 0.1*median || math.Abs(r.P90MS-p90) > 0.1*p90 {
			t.Errorf("%s: median %.0f ms, p90 %.0f ms; exact %.0f, %.0f", r.Brand, r.MedianMS, r.P90MS, median, p90)
		}
	}
	var n uint64
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.first_responses FINAL", cfg.Database)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := uint64(len(ms) - 600); n != want {
		t.Errorf("first_responses has %d rows, want %d (one per answered post)", n, want)
	}
}
