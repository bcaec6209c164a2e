package analytics_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

// The leaderboard read from inbound_posts (migration 0004) equals the one
// computed from the raw tables, row for row, whatever arrived after the
// rollup ran: before any run, after a run, after re-deliveries, late
// replies and new versions of posts (the touched posts come from the raw
// tables), and after the next run took them in.
func TestLeaderboardRolledUpEqualsRaw(t *testing.T) {
	ctx := context.Background()
	db, conn := migrated(t)
	loadSynthetic(t, conn, db, 40_000)
	sc := buildScenario()
	insert(t, conn, db, sc.ms)
	insert(t, conn, db, sc.ms)

	end := scaleStart.Add(time.Duration(scaleDays) * 24 * time.Hour)
	queries := []analytics.Query{
		{Since: since, Until: until},
		{Since: since, Until: until, Brands: []string{"gamma", "beta"}},
		{Since: since.Add(30 * time.Minute), Until: until.Add(-17*time.Minute - 3*time.Millisecond)},
		{Since: end.Add(-7 * 24 * time.Hour), Until: end},
		{Since: end.Add(-30 * 24 * time.Hour), Until: end.Add(-3 * 24 * time.Hour), Brands: []string{"b3"}},
		{Since: scaleStart, Until: end},
	}
	check := func(stage string, wantOn, wantExclude bool) {
		t.Helper()
		for i, q := range queries {
			got, err := analytics.Leaderboard(ctx, conn, db, q)
			if err != nil {
				t.Fatalf("%s: query %d: %v", stage, i, err)
			}
			want, err := analytics.LeaderboardRaw(ctx, conn, db, q)
			if err != nil {
				t.Fatalf("%s: query %d raw: %v", stage, i, err)
			}
			if len(want) == 0 {
				t.Fatalf("%s: query %d: no rows; the test data is not what it should be", stage, i)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: query %d (%s – %s %v):\n got %s\nwant %s", stage, i, q.Since, q.Until, q.Brands, rowsString(got), rowsString(want))
			}
			on, exclude, err := analytics.PlanOn(ctx, conn, db, q)
			if err != nil {
				t.Fatal(err)
			}
			if on != wantOn || (on && exclude != wantExclude) {
				t.Errorf("%s: query %d reads inbound_posts %t (touched posts from the raw tables %t), want %t (%t)", stage, i, on, exclude, wantOn, wantExclude)
			}
		}
	}
	check("before any rollup", false, false)

	opt := storage.InboundOptions{From: scaleStart.Add(-24 * time.Hour), Margin: time.Second}
	rollup := func() storage.InboundRun {
		t.Helper()
		// Changes are stamped in whole seconds: the watermark (start −
		// margin) must be past those of the inserts just made.
		time.Sleep(2100 * time.Millisecond)
		run, err := storage.RollupInboundPosts(ctx, conn, db, opt)
		if err != nil {
			t.Fatal(err)
		}
		return run
	}
	run := rollup()
	if len(run.Hours) < scaleDays*24 || run.Recomputed {
		t.Fatalf("first run: %d hours, recomputed %t; want every hour of the data and nothing recomputed", len(run.Hours), run.Recomputed)
	}
	check("after the first run", true, false)

	// Re-deliveries, late replies (one to a post no reply answered yet,
	// one by a brand the post does not address), and a new version that
	// turns a customer post into a brand's own post.
	late := []*mention.Mention{
		sc.reply("a6-late", "alpha", find(t, sc, "x:a6"), 30*time.Hour),
		sc.reply("a5-zeta", "zeta", find(t, sc, "x:a5"), 90*time.Second),
	}
	turned := *find(t, sc, "x:a1")
	enriched := turned.EnrichedAt.Add(time.Hour)
	turned.EnrichedAt, turned.AuthorBrand = &enriched, "beta"
	insert(t, conn, db, sc.ms)
	insert(t, conn, db, append(late, &turned))
	check("after late changes", true, true)

	run = rollup()
	if len(run.Hours) != 0 || !run.Recomputed {
		t.Fatalf("second run: %d new hours, recomputed %t; want none and the touched posts recomputed", len(run.Hours), run.Recomputed)
	}
	check("after the second run", true, false)
}

func find(t *testing.T, sc *scenario, id string) *mention.Mention {
	t.Helper()
	for _, m := range sc.ms {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("no mention %s in the scenario", id)
	return nil
}

func rowsString(rows []analytics.Row) string {
	var s string
	for _, r := range rows {
		s += "\n  " + r.Brand + ": " + joinFields(r)
	}
	return s
}

func joinFields(r analytics.Row) string {
	out := ""
	for _, f := range analytics.RowFields(r) {
		out += f + " "
	}
	return out
}
