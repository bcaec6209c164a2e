package httpingest

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"time"
)

// DefaultTokensEnv is the environment variable read for bearer tokens.
const DefaultTokensEnv = "EARSHOT_INGEST_HTTP_TOKENS"

// Config configures the push endpoint. In the configuration file it is the
// section ingest_http (see the package documentation for every key).
type Config struct {
	// Addr is the listen address, host:port.
	Addr string `yaml:"addr" json:"addr"`
	// Path is where records are POSTed.
	Path string `yaml:"path" json:"path"`
	// TokensFile holds the accepted bearer tokens, one per line: "token" or
	// "name token" (the name appears in logs and keys the rate limit);
	// blank lines and lines starting with # are ignored.
	TokensFile string `yaml:"tokens_file" json:"tokens_file"`
	// TokensReloadInterval is how often the tokens file is checked for
	// changes (added or revoked tokens apply without a restart); 0 never.
	TokensReloadInterval time.Duration `yaml:"tokens_reload_interval" json:"tokens_reload_interval"`
	// TokensEnv names an environment variable holding tokens separated by
	// commas (read in addition to TokensFile).
	TokensEnv string `yaml:"tokens_env" json:"tokens_env"`
	// AllowUnauthenticated, when no token is configured, accepts requests
	// without one (the rate limit then applies per client IP). Only for a
	// listener no one else reaches. With tokens configured they are always
	// required.
	AllowUnauthenticated bool `yaml:"allow_unauthenticated" json:"allow_unauthenticated"`
	// MaxBodyBytes bounds a request body (after gzip decoding); larger → 413.
	MaxBodyBytes int64 `yaml:"max_body_bytes" json:"max_body_bytes"`
	// MaxRecords bounds the records in one request; more → 413.
	MaxRecords int `yaml:"max_records" json:"max_records"`
	// RateLimit is the sustained requests per second allowed per token
	// (0: unlimited); Burst is the bucket size.
	RateLimit float64 `yaml:"rate_limit" json:"rate_limit"`
	Burst     int     `yaml:"burst" json:"burst"`
	// TLSCertFile and TLSKeyFile (PEM) turn on HTTPS; both or neither.
	TLSCertFile string `yaml:"tls_cert_file" json:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file" json:"tls_key_file"`
	// ServeOps serves /metrics, /healthz and /readyz on this listener too
	// (they are also on metrics_addr when that is set).
	ServeOps bool `yaml:"serve_ops" json:"serve_ops"`
	// WaitForAck answers a request only once Kafka acknowledged its records
	// (202 then means durable); false answers as soon as they are queued.
	WaitForAck bool `yaml:"wait_for_ack" json:"wait_for_ack"`
	// FlushInterval overrides the publisher's flush interval: how long a
	// record may wait for more before its batch is written. It bounds the
	// latency a waiting request adds.
	FlushInterval time.Duration `yaml:"flush_interval" json:"flush_interval"`
	// AckTimeout bounds that wait; on expiry the request gets 503 and may be
	// retried (duplicates are dropped by the seen-set).
	AckTimeout time.Duration `yaml:"ack_timeout" json:"ack_timeout"`
	// SeenCapacity is how many recent mention ids are remembered (and
	// persisted under StateDir) to drop duplicates a client pushes again,
	// across restarts; 0 turns de-duplication off.
	SeenCapacity int `yaml:"seen_capacity" json:"seen_capacity"`
	// StateDir holds the seen-set journal (http-seen.jsonl).
	StateDir string `yaml:"state_dir" json:"state_dir"`
	// DefaultSource fills a record's source when it has none. A record
	// without ingested_at gets the time it was received.
	DefaultSource string `yaml:"default_source" json:"default_source"`
	// Timeouts of the HTTP server.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout" json:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout" json:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout" json:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout" json:"idle_timeout"`
	// ShutdownTimeout bounds draining in-flight requests and flushing on
	// SIGTERM.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" json:"shutdown_timeout"`
}

