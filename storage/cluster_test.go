package storage_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/localstack"
	"github.com/earshot-dev/earshot/storage"
)

var update = flag.Bool("update", false, "rewrite testdata/migrations golden files")

// renderAll renders the bootstrap and every embedded migration (up and
// down) for database earshot on cluster ("" for one server), by golden
// file name.
func renderAll(t testing.TB, cluster string) map[string]string {
	t.Helper()
	migs, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	m := &storage.Migrator{Database: "earshot", Cluster: cluster, Migrations: migs}
	out := map[string]string{}
	add := func(name, script string) {
		text, err := m.RenderScript(name, script)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = text
	}
	add("bootstrap.sql", storage.Bootstrap())
	for _, mig := range migs {
		add(fmt.Sprintf("%04d_%s.up.sql", mig.Version, mig.Name), mig.Up)
		add(fmt.Sprintf("%04d_%s.down.sql", mig.Version, mig.Name), mig.Down)
	}
	return out
}

func checkGolden(t *testing.T, dir string, got map[string]string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, text := range got {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(got) {
		t.Errorf("%s has %d golden files, the migrations render %d scripts (go test ./storage -run Golden -update)", dir, len(files), len(got))
	}
	for name, text := range got {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v (go test ./storage -run Golden -update)", name, err)
			continue
		}
		if string(want) != text {
			t.Errorf("%s renders differently from %s:\n%s", name, dir, firstDiff(string(want), text))
		}
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g || i >= len(wl) || i >= len(gl) {
			return fmt.Sprintf("line %d:\n want %q\n  got %q", i+1, w, g)
		}
	}
	return "(same lines)"
}

// On one server the templated migrations render byte for byte as they did
// before cluster mode existed: testdata/migrations/single holds the
// rendering of the 0001–0003 templates (and the bootstrap) from before the
// table functions were added.
func TestGoldenSingleServerRendering(t *testing.T) {
	checkGolden(t, filepath.Join("testdata", "migrations", "single"), renderAll(t, ""))
}

// The cluster rendering, reviewed once and kept: a change to it shows up
// as a diff here.
func TestGoldenClusterRendering(t *testing.T) {
	checkGolden(t, filepath.Join("testdata", "migrations", "cluster"), renderAll(t, "earshot"))
}

var (
	createTableRe = regexp.MustCompile(`(?s)^(?:--[^\n]*\n)*\s*CREATE TABLE IF NOT EXISTS earshot\.(\w+) ON CLUSTER earshot\b(.*)$`)
	createViewRe  = regexp.MustCompile(`(?s)^(?:--[^\n]*\n)*\s*CREATE MATERIALIZED VIEW IF NOT EXISTS earshot\.(\w+) ON CLUSTER earshot\s+TO earshot\.(\w+)\s.*\bFROM earshot\.(\w+)`)
	dropRe        = regexp.MustCompile(`(?s)^(?:--[^\n]*\n)*\s*DROP TABLE IF EXISTS earshot\.(\w+) ON CLUSTER earshot$`)
	engineRe      = regexp.MustCompile(`ENGINE = (\w+)\(`)
	distRe        = regexp.MustCompile(`^\s+AS earshot\.(\w+)\s+ENGINE = Distributed\(earshot, earshot, (\w+), (.+)\)$`)
)

