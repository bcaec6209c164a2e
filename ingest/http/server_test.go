package httpingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	httpingest "github.com/earshot-dev/earshot/ingest/http"
)

func TestAuth(t *testing.T) {
	e := start(t, testConfig(t), nil)
	url := e.ts.URL + "/v1/mentions"
	tests := []struct {
		name, auth string
		want       int
		wantHdr    string
	}{
		{"missing", "", 401, `Bearer realm="earshot"`},
		{"wrong token", "Bearer " + strings.Repeat("z", 24), 401, `Bearer realm="earshot", error="invalid_token"`},
		{"prefix of a token", "Bearer " + tokenA[:20], 401, `Bearer realm="earshot", error="invalid_token"`},
		{"basic scheme", "Basic " + tokenA, 401, `Bearer realm="earshot"`},
		{"empty bearer", "Bearer ", 401, `Bearer realm="earshot"`},
		{"token a", "Bearer " + tokenA, 202, ""},
		{"token b, lower-case scheme", "bearer " + tokenB, 202, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, nil, url, "", "application/json", []byte(record(i)), "Authorization", tt.auth)
			if r.Status != tt.want {
				t.Fatalf("status %d (%s), want %d", r.Status, r.Error, tt.want)
			}
			if got := r.Header.Get("WWW-Authenticate"); got != tt.wantHdr {
				t.Fatalf("WWW-Authenticate %q, want %q", got, tt.wantHdr)
			}
		})
	}
	if got := e.authFailures("invalid"); got != 2 {
		t.Errorf("auth failures (invalid) = %v, want 2", got)
	}
	if got := e.authFailures("missing"); got != 3 {
		t.Errorf("auth failures (missing) = %v, want 3", got)
	}
	if ids := e.w.ids(t); len(ids) != 2 {
		t.Errorf("published %v, want the two authenticated records", ids)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	e := start(t, testConfig(t), nil)
	resp, err := http.Get(e.ts.URL + "/v1/mentions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET: %d Allow=%q, want 405 POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestBodyLimits(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxBodyBytes = 4096
	cfg.MaxRecords = 3
	e := start(t, cfg, nil)
	url := e.ts.URL + "/v1/mentions"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.Repeat([]byte(" "), 1<<20)) // a small gzip body that inflates past the limit
	zw.Close()
	lines := func(n int) []byte {
		var b strings.Builder
		for i := range n {
			b.WriteString(record(i) + "\n")
		}
		return []byte(b.String())
	}
	tests := []struct {
		name string
		body []byte
		hdr  []string
		want int
	}{
		{"over max_body_bytes", bytes.Repeat([]byte("x"), 5000), nil, 413},
		{"gzip inflating past the limit", gz.Bytes(), []string{"Content-Encoding", "gzip"}, 413},
		{"more records than max_records", lines(4), nil, 413},
		{"max_records exactly", lines(3), nil, 202},
		{"unsupported encoding", lines(1), []string{"Content-Encoding", "br"}, 415},
		{"empty body", nil, nil, 400},
		{"array syntax error", []byte(`[` + record(1) + `, {"v":1,`), nil, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, nil, url, tokenA, "", tt.body, tt.hdr...)
			if r.Status != tt.want {
				t.Fatalf("status %d (%s), want %d", r.Status, r.Error, tt.want)
			}
			if r.Status >= 400 && r.Error == "" {
				t.Fatal("an error answer must say what was wrong")
			}
		})
	}
}

func TestGzipBody(t *testing.T) {
	e := start(t, testConfig(t), nil)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	fmt.Fprintf(zw, "%s\n%s\n", record(1), record(2))
	zw.Close()
	r := post(t, nil, e.ts.URL+"/v1/mentions", tokenA, "application/x-ndjson", gz.Bytes(), "Content-Encoding", "gzip")
	if r.Status != 202 || r.Accepted != 2 {
		t.Fatalf("gzip NDJSON: %d accepted=%d (%s), want 202 with 2", r.Status, r.Accepted, r.Error)
	}
}

