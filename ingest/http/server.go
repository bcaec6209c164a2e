package httpingest

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srcutil"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/telemetry"
)

// SourceName labels this source's metrics and logs.
const SourceName = "http"

// maxErrorsListed bounds the rejected records listed in one response.
const maxErrorsListed = 100

// Options are the Server's collaborators.
type Options struct {
	// Writer writes to the raw topic (bus.NewWriter(cfg, cfg.RawTopic)).
	Writer bus.Writer
	// Metrics are the shared ingest metrics (nil: not exported).
	Metrics *ingest.Metrics
	// Registerer receives the source's own metrics (nil: not registered).
	Registerer prometheus.Registerer
	// Gatherer is served on /metrics when Config.ServeOps (nil: no /metrics).
	Gatherer prometheus.Gatherer
	// Health is served on /readyz; the server adds its own check.
	Health *telemetry.Health
	// Publisher bounds the batches (zero value: the defaults); its
	// FlushInterval is replaced by Config.FlushInterval.
	Publisher ingest.PublisherConfig
	Log       *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Server is the push endpoint.
type Server struct {
	cfg    Config
	o      Options
	log    *slog.Logger
	tokens atomic.Pointer[tokenSet]
	pub    *ingest.Publisher
	seen   *srcutil.Seen
	sm     *srcutil.For
	hm     httpMetrics

	limMu    sync.Mutex
	limiters *srcutil.Recent[string, *rate.Limiter] // per token name (or client IP)

	pubMu sync.Mutex // orders cursors with the Publish calls
	seq   int64

	ackMu     sync.Mutex
	acked     int64
	ackCh     chan struct{} // closed and replaced on every ack
	lastErr   error         // last Kafka failure, cleared by an ack
	lastErrAt time.Time

	draining atomic.Bool
	closed   atomic.Bool
	handler  http.Handler
}

type httpMetrics struct {
	requests     *prometheus.CounterVec
	duration     prometheus.Observer
	authFailures *prometheus.CounterVec
	rateLimited  prometheus.Counter
}

// New loads the tokens, opens the seen-set and starts the publisher.
func New(cfg Config, o Options) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ingest.SourceDefaults(SourceName, o.Writer, &o.Publisher, &o.Log, &o.Now); err != nil {
		return nil, err
	}
	o.Publisher.FlushInterval = cfg.FlushInterval
	if o.Health == nil {
		o.Health = telemetry.NewHealth()
	}
	tokens := &tokenSet{}
	if cfg.TokensFile != "" || cfg.TokensEnv != "" {
		var err error
		if tokens, err = loadTokens(cfg.TokensFile, cfg.TokensEnv); err != nil {
			return nil, err
		}
	}
	if len(tokens.hashes) == 0 && !cfg.AllowUnauthenticated {
		return nil, fmt.Errorf("ingest_http: no tokens (tokens_file %q, env %s); add tokens or set allow_unauthenticated: true", cfg.TokensFile, cfg.TokensEnv)
	}
	s := &Server{
		cfg: cfg, o: o, log: o.Log.With("source", SourceName),
		sm:       srcutil.NewMetrics(o.Registerer).For(SourceName),
		limiters: srcutil.NewRecent[string, *rate.Limiter](100_000),
		ackCh:    make(chan struct{}),
	}
	s.tokens.Store(tokens)
	s.hm = newHTTPMetrics(o.Registerer)
	if cfg.SeenCapacity > 0 {
		var err error
		if s.seen, err = srcutil.OpenSeen(filepath.Join(cfg.StateDir, "http-seen.jsonl"), cfg.SeenCapacity); err != nil {
			return nil, fmt.Errorf("ingest_http.state_dir: %w", err)
		}
	}
	pub, err := ingest.NewPublisher(o.Publisher, ingest.PublisherOptions{
		Source: SourceName, Writer: o.Writer, Metrics: o.Metrics, Log: o.Log, OnAck: s.onAck,
	})
	if err != nil {
		if s.seen != nil {
			s.seen.Close()
		}
		return nil, err
	}
	s.pub = pub
	o.Health.AddCheck("ingest_http", s.Ready)
	s.handler = s.routes()
	return s, nil
}

