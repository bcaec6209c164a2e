package rss_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srctest"
	"github.com/earshot-dev/earshot/ingest/internal/srcutil"
	"github.com/earshot-dev/earshot/ingest/rss"
	"github.com/earshot-dev/earshot/mention"
)

// feedServer serves testdata files by path. Each path's file can be
// swapped; with etag set it answers If-None-Match with 304.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	files    map[string]string           // path → testdata file
	handlers map[string]http.HandlerFunc // path → custom behaviour
	etag     bool
	lastMod  bool
	requests map[string][]*http.Request
}

func newFeedServer(tb testing.TB) *feedServer {
	tb.Helper()
	fs := &feedServer{files: map[string]string{}, handlers: map[string]http.HandlerFunc{}, requests: map[string][]*http.Request{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.requests[r.URL.Path] = append(fs.requests[r.URL.Path], r.Clone(context.Background()))
		file, h, etagOn, lmOn := fs.files[r.URL.Path], fs.handlers[r.URL.Path], fs.etag, fs.lastMod
		fs.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		if file == "" {
			http.NotFound(w, r)
			return
		}
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		sum := sha256.Sum256(data)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		if etagOn {
			w.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		if lmOn {
			lm := "Mon, 03 Mar 2025 09:30:00 GMT"
			w.Header().Set("Last-Modified", lm)
			if r.Header.Get("If-Modified-Since") == lm {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.Header().Set("Content-Type", "application/xml")
		w.Write(data)
	}))
	tb.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) serve(path, file string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.files[path] = file
}

func (fs *feedServer) handle(path string, h http.HandlerFunc) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.handlers[path] = h
}

func (fs *feedServer) reqs(path string) []*http.Request {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return slices.Clone(fs.requests[path])
}

type env struct {
	p   *rss.Poller
	w   *srctest.Writer
	reg *prometheus.Registry
	sm  *srcutil.For
	im  *ingest.Metrics
}

func config(tb testing.TB, stateDir string, feeds ...string) rss.Config {
	tb.Helper()
	cfg := rss.DefaultConfig()
	cfg.Feeds = feeds
	cfg.StateDir = stateDir
	cfg.Timeout = 5 * time.Second
	cfg.BackoffMin = 10 * time.Millisecond
	cfg.BackoffMax = 100 * time.Millisecond
	return cfg
}

func newPoller(tb testing.TB, cfg rss.Config, w *srctest.Writer) *env {
	tb.Helper()
	reg := prometheus.NewRegistry()
	pc := ingest.DefaultPublisherConfig()
	pc.FlushInterval = 10 * time.Millisecond
	p, err := rss.New(cfg, rss.Options{Writer: w, Metrics: ingest.NewMetrics(reg), Registerer: reg, Publisher: pc})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close(context.Background()) })
	return &env{p: p, w: w, reg: reg, sm: srcutil.NewMetrics(reg).For(rss.SourceName), im: ingest.NewMetrics(reg)}
}

func (e *env) rejected(reason string) float64 {
	return testutil.ToFloat64(e.im.Rejected.WithLabelValues(rss.SourceName, reason))
}

