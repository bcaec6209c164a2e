package dashboards_test

import (
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/internal/testenv"

	"github.com/earshot-dev/earshot/storage"
)

// parseTSVWithNamesAndTypes reads chDB's output into a table.
func parseTSVWithNamesAndTypes(t *testing.T, s string) table {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("chdb output without names and types: %q", s)
	}
	tb := table{names: strings.Split(lines[0], "\t"), types: strings.Split(lines[1], "\t")}
	for _, l := range lines[2:] {
		cells := strings.Split(l, "\t")
		for i, c := range cells {
			cells[i] = strings.NewReplacer(`\t`, "\t", `\n`, "\n", `\'`, "'", `\\`, `\`).Replace(c)
		}
		tb.rows = append(tb.rows, cells)
	}
	return tb
}

// The same queries run on current ClickHouse (chDB) over the same seed:
// the schema's migrations, the seed inserted twice, the alert seed, then
// every panel, variable and annotation query, with the same column and
// value checks as on the test server.
func TestPanelQueriesOnChDB(t *testing.T) {
	const db = "earshot_chdb"
	migs, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	m := &storage.Migrator{Database: db, Migrations: migs}
	stmts := []testenv.ChDBStatement{{Query: "CREATE DATABASE IF NOT EXISTS " + db, Must: true}}
	alerts := false
	for _, mig := range migs {
		ss, err := m.Render(mig.Name, mig.Up)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			stmts = append(stmts, testenv.ChDBStatement{Query: s, Must: true})
			if strings.Contains(s, db+".alerts") && strings.Contains(s, "CREATE TABLE") {
				alerts = true
			}
		}
	}
	stmts = append(stmts, testenv.ChDBStatement{Query: "USE " + db, Must: true})
	block := seedBlock(t)
	stmts = append(stmts, testenv.ChDBStatement{Query: testenv.InsertMentionsValues(db, block), Must: true}, testenv.ChDBStatement{Query: testenv.InsertMentionsValues(db, block), Must: true})
	if alerts {
		stmts = append(stmts, testenv.ChDBStatement{Query: alertsInsert(""), Must: true})
	}
	first := len(stmts)
	var qs []query
	for _, q := range queries(t, build(t)) {
		if q.alerts && !alerts {
			t.Logf("%s: skipped, the alerts table (migration 0003) does not exist yet", q.name)
			continue
		}
		qs = append(qs, q)
		stmts = append(stmts, testenv.ChDBStatement{Query: q.sql, Format: "TSVWithNamesAndTypes"})
	}
	res := testenv.ChDB(t, stmts)
	if len(res) < first {
		t.Fatalf("chdb stopped at statement %d: %s\n%.300s", len(res), res[len(res)-1].Err, stmts[len(res)-1].Query)
	}
	for i := 0; i < first; i++ {
		if res[i].Err != "" {
			t.Fatalf("chdb: statement %d: %s\n%.300s", i+1, res[i].Err, stmts[i].Query)
		}
	}
	for i, q := range qs {
		r := res[first+i]
		if r.Err != "" {
			t.Errorf("%s on chDB: %s", q.name, r.Err)
			continue
		}
		tb := parseTSVWithNamesAndTypes(t, r.Out)
		checkShape(t, q, tb)
		checkValues(t, "chDB", q, tb)
	}
}
