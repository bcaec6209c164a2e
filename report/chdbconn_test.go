package report_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/internal/testenv"
)

// chdbSessionScript keeps one chDB session open and answers one JSON line
// ({q, f}) with one JSON line ({out} or {err}), so a test loads its data
// once and then runs every query of a code path against it.
const chdbSessionScript = `
const fs = require("fs"), os = require("os"), path = require("path"), readline = require("readline");
const { Session } = require("chdb");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "earshot-chdb-"));
const s = new Session(dir);
const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on("line", (line) => {
  const r = JSON.parse(line);
  let o;
  try { o = { out: s.query(r.q, r.f || "TSV") || "" }; }
  catch (e) { o = { err: String((e && e.message) || e) }; }
  process.stdout.write(JSON.stringify(o) + "\n");
});
rl.on("close", () => {
  try { s.cleanup(); } catch (e) {}
  fs.rmSync(dir, { recursive: true, force: true });
});
`

// chdbSession is a running chDB session (current ClickHouse, in process
// of a node child).
type chdbSession struct {
	mu  sync.Mutex
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// startChDB starts a session; it skips the test when node or the npm
// package chdb is missing, and fails it then under EARSHOT_REQUIRE_CHDB=1.
func startChDB(t testing.TB) *chdbSession {
	t.Helper()
	skip := func(why string) {
		t.Helper()
		if os.Getenv(testenv.EnvRequireChDB) == "1" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node not installed: current ClickHouse (chDB) not checked")
	}
	env := append(os.Environ(), "TZ=UTC")
	if p := os.Getenv(testenv.EnvChDBNodePath); p != "" {
		env = append(env, "NODE_PATH="+p)
	}
	probe := exec.Command(node, "-e", "require.resolve('chdb')")
	probe.Env = env
	if err := probe.Run(); err != nil {
		skip(fmt.Sprintf("npm package chdb not found (make chdb; set %s): current ClickHouse not checked", testenv.EnvChDBNodePath))
	}
	cmd := exec.Command(node, "-e", chdbSessionScript)
	cmd.Env = env
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &chdbSession{cmd: cmd, in: in, out: bufio.NewReader(out)}
	t.Cleanup(func() {
		_ = s.in.Close()
		_ = s.cmd.Wait()
	})
	// Results as the native protocol has them: NaN and ±Inf as such, times in UTC.
	for _, q := range []string{"SET output_format_json_quote_denormals = 1", "SET session_timezone = 'UTC'"} {
		if _, err := s.run(q, "TSV"); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// run executes one statement and returns its output in format.
func (s *chdbSession) run(q, format string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	line, err := json.Marshal(map[string]string{"q": q, "f": format})
	if err != nil {
		return "", err
	}
	if _, err := s.in.Write(append(line, '\n')); err != nil {
		return "", fmt.Errorf("chdb: %w", err)
	}
	resp, err := s.out.ReadBytes('\n')
	if err != nil {
		return "", fmt.Errorf("chdb: reading the answer: %w", err)
	}
	var r struct{ Out, Err string }
	if err := json.Unmarshal(resp, &r); err != nil {
		return "", fmt.Errorf("chdb answer: %w", err)
	}
	if r.Err != "" {
		return "", fmt.Errorf("chdb: %s\n%.600s", r.Err, q)
	}
	return r.Out, nil
}

// mustExec runs statements, failing the test at the first that fails.
func (s *chdbSession) mustExec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.run(q, "TSV"); err != nil {
			t.Fatal(err)
		}
	}
}

// chdbConn is a driver.Conn whose Query runs on a chDB session: the
// placeholders are inlined as literals and the result is scanned with the
// clickhouse-go rule that a destination's Go type must match the column's
// ClickHouse type, so a type that changed between releases fails here as it
// would against a current server. Every other method panics (the embedded
// nil Conn): code under test that used one would not be covered.
type chdbConn struct {
	driver.Conn
	s *chdbSession

	mu      sync.Mutex
	queries []string // every query run, as passed (placeholders intact)
}

func (c *chdbConn) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.queries = append(c.queries, query)
	c.mu.Unlock()
	if n := strings.Count(query, "?"); n != len(args) {
		return nil, fmt.Errorf("chdbConn: %d placeholders, %d arguments", n, len(args))
	}
	out, err := c.s.run(testenv.Inline(query, args), "JSONCompact")
	if err != nil {
		return nil, err
	}
	var res struct {
		Meta []struct{ Name, Type string }
		Data [][]json.RawMessage
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		return nil, fmt.Errorf("chdbConn: decoding JSONCompact: %w", err)
	}
	r := &chdbRows{data: res.Data, i: -1}
	for _, m := range res.Meta {
		r.names = append(r.names, m.Name)
		r.types = append(r.types, m.Type)
	}
	return r, nil
}

// queryCount is how many queries ran.
func (c *chdbConn) queryCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queries)
}

type chdbRows struct {
	driver.Rows
	names, types []string
	data         [][]json.RawMessage
	i            int
	err          error
}

