// Package telemetry gives every earshot process its operational surface:
// structured logs (log/slog), a Prometheus registry, and an HTTP server for
// /metrics, /healthz and /readyz.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every earshot metric.
const Namespace = "earshot"

// NewLogger returns a slog logger writing to w, JSON when json is true and
// text otherwise, at the given level ("debug", "info", "warn", "error").
func NewLogger(w io.Writer, level string, json bool) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	if json {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Health tracks readiness checks. /healthz answers 200 while the process
// runs; /readyz answers 200 only when every registered check passes.
type Health struct {
	mu     sync.RWMutex
	checks map[string]func(context.Context) error
}

// NewHealth returns an empty health tracker (ready).
func NewHealth() *Health { return &Health{checks: map[string]func(context.Context) error{}} }

// AddCheck registers a named readiness check.
func (h *Health) AddCheck(name string, check func(context.Context) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks[name] = check
}

// Ready runs every check and returns the failures joined.
func (h *Health) Ready(ctx context.Context) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var errs []error
	for name, c := range h.checks {
		if err := c(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Server serves /metrics, /healthz and /readyz.
type Server struct {
	srv *http.Server
	ln  net.Listener
	log *slog.Logger
	mux *http.ServeMux
}

// ServingMessage is what Listen logs, with the bound address as "addr",
// once it serves: tools that start a worker on port 0 (bench e2e) read the
// address from that line.
const ServingMessage = "serving /metrics /healthz /readyz"

// Listen binds addr ("127.0.0.1:0" for a free port; "" disables the server,
// and Listen returns nil, nil).
func Listen(addr string, g prometheus.Gatherer, h *Health, log *slog.Logger) (*Server, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := h.Ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	s := &Server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln, log: log, mux: mux}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	log.Info(ServingMessage, "addr", ln.Addr().String())
	return s, nil
}

// PprofPath is where HandlePprof serves Go's profiles.
const PprofPath = "/debug/pprof/"

// HandlePprof serves Go's runtime profiles (net/http/pprof: profile,
// heap, goroutine, …) under PprofPath. They show the process's internals,
// so the listener must be private (the default binds 127.0.0.1).
func (s *Server) HandlePprof() {
	s.mux.HandleFunc(PprofPath, pprof.Index)
	s.mux.HandleFunc(PprofPath+"cmdline", pprof.Cmdline)
	s.mux.HandleFunc(PprofPath+"profile", pprof.Profile)
	s.mux.HandleFunc(PprofPath+"symbol", pprof.Symbol)
	s.mux.HandleFunc(PprofPath+"trace", pprof.Trace)
	s.log.Info("serving Go profiles", "path", PprofPath, "addr", s.Addr())
}

// Addr is the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Shutdown stops the server; safe on a nil server.
func (s *Server) Shutdown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}

// Stderr is the default log destination.
var Stderr io.Writer = os.Stderr

// Register registers c on reg and returns it, or returns the equal
// collector already registered there (so that several components of one
// process can ask for the same metrics). A different collector under the
// same name panics: that is a programming error.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}
