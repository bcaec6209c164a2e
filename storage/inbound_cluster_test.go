package storage_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/localstack"
	"github.com/earshot-dev/earshot/storage"
)

// inbound_posts in cluster mode (1 shard × 2 replicas): the rollup runs
// through the Distributed tables, and the leaderboard read from it, on
// either server, equals the raw leaderboard of the same data on one
// server.
func TestClusterInboundPosts(t *testing.T) {
	requireCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cl, err := localstack.NewCluster(localstack.ClusterConfig{Dir: t.TempDir(), Install: true, Log: clusterLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Stop(context.Background()) })
	if err := cl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := storage.DefaultConfig()
	cfg.Database, cfg.Cluster = "cl", cl.Name()
	conns := make([]driver.Conn, 2)
	for i, ch := range cl.Nodes() {
		c := cfg
		c.Addr = ch.Addr()
		conns[i] = open(t, c)
	}
	m, err := storage.NewMigrator(conns[0], cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
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
	work := rollupWorkload()
	insertMentions(t, sconn, "one", work)
	insertMentions(t, conns[0], "cl", work)
	insertMentions(t, conns[1], "cl", work) // a re-delivery, through the other server
	q := analytics.Query{Since: rollupStart.Add(-time.Hour), Until: rollupStart.Add(30 * time.Hour)}
	want, err := analytics.Leaderboard(ctx, sconn, "one", q) // no rollup: the raw tables
	if err != nil || len(want) != 3 {
		t.Fatalf("single-server leaderboard: %d rows, %v", len(want), err)
	}
	time.Sleep(2100 * time.Millisecond)
	run, err := storage.RollupInboundPosts(ctx, conns[0], "cl", storage.InboundOptions{From: rollupStart.Add(-2 * time.Hour), Margin: time.Second})
	if err != nil {
		t.Fatalf("RollupInboundPosts on the cluster: %v", err)
	}
	if len(run.Hours) == 0 {
		t.Fatal("the rollup computed no hours")
	}
	for i, conn := range conns {
		syncReplica(t, conn, "cl", "inbound_posts_local", "rollup_hours_local", "inbound_changes_local")
		got, err := analytics.Leaderboard(ctx, conn, "cl", q)
		if err != nil {
			t.Fatalf("server %d: %v", i+1, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("server %d: the rolled-up leaderboard differs from one server's:\n got %s\nwant %s", i+1, rowsString(got), rowsString(want))
		}
	}
	var n uint64
	if err := conns[1].QueryRow(ctx, "SELECT count() FROM cl.inbound_posts FINAL").Scan(&n); err != nil || n == 0 {
		t.Fatalf("inbound_posts on server 2: %d rows, %v", n, err)
	}
}
