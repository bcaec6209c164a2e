package reddit

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Default environment variables of the app's credentials.
const (
	DefaultClientIDEnv     = "EARSHOT_REDDIT_CLIENT_ID"
	DefaultClientSecretEnv = "EARSHOT_REDDIT_CLIENT_SECRET"
)

// Config configures the Reddit source. In the configuration file it is the
// top-level section ingest_reddit (see the package documentation).
type Config struct {
	// AuthURL is where the OAuth token is fetched
	// (<auth_url>/api/v1/access_token).
	AuthURL string `yaml:"auth_url" json:"auth_url"`
	// APIURL is the OAuth API's base URL.
	APIURL string `yaml:"api_url" json:"api_url"`
	// Searches are site-wide search queries polled newest first
	// (/search?q=…&sort=new).
	Searches []string `yaml:"searches" json:"searches"`
	// Subreddits are polled for new posts (/r/<sub>/new) and, with
	// Comments, new comments (/r/<sub>/comments).
	Subreddits []string `yaml:"subreddits" json:"subreddits"`
	Comments   bool     `yaml:"comments" json:"comments"`
	// ClientIDEnv / ClientIDFile and ClientSecretEnv / ClientSecretFile
	// hold the app's credentials (a "script" or "web" app). Never flags.
	ClientIDEnv      string `yaml:"client_id_env" json:"client_id_env"`
	ClientIDFile     string `yaml:"client_id_file" json:"client_id_file"`
	ClientSecretEnv  string `yaml:"client_secret_env" json:"client_secret_env"`
	ClientSecretFile string `yaml:"client_secret_file" json:"client_secret_file"`
	// UserAgent is required by Reddit in the form
	// "<platform>:<app id>:<version> (by /u/<username>)".
	UserAgent string `yaml:"user_agent" json:"user_agent"`
	// PollInterval is the time between two rounds over every listing.
	PollInterval time.Duration `yaml:"poll_interval" json:"poll_interval"`
	// MaxPages bounds the pages (100 items each) read back per listing and
	// round when catching up; InitialPages is the same on a first start.
	MaxPages     int `yaml:"max_pages" json:"max_pages"`
	InitialPages int `yaml:"initial_pages" json:"initial_pages"`
	// RequestTimeout bounds one request (a stalled server is a timeout).
	RequestTimeout time.Duration `yaml:"request_timeout" json:"request_timeout"`
	// TokenRefreshMargin renews the access token this long before it
	// expires (at most half its lifetime).
	TokenRefreshMargin time.Duration `yaml:"token_refresh_margin" json:"token_refresh_margin"`
	// BackoffMin and BackoffMax bound the jittered retry after a failed
	// round.
	BackoffMin time.Duration `yaml:"backoff_min" json:"backoff_min"`
	BackoffMax time.Duration `yaml:"backoff_max" json:"backoff_max"`
	// SeenCapacity is how many fullnames are remembered (persisted).
	SeenCapacity int `yaml:"seen_capacity" json:"seen_capacity"`
	// StateDir holds reddit-state.json and reddit-seen.jsonl.
	StateDir string `yaml:"state_dir" json:"state_dir"`
}

// DefaultConfig returns the defaults: www.reddit.com / oauth.reddit.com,
// comments polled, a round a minute, up to 10 pages back.
func DefaultConfig() Config {
	return Config{
		AuthURL:            "https://www.reddit.com",
		APIURL:             "https://oauth.reddit.com",
		Comments:           true,
		ClientIDEnv:        DefaultClientIDEnv,
		ClientSecretEnv:    DefaultClientSecretEnv,
		PollInterval:       time.Minute,
		MaxPages:           10,
		InitialPages:       1,
		RequestTimeout:     30 * time.Second,
		TokenRefreshMargin: 5 * time.Minute,
		BackoffMin:         5 * time.Second,
		BackoffMax:         5 * time.Minute,
		SeenCapacity:       200_000,
		StateDir:           ".earshot",
	}
}

func validBase(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.RawQuery == "" && (u.Path == "" || u.Path == "/")
}

// validSub accepts subreddit names (letters, digits, _; 2..21; "a+b"
// multireddits allowed).
func validSub(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for _, part := range strings.Split(s, "+") {
		if len(part) < 2 || len(part) > 21 {
			return false
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
				return false
			}
		}
	}
	return true
}

