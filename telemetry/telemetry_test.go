package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/telemetry"
)

func TestNewLoggerLevels(t *testing.T) {
	tests := []struct {
		level string
		// which of debug, info, warn, error are written
		want [4]bool
	}{
		{"debug", [4]bool{true, true, true, true}},
		{"info", [4]bool{false, true, true, true}},
		{"warn", [4]bool{false, false, true, true}},
		{"error", [4]bool{false, false, false, true}},
		{"DEBUG", [4]bool{true, true, true, true}},
		{"Warn", [4]bool{false, false, true, true}},
	}
	for _, tt := range tests {
		for _, asJSON := range []bool{false, true} {
			name := tt.level + "/text"
			if asJSON {
				name = tt.level + "/json"
			}
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				log, err := telemetry.NewLogger(&buf, tt.level, asJSON)
				if err != nil {
					t.Fatalf("NewLogger(%q): %v", tt.level, err)
				}
				msgs := [4]string{"at-debug", "at-info", "at-warn", "at-error"}
				log.Debug(msgs[0], "k", 1)
				log.Info(msgs[1], "k", 1)
				log.Warn(msgs[2], "k", 1)
				log.Error(msgs[3], "k", 1)
				out := buf.String()
				for i, m := range msgs {
					if got := strings.Contains(out, m); got != tt.want[i] {
						t.Errorf("level %s: %s written = %v, want %v\n%s", tt.level, m, got, tt.want[i], out)
					}
				}
				lines := strings.Split(strings.TrimSpace(out), "\n")
				for _, l := range lines {
					if asJSON {
						var rec map[string]any
						if err := json.Unmarshal([]byte(l), &rec); err != nil {
							t.Fatalf("JSON logger wrote a non-JSON line %q: %v", l, err)
						}
						if rec["k"] != float64(1) || rec["msg"] == nil || rec["level"] == nil {
							t.Fatalf("JSON record %v lacks msg, level or the attribute", rec)
						}
					} else if !strings.Contains(l, "msg=") || !strings.Contains(l, "k=1") {
						t.Fatalf("text logger line %q is not key=value", l)
					}
				}
			})
		}
	}
}

