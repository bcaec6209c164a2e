package storage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/internal/tlsconf"
	"github.com/earshot-dev/earshot/internal/tlsconf/tlstest"
	"github.com/earshot-dev/earshot/localstack"
	"github.com/earshot-dev/earshot/storage"
)

const chServerName = "clickhouse.earshot.test"

// TestOpenTLS starts a ClickHouse server of its own (the local Debian
// server, 18.16 here) that serves the native protocol over TLS and
// demands a client certificate signed by the test CA, then connects with
// storage.Open the way earshot does: verified server name, CA file,
// client certificate. Every way of getting TLS wrong must be refused.
func TestOpenTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a ClickHouse server")
	}
	ca := tlstest.NewCA(t, "clickhouse")
	other := tlstest.NewCA(t, "other")
	srv := ca.Server(t, "server", chServerName)
	client := ca.Client(t, "earshot")
	strangerClient := other.Client(t, "stranger")
	ch, err := localstack.NewClickHouse(localstack.ClickHouseConfig{
		Dir:     t.TempDir(),
		Install: true,
		Log:     slog.New(slog.DiscardHandler),
		TLS:     &localstack.ClickHouseTLS{CertFile: srv.CertFile, KeyFile: srv.KeyFile, CAFile: ca.CertFile, VerifyClient: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := ch.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ch.Stop(context.Background()) })

	good := storage.DefaultConfig()
	good.Addr = ch.SecureAddr()
	good.DialTimeout = 5 * time.Second
	good.TLS = tlsconf.Config{Enabled: true, CAFile: ca.CertFile, ServerName: chServerName, CertFile: client.CertFile, KeyFile: client.KeyFile}

	conn, err := storage.Open(ctx, good)
	if err != nil {
		t.Fatalf("Open over TLS: %v", err)
	}
	var one uint8
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 over TLS = %d, %v", one, err)
	}
	conn.Close()

	for _, tc := range []struct {
		name string
		edit func(*storage.Config)
	}{
		{"plain TCP to the TLS port", func(c *storage.Config) { c.TLS = tlsconf.Config{} }},
		{"unknown CA", func(c *storage.Config) { c.TLS.CAFile = other.CertFile }},
		{"system roots only", func(c *storage.Config) { c.TLS.CAFile = "" }},
		{"wrong server name", func(c *storage.Config) { c.TLS.ServerName = "evil.example" }},
		{"no client certificate", func(c *storage.Config) { c.TLS.CertFile, c.TLS.KeyFile = "", "" }},
		{"client certificate of another CA", func(c *storage.Config) {
			c.TLS.CertFile, c.TLS.KeyFile = strangerClient.CertFile, strangerClient.KeyFile
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			conn, err := storage.Open(ctx, c)
			if err == nil {
				conn.Close()
				t.Fatal("Open succeeded")
			}
			t.Logf("refused: %v", err)
		})
	}
}

func TestTLSValidate(t *testing.T) {
	c := storage.DefaultConfig()
	c.TLS = tlsconf.Config{Enabled: true, CAFile: filepath.Join(t.TempDir(), "missing.pem")}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "clickhouse.tls.ca_file") {
		t.Fatalf("Validate = %v, want clickhouse.tls.ca_file", err)
	}
	c.TLS = tlsconf.Config{ServerName: "x"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "clickhouse.tls.enabled") {
		t.Fatalf("Validate = %v, want clickhouse.tls.enabled", err)
	}
}

// TestPasswordNeverShown: the ClickHouse password appears in no rendering
// of the configuration.
func TestPasswordNeverShown(t *testing.T) {
	const secret = "ch-secret-do-not-print"
	c := storage.DefaultConfig()
	c.Password = secret
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		slog.New(h).Info("config", "clickhouse", c)
	}
	for name, s := range map[string]string{
		"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c), "&c": fmt.Sprintf("%+v", &c),
		"json": string(j), "slog": logs.String(),
	} {
		if strings.Contains(s, secret) {
			t.Errorf("%s shows the password: %s", name, s)
		}
	}
}
