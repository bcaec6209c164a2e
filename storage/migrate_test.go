package storage_test

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/storage"
)

func TestLoadMigrationsErrors(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"bad name", fstest.MapFS{"1_init.up.sql": file("x")}, "want NNNN_name.up.sql"},
		{"missing down", fstest.MapFS{"0001_init.up.sql": file("x")}, "needs both"},
		{"empty up", fstest.MapFS{"0001_init.up.sql": file(" \n"), "0001_init.down.sql": file("x")}, "needs both"},
		{"gap", fstest.MapFS{
			"0001_a.up.sql": file("x"), "0001_a.down.sql": file("x"),
			"0003_c.up.sql": file("x"), "0003_c.down.sql": file("x"),
		}, "version 0003 follows 0001"},
		{"two names", fstest.MapFS{"0001_a.up.sql": file("x"), "0001_b.down.sql": file("x")}, "two names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := storage.LoadMigrations(tt.fs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// Every statement of every embedded migration must be safe to run twice:
// ClickHouse DDL is not transactional, and a migration that failed half-way
// is run again from its first statement.
func TestEmbeddedMigrationsAreIdempotent(t *testing.T) {
	migs, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) == 0 {
		t.Fatal("no embedded migrations")
	}
	idem := regexp.MustCompile(`(?is)^(CREATE (TABLE|DATABASE|MATERIALIZED VIEW|VIEW) IF NOT EXISTS|DROP (TABLE|DATABASE|VIEW) IF EXISTS|ALTER TABLE \S+ (\S+ )?(ADD COLUMN IF NOT EXISTS|DROP COLUMN IF EXISTS))`)
	for _, cluster := range []string{"", "prod"} {
		m := &storage.Migrator{Database: "earshot_x", Cluster: cluster, Migrations: migs}
		for _, mig := range migs {
			for dir, script := range map[string]string{"up": mig.Up, "down": mig.Down} {
				stmts, err := m.Render(mig.Name+"."+dir, script)
				if err != nil {
					t.Fatal(err)
				}
				if len(stmts) == 0 {
					t.Errorf("%04d %s: no statements", mig.Version, dir)
				}
				for _, s := range stmts {
					s = stripComments(s)
					if !idem.MatchString(s) {
						t.Errorf("%04d %s: statement is not idempotent: %.80s", mig.Version, dir, s)
					}
					if !strings.Contains(s, "earshot_x.") {
						t.Errorf("%04d %s: statement does not name the database: %.80s", mig.Version, dir, s)
					}
					if strings.Contains(s, "{{") {
						t.Errorf("%04d %s: unexpanded template: %.80s", mig.Version, dir, s)
					}
					if got := strings.Contains(s, "ON CLUSTER prod"); got != (cluster != "") {
						t.Errorf("%04d %s, cluster %q: ON CLUSTER present = %v: %.120s", mig.Version, dir, cluster, got, s)
					}
				}
			}
		}
	}
}

func stripComments(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			keep = append(keep, line)
		}
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

func TestRenderRejectsBadIdentifiers(t *testing.T) {
	for _, m := range []*storage.Migrator{
		{Database: "x; DROP DATABASE y"},
		{Database: "ok", Cluster: "c1 ON"},
		{Database: ""},
	} {
		if _, err := m.Render("t", "SELECT 1 FROM {{.DB}}.t"); err == nil {
			t.Errorf("Render with database %q cluster %q: no error", m.Database, m.Cluster)
		}
	}
	m := &storage.Migrator{Database: "ok"}
	if _, err := m.Render("t", "SELECT {{.Nope}}"); err == nil {
		t.Error("Render with an unknown template field: no error")
	}
}

