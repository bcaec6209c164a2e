package localstack_test

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/localstack"
)

func TestClusterConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  localstack.ClusterConfig
		want string
	}{
		{"relative dir", localstack.ClusterConfig{Dir: "x"}, "absolute"},
		{"bad name", localstack.ClusterConfig{Dir: "/x", Name: "a-b"}, "plain identifier"},
		{"too many", localstack.ClusterConfig{Dir: "/x", Shards: 3, Replicas: 3}, "at most 8"},
		{"negative", localstack.ClusterConfig{Dir: "/x", Shards: -1}, "≥ 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := localstack.NewCluster(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewCluster = %v, want an error with %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		cfg  localstack.ZooKeeperConfig
		want string
	}{
		{localstack.ZooKeeperConfig{Dir: "rel"}, "absolute"},
		{localstack.ZooKeeperConfig{Dir: "/x", Host: "localhost"}, "IP address"},
		{localstack.ZooKeeperConfig{Dir: "/x", Port: 70000}, "out of range"},
		{localstack.ZooKeeperConfig{Dir: "/x", HeapMB: 8}, "HeapMB"},
	} {
		if _, err := localstack.NewZooKeeper(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewZooKeeper(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// requireZooKeeper skips when the zookeeper package is missing and cannot
// be installed here (make test installs it: scripts/install-deps.sh).
func requireZooKeeper(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(localstack.ZooKeeperJar); err != nil && os.Geteuid() != 0 {
		if os.Getenv("EARSHOT_REQUIRE_CLUSTER") == "1" {
			t.Fatalf("ZooKeeper not installed (%v): apt-get install zookeeper", err)
		}
		t.Skipf("ZooKeeper not installed (%v): apt-get install zookeeper", err)
	}
}

// A 1 × 2 cluster starts, knows its shape, runs ON CLUSTER DDL and
// replicates; a second Start adopts the running servers, and another
// Cluster value on the same directory stops them.
func TestClusterLifecycle(t *testing.T) {
	requireZooKeeper(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	cfg := localstack.ClusterConfig{Dir: dir, Install: true, Log: testLog(t)}
	cl, err := localstack.NewCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Stop(context.Background()) })
	start := time.Now()
	if err := cl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster up in %s: %s", time.Since(start).Round(time.Millisecond), cl)
	if len(cl.Nodes()) != 2 || cl.Node(1, 2) == nil || cl.Node(2, 1) != nil {
		t.Fatalf("nodes = %d, want 1 shard × 2 replicas", len(cl.Nodes()))
	}
	if out, err := localstack.FourLetterWord(ctx, cl.ZooKeeper().Addr(), "ruok"); err != nil || out != "imok" {
		t.Fatalf("ruok = %q, %v", out, err)
	}
	env := cl.Env()
	if !slices.Contains(env, "EARSHOT_CLICKHOUSE_CLUSTER=earshot") || !slices.Contains(env, "EARSHOT_CLICKHOUSE_ADDR="+cl.Node(1, 1).Addr()) {
		t.Fatalf("Env = %v", env)
	}

	// The generated config.d file is well-formed XML with this server's macros.
	b, err := os.ReadFile(filepath.Join(dir, localstack.NodeName(1, 2), "config.d", "cluster.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Macros struct {
			Shard   string `xml:"shard"`
			Replica string `xml:"replica"`
		} `xml:"macros"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil || doc.Macros.Shard != "1" || doc.Macros.Replica != "r2" {
		t.Fatalf("cluster.xml macros = %+v, %v", doc.Macros, err)
	}

	for i, ch := range cl.Nodes() {
		conn := connect(t, ch.Addr(), "default")
		var replicas uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.clusters WHERE cluster = 'earshot'").Scan(&replicas); err != nil || replicas != 2 {
			t.Fatalf("node %d: system.clusters has %d rows for earshot, %v; want 2", i, replicas, err)
		}
		var replica string
		if err := conn.QueryRow(ctx, "SELECT substitution FROM system.macros WHERE macro = 'replica'").Scan(&replica); err != nil || replica != []string{"r1", "r2"}[i] {
			t.Fatalf("node %d: macro replica = %q, %v", i, replica, err)
		}
	}
	c1 := connect(t, cl.Node(1, 1).Addr(), "default")
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS lc ON CLUSTER earshot",
		"CREATE TABLE lc.t_local ON CLUSTER earshot (id UInt64) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/lc/t', '{replica}') ORDER BY id",
		"CREATE TABLE lc.t ON CLUSTER earshot AS lc.t_local ENGINE = Distributed(earshot, lc, t_local, id)",
		"INSERT INTO lc.t (id) SELECT number FROM system.numbers LIMIT 100",
	} {
		if err := c1.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	c2 := connect(t, cl.Node(1, 2).Addr(), "default")
	if err := c2.Exec(ctx, "SYSTEM SYNC REPLICA lc.t_local"); err != nil {
		t.Fatal(err)
	}
	var n uint64
	if err := c2.QueryRow(ctx, "SELECT count() FROM lc.t_local").Scan(&n); err != nil || n != 100 {
		t.Fatalf("replica 2 has %d rows, %v; want 100", n, err)
	}

	// Start again: nothing restarts.
	pids := []int{cl.ZooKeeper().PID(), cl.Node(1, 1).PID(), cl.Node(1, 2).PID()}
	again, err := localstack.NewCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := []int{again.ZooKeeper().PID(), again.Node(1, 1).PID(), again.Node(1, 2).PID()}; !slices.Equal(got, pids) {
		t.Fatalf("second Start changed pids %v → %v", pids, got)
	}
	if err := again.Healthy(ctx); err != nil {
		t.Fatal(err)
	}

	// Another process's view stops the servers.
	other, err := localstack.NewCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		waitFor(t, 30*time.Second, "server to exit", func() bool { return !processExists(pid) })
	}
}
