package mastodon

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// DefaultTokenEnv is the environment variable read for the access token.
const DefaultTokenEnv = "EARSHOT_MASTODON_TOKEN"

// Streams of the streaming API this source reads.
const (
	StreamPublic       = "public"
	StreamPublicLocal  = "public:local"
	StreamPublicRemote = "public:remote"
	StreamHashtag      = "hashtag"
	StreamHashtagLocal = "hashtag:local"
	StreamList         = "list"
	StreamUser         = "user"
)

// Config configures the Mastodon source. In the configuration file it is
// the top-level section ingest_mastodon (see the package documentation).
type Config struct {
	// Server is the instance's base URL (https://mastodon.social).
	Server string `yaml:"server" json:"server"`
	// StreamingURL is the streaming API's base URL when the instance serves
	// it elsewhere (its /api/v1/instance urls.streaming_api); empty: Server.
	StreamingURL string `yaml:"streaming_url" json:"streaming_url"`
	// Stream is public, public:local, public:remote, hashtag,
	// hashtag:local, list or user.
	Stream string `yaml:"stream" json:"stream"`
	// Tag is the hashtag (without #) of a hashtag stream.
	Tag string `yaml:"tag" json:"tag"`
	// List is the list id of a list stream.
	List string `yaml:"list" json:"list"`
	// TokenEnv names the environment variable holding the access token;
	// TokenFile is a file holding it. Required for user and list streams
	// (and by instances that close their public streams to anonymous
	// clients). Never a flag.
	TokenEnv  string `yaml:"token_env" json:"token_env"`
	TokenFile string `yaml:"token_file" json:"token_file"`
	// ReadTimeout reconnects when nothing (not even the server's
	// heartbeat, sent every 15 s) arrived for this long.
	ReadTimeout time.Duration `yaml:"read_timeout" json:"read_timeout"`
	// RequestTimeout bounds one REST request of the back-fill and the
	// stream's response headers.
	RequestTimeout time.Duration `yaml:"request_timeout" json:"request_timeout"`
	// BackoffMin and BackoffMax bound the jittered reconnect backoff.
	BackoffMin time.Duration `yaml:"backoff_min" json:"backoff_min"`
	BackoffMax time.Duration `yaml:"backoff_max" json:"backoff_max"`
	// BackfillPages bounds the REST pages (40 statuses each) fetched to
	// fill the gap after a reconnect or restart.
	BackfillPages int `yaml:"backfill_pages" json:"backfill_pages"`
	// MaxEventBytes bounds one server-sent event.
	MaxEventBytes int `yaml:"max_event_bytes" json:"max_event_bytes"`
	// SeenCapacity is how many status ids are remembered (persisted).
	SeenCapacity int `yaml:"seen_capacity" json:"seen_capacity"`
	// StateDir holds mastodon-<host>-<stream>-state.json and -seen.jsonl.
	StateDir string `yaml:"state_dir" json:"state_dir"`
	// UserAgent is sent with every request.
	UserAgent string `yaml:"user_agent" json:"user_agent"`
}

// DefaultConfig returns the defaults: the public stream, token from
// $EARSHOT_MASTODON_TOKEN, reconnect 1 s … 2 m, back-fill up to 50 pages.
func DefaultConfig() Config {
	return Config{
		Stream:         StreamPublic,
		TokenEnv:       DefaultTokenEnv,
		ReadTimeout:    time.Minute,
		RequestTimeout: 30 * time.Second,
		BackoffMin:     time.Second,
		BackoffMax:     2 * time.Minute,
		BackfillPages:  50,
		MaxEventBytes:  1 << 20,
		SeenCapacity:   200_000,
		StateDir:       ".earshot",
		UserAgent:      "earshot-mastodon/1 (+https://github.com/earshot-dev/earshot)",
	}
}

func validBase(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.RawQuery == "" && (u.Path == "" || u.Path == "/")
}