func pollAll(tb testing.TB, e *env) []rss.PollResult {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := e.p.PollAll(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func TestPollRSSAndAtom(t *testing.T) {
	fs := newFeedServer(t)
	fs.serve("/news.rss", "news.rss")
	fs.serve("/reviews.atom", "reviews.atom")
	w := &srctest.Writer{}
	e := newPoller(t, config(t, t.TempDir(), fs.URL+"/news.rss", fs.URL+"/reviews.atom"), w)
	res := pollAll(t, e)
	for _, r := range res {
		if r.Status != 200 || r.Published != 2 {
			t.Fatalf("%s: status %d published %d, want 200 and 2", r.URL, r.Status, r.Published)
		}
	}
	got := map[string]*mention.Mention{}
	for _, m := range w.Mentions(t) {
		got[m.ID] = m
	}
	tests := []struct {
		id, created, authorID, handle, lang, url string
		text                                     []string
	}{
		{
			id:      "rss:https://news.example.com/travel/2025/03/03/klm-baggage-outage",
			created: "2025-03-03T09:15:00Z", authorID: "Anna de Vries", handle: "Anna de Vries", lang: "en",
			url:  "https://news.example.com/travel/2025/03/03/klm-baggage-outage",
			text: []string{"KLM apologises after baggage system outage at Schiphol\n\nThousands of bags", "“deeply sorry”"},
		},
		{
			// A GUID that is not a URI: the link identifies the item.
			id:      "rss:https://news.example.com/travel/2025/03/02/lufthansa-strike",
			created: "2025-03-02T17:00:00Z", authorID: "desk@news.example.com", handle: "Travel Desk", lang: "en",
			url:  "https://news.example.com/travel/2025/03/02/lufthansa-strike",
			text: []string{"Lufthansa strike", "Ground staff walk out on Wednesday.\n\nRefunds\n\nRebooking"},
		},
		{
			id:      "rss:tag:reviews.example.org,2025-03-03:/tesco/4411",
			created: "2025-03-03T09:58:00Z", authorID: "priya@example.net", handle: "Priya", lang: "nl",
			url:  "https://reviews.example.org/tesco/4411",
			text: []string{"Tesco delivery & substitutions: 2/5\n\nHalf my order"},
		},
		{
			// No published date: updated is used.
			id:      "rss:tag:reviews.example.org,2025-03-02:/ocado/982",
			created: "2025-03-02T16:20:00Z", authorID: "reviews.example.org", lang: "nl",
			url:  "https://reviews.example.org/ocado/982",
			text: []string{"Ocado: on time, friendly driver\n\nEverything arrived, driver carried it upstairs."},
		},
	}
	if len(got) != len(tests) {
		t.Fatalf("published %d records, want %d", len(got), len(tests))
	}
	for _, tt := range tests {
		m := got[tt.id]
		if m == nil {
			t.Errorf("missing %s; have %v", tt.id, w.IDs(t))
			continue
		}
		if c := m.CreatedAt.Format(time.RFC3339); c != tt.created {
			t.Errorf("%s created_at %s, want %s", tt.id, c, tt.created)
		}
		if m.Author.ID != tt.authorID || m.Author.Handle != tt.handle || m.Lang != tt.lang || m.URL != tt.url {
			t.Errorf("%s author %+v lang %q url %q, want %q/%q %q %q", tt.id, m.Author, m.Lang, m.URL, tt.authorID, tt.handle, tt.lang, tt.url)
		}
		if m.ConversationID != m.ID || m.Platform != "rss" || m.Source != "rss" {
			t.Errorf("%s conversation %q platform %q source %q", tt.id, m.ConversationID, m.Platform, m.Source)
		}
		for _, s := range tt.text {
			if !strings.Contains(m.Text, s) {
				t.Errorf("%s text %q lacks %q", tt.id, m.Text, s)
			}
		}
	}
	if got := testutil.ToFloat64(e.sm.Received); got != 4 {
		t.Errorf("events received %v, want 4", got)
	}
}

func TestConditionalGet(t *testing.T) {
	for _, mode := range []string{"etag", "last-modified"} {
		t.Run(mode, func(t *testing.T) {
			fs := newFeedServer(t)
			fs.etag, fs.lastMod = mode == "etag", mode == "last-modified"
			fs.serve("/news.rss", "news.rss")
			w := &srctest.Writer{}
			state := t.TempDir()
			e := newPoller(t, config(t, state, fs.URL+"/news.rss"), w)
			if r := pollAll(t, e)[0]; r.Published != 2 {
				t.Fatalf("first poll published %d, want 2", r.Published)
			}
			if r := pollAll(t, e)[0]; !r.NotModified || r.Status != 304 || r.Published != 0 {
				t.Fatalf("second poll: %+v, want 304 not modified", r)
			}
			// The validators survive a restart.
			e.p.Close(context.Background())
			e2 := newPoller(t, config(t, state, fs.URL+"/news.rss"), w)
			if r := pollAll(t, e2)[0]; !r.NotModified {
				t.Fatalf("after restart: %+v, want 304", r)
			}
			reqs := fs.reqs("/news.rss")
			if len(reqs) != 3 {
				t.Fatalf("%d requests, want 3", len(reqs))
			}
			hdr := "If-None-Match"
			if mode == "last-modified" {
				hdr = "If-Modified-Since"
			}
			if reqs[0].Header.Get(hdr) != "" || reqs[1].Header.Get(hdr) == "" || reqs[2].Header.Get(hdr) == "" {
				t.Fatalf("%s sent as %q, %q, %q; want only on the later polls", hdr, reqs[0].Header.Get(hdr), reqs[1].Header.Get(hdr), reqs[2].Header.Get(hdr))
			}
			if ua := reqs[0].Header.Get("User-Agent"); !strings.Contains(ua, "earshot") {
				t.Fatalf("User-Agent %q", ua)
			}
			if n := len(w.IDs(t)); n != 2 {
				t.Fatalf("published %d, want 2", n)
			}
		})
	}
}

func TestDuplicatesAcrossPollsAndRestart(t *testing.T) {
	fs := newFeedServer(t) // no validators: every poll gets the whole feed
	fs.serve("/news.rss", "news.rss")
	w := &srctest.Writer{}
	state := t.TempDir()
	cfg := config(t, state, fs.URL+"/news.rss")
	e := newPoller(t, cfg, w)
	if r := pollAll(t, e)[0]; r.Published != 2 {
		t.Fatalf("poll 1 published %d, want 2", r.Published)
	}
	fs.serve("/news.rss", "news-updated.rss")
	if r := pollAll(t, e)[0]; r.Published != 1 || r.Duplicates != 2 {
		t.Fatalf("poll 2: published %d duplicates %d, want 1 and 2", r.Published, r.Duplicates)
	}
	e.p.Close(context.Background())

	e2 := newPoller(t, cfg, w)
	if r := pollAll(t, e2)[0]; r.Published != 0 || r.Duplicates != 3 {
		t.Fatalf("after restart: published %d duplicates %d, want 0 and 3", r.Published, r.Duplicates)
	}
	ids := w.IDs(t)
	if len(ids) != 3 || len(slices.Compact(slices.Clone(ids))) != 3 {
		t.Fatalf("Kafka holds %v, want 3 distinct items once each", ids)
	}
	if a, b := testutil.ToFloat64(e.sm.Duplicates), testutil.ToFloat64(e2.sm.Duplicates); a != 2 || b != 3 {
		t.Fatalf("duplicates metric %v then %v, want 2 then 3", a, b)
	}
}

func TestMalformedFeeds(t *testing.T) {
	fs := newFeedServer(t)
	fs.serve("/truncated.rss", "truncated.rss")
	fs.serve("/notafeed", "notafeed.txt")
	fs.serve("/news.rss", "news.rss")
	w := &srctest.Writer{}
	e := newPoller(t, config(t, t.TempDir(), fs.URL+"/truncated.rss", fs.URL+"/notafeed", fs.URL+"/news.rss"), w)
	res := pollAll(t, e)
	for _, r := range res[:2] {
		if r.Published != 0 || r.Err == nil || r.NextPollWait <= 0 || r.NextPollWait > 100*time.Millisecond {
			t.Errorf("%s: %+v, want nothing published and a backoff wait", r.URL, r)
		}
	}
	if res[2].Published != 2 || res[2].Err != nil {
		t.Fatalf("a good feed beside broken ones published %d, want 2", res[2].Published)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("malformed")); got != 2 {
		t.Fatalf("malformed errors %v, want 2", got)
	}
}

func TestBadItems(t *testing.T) {
	fs := newFeedServer(t)
	fs.serve("/odd.rss", "bad-items.rss")
	w := &srctest.Writer{}
	e := newPoller(t, config(t, t.TempDir(), fs.URL+"/odd.rss"), w)
	r := pollAll(t, e)[0]
	if r.Published != 1 || r.Rejected != 3 {
		t.Fatalf("published %d rejected %d, want 1 and 3", r.Published, r.Rejected)
	}
	for reason, want := range map[string]float64{rss.ReasonNoID: 1, rss.ReasonEmptyText: 1, "invalid_created_at": 1} {
		if got := e.rejected(reason); got != want {
			t.Errorf("rejected{%s} = %v, want %v", reason, got, want)
		}
	}
	host := strings.TrimPrefix(fs.URL, "http://")
	if ids := w.IDs(t); len(ids) != 1 || ids[0] != "rss:"+host+"/1234" {
		t.Fatalf("published %v, want the bare GUID qualified by the feed host", ids)
	}
	// The identifiable bad items are not counted again on the next poll.
	r = pollAll(t, e)[0]
	if r.Published != 0 || r.Rejected != 1 || e.rejected(rss.ReasonEmptyText) != 1 {
		t.Fatalf("second poll: published %d rejected %d, want 0 and 1 (only the item without an id)", r.Published, r.Rejected)
	}
}

func TestStalledServer(t *testing.T) {
	fs := newFeedServer(t)
	release := make(chan struct{})
	defer close(release)
	fs.handle("/slow.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>slow</title>`))
		w.(http.Flusher).Flush()
		select { // stall mid-body
		case <-r.Context().Done():
		case <-release:
		}
	})
	cfg := config(t, t.TempDir(), fs.URL+"/slow.rss")
	cfg.Timeout = 300 * time.Millisecond
	e := newPoller(t, cfg, &srctest.Writer{})
	start := time.Now()
	r := pollAll(t, e)[0]
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("a stalled feed held the poll for %s", took)
	}
	if r.Published != 0 || r.NextPollWait <= 0 {
		t.Fatalf("%+v, want a failed poll with a backoff", r)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("timeout")); got != 1 {
		t.Fatalf("timeout errors %v, want 1", got)
	}
}

