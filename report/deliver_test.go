package report

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpServer is a minimal RFC 5321 server for the tests: EHLO, STARTTLS
// (a self-signed certificate), AUTH PLAIN, MAIL, RCPT, DATA, QUIT.
type smtpServer struct {
	ln       net.Listener
	tlsConf  *tls.Config
	user     string
	password string

	mu       sync.Mutex
	tlsUsed  bool
	authUser string
	from     string
	rcpt     []string
	data     string
	done     chan struct{}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func startSMTP(t *testing.T, offerTLS bool) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, user: "reports", password: "s3cret", done: make(chan struct{})}
	if offerTLS {
		s.tlsConf = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	}
	t.Cleanup(func() { ln.Close() })
	go s.serve()
	return s
}

func (s *smtpServer) serve() {
	c, err := s.ln.Accept()
	if err != nil {
		return
	}
	defer close(s.done)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	say("220 test ESMTP")
	secure := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch cmd {
		case "EHLO", "HELO":
			ext := []string{"250-test"}
			if s.tlsConf != nil && !secure {
				ext = append(ext, "250-STARTTLS")
			}
			if secure || s.tlsConf == nil {
				ext = append(ext, "250-AUTH PLAIN")
			}
			ext = append(ext, "250 8BITMIME")
			for _, e := range ext {
				w.WriteString(e + "\r\n")
			}
			w.Flush()
		case "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, s.tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			c = tc
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
			secure = true
			s.mu.Lock()
			s.tlsUsed = true
			s.mu.Unlock()
		case "AUTH":
			f := strings.Fields(line)
			if len(f) < 3 || f[1] != "PLAIN" {
				say("504 only PLAIN")
				continue
			}
			raw, _ := base64.StdEncoding.DecodeString(f[2])
			parts := strings.Split(string(raw), "\x00")
			if len(parts) != 3 || parts[1] != s.user || parts[2] != s.password {
				say("535 authentication failed")
				continue
			}
			s.mu.Lock()
			s.authUser = parts[1]
			s.mu.Unlock()
			say("235 ok")
		case "MAIL":
			s.mu.Lock()
			s.from = line
			s.mu.Unlock()
			say("250 ok")
		case "RCPT":
			s.mu.Lock()
			s.rcpt = append(s.rcpt, line)
			s.mu.Unlock()
			say("250 ok")
		case "DATA":
			say("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.data = b.String()
			s.mu.Unlock()
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("500 unknown")
		}
	}
}

func TestSendMailStartTLSAuth(t *testing.T) {
	srv := startSMTP(t, true)
	dir := t.TempDir()
	pdf := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4 fake body for the attachment test"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig().SMTP
	cfg.Addr, cfg.From, cfg.To = srv.ln.Addr().String(), "earshot <reports@example.com>", []string{"ceo@example.com", "Care Lead <care@example.com>"}
	cfg.Username, cfg.InsecureSkipVerify = "reports", true
	m := Mail{Subject: "KLM: customer-care report 2026-W47 ✓", Text: "*Rank 1st of 3*\nYou answered 41 % …", Attachments: []string{pdf}}
	if err := SendMail(context.Background(), cfg, "s3cret", m, time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if !srv.tlsUsed || srv.authUser != "reports" {
		t.Errorf("tls %v auth %q", srv.tlsUsed, srv.authUser)
	}
	if srv.from != "MAIL FROM:<reports@example.com> BODY=8BITMIME" && !strings.HasPrefix(srv.from, "MAIL FROM:<reports@example.com>") {
		t.Errorf("from %q", srv.from)
	}
	if len(srv.rcpt) != 2 || !strings.Contains(srv.rcpt[1], "<care@example.com>") {
		t.Errorf("rcpt %q", srv.rcpt)
	}
	msg, err := mail.ReadMessage(strings.NewReader(srv.data))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	if subj, _ := dec.DecodeHeader(msg.Header.Get("Subject")); subj != m.Subject {
		t.Errorf("subject %q", subj)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var gotText, gotPDF bool
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch {
		case ct == "multipart/alternative":
			ar := multipart.NewReader(p, cp["boundary"])
			tp, err := ar.NextPart()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, tp))
			gotText = string(b) == m.Text
		case p.FileName() == "r.pdf":
			b, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
			gotPDF = strings.HasPrefix(string(b), "%PDF-1.4 fake")
		}
	}
	if !gotText || !gotPDF {
		t.Errorf("text part %v, pdf attachment %v", gotText, gotPDF)
	}
}

func TestSendMailErrors(t *testing.T) {
	// STARTTLS required but not offered.
	srv := startSMTP(t, false)
	cfg := DefaultConfig().SMTP
	cfg.Addr, cfg.From, cfg.To = srv.ln.Addr().String(), "r@example.com", []string{"a@example.com"}
	err := SendMail(context.Background(), cfg, "", Mail{Subject: "s", Text: "t"}, time.Now())
	if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Errorf("got %v", err)
	}
	// A wrong password is reported without the password.
	srv2 := startSMTP(t, true)
	cfg.Addr, cfg.Username, cfg.InsecureSkipVerify = srv2.ln.Addr().String(), "reports", true
	err = SendMail(context.Background(), cfg, "wrong-password-xyz", Mail{Subject: "s", Text: "t"}, time.Now())
	if err == nil || !strings.Contains(err.Error(), "AUTH as reports") || strings.Contains(err.Error(), "wrong-password-xyz") {
		t.Errorf("got %v", err)
	}
	// Self-signed certificate refused without insecure_skip_verify.
	srv3 := startSMTP(t, true)
	cfg.Addr, cfg.InsecureSkipVerify = srv3.ln.Addr().String(), false
	if err := SendMail(context.Background(), cfg, "s3cret", Mail{Subject: "s", Text: "t"}, time.Now()); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("got %v", err)
	}
}

func TestPostSlack(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", 400)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/fail/T000/SECRET" {
			http.Error(w, "invalid_token", http.StatusForbidden)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	cfg := DefaultConfig().Slack
	cfg.WebhookURL = srv.URL + "/services/T000/B000/XXX"
	if err := PostSlack(context.Background(), cfg, "*KLM* rank 1st"); err != nil {
		t.Fatal(err)
	}
	if got["text"] != "*KLM* rank 1st" {
		t.Errorf("payload %v", got)
	}
	cfg.WebhookURL = srv.URL + "/fail/T000/SECRET"
	if err := PostSlack(context.Background(), cfg, "x"); err == nil || !strings.Contains(err.Error(), "403") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("got %v", err)
	}
	cfg.WebhookURL = "http://127.0.0.1:1/services/SECRET"
	if err := PostSlack(context.Background(), cfg, "x"); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("an unreachable webhook must fail without leaking its path: %v", err)
	}
}
