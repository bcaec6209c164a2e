package storage_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/storage"
)

// TEMPORARY until internal/testenv lands: a fresh database per test on the
// server at EARSHOT_TEST_CLICKHOUSE_ADDR.
var dbSeq atomic.Int64

func testClickHouse(t testing.TB) storage.Config {
	t.Helper()
	addr := os.Getenv("EARSHOT_TEST_CLICKHOUSE_ADDR")
	if addr == "" {
		t.Skip("EARSHOT_TEST_CLICKHOUSE_ADDR not set")
	}
	c := storage.DefaultConfig()
	c.Addr = addr
	c.Database = fmt.Sprintf("t_%d_%d", time.Now().UnixNano()%1e9, dbSeq.Add(1))
	t.Cleanup(func() {
		conn, err := storage.Open(context.Background(), c)
		if err == nil {
			conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+c.Database)
			conn.Close()
		}
	})
	return c
}

func open(t testing.TB, c storage.Config) driver.Conn {
	t.Helper()
	conn, err := storage.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
