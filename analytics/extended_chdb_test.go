package analytics_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/internal/testenv"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/storage"
)

// sameTSV compares TSV outputs field by field, numbers to 1e-9.
func sameTSV(got, want string) bool {
	g := strings.Split(strings.TrimSpace(got), "\n")
	w := strings.Split(strings.TrimSpace(want), "\n")
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		gf, wf := strings.Split(g[i], "\t"), strings.Split(w[i], "\t")
		if len(gf) != len(wf) {
			return false
		}
		for j := range gf {
			if gf[j] == wf[j] {
				continue
			}
			a, err1 := strconv.ParseFloat(gf[j], 64)
			b, err2 := strconv.ParseFloat(wf[j], 64)
			if err1 != nil || err2 != nil || a-b > 1e-9 || b-a > 1e-9 {
				return false
			}
		}
	}
	return true
}

// The SQL of the full leaderboard's extra columns runs on current
// ClickHouse (chDB) with the values derived by hand in extended_test.go.
func TestExtendedSQLOnCurrentClickHouse(t *testing.T) {
	const db = "earshot_chdb"
	stmts := testenv.MigrationStatements(t, db)
	var b storage.MentionBlock
	for _, mm := range buildExtScenario().ms {
		if err := b.Append(mm); err != nil {
			t.Fatal(err)
		}
	}
	stmts = append(stmts, testenv.InsertMentionsValues(db, &b), testenv.InsertMentionsValues(db, &b))
	scope, err := analytics.LiteralScope(extSince, extUntil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ms := func(t time.Time) int64 { return t.UnixMilli() }
	w1 := time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC)
	type check struct {
		name string
		sql  func() (string, error)
		want string
	}
	checks := []check{
		{"brand stats", func() (string, error) { return analytics.BrandStatsSQL(db, scope) },
			// brand, inbound, answered, pending, rate num/den, sla15 num/den,
			// sla60 num/den, n_frt, median, p90 (ms), sentiment mean,
			// negative, scored first replies, deflected, canned, empathy.
			"ask_wellsfargo\t1\t1\t0\t1\t1\t1\t1\t1\t1\t1\t600000\t600000\t0.5\t0\t0\t0\t0\t0\n" +
				"bofa_help\t4\t3\t0\t2\t3\t1\t4\t2\t4\t3\t3600000\t51600000\t-0.1\t2\t2\t1\t1\t60\n" +
				"klm\t1\t0\t0\t0\t1\t0\t1\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\n"},
		{"frt pairs", func() (string, error) { return analytics.FRTPairsSQL(db, scope) },
			fmt.Sprintf("ask_wellsfargo\t%d\t%d\nbofa_help\t%d\t%d\nbofa_help\t%d\t%d\nbofa_help\t%d\t%d\n",
				ms(w1), ms(w1)+600000,
				ms(nyTime(7, 10, 0)), ms(nyTime(7, 10, 5)),
				ms(nyTime(9, 20, 50)), ms(nyTime(10, 11, 10)),
				ms(nyTime(11, 9, 0)), ms(nyTime(11, 10, 0)))},
		{"platforms", func() (string, error) { return analytics.PlatformSQL(db, scope) },
			"ask_wellsfargo\tx\t1\t1\nbofa_help\tbluesky\t1\t0\nbofa_help\tx\t3\t3\nklm\tx\t1\t0\n"},
		// New York time: w1r Mon 07:10, p2r Wed 10:05, p1r Sat 11:10,
		// p3r Sun 10:00 (q0r is in the week before).
		{"reply hours", func() (string, error) { return analytics.ReplyHoursSQL(db, scope, "America/New_York") },
			"ask_wellsfargo\t1\t7\t1\nbofa_help\t3\t10\t1\nbofa_help\t6\t11\t1\nbofa_help\t7\t10\t1\n"},
	}
	first := len(stmts)
	for _, c := range checks {
		sql, err := c.sql()
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, sql)
	}
	outs := testenv.ChDBExec(t, stmts)
	for i, c := range checks {
		if got := outs[first+i]; !sameTSV(got, c.want) {
			t.Errorf("%s on chDB:\n got:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
}