// Validate names the first field that is wrong and how to fix it.
func (c Config) Validate() error {
	if !validBase(c.AuthURL) {
		return fmt.Errorf("ingest_reddit.auth_url: %q, want a base URL (default https://www.reddit.com)", c.AuthURL)
	}
	if !validBase(c.APIURL) {
		return fmt.Errorf("ingest_reddit.api_url: %q, want a base URL (default https://oauth.reddit.com)", c.APIURL)
	}
	if len(c.Searches) == 0 && len(c.Subreddits) == 0 {
		return errors.New("ingest_reddit.searches: nothing to poll; set searches (e.g. [\"klm\"]) or subreddits (e.g. [KLM])")
	}
	for i, q := range c.Searches {
		if strings.TrimSpace(q) == "" || len(q) > 512 {
			return fmt.Errorf("ingest_reddit.searches[%d]: %q, want a query of 1..512 characters", i, q)
		}
	}
	for i, s := range c.Subreddits {
		if !validSub(strings.TrimPrefix(s, "r/")) {
			return fmt.Errorf("ingest_reddit.subreddits[%d]: %q, want a subreddit name such as KLM or r/KLM (letters, digits, _)", i, s)
		}
	}
	if c.ClientIDEnv == "" && c.ClientIDFile == "" {
		return errors.New("ingest_reddit.client_id_file: no client id source; set client_id_env (default EARSHOT_REDDIT_CLIENT_ID) or client_id_file")
	}
	if c.ClientSecretEnv == "" && c.ClientSecretFile == "" {
		return errors.New("ingest_reddit.client_secret_file: no client secret source; set client_secret_env (default EARSHOT_REDDIT_CLIENT_SECRET) or client_secret_file")
	}
	if ua := strings.TrimSpace(c.UserAgent); strings.Count(ua, ":") < 2 || !strings.Contains(ua, "/u/") {
		return fmt.Errorf("ingest_reddit.user_agent: %q, want Reddit's form \"<platform>:<app id>:<version> (by /u/<username>)\", e.g. \"linux:com.example.earshot:v1 (by /u/yourname)\"", c.UserAgent)
	}
	if c.PollInterval < time.Second {
		return fmt.Errorf("ingest_reddit.poll_interval: %s, want ≥ 1s (default 1m)", c.PollInterval)
	}
	if c.MaxPages < 1 || c.MaxPages > 100 {
		return fmt.Errorf("ingest_reddit.max_pages: %d, want 1..100 (Reddit lists at most ~1000 items)", c.MaxPages)
	}
	if c.InitialPages < 0 || c.InitialPages > c.MaxPages {
		return fmt.Errorf("ingest_reddit.initial_pages: %d, want 0..max_pages (0: start from now)", c.InitialPages)
	}
	if c.RequestTimeout <= 0 {
		return fmt.Errorf("ingest_reddit.request_timeout: %s, want > 0", c.RequestTimeout)
	}
	if c.TokenRefreshMargin < 0 {
		return fmt.Errorf("ingest_reddit.token_refresh_margin: %s, want ≥ 0", c.TokenRefreshMargin)
	}
	if c.BackoffMin <= 0 || c.BackoffMax < c.BackoffMin {
		return fmt.Errorf("ingest_reddit.backoff_min/backoff_max: %s/%s, want 0 < backoff_min ≤ backoff_max", c.BackoffMin, c.BackoffMax)
	}
	if c.SeenCapacity < 1 {
		return fmt.Errorf("ingest_reddit.seen_capacity: %d, want ≥ 1", c.SeenCapacity)
	}
	if c.StateDir == "" {
		return errors.New("ingest_reddit.state_dir: empty; set it (e.g. .earshot)")
	}
	return nil
}

// listing is one polled listing.
type listing struct {
	key  string // state key: search:<q>, new:<sub>, comments:<sub>
	path string
	q    url.Values
}

func (c Config) listings() []listing {
	var out []listing
	for _, s := range c.Searches {
		q := url.Values{"q": {s}, "sort": {"new"}, "type": {"link"}}
		out = append(out, listing{key: "search:" + s, path: "/search", q: q})
	}
	for _, s := range c.Subreddits {
		s = strings.TrimPrefix(s, "r/")
		out = append(out, listing{key: "new:" + s, path: "/r/" + s + "/new", q: url.Values{}})
		if c.Comments {
			out = append(out, listing{key: "comments:" + s, path: "/r/" + s + "/comments", q: url.Values{}})
		}
	}
	return out
}
