package x

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// DefaultTokenEnv is the environment variable read for the bearer token.
const DefaultTokenEnv = "EARSHOT_X_BEARER_TOKEN"

// TagPrefix marks the stream rules this source owns. Rules without it
// (another application's, on the same app-only token) are never deleted.
const TagPrefix = "earshot:"

// Rule is one filtered-stream rule: a query (X's rule syntax, e.g.
// "@KLM -is:retweet") and a tag naming it. The tag is stored on X as
// "earshot:<tag>" (default: the value).
type Rule struct {
	Value string `yaml:"value" json:"value"`
	Tag   string `yaml:"tag" json:"tag"`
}

// Config configures the X source. In the configuration file it is the
// top-level section ingest_x (see the package documentation).
type Config struct {
	// APIURL is the API's base URL.
	APIURL string `yaml:"api_url" json:"api_url"`
	// Rules are the filtered-stream rules this source keeps in sync on X
	// (add missing, delete stale earshot: rules) when SyncRules is true.
	Rules []Rule `yaml:"rules" json:"rules"`
	// SyncRules manages the stream rules; false reads whatever rules the
	// app already has.
	SyncRules bool `yaml:"sync_rules" json:"sync_rules"`
	// BackfillQuery is the recent-search query of the back-fill; empty:
	// the rules' values joined with OR.
	BackfillQuery string `yaml:"backfill_query" json:"backfill_query"`
	// BackfillWindow is how far back the first start (no cursor yet)
	// back-fills from recent search; 0: no back-fill on the first start.
	// At most 7 days (recent search's reach).
	BackfillWindow time.Duration `yaml:"backfill_window" json:"backfill_window"`
	// BackfillPages bounds the search pages (100 posts each) of one
	// back-fill; 0 disables the back-fill.
	BackfillPages int `yaml:"backfill_pages" json:"backfill_pages"`
	// SearchEndDelay is how far before the request time end_time must be
	// (X refuses an end_time less than 10 s in the past): a back-fill
	// waits until the stream's open time is that old.
	SearchEndDelay time.Duration `yaml:"search_end_delay" json:"search_end_delay"`
	// TokenEnv names the environment variable holding the app-only bearer
	// token; TokenFile is a file holding it. Never a flag.
	TokenEnv  string `yaml:"token_env" json:"token_env"`
	TokenFile string `yaml:"token_file" json:"token_file"`
	// StallTimeout reconnects when nothing, not even the keep-alive X
	// sends every 20 s, arrived for this long.
	StallTimeout time.Duration `yaml:"stall_timeout" json:"stall_timeout"`
	// RequestTimeout bounds one REST request (rules, search) and the
	// stream's response headers.
	RequestTimeout time.Duration `yaml:"request_timeout" json:"request_timeout"`
	// X's documented reconnect policy: network errors back off linearly
	// (+NetworkBackoffStep per attempt up to NetworkBackoffMax), HTTP
	// errors exponentially (HTTPBackoffMin doubling up to HTTPBackoffMax),
	// 429 without a usable x-rate-limit-reset exponentially from
	// RateLimitBackoffMin (up to HTTPBackoffMax).
	NetworkBackoffStep  time.Duration `yaml:"network_backoff_step" json:"network_backoff_step"`
	NetworkBackoffMax   time.Duration `yaml:"network_backoff_max" json:"network_backoff_max"`
	HTTPBackoffMin      time.Duration `yaml:"http_backoff_min" json:"http_backoff_min"`
	HTTPBackoffMax      time.Duration `yaml:"http_backoff_max" json:"http_backoff_max"`
	RateLimitBackoffMin time.Duration `yaml:"rate_limit_backoff_min" json:"rate_limit_backoff_min"`
	// MaxLineBytes bounds one stream line (one post with its expansions).
	MaxLineBytes int `yaml:"max_line_bytes" json:"max_line_bytes"`
	// SeenCapacity is how many post ids are remembered (persisted).
	SeenCapacity int `yaml:"seen_capacity" json:"seen_capacity"`
	// StateDir holds x-state.json and x-seen.jsonl.
	StateDir string `yaml:"state_dir" json:"state_dir"`
	// UserAgent is sent with every request.
	UserAgent string `yaml:"user_agent" json:"user_agent"`
}

// DefaultConfig returns the defaults: api.x.com, rules synced, token from
// $EARSHOT_X_BEARER_TOKEN, X's documented reconnect backoff, stall after
// 20 s without a keep-alive, back-fill up to 10 pages.
func DefaultConfig() Config {
	return Config{
		APIURL:              "https://api.x.com",
		SyncRules:           true,
		BackfillPages:       10,
		SearchEndDelay:      10 * time.Second,
		TokenEnv:            DefaultTokenEnv,
		StallTimeout:        20 * time.Second,
		RequestTimeout:      30 * time.Second,
		NetworkBackoffStep:  250 * time.Millisecond,
		NetworkBackoffMax:   16 * time.Second,
		HTTPBackoffMin:      5 * time.Second,
		HTTPBackoffMax:      320 * time.Second,
		RateLimitBackoffMin: time.Minute,
		MaxLineBytes:        1 << 20,
		SeenCapacity:        200_000,
		StateDir:            ".earshot",
		UserAgent:           "earshot-x/1 (+https://github.com/earshot-dev/earshot)",
	}
}

