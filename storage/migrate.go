package storage

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

//go:embed migrations/*.sql
var embedded embed.FS

// Migration is one numbered schema change: migrations/NNNN_name.up.sql and
// its inverse NNNN_name.down.sql. Both are text/template sources with
// {{.DB}} (the database), {{.OnCluster}} ("" or "ON CLUSTER <name>"),
// {{.Cluster}} ("" or the cluster name) and the table functions that make
// one script serve a single server and a cluster (see ClusterNaming):
//
//	{{local "t"}}             the table that stores data: t, or t_local on a cluster
//	{{engine "t" "E(args)"}}  E(args), or ReplicatedE('<path>/<db>/t', '{replica}', args)
//	{{distributed "t" "key"}} nothing, or a following CREATE TABLE t … ENGINE = Distributed(…, key)
//	{{dropLocal "t"}}         nothing, or a following DROP TABLE t_local
//
// Write every MergeTree-family table as
//
//	CREATE TABLE IF NOT EXISTS {{.DB}}.{{local "t"}} {{.OnCluster}} (…)
//	ENGINE = {{engine "t" "ReplacingMergeTree(version)"}} … ;
//	{{- distributed "t" "cityHash64(id)"}}
//
// materialized views FROM and TO {{local "…"}} tables, and drop a table
// with DROP TABLE IF EXISTS {{.DB}}.t {{.OnCluster}}; followed by
// {{- dropLocal "t"}}. On a single server all of this renders exactly as
// plain SQL would; TestClusterLint checks every migration follows it.
type Migration struct {
	Version int
	Name    string
	Up      string
	Down    string
}

