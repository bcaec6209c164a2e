package reddit_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srctest"
	"github.com/earshot-dev/earshot/ingest/internal/srcutil"
	"github.com/earshot-dev/earshot/ingest/reddit"
	"github.com/earshot-dev/earshot/mention"
)

type env struct {
	p  *reddit.Poller
	sm *srcutil.For
	im *ingest.Metrics
	sk *prometheus.CounterVec
	w  *srctest.Writer
}

func config(tb testing.TB, s *site, stateDir string) reddit.Config {
	tb.Helper()
	tb.Setenv("EARSHOT_TEST_REDDIT_ID", clientID)
	tb.Setenv("EARSHOT_TEST_REDDIT_SECRET", clientSecret)
	cfg := reddit.DefaultConfig()
	cfg.AuthURL, cfg.APIURL = s.URL, s.URL
	cfg.ClientIDEnv, cfg.ClientSecretEnv = "EARSHOT_TEST_REDDIT_ID", "EARSHOT_TEST_REDDIT_SECRET"
	cfg.UserAgent = userAgent
	cfg.Subreddits = []string{"KLM"}
	cfg.Comments = false
	cfg.StateDir = stateDir
	cfg.PollInterval = time.Second
	cfg.BackoffMin, cfg.BackoffMax = 10*time.Millisecond, 50*time.Millisecond
	cfg.RequestTimeout = 5 * time.Second
	return cfg
}

func newPoller(tb testing.TB, cfg reddit.Config, w *srctest.Writer) *env {
	tb.Helper()
	reg := prometheus.NewRegistry()
	pc := ingest.DefaultPublisherConfig()
	pc.FlushInterval = 10 * time.Millisecond
	p, err := reddit.New(cfg, reddit.Options{Writer: w, Metrics: ingest.NewMetrics(reg), Registerer: reg, Publisher: pc, Log: testLog(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close(context.Background()) })
	return &env{p: p, sm: srcutil.NewMetrics(reg).For(reddit.SourceName), im: ingest.NewMetrics(reg), sk: srcutil.NewSkippedCounter(reg), w: w}
}

func (e *env) round(tb testing.TB) {
	tb.Helper()
	if res := e.p.Round(context.Background()); res != (reddit.Result{}) {
		tb.Fatalf("round: %+v", res)
	}
}

func testLog(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, nil))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func ids(ms []*mention.Mention) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	slices.Sort(out)
	return out
}

