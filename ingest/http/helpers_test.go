package httpingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/ingest"
	httpingest "github.com/earshot-dev/earshot/ingest/http"
)

const (
	tokenA = "token-a-0123456789abcdef"
	tokenB = "token-b-0123456789abcdef"
)

// writer is a bus.Writer that records messages; it can fail or block.
type writer struct {
	mu      sync.Mutex
	msgs    []kafka.Message
	fail    error
	gate    chan struct{} // when set, writes wait for it to close
	blocked chan struct{} // receives when a write waits for gate
	written chan struct{}
}

func newWriter() *writer {
	return &writer{written: make(chan struct{}, 1024), blocked: make(chan struct{}, 1)}
}

func (w *writer) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	w.mu.Lock()
	gate, fail := w.gate, w.fail
	w.mu.Unlock()
	if gate != nil {
		select {
		case w.blocked <- struct{}{}:
		default:
		}
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail != nil {
		return fail
	}
	w.mu.Lock()
	w.msgs = append(w.msgs, msgs...)
	w.mu.Unlock()
	select {
	case w.written <- struct{}{}:
	default:
	}
	return nil
}

func (w *writer) Close() error { return nil }

func (w *writer) setFail(err error) {
	w.mu.Lock()
	w.fail = err
	w.mu.Unlock()
}

func (w *writer) ids(tb testing.TB) []string {
	tb.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []string
	for _, m := range w.msgs {
		var r struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(m.Value, &r); err != nil {
			tb.Fatalf("message is not JSON: %v", err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

// record is a valid Mention v1 JSON record with id x:<n>.
func record(n int) string {
	return fmt.Sprintf(`{"v":1,"id":"x:%d","platform":"x","native_id":"%d","created_at":"2025-03-01T12:00:00Z","source":"test","author":{"id":"u%d","handle":"cust%d"},"text":"@KLM my bag is lost #%d","conversation_id":"x:%d"}`, n, n, n, n, n, n)
}

type env struct {
	srv *httpingest.Server
	ts  *httptest.Server
	w   *writer
	reg *prometheus.Registry
}

func testConfig(tb testing.TB) httpingest.Config {
	tb.Helper()
	tb.Setenv("EARSHOT_TEST_HTTP_TOKENS", tokenA+","+tokenB)
	cfg := httpingest.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.TokensEnv = "EARSHOT_TEST_HTTP_TOKENS"
	cfg.StateDir = tb.TempDir()
	cfg.AckTimeout = 10 * time.Second
	cfg.FlushInterval = 5 * time.Millisecond
	cfg.WriteTimeout = 20 * time.Second
	return cfg
}

func fastPublisher() ingest.PublisherConfig {
	p := ingest.DefaultPublisherConfig()
	p.FlushInterval = 5 * time.Millisecond
	return p
}

// start serves cfg through httptest on the server's Handler.
func start(tb testing.TB, cfg httpingest.Config, w *writer) *env {
	tb.Helper()
	if w == nil {
		w = newWriter()
	}
	reg := prometheus.NewRegistry()
	s, err := httpingest.New(cfg, httpingest.Options{
		Writer: w, Metrics: ingest.NewMetrics(reg), Registerer: reg, Gatherer: reg, Publisher: fastPublisher(),
	})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(s.Handler())
	ts.Start()
	e := &env{srv: s, ts: ts, w: w, reg: reg}
	tb.Cleanup(func() {
		ts.Close()
		s.Close(context.Background())
	})
	return e
}

type result struct {
	Status     int
	Header     http.Header
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Rejected   int `json:"rejected"`
	Errors     []struct {
		Index int    `json:"index"`
		Line  int    `json:"line"`
		ID    string `json:"id"`
		Field string `json:"field"`
		Error string `json:"error"`
	} `json:"errors"`
	Error string `json:"error"`
}

func post(tb testing.TB, client *http.Client, url, token, contentType string, body []byte, hdr ...string) result {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := result{Status: resp.StatusCode, Header: resp.Header}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &r); err != nil {
			tb.Fatalf("response %d is not JSON: %q", resp.StatusCode, data)
		}
	}
	return r
}

// value is the value of the metric name with labels (source="http" is
// implied), gathered from the registry; 0 when absent.
func (e *env) value(name string, labels ...string) float64 {
	mfs, err := e.reg.Gather()
	if err != nil {
		panic(err)
	}
	want := map[string]string{"source": "http"}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if len(got) != len(want) {
				continue
			}
			for k, v := range want {
				if got[k] != v {
					continue metrics
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
		}
	}
	return 0
}

func (e *env) authFailures(reason string) float64 {
	return e.value("earshot_ingest_http_auth_failures_total", "reason", reason)
}
func (e *env) rejected(reason string) float64 {
	return e.value("earshot_ingest_records_rejected_total", "reason", reason)
}
func (e *env) rateLimited() float64 { return e.value("earshot_ingest_http_rate_limited_total") }
