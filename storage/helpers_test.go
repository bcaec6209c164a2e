package storage_test

import (
	"context"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/storage"
)

// testClickHouse is a fresh, empty database on the real test server.
func testClickHouse(t testing.TB) storage.Config {
	t.Helper()
	return testenv.ClickHouse(t)
}

// open connects with storage.Open, as earshot does.
func open(t testing.TB, c storage.Config) driver.Conn {
	t.Helper()
	conn, err := storage.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