func TestPollAndMapping(t *testing.T) {
	s := newSite(t)
	s.posts = []string{post(1, nil), post(2, map[string]any{"selftext": "", "title": "Anyone flown KLM &amp; lived?", "score": -3, "num_comments": 0})}
	s.comments = []string{
		comment(10, 1, "t3_"+b36(1), nil),
		comment(11, 1, "t1_"+b36(10), map[string]any{"body": "@KLM please answer", "author": "KLM", "author_fullname": "t2_klm"}),
		comment(12, 1, "t1_"+b36(10), map[string]any{"body": "[deleted]", "author": "[deleted]"}),
	}
	cfg := config(t, s, t.TempDir())
	cfg.Comments = true
	cfg.Searches = []string{"lost my bag"}
	e := newPoller(t, cfg, &srctest.Writer{})
	e.round(t)
	srctest.WaitFor(t, "4 records", func() bool { return e.w.Len() >= 4 })
	e.p.Close(context.Background())

	got := map[string]*mention.Mention{}
	for _, m := range e.w.Mentions(t) {
		got[m.ID] = m
	}
	// Post 1 is in the search results and the subreddit: published once.
	want := []string{"reddit:t1_" + b36(10), "reddit:t1_" + b36(11), "reddit:t3_" + b36(1), "reddit:t3_" + b36(2)}
	slices.Sort(want)
	if g := ids(e.w.Mentions(t)); !slices.Equal(g, want) {
		t.Fatalf("published %v, want %v", g, want)
	}
	p1, p2, c10, c11 := got["reddit:t3_"+b36(1)], got["reddit:t3_"+b36(2)], got["reddit:t1_"+b36(10)], got["reddit:t1_"+b36(11)]
	if p1.Text != "KLM lost my bag 1\n\nThree days & counting." || p1.URL != "https://www.reddit.com/r/KLM/comments/"+b36(1)+"/klm_lost_my_bag_1/" ||
		p1.ConversationID != p1.ID || p1.InReplyTo != "" || p1.Author.Handle != "alice_flies" || p1.Author.ID != "t2_abc1" ||
		!p1.CreatedAt.Equal(base.Add(1500*time.Millisecond)) || *p1.Engagement != (mention.Engagement{Likes: 12, Replies: 3}) || p1.Extra["subreddit"] != "KLM" {
		t.Errorf("post 1: %+v", p1)
	}
	if p2.Text != "Anyone flown KLM &amp; lived?" || p2.Engagement.Likes != 0 || p2.Extra["score"] != float64(-3) {
		t.Errorf("post 2 (raw_json=1 gives the text as written; negative score in extra): %q %+v %v", p2.Text, p2.Engagement, p2.Extra)
	}
	if c10.InReplyTo != p1.ID || c10.ConversationID != p1.ID || c10.Text != "comment 10: same here" || c10.NativeID != "t1_"+b36(10) {
		t.Errorf("comment 10: %+v", c10)
	}
	if c11.InReplyTo != c10.ID || c11.ConversationID != p1.ID || c11.Author.Handle != "KLM" || c11.Extra["link_title"] != "KLM lost my bag 1" {
		t.Errorf("comment 11: %+v", c11)
	}
	if got := testutil.ToFloat64(e.sk.WithLabelValues("reddit", "removed")); got != 1 {
		t.Errorf("skipped{removed} = %v, want 1 (the deleted comment)", got)
	}
	reqs := s.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want search, new, comments", len(reqs))
	}
	if q := reqs[0].URL.Query(); reqs[0].URL.Path != "/search" || q.Get("q") != "lost my bag" || q.Get("sort") != "new" || q.Get("limit") != "100" || q.Get("raw_json") != "1" {
		t.Errorf("search request %s", reqs[0].URL)
	}
	if reqs[1].URL.Path != "/r/KLM/new" || reqs[2].URL.Path != "/r/KLM/comments" || !strings.HasPrefix(reqs[1].Header.Get("Authorization"), "bearer ") || reqs[1].Header.Get("User-Agent") != userAgent {
		t.Errorf("listing requests %s %s %q", reqs[1].URL, reqs[2].URL, reqs[1].Header.Get("Authorization"))
	}
	if s.tokenRequests() != 1 {
		t.Errorf("%d token requests, want 1", s.tokenRequests())
	}
}

// TestPagingAndDuplicates: a first start reads initial_pages back with
// after=; later rounds page back until a post already published; a
// restart publishes only what is new.
func TestPagingAndDuplicates(t *testing.T) {
	s := newSite(t)
	s.addPosts(1, 250)
	state := t.TempDir()
	cfg := config(t, s, state)
	cfg.InitialPages = 3
	w := &srctest.Writer{}
	e := newPoller(t, cfg, w)
	e.round(t)
	srctest.WaitFor(t, "250 posts", func() bool { return w.Len() >= 250 })
	if r := s.requests(); len(r) != 3 || r[1].URL.Query().Get("after") != "t3_"+b36(151) || r[2].URL.Query().Get("after") != "t3_"+b36(51) {
		t.Fatalf("first round: %d requests", len(r))
	}
	e.round(t) // nothing new
	s.addPosts(251, 370)
	e.round(t)
	srctest.WaitFor(t, "370 posts", func() bool { return w.Len() >= 370 })
	if r := s.requests(); len(r) != 6 || r[5].URL.Query().Get("after") != "t3_"+b36(271) {
		t.Fatalf("%d requests; the catch-up must page back with after until a known post", len(r))
	}
	if err := e.p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.p.Cursor("new:KLM"); got != "t3_"+b36(370) {
		t.Fatalf("cursor %q, want the newest post", got)
	}

	s.addPosts(371, 375)
	e2 := newPoller(t, cfg, w)
	e2.round(t)
	srctest.WaitFor(t, "375 posts", func() bool { return w.Len() >= 375 })
	e2.p.Close(context.Background())
	got := ids(w.Mentions(t))
	if len(got) != 375 || len(slices.Compact(got)) != 375 {
		t.Fatalf("published %d (%d distinct), want 375 once each", len(got), len(slices.Compact(got)))
	}
	ms := w.Mentions(t)
	if ms[0].NativeID != "t3_"+b36(1) {
		t.Fatalf("first published %s, want the oldest post", ms[0].NativeID)
	}
	// Oldest first within a round.
	for i := 1; i < 250; i++ {
		if !ms[i].CreatedAt.After(ms[i-1].CreatedAt) {
			t.Fatalf("record %d (%s) is not newer than %d (%s)", i, ms[i].NativeID, i-1, ms[i-1].NativeID)
		}
	}
}

