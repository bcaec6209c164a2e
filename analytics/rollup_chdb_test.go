package analytics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/storage"
)

// inbound_posts on current ClickHouse (chDB): the rollup's statements run,
// and the leaderboard read from the table — alone, beside the raw tables,
// with every post touched (all from the raw tables), and after the
// touched posts were overwritten and computed again — gives the
// scenario's numbers.
func TestInboundPostsCurrentClickHouse(t *testing.T) {
	const db = "earshot_chdb"
	stmts := testenv.MigrationStatements(t, db)
	var b storage.MentionBlock
	for _, mm := range buildScenario().ms {
		if err := b.Append(mm); err != nil {
			t.Fatal(err)
		}
	}
	stmts = append(stmts, testenv.InsertMentionsValues(db, &b), testenv.InsertMentionsValues(db, &b))
	from, to := since.Truncate(time.Hour).Add(-24*time.Hour), until.Truncate(time.Hour).Add(2*time.Hour)
	never, always := time.Unix(0, 0), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	sql, args := storage.InboundPostsQuery(db, from, to, 1, time.Time{})
	stmts = append(stmts, testenv.Inline(sql, args))

	all := analytics.Query{Since: since, Until: until}
	two := analytics.Query{Since: since, Until: until, Brands: []string{"gamma", "beta"}}
	lines := strings.Split(wantCSV, "\n")
	wantTwo := lines[0] + "\n" + lines[2] + "\n" + lines[4] + "\n"
	type check struct {
		name string
		idx  int
		want string
	}
	var checks []check
	add := func(name string, q analytics.Query, a, z time.Time, exclude, rest bool, want string) {
		sql, args := analytics.LeaderboardPlanQuery(db, q, a, z, never, always, exclude, rest)
		checks = append(checks, check{name, len(stmts), want})
		stmts = append(stmts, testenv.Inline(sql, args))
	}
	add("table only", all, since, until, false, false, wantCSV)
	add("table only, two brands", two, since, until, false, false, wantTwo)
	add("table and raw", all, since.Add(24*time.Hour), until.Add(-24*time.Hour), false, true, wantCSV)
	add("every post touched", all, since, until, true, true, wantCSV)
	sql, args = storage.InboundTombstonesQuery(db, from, to, 2, never)
	stmts = append(stmts, testenv.Inline(sql, args))
	sql, args = storage.InboundPostsQuery(db, from, to, 3, never)
	stmts = append(stmts, testenv.Inline(sql, args))
	add("recomputed", all, since, until, false, false, wantCSV)
	countIdx := len(stmts)
	stmts = append(stmts, "SELECT count() FROM "+db+".inbound_posts FINAL WHERE version = 3")
	stmts = append(stmts, testenv.MigrationDownStatements(t, db)...)

	outs := testenv.ChDBExec(t, stmts)
	for _, c := range checks {
		if got := tsvToCSV(t, outs[c.idx]); got != c.want {
			t.Errorf("%s on chDB:\n got:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
	// alpha 14, beta 5, gamma 2, delta 1 inbound, plus the posts of the
	// rollup's wider hours (b6 before since, b8 at until).
	if n := strings.TrimSpace(outs[countIdx]); n != "24" {
		t.Errorf("inbound_posts holds %s recomputed rows, want 24", n)
	}
}