func TestNewLoggerBadLevel(t *testing.T) {
	for _, level := range []string{"", "verbose", "warning", "trace", "info;drop"} {
		var buf bytes.Buffer
		log, err := telemetry.NewLogger(&buf, level, false)
		if err == nil {
			t.Errorf("NewLogger(%q) = %v, nil error", level, log)
			continue
		}
		if log != nil {
			t.Errorf("NewLogger(%q) returned a logger with the error", level)
		}
		for _, want := range []string{"log level", `"` + level + `"`, "debug, info, warn or error"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("NewLogger(%q) error %q does not contain %q", level, err, want)
			}
		}
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestListenDisabled(t *testing.T) {
	s, err := telemetry.Listen("", telemetry.NewRegistry(), telemetry.NewHealth(), discard())
	if err != nil || s != nil {
		t.Fatalf(`Listen("") = %v, %v; want nil, nil`, s, err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown on a nil server = %v", err)
	}
}

func TestListenBadAddr(t *testing.T) {
	s, err := telemetry.Listen("256.0.0.1:bad", telemetry.NewRegistry(), telemetry.NewHealth(), discard())
	if err == nil {
		s.Shutdown(context.Background())
		t.Fatal("Listen on a bad address: nil error")
	}
	if !strings.Contains(err.Error(), "256.0.0.1:bad") {
		t.Fatalf("Listen error %q does not name the address", err)
	}
}

// get fetches a URL and returns the status and body.
func get(tb testing.TB, url string) (int, string) {
	tb.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

func listen(tb testing.TB, reg prometheus.Gatherer, h *telemetry.Health, log *slog.Logger) *telemetry.Server {
	tb.Helper()
	s, err := telemetry.Listen("127.0.0.1:0", reg, h, log)
	if err != nil {
		tb.Fatalf("Listen: %v", err)
	}
	tb.Cleanup(func() { s.Shutdown(context.Background()) })
	return s
}

func TestServer(t *testing.T) {
	reg := telemetry.NewRegistry()
	processed := prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "test", Name: "processed_total", Help: "Messages processed.",
	})
	reg.MustRegister(processed)
	processed.Add(7)

	var logs bytes.Buffer
	log, err := telemetry.NewLogger(&logs, "info", false)
	if err != nil {
		t.Fatal(err)
	}
	h := telemetry.NewHealth()
	s := listen(t, reg, h, log)
	base := "http://" + s.Addr()
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") || strings.HasSuffix(s.Addr(), ":0") {
		t.Fatalf("Addr() = %q, want the bound loopback port", s.Addr())
	}
	if !strings.Contains(logs.String(), s.Addr()) {
		t.Errorf("start-up log %q does not name the address", logs.String())
	}

	t.Run("metrics", func(t *testing.T) {
		code, body := get(t, base+"/metrics")
		if code != http.StatusOK {
			t.Fatalf("/metrics = %d", code)
		}
		for _, want := range []string{
			"# HELP earshot_test_processed_total Messages processed.",
			"# TYPE earshot_test_processed_total counter",
			"earshot_test_processed_total 7",
			"go_goroutines ",                // Go collector
			"process_resident_memory_bytes", // process collector
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		processed.Inc()
		if _, body := get(t, base+"/metrics"); !strings.Contains(body, "earshot_test_processed_total 8") {
			t.Errorf("/metrics does not follow the counter to 8")
		}
	})

	t.Run("healthz", func(t *testing.T) {
		h.AddCheck("broken", func(context.Context) error { return errors.New("down") })
		defer h.AddCheck("broken", func(context.Context) error { return nil })
		// Liveness does not depend on readiness.
		if code, body := get(t, base+"/healthz"); code != http.StatusOK || body != "ok\n" {
			t.Fatalf("/healthz = %d %q, want 200 ok", code, body)
		}
	})

	t.Run("readyz", func(t *testing.T) {
		if code, body := get(t, base+"/readyz"); code != http.StatusOK || body != "ready\n" {
			t.Fatalf("/readyz with passing checks = %d %q, want 200", code, body)
		}
		var kafkaUp atomic.Bool
		kafkaUp.Store(true)
		var sawDeadline atomic.Bool
		h.AddCheck("kafka", func(ctx context.Context) error {
			_, ok := ctx.Deadline()
			sawDeadline.Store(ok)
			if !kafkaUp.Load() {
				return errors.New("no broker reachable")
			}
			return nil
		})
		h.AddCheck("clickhouse", func(context.Context) error { return nil })
		if code, _ := get(t, base+"/readyz"); code != http.StatusOK {
			t.Fatalf("/readyz with passing checks = %d", code)
		}
		if !sawDeadline.Load() {
			t.Errorf("readiness check ran without a deadline")
		}
		kafkaUp.Store(false)
		code, body := get(t, base+"/readyz")
		if code != http.StatusServiceUnavailable {
			t.Fatalf("/readyz with a failing check = %d, want 503", code)
		}
		if !strings.Contains(body, "kafka: no broker reachable") || strings.Contains(body, "clickhouse") {
			t.Fatalf("/readyz body %q: want the failing check's name and error only", body)
		}
		kafkaUp.Store(true)
		if code, _ := get(t, base+"/readyz"); code != http.StatusOK {
			t.Fatalf("/readyz after recovery = %d, want 200", code)
		}
	})

	t.Run("unknown path", func(t *testing.T) {
		if code, _ := get(t, base+"/nope"); code != http.StatusNotFound {
			t.Fatalf("/nope = %d, want 404", code)
		}
	})
}

func TestHealthReady(t *testing.T) {
	h := telemetry.NewHealth()
	if err := h.Ready(context.Background()); err != nil {
		t.Fatalf("empty Health not ready: %v", err)
	}
	h.AddCheck("a", func(context.Context) error { return errors.New("boom") })
	h.AddCheck("b", func(context.Context) error { return nil })
	h.AddCheck("c", func(ctx context.Context) error { return ctx.Err() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := h.Ready(ctx)
	if err == nil {
		t.Fatal("Ready with failing checks: nil")
	}
	msg := err.Error()
	if !strings.Contains(msg, "a: boom") || !strings.Contains(msg, "c: context canceled") || strings.Contains(msg, "b:") {
		t.Fatalf("Ready() = %q, want a and c named, b not", msg)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Ready() = %v does not wrap the check's error", err)
	}
	// A check registered again under the same name replaces the old one.
	h.AddCheck("a", func(context.Context) error { return nil })
	h.AddCheck("c", func(context.Context) error { return nil })
	if err := h.Ready(ctx); err != nil {
		t.Fatalf("Ready() after replacing the checks = %v", err)
	}
}

// TestHealthConcurrent: checks may be added while /readyz runs (race
// detector).
func TestHealthConcurrent(t *testing.T) {
	h := telemetry.NewHealth()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			h.AddCheck(string(rune('a'+i%26)), func(context.Context) error { return nil })
		}
	}()
	for i := 0; i < 200; i++ {
		if err := h.Ready(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	<-done
}

func TestShutdown(t *testing.T) {
	s, err := telemetry.Listen("127.0.0.1:0", telemetry.NewRegistry(), telemetry.NewHealth(), discard())
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + s.Addr() + "/healthz"
	if code, _ := get(t, url); code != http.StatusOK {
		t.Fatalf("/healthz = %d before Shutdown", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := c.Get(url); err == nil {
		resp.Body.Close()
		t.Fatalf("GET after Shutdown answered %d, want a connection error", resp.StatusCode)
	}
	// The port is free again.
	s2, err := telemetry.Listen(s.Addr(), telemetry.NewRegistry(), telemetry.NewHealth(), discard())
	if err != nil {
		t.Fatalf("Listen on the address after Shutdown: %v", err)
	}
	s2.Shutdown(ctx)
}

// Go's profiles are served only after HandlePprof, and a CPU profile
// comes back as a gzip'd protocol buffer.
func TestHandlePprof(t *testing.T) {
	s, err := telemetry.Listen("127.0.0.1:0", telemetry.NewRegistry(), telemetry.NewHealth(), discard())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	base := "http://" + s.Addr() + telemetry.PprofPath
	if code, _ := get(t, base+"goroutine?debug=1"); code != http.StatusNotFound {
		t.Fatalf("%sgoroutine before HandlePprof = %d, want 404", telemetry.PprofPath, code)
	}
	s.HandlePprof()
	code, body := get(t, base+"goroutine?debug=1")
	if code != http.StatusOK || !strings.Contains(body, "goroutine profile:") {
		t.Fatalf("%sgoroutine = %d %.200q", telemetry.PprofPath, code, body)
	}
	code, body = get(t, base+"profile?seconds=1")
	if code != http.StatusOK || !strings.HasPrefix(body, "\x1f\x8b") {
		t.Fatalf("%sprofile = %d, %d bytes, want a gzip'd profile", telemetry.PprofPath, code, len(body))
	}
}