// Every migration follows the cluster-mode rules (a new migration that
// forgets the table functions fails here): each data table is a
// Replicated*MergeTree named <t>_local with a Distributed <t> beside it,
// materialized views read and write _local tables, every statement runs ON
// CLUSTER, and the down script drops everything the up script created.
func TestClusterLint(t *testing.T) {
	migs, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	m := &storage.Migrator{Database: "earshot", Cluster: "earshot", Migrations: migs}
	for _, mig := range migs {
		t.Run(fmt.Sprintf("%04d_%s", mig.Version, mig.Name), func(t *testing.T) {
			up, err := m.Render(mig.Name, mig.Up)
			if err != nil {
				t.Fatal(err)
			}
			var created []string
			local := map[string]bool{}
			for _, s := range up {
				if !strings.Contains(s, "ON CLUSTER earshot") {
					t.Errorf("statement without ON CLUSTER: %.120s", s)
				}
				if c := createTableRe.FindStringSubmatch(s); c != nil {
					name, rest := c[1], c[2]
					created = append(created, name)
					if d := distRe.FindStringSubmatch(rest); d != nil {
						if d[1] != name+storage.LocalSuffix || d[2] != name+storage.LocalSuffix {
							t.Errorf("Distributed %s is over %s/%s, want %s%s", name, d[1], d[2], name, storage.LocalSuffix)
						}
						if !local[name+storage.LocalSuffix] {
							t.Errorf("Distributed %s comes before its local table", name)
						}
						continue
					}
					e := engineRe.FindStringSubmatch(rest)
					if e == nil || !strings.HasPrefix(e[1], "Replicated") || !strings.HasSuffix(e[1], "MergeTree") {
						t.Errorf("table %s: engine is not Replicated*MergeTree (use {{engine …}}): %.200s", name, rest)
					}
					if !strings.HasSuffix(name, storage.LocalSuffix) {
						t.Errorf("replicated table %s is not named <t>%s (use {{local …}})", name, storage.LocalSuffix)
					}
					if !strings.Contains(rest, fmt.Sprintf("'/clickhouse/tables/{shard}/earshot/%s', '{replica}'", strings.TrimSuffix(name, storage.LocalSuffix))) {
						t.Errorf("table %s: unexpected replica path: %.200s", name, rest)
					}
					local[name] = true
					continue
				}
				if v := createViewRe.FindStringSubmatch(s); v != nil {
					created = append(created, v[1])
					for _, ref := range v[2:] {
						if !strings.HasSuffix(ref, storage.LocalSuffix) {
							t.Errorf("view %s reads or writes %s, want a %s table (use {{local …}})", v[1], ref, storage.LocalSuffix)
						}
					}
					continue
				}
				if strings.Contains(s, "CREATE") {
					t.Errorf("statement the lint does not know: %.200s", s)
				}
			}
			for l := range local {
				if !slices.Contains(created, strings.TrimSuffix(l, storage.LocalSuffix)) {
					t.Errorf("local table %s has no Distributed table (use {{distributed …}})", l)
				}
			}
			down, err := m.Render(mig.Name, mig.Down)
			if err != nil {
				t.Fatal(err)
			}
			var dropped []string
			for _, s := range down {
				d := dropRe.FindStringSubmatch(s)
				if d == nil {
					t.Errorf("down statement the lint does not know: %.200s", s)
					continue
				}
				dropped = append(dropped, d[1])
			}
			slices.Sort(created)
			slices.Sort(dropped)
			if !slices.Equal(created, dropped) {
				t.Errorf("up creates %v, down drops %v", created, dropped)
			}
		})
	}
}

func TestClusterTemplateFunctionErrors(t *testing.T) {
	for _, tc := range []struct{ script, want string }{
		{`{{engine "t" "Log"}}`, "MergeTree-family"},
		{`{{engine "t" "ReplicatedMergeTree('/x', 'r')"}}`, "not Replicated"},
		{`{{local "t_local"}}`, "not \"t_local\""},
		{`{{local "t; DROP"}}`, "plain identifier"},
		{`{{distributed "t" ""}}`, "one expression"},
		{`{{distributed "t" "x; DROP TABLE y"}}`, "one expression"},
		{`{{dropLocal "a.b"}}`, "plain identifier"},
	} {
		for _, cluster := range []string{"", "c"} {
			m := &storage.Migrator{Database: "db", Cluster: cluster}
			if _, err := m.RenderScript("x", tc.script); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("cluster %q: %s: err = %v, want %q", cluster, tc.script, err, tc.want)
			}
		}
	}
	// The same template on one server and on a cluster.
	const script = `CREATE TABLE {{.DB}}.{{local "t"}} {{.OnCluster}} (id String) ENGINE = {{engine "t" "ReplacingMergeTree(v)"}} ORDER BY id;{{distributed "t" "cityHash64(id)"}}`
	for _, tc := range []struct{ cluster, want string }{
		{"", `CREATE TABLE db.t  (id String) ENGINE = ReplacingMergeTree(v) ORDER BY id;`},
		{"c", `CREATE TABLE db.t_local ON CLUSTER c (id String) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/t', '{replica}', v) ORDER BY id;` +
			"\n\nCREATE TABLE IF NOT EXISTS db.t ON CLUSTER c AS db.t_local\nENGINE = Distributed(c, db, t_local, cityHash64(id));"},
	} {
		got, err := (&storage.Migrator{Database: "db", Cluster: tc.cluster}).RenderScript("x", script)
		if err != nil || got != tc.want {
			t.Errorf("cluster %q:\n got %q, %v\nwant %q", tc.cluster, got, err, tc.want)
		}
	}
}