func newHTTPMetrics(reg prometheus.Registerer) httpMetrics {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "http_requests_total",
		Help: "Requests to the push endpoint, by status code.",
	}, []string{"source", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "http_request_duration_seconds",
		Help:    "Time to answer a push request, Kafka acknowledgement included when wait_for_ack.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"source"})
	auth := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "http_auth_failures_total",
		Help: "Push requests refused for a missing or invalid bearer token.",
	}, []string{"source", "reason"})
	limited := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "http_rate_limited_total",
		Help: "Push requests refused with 429 by the per-token rate limit.",
	}, []string{"source"})
	if reg != nil {
		requests = telemetry.Register(reg, requests)
		duration = telemetry.Register(reg, duration)
		auth = telemetry.Register(reg, auth)
		limited = telemetry.Register(reg, limited)
	}
	return httpMetrics{
		requests:     requests.MustCurryWith(prometheus.Labels{"source": SourceName}),
		duration:     duration.WithLabelValues(SourceName),
		authFailures: auth.MustCurryWith(prometheus.Labels{"source": SourceName}),
		rateLimited:  limited.WithLabelValues(SourceName),
	}
}

// Handler serves the push path and, with ServeOps, /metrics, /healthz and
// /readyz.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(s.cfg.Path, s.handleMentions)
	if s.cfg.ServeOps {
		if s.o.Gatherer != nil {
			mux.Handle("/metrics", promhttp.HandlerFor(s.o.Gatherer, promhttp.HandlerOpts{}))
		}
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
		mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
			defer cancel()
			if err := s.o.Health.Ready(ctx); err != nil {
				http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, "ready\n")
		})
	}
	return mux
}

// Ready fails while the server drains for shutdown, and for
// ten seconds after a Kafka write failed without a success since.
func (s *Server) Ready(context.Context) error {
	if s.draining.Load() {
		return errors.New("draining for shutdown")
	}
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	if s.lastErr != nil && s.o.Now().Sub(s.lastErrAt) < 10*time.Second {
		return fmt.Errorf("kafka: %w", s.lastErr)
	}
	return nil
}

