package report

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Mail is one e-mail: a plain-text body, an optional HTML alternative and
// attachments.
type Mail struct {
	Subject     string
	Text        string
	HTML        string
	Attachments []string // file paths
}

// SendMail delivers m to cfg.To through cfg.Addr: EHLO, STARTTLS
// (required, opportunistic or none), AUTH PLAIN when a username is set,
// MAIL FROM, one RCPT TO per recipient, DATA. The password is never
// logged or put in an error.
func SendMail(ctx context.Context, cfg SMTPConfig, password string, m Mail, now time.Time) error {
	if cfg.Addr == "" || len(cfg.To) == 0 {
		return errors.New("report: smtp: no server or no recipient (report.smtp.addr, report.smtp.to)")
	}
	msg, err := buildMessage(cfg, m, now)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("report: smtp: addr %q: %w", cfg.Addr, err)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("report: smtp: connect %s: %w", cfg.Addr, err)
	}
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("report: smtp: %s: %w", cfg.Addr, err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fmt.Errorf("report: smtp: EHLO: %w", err)
	}
	if cfg.StartTLS != "none" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: host, InsecureSkipVerify: cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12}); err != nil {
				return fmt.Errorf("report: smtp: STARTTLS: %w", err)
			}
		} else if cfg.StartTLS == "required" {
			return fmt.Errorf("report: smtp: %s does not offer STARTTLS (report.smtp.starttls is required)", cfg.Addr)
		}
	}
	if cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("report: smtp: %s does not offer AUTH but report.smtp.username is set", cfg.Addr)
		}
		// smtp.PlainAuth refuses to send the password without TLS unless
		// the server is localhost.
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, password, host)); err != nil {
			return fmt.Errorf("report: smtp: AUTH as %s: %w", cfg.Username, err)
		}
	}
	from, _ := mailAddr(cfg.From)
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("report: smtp: MAIL FROM %s: %w", from, err)
	}
	for _, t := range cfg.To {
		a, _ := mailAddr(t)
		if err := c.Rcpt(a); err != nil {
			return fmt.Errorf("report: smtp: RCPT TO %s: %w", a, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("report: smtp: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("report: smtp: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("report: smtp: DATA: %w", err)
	}
	return c.Quit()
}

// mailAddr is the bare address of "Name <a@b>" (s itself when it does
// not parse; Validate has checked it).
func mailAddr(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return s, err
	}
	return a.Address, nil
}

// buildMessage is the RFC 5322 message: multipart/mixed of a
// multipart/alternative (text, HTML) and the attachments, base64 with
// 76-character lines, CRLF line ends.
func buildMessage(cfg SMTPConfig, m Mail, now time.Time) ([]byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	var altBody bytes.Buffer
	alt := multipart.NewWriter(&altBody)
	if err := part(alt, "text/plain; charset=utf-8", nil, []byte(m.Text)); err != nil {
		return nil, err
	}
	if m.HTML != "" {
		if err := part(alt, "text/html; charset=utf-8", nil, []byte(m.HTML)); err != nil {
			return nil, err
		}
	}
	if err := alt.Close(); err != nil {
		return nil, err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", "multipart/alternative; boundary="+alt.Boundary())
	pw, err := mw.CreatePart(h)
	if err != nil {
		return nil, err
	}
	if _, err := pw.Write(altBody.Bytes()); err != nil {
		return nil, err
	}
	for _, path := range m.Attachments {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("report: attachment: %w", err)
		}
		ct := mime.TypeByExtension(filepath.Ext(path))
		if ct == "" {
			ct = "application/octet-stream"
		}
		extra := map[string]string{"Content-Disposition": mime.FormatMediaType("attachment", map[string]string{"filename": filepath.Base(path)})}
		if err := part(mw, ct, extra, data); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&out, "%s: %s\r\n", k, v) }
	hdr("From", cfg.From)
	hdr("To", strings.Join(cfg.To, ", "))
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	hdr("Date", now.Format(time.RFC1123Z))
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "multipart/mixed; boundary="+mw.Boundary())
	out.WriteString("\r\n")
	out.Write(body.Bytes())
	return out.Bytes(), nil
}

func part(w *multipart.Writer, contentType string, extra map[string]string, data []byte) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", contentType)
	h.Set("Content-Transfer-Encoding", "base64")
	for k, v := range extra {
		h.Set(k, v)
	}
	pw, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		if _, err := io.WriteString(pw, enc[:76]+"\r\n"); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err = io.WriteString(pw, enc+"\r\n")
	return err
}

// PostSlack posts text to a Slack-compatible incoming webhook as
// {"text": …} (Slack, Mattermost and Rocket.Chat read it; Teams' and
// Discord's Slack-compatible endpoints too).
func PostSlack(ctx context.Context, cfg SlackConfig, text string) error {
	if cfg.WebhookURL == "" {
		return errors.New("report: slack: no webhook (report.slack.webhook_url)")
	}
	body, err := json.Marshal(map[string]any{"text": text, "mrkdwn": true})
	if err != nil {
		return err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("report: slack: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("report: slack: %s", redactURL(err.Error(), cfg.WebhookURL))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("report: slack: webhook answered %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// redactURL hides a webhook URL's path (its secret) in s.
func redactURL(s, u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return strings.ReplaceAll(s, u, u[:i+3+j]+"/…")
		}
	}
	return s
}