// Current ClickHouse (chDB) cannot run a cluster in-process — no
// ZooKeeper, no remote servers — so the cluster-mode DDL is checked there
// by parsing: EXPLAIN AST of every statement. The same statements run for
// real on ClickHouse 18.16 in TestClusterReplication.
func TestClusterDDLParsesOnCurrentClickHouse(t *testing.T) {
	migs, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	m := &storage.Migrator{Database: "earshot", Cluster: "earshot", Migrations: migs}
	var stmts []string
	add := func(name, script string) {
		s, err := m.Render(name, script)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, s...)
	}
	add("bootstrap", storage.Bootstrap())
	for _, mig := range migs {
		add(mig.Name+".up", mig.Up)
	}
	for i := len(migs) - 1; i >= 0; i-- {
		add(migs[i].Name+".down", migs[i].Down)
	}
	explain := make([]string, len(stmts))
	for i, s := range stmts {
		explain[i] = "EXPLAIN AST " + s
	}
	outs := testenv.ChDBExec(t, explain)
	for i, out := range outs {
		if !strings.Contains(out, "Create") && !strings.Contains(out, "Drop") {
			t.Errorf("EXPLAIN AST of statement %d is not a DDL tree:\n%.300s\n%.300s", i+1, out, stmts[i])
		}
	}
	t.Logf("%d cluster-mode statements parse on current ClickHouse", len(stmts))
}