func (r *chdbRows) Next() bool {
	if r.err != nil || r.i+1 >= len(r.data) {
		return false
	}
	r.i++
	return true
}

func (r *chdbRows) Columns() []string { return r.names }
func (r *chdbRows) Close() error      { return nil }
func (r *chdbRows) Err() error        { return r.err }

func (r *chdbRows) Scan(dest ...any) error {
	if len(dest) != len(r.types) {
		return fmt.Errorf("chdbConn: expected %d destination arguments in Scan, not %d", len(r.types), len(dest))
	}
	row := r.data[r.i]
	for i, d := range dest {
		v := reflect.ValueOf(d)
		if v.Kind() != reflect.Pointer || v.IsNil() {
			return fmt.Errorf("chdbConn: column %s: destination %T is not a non-nil pointer", r.names[i], d)
		}
		if err := assign(v.Elem(), r.types[i], row[i]); err != nil {
			return fmt.Errorf("chdbConn: column %s: %w", r.names[i], err)
		}
	}
	return nil
}

func inner(typ, wrapper string) (string, bool) {
	if strings.HasPrefix(typ, wrapper+"(") && strings.HasSuffix(typ, ")") {
		return typ[len(wrapper)+1 : len(typ)-1], true
	}
	return "", false
}

var intKinds = map[string]reflect.Kind{
	"UInt8": reflect.Uint8, "UInt16": reflect.Uint16, "UInt32": reflect.Uint32, "UInt64": reflect.Uint64,
	"Int8": reflect.Int8, "Int16": reflect.Int16, "Int32": reflect.Int32, "Int64": reflect.Int64,
}

var timeType = reflect.TypeOf(time.Time{})

// assign stores the JSONCompact value raw of ClickHouse type typ in dst,
// refusing the combinations clickhouse-go refuses.
func assign(dst reflect.Value, typ string, raw json.RawMessage) error {
	mismatch := func() error { return fmt.Errorf("converting %s to %s is unsupported", typ, dst.Type()) }
	if t, ok := inner(typ, "LowCardinality"); ok {
		return assign(dst, t, raw)
	}
	isNull := bytes.Equal(raw, []byte("null"))
	if t, ok := inner(typ, "Nullable"); ok {
		if dst.Kind() == reflect.Pointer {
			if isNull {
				dst.Set(reflect.Zero(dst.Type()))
				return nil
			}
			p := reflect.New(dst.Type().Elem())
			if err := assign(p.Elem(), t, raw); err != nil {
				return err
			}
			dst.Set(p)
			return nil
		}
		if isNull {
			dst.Set(reflect.Zero(dst.Type()))
			return nil
		}
		return assign(dst, t, raw)
	}
	if isNull {
		return fmt.Errorf("NULL in the non-nullable type %s", typ)
	}
	if t, ok := inner(typ, "Array"); ok {
		if dst.Kind() != reflect.Slice {
			return mismatch()
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return err
		}
		s := reflect.MakeSlice(dst.Type(), len(elems), len(elems))
		for i, e := range elems {
			if err := assign(s.Index(i), t, e); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	}
	str := func() (string, error) {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	num := func() string { return strings.Trim(string(raw), `"`) }
	switch {
	case typ == "String" || strings.HasPrefix(typ, "FixedString(") || strings.HasPrefix(typ, "Enum8(") || strings.HasPrefix(typ, "Enum16("):
		if dst.Kind() != reflect.String {
			return mismatch()
		}
		s, err := str()
		if err != nil {
			return err
		}
		dst.SetString(s)
	case intKinds[typ] != 0:
		k := intKinds[typ]
		if typ == "UInt8" && dst.Kind() == reflect.Bool {
			dst.SetBool(num() != "0")
			return nil
		}
		if dst.Kind() != k {
			return mismatch()
		}
		if strings.HasPrefix(typ, "U") {
			n, err := strconv.ParseUint(num(), 10, 64)
			if err != nil {
				return err
			}
			dst.SetUint(n)
		} else {
			n, err := strconv.ParseInt(num(), 10, 64)
			if err != nil {
				return err
			}
			dst.SetInt(n)
		}
	case typ == "Float32" || typ == "Float64":
		if (typ == "Float64" && dst.Kind() != reflect.Float64) || (typ == "Float32" && dst.Kind() != reflect.Float32) {
			return mismatch()
		}
		f, err := strconv.ParseFloat(num(), 64)
		if err != nil {
			return err
		}
		dst.SetFloat(f)
	case typ == "DateTime" || strings.HasPrefix(typ, "DateTime(") || typ == "Date":
		if dst.Type() != timeType {
			return mismatch()
		}
		loc := time.UTC
		if tz, ok := inner(typ, "DateTime"); ok {
			var err error
			if loc, err = time.LoadLocation(strings.Trim(tz, "'")); err != nil {
				return err
			}
		}
		s, err := str()
		if err != nil {
			return err
		}
		layout := "2006-01-02 15:04:05"
		if typ == "Date" {
			layout = "2006-01-02"
		}
		tm, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(tm))
	default:
		return fmt.Errorf("type %s is not handled by the chDB test connection", typ)
	}
	return nil
}
