package analytics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/internal/testenv"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/storage"
)

// The schema and the leaderboard also run on current ClickHouse (chDB),
// with the same numbers as on the test server: migrations up, the scenario
// inserted twice, the leaderboard, migrations down.
func TestCurrentClickHouse(t *testing.T) {
	const db = "earshot_chdb"
	stmts := testenv.MigrationStatements(t, db)
	var b storage.MentionBlock
	for _, mm := range buildScenario().ms {
		if err := b.Append(mm); err != nil {
			t.Fatal(err)
		}
	}
	stmts = append(stmts, testenv.InsertMentionsValues(db, &b), testenv.InsertMentionsValues(db, &b))
	queries := []analytics.Query{
		{Since: since, Until: until},
		{Since: since, Until: until, Brands: []string{"gamma", "beta"}},
	}
	first := len(stmts)
	for _, q := range queries {
		sql, args := analytics.LeaderboardQuery(db, q)
		stmts = append(stmts, testenv.Inline(sql, args))
	}
	stmts = append(stmts, testenv.MigrationDownStatements(t, db)...)
	stmts = append(stmts, "SELECT count() FROM system.tables WHERE database = '"+db+"'")

	outs := testenv.ChDBExec(t, stmts)
	lines := strings.Split(wantCSV, "\n")
	wants := []string{wantCSV, lines[0] + "\n" + lines[2] + "\n" + lines[4] + "\n"}
	for i := range queries {
		got := tsvToCSV(t, outs[first+i])
		if got != wants[i] {
			t.Errorf("query %d on chDB:\n got:\n%s\nwant:\n%s", i, got, wants[i])
		}
	}
	if left := strings.TrimSpace(outs[len(outs)-1]); left != "0" {
		t.Errorf("%s tables left after the down migrations", left)
	}
}

// tsvToCSV turns the leaderboard query's TSV rows into Rows and writes
// them as the CSV the command prints.
func tsvToCSV(t *testing.T, tsv string) string {
	t.Helper()
	var rows []analytics.Row
	for _, line := range strings.Split(strings.TrimSpace(tsv), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 13 {
			t.Fatalf("chdb row %q has %d fields, want 13", line, len(f))
		}
		n := make([]uint64, 10)
		for i := 1; i <= 10; i++ {
			v, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			n[i-1] = v
		}
		med, err1 := strconv.ParseFloat(f[11], 64)
		p90, err2 := strconv.ParseFloat(f[12], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("chdb row %q", line)
		}
		rows = append(rows, analytics.RowFromCounts(f[0], n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], med, p90))
	}
	var buf bytes.Buffer
	if err := analytics.WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// The rollups (0002), the queries that read them and the retention
