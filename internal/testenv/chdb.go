package testenv

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

// Current ClickHouse is checked with chDB: the npm package chdb, ClickHouse
// in-process, driven by node. EnvChDBNodePath is a NODE_PATH under which
// require('chdb') resolves (make chdb installs it in .earshot/chdb);
// EnvRequireChDB=1 (make test and CI set it) turns a missing chDB from a
// skip into a failure, so the build proves both dialects.
const (
	EnvChDBNodePath = "EARSHOT_CHDB_NODE_PATH"
	EnvRequireChDB  = "EARSHOT_REQUIRE_CHDB"
)

// chdbScript runs the statements of a JSON array on stdin in one chDB
// session and prints [{out} | {err}], stopping at the first failure of a
// statement marked must.
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

// ChDBStatement is one statement of a chDB session.
type ChDBStatement struct {
	Query string `json:"q"`
	// Format is the output format (default TSV).
	Format string `json:"f,omitempty"`
	// Must stops the session at this statement's failure.
	Must bool `json:"must,omitempty"`
}

// ChDBResult is a statement's output, or its error.
type ChDBResult struct {
	Out string `json:"out"`
	Err string `json:"err"`
}

func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(EnvRequireChDB) == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// ChDB runs stmts in one chDB session and returns one result per statement
// run. It skips the test when node or chdb is missing (fails it under
// EnvRequireChDB=1).
func ChDB(t testing.TB, stmts []ChDBStatement) []ChDBResult {
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
	var res []ChDBResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("chdb output: %v\n%s", err, out)
	}
	return res
}

// ChDBExec runs plain statements (TSV output) in one session, failing the
// test at the first statement that fails, and returns their outputs.
func ChDBExec(t testing.TB, stmts []string) []string {
	t.Helper()
	st := make([]ChDBStatement, len(stmts))
	for i, q := range stmts {
		st[i] = ChDBStatement{Query: q, Must: true}
	}
	res := ChDB(t, st)
	outs := make([]string, 0, len(res))
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

// MigrationStatements returns CREATE DATABASE db and every embedded
// migration's up statements rendered for db: the schema, for chDB.
func MigrationStatements(t testing.TB, db string) []string {
	t.Helper()
	return append([]string{"CREATE DATABASE IF NOT EXISTS " + db}, migrationScripts(t, db, true)...)
}

// MigrationDownStatements returns every embedded migration's down
// statements rendered for db, newest first: the schema removed again.
func MigrationDownStatements(t testing.TB, db string) []string {
	t.Helper()
	return migrationScripts(t, db, false)
}

func migrationScripts(t testing.TB, db string, up bool) []string {
	t.Helper()
	migs, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	m := &storage.Migrator{Database: db, Migrations: migs}
	var stmts []string
	for i := range migs {
		mig, script := migs[i], migs[i].Up
		if !up {
			mig = migs[len(migs)-1-i]
			script = mig.Down
		}
		s, err := m.Render(mig.Name, script)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, s...)
	}
	return stmts
}

var quoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// SQLLiteral formats a Go value (a string, a time — as Unix seconds, so no
// time zone is involved —, a number, or a slice of them) as a ClickHouse
// literal. An empty string slice is emptyArrayString(): [] alone is
// Array(Nothing).
func SQLLiteral(v any) string { return literal(reflect.ValueOf(v), true) }

// literal formats v; typedEmpty writes an empty string slice as
// emptyArrayString() (needed in expressions; VALUES rows take []).
func literal(v reflect.Value, typedEmpty bool) string {
	switch x := v.Interface().(type) {
	case string:
		return "'" + quoter.Replace(x) + "'"
	case time.Time:
		return strconv.FormatInt(x.Unix(), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	if v.Kind() == reflect.Slice {
		if typedEmpty && v.Len() == 0 && v.Type().Elem().Kind() == reflect.String {
			return "emptyArrayString()"
		}
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = literal(v.Index(i), typedEmpty)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v.Interface())
}

// ValuesRow is "(v1, v2, …)" of literals.
func ValuesRow(vals ...any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = SQLLiteral(v)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// InsertMentionsValues is an INSERT … VALUES of a block into db.mentions.
func InsertMentionsValues(db string, b *storage.MentionBlock) string {
	cols := b.Columns()
	var sb strings.Builder
	sb.WriteString(storage.InsertMentionsSQL(db) + " VALUES ")
	for row := 0; row < b.Len(); row++ {
		if row > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(")
		for i, c := range cols {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(literal(reflect.ValueOf(c).Index(row), false))
		}
		sb.WriteString(")")
	}
	return sb.String()
}

// Inline replaces the positional ? placeholders of sql by the literals of
// args, in order.
func Inline(sql string, args []any) string {
	for _, a := range args {
		sql = strings.Replace(sql, "?", SQLLiteral(a), 1)
	}
	return sql
}