func TestMixedBatch(t *testing.T) {
	e := start(t, testConfig(t), nil)
	noDate := strings.Replace(record(2), `"created_at":"2025-03-01T12:00:00Z",`, "", 1)
	badReply := strings.Replace(record(3), `"conversation_id"`, `"in_reply_to":"nocolon","conversation_id"`, 1)
	body := "[" + strings.Join([]string{record(1), noDate, `"just a string"`, badReply, record(5)}, ",") + "]"
	r := post(t, nil, e.ts.URL+"/v1/mentions", tokenA, "application/json", []byte(body))
	if r.Status != 202 || r.Accepted != 2 || r.Rejected != 3 {
		t.Fatalf("got %d accepted=%d rejected=%d (%s), want 202 2 3", r.Status, r.Accepted, r.Rejected, r.Error)
	}
	type rej struct {
		index       int
		id, field   string
		errContains string
	}
	want := []rej{
		{1, "x:2", "created_at", "created_at: is missing"},
		{2, "", "", "JSON object"},
		{3, "x:3", "in_reply_to", "not a platform-qualified id"},
	}
	if len(r.Errors) != len(want) {
		t.Fatalf("errors %+v, want %d", r.Errors, len(want))
	}
	for i, w := range want {
		g := r.Errors[i]
		if g.Index != w.index || g.ID != w.id || g.Field != w.field || !strings.Contains(g.Error, w.errContains) {
			t.Errorf("error %d = %+v, want %+v", i, g, w)
		}
	}
	if ids := e.w.ids(t); strings.Join(ids, ",") != "x:1,x:5" {
		t.Fatalf("published %v, want x:1,x:5", ids)
	}
	for reason, n := range map[string]float64{"invalid_created_at": 1, "malformed_json": 1, "invalid_in_reply_to": 1} {
		if got := e.rejected(reason); got != n {
			t.Errorf("rejected{reason=%s} = %v, want %v", reason, got, n)
		}
	}
}

func TestNDJSON(t *testing.T) {
	e := start(t, testConfig(t), nil)
	body := record(1) + "\r\n\n" + `{"v":1,"id":` + "\n" + record(3) + "\n" + record(1) + "\n"
	r := post(t, nil, e.ts.URL+"/v1/mentions", tokenA, "application/x-ndjson", []byte(body))
	if r.Status != 202 || r.Accepted != 2 || r.Rejected != 1 || r.Duplicates != 1 {
		t.Fatalf("got %d accepted=%d rejected=%d dup=%d (%s), want 202 2 1 1", r.Status, r.Accepted, r.Rejected, r.Duplicates, r.Error)
	}
	if e := r.Errors[0]; e.Index != 1 || e.Line != 3 {
		t.Fatalf("rejected record at index %d line %d, want index 1 line 3", e.Index, e.Line)
	}
	// Without a Content-Type, several objects on separate lines are NDJSON too.
	r = post(t, nil, e.ts.URL+"/v1/mentions", tokenA, "", []byte(record(7)+"\n"+record(8)))
	if r.Status != 202 || r.Accepted != 2 {
		t.Fatalf("NDJSON without a content type: %d accepted=%d (%s)", r.Status, r.Accepted, r.Error)
	}
	// A pretty-printed single object is one record.
	r = post(t, nil, e.ts.URL+"/v1/mentions", tokenA, "application/json", []byte(strings.ReplaceAll(record(9), ",", ",\n  ")))
	if r.Status != 202 || r.Accepted != 1 {
		t.Fatalf("pretty-printed object: %d accepted=%d (%s)", r.Status, r.Accepted, r.Error)
	}
}

func TestAllRejected(t *testing.T) {
	e := start(t, testConfig(t), nil)
	r := post(t, nil, e.ts.URL+"/v1/mentions", tokenA, "application/x-ndjson", []byte("{}\n{\"v\":2}\n"))
	if r.Status != 422 || r.Rejected != 2 || r.Errors[0].Field != "v" {
		t.Fatalf("got %d rejected=%d %+v, want 422 with 2 rejected on field v", r.Status, r.Rejected, r.Errors)
	}
}

func TestDuplicatesAcrossRestart(t *testing.T) {
	cfg := testConfig(t)
	w := newWriter()
	e := start(t, cfg, w)
	body := []byte(record(1) + "\n" + record(2) + "\n")
	if r := post(t, nil, e.ts.URL+"/v1/mentions", tokenA, "", body); r.Accepted != 2 {
		t.Fatalf("first push accepted %d, want 2", r.Accepted)
	}
	if r := post(t, nil, e.ts.URL+"/v1/mentions", tokenA, "", body); r.Status != 202 || r.Accepted != 0 || r.Duplicates != 2 {
		t.Fatalf("second push: %d accepted=%d dup=%d, want 202 0 2", r.Status, r.Accepted, r.Duplicates)
	}
	e.ts.Close()
	if err := e.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A new process with the same state directory.
	e2 := start(t, cfg, w)
	r := post(t, nil, e2.ts.URL+"/v1/mentions", tokenA, "", []byte(record(2)+"\n"+record(3)+"\n"))
	if r.Accepted != 1 || r.Duplicates != 1 {
		t.Fatalf("after restart: accepted=%d dup=%d, want 1 1", r.Accepted, r.Duplicates)
	}
	if ids := strings.Join(w.ids(t), ","); ids != "x:1,x:2,x:3" {
		t.Fatalf("Kafka holds %s, want each id once: x:1,x:2,x:3", ids)
	}
}

