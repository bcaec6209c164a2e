package analytics_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/storage"
)

// The recurring-reasons SQL runs on current ClickHouse (chDB) over the
// same scenario, inserted twice, with the values derived by hand in
// reasons_test.go.
func TestRecurringReasonsSQLOnCurrentClickHouse(t *testing.T) {
	const db = "earshot_chdb"
	stmts := testenv.MigrationStatements(t, db)
	var b storage.MentionBlock
	for _, m := range buildReasonScenario().ms {
		if err := b.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	stmts = append(stmts, testenv.InsertMentionsValues(db, &b), testenv.InsertMentionsValues(db, &b))
	end := rrWeek.AddDate(0, 0, 7)
	scope, err := analytics.LiteralScope(rrWeek, end, []string{"klm"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sql, err := analytics.RecurringReasonsSQL(db, scope, strconv.FormatInt(end.Unix(), 10))
	if err != nil {
		t.Fatal(err)
	}
	outs := testenv.ChDBExec(t, append(stmts, sql))
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(outs[len(outs)-1], "\n"), "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 12 {
			t.Fatalf("row %q: %d columns, want 12", l, len(f))
		}
		// brand reason count prev trailing_sum trailing_mean weeks trend
		// answered frt_median_ms top_reply top_reply_count
		ms, err := strconv.ParseFloat(f[9], 64)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{f[0], f[1], f[2], f[3], f[5], f[6], f[7], f[8], fmt.Sprint(ms / 1000), f[10], f[11]}, "|"))
	}
	if g, w := strings.Join(got, "\n"), strings.Join(wantReasons, "\n"); g != w {
		t.Fatalf("recurring reasons on chDB\n got:\n%s\nwant:\n%s", g, w)
	}
}