// statements run on current ClickHouse (chDB) with the same results as on
// the test server: the scenario inserted twice, the rollups backfilled
// (counted once), the first responses rolled up, the volumes and response
// times read; then the scenario's month is dropped from every table.
func TestRollupsAndRetentionCurrentClickHouse(t *testing.T) {
	const db = "earshot_chdb"
	stmts := testenv.MigrationStatements(t, db)
	ms := buildScenario().ms
	var b storage.MentionBlock
	for _, mm := range ms {
		if err := b.Append(mm); err != nil {
			t.Fatal(err)
		}
	}
	stmts = append(stmts, testenv.InsertMentionsValues(db, &b), testenv.InsertMentionsValues(db, &b))
	stmts = append(stmts, storage.BackfillRollupsSQL(db)...)
	from, to := since.Truncate(time.Hour), until.Truncate(time.Hour).Add(time.Hour)
	frSQL, frArgs := storage.FirstResponsesQuery(db, from, to, storage.DefaultSettle)
	stmts = append(stmts, testenv.Inline(frSQL, frArgs))
	period := []any{uint32(from.Unix()), uint32(to.Unix())}
	volIdx := len(stmts)
	stmts = append(stmts, testenv.Inline(storage.VolumeSQL(db), period), testenv.Inline(storage.ResponseTimesSQL(db), period), testenv.Inline(storage.PartitionsSQL, []any{db}))
	ret := &storage.Retention{Database: db}
	month := fmt.Sprintf("%04d%02d", until.Year(), int(until.Month()))
	tables := []string{"mentions", "mention_brands", "replies", "brand_hourly", "brand_reason_hourly", "first_responses", "brand_frt_hourly"}
	for _, tb := range tables {
		sql, err := ret.DropSQL(storage.Partition{Table: tb, Month: month})
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, sql)
	}
	left := len(stmts)
	for _, tb := range tables {
		stmts = append(stmts, "SELECT count() FROM "+db+"."+tb)
	}
	outs := testenv.ChDBExec(t, stmts)

	// The same on the test server.
	ctx := context.Background()
	sdb, conn := migrated(t)
	insert(t, conn, sdb, ms)
	insert(t, conn, sdb, ms)
	if err := storage.BackfillRollups(ctx, conn, sdb); err != nil {
		t.Fatal(err)
	}
	sql, args := storage.FirstResponsesQuery(sdb, from, to, storage.DefaultSettle)
	if err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
	vol, err := storage.Volume(ctx, conn, sdb, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var volTSV strings.Builder
	for _, v := range vol {
		fmt.Fprintf(&volTSV, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", v.Brand, v.Mentions, v.Inbound, v.Outbound, v.Negative, v.Positive, v.Neutral)
	}
	var chVol strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(outs[volIdx]), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 8 {
			t.Fatalf("chdb volume row %q", line)
		}
		chVol.WriteString(strings.Join(f[:7], "\t") + "\n")
	}
	if chVol.String() != volTSV.String() || len(vol) == 0 {
		t.Errorf("brand_hourly volumes differ:\nchDB:\n%s18.16:\n%s", chVol.String(), volTSV.String())
	}
	rts, err := storage.ResponseTimesOf(ctx, conn, sdb, from, to)
	if err != nil {
		t.Fatal(err)
	}
	chRTs := strings.Split(strings.TrimSpace(outs[volIdx+1]), "\n")
	if len(chRTs) != len(rts) || len(rts) == 0 {
		t.Fatalf("response times: chDB %q, 18.16 %+v", chRTs, rts)
	}
	for i, r := range rts {
		f := strings.Split(chRTs[i], "\t")
		if len(f) != 3 || f[0] != r.Brand || f[1] != strconv.FormatUint(r.Answered, 10) {
			t.Errorf("response times: chDB %q, 18.16 %+v", chRTs[i], r)
			continue
		}
		var q []float64
		if err := json.Unmarshal([]byte(f[2]), &q); err != nil || len(q) != 2 {
			t.Fatalf("chDB quantiles %q: %v", f[2], err)
		}
		// t-digest differs between the versions (18.16 interpolates
		// between centroids); on this handful of posts all that holds on
		// both is that the quantiles lie within the FRTs rolled up.
		// (storage.TestRollups checks accuracy on ~100 posts a brand.)
		var lo, hi uint64
		if err := conn.QueryRow(ctx, "SELECT min(frt_ms), max(frt_ms) FROM "+sdb+".first_responses FINAL WHERE brand = ?", r.Brand).Scan(&lo, &hi); err != nil {
			t.Fatal(err)
		}
		for _, v := range []float64{q[0], q[1], r.MedianMS, r.P90MS} {
			if v < float64(lo) || v > float64(hi) {
				t.Errorf("%s: FRT quantiles chDB %v, 18.16 [%v %v]: outside the FRTs [%d, %d] ms", r.Brand, q, r.MedianMS, r.P90MS, lo, hi)
			}
		}
		if q[0] > q[1] {
			t.Errorf("%s: chDB median %v above p90 %v", r.Brand, q[0], q[1])
		}
	}
	parts := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(outs[volIdx+2]), "\n") {
		if f := strings.Split(line, "\t"); len(f) == 4 && f[1] == month {
			parts[f[0]] = true
		}
	}
	for _, tb := range tables {
		if !parts[tb] && tb != "brand_reason_hourly" { // the scenario has no contact reasons
			t.Errorf("chDB: no partition %s of %s listed (got %v)", month, tb, parts)
		}
	}
	for i, tb := range tables {
		if n := strings.TrimSpace(outs[left+i]); n != "0" {
			t.Errorf("chDB: %s has %s rows after dropping partition %s", tb, n, month)
		}
	}
}