// Run listens on Config.Addr (HTTPS with the configured certificate) and
// serves until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		s.Close(ctx)
		return fmt.Errorf("ingest_http.addr: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends. Then it stops accepting, drains the
// requests in flight (they are answered) within ShutdownTimeout, flushes
// the publisher (every accepted record is written and acknowledged) within
// another ShutdownTimeout, and closes the seen-set.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	scheme := "http"
	if s.cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
		if err != nil {
			ln.Close()
			s.Close(ctx)
			return fmt.Errorf("ingest_http.tls_cert_file/tls_key_file: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		scheme = "https"
	}
	rctx, stopReload := context.WithCancel(ctx)
	defer stopReload()
	if s.cfg.TokensFile != "" && s.cfg.TokensReloadInterval > 0 {
		go s.reloadTokens(rctx)
	}
	errc := make(chan error, 1)
	go func() {
		if scheme == "https" {
			errc <- srv.ServeTLS(ln, "", "") // HTTP/2 and HTTP/1.1
			return
		}
		errc <- srv.Serve(ln)
	}()
	s.log.Info("push endpoint listening", "addr", ln.Addr().String(), "scheme", scheme, "path", s.cfg.Path,
		"tokens", len(s.tokens.Load().hashes), "wait_for_ack", s.cfg.WaitForAck, "rate_limit", s.cfg.RateLimit)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	s.draining.Store(true)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	started := time.Now()
	shutErr := srv.Shutdown(sctx)
	if serveErr == nil {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	}
	// The flush gets its own budget: requests that waited until the drain
	// deadline must not leave their records unwritten.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer fcancel()
	closeErr := s.Close(fctx)
	st := s.pub.Stats()
	s.log.Info("push endpoint stopped", "published", st.Published, "rejected", st.RejectedTotal(), "drain", time.Since(started).Round(time.Millisecond))
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return errors.Join(serveErr, shutErr, closeErr)
}

// reloadTokens re-reads the tokens file when its modification time or
// size changes, so that tokens are added and revoked without a restart. A
// file that cannot be read or parsed keeps the tokens in force.
func (s *Server) reloadTokens(ctx context.Context) {
	stat := func() (time.Time, int64) {
		fi, err := os.Stat(s.cfg.TokensFile)
		if err != nil {
			return time.Time{}, -1
		}
		return fi.ModTime(), fi.Size()
	}
	mod, size := stat()
	t := time.NewTicker(s.cfg.TokensReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m, sz := stat()
		if m.Equal(mod) && sz == size {
			continue
		}
		mod, size = m, sz
		ts, err := loadTokens(s.cfg.TokensFile, s.cfg.TokensEnv)
		if err != nil {
			s.sm.Error("tokens_reload")
			s.log.Error("cannot reload the tokens file; the previous tokens stay in force", "err", err)
			continue
		}
		if len(ts.hashes) == 0 && !s.cfg.AllowUnauthenticated {
			s.log.Error("the tokens file holds no token; the previous tokens stay in force", "file", s.cfg.TokensFile)
			continue
		}
		s.tokens.Store(ts)
		s.log.Info("tokens reloaded", "file", s.cfg.TokensFile, "tokens", len(ts.hashes))
	}
}

// Close flushes the publisher and closes the seen-set. Serve calls it; call
// it yourself only when you used Handler without Serve. Safe to call twice.
func (s *Server) Close(ctx context.Context) error {
	if s.closed.Swap(true) {
		return nil
	}
	s.draining.Store(true)
	err := s.pub.Close(ctx)
	if s.seen != nil {
		err = errors.Join(err, s.seen.Close())
	}
	return err
}

// Stats are the publisher's running totals.
func (s *Server) Stats() ingest.Stats { return s.pub.Stats() }

func (s *Server) onAck(_ context.Context, a ingest.Ack) error {
	var err error
	if s.seen != nil {
		err = s.seen.Ack(a.Cursor)
	}
	s.ackMu.Lock()
	if a.Cursor > s.acked {
		s.acked = a.Cursor
	}
	if s.lastErr != nil {
		s.log.Info("Kafka acknowledges pushed records again")
	}
	s.lastErr = nil
	close(s.ackCh)
	s.ackCh = make(chan struct{})
	s.ackMu.Unlock()
	return err
}

// response is the body of every answer to a push request.
type response struct {
	Accepted        int           `json:"accepted"`
	Duplicates      int           `json:"duplicates"`
	Rejected        int           `json:"rejected"`
	Errors          []recordError `json:"errors,omitempty"`
	ErrorsTruncated bool          `json:"errors_truncated,omitempty"`
	Error           string        `json:"error,omitempty"`
}

func (s *Server) handleMentions(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	code := s.serveMentions(w, r)
	s.hm.requests.WithLabelValues(strconv.Itoa(code)).Inc()
	s.hm.duration.Observe(time.Since(start).Seconds())
}

func (s *Server) serveMentions(w http.ResponseWriter, r *http.Request) int {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return writeJSON(w, http.StatusMethodNotAllowed, response{Error: "use POST"})
	}
	// Authenticate.
	client := ""
	if tokens := s.tokens.Load(); len(tokens.hashes) > 0 || !s.cfg.AllowUnauthenticated {
		name, err := tokens.check(r.Header.Get("Authorization"))
		if err != nil {
			reason := "missing"
			hdr := `Bearer realm="earshot"`
			if errors.Is(err, errBadToken) {
				reason = "invalid"
				hdr = `Bearer realm="earshot", error="invalid_token"`
			}
			s.hm.authFailures.WithLabelValues(reason).Inc()
			s.log.Debug("push request refused", "reason", err, "remote", r.RemoteAddr)
			w.Header().Set("WWW-Authenticate", hdr)
			return writeJSON(w, http.StatusUnauthorized, response{Error: err.Error() + ": send Authorization: Bearer <token>"})
		}
		client = name
	} else {
		client, _, _ = net.SplitHostPort(r.RemoteAddr)
	}
	// Rate limit.
	if d := s.reserve(client); d > 0 {
		s.hm.rateLimited.Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
		return writeJSON(w, http.StatusTooManyRequests, response{Error: fmt.Sprintf("rate limit of %g requests/s for %s exceeded; retry after %s", s.cfg.RateLimit, client, d.Round(time.Millisecond))})
	}
	if s.draining.Load() {
		w.Header().Set("Retry-After", "5")
		w.Header().Set("Connection", "close")
		return writeJSON(w, http.StatusServiceUnavailable, response{Error: "shutting down; retry on another instance"})
	}
	// Read the body.
	body, rerr := s.readBody(w, r)
	if rerr != nil {
		return writeJSON(w, rerr.Status, response{Error: rerr.Msg})
	}
	received := s.o.Now()
	_, recs, err := splitBody(body, r.Header.Get("Content-Type"), s.cfg.MaxRecords)
	if err != nil {
		var re *requestError
		errors.As(err, &re)
		s.sm.Error("bad_request")
		return writeJSON(w, re.Status, response{Error: re.Msg})
	}
	s.sm.Received.Add(float64(len(recs)))
	s.sm.LastEvent.Set(float64(received.UnixNano()) / 1e9)

	// Validate, then publish in one ordered section.
	var resp response
	decoded := make([]*decodedRecord, len(recs))
	for i, rec := range recs {
		m, err := decodeRecord(rec.Data, received, s.cfg.DefaultSource)
		decoded[i] = &decodedRecord{rec: rec, m: m, err: err}
	}
	// A client that hangs up must not abort a Kafka write that carries
	// other requests' records: publishing ignores the request's end.
	waitFor, pubErr := s.publish(context.WithoutCancel(r.Context()), decoded, &resp)
	if pubErr != nil {
		s.noteKafkaError(pubErr)
		w.Header().Set("Retry-After", "5")
		resp.Error = "Kafka is unavailable; retry the whole request (records already accepted are dropped as duplicates): " + pubErr.Error()
		return writeJSON(w, http.StatusServiceUnavailable, resp)
	}
	if s.cfg.WaitForAck && waitFor > 0 {
		if err := s.waitAck(r.Context(), waitFor); err != nil {
			w.Header().Set("Retry-After", "5")
			resp.Error = "not acknowledged by Kafka yet; retry the whole request (duplicates are dropped): " + err.Error()
			return writeJSON(w, http.StatusServiceUnavailable, resp)
		}
	}
	status := http.StatusAccepted
	if resp.Accepted == 0 && resp.Duplicates == 0 {
		status = http.StatusUnprocessableEntity
	}
	return writeJSON(w, status, resp)
}

