package rss

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config configures the feed poller. In the configuration file it is the
// top-level section ingest_rss (see the package documentation).
type Config struct {
	// Feeds are the RSS 2.0 / Atom (or JSON Feed) URLs to poll.
	Feeds []string `yaml:"feeds" json:"feeds"`
	// Interval is the time between two polls of one feed (±10 % jitter).
	Interval time.Duration `yaml:"interval" json:"interval"`
	// Timeout bounds one fetch, body included: a server that stalls is
	// abandoned and retried with backoff.
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// Concurrency is how many feeds are fetched at once.
	Concurrency int `yaml:"concurrency" json:"concurrency"`
	// MaxBodyBytes bounds a feed document.
	MaxBodyBytes int64 `yaml:"max_body_bytes" json:"max_body_bytes"`
	// UserAgent is sent with every request; feed hosts block anonymous
	// clients, so name yourself and a contact.
	UserAgent string `yaml:"user_agent" json:"user_agent"`
	// BackoffMin and BackoffMax bound the jittered exponential wait after a
	// failed poll (a 429 or 503 waits at least its Retry-After).
	BackoffMin time.Duration `yaml:"backoff_min" json:"backoff_min"`
	BackoffMax time.Duration `yaml:"backoff_max" json:"backoff_max"`
	// MaxAge skips items published longer ago than this (0: keep every
	// item a feed lists, however old).
	MaxAge time.Duration `yaml:"max_age" json:"max_age"`
	// SeenCapacity is how many item ids are remembered (persisted) so that
	// an item is published once, across polls and restarts.
	SeenCapacity int `yaml:"seen_capacity" json:"seen_capacity"`
	// StateDir holds rss-seen.jsonl (item ids) and rss-state.json (each
	// feed's ETag and Last-Modified).
	StateDir string `yaml:"state_dir" json:"state_dir"`
}

// DefaultConfig returns the defaults: every feed each 5 minutes, 30 s
// timeout, 4 at a time, backoff 30 s … 1 h, 200,000 remembered ids.
func DefaultConfig() Config {
	return Config{
		Interval:     5 * time.Minute,
		Timeout:      30 * time.Second,
		Concurrency:  4,
		MaxBodyBytes: 10 << 20,
		UserAgent:    "earshot-rss/1 (+https://github.com/earshot-dev/earshot)",
		BackoffMin:   30 * time.Second,
		BackoffMax:   time.Hour,
		SeenCapacity: 200_000,
		StateDir:     ".earshot",
	}
}

// Validate names the first field that is wrong and how to fix it.
func (c Config) Validate() error {
	if len(c.Feeds) == 0 {
		return errors.New("ingest_rss.feeds: empty; list the feed URLs to poll")
	}
	seen := map[string]bool{}
	for i, f := range c.Feeds {
		u, err := url.Parse(f)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("ingest_rss.feeds[%d]: %q is not an http(s) URL", i, f)
		}
		if seen[f] {
			return fmt.Errorf("ingest_rss.feeds[%d]: %q is listed twice", i, f)
		}
		seen[f] = true
	}
	if c.Interval < time.Second {
		return fmt.Errorf("ingest_rss.interval: %s, want ≥ 1s (default 5m; be kind to feed hosts)", c.Interval)
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("ingest_rss.timeout: %s, want > 0 (e.g. 30s)", c.Timeout)
	}
	if c.Concurrency < 1 || c.Concurrency > 256 {
		return fmt.Errorf("ingest_rss.concurrency: %d, want 1..256 (default 4)", c.Concurrency)
	}
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("ingest_rss.max_body_bytes: %d, want ≥ 1024 (default 10485760)", c.MaxBodyBytes)
	}
	if strings.TrimSpace(c.UserAgent) == "" {
		return errors.New("ingest_rss.user_agent: empty; name your client and a contact")
	}
	if c.BackoffMin <= 0 || c.BackoffMax < c.BackoffMin {
		return fmt.Errorf("ingest_rss.backoff_min/backoff_max: %s/%s, want 0 < backoff_min ≤ backoff_max", c.BackoffMin, c.BackoffMax)
	}
	if c.MaxAge < 0 {
		return fmt.Errorf("ingest_rss.max_age: %s, want ≥ 0 (0 keeps every item)", c.MaxAge)
	}
	if c.SeenCapacity < 1 {
		return fmt.Errorf("ingest_rss.seen_capacity: %d, want ≥ 1 (default 200000)", c.SeenCapacity)
	}
	if c.StateDir == "" {
		return errors.New("ingest_rss.state_dir: empty; set it (e.g. .earshot)")
	}
	return nil
}
