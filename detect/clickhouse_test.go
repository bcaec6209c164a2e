package detect_test

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/enrich/brands"
	"github.com/earshot-dev/earshot/enrich/sentiment"
	"github.com/earshot-dev/earshot/ingest/simulate"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
	"github.com/earshot-dev/earshot/storage"
)

// enriched simulates a day of posts for a few brands (o2's built-in
// outage included) and enriches them with the production enrichers.
func enriched(tb testing.TB, days int) []*mention.Mention {
	tb.Helper()
	return enrichedBrands(tb, days, []string{"o2", "tesco", "klm"})
}

type mentionT = mention.Mention

func enrichedBrands(tb testing.TB, days int, brandIDs []string) []*mention.Mention {
	tb.Helper()
	reg, err := registry.Default()
	if err != nil {
		tb.Fatal(err)
	}
	cfg := simulate.DefaultConfig()
	cfg.Days, cfg.Brands, cfg.Progress = days, brandIDs, "none"
	start, _ := cfg.StartTime()
	sim, err := simulate.Generate(cfg, reg, start.AddDate(0, 0, days+30))
	if err != nil {
		tb.Fatal(err)
	}
	be, err := brands.New(reg, brands.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	se, err := sentiment.New(sentiment.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	pipe, err := enrich.NewPipeline(be, se)
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range sim.Mentions {
		if err := pipe.Enrich(context.Background(), m); err != nil {
			tb.Fatal(err)
		}
	}
	return sim.Mentions
}

// migrated returns a connection and database on the test ClickHouse with
// every migration applied.
func migrated(t *testing.T) (storage.Config, *storage.Migrator) {
	t.Helper()
	c := testenv.ClickHouse(t)
	conn := testenv.Conn(t, c)
	m, err := storage.NewMigrator(conn, c)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	return c, m
}

type counts struct {
	Volume, Negative, Positive, TermPosts, PositivePosts int
	Terms, Reasons, PositiveTerms                        map[string]int
}

func countsOf(bs map[int64][]*detect.Bucket) map[string]counts {
	out := map[string]counts{}
	for at, list := range bs {
		for _, b := range list {
			out[time.Unix(at, 0).UTC().Format(time.RFC3339)+" "+b.Brand] = counts{b.Volume, b.Negative, b.Positive, b.TermPosts, b.PositivePosts,
				nonEmpty(b.Terms), nonEmpty(b.Reasons), nonEmpty(b.PositiveTerms)}
		}
	}
	return out
}

func nonEmpty(m map[string]int) map[string]int {
	if len(m) == 0 {
		return nil
	}
	return m
}

// The ClickHouse source gives the same buckets as Aggregate over the same
// mentions — with every mention inserted twice.
func TestClickHouseSourceMatchesAggregate(t *testing.T) {
	c, m := migrated(t)
	ms := enriched(t, 1)
	var b storage.MentionBlock
	for _, x := range ms {
		if err := b.Append(x); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for range 2 {
		if err := storage.InsertMentions(ctx, m.Conn, c.Database, &b); err != nil {
			t.Fatal(err)
		}
	}
	bucket := 5 * time.Minute
	src := &detect.ClickHouseSource{Conn: m.Conn, Database: c.Database, Bucket: bucket, TextsPerBucket: 10000}
	from := detect.BucketStart(ms[0].CreatedAt, bucket)
	to := from.Add(24 * time.Hour)
	got, err := src.Buckets(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := detect.Aggregate(ms, bucket)
	for at := range want {
		if at >= to.Unix() {
			delete(want, at)
		}
	}
	g, w := countsOf(got), countsOf(want)
	if len(w) < 100 {
		t.Fatalf("only %d brand-buckets in the simulated day", len(w))
	}
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	bad := 0
	for _, k := range keys {
		if !reflect.DeepEqual(g[k], w[k]) {
			if bad++; bad <= 3 {
				t.Errorf("%s: ClickHouse %+v\nGo %+v", k, g[k], w[k])
			}
		}
	}
	if len(g) != len(w) {
		t.Errorf("%d brand-buckets from ClickHouse, %d from Go", len(g), len(w))
	}
	// The examples carry ids, texts and times.
	for _, list := range got {
		for _, bk := range list {
			for _, p := range bk.Examples {
				if p.ID == "" || p.Text == "" || p.CreatedAt.Before(bk.Start) || !p.CreatedAt.Before(bk.Start.Add(bucket)) {
					t.Fatalf("example %+v of bucket %s", p, bk.Start)
				}
			}
		}
	}
}

func TestClickHouseStore(t *testing.T) {
	c, m := migrated(t)
	st := &detect.ClickHouseStore{Conn: m.Conn, Database: c.Database}
	ctx := context.Background()
	onset := time.Date(2026, 9, 16, 6, 0, 0, 0, time.UTC)
	inc := detect.Incident{ID: "o2-crisis-20260916T0600Z", Brand: "o2", Kind: detect.KindCrisis, Severity: detect.SeverityMajor,
		Status: detect.StatusOpen, Onset: onset, OpenedAt: onset.Add(10 * time.Minute), UpdatedAt: onset.Add(10 * time.Minute),
		Version: uint64(onset.Add(10 * time.Minute).Unix()), Score: 8, PeakScore: 8, Volume: 40, ExpectedVolume: 4,
		TopTerms: []detect.Burst{{Term: "no signal", Count: 30, Expected: 2, Score: 12}},
		Examples: []detect.Post{{ID: "sim:1", Text: "@O2 no signal 'again'\ttab", Label: "negative", CreatedAt: onset}}, Summary: "o2 crisis"}
	other := inc
	other.ID, other.Brand = "tesco-crisis-20260916T0600Z", "tesco"
	upd := inc
	upd.Severity, upd.UpdatedAt, upd.Version = detect.SeverityCritical, onset.Add(15*time.Minute), inc.Version+300
	if err := st.Save(ctx, []detect.Event{{Type: detect.EventOpen, Incident: inc}, {Type: detect.EventOpen, Incident: other}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, []detect.Event{{Type: detect.EventUpdate, Incident: upd}}); err != nil {
		t.Fatal(err)
	}
	open, err := st.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 2 || open[0].ID != inc.ID || open[0].Severity != detect.SeverityCritical || !reflect.DeepEqual(open[0].Examples, inc.Examples) {
		t.Fatalf("open incidents %+v", open)
	}
	res := other
	res.Status, res.ResolvedAt, res.UpdatedAt, res.Version = detect.StatusResolved, onset.Add(time.Hour), onset.Add(time.Hour), other.Version+3000
	if err := st.Save(ctx, []detect.Event{{Type: detect.EventResolve, Incident: res}}); err != nil {
		t.Fatal(err)
	}
	open, err = st.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].ID != inc.ID {
		t.Fatalf("after the resolve: %+v", open)
	}
	var n uint64
	if err := m.Conn.QueryRow(ctx, "SELECT count() FROM "+c.Database+".alerts").Scan(&n); err != nil || n != 4 {
		t.Errorf("alerts rows %d (%v), want 4 versions", n, err)
	}
}
