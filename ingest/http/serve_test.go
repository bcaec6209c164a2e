package httpingest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/ingest"
	httpingest "github.com/earshot-dev/earshot/ingest/http"
)

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files.
func selfSigned(tb testing.TB) (certFile, keyFile string, pool *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "earshot-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// serve runs Serve on a free port and returns its address and the channel
// Serve's result arrives on.
func serve(tb testing.TB, cfg httpingest.Config, w *writer) (string, context.CancelFunc, <-chan error) {
	tb.Helper()
	reg := prometheus.NewRegistry()
	s, err := httpingest.New(cfg, httpingest.Options{Writer: w, Metrics: ingest.NewMetrics(reg), Registerer: reg, Publisher: fastPublisher()})
	if err != nil {
		tb.Fatal(err)
	}
	return serveWith(tb, s)
}

func TestTLS(t *testing.T) {
	cfg := testConfig(t)
	certFile, keyFile, pool := selfSigned(t)
	cfg.TLSCertFile, cfg.TLSKeyFile = certFile, keyFile
	w := newWriter()
	addr, _, _ := serve(t, cfg, w)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	r := post(t, client, "https://"+addr+"/v1/mentions", tokenA, "", []byte(record(1)))
	if r.Status != 202 || r.Accepted != 1 {
		t.Fatalf("HTTPS push: %d accepted=%d (%s)", r.Status, r.Accepted, r.Error)
	}
	// Plain HTTP to the TLS port is not served.
	resp, err := http.Post("http://"+addr+"/v1/mentions", "application/json", strings.NewReader(record(2)))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == 202 {
			t.Fatal("plain HTTP accepted on the TLS listener")
		}
	}
	// A client that does not trust the certificate fails the handshake.
	if _, err := http.Post("https://"+addr+"/v1/mentions", "application/json", strings.NewReader(record(3))); err == nil {
		t.Fatal("untrusted certificate accepted")
	}
	if ids := w.ids(t); len(ids) != 1 || ids[0] != "x:1" {
		t.Fatalf("published %v, want only x:1", ids)
	}
}

func TestTLSBadCertificate(t *testing.T) {
	cfg := testConfig(t)
	cfg.TLSCertFile, cfg.TLSKeyFile = filepath.Join(t.TempDir(), "missing.pem"), "also-missing.pem"
	s, err := httpingest.New(cfg, httpingest.Options{Writer: newWriter()})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	err = s.Serve(context.Background(), ln)
	if err == nil || !strings.Contains(err.Error(), "tls_cert_file") {
		t.Fatalf("Serve with a missing certificate: %v, want an error naming tls_cert_file", err)
	}
}

// TestGracefulShutdown cancels Serve while a request waits for Kafka: the
// request is answered 202 once Kafka acknowledges, and Serve returns only
// after that, with every record written.
func TestGracefulShutdown(t *testing.T) {
	cfg := testConfig(t)
	w := newWriter()
	gate := make(chan struct{})
	w.gate = gate
	addr, cancel, done := serve(t, cfg, w)

	got := make(chan result, 1)
	go func() {
		got <- post(t, nil, "http://"+addr+"/v1/mentions", tokenA, "", []byte(record(1)+"\n"+record(2)))
	}()
	// Wait until the publisher is blocked writing the request's batch.
	select {
	case <-w.blocked:
	case <-time.After(20 * time.Second):
		t.Fatal("the request's batch never reached the writer")
	}
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Serve returned (%v) while a request was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(gate)
	r := <-got
	if r.Status != 202 || r.Accepted != 2 {
		t.Fatalf("in-flight request: %d accepted=%d (%s), want 202 with 2", r.Status, r.Accepted, r.Error)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after the drain")
	}
	if ids := strings.Join(w.ids(t), ","); ids != "x:1,x:2" {
		t.Fatalf("Kafka holds %q, want x:1,x:2", ids)
	}
	// The listener is closed.
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("listener still open after shutdown")
	}
}

func listen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// TestTokensReload rotates the tokens file while serving: the new token
// is accepted and the revoked one refused, without a restart.
func TestTokensReload(t *testing.T) {
	cfg := testConfig(t)
	cfg.TokensEnv = ""
	cfg.TokensFile = filepath.Join(t.TempDir(), "tokens")
	cfg.TokensReloadInterval = 20 * time.Millisecond
	if err := os.WriteFile(cfg.TokensFile, []byte("# pushers\nalpha "+tokenA+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, _, _ := serve(t, cfg, newWriter())
	url := "http://" + addr + "/v1/mentions"
	if r := post(t, nil, url, tokenA, "", []byte(record(1))); r.Status != 202 {
		t.Fatalf("token a before rotation: %d", r.Status)
	}
	// Rotate: b replaces a. (A different size guarantees the change is seen
	// even where file times are coarse.)
	if err := os.WriteFile(cfg.TokensFile, []byte("beta "+tokenB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for post(t, nil, url, tokenB, "", []byte(record(2))).Status != 202 {
		if time.Now().After(deadline) {
			t.Fatal("the new token was never accepted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := post(t, nil, url, tokenA, "", []byte(record(3))); r.Status != 401 {
		t.Fatalf("revoked token: %d, want 401", r.Status)
	}
	// A broken file keeps the tokens in force.
	os.WriteFile(cfg.TokensFile, []byte("too many fields on this line\n"), 0o600)
	time.Sleep(100 * time.Millisecond)
	if r := post(t, nil, url, tokenB, "", []byte(record(4))); r.Status != 202 {
		t.Fatalf("after a broken tokens file: %d, want the previous tokens kept", r.Status)
	}
}
