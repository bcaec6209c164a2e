package detect_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/storage"
)

// Current ClickHouse is checked with chDB (npm package chdb), as in
// package analytics: EARSHOT_CHDB_NODE_PATH is a NODE_PATH where
// require('chdb') resolves; EARSHOT_REQUIRE_CHDB=1 turns a missing chDB
// into a failure.
const (
	envChDBNodePath = "EARSHOT_CHDB_NODE_PATH"
	envRequireChDB  = "EARSHOT_REQUIRE_CHDB"
)

const chdbScript = `
const fs = require("fs"), os = require("os"), path = require("path");
const { Session } = require("chdb");
const stmts = JSON.parse(fs.readFileSync(0, "utf8"));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "earshot-chdb-"));
const s = new Session(dir);
const out = [];
for (const q of stmts) {
  try { out.push({ out: s.query(q, "TSV") || "" }); }
  catch (e) { out.push({ err: String((e && e.message) || e) }); break; }
}
try { s.cleanup(); } catch (e) {}
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify(out));
`

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv(envRequireChDB) == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}

func runChDB(t *testing.T, stmts []string) []string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node not installed: current ClickHouse (chDB) not checked")
	}
	env := os.Environ()
	if p := os.Getenv(envChDBNodePath); p != "" {
		env = append(env, "NODE_PATH="+p)
	}
	probe := exec.Command(node, "-e", "require.resolve('chdb')")
	probe.Env = env
	if err := probe.Run(); err != nil {
		skipOrFail(t, fmt.Sprintf("npm package chdb not found (make chdb; set %s): current ClickHouse not checked", envChDBNodePath))
	}
	in, err := json.Marshal(stmts)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "-e", chdbScript)
	cmd.Env = env
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chdb: %v\n%s", err, stderr.String())
	}
	var res []struct{ Out, Err string }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("chdb output: %v\n%s", err, out)
	}
	var outs []string
	for i, r := range res {
		if r.Err != "" {
			t.Fatalf("chdb: statement %d failed: %s\n%.400s", i+1, r.Err, stmts[i])
		}
		outs = append(outs, r.Out)
	}
	if len(outs) != len(stmts) {
		t.Fatalf("chdb ran %d of %d statements", len(outs), len(stmts))
	}
	return outs
}

var quoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

func literal(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case string:
		return "'" + quoter.Replace(x) + "'"
	case time.Time:
		return strconv.FormatInt(x.Unix(), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	if v.Kind() == reflect.Slice {
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = literal(v.Index(i))
		}
		if len(parts) == 0 && v.Type().Elem().Kind() == reflect.String {
			return "emptyArrayString()"
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v.Interface())
}

func valuesRow(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = literal(reflect.ValueOf(v))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func inline(sql string, args []any) string {
	for _, a := range args {
		sql = strings.Replace(sql, "?", literal(reflect.ValueOf(a)), 1)
	}
	return sql
}

// The migrations, the bucket query and the alerts queries run on current
// ClickHouse with the same counts as Aggregate.
func TestCurrentClickHouse(t *testing.T) {
	const db = "earshot_chdb"
	migs, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	m := &storage.Migrator{Database: db, Migrations: migs}
	stmts := []string{"CREATE DATABASE IF NOT EXISTS " + db}
	for _, mig := range migs {
		s, err := m.Render(mig.Name, mig.Up)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, s...)
	}
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
		rows = append(rows, valuesRow(vals))
	}
	insert := storage.InsertMentionsSQL(db) + " VALUES " + strings.Join(rows, ", ")
	stmts = append(stmts, insert, insert) // twice: duplicates must not count
	bucket := 5 * time.Minute
	from := detect.BucketStart(ms[0].CreatedAt, bucket)
	to := detect.BucketStart(ms[len(ms)-1].CreatedAt, bucket).Add(bucket)
	sql, args := detect.BucketsQuery(db, bucket, 500, from, to)
	qBuckets := len(stmts)
	stmts = append(stmts, "SELECT brand, toUInt32(bucket), volume, negative, positive, length(posts) FROM ("+inline(sql, args)+") ORDER BY 2, 1")

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
		stmts = append(stmts, detect.InsertAlertsSQL(db)+" VALUES "+valuesRow(row))
		if i == 1 {
			resolved.Status, resolved.Version, resolved.ResolvedAt = detect.StatusResolved, 2, onset.Add(time.Hour)
			row, _ := detect.AlertRow(detect.Event{Type: detect.EventResolve, Incident: resolved})
			stmts = append(stmts, detect.InsertAlertsSQL(db)+" VALUES "+valuesRow(row))
		}
	}
	qOpen := len(stmts)
	stmts = append(stmts, detect.OpenAlertsQuery(db))
	for i := len(migs) - 1; i >= 0; i-- {
		s, err := m.Render(migs[i].Name, migs[i].Down)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, s...)
	}
	stmts = append(stmts, "SELECT count() FROM system.tables WHERE database = '"+db+"'")
	outs := runChDB(t, stmts)

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
	if left := strings.TrimSpace(outs[len(outs)-1]); left != "0" {
		t.Errorf("%s tables left after the down migrations", left)
	}
}