type decodedRecord struct {
	rec rawRecord
	m   *mention.Mention
	err error
}

// publish hands the valid records to the publisher and counts the rest. It
// returns the highest cursor the request must see acknowledged: its own
// records' and those of pending duplicates (a retried request waits for
// the first attempt's records).
func (s *Server) publish(ctx context.Context, recs []*decodedRecord, resp *response) (int64, error) {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	var waitFor int64
	for _, d := range recs {
		if d.err != nil {
			re, reason := rejection(d.rec, d.err)
			resp.Rejected++
			if len(resp.Errors) < maxErrorsListed {
				resp.Errors = append(resp.Errors, re)
			} else {
				resp.ErrorsTruncated = true
			}
			s.seq++
			s.pub.Reject(s.seq, reason, re.ID, d.err)
			continue
		}
		if s.seen != nil {
			if c, pending, ok := s.seen.Lookup(d.m.ID); ok {
				resp.Duplicates++
				s.sm.Duplicates.Inc()
				if pending {
					waitFor = max(waitFor, c)
				}
				continue
			}
		}
		s.seq++
		if s.seen != nil {
			s.seen.Mark(d.m.ID, s.seq)
		}
		if err := s.pub.Publish(ctx, d.m, s.seq); err != nil {
			if s.seen != nil {
				s.seen.Forget(d.m.ID)
			}
			return waitFor, err
		}
		resp.Accepted++
		waitFor = s.seq
	}
	return waitFor, nil
}