// DefaultConfig returns the defaults: :8088/v1/mentions, tokens from
// $EARSHOT_INGEST_HTTP_TOKENS, 10 MiB / 10,000 records a request, 50
// requests/s per token (burst 100), answers after Kafka's acknowledgement.
func DefaultConfig() Config {
	return Config{
		Addr:                 ":8088",
		Path:                 "/v1/mentions",
		TokensEnv:            DefaultTokensEnv,
		TokensReloadInterval: 10 * time.Second,
		MaxBodyBytes:         10 << 20,
		MaxRecords:           10_000,
		RateLimit:            50,
		Burst:                100,
		ServeOps:             true,
		WaitForAck:           true,
		FlushInterval:        100 * time.Millisecond,
		AckTimeout:           30 * time.Second,
		SeenCapacity:         1_000_000,
		StateDir:             ".earshot",
		DefaultSource:        "http",
		ReadHeaderTimeout:    10 * time.Second,
		ReadTimeout:          60 * time.Second,
		WriteTimeout:         90 * time.Second,
		IdleTimeout:          2 * time.Minute,
		ShutdownTimeout:      30 * time.Second,
	}
}

// Validate names the first field that is wrong and how to fix it.
func (c Config) Validate() error {
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return fmt.Errorf("ingest_http.addr: %q is not host:port (e.g. :8088)", c.Addr)
	}
	if !strings.HasPrefix(c.Path, "/") || c.Path == "/" || strings.HasPrefix(c.Path, "/metrics") || c.Path == "/healthz" || c.Path == "/readyz" {
		return fmt.Errorf("ingest_http.path: %q, want an absolute path other than / and the ops paths (e.g. /v1/mentions)", c.Path)
	}
	if c.TokensFile == "" && c.TokensEnv == "" && !c.AllowUnauthenticated {
		return errors.New("ingest_http.tokens_file: no token source; set tokens_file or tokens_env, or allow_unauthenticated: true on a private listener")
	}
	if c.TokensReloadInterval < 0 {
		return fmt.Errorf("ingest_http.tokens_reload_interval: %s, want ≥ 0 (0 = never)", c.TokensReloadInterval)
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 1<<30 {
		return fmt.Errorf("ingest_http.max_body_bytes: %d, want 1024..1073741824 (default 10485760)", c.MaxBodyBytes)
	}
	if c.MaxRecords < 1 || c.MaxRecords > 1_000_000 {
		return fmt.Errorf("ingest_http.max_records: %d, want 1..1000000 (default 10000)", c.MaxRecords)
	}
	if c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) {
		return fmt.Errorf("ingest_http.rate_limit: %v, want ≥ 0 requests/s per token (0 = unlimited)", c.RateLimit)
	}
	if c.RateLimit > 0 && c.Burst < 1 {
		return fmt.Errorf("ingest_http.burst: %d, want ≥ 1 when rate_limit is set", c.Burst)
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return errors.New("ingest_http.tls_cert_file / tls_key_file: set both (HTTPS) or neither (HTTP)")
	}
	if c.WaitForAck && c.AckTimeout <= 0 {
		return fmt.Errorf("ingest_http.ack_timeout: %s, want > 0 (e.g. 30s) with wait_for_ack", c.AckTimeout)
	}
	if c.FlushInterval <= 0 || c.FlushInterval > time.Minute {
		return fmt.Errorf("ingest_http.flush_interval: %s, want (0, 1m] (default 100ms)", c.FlushInterval)
	}
	if c.SeenCapacity < 0 {
		return fmt.Errorf("ingest_http.seen_capacity: %d, want ≥ 0 (0 turns de-duplication off)", c.SeenCapacity)
	}
	if c.SeenCapacity > 0 && c.StateDir == "" {
		return errors.New("ingest_http.state_dir: empty; set it (e.g. .earshot) or seen_capacity: 0")
	}
	if strings.TrimSpace(c.DefaultSource) == "" {
		return errors.New("ingest_http.default_source: empty; set it (e.g. http)")
	}
	for name, d := range map[string]time.Duration{"read_header_timeout": c.ReadHeaderTimeout, "read_timeout": c.ReadTimeout, "write_timeout": c.WriteTimeout, "idle_timeout": c.IdleTimeout, "shutdown_timeout": c.ShutdownTimeout} {
		if d <= 0 {
			return fmt.Errorf("ingest_http.%s: %s, want > 0", name, d)
		}
	}
	if c.WaitForAck && c.WriteTimeout <= c.AckTimeout {
		return fmt.Errorf("ingest_http.write_timeout: %s, want more than ack_timeout (%s) so a waiting request can still be answered", c.WriteTimeout, c.AckTimeout)
	}
	return nil
}