var migrationFileRe = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$`)

// Migrations returns the migrations embedded in this binary, in order.
func Migrations() ([]Migration, error) {
	sub, err := fs.Sub(embedded, "migrations")
	if err != nil {
		return nil, err
	}
	return LoadMigrations(sub)
}

// LoadMigrations reads NNNN_name.up.sql / NNNN_name.down.sql pairs from
// the root of fsys. Versions must run 1, 2, 3, … without gaps, and every
// version needs both files.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := migrationFileRe.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrations: %s: want NNNN_name.up.sql or NNNN_name.down.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		mig := byVersion[v]
		if mig == nil {
			mig = &Migration{Version: v, Name: m[2]}
			byVersion[v] = mig
		} else if mig.Name != m[2] {
			return nil, fmt.Errorf("migrations: version %04d has two names, %q and %q", v, mig.Name, m[2])
		}
		if m[3] == "up" {
			mig.Up = string(data)
		} else {
			mig.Down = string(data)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations: version %04d follows %04d; versions must run 1, 2, 3, … without gaps", m.Version, i)
		}
		if strings.TrimSpace(m.Up) == "" || strings.TrimSpace(m.Down) == "" {
			return nil, fmt.Errorf("migrations: %04d_%s needs both a non-empty .up.sql and .down.sql", m.Version, m.Name)
		}
	}
	return out, nil
}

// Migrator applies migrations to one database.
type Migrator struct {
	Conn       driver.Conn
	Database   string
	Cluster    string // "" for a single node
	Migrations []Migration
	// Now is the clock for applied_at (tests may fix it); nil is time.Now.
	Now func() time.Time
}

// NewMigrator returns a migrator for the database and cluster of c, with
// the embedded migrations.
func NewMigrator(conn driver.Conn, c Config) (*Migrator, error) {
	if !identRe.MatchString(c.Database) {
		return nil, fmt.Errorf("clickhouse.database: %q is not a plain identifier", c.Database)
	}
	if c.Cluster != "" && !identRe.MatchString(c.Cluster) {
		return nil, fmt.Errorf("clickhouse.cluster: %q is not a plain identifier", c.Cluster)
	}
	migs, err := Migrations()
	if err != nil {
		return nil, err
	}
	return &Migrator{Conn: conn, Database: c.Database, Cluster: c.Cluster, Migrations: migs}, nil
}

// templateData is what migration templates see.
type templateData struct {
	DB        string
	OnCluster string
	Cluster   string
}

func (m *Migrator) data() templateData {
	d := templateData{DB: m.Database, Cluster: m.Cluster}
	if m.Cluster != "" {
		d.OnCluster = "ON CLUSTER " + m.Cluster
	}
	return d
}

// Render expands a migration script for this migrator's database and
// cluster and splits it into statements.
func (m *Migrator) Render(name, script string) ([]string, error) {
	text, err := m.RenderScript(name, script)
	if err != nil {
		return nil, err
	}
	return SplitStatements(text), nil
}

// RenderScript expands a migration script for this migrator's database
// and cluster, comments and all.
func (m *Migrator) RenderScript(name, script string) (string, error) {
	if !identRe.MatchString(m.Database) {
		return "", fmt.Errorf("clickhouse.database: %q is not a plain identifier", m.Database)
	}
	if m.Cluster != "" && !identRe.MatchString(m.Cluster) {
		return "", fmt.Errorf("clickhouse.cluster: %q is not a plain identifier", m.Cluster)
	}
	t, err := template.New(name).Option("missingkey=error").Funcs(clusterFuncs(m.Database, m.Cluster)).Parse(script)
	if err != nil {
		return "", fmt.Errorf("migration %s: %w", name, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, m.data()); err != nil {
		return "", fmt.Errorf("migration %s: %w", name, err)
	}
	return b.String(), nil
}

// Bootstrap is the script Up runs first: the database and the
// schema_migrations log (a template like a migration's).
func Bootstrap() string { return bootstrap }

// bootstrap creates the database and the schema_migrations log.
//
// schema_migrations is append-only: every up and every down adds a row,
// and a version is applied when its row with the highest seq says so. (No
// ALTER … DELETE: mutations are asynchronous on ClickHouse.)
const bootstrap = `
CREATE DATABASE IF NOT EXISTS {{.DB}} {{.OnCluster}};
CREATE TABLE IF NOT EXISTS {{.DB}}.schema_migrations {{.OnCluster}}
(
    version     UInt32,
    name        String,
    applied     UInt8,
    applied_at  DateTime,
    seq         UInt64
)
ENGINE = {{schemaMigrationsEngine}}
ORDER BY (version, seq);
`

// AppliedMigration is a version the database has applied.
type AppliedMigration struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// Status is where a database stands against this binary's migrations.
type Status struct {
	Database string
	// Current is the highest applied version (0: none).
	Current int
	// Latest is the highest version this binary knows.
	Latest  int
	Applied []AppliedMigration
	// Pending are this binary's migrations not applied yet, in order.
	Pending []Migration
	// Newer are applied versions this binary does not know: the database
	// was migrated by a newer earshot.
	Newer []AppliedMigration
}

// UpToDate reports whether every known migration is applied and nothing
// newer is.
func (s Status) UpToDate() bool { return len(s.Pending) == 0 && len(s.Newer) == 0 }

// ErrNewerSchema says the database was migrated by a newer earshot.
var ErrNewerSchema = errors.New("database schema is newer than this binary")

func (s Status) newerErr() error {
	if len(s.Newer) == 0 {
		return nil
	}
	return fmt.Errorf("%w: database %s has schema version %d, this earshot knows migrations up to %d; run a newer earshot (refusing to touch the schema)",
		ErrNewerSchema, s.Database, s.Newer[len(s.Newer)-1].Version, s.Latest)
}

func (m *Migrator) latest() int {
	if len(m.Migrations) == 0 {
		return 0
	}
	return m.Migrations[len(m.Migrations)-1].Version
}

// Status reads the applied versions. A database or schema_migrations table
// that does not exist yet means nothing is applied. A database migrated by
// a newer earshot is reported in Status.Newer, not as an error.
func (m *Migrator) Status(ctx context.Context) (Status, error) {
	st := Status{Database: m.Database, Latest: m.latest()}
	exists, err := m.tableExists(ctx, "schema_migrations")
	if err != nil {
		return st, err
	}
	applied := map[int]AppliedMigration{}
	if exists {
		rows, err := m.Conn.Query(ctx, fmt.Sprintf(
			`SELECT version, argMax(name, seq), argMax(applied, seq), argMax(applied_at, seq) FROM %s.schema_migrations GROUP BY version ORDER BY version`, m.Database))
		if err != nil {
			return st, fmt.Errorf("clickhouse: read %s.schema_migrations: %w", m.Database, err)
		}
		for rows.Next() {
			var (
				v    uint32
				name string
				on   uint8
				at   time.Time
			)
			if err := rows.Scan(&v, &name, &on, &at); err != nil {
				rows.Close()
				return st, fmt.Errorf("clickhouse: read %s.schema_migrations: %w", m.Database, err)
			}
			if on == 1 {
				applied[int(v)] = AppliedMigration{Version: int(v), Name: name, AppliedAt: at.UTC()}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return st, fmt.Errorf("clickhouse: read %s.schema_migrations: %w", m.Database, err)
		}
	}
	known := map[int]bool{}
	for _, mig := range m.Migrations {
		known[mig.Version] = true
		if _, ok := applied[mig.Version]; !ok {
			st.Pending = append(st.Pending, mig)
		}
	}
	for _, a := range applied {
		st.Applied = append(st.Applied, a)
		if a.Version > st.Current {
			st.Current = a.Version
		}
		if !known[a.Version] {
			st.Newer = append(st.Newer, a)
		}
	}
	sort.Slice(st.Applied, func(i, j int) bool { return st.Applied[i].Version < st.Applied[j].Version })
	sort.Slice(st.Newer, func(i, j int) bool { return st.Newer[i].Version < st.Newer[j].Version })
	return st, nil
}

// Check returns nil when the database has every migration of this binary
// and nothing newer, and otherwise an error telling what to run. Workers
// call it at start-up.
func (m *Migrator) Check(ctx context.Context) error {
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	if err := st.newerErr(); err != nil {
		return err
	}
	if len(st.Pending) > 0 {
		return fmt.Errorf("clickhouse: database %s is at schema version %d, this earshot needs %d: run `earshot migrate up`", m.Database, st.Current, st.Latest)
	}
	return nil
}

// Up creates the database if needed and applies every pending migration in
// order. It returns the versions it applied; none when the database is up
// to date. It refuses to run on a database migrated by a newer earshot.
func (m *Migrator) Up(ctx context.Context) ([]int, error) {
	stmts, err := m.Render("bootstrap", bootstrap)
	if err != nil {
		return nil, err
	}
	st, err := m.Status(ctx)
	if err != nil {
		return nil, err
	}
	if err := st.newerErr(); err != nil {
		return nil, err
	}
	if err := m.exec(ctx, "bootstrap", stmts); err != nil {
		return nil, err
	}
	var done []int
	for _, mig := range st.Pending {
		name := fmt.Sprintf("%04d_%s.up.sql", mig.Version, mig.Name)
		stmts, err := m.Render(name, mig.Up)
		if err != nil {
			return done, err
		}
		if err := m.exec(ctx, name, stmts); err != nil {
			return done, err
		}
		if err := m.record(ctx, mig, true); err != nil {
			return done, err
		}
		done = append(done, mig.Version)
	}
	return done, nil
}

// Down reverts the n most recently applied migrations, newest first, and
// returns the versions it reverted. n must be ≥ 1; a larger n than there
// are applied migrations reverts them all. The database itself and
// schema_migrations stay. It refuses to run on a database migrated by a
// newer earshot.
func (m *Migrator) Down(ctx context.Context, n int) ([]int, error) {
	if n < 1 {
		return nil, fmt.Errorf("migrate down: steps %d, want ≥ 1", n)
	}
	st, err := m.Status(ctx)
	if err != nil {
		return nil, err
	}
	if err := st.newerErr(); err != nil {
		return nil, err
	}
	byVersion := map[int]Migration{}
	for _, mig := range m.Migrations {
		byVersion[mig.Version] = mig
	}
	var done []int
	for i := len(st.Applied) - 1; i >= 0 && len(done) < n; i-- {
		mig := byVersion[st.Applied[i].Version]
		name := fmt.Sprintf("%04d_%s.down.sql", mig.Version, mig.Name)
		stmts, err := m.Render(name, mig.Down)
		if err != nil {
			return done, err
		}
		if err := m.exec(ctx, name, stmts); err != nil {
			return done, err
		}
		if err := m.record(ctx, mig, false); err != nil {
			return done, err
		}
		done = append(done, mig.Version)
	}
	return done, nil
}

func (m *Migrator) exec(ctx context.Context, name string, stmts []string) error {
	for i, s := range stmts {
		if err := m.Conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("migration %s, statement %d of %d (%s): %w", name, i+1, len(stmts), firstLine(s), err)
		}
	}
	return nil
}

// record appends an applied/reverted row. seq orders the rows of a version:
// the clock in nanoseconds, kept above every seq already written.
func (m *Migrator) record(ctx context.Context, mig Migration, applied bool) error {
	var maxSeq uint64
	if err := m.Conn.QueryRow(ctx, fmt.Sprintf(`SELECT max(seq) FROM %s.schema_migrations`, m.Database)).Scan(&maxSeq); err != nil {
		return fmt.Errorf("clickhouse: read %s.schema_migrations: %w", m.Database, err)
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	t := now().UTC()
	seq := uint64(t.UnixNano())
	if seq <= maxSeq {
		seq = maxSeq + 1
	}
	var on uint8
	if applied {
		on = 1
	}
	// Native-protocol inserts go through a batch: an INSERT … VALUES sent
	// with Exec hangs against ClickHouse 18.16.
	err := func() error {
		b, err := m.Conn.PrepareBatch(ctx, fmt.Sprintf(`INSERT INTO %s.schema_migrations (version, name, applied, applied_at, seq)`, m.Database))
		if err != nil {
			return err
		}
		defer b.Abort()
		if err := b.Append(uint32(mig.Version), mig.Name, on, t, seq); err != nil {
			return err
		}
		return b.Send()
	}()
	if err != nil {
		return fmt.Errorf("clickhouse: record migration %04d in %s.schema_migrations: %w", mig.Version, m.Database, err)
	}
	return nil
}

func (m *Migrator) tableExists(ctx context.Context, table string) (bool, error) {
	var n uint64
	err := m.Conn.QueryRow(ctx, `SELECT count() FROM system.tables WHERE database = ? AND name = ?`, m.Database, table).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("clickhouse: look up %s.%s: %w", m.Database, table, err)
	}
	return n > 0, nil
}

func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "--") {
			if len(line) > 80 {
				line = line[:80] + "…"
			}
			return line
		}
	}
	return ""
}
