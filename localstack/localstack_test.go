package localstack_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/localstack"
)

func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func connect(t testing.TB, addr, user string) driver.Conn {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{addr},
		Auth:        clickhouse.Auth{Username: user},
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func httpGet(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func TestClickHouseLifecycle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ch, err := localstack.NewClickHouse(localstack.ClickHouseConfig{Dir: t.TempDir(), Log: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ch.Stop(context.Background()) })
	if err := ch.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if ch.PID() == 0 || !ch.Running() {
		t.Fatal("running server has no pid")
	}
	if code, body := httpGet(t, "http://"+ch.HTTPAddr()+"/ping"); code != 200 || body != "Ok.\n" {
		t.Fatalf("/ping = %d %q", code, body)
	}
	if err := ch.Start(ctx); err == nil {
		t.Fatal("Start of a running server succeeded")
	}

	conn := connect(t, ch.Addr(), "default")
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	t.Logf("ClickHouse %s at %s", version, ch.Addr())
	for _, q := range []string{
		"CREATE DATABASE lifecycle",
		"CREATE TABLE lifecycle.t (id UInt64, s String) ENGINE = MergeTree ORDER BY id",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO lifecycle.t (id, s)")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		if err := batch.Append(uint64(i), fmt.Sprint("row ", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}

	// The read-only user reads and cannot write.
	ro := connect(t, ch.Addr(), "grafana")
	var n uint64
	if err := ro.QueryRow(ctx, "SELECT count() FROM lifecycle.t").Scan(&n); err != nil || n != 1000 {
		t.Fatalf("grafana count = %d, %v; want 1000", n, err)
	}
	if err := ro.Exec(ctx, "CREATE DATABASE forbidden"); err == nil {
		t.Fatal("read-only user grafana created a database")
	}

	// Restart: same addresses, data kept, old connections recover.
	addr, httpAddr, pid := ch.Addr(), ch.HTTPAddr(), ch.PID()
	if err := ch.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if ch.Addr() != addr || ch.HTTPAddr() != httpAddr {
		t.Fatalf("addresses changed on restart: %s/%s → %s/%s", addr, httpAddr, ch.Addr(), ch.HTTPAddr())
	}
	if ch.PID() == pid {
		t.Fatal("pid unchanged: the server was not restarted")
	}
	if err := connect(t, ch.Addr(), "default").QueryRow(ctx, "SELECT count() FROM lifecycle.t").Scan(&n); err != nil || n != 1000 {
		t.Fatalf("count after restart = %d, %v; want 1000", n, err)
	}

	// Kill (a crash) and Start: the data survives.
	if err := ch.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if ch.Running() {
		t.Fatal("killed server still running")
	}
	if err := ch.Start(ctx); err != nil {
		t.Fatalf("start after kill: %v", err)
	}
	if err := connect(t, ch.Addr(), "default").QueryRow(ctx, "SELECT count() FROM lifecycle.t").Scan(&n); err != nil || n != 1000 {
		t.Fatalf("count after kill and start = %d, %v; want 1000", n, err)
	}

	// Stop: the process and its ports are gone; a second Stop is a no-op.
	pid = ch.PID()
	if err := ch.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if ch.PID() != 0 || ch.Running() {
		t.Fatal("stopped server still has a pid")
	}
	if processExists(pid) {
		t.Fatalf("pid %d still exists after Stop", pid)
	}
	if listening(addr) {
		t.Fatalf("%s still accepts connections after Stop", addr)
	}
	if err := ch.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := ch.Healthy(ctx); err == nil {
		t.Fatal("stopped server reported healthy")
	}
}

// A server started on ports another server holds fails, instead of
// passing its health check against the other server.
func TestClickHousePortTaken(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	first, err := localstack.StartClickHouse(ctx, t.TempDir(), testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = first.Stop(context.Background()) })
	tcp, http, _ := first.Ports()
	free, err := localstack.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	second, err := localstack.NewClickHouse(localstack.ClickHouseConfig{
		Dir: t.TempDir(), TCPPort: tcp, HTTPPort: http, InterserverPort: free[0],
		StartTimeout: 30 * time.Second, Log: testLog(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = second.Stop(context.Background()) })
	err = second.Start(ctx)
	if err == nil {
		t.Fatal("second server on the first one's ports reported healthy")
	}
	if !strings.Contains(err.Error(), "Address already in use") {
		t.Errorf("error does not say why: %v", err)
	}
	if second.Running() {
		t.Error("failed server left running")
	}
	if err := first.Healthy(ctx); err != nil {
		t.Errorf("first server hurt: %v", err)
	}
}

func newStack(t *testing.T, root string, only ...string) *localstack.Stack {
	t.Helper()
	s, err := localstack.New(localstack.Config{Root: root, Only: only, Log: testLog(t), StartTimeout: time.Minute, StopTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pids(t *testing.T, s *localstack.Stack) map[string]int {
	t.Helper()
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, ss := range st {
		if !ss.Healthy {
			t.Fatalf("%s not healthy: %s", ss.Name, ss.Err)
		}
		out[ss.Name] = ss.PID
	}
	return out
}

func TestStackUpIdempotentAndDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root := t.TempDir()
	s := newStack(t, root)
	t.Cleanup(func() { _ = s.Down(context.Background()) })

	// Two concurrent Ups (as concurrent test binaries would do) start one
	// set of servers.
	var wg sync.WaitGroup
	eps := make([]localstack.Endpoints, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			eps[i], errs[i] = newStack(t, root).Up(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if eps[0] != eps[1] {
		t.Fatalf("concurrent Ups disagree: %+v vs %+v", eps[0], eps[1])
	}
	ep := eps[0]
	first := pids(t, s)
	if len(first) != 3 {
		t.Fatalf("status lists %v, want 3 servers", first)
	}

	// Up again: the same processes.
	ep2, err := s.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ep2 != ep {
		t.Fatalf("second Up changed endpoints: %+v → %+v", ep, ep2)
	}
	if again := pids(t, s); fmt.Sprint(again) != fmt.Sprint(first) {
		t.Fatalf("second Up changed pids: %v → %v", first, again)
	}

	env := strings.Join(ep.Env(), "\n")
	for _, k := range []string{"EARSHOT_CLICKHOUSE_ADDR=127.0.0.1:", "EARSHOT_CLICKHOUSE_HTTP_ADDR=127.0.0.1:", "EARSHOT_PROMETHEUS_URL=http://127.0.0.1:", "EARSHOT_ALERTMANAGER_URL=http://127.0.0.1:"} {
		if !strings.Contains(env, k) {
			t.Errorf("Env() lacks %s:\n%s", k, env)
		}
	}
	var one uint8
	if err := connect(t, ep.ClickHouseAddr, "default").QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	for _, u := range []string{ep.PrometheusURL + "/-/ready", ep.AlertmanagerURL + "/-/ready"} {
		if code, body := httpGet(t, u); code != 200 {
			t.Fatalf("GET %s = %d %s", u, code, body)
		}
	}
	// Prometheus scrapes itself and knows Alertmanager.
	waitFor(t, 30*time.Second, "prometheus to discover alertmanager", func() bool {
		_, body := httpGet(t, ep.PrometheusURL+"/api/v1/alertmanagers")
		return strings.Contains(body, strings.TrimPrefix(ep.AlertmanagerURL, "http://"))
	})

	// Scrape targets written to the stack are picked up by Prometheus.
	if err := s.SetScrapeTargets("clickhouse-http", []string{ep.ClickHouseHTTPAddr}, map[string]string{"service": "test"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "prometheus to discover the file_sd target", func() bool {
		_, body := httpGet(t, ep.PrometheusURL+"/api/v1/targets")
		return strings.Contains(body, ep.ClickHouseHTTPAddr) && strings.Contains(body, `"service":"test"`)
	})

	// A dead server is started again by the next Up; the others are kept.
	if err := syscall.Kill(first[localstack.ServerAlertmanager], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "alertmanager to die", func() bool { return !listening(strings.TrimPrefix(ep.AlertmanagerURL, "http://")) })
	ep3, err := s.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after := pids(t, s)
	if after[localstack.ServerAlertmanager] == first[localstack.ServerAlertmanager] {
		t.Error("dead alertmanager was not restarted")
	}
	if after[localstack.ServerClickHouse] != first[localstack.ServerClickHouse] || after[localstack.ServerPrometheus] != first[localstack.ServerPrometheus] {
		t.Errorf("healthy servers were restarted: %v → %v", first, after)
	}
	if ep3.AlertmanagerURL != ep.AlertmanagerURL {
		t.Errorf("restarted alertmanager moved from %s to %s", ep.AlertmanagerURL, ep3.AlertmanagerURL)
	}

	// Down stops everything and keeps the data.
	if err := s.Down(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ss := range st {
		if ss.Healthy || ss.PID != 0 {
			t.Errorf("%s after Down: %+v", ss.Name, ss)
		}
	}
	for name, pid := range after {
		if processExists(pid) {
			t.Errorf("%s (pid %d) still runs after Down", name, pid)
		}
	}
	if err := s.Down(ctx); err != nil {
		t.Errorf("second Down: %v", err)
	}
}

// The stack's servers outlive the process that started them: a child
// process brings ClickHouse up and exits; this process finds it healthy
// and stops it.
func TestServersOutliveStarter(t *testing.T) {
	if root := os.Getenv("EARSHOT_LOCALSTACK_TEST_CHILD"); root != "" {
		s, err := localstack.New(localstack.Config{Root: root, Only: []string{localstack.ServerClickHouse}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if _, err := s.Up(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	root := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServersOutliveStarter$")
	cmd.Env = append(os.Environ(), "EARSHOT_LOCALSTACK_TEST_CHILD="+root)
	out, err := cmd.CombinedOutput()
	s := newStack(t, root, localstack.ServerClickHouse)
	t.Cleanup(func() { _ = s.Down(context.Background()) })
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || !st[0].Healthy || st[0].PID == 0 {
		t.Fatalf("after the starter exited: %+v", st)
	}
	if err := s.Down(ctx); err != nil {
		t.Fatal(err)
	}
	if processExists(st[0].PID) {
		t.Fatalf("pid %d still runs after Down", st[0].PID)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// processExists reports whether pid runs; a zombie (exited, not yet
// reaped by its new parent) does not count.
func processExists(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || (b[i+2] != 'Z' && b[i+2] != 'X')
}

// Two servers form a cluster from their <remote_servers>: a Distributed
// table on one reads both shards.
func TestClickHouseCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ports, err := localstack.FreePorts(6)
	if err != nil {
		t.Fatal(err)
	}
	clusters := map[string][][]localstack.Replica{"earshot": {
		{{Host: "127.0.0.1", Port: ports[0]}},
		{{Host: "127.0.0.1", Port: ports[3]}},
	}}
	var nodes []*localstack.ClickHouse
	for i := range 2 {
		ch, err := localstack.NewClickHouse(localstack.ClickHouseConfig{
			Dir: t.TempDir(), TCPPort: ports[3*i], HTTPPort: ports[3*i+1], InterserverPort: ports[3*i+2],
			Clusters: clusters, Log: testLog(t),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ch.Stop(context.Background()) })
		if err := ch.Start(ctx); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, ch)
	}
	for i, ch := range nodes {
		conn := connect(t, ch.Addr(), "default")
		for _, q := range []string{
			"CREATE DATABASE c",
			"CREATE TABLE c.local (id UInt64) ENGINE = MergeTree ORDER BY id",
			fmt.Sprintf("INSERT INTO c.local (id) SELECT number FROM system.numbers LIMIT %d", 10*(i+1)),
		} {
			if err := conn.Exec(ctx, q); err != nil {
				t.Fatalf("node %d: %s: %v", i, q, err)
			}
		}
	}
	conn := connect(t, nodes[0].Addr(), "default")
	var shards uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.clusters WHERE cluster = 'earshot'").Scan(&shards); err != nil || shards != 2 {
		t.Fatalf("system.clusters lists %d shards of earshot, %v; want 2", shards, err)
	}
	if err := conn.Exec(ctx, "CREATE TABLE c.all AS c.local ENGINE = Distributed(earshot, c, local, rand())"); err != nil {
		t.Fatal(err)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM c.all").Scan(&n); err != nil || n != 30 {
		t.Fatalf("distributed count = %d, %v; want 10 + 20", n, err)
	}
}