func TestRateLimit(t *testing.T) {
	cfg := testConfig(t)
	cfg.RateLimit = 0.5 // one request every 2 s
	cfg.Burst = 2
	e := start(t, cfg, nil)
	url := e.ts.URL + "/v1/mentions"
	for i := range 2 {
		if r := post(t, nil, url, tokenA, "", []byte(record(i))); r.Status != 202 {
			t.Fatalf("request %d within the burst: %d (%s)", i, r.Status, r.Error)
		}
	}
	r := post(t, nil, url, tokenA, "", []byte(record(10)))
	if r.Status != 429 {
		t.Fatalf("third request: %d, want 429", r.Status)
	}
	if ra := r.Header.Get("Retry-After"); ra != "1" && ra != "2" {
		t.Fatalf("Retry-After %q, want 1 or 2 seconds", ra)
	}
	if r := post(t, nil, url, tokenB, "", []byte(record(11))); r.Status != 202 {
		t.Fatalf("another token is not limited: %d", r.Status)
	}
	if got := e.rateLimited(); got != 1 {
		t.Fatalf("rate limited = %v, want 1", got)
	}
	if ids := e.w.ids(t); len(ids) != 3 {
		t.Fatalf("published %v, want the 3 admitted records", ids)
	}
}

func TestKafkaDownThenRetry(t *testing.T) {
	cfg := testConfig(t)
	cfg.AckTimeout = 2 * time.Second
	w := newWriter()
	w.setFail(errors.New("broker down"))
	e := start(t, cfg, w)
	body := []byte(record(1) + "\n" + record(2) + "\n")
	r := post(t, nil, e.ts.URL+"/v1/mentions", tokenA, "", body)
	if r.Status != 503 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("Kafka down: %d Retry-After=%q (%s), want 503 with Retry-After", r.Status, r.Header.Get("Retry-After"), r.Error)
	}
	if err := e.srv.Ready(context.Background()); err == nil {
		t.Fatal("Ready with Kafka failing: want an error")
	}
	w.setFail(nil)
	r = post(t, nil, e.ts.URL+"/v1/mentions", tokenA, "", body)
	if r.Status != 202 || r.Accepted+r.Duplicates != 2 {
		t.Fatalf("retry after recovery: %d accepted=%d dup=%d (%s)", r.Status, r.Accepted, r.Duplicates, r.Error)
	}
	if ids := strings.Join(w.ids(t), ","); ids != "x:1,x:2" {
		t.Fatalf("Kafka holds %s, want x:1,x:2 once each", ids)
	}
}

func TestOpsEndpoints(t *testing.T) {
	e := start(t, testConfig(t), nil)
	post(t, nil, e.ts.URL+"/v1/mentions", tokenA, "", []byte(record(1)))
	for path, want := range map[string]string{
		"/healthz": "ok",
		"/readyz":  "ready",
		"/metrics": `earshot_ingest_http_requests_total{code="202",source="http"} 1`,
	} {
		resp, err := http.Get(e.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(data), want) {
			t.Errorf("GET %s: %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*httpingest.Config)
		wantErr string
	}{
		{"defaults", func(*httpingest.Config) {}, ""},
		{"bad addr", func(c *httpingest.Config) { c.Addr = "8088" }, "ingest_http.addr"},
		{"root path", func(c *httpingest.Config) { c.Path = "/" }, "ingest_http.path"},
		{"no tokens", func(c *httpingest.Config) { c.TokensEnv = ""; c.TokensFile = "" }, "ingest_http.tokens_file"},
		{"unauthenticated is explicit", func(c *httpingest.Config) { c.TokensEnv = ""; c.AllowUnauthenticated = true }, ""},
		{"tiny body", func(c *httpingest.Config) { c.MaxBodyBytes = 10 }, "ingest_http.max_body_bytes"},
		{"zero records", func(c *httpingest.Config) { c.MaxRecords = 0 }, "ingest_http.max_records"},
		{"negative rate", func(c *httpingest.Config) { c.RateLimit = -1 }, "ingest_http.rate_limit"},
		{"no burst", func(c *httpingest.Config) { c.Burst = 0 }, "ingest_http.burst"},
		{"cert without key", func(c *httpingest.Config) { c.TLSCertFile = "c.pem" }, "tls_key_file"},
		{"no state dir", func(c *httpingest.Config) { c.StateDir = "" }, "ingest_http.state_dir"},
		{"write timeout below ack timeout", func(c *httpingest.Config) { c.WriteTimeout = time.Second }, "ingest_http.write_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := httpingest.DefaultConfig()
			tt.mod(&c)
			err := c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}
