package detect_test

import (
	"cmp"
	"context"
	"reflect"
	"slices"
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

func TestClearWindowSQL(t *testing.T) {
	since, until := time.Unix(1000, 0), time.Unix(4000, 0)
	for _, tc := range []struct {
		name, db, cluster   string
		count, del, pending string
		wantErr             bool
	}{
		{name: "one server", db: "earshot",
			count:   "SELECT count() FROM earshot.alerts WHERE version > 1000 AND version <= 4000",
			del:     "ALTER TABLE earshot.alerts DELETE WHERE version > 1000 AND version <= 4000",
			pending: "SELECT count() FROM system.mutations WHERE database = 'earshot' AND table = 'alerts' AND is_done = 0"},
		{name: "cluster", db: "earshot", cluster: "main",
			count:   "SELECT count() FROM earshot.alerts WHERE version > 1000 AND version <= 4000",
			del:     "ALTER TABLE earshot.alerts_local ON CLUSTER main DELETE WHERE version > 1000 AND version <= 4000",
			pending: "SELECT count() FROM cluster('main', system, mutations) WHERE database = 'earshot' AND table = 'alerts_local' AND is_done = 0"},
		{name: "bad database", db: "earshot; DROP", wantErr: true},
		{name: "bad cluster", db: "earshot", cluster: "a b", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			count, del, pending, err := detect.ClearWindowSQL(tc.db, tc.cluster, since, until)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error; got %q", del)
				}
				return
			}
			if err != nil || count != tc.count || del != tc.del || pending != tc.pending {
				t.Fatalf("got %q, %q, %q, %v", count, del, pending, err)
			}
		})
	}
}

// alertRow is one alerts row as the tests compare them.
type alertRow struct {
	ID      string
	Version uint64
	Event   string
	Status  string
}

func alertRows(t *testing.T, m *storage.Migrator, db string) []alertRow {
	t.Helper()
	rows, err := m.Conn.Query(context.Background(), "SELECT incident_id, version, event, status FROM "+db+".alerts ORDER BY incident_id, version, event")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []alertRow
	for rows.Next() {
		var r alertRow
		if err := rows.Scan(&r.ID, &r.Version, &r.Event, &r.Status); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func eventRows(evs []detect.Event) []alertRow {
	var out []alertRow
	for _, ev := range evs {
		out = append(out, alertRow{ev.Incident.ID, ev.Incident.Version, ev.Type, ev.Incident.Status})
	}
	slices.SortFunc(out, func(a, b alertRow) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Event, b.Event))
	})
	return out
}

// TestBackfillReplacesWindow: on ClickHouse, a backfill replaces what an
// earlier run stored for the window's buckets — a later resolve of the
// same incident and an incident this run does not find — and keeps the
// rows before and after the window. Run again, it replaces its own rows
// with the same ones.
func TestBackfillReplacesWindow(t *testing.T) {
	c, m := migrated(t)
	st := &detect.ClickHouseStore{Conn: m.Conn, Database: c.Database, Poll: 20 * time.Millisecond}
	ctx := context.Background()
	onset := t0.Add(5*24*time.Hour + 10*time.Hour)
	s := series{cfg: detect.DefaultConfig(), brands: sixBrands, seed: 21, events: []event{
		{brands: []string{"charlie"}, from: onset, to: onset.Add(3 * time.Hour), mult: constant(10), neg: 0.9, pos: 0.02, term: "outage"},
	}}
	since, until := t0.Add(4*24*time.Hour), t0.Add(7*24*time.Hour)
	now := until.Add(48 * time.Hour)

	// What this backfill stores, in memory.
	mem := &rowStore{}
	r, _ := newRunner(t, &memSource{s: s}, mem, now)
	res, err := r.Backfill(ctx, since, until)
	if err != nil {
		t.Fatal(err)
	}
	var outage detect.Incident
	for _, inc := range res.Incidents {
		if inc.Kind == detect.KindCrisis && inc.Brand == "charlie" {
			outage = inc
		}
	}
	if outage.ID == "" || outage.Status != detect.StatusResolved {
		t.Fatalf("the outage was not found and resolved: %+v", res.Incidents)
	}

	// An earlier run's rows: the same incident resolved later, an incident
	// this run does not find, and rows just outside the window.
	stale := outage
	stale.ResolvedAt, stale.UpdatedAt, stale.Version = outage.ResolvedAt.Add(2*time.Hour), outage.ResolvedAt.Add(2*time.Hour), outage.Version+7200
	ghost := outage
	ghost.ID, ghost.Brand, ghost.Status, ghost.Version = "delta-crisis-x", "delta", detect.StatusOpen, uint64(since.Add(5*time.Minute).Unix())
	before, after := ghost, ghost
	before.ID, before.Version = "delta-crisis-before", uint64(since.Unix())
	after.ID, after.Version = "delta-crisis-after", uint64(until.Add(5*time.Minute).Unix())
	if err := st.Save(ctx, []detect.Event{{Type: detect.EventResolve, Incident: stale}, {Type: detect.EventOpen, Incident: ghost},
		{Type: detect.EventOpen, Incident: before}, {Type: detect.EventOpen, Incident: after}}); err != nil {
		t.Fatal(err)
	}

	want := eventRows(append(mem.evs, detect.Event{Type: detect.EventOpen, Incident: before}, detect.Event{Type: detect.EventOpen, Incident: after}))
	for run, wantReplaced := range []int{2, len(mem.evs)} {
		r, _ := newRunner(t, &memSource{s: s}, st, now)
		res, err := r.Backfill(ctx, since, until)
		if err != nil {
			t.Fatalf("run %d: %v", run+1, err)
		}
		if res.Replaced != wantReplaced || res.Events != len(mem.evs) {
			t.Errorf("run %d: replaced %d rows and stored %d, want %d and %d", run+1, res.Replaced, res.Events, wantReplaced, len(mem.evs))
		}
		if got := alertRows(t, m, c.Database); !reflect.DeepEqual(got, want) {
			t.Fatalf("run %d: alerts rows\n got %v\nwant %v", run+1, got, want)
		}
	}
	// An empty window removes nothing (and makes no mutation).
	if n, err := st.ClearWindow(ctx, now, now.Add(time.Hour)); n != 0 || err != nil {
		t.Errorf("empty window: %d, %v", n, err)
	}
}
