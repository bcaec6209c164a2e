package testenv_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/internal/testenv"
)

func TestRepoRoot(t *testing.T) {
	root := testenv.RepoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "module github.com/earshot-dev/earshot") {
		t.Fatalf("%s/go.mod is not earshot's", root)
	}
}

func TestDatasets(t *testing.T) {
	dir := testenv.Datasets(t) // skips when absent
	if filepath.Base(dir) != "datasets" || filepath.Base(filepath.Dir(dir)) != "shared" {
		t.Fatalf("Datasets = %s, want …/shared/datasets", dir)
	}
	if filepath.Dir(filepath.Dir(dir)) != filepath.Dir(testenv.RepoRoot(t)) {
		t.Fatalf("Datasets = %s is not beside the repo root %s", dir, testenv.RepoRoot(t))
	}
}

func TestClickHouseDatabasePerTest(t *testing.T) {
	ctx := context.Background()
	var dbs []string
	for i := 0; i < 2; i++ {
		t.Run("sub", func(t *testing.T) {
			cfg := testenv.ClickHouse(t)
			if !strings.HasPrefix(cfg.Database, "t_") {
				t.Fatalf("database %q, want t_ prefix", cfg.Database)
			}
			conn := testenv.Conn(t, cfg)
			var cur string
			if err := conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&cur); err != nil {
				t.Fatal(err)
			}
			if cur != cfg.Database {
				t.Fatalf("currentDatabase() = %q, want %q", cur, cfg.Database)
			}
			if err := conn.Exec(ctx, "CREATE TABLE x (a UInt32, s String) ENGINE = MergeTree ORDER BY a"); err != nil {
				t.Fatal(err)
			}
			b, err := conn.PrepareBatch(ctx, "INSERT INTO x (a, s)")
			if err != nil {
				t.Fatal(err)
			}
			for j := 0; j < 100; j++ {
				if err := b.Append(uint32(j), "v"); err != nil {
					t.Fatal(err)
				}
			}
			if err := b.Send(); err != nil {
				t.Fatal(err)
			}
			var n uint64
			if err := conn.QueryRow(ctx, "SELECT count() FROM x").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 100 {
				t.Fatalf("count = %d, want 100", n)
			}
			dbs = append(dbs, cfg.Database)
		})
	}
	if len(dbs) != 2 || dbs[0] == dbs[1] {
		t.Fatalf("databases %v, want two distinct", dbs)
	}
	// The subtests' databases were dropped in their cleanups.
	conn := testenv.ClickHouseConn(t)
	for _, db := range dbs {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", db).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("database %s still exists after its test", db)
		}
	}
}

func TestKafka(t *testing.T) {
	cfg := testenv.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := kafka.DialContext(ctx, "tcp", cfg.Brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(cfg.RawTopic, cfg.EnrichedTopic, cfg.DLQTopic)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, p := range parts {
		count[p.Topic]++
	}
	for _, topic := range []string{bus.TopicRaw, bus.TopicEnriched, bus.TopicDLQ} {
		if count[topic] != testenv.KafkaPartitions {
			t.Errorf("topic %s has %d partitions, want %d", topic, count[topic], testenv.KafkaPartitions)
		}
	}
}