// requireCluster skips the test when ZooKeeper is not installed and cannot
// be installed here; EARSHOT_REQUIRE_CLUSTER=1 (make test) turns the skip
// into a failure.
func requireCluster(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(localstack.ZooKeeperJar); err != nil && os.Geteuid() != 0 {
		msg := fmt.Sprintf("ZooKeeper not installed (%v; apt-get install zookeeper or scripts/install-deps.sh): cluster mode not tested", err)
		if os.Getenv("EARSHOT_REQUIRE_CLUSTER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

func clusterLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// ids returns the sorted distinct mention ids of db.table on one server.
func ids(t testing.TB, conn driver.Conn, db, table, col string) []string {
	t.Helper()
	return queryStrings(t, conn, fmt.Sprintf("SELECT DISTINCT %s FROM %s.%s ORDER BY %s", col, db, table, col))
}

func syncReplica(t testing.TB, conn driver.Conn, db string, tables ...string) {
	t.Helper()
	for _, tb := range tables {
		if err := conn.Exec(context.Background(), fmt.Sprintf("SYSTEM SYNC REPLICA %s.%s", db, tb)); err != nil {
			t.Fatalf("SYSTEM SYNC REPLICA %s.%s: %v", db, tb, err)
		}
	}
}

// Cluster mode for real on ClickHouse 18.16: ZooKeeper and two servers (1
// shard × 2 replicas, localstack.Cluster). The migrations run ON CLUSTER;
// mentions go in through the Distributed table with the sink's insert;
// both replicas hold exactly the inserted ids; with one replica stopped
// the other keeps taking writes, and once it is back it catches up on
// every row (mentions and the views' tables); the rollups and the
// leaderboard over the Distributed tables equal those of the same data on
// one server.
func TestClusterReplication(t *testing.T) {
	requireCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cl, err := localstack.NewCluster(localstack.ClusterConfig{Dir: t.TempDir(), Install: true, Log: clusterLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Stop(context.Background()) })
	began := time.Now()
	if err := cl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster started in %s", time.Since(began).Round(time.Millisecond))

	cfg := storage.DefaultConfig()
	cfg.Database, cfg.Cluster = "cl", cl.Name()
	conns := make([]driver.Conn, 2)
	for i, ch := range cl.Nodes() {
		c := cfg
		c.Addr = ch.Addr()
		conns[i] = open(t, c)
	}
	began = time.Now()
	m, err := storage.NewMigrator(conns[0], cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("migrations ON CLUSTER took %s", time.Since(began).Round(time.Millisecond))
	for i, conn := range conns {
		got := queryStrings(t, conn, "SELECT concat(name, '\t', engine) FROM system.tables WHERE database = 'cl' AND name IN ('mentions', 'mentions_local', 'schema_migrations') ORDER BY name")
		want := []string{"mentions\tDistributed", "mentions_local\tReplicatedReplacingMergeTree", "schema_migrations\tReplicatedMergeTree"}
		if !slices.Equal(got, want) {
			t.Fatalf("server %d tables = %q, want %q", i+1, got, want)
		}
	}
	// schema_migrations is one log for the cluster: the second server
	// sees what the migrator wrote through the first.
	syncReplica(t, conns[1], "cl", "schema_migrations")
	m2, err := storage.NewMigrator(conns[1], cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Check(ctx); err != nil {
		t.Fatalf("Check on the second server: %v", err)
	}

	work := rollupWorkload()
	third := len(work) / 3
	localTables := []string{"mentions_local", "mention_brands_local", "replies_local"}
	checkBoth := func(phase string, upTo int) {
		t.Helper()
		w := make([]string, 0, upTo)
		for _, mm := range work[:upTo] {
			w = append(w, mm.ID)
		}
		slices.Sort(w)
		for i, conn := range conns {
			syncReplica(t, conn, "cl", localTables...)
			if got := ids(t, conn, "cl", "mentions_local", "id"); !slices.Equal(got, w) {
				t.Fatalf("%s: server %d holds %d ids, want exactly the %d inserted", phase, i+1, len(got), len(w))
			}
			if got := ids(t, conn, "cl", "mentions", "id"); !slices.Equal(got, w) {
				t.Fatalf("%s: Distributed mentions on server %d reads %d ids, want %d", phase, i+1, len(got), len(w))
			}
		}
		// The views' tables replicate too.
		for _, tb := range []string{"mention_brands_local", "replies_local"} {
			a := queryStrings(t, conns[0], "SELECT toString(count()) FROM cl."+tb)
			b := queryStrings(t, conns[1], "SELECT toString(count()) FROM cl."+tb)
			if !slices.Equal(a, b) || a[0] == "0" {
				t.Fatalf("%s: %s has %v rows on server 1, %v on server 2", phase, tb, a, b)
			}
		}
	}

	// 1. Both replicas up: insert through the Distributed table.
	insertMentions(t, conns[0], "cl", work[:third])
	checkBoth("both up", third)

	// 2. Replica 2 stopped: writes go on through server 1.
	r2 := cl.Node(1, 2)
	if err := r2.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	insertMentions(t, conns[0], "cl", work[third:2*third])
	if got := ids(t, conns[0], "cl", "mentions", "id"); len(got) != 2*third {
		t.Fatalf("with replica 2 down, server 1 reads %d ids, want %d", len(got), 2*third)
	}

	// 3. Replica 2 back: it catches up, and takes writes itself.
	began = time.Now()
	if err := r2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	conns[1] = open(t, storage.Config{Addr: r2.Addr(), Database: "cl", User: "default", DialTimeout: 5 * time.Second, ReadTimeout: 2 * time.Minute})
	insertMentions(t, conns[1], "cl", work[2*third:])
	checkBoth("after restart", len(work))
	t.Logf("replica 2 restarted and caught up in %s", time.Since(began).Round(time.Millisecond))

	// 4. The leaderboard over the Distributed tables equals the same data's
	// leaderboard on one server (a database migrated without Cluster).
	single := storage.DefaultConfig()
	single.Addr, single.Database = cl.Node(1, 1).Addr(), "one"
	sconn := open(t, single)
	sm, err := storage.NewMigrator(sconn, single)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sm.Up(ctx); err != nil {
		t.Fatal(err)
	}
	insertMentions(t, sconn, "one", work)
	q := analytics.Query{Since: rollupStart.Add(-time.Hour), Until: rollupStart.Add(30 * time.Hour)}
	wantRows, err := analytics.Leaderboard(ctx, sconn, "one", q)
	if err != nil {
		t.Fatal(err)
	}
	if len(wantRows) != 3 {
		t.Fatalf("single-server leaderboard has %d brands, want 3", len(wantRows))
	}
	// The rollups: the views' hourly volumes (written on whichever replica
	// took each insert) and the first responses computed through the
	// Distributed tables agree with one server's, read from either replica.
	since, until := rollupStart, rollupStart.Add(6*time.Hour)
	now := rollupStart.Add(48 * time.Hour)
	if _, err := storage.RollupFirstResponses(ctx, sconn, "one", since, until, time.Hour, now); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.RollupFirstResponses(ctx, conns[1], "cl", since, until, time.Hour, now); err != nil {
		t.Fatalf("RollupFirstResponses on the cluster: %v", err)
	}
	wantVol, err := storage.Volume(ctx, sconn, "one", since, until)
	if err != nil {
		t.Fatal(err)
	}
	checkVolume(t, wantVol, expectedVolume(work))
	wantFRT, err := storage.ResponseTimesOf(ctx, sconn, "one", since, until)
	if err != nil || len(wantFRT) == 0 {
		t.Fatalf("single-server response times: %v, %v", wantFRT, err)
	}
	for i, conn := range conns {
		syncReplica(t, conn, "cl", "brand_hourly_local", "first_responses_local", "brand_frt_hourly_local")
		gotVol, err := storage.Volume(ctx, conn, "cl", since, until)
		if err != nil {
			t.Fatalf("server %d: %v", i+1, err)
		}
		checkVolume(t, gotVol, wantVol)
		gotFRT, err := storage.ResponseTimesOf(ctx, conn, "cl", since, until)
		if err != nil || !reflect.DeepEqual(gotFRT, wantFRT) {
			t.Fatalf("server %d: response times %v, %v; want %v", i+1, gotFRT, err, wantFRT)
		}
	}

	for i, conn := range conns {
		got, err := analytics.Leaderboard(ctx, conn, "cl", q)
		if err != nil {
			t.Fatalf("leaderboard over the Distributed tables on server %d: %v", i+1, err)
		}
		if !reflect.DeepEqual(got, wantRows) {
			t.Fatalf("leaderboard on server %d differs from one server's:\n got %s\nwant %s", i+1, rowsString(got), rowsString(wantRows))
		}
	}

	// 5. A backfill's ClearWindow deletes ON CLUSTER: the window's alerts
	// rows go from both replicas, the row after the window stays.
	ast := &detect.ClickHouseStore{Conn: conns[0], Database: "cl", Cluster: cl.Name(), Poll: 50 * time.Millisecond}
	in := detect.Incident{ID: "o2-crisis-in", Brand: "o2", Kind: detect.KindCrisis, Severity: detect.SeverityMinor, Status: detect.StatusOpen,
		Onset: rollupStart, OpenedAt: rollupStart, UpdatedAt: rollupStart.Add(5 * time.Minute), Version: uint64(rollupStart.Add(5 * time.Minute).Unix())}
	out := in
	out.ID, out.UpdatedAt, out.Version = "o2-crisis-out", rollupStart.Add(2*time.Hour), uint64(rollupStart.Add(2*time.Hour).Unix())
	if err := ast.Save(ctx, []detect.Event{{Type: detect.EventOpen, Incident: in}, {Type: detect.EventOpen, Incident: out}}); err != nil {
		t.Fatal(err)
	}
	alertIDs := func(phase string, want ...string) {
		t.Helper()
		for i, conn := range conns {
			syncReplica(t, conn, "cl", "alerts_local")
			if got := ids(t, conn, "cl", "alerts_local", "incident_id"); !slices.Equal(got, want) {
				t.Fatalf("%s: server %d holds alerts %q, want %q", phase, i+1, got, want)
			}
		}
	}
	alertIDs("stored", "o2-crisis-in", "o2-crisis-out")
	n, err := ast.ClearWindow(ctx, rollupStart, rollupStart.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("ClearWindow ON CLUSTER: %d rows, %v; want 1", n, err)
	}
	alertIDs("after ClearWindow", "o2-crisis-out")
}

func rowsString(rows []analytics.Row) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "\n  %s inbound=%d answered=%d pending=%d", r.Brand, r.Inbound, r.Answered, r.Pending)
		if r.FRTMedianSeconds != nil {
			fmt.Fprintf(&b, " median=%.3fs", *r.FRTMedianSeconds)
		}
	}
	return b.String()
}