func TestRateLimited(t *testing.T) {
	fs := newFeedServer(t)
	fs.handle("/busy.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	e := newPoller(t, config(t, t.TempDir(), fs.URL+"/busy.rss"), &srctest.Writer{})
	r := pollAll(t, e)[0]
	if r.Status != 429 || r.RetryAfter != 120*time.Second || r.NextPollWait < 120*time.Second {
		t.Fatalf("%+v, want 429 and the next poll no sooner than Retry-After (120s)", r)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("status_429")); got != 1 {
		t.Fatalf("status_429 errors %v, want 1", got)
	}
}

// TestRunHonoursRetryAfter runs the scheduler: the feed answers 429 with
// Retry-After: 1, and the next request comes no sooner than a second
// later (the backoff alone would retry after 10–100 ms), then publishes.
func TestRunHonoursRetryAfter(t *testing.T) {
	fs := newFeedServer(t)
	var mu sync.Mutex
	var at []time.Time
	fs.handle("/feed.rss", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		at = append(at, time.Now())
		n := len(at)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		data, _ := os.ReadFile("testdata/news.rss")
		w.Write(data)
	})
	w := &srctest.Writer{}
	cfg := config(t, t.TempDir(), fs.URL+"/feed.rss")
	cfg.Interval = time.Hour
	e := newPoller(t, cfg, w)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.p.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for len(w.IDs(t)) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the feed was never published after the 429")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	reqs := fs.reqs("/feed.rss")
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	mu.Lock()
	gap := at[1].Sub(at[0])
	mu.Unlock()
	if gap < 900*time.Millisecond {
		t.Fatalf("retried %s after a 429 with Retry-After: 1", gap)
	}
	if got := testutil.ToFloat64(e.sm.Reconnects); got != 1 {
		t.Fatalf("reconnects %v, want 1 (the recovery)", got)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*rss.Config)
		wantErr string
	}{
		{"ok", func(*rss.Config) {}, ""},
		{"no feeds", func(c *rss.Config) { c.Feeds = nil }, "ingest_rss.feeds"},
		{"not a URL", func(c *rss.Config) { c.Feeds = []string{"ftp://x/y"} }, "ingest_rss.feeds[0]"},
		{"twice", func(c *rss.Config) { c.Feeds = []string{"https://a/f", "https://a/f"} }, "listed twice"},
		{"fast interval", func(c *rss.Config) { c.Interval = time.Millisecond }, "ingest_rss.interval"},
		{"no timeout", func(c *rss.Config) { c.Timeout = 0 }, "ingest_rss.timeout"},
		{"concurrency", func(c *rss.Config) { c.Concurrency = 0 }, "ingest_rss.concurrency"},
		{"backoff", func(c *rss.Config) { c.BackoffMax = time.Millisecond }, "backoff_min/backoff_max"},
		{"state dir", func(c *rss.Config) { c.StateDir = "" }, "ingest_rss.state_dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rss.DefaultConfig()
			c.Feeds = []string{"https://news.example.com/feed.rss"}
			tt.mod(&c)
			err := c.Validate()
			if (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
