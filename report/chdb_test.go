package report_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/registry"
	"github.com/earshot-dev/earshot/report"
	"github.com/earshot-dev/earshot/storage"
)

// seededChDB loads the seeded weeks (the mentions twice: duplicates must
// not count) and the seeded incident into a chDB session and returns a
// connection to it.
func seededChDB(t *testing.T) (string, *chdbConn) {
	t.Helper()
	s := startChDB(t)
	const db = "earshot_chdb"
	s.mustExec(t, testenv.MigrationStatements(t, db)...)
	var b storage.MentionBlock
	for _, m := range seedMentions() {
		if err := b.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	ins := testenv.InsertMentionsValues(db, &b)
	s.mustExec(t, ins, ins)
	for _, ev := range seedIncident() {
		row, err := detect.AlertRow(ev)
		if err != nil {
			t.Fatal(err)
		}
		s.mustExec(t, detect.InsertAlertsSQL(db)+" VALUES "+testenv.ValuesRow(row...))
	}
	return db, &chdbConn{s: s}
}

// TestReportOnCurrentClickHouse builds the seeded week's report on current
// ClickHouse (chDB): every query Build runs — the leaderboard's of this
// week and the last, the inbound posts, recurring reasons, alerts, replies,
// post texts, coverage, hours and brand mentions — goes through the chDB
// connection, whose Scan refuses a column type that differs from the Go
// type the code scans into. The rendered HTML and Markdown must equal the
// golden files written from ClickHouse 18.16 (numbers to 12 significant
// digits), and, when the 18.16 test
// server is there, the whole model must equal the one built on it.
func TestReportOnCurrentClickHouse(t *testing.T) {
	db, conn := seededChDB(t)
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opts := report.Options{Brand: "klm", Week: seedWeek, Now: func() time.Time { return seedNow }}
	r, err := report.Build(ctx, conn, db, reg, opts)
	if err != nil {
		t.Fatalf("build on current ClickHouse: %v", err)
	}
	t.Logf("%d queries ran on chDB", conn.queryCount())

	var html, md bytes.Buffer
	if err := report.WriteHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteMarkdown(&md, r, ""); err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		file string
		got  []byte
	}{{"klm-2026-W47.html", html.Bytes()}, {"klm-2026-W47.md", md.Bytes()}} {
		want, err := os.ReadFile(filepath.Join("testdata", g.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(roundLong(g.got), roundLong(want)) {
			p := filepath.Join(os.TempDir(), "chdb-"+g.file)
			_ = os.WriteFile(p, g.got, 0o644)
			t.Errorf("%s built on current ClickHouse differs from the 18.16 golden file; got written to %s", g.file, p)
		}
	}
	if len(r.Crises) != 1 || len(r.Best) == 0 || len(r.Canned) == 0 || len(r.Reasons) == 0 || len(r.Coverage.Sources) == 0 {
		t.Errorf("a section is empty on chDB: crises %d, best %d, canned %d, reasons %d, sources %d",
			len(r.Crises), len(r.Best), len(r.Canned), len(r.Reasons), len(r.Coverage.Sources))
	}

	// The brands a run without --brand reports on (the leaderboard of every brand).
	brands, err := report.BrandsWithPosts(ctx, conn, db, reg, seedWeek, "")
	if err != nil {
		t.Fatalf("brands with posts on current ClickHouse: %v", err)
	}
	if want := []string{"air_france", "klm", "lufthansa"}; !reflect.DeepEqual(brands, want) {
		t.Errorf("brands with posts on chDB: %v, want %v", brands, want)
	}

	t.Run("same model as ClickHouse 18.16", func(t *testing.T) {
		db16, conn16 := seeded(t) // skips without the 18.16 test server
		r16, err := report.Build(ctx, conn16, db16, reg, opts)
		if err != nil {
			t.Fatal(err)
		}
		sameModel(t, r16, r)
		b16, err := report.BrandsWithPosts(ctx, conn16, db16, reg, seedWeek, "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(b16, brands) {
			t.Errorf("brands with posts: 18.16 %v, chDB %v", b16, brands)
		}
	})
}

// sameModel compares two reports field by field through their JSON form
// (times as instants, floats to 12 significant digits), naming the first
// fields that differ.
func sameModel(t *testing.T, want, got *report.Report) {
	t.Helper()
	flat := func(r *report.Report) map[string]string {
		out := map[string]string{}
		flatten("", reflect.ValueOf(r), out)
		return out
	}
	w, g := flat(want), flat(got)
	var diffs []string
	for k, wv := range w {
		if gv, ok := g[k]; !ok || gv != wv {
			diffs = append(diffs, k+": 18.16 "+wv+", chDB "+gv)
		}
	}
	for k, gv := range g {
		if _, ok := w[k]; !ok {
			diffs = append(diffs, k+": only on chDB: "+gv)
		}
	}
	sort.Strings(diffs)
	if len(w) < 200 {
		t.Errorf("the report model has only %d fields; the comparison would prove little", len(w))
	}
	for i, d := range diffs {
		if i == 20 {
			t.Errorf("… and %d more differences", len(diffs)-20)
			break
		}
		t.Error(d)
	}
}

var longFloat = regexp.MustCompile(`-?[0-9]+\.[0-9]{10,}(e-?[0-9]+)?`)

// roundLong rounds the numbers printed with full float64 precision (the
// data-value attributes) to 12 significant digits: sums of floats (avg)
// may differ in the last bits with the order ClickHouse adds them in.
func roundLong(b []byte) []byte {
	return longFloat.ReplaceAllFunc(b, func(m []byte) []byte {
		f, err := strconv.ParseFloat(string(m), 64)
		if err != nil {
			return m
		}
		return []byte(strconv.FormatFloat(f, 'g', 12, 64))
	})
}

// flatten writes every leaf of v under its path: struct fields, slice
// indexes and lengths, map keys; times as instants, floats exactly.
func flatten(p string, v reflect.Value, out map[string]string) {
	if v.Type() == reflect.TypeOf(time.Time{}) {
		out[p] = strconv.FormatInt(v.Interface().(time.Time).UnixNano(), 10)
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			out[p] = "nil"
			return
		}
		flatten(p, v.Elem(), out)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() {
				flatten(p+"."+f.Name, v.Field(i), out)
			}
		}
	case reflect.Slice, reflect.Array:
		out[p+".len"] = strconv.Itoa(v.Len())
		for i := 0; i < v.Len(); i++ {
			flatten(p+"["+strconv.Itoa(i)+"]", v.Index(i), out)
		}
	case reflect.Map:
		out[p+".len"] = strconv.Itoa(v.Len())
		for _, k := range v.MapKeys() {
			flatten(p+"["+fmt.Sprint(k.Interface())+"]", v.MapIndex(k), out)
		}
	case reflect.Float32, reflect.Float64:
		// 12 significant digits: sums of floats (avg) may differ in the
		// last bits with the order ClickHouse adds them in.
		out[p] = strconv.FormatFloat(v.Float(), 'g', 12, 64)
	default:
		out[p] = fmt.Sprint(v.Interface())
	}
}