// waitAck waits until the publisher acknowledged cursor. When nothing is
// acknowledged for a few flush intervals (a background flush failed and
// stays buffered), it asks the publisher to retry.
func (s *Server) waitAck(ctx context.Context, cursor int64) error {
	deadline := time.NewTimer(s.cfg.AckTimeout)
	defer deadline.Stop()
	kick := time.NewTicker(3 * s.o.Publisher.FlushInterval)
	defer kick.Stop()
	for {
		s.ackMu.Lock()
		acked, ch := s.acked, s.ackCh
		s.ackMu.Unlock()
		if acked >= cursor {
			return nil
		}
		select {
		case <-ch:
		case <-kick.C:
			if err := s.pub.Flush(context.WithoutCancel(ctx)); err != nil {
				s.noteKafkaError(err)
				return err
			}
		case <-deadline.C:
			return fmt.Errorf("no acknowledgement within %s", s.cfg.AckTimeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// noteKafkaError records a failed write; it logs once per outage (the
// recovery is logged by onAck), not once per request.
func (s *Server) noteKafkaError(err error) {
	s.ackMu.Lock()
	first := s.lastErr == nil
	s.lastErr, s.lastErrAt = err, s.o.Now()
	s.ackMu.Unlock()
	s.sm.Error("kafka")
	if first {
		s.log.Warn("cannot publish pushed records; answering 503 until Kafka acknowledges again", "err", err)
	}
}

// reserve takes a token from client's bucket, or returns how long to wait.
func (s *Server) reserve(client string) time.Duration {
	if s.cfg.RateLimit <= 0 {
		return 0
	}
	s.limMu.Lock()
	lim := s.limiters.Get(client)
	if lim == nil {
		lim = rate.NewLimiter(rate.Limit(s.cfg.RateLimit), s.cfg.Burst)
		s.limiters.Put(client, lim)
	}
	s.limMu.Unlock()
	now := s.o.Now()
	res := lim.ReserveN(now, 1)
	if !res.OK() {
		return time.Second
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// readBody reads the (possibly gzip-encoded) body within MaxBodyBytes.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *requestError) {
	limit := s.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, &requestError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body of %d bytes exceeds max_body_bytes %d; split the batch", r.ContentLength, limit)}
	}
	var in io.Reader = http.MaxBytesReader(w, r.Body, limit)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(in)
		if err != nil {
			return nil, s.bodyError(err, limit)
		}
		defer zr.Close()
		in = io.LimitReader(zr, limit+1)
	default:
		return nil, &requestError{http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Encoding %q is not supported; send gzip or identity", enc)}
	}
	body, err := io.ReadAll(in)
	if err != nil {
		return nil, s.bodyError(err, limit)
	}
	if int64(len(body)) > limit {
		return nil, &requestError{http.StatusRequestEntityTooLarge, fmt.Sprintf("decoded body exceeds max_body_bytes %d; split the batch", limit)}
	}
	return body, nil
}

func (s *Server) bodyError(err error, limit int64) *requestError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &requestError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body exceeds max_body_bytes %d; split the batch", limit)}
	}
	return &requestError{http.StatusBadRequest, "cannot read the body: " + err.Error()}
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
	return status
}