// TestDeletedCursor: the listing's newest known post was deleted; the
// walk back stops at the next known post instead of returning nothing
// forever (what before=<deleted> would do).
func TestDeletedCursor(t *testing.T) {
	s := newSite(t)
	s.addPosts(1, 5)
	cfg := config(t, s, t.TempDir())
	w := &srctest.Writer{}
	e := newPoller(t, cfg, w)
	e.round(t)
	srctest.WaitFor(t, "5 posts", func() bool { return w.Len() >= 5 })
	s.mu.Lock()
	s.posts = s.posts[:4] // post 5 removed
	s.mu.Unlock()
	s.addPosts(6, 7)
	e.round(t)
	srctest.WaitFor(t, "7 posts", func() bool { return w.Len() >= 7 })
}

func TestTokenRefresh(t *testing.T) {
	s := newSite(t)
	s.tokenLife = 2 // the token is renewed halfway, after 1 s
	s.addPosts(1, 1)
	cfg := config(t, s, t.TempDir())
	e := newPoller(t, cfg, &srctest.Writer{})
	e.round(t)
	e.round(t)
	if n := s.tokenRequests(); n != 1 {
		t.Fatalf("%d token requests within the token's life, want 1", n)
	}
	time.Sleep(1100 * time.Millisecond)
	e.round(t)
	if n := s.tokenRequests(); n != 2 {
		t.Fatalf("%d token requests after half the life, want 2 (renewed before expiry)", n)
	}
	// Revoked early: the API answers 401, the poller fetches a new token
	// and retries once.
	s.revokeTokens()
	s.addPosts(2, 2)
	e.round(t)
	srctest.WaitFor(t, "2 posts", func() bool { return e.w.Len() >= 2 })
	if n := s.tokenRequests(); n != 3 {
		t.Fatalf("%d token requests after a 401, want 3", n)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("status_401")); got != 1 {
		t.Fatalf("errors{status_401} = %v, want 1", got)
	}
}

func TestUnauthorized(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		revoke bool
		reason string
		count  float64
		msg    string
	}{
		{"bad secret", "wrong-secret", false, "token_status_401", 1, "token endpoint answered 401"},
		// The first 401 fetches a new token; the second one stops.
		{"API refuses fresh tokens", clientSecret, true, "status_401", 2, "fresh token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			if tt.revoke {
				s.refuseAPI = true
			}
			cfg := config(t, s, t.TempDir())
			t.Setenv("EARSHOT_TEST_REDDIT_SECRET", tt.secret)
			e := newPoller(t, cfg, &srctest.Writer{})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := e.p.Run(ctx)
			if ctx.Err() != nil {
				t.Fatal("Run kept retrying refused credentials")
			}
			if !errors.Is(err, reddit.ErrUnauthorized) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "Unauthorized") {
				t.Fatalf("Run: %v, want ErrUnauthorized with %q and Reddit's message", err, tt.msg)
			}
			if got := testutil.ToFloat64(e.sm.ErrorCounter(tt.reason)); got != tt.count {
				t.Fatalf("errors{%s} = %v, want %v", tt.reason, got, tt.count)
			}
		})
	}
}

// TestRateLimit: a 429 with X-Ratelimit-Reset, and an answer leaving
// X-Ratelimit-Remaining at 0: the next request waits for the reset.
func TestRateLimit(t *testing.T) {
	s := newSite(t)
	s.addPosts(1, 3)
	s.answers[0] = answer{status: 429, header: map[string]string{"X-Ratelimit-Remaining": "0.0", "X-Ratelimit-Used": "600", "X-Ratelimit-Reset": "1"}}
	s.answers[1] = answer{header: map[string]string{"X-Ratelimit-Remaining": "0.0", "X-Ratelimit-Used": "600", "X-Ratelimit-Reset": "1"}}
	cfg := config(t, s, t.TempDir())
	w := &srctest.Writer{}
	e := newPoller(t, cfg, w)
	res := e.p.Round(context.Background())
	if res.Reason != "status_429" || res.RetryAfter != time.Second {
		t.Fatalf("round: %+v, want status_429 retrying after 1s", res)
	}
	e.round(t) // waits for the reset, then reads the page (remaining 0 again)
	e.round(t) // waits again
	srctest.WaitFor(t, "3 posts", func() bool { return w.Len() >= 3 })
	s.mu.Lock()
	at := slices.Clone(s.at)
	s.mu.Unlock()
	if len(at) != 3 || at[1].Sub(at[0]) < 950*time.Millisecond || at[2].Sub(at[1]) < 950*time.Millisecond {
		t.Fatalf("requests at %v; each must wait the 1 s reset", at)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("status_429")); got != 1 {
		t.Fatalf("errors{status_429} = %v, want 1", got)
	}
}

