package bluesky

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// DefaultEndpoint is a public Jetstream instance run by Bluesky.
const DefaultEndpoint = "wss://jetstream2.us-east.bsky.network/subscribe"

// Collection is the only collection this source asks Jetstream for.
const Collection = "app.bsky.feed.post"

// maxWantedDids is Jetstream's limit on wantedDids.
const maxWantedDids = 10_000

// Config configures the Jetstream source. In the configuration file it is
// the top-level section ingest_bluesky (see the package documentation).
type Config struct {
	// Endpoint is the Jetstream subscribe URL (ws:// or wss://).
	Endpoint string `yaml:"endpoint" json:"endpoint"`
	// WantedDids restricts the stream to these accounts (did:plc:…,
	// did:web:…); empty receives every account's posts.
	WantedDids []string `yaml:"wanted_dids" json:"wanted_dids"`
	// Rewind is subtracted from the saved cursor when reconnecting, so that
	// switching to another Jetstream instance (whose clocks differ a
	// little) loses nothing; the seen-set drops the overlap.
	Rewind time.Duration `yaml:"rewind" json:"rewind"`
	// ReadTimeout reconnects when no message arrived for this long
	// (0: never; set it for the full firehose, which is never quiet).
	ReadTimeout time.Duration `yaml:"read_timeout" json:"read_timeout"`
	// PingInterval sends a WebSocket ping this often; no pong within
	// PingTimeout means the server stalled and the source reconnects.
	PingInterval time.Duration `yaml:"ping_interval" json:"ping_interval"`
	PingTimeout  time.Duration `yaml:"ping_timeout" json:"ping_timeout"`
	// DialTimeout bounds connecting (TCP, TLS and the upgrade).
	DialTimeout time.Duration `yaml:"dial_timeout" json:"dial_timeout"`
	// BackoffMin and BackoffMax bound the jittered reconnect backoff.
	BackoffMin time.Duration `yaml:"backoff_min" json:"backoff_min"`
	BackoffMax time.Duration `yaml:"backoff_max" json:"backoff_max"`
	// MaxMessageBytes bounds one frame.
	MaxMessageBytes int64 `yaml:"max_message_bytes" json:"max_message_bytes"`
	// SeenCapacity is how many post ids are remembered (persisted).
	SeenCapacity int `yaml:"seen_capacity" json:"seen_capacity"`
	// HandleCacheSize bounds the did → handle cache fed by identity events.
	HandleCacheSize int `yaml:"handle_cache_size" json:"handle_cache_size"`
	// StateDir holds bluesky-cursor.json and bluesky-seen.jsonl.
	StateDir string `yaml:"state_dir" json:"state_dir"`
	// UserAgent is sent with the upgrade request.
	UserAgent string `yaml:"user_agent" json:"user_agent"`
}

// DefaultConfig returns the defaults: Bluesky's jetstream2.us-east,
// every account, 2 s rewind, ping every 20 s, reconnect 1 s … 2 m.
func DefaultConfig() Config {
	return Config{
		Endpoint:        DefaultEndpoint,
		Rewind:          2 * time.Second,
		ReadTimeout:     0,
		PingInterval:    20 * time.Second,
		PingTimeout:     10 * time.Second,
		DialTimeout:     15 * time.Second,
		BackoffMin:      time.Second,
		BackoffMax:      2 * time.Minute,
		MaxMessageBytes: 1 << 20,
		SeenCapacity:    500_000,
		HandleCacheSize: 100_000,
		StateDir:        ".earshot",
		UserAgent:       "earshot-bluesky/1 (+https://github.com/earshot-dev/earshot)",
	}
}

// Validate names the first field that is wrong and how to fix it.
func (c Config) Validate() error {
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return fmt.Errorf("ingest_bluesky.endpoint: %q, want a ws:// or wss:// Jetstream URL (default %s)", c.Endpoint, DefaultEndpoint)
	}
	if u.RawQuery != "" {
		return fmt.Errorf("ingest_bluesky.endpoint: %q has a query; set wanted_dids instead, the source adds the parameters", c.Endpoint)
	}
	if len(c.WantedDids) > maxWantedDids {
		return fmt.Errorf("ingest_bluesky.wanted_dids: %d accounts, Jetstream accepts at most %d", len(c.WantedDids), maxWantedDids)
	}
	for i, d := range c.WantedDids {
		if !strings.HasPrefix(d, "did:") || strings.ContainsAny(d, " &?#") {
			return fmt.Errorf("ingest_bluesky.wanted_dids[%d]: %q is not a DID (did:plc:… or did:web:…); resolve handles to DIDs first", i, d)
		}
	}
	if c.Rewind < 0 || c.Rewind > time.Hour {
		return fmt.Errorf("ingest_bluesky.rewind: %s, want 0..1h (default 2s)", c.Rewind)
	}
	if c.ReadTimeout < 0 {
		return fmt.Errorf("ingest_bluesky.read_timeout: %s, want ≥ 0 (0 = never)", c.ReadTimeout)
	}
	if c.PingInterval <= 0 || c.PingTimeout <= 0 {
		return fmt.Errorf("ingest_bluesky.ping_interval/ping_timeout: %s/%s, want > 0", c.PingInterval, c.PingTimeout)
	}
	if c.DialTimeout <= 0 {
		return fmt.Errorf("ingest_bluesky.dial_timeout: %s, want > 0", c.DialTimeout)
	}
	if c.BackoffMin <= 0 || c.BackoffMax < c.BackoffMin {
		return fmt.Errorf("ingest_bluesky.backoff_min/backoff_max: %s/%s, want 0 < backoff_min ≤ backoff_max", c.BackoffMin, c.BackoffMax)
	}
	if c.MaxMessageBytes < 4096 {
		return fmt.Errorf("ingest_bluesky.max_message_bytes: %d, want ≥ 4096 (default 1048576)", c.MaxMessageBytes)
	}
	if c.SeenCapacity < 1 {
		return fmt.Errorf("ingest_bluesky.seen_capacity: %d, want ≥ 1", c.SeenCapacity)
	}
	if c.HandleCacheSize < 0 {
		return fmt.Errorf("ingest_bluesky.handle_cache_size: %d, want ≥ 0", c.HandleCacheSize)
	}
	if c.StateDir == "" {
		return errors.New("ingest_bluesky.state_dir: empty; set it (e.g. .earshot)")
	}
	return nil
}
