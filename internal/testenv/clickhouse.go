package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/localstack"
	"github.com/earshot-dev/earshot/storage"
)

// Environment variables read by ClickHouse.
const (
	// EnvClickHouseAddr points tests at an existing server (native
	// protocol host:port) instead of the local stack.
	EnvClickHouseAddr = "EARSHOT_TEST_CLICKHOUSE_ADDR"
	// EnvClickHouseUser and EnvClickHousePassword go with it (default
	// user "default", no password).
	EnvClickHouseUser     = "EARSHOT_TEST_CLICKHOUSE_USER"
	EnvClickHousePassword = "EARSHOT_TEST_CLICKHOUSE_PASSWORD"
)

var server struct {
	mu   sync.Mutex
	addr string // native host:port once known
}

// clickhouseServer returns the address of the test ClickHouse server:
// EARSHOT_TEST_CLICKHOUSE_ADDR, or the local stack's ClickHouse, started
// if needed (locked and shared with concurrent test binaries; left
// running for the next package — `make test` and `earshot stack down`
// stop it). With refresh it asks the stack again (the server may have been
// restarted).
func clickhouseServer(t testing.TB, refresh bool) string {
	t.Helper()
	if a := os.Getenv(EnvClickHouseAddr); a != "" {
		return a
	}
	server.mu.Lock()
	defer server.mu.Unlock()
	if server.addr != "" && !refresh {
		return server.addr
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := localstack.New(localstack.Config{
		Root:    localstack.DefaultRoot(),
		Only:    []string{localstack.ServerClickHouse},
		Install: true,
		Log:     log,
	})
	if err != nil {
		t.Fatalf("testenv: local stack: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ep, err := st.Up(ctx)
	if err != nil {
		t.Fatalf("testenv: cannot start the local ClickHouse server (stack in %s; or set %s=host:port): %v", st.Root(), EnvClickHouseAddr, err)
	}
	server.addr = ep.ClickHouseAddr
	return server.addr
}

func baseConfig(addr string) storage.Config {
	c := storage.DefaultConfig()
	c.Addr = addr
	if u := os.Getenv(EnvClickHouseUser); u != "" {
		c.User = u
	}
	c.Password = os.Getenv(EnvClickHousePassword)
	c.DialTimeout = 5 * time.Second
	c.ReadTimeout = 2 * time.Minute
	return c
}

// open connects to c.Addr with c.Database as the default database ("" for
// the server's default).
func open(c storage.Config, database string) (driver.Conn, error) {
	return clickhouse.Open(&clickhouse.Options{
		Addr:        []string{c.Addr},
		Auth:        clickhouse.Auth{Database: database, Username: c.User, Password: c.Password},
		DialTimeout: c.DialTimeout,
		ReadTimeout: c.ReadTimeout,
		Compression: &clickhouse.Compression{Method: clickhouse.CompressionNone},
	})
}

// ClickHouse returns the configuration of a new, empty database t_<random>
// on the test ClickHouse server, dropped when the test ends. The server is
// EARSHOT_TEST_CLICKHOUSE_ADDR or the local stack's (started if needed).
// When no server can be had the test fails: it is never skipped.
func ClickHouse(t testing.TB) storage.Config {
	t.Helper()
	c := baseConfig(clickhouseServer(t, false))
	c.Database = "t_" + randomHex(t, 8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := open(c, "")
	if err == nil {
		err = conn.Exec(ctx, "CREATE DATABASE "+c.Database)
		if err != nil {
			conn.Close()
		}
	}
	if err != nil && os.Getenv(EnvClickHouseAddr) == "" {
		// The stack's server may have been stopped or restarted by
		// another package's test run: ask the stack again, once.
		c.Addr = clickhouseServer(t, true)
		if conn, err = open(c, ""); err == nil {
			if err = conn.Exec(ctx, "CREATE DATABASE "+c.Database); err != nil {
				conn.Close()
			}
		}
	}
	if err != nil {
		t.Fatalf("testenv: create database %s on ClickHouse %s: %v", c.Database, c.Addr, err)
	}
	t.Cleanup(func() {
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+c.Database); err != nil {
			t.Errorf("testenv: drop database %s: %v", c.Database, err)
		}
	})
	if err := c.Validate(); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return c
}

// ClickHouseConn returns a connection to a new, empty test database (as
// ClickHouse does) that is the connection's default database; the
// database is dropped and the connection closed when the test ends. Use
// Conn to connect to the database of a Config you already have.
func ClickHouseConn(t testing.TB) driver.Conn {
	t.Helper()
	return Conn(t, ClickHouse(t))
}

// Conn opens a native-protocol connection to c with c.Database as the
// default database, pings it, and closes it when the test ends.
func Conn(t testing.TB, c storage.Config) driver.Conn {
	t.Helper()
	conn, err := open(c, c.Database)
	if err != nil {
		t.Fatalf("testenv: connect to ClickHouse %s: %v", c.Addr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		t.Fatalf("testenv: ping ClickHouse %s: %v", c.Addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// Migrated returns a new test database with earshot's schema (storage's
// migrations applied) and a connection to it; both go when the test ends.
func Migrated(t testing.TB) (storage.Config, driver.Conn) {
	t.Helper()
	cfg := ClickHouse(t)
	conn := Conn(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := storage.NewMigrator(conn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	return cfg, conn
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("testenv: random: %v", err)
	}
	return hex.EncodeToString(b)
}
