package bus_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/internal/tlsconf"
	"github.com/earshot-dev/earshot/internal/tlsconf/tlstest"
)

const (
	testKafkaUser     = "earshot-svc"
	testKafkaPassword = "s3cret-kafka-pa55word"
	testServerName    = "kafka.earshot.test"
)

// TestSecureKafka runs the writer, a consumer group, topic creation, the
// reachability check and the lag measurement through a TLS listener that
// demands SASL (see secureBroker), for each mechanism and for mutual TLS.
func TestSecureKafka(t *testing.T) {
	ca := tlstest.NewCA(t, "kafka")
	srv := ca.Server(t, "broker", testServerName)
	client := ca.Client(t, "earshot")
	for _, tc := range []struct {
		name, mechanism string
		mutual          bool
	}{
		{"tls+plain", bus.SASLPlain, false},
		{"tls+scram-sha-256", bus.SASLScramSHA256, false},
		{"tls+scram-sha-512", bus.SASLScramSHA512, false},
		{"mutual-tls", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := testenv.Kafka(t)
			st := &tls.Config{Certificates: []tls.Certificate{srv.TLS(t)}, MinVersion: tls.VersionTLS12}
			if tc.mutual {
				st.ClientAuth, st.ClientCAs = tls.RequireAndVerifyClientCert, ca.Pool()
			}
			front := startSecureBroker(t, base.Brokers[0], st, tc.mechanism, testKafkaUser, testKafkaPassword)
			c := base
			c.Brokers = []string{front.addr()}
			c.TLS = tlsconf.Config{Enabled: true, CAFile: ca.CertFile, ServerName: testServerName}
			if tc.mutual {
				c.TLS.CertFile, c.TLS.KeyFile = client.CertFile, client.KeyFile
			}
			if tc.mechanism != "" {
				pwFile := filepath.Join(t.TempDir(), "kafka-password")
				if err := os.WriteFile(pwFile, []byte(testKafkaPassword+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				c.SASL = bus.SASLConfig{Mechanism: tc.mechanism, Username: testKafkaUser, PasswordFile: pwFile}
				if err := c.LoadSecrets(func(string) (string, bool) { return "", false }); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			ctx := testContext(t, 90*time.Second)
			if err := bus.WaitReachable(ctx, c); err != nil {
				t.Fatalf("WaitReachable: %v", err)
			}
			if err := bus.EnsureTopics(ctx, c); err != nil {
				t.Fatalf("EnsureTopics: %v", err)
			}
			msgs := keyed(200, 10)
			write(t, ctx, c, c.RawTopic, msgs)
			r := bus.NewReader(c, c.RawTopic, "secure-group")
			defer r.Close()
			got := map[string]bool{}
			for len(got) < len(msgs) {
				m, err := r.FetchMessage(ctx)
				if err != nil {
					t.Fatalf("FetchMessage after %d: %v", len(got), err)
				}
				got[string(m.Value)] = true
				if err := r.CommitMessages(ctx, m); err != nil {
					t.Fatalf("CommitMessages: %v", err)
				}
			}
			for _, m := range msgs {
				if !got[string(m.Value)] {
					t.Fatalf("message %s not read back", m.Value)
				}
			}
			lag, end, err := bus.Lag(ctx, c, "secure-group", c.RawTopic)
			if err != nil || lag != 0 || end != int64(len(msgs)) {
				t.Fatalf("Lag = %d of %d, %v; want 0 of %d", lag, end, err, len(msgs))
			}
			if tc.mechanism != "" && front.authOK.Load() == 0 {
				t.Fatal("no client authenticated with SASL")
			}
			if front.relays.Load() == 0 {
				t.Fatal("nothing went through the TLS listener")
			}
			t.Logf("%s: %d SASL authentications, %d requests relayed", tc.name, front.authOK.Load(), front.relays.Load())
		})
	}
}

// TestSecureKafkaRefused: wrong credentials, an unknown CA, a wrong server
// name and a missing client certificate each fail the start-up check at
// once, with the reason, instead of waiting for the deadline.
func TestSecureKafkaRefused(t *testing.T) {
	ca := tlstest.NewCA(t, "kafka")
	other := tlstest.NewCA(t, "other")
	srv := ca.Server(t, "broker", testServerName)
	base := testenv.Kafka(t)
	plainFront := startSecureBroker(t, base.Brokers[0], &tls.Config{Certificates: []tls.Certificate{srv.TLS(t)}}, bus.SASLScramSHA512, testKafkaUser, testKafkaPassword)
	mutualFront := startSecureBroker(t, base.Brokers[0], &tls.Config{Certificates: []tls.Certificate{srv.TLS(t)}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool()}, "", "", "")
	good := tlsconf.Config{Enabled: true, CAFile: ca.CertFile, ServerName: testServerName}
	for _, tc := range []struct {
		name  string
		front *secureBroker
		tls   tlsconf.Config
		sasl  bus.SASLConfig
		want  string
	}{
		{"wrong password", plainFront, good, bus.SASLConfig{Mechanism: bus.SASLScramSHA512, Username: testKafkaUser, Password: "wrong"}, "SASL"},
		{"unknown user", plainFront, good, bus.SASLConfig{Mechanism: bus.SASLScramSHA512, Username: "nobody", Password: testKafkaPassword}, "SASL"},
		{"wrong mechanism", plainFront, good, bus.SASLConfig{Mechanism: bus.SASLPlain, Username: testKafkaUser, Password: testKafkaPassword}, "SASL"},
		{"unknown CA", plainFront, tlsconf.Config{Enabled: true, CAFile: other.CertFile, ServerName: testServerName}, bus.SASLConfig{Mechanism: bus.SASLScramSHA512, Username: testKafkaUser, Password: testKafkaPassword}, "certificate"},
		{"wrong server name", plainFront, tlsconf.Config{Enabled: true, CAFile: ca.CertFile, ServerName: "evil.example"}, bus.SASLConfig{Mechanism: bus.SASLScramSHA512, Username: testKafkaUser, Password: testKafkaPassword}, "certificate"},
		{"no client certificate", mutualFront, good, bus.SASLConfig{}, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			c.Brokers = []string{tc.front.addr()}
			c.TLS, c.SASL = tc.tls, tc.sasl
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			ctx := testContext(t, 30*time.Second)
			start := time.Now()
			err := bus.WaitReachable(ctx, c)
			if err == nil {
				t.Fatal("WaitReachable succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "kafka.tls, kafka.sasl") {
				t.Fatalf("error %q, want it to mention %q and the config keys", err, tc.want)
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("took %s: a refused handshake must fail at once", time.Since(start))
			}
			if tc.sasl.Password != "" && strings.Contains(err.Error(), tc.sasl.Password) {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

func TestSecurityValidate(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	ca := tlstest.NewCA(t, "v")
	for _, tc := range []struct {
		name string
		edit func(*bus.Config)
		want string // "" = valid
	}{
		{"defaults", func(*bus.Config) {}, ""},
		{"tls with system roots", func(c *bus.Config) { c.TLS.Enabled = true }, ""},
		{"tls keys without enabled", func(c *bus.Config) { c.TLS.CAFile = ca.CertFile }, "kafka.tls.enabled"},
		{"missing ca file", func(c *bus.Config) { c.TLS = tlsconf.Config{Enabled: true, CAFile: filepath.Join(dir, "nope.pem")} }, "kafka.tls.ca_file"},
		{"garbage ca file", func(c *bus.Config) { c.TLS = tlsconf.Config{Enabled: true, CAFile: garbage} }, "kafka.tls.ca_file"},
		{"cert without key", func(c *bus.Config) { c.TLS = tlsconf.Config{Enabled: true, CertFile: ca.CertFile} }, "kafka.tls.cert_file"},
		{"bad key pair", func(c *bus.Config) { c.TLS = tlsconf.Config{Enabled: true, CertFile: ca.CertFile, KeyFile: garbage} }, "kafka.tls.cert_file"},
		{"unknown mechanism", func(c *bus.Config) { c.SASL = bus.SASLConfig{Mechanism: "GSSAPI", Username: "u", Password: "p"} }, "kafka.sasl.mechanism"},
		{"no user", func(c *bus.Config) { c.SASL = bus.SASLConfig{Mechanism: bus.SASLPlain, Password: "p"} }, "kafka.sasl.username"},
		{"no password", func(c *bus.Config) { c.SASL = bus.SASLConfig{Mechanism: bus.SASLScramSHA256, Username: "u"} }, "kafka.sasl.password"},
		{"password without mechanism", func(c *bus.Config) { c.SASL = bus.SASLConfig{Username: "u", Password: "p"} }, "kafka.sasl.mechanism"},
		{"scram 512", func(c *bus.Config) {
			c.SASL = bus.SASLConfig{Mechanism: bus.SASLScramSHA512, Username: "u", Password: "p"}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := bus.DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

// A writer built from a configuration whose TLS files are missing fails
// every write with the reason instead of connecting without TLS.
func TestWriterWithBrokenTLSNeverConnectsInClear(t *testing.T) {
	c := testenv.Kafka(t)
	c.TLS = tlsconf.Config{Enabled: true, CAFile: filepath.Join(t.TempDir(), "missing.pem")}
	w := bus.NewWriter(c, c.RawTopic)
	defer w.Close()
	w.MaxAttempts = 1
	err := w.WriteMessages(testContext(t, 20*time.Second), keyed(1, 1)...)
	if err == nil || !strings.Contains(err.Error(), "kafka.tls.ca_file") {
		t.Fatalf("WriteMessages = %v, want the kafka.tls.ca_file error", err)
	}
}

func TestLoadSecrets(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	c := bus.DefaultConfig()
	c.SASL = bus.SASLConfig{Mechanism: bus.SASLPlain, Username: "u", PasswordFile: pw}
	if err := c.LoadSecrets(env(nil)); err != nil || c.SASL.Password != "from-file" {
		t.Fatalf("from file: %q, %v", c.SASL.Password, err)
	}
	c.SASL.Password = ""
	if err := c.LoadSecrets(env(map[string]string{bus.EnvSASLPassword: "from-env", bus.EnvSASLUsername: "env-user"})); err != nil || c.SASL.Password != "from-env" || c.SASL.Username != "env-user" {
		t.Fatalf("from env: %+v, %v", c.SASL, err)
	}
	c.SASL.Password, c.SASL.PasswordFile = "", filepath.Join(dir, "missing")
	if err := c.LoadSecrets(env(nil)); err == nil || !strings.Contains(err.Error(), "kafka.sasl.password_file") {
		t.Fatalf("missing file: %v", err)
	}
}

// TestSecretsNeverShown: the SASL password appears in no rendering of the
// configuration — fmt verbs, JSON, slog text and JSON handlers — and in no
// error.
func TestSecretsNeverShown(t *testing.T) {
	const secret = "hunter2-do-not-print"
	c := bus.DefaultConfig()
	c.SASL = bus.SASLConfig{Mechanism: bus.SASLScramSHA256, Username: "earshot", Password: secret}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		slog.New(h).Info("config", "kafka", c, "sasl", c.SASL, "ptr", &c)
	}
	renderings := map[string]string{
		"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"sasl %+v": fmt.Sprintf("%+v", c.SASL), "sasl %#v": fmt.Sprintf("%#v", c.SASL), "&c %+v": fmt.Sprintf("%+v", &c),
		"json": string(j), "slog": logs.String(),
	}
	c.SASL.Mechanism = "BOGUS"
	renderings["validate error"] = fmt.Sprint(c.Validate())
	for name, s := range renderings {
		if strings.Contains(s, secret) {
			t.Errorf("%s shows the password: %s", name, s)
		}
	}
	if !strings.Contains(logs.String(), "[redacted]") || !strings.Contains(logs.String(), "earshot") {
		t.Errorf("logs should name the user and mark the password as set: %s", logs.String())
	}
}
