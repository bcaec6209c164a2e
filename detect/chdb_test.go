package detect_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/internal/testenv"

	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/storage"
)

// The migrations, the bucket query and the alerts queries run on current
// ClickHouse with the same counts as Aggregate.
func TestCurrentClickHouse(t *testing.T) {
	const db = "earshot_chdb"
	stmts := testenv.MigrationStatements(t, db)
	ms := enriched(t, 1)[:400]
	var b storage.MentionBlock
	for _, x := range ms {
		if err := b.Append(x); err != nil {
			t.Fatal(err)
		}
	}
	cols := b.Columns()
	var rows []string
	for r := 0; r < b.Len(); r++ {
		vals := make([]any, len(cols))
		for i, c := range cols {
			vals[i] = reflect.ValueOf(c).Index(r).Interface()
		}
		rows = append(rows, testenv.ValuesRow(vals...))
	}
	insert := storage.InsertMentionsSQL(db) + " VALUES " + strings.Join(rows, ", ")
	stmts = append(stmts, insert, insert) // twice: duplicates must not count
	bucket := 5 * time.Minute
	from := detect.BucketStart(ms[0].CreatedAt, bucket)
	to := detect.BucketStart(ms[len(ms)-1].CreatedAt, bucket).Add(bucket)
	sql, args := detect.BucketsQuery(db, bucket, 500, from, to)
	qBuckets := len(stmts)
	stmts = append(stmts, "SELECT brand, toUInt32(bucket), volume, negative, positive, length(posts) FROM ("+testenv.Inline(sql, args)+") ORDER BY 2, 1")

	onset := from.Add(time.Hour)
	inc := detect.Incident{ID: "o2-crisis-x", Brand: "o2", Kind: detect.KindCrisis, Severity: detect.SeverityMinor, Status: detect.StatusOpen,
		Onset: onset, OpenedAt: onset, UpdatedAt: onset, Version: 1, TopTerms: []detect.Burst{{Term: "down", Count: 3}}}
	resolved := inc
	resolved.ID = "o2-crisis-y"
	for i, ev := range []detect.Event{{Type: detect.EventOpen, Incident: inc}, {Type: detect.EventOpen, Incident: resolved}} {
		row, err := detect.AlertRow(ev)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, detect.InsertAlertsSQL(db)+" VALUES "+testenv.ValuesRow(row...))
		if i == 1 {
			resolved.Status, resolved.Version, resolved.ResolvedAt = detect.StatusResolved, 2, onset.Add(time.Hour)
			row, _ := detect.AlertRow(detect.Event{Type: detect.EventResolve, Incident: resolved})
			stmts = append(stmts, detect.InsertAlertsSQL(db)+" VALUES "+testenv.ValuesRow(row...))
		}
	}
	qOpen := len(stmts)
	stmts = append(stmts, detect.OpenAlertsQuery(db))
	// A backfill's ClearWindow over (1, 2]: the resolve (version 2) goes.
	count, del, pending, err := detect.ClearWindowSQL(db, "", time.Unix(1, 0), time.Unix(2, 0))
	if err != nil {
		t.Fatal(err)
	}
	qClear := len(stmts)
	stmts = append(stmts, count, "SET mutations_sync = 1", del, pending, "SELECT incident_id, version FROM "+db+".alerts ORDER BY 1, 2")
	// The cluster-mode statements parse (they run on the 18.16 cluster in
	// storage's TestClusterReplication; chDB has no cluster).
	count, del, pending, err = detect.ClearWindowSQL(db, "earshot", time.Unix(1, 0), time.Unix(2, 0))
	if err != nil {
		t.Fatal(err)
	}
	qExplain := len(stmts)
	stmts = append(stmts, "EXPLAIN AST "+count, "EXPLAIN AST "+del, "EXPLAIN AST "+pending)
	stmts = append(stmts, testenv.MigrationDownStatements(t, db)...)
	stmts = append(stmts, "SELECT count() FROM system.tables WHERE database = '"+db+"'")
	outs := testenv.ChDBExec(t, stmts)

	var want []string
	agg := detect.Aggregate(ms, bucket)
	for at := from; at.Before(to); at = at.Add(bucket) {
		for _, bk := range agg[at.Unix()] {
			want = append(want, fmt.Sprintf("%s\t%d\t%d\t%d\t%d\t%d", bk.Brand, at.Unix(), bk.Volume, bk.Negative, bk.Positive, bk.Volume))
		}
	}
	got := strings.Split(strings.TrimSpace(outs[qBuckets]), "\n")
	if len(want) < 10 || !reflect.DeepEqual(got, want) {
		t.Errorf("buckets on chDB:\n%s\nwant (Go):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if open := outs[qOpen]; !strings.HasPrefix(open, "o2-crisis-x\t") || strings.Count(strings.TrimSpace(open), "\n") != 0 {
		t.Errorf("open alerts on chDB: %q", open)
	}
	if c, p, left := strings.TrimSpace(outs[qClear]), strings.TrimSpace(outs[qClear+3]), strings.TrimSpace(outs[qClear+4]); c != "1" || p != "0" ||
		left != "o2-crisis-x\t1\no2-crisis-y\t1" {
		t.Errorf("ClearWindow on chDB: count %q, pending mutations %q, rows left %q", c, p, left)
	}
	for i, want := range []string{"SelectQuery", "AlterQuery", "Function cluster"} {
		if out := outs[qExplain+i]; !strings.Contains(out, want) {
			t.Errorf("EXPLAIN AST of cluster-mode ClearWindow statement %d has no %s:\n%.400s", i+1, want, out)
		}
	}
	if left := strings.TrimSpace(outs[len(outs)-1]); left != "0" {
		t.Errorf("%s tables left after the down migrations", left)
	}
}