func tables(t testing.TB, conn driver.Conn, db string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT name FROM system.tables WHERE database = ? ORDER BY name", db)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func TestMigrateUpDownStatus(t *testing.T) {
	ctx := context.Background()
	cfg := testClickHouse(t)
	conn := open(t, cfg)
	m, err := storage.NewMigrator(conn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	latest := m.Migrations[len(m.Migrations)-1].Version

	st, err := m.Status(ctx)
	if err != nil {
		t.Fatalf("status before the database exists: %v", err)
	}
	if st.Current != 0 || len(st.Pending) != len(m.Migrations) || st.UpToDate() {
		t.Fatalf("fresh status = %+v", st)
	}
	if err := m.Check(ctx); err == nil || !strings.Contains(err.Error(), "earshot migrate up") {
		t.Fatalf("Check on a fresh database = %v, want a hint to run migrate up", err)
	}

	applied, err := m.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(m.Migrations) {
		t.Fatalf("Up applied %v, want all %d", applied, len(m.Migrations))
	}
	want := []string{
		"alerts", // 0003
		"brand_frt_hourly", "brand_frt_hourly_mv", "brand_hourly", "brand_hourly_mv", "brand_reason_hourly", "brand_reason_hourly_mv",
		"first_responses",
		"inbound_changes", "inbound_changes_mv", "inbound_posts", // 0004
		"mention_brands", "mention_brands_mv", "mentions", "replies", "replies_mv", "rollup_hours", "schema_migrations",
	}
	if got := tables(t, conn, cfg.Database); !reflect.DeepEqual(got, want) {
		t.Fatalf("tables after Up = %v, want %v", got, want)
	}
	if err := m.Check(ctx); err != nil {
		t.Fatalf("Check after Up: %v", err)
	}

	// Up again is a no-op.
	applied, err = m.Up(ctx)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Up = %v, %v; want nothing applied", applied, err)
	}
	st, err = m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Current != latest || !st.UpToDate() || len(st.Applied) != len(m.Migrations) {
		t.Fatalf("status after Up = %+v", st)
	}
	if at := st.Applied[0].AppliedAt; time.Since(at) > time.Minute || time.Since(at) < -time.Minute {
		t.Errorf("applied_at = %s, want about now", at)
	}

	reverted, err := m.Down(ctx, 1)
	if err != nil || !reflect.DeepEqual(reverted, []int{latest}) {
		t.Fatalf("Down(1) = %v, %v", reverted, err)
	}
	if latest == 1 {
		if got := tables(t, conn, cfg.Database); !reflect.DeepEqual(got, []string{"schema_migrations"}) {
			t.Fatalf("tables after Down = %v", got)
		}
	}
	st, err = m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Current != latest-1 || len(st.Pending) != 1 {
		t.Fatalf("status after Down(1) = %+v", st)
	}
	if _, err := m.Down(ctx, 0); err == nil {
		t.Error("Down(0): no error")
	}

	// Up after Down re-applies.
	applied, err = m.Up(ctx)
	if err != nil || !reflect.DeepEqual(applied, []int{latest}) {
		t.Fatalf("Up after Down = %v, %v", applied, err)
	}
	if got := tables(t, conn, cfg.Database); !reflect.DeepEqual(got, want) {
		t.Fatalf("tables after re-Up = %v, want %v", got, want)
	}
}