// Validate names the first field that is wrong and how to fix it.
func (c Config) Validate() error {
	if !validBase(c.Server) {
		return fmt.Errorf("ingest_mastodon.server: %q, want the instance's base URL (e.g. https://mastodon.social)", c.Server)
	}
	if c.StreamingURL != "" && !validBase(c.StreamingURL) {
		return fmt.Errorf("ingest_mastodon.streaming_url: %q, want a base URL (e.g. https://streaming.mastodon.social) or empty", c.StreamingURL)
	}
	switch c.Stream {
	case StreamPublic, StreamPublicLocal, StreamPublicRemote, StreamUser:
	case StreamHashtag, StreamHashtagLocal:
		if t := strings.TrimPrefix(c.Tag, "#"); t == "" || strings.ContainsAny(t, " /?&#") {
			return fmt.Errorf("ingest_mastodon.tag: %q, want a hashtag without # for stream %s", c.Tag, c.Stream)
		}
	case StreamList:
		if c.List == "" || strings.ContainsAny(c.List, " /?&#") {
			return fmt.Errorf("ingest_mastodon.list: %q, want the list id for stream list", c.List)
		}
	default:
		return fmt.Errorf("ingest_mastodon.stream: %q, want public, public:local, public:remote, hashtag, hashtag:local, list or user", c.Stream)
	}
	if (c.Stream == StreamUser || c.Stream == StreamList) && c.TokenEnv == "" && c.TokenFile == "" {
		return fmt.Errorf("ingest_mastodon.token_file: stream %s needs an access token; set token_env or token_file", c.Stream)
	}
	if c.ReadTimeout < time.Second {
		return fmt.Errorf("ingest_mastodon.read_timeout: %s, want ≥ 1s (the server's heartbeat comes every 15 s; default 1m)", c.ReadTimeout)
	}
	if c.RequestTimeout <= 0 {
		return fmt.Errorf("ingest_mastodon.request_timeout: %s, want > 0", c.RequestTimeout)
	}
	if c.BackoffMin <= 0 || c.BackoffMax < c.BackoffMin {
		return fmt.Errorf("ingest_mastodon.backoff_min/backoff_max: %s/%s, want 0 < backoff_min ≤ backoff_max", c.BackoffMin, c.BackoffMax)
	}
	if c.BackfillPages < 0 {
		return fmt.Errorf("ingest_mastodon.backfill_pages: %d, want ≥ 0 (0 = no back-fill)", c.BackfillPages)
	}
	if c.MaxEventBytes < 4096 {
		return fmt.Errorf("ingest_mastodon.max_event_bytes: %d, want ≥ 4096", c.MaxEventBytes)
	}
	if c.SeenCapacity < 1 {
		return fmt.Errorf("ingest_mastodon.seen_capacity: %d, want ≥ 1", c.SeenCapacity)
	}
	if c.StateDir == "" {
		return errors.New("ingest_mastodon.state_dir: empty; set it (e.g. .earshot)")
	}
	return nil
}

// host is the instance's host name, the qualifier of every id.
func (c Config) host() string {
	u, _ := url.Parse(c.Server)
	return u.Host
}

// streamPath is the streaming endpoint and its query.
func (c Config) streamPath() (string, url.Values) {
	q := url.Values{}
	switch c.Stream {
	case StreamPublicLocal:
		return "/api/v1/streaming/public/local", q
	case StreamPublicRemote:
		return "/api/v1/streaming/public/remote", q
	case StreamHashtag:
		q.Set("tag", strings.TrimPrefix(c.Tag, "#"))
		return "/api/v1/streaming/hashtag", q
	case StreamHashtagLocal:
		q.Set("tag", strings.TrimPrefix(c.Tag, "#"))
		return "/api/v1/streaming/hashtag/local", q
	case StreamList:
		q.Set("list", c.List)
		return "/api/v1/streaming/list", q
	case StreamUser:
		return "/api/v1/streaming/user", q
	}
	return "/api/v1/streaming/public", q
}

// timelinePath is the REST timeline the stream mirrors, for the back-fill.
func (c Config) timelinePath() (string, url.Values) {
	q := url.Values{}
	switch c.Stream {
	case StreamPublicLocal:
		q.Set("local", "true")
	case StreamPublicRemote:
		q.Set("remote", "true")
	case StreamHashtag:
		return "/api/v1/timelines/tag/" + url.PathEscape(strings.TrimPrefix(c.Tag, "#")), q
	case StreamHashtagLocal:
		q.Set("local", "true")
		return "/api/v1/timelines/tag/" + url.PathEscape(strings.TrimPrefix(c.Tag, "#")), q
	case StreamList:
		return "/api/v1/timelines/list/" + url.PathEscape(c.List), q
	case StreamUser:
		return "/api/v1/timelines/home", q
	}
	return "/api/v1/timelines/public", q
}