func TestMalformed(t *testing.T) {
	s := newSite(t)
	s.addPosts(1, 2)
	s.answers[0] = answer{body: `{"kind": "Listing", "data": {"children": [`} // truncated
	s.answers[1] = answer{body: `<html><body>our CDN is sad</body></html>`}
	cfg := config(t, s, t.TempDir())
	w := &srctest.Writer{}
	e := newPoller(t, cfg, w)
	for range 2 {
		if res := e.p.Round(context.Background()); res.Reason != "malformed" {
			t.Fatalf("round: %+v, want malformed", res)
		}
	}
	s.mu.Lock()
	s.posts = append(s.posts, `{"id": "zz", "title": "no name, no date"}`, `"a string"`, post(3, map[string]any{"created_utc": "yesterday"}))
	s.mu.Unlock()
	e.round(t)
	srctest.WaitFor(t, "2 posts", func() bool { return w.Len() >= 2 })
	e.p.Close(context.Background())
	if got := testutil.ToFloat64(e.im.Rejected.WithLabelValues("reddit", reddit.ReasonMalformed)); got != 3 {
		t.Fatalf("rejected{malformed_item} = %v, want 3", got)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("malformed")); got != 2 {
		t.Fatalf("errors{malformed} = %v, want 2", got)
	}
}

// TestStalledServer: a request that gets no answer times out; Run retries
// and the posts arrive.
func TestStalledServer(t *testing.T) {
	s := newSite(t)
	s.addPosts(1, 2)
	s.answers[0] = answer{stall: true}
	cfg := config(t, s, t.TempDir())
	cfg.RequestTimeout = 300 * time.Millisecond
	w := &srctest.Writer{}
	e := newPoller(t, cfg, w)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.p.Run(ctx) }()
	srctest.WaitFor(t, "2 posts", func() bool { return w.Len() >= 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("timeout")); got != 1 {
		t.Fatalf("errors{timeout} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(e.sm.Reconnects); got != 1 {
		t.Fatalf("reconnects %v, want 1 (polls recovered)", got)
	}
}

// TestForbiddenSubreddit: a private subreddit (403) is counted and
// skipped; the other listings are polled.
func TestForbiddenSubreddit(t *testing.T) {
	s := newSite(t)
	s.addPosts(1, 2)
	s.answers[0] = answer{status: 403}
	cfg := config(t, s, t.TempDir())
	cfg.Subreddits = []string{"private_one", "KLM"}
	w := &srctest.Writer{}
	e := newPoller(t, cfg, w)
	e.round(t)
	srctest.WaitFor(t, "2 posts", func() bool { return w.Len() >= 2 })
	if got := testutil.ToFloat64(e.sm.ErrorCounter("status_403")); got != 1 {
		t.Fatalf("errors{status_403} = %v, want 1", got)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*reddit.Config)
		wantErr string
	}{
		{"ok", func(*reddit.Config) {}, ""},
		{"r/ prefix", func(c *reddit.Config) { c.Subreddits = []string{"r/KLM", "aa+bb"} }, ""},
		{"nothing to poll", func(c *reddit.Config) { c.Subreddits = nil }, "ingest_reddit.searches"},
		{"bad sub", func(c *reddit.Config) { c.Subreddits = []string{"KLM/new"} }, "ingest_reddit.subreddits[0]"},
		{"empty search", func(c *reddit.Config) { c.Searches = []string{" "} }, "ingest_reddit.searches[0]"},
		{"user agent", func(c *reddit.Config) { c.UserAgent = "Go-http-client/1.1" }, "ingest_reddit.user_agent"},
		{"api url", func(c *reddit.Config) { c.APIURL = "oauth.reddit.com" }, "ingest_reddit.api_url"},
		{"poll", func(c *reddit.Config) { c.PollInterval = 0 }, "ingest_reddit.poll_interval"},
		{"initial pages", func(c *reddit.Config) { c.InitialPages = 11 }, "ingest_reddit.initial_pages"},
		{"secret", func(c *reddit.Config) { c.ClientSecretEnv = "" }, "ingest_reddit.client_secret_file"},
		{"state", func(c *reddit.Config) { c.StateDir = "" }, "ingest_reddit.state_dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := reddit.DefaultConfig()
			c.Subreddits = []string{"KLM"}
			c.UserAgent = userAgent
			tt.mod(&c)
			err := c.Validate()
			if (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