// A database migrated by a newer earshot: every command that changes the
// schema refuses, naming both versions, and Check fails.
func TestMigrateRefusesNewerDatabase(t *testing.T) {
	ctx := context.Background()
	cfg := testClickHouse(t)
	conn := open(t, cfg)
	m, err := storage.NewMigrator(conn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	latest := m.Migrations[len(m.Migrations)-1].Version
	newer := latest + 41
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+cfg.Database+".schema_migrations (version, name, applied, applied_at, seq)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append(uint32(newer), "from_the_future", uint8(1), time.Now(), uint64(99999999999999999)); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	before := tables(t, conn, cfg.Database)
	for name, run := range map[string]func() error{
		"up":    func() error { _, err := m.Up(ctx); return err },
		"down":  func() error { _, err := m.Down(ctx, 1); return err },
		"check": func() error { return m.Check(ctx) },
	} {
		err := run()
		if !errors.Is(err, storage.ErrNewerSchema) {
			t.Fatalf("%s: err = %v, want ErrNewerSchema", name, err)
		}
		for _, v := range []string{"version " + itoa(newer), "up to " + itoa(latest)} {
			if !strings.Contains(err.Error(), v) {
				t.Errorf("%s: error %q does not name %q", name, err, v)
			}
		}
	}
	if got := tables(t, conn, cfg.Database); !reflect.DeepEqual(got, before) {
		t.Errorf("tables changed: %v → %v", before, got)
	}
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatalf("Status must still report: %v", err)
	}
	if len(st.Newer) != 1 || st.Newer[0].Version != newer || st.Current != newer {
		t.Errorf("status = %+v", st)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// Down(n) with several migrations reverts the newest n in reverse order;
// Up applies only what is pending.
func TestMigrateSeveralSteps(t *testing.T) {
	ctx := context.Background()
	cfg := testClickHouse(t)
	conn := open(t, cfg)
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	migs, err := storage.LoadMigrations(fstest.MapFS{
		"0001_a.up.sql":   file("CREATE TABLE IF NOT EXISTS {{.DB}}.a {{.OnCluster}} (x UInt8) ENGINE = Memory;\n"),
		"0001_a.down.sql": file("DROP TABLE IF EXISTS {{.DB}}.a {{.OnCluster}};\n"),
		"0002_b.up.sql": file("CREATE TABLE IF NOT EXISTS {{.DB}}.b {{.OnCluster}} (x UInt8) ENGINE = Memory;\n" +
			"-- a second statement in the same file\nCREATE TABLE IF NOT EXISTS {{.DB}}.b2 {{.OnCluster}} (x UInt8) ENGINE = Memory;\n"),
		"0002_b.down.sql": file("DROP TABLE IF EXISTS {{.DB}}.b2 {{.OnCluster}};\nDROP TABLE IF EXISTS {{.DB}}.b {{.OnCluster}};\n"),
		"0003_c.up.sql":   file("CREATE TABLE IF NOT EXISTS {{.DB}}.c {{.OnCluster}} (x UInt8) ENGINE = Memory"),
		"0003_c.down.sql": file("DROP TABLE IF EXISTS {{.DB}}.c {{.OnCluster}}"),
	})
	if err != nil {
		t.Fatal(err)
	}
	m := &storage.Migrator{Conn: conn, Database: cfg.Database, Migrations: migs[:2]}
	if got, err := m.Up(ctx); err != nil || !reflect.DeepEqual(got, []int{1, 2}) {
		t.Fatalf("Up = %v, %v", got, err)
	}
	m.Migrations = migs // a newer binary
	if got, err := m.Up(ctx); err != nil || !reflect.DeepEqual(got, []int{3}) {
		t.Fatalf("Up with a new migration = %v, %v", got, err)
	}
	if got := tables(t, conn, cfg.Database); !reflect.DeepEqual(got, []string{"a", "b", "b2", "c", "schema_migrations"}) {
		t.Fatalf("tables = %v", got)
	}
	if got, err := m.Down(ctx, 2); err != nil || !reflect.DeepEqual(got, []int{3, 2}) {
		t.Fatalf("Down(2) = %v, %v", got, err)
	}
	if got := tables(t, conn, cfg.Database); !reflect.DeepEqual(got, []string{"a", "schema_migrations"}) {
		t.Fatalf("tables after Down(2) = %v", got)
	}
	if got, err := m.Down(ctx, 5); err != nil || !reflect.DeepEqual(got, []int{1}) {
		t.Fatalf("Down(5) = %v, %v", got, err)
	}
	st, err := m.Status(ctx)
	if err != nil || st.Current != 0 || len(st.Pending) != 3 {
		t.Fatalf("status = %+v, %v", st, err)
	}
	// A failing statement names the file and the statement.
	bad, _ := storage.LoadMigrations(fstest.MapFS{
		"0001_bad.up.sql":   file("CREATE TABLE IF NOT EXISTS {{.DB}}.z (x UInt8) ENGINE = Memory;\nCREATE TABLE IF NOT EXISTS {{.DB}}.y (x NoSuchType) ENGINE = Memory;\n"),
		"0001_bad.down.sql": file("DROP TABLE IF EXISTS {{.DB}}.z"),
	})
	m.Migrations = bad
	_, err = m.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "0001_bad.up.sql, statement 2 of 2") {
		t.Fatalf("Up of a broken migration: %v", err)
	}
	st, _ = m.Status(ctx)
	if st.Current != 0 {
		t.Errorf("a failed migration was recorded: %+v", st)
	}
}