// maxBackfillWindow is recent search's reach.
const maxBackfillWindow = 7 * 24 * time.Hour

// Validate names the first field that is wrong and how to fix it.
func (c Config) Validate() error {
	u, err := url.Parse(c.APIURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("ingest_x.api_url: %q, want a base URL (default https://api.x.com)", c.APIURL)
	}
	if c.SyncRules && len(c.Rules) == 0 {
		return errors.New("ingest_x.rules: empty; add at least one rule ({value: \"@KLM -is:retweet\", tag: klm}) or set sync_rules: false to use the app's existing rules")
	}
	tags := map[string]bool{}
	for i, r := range c.Rules {
		if strings.TrimSpace(r.Value) == "" || len(r.Value) > 1024 {
			return fmt.Errorf("ingest_x.rules[%d].value: %q, want a rule of 1..1024 characters", i, r.Value)
		}
		if t := r.tag(); tags[t] {
			return fmt.Errorf("ingest_x.rules[%d].tag: %q is used twice; tags name rules and must be unique", i, t)
		} else {
			tags[t] = true
		}
	}
	if c.BackfillPages < 0 {
		return fmt.Errorf("ingest_x.backfill_pages: %d, want ≥ 0 (0 = no back-fill)", c.BackfillPages)
	}
	if c.BackfillPages > 0 && c.backfillQuery() == "" {
		return errors.New("ingest_x.backfill_query: empty and no rules to derive it from; set it or backfill_pages: 0")
	}
	if len(c.backfillQuery()) > 4096 {
		return fmt.Errorf("ingest_x.backfill_query: %d characters, want ≤ 4096 (X allows 512 on Basic, 4096 on Pro); set it explicitly", len(c.backfillQuery()))
	}
	if c.BackfillWindow < 0 || c.BackfillWindow > maxBackfillWindow {
		return fmt.Errorf("ingest_x.backfill_window: %s, want 0..168h (recent search covers 7 days)", c.BackfillWindow)
	}
	if c.SearchEndDelay < 0 {
		return fmt.Errorf("ingest_x.search_end_delay: %s, want ≥ 0 (X requires 10s)", c.SearchEndDelay)
	}
	if c.TokenEnv == "" && c.TokenFile == "" {
		return errors.New("ingest_x.token_file: no bearer token source; set token_env (default EARSHOT_X_BEARER_TOKEN) or token_file")
	}
	if c.StallTimeout < 100*time.Millisecond {
		return fmt.Errorf("ingest_x.stall_timeout: %s, want ≥ 100ms (X sends a keep-alive every 20 s; default 20s)", c.StallTimeout)
	}
	if c.RequestTimeout <= 0 {
		return fmt.Errorf("ingest_x.request_timeout: %s, want > 0", c.RequestTimeout)
	}
	if c.NetworkBackoffStep <= 0 || c.NetworkBackoffMax < c.NetworkBackoffStep {
		return fmt.Errorf("ingest_x.network_backoff_step/network_backoff_max: %s/%s, want 0 < step ≤ max", c.NetworkBackoffStep, c.NetworkBackoffMax)
	}
	if c.HTTPBackoffMin <= 0 || c.HTTPBackoffMax < c.HTTPBackoffMin {
		return fmt.Errorf("ingest_x.http_backoff_min/http_backoff_max: %s/%s, want 0 < min ≤ max", c.HTTPBackoffMin, c.HTTPBackoffMax)
	}
	if c.RateLimitBackoffMin <= 0 {
		return fmt.Errorf("ingest_x.rate_limit_backoff_min: %s, want > 0 (X documents 1m)", c.RateLimitBackoffMin)
	}
	if c.MaxLineBytes < 4096 {
		return fmt.Errorf("ingest_x.max_line_bytes: %d, want ≥ 4096", c.MaxLineBytes)
	}
	if c.SeenCapacity < 1 {
		return fmt.Errorf("ingest_x.seen_capacity: %d, want ≥ 1", c.SeenCapacity)
	}
	if c.StateDir == "" {
		return errors.New("ingest_x.state_dir: empty; set it (e.g. .earshot)")
	}
	return nil
}

// tag is the rule's tag as stored on X.
func (r Rule) tag() string {
	t := strings.TrimSpace(r.Tag)
	if t == "" {
		t = strings.TrimSpace(r.Value)
	}
	return TagPrefix + t
}

// backfillQuery is the recent-search query.
func (c Config) backfillQuery() string {
	if q := strings.TrimSpace(c.BackfillQuery); q != "" {
		return q
	}
	var parts []string
	for _, r := range c.Rules {
		if v := strings.TrimSpace(r.Value); v != "" {
			parts = append(parts, "("+v+")")
		}
	}
	if len(parts) == 1 {
		return strings.TrimSpace(c.Rules[0].Value)
	}
	return strings.Join(parts, " OR ")
}
