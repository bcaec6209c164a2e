package dashboards_test

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

	"github.com/earshot-dev/earshot/storage"
)

// EnvChDBNodePath is a NODE_PATH under which require('chdb') resolves (the
// npm package chdb: current ClickHouse in-process); EnvRequireChDB=1 turns
// a missing chDB into a failure (make test and CI set both).
const (
	EnvChDBNodePath = "EARSHOT_CHDB_NODE_PATH"
	EnvRequireChDB  = "EARSHOT_REQUIRE_CHDB"
)

// chdbScript runs {q, f} statements of a JSON array on stdin in one chDB
// session (format f, default TSV) and prints [{out} | {err}], stopping at
// the first failure of a statement marked must.
const chdbScript = `
const fs = require("fs"), os = require("os"), path = require("path");
const { Session } = require("chdb");
const stmts = JSON.parse(fs.readFileSync(0, "utf8"));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "earshot-chdb-"));
const s = new Session(dir);
const out = [];
for (const st of stmts) {
  try { out.push({ out: s.query(st.q, st.f || "TSV") || "" }); }
  catch (e) { out.push({ err: String((e && e.message) || e) }); if (st.must) break; }
}
try { s.cleanup(); } catch (e) {}
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify(out));
`

type chdbStmt struct {
	Q    string `json:"q"`
	F    string `json:"f,omitempty"`
	Must bool   `json:"must,omitempty"`
}

type chdbResult struct {
	Out string `json:"out"`
	Err string `json:"err"`
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv(EnvRequireChDB) == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}

func runChDB(t *testing.T, stmts []chdbStmt) []chdbResult {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node not installed: current ClickHouse (chDB) not checked")
	}
	env := os.Environ()
	if p := os.Getenv(EnvChDBNodePath); p != "" {
		env = append(env, "NODE_PATH="+p)
	}
	probe := exec.Command(node, "-e", "require.resolve('chdb')")
	probe.Env = env
	if err := probe.Run(); err != nil {
		skipOrFail(t, fmt.Sprintf("npm package chdb not found (make chdb; set %s): current ClickHouse not checked", EnvChDBNodePath))
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
	var res []chdbResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("chdb output: %v\n%.500s", err, out)
	}
	return res
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
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v.Interface())
}

func insertValues(db string, b *storage.MentionBlock) string {
	var sb strings.Builder
	sb.WriteString(storage.InsertMentionsSQL(db) + " VALUES ")
	cols := b.Columns()
	for row := 0; row < b.Len(); row++ {
		if row > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(")
		for i, c := range cols {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(literal(reflect.ValueOf(c).Index(row)))
		}
		sb.WriteString(")")
	}
	return sb.String()
}

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
	stmts := []chdbStmt{{Q: "CREATE DATABASE IF NOT EXISTS " + db, Must: true}}
	alerts := false
	for _, mig := range migs {
		ss, err := m.Render(mig.Name, mig.Up)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			stmts = append(stmts, chdbStmt{Q: s, Must: true})
			if strings.Contains(s, db+".alerts") && strings.Contains(s, "CREATE TABLE") {
				alerts = true
			}
		}
	}
	stmts = append(stmts, chdbStmt{Q: "USE " + db, Must: true})
	block := seedBlock(t)
	stmts = append(stmts, chdbStmt{Q: insertValues(db, block), Must: true}, chdbStmt{Q: insertValues(db, block), Must: true})
	if alerts {
		stmts = append(stmts, chdbStmt{Q: alertsInsert(""), Must: true})
	}
	first := len(stmts)
	var qs []query
	for _, q := range queries(t, build(t)) {
		if q.alerts && !alerts {
			t.Logf("%s: skipped, the alerts table (migration 0003) does not exist yet", q.name)
			continue
		}
		qs = append(qs, q)
		stmts = append(stmts, chdbStmt{Q: q.sql, F: "TSVWithNamesAndTypes"})
	}
	res := runChDB(t, stmts)
	if len(res) < first {
		t.Fatalf("chdb stopped at statement %d: %s\n%.300s", len(res), res[len(res)-1].Err, stmts[len(res)-1].Q)
	}
	for i := 0; i < first; i++ {
		if res[i].Err != "" {
			t.Fatalf("chdb: statement %d: %s\n%.300s", i+1, res[i].Err, stmts[i].Q)
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
