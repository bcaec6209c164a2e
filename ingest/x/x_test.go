package x_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srctest"
	"github.com/earshot-dev/earshot/ingest/internal/srcutil"
	"github.com/earshot-dev/earshot/ingest/x"
	"github.com/earshot-dev/earshot/mention"
)

type env struct {
	src      *x.Source
	sm       *srcutil.For
	im       *ingest.Metrics
	skipped  *prometheus.CounterVec
	stop     func() error
	finished chan struct{}
	runErr   *error
}

func config(tb testing.TB, a *api, stateDir string) x.Config {
	tb.Helper()
	tb.Setenv("EARSHOT_TEST_X_TOKEN", goodToken)
	cfg := x.DefaultConfig()
	cfg.APIURL = a.URL
	cfg.TokenEnv = "EARSHOT_TEST_X_TOKEN"
	cfg.StateDir = stateDir
	cfg.Rules = []x.Rule{{Value: "@KLM -is:retweet", Tag: "klm"}}
	cfg.SearchEndDelay = 0
	cfg.StallTimeout = 2 * time.Second
	cfg.NetworkBackoffStep = 10 * time.Millisecond
	cfg.NetworkBackoffMax = 50 * time.Millisecond
	cfg.HTTPBackoffMin = 10 * time.Millisecond
	cfg.HTTPBackoffMax = 50 * time.Millisecond
	cfg.RateLimitBackoffMin = 50 * time.Millisecond
	return cfg
}

func start(tb testing.TB, cfg x.Config, w *srctest.Writer) *env {
	tb.Helper()
	reg := prometheus.NewRegistry()
	pc := ingest.DefaultPublisherConfig()
	pc.FlushInterval = 10 * time.Millisecond
	src, err := x.New(cfg, x.Options{Writer: w, Metrics: ingest.NewMetrics(reg), Registerer: reg, Publisher: pc, Log: testLog(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	var runErr error
	go func() {
		runErr = src.Run(ctx)
		close(finished)
	}()
	stop := func() error {
		cancel()
		select {
		case <-finished:
		case <-time.After(20 * time.Second):
			tb.Fatal("Run did not return after cancel")
		}
		return runErr
	}
	tb.Cleanup(func() { stop() })
	return &env{src: src, sm: srcutil.NewMetrics(reg).For(x.SourceName), im: ingest.NewMetrics(reg),
		skipped: srcutil.NewSkippedCounter(reg), stop: stop, finished: finished, runErr: &runErr}
}

func (e *env) rejected(reason string) float64 {
	return testutil.ToFloat64(e.im.Rejected.WithLabelValues(x.SourceName, reason))
}

func sortedIDs(ms []*mention.Mention) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	return ids
}

func TestNormalStream(t *testing.T) {
	reply := line(2, map[string]any{
		"author_id": "56377143", "conversation_id": "1", "in_reply_to_user_id": "1001",
		"text":              "@alice_flies Sorry to hear that! Please DM us your booking code. ^JD",
		"referenced_tweets": []any{map[string]any{"type": "replied_to", "id": "1"}},
	}, 56377143, 1)
	quote := line(3, map[string]any{
		"text": "look at this &lt;3 #fail", "lang": "und",
		"referenced_tweets": []any{map[string]any{"type": "quoted", "id": "1"}},
		"entities":          map[string]any{"hashtags": []any{map[string]any{"start": 18, "end": 23, "tag": "fail"}}},
	})
	retweet := line(4, map[string]any{
		"text":              "RT @alice_flies: @KLM post 1",
		"referenced_tweets": []any{map[string]any{"type": "retweeted", "id": "1"}},
	})
	// A line with data and partial errors (a referenced post that is gone).
	partial := strings.TrimSuffix(line(5, nil), "}") + `,"errors":[{"value":"77","detail":"Could not find tweet with referenced_tweets.id: [77].","title":"Not Found Error","resource_type":"tweet","parameter":"referenced_tweets.id","resource_id":"77","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`
	a := newAPI(t, plan{mode: modeHold, lines: []string{line(1, nil), "", reply, "", quote, retweet, partial}})
	w := &srctest.Writer{}
	e := start(t, config(t, a, t.TempDir()), w)
	srctest.WaitFor(t, "4 posts", func() bool { return w.Len() >= 4 })
	srctest.WaitFor(t, "the cursor", func() bool { return e.src.LastID() == "5" })
	e.stop()

	r := a.streams()[0]
	q := r.URL.Query()
	if r.Header.Get("Authorization") != "Bearer "+goodToken || q.Get("expansions") != "author_id,referenced_tweets.id,referenced_tweets.id.author_id" ||
		q.Get("tweet.fields") != "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang,public_metrics,entities" ||
		q.Get("user.fields") != "username,name,verified,public_metrics" {
		t.Fatalf("stream request %s with Authorization %q", r.URL, r.Header.Get("Authorization"))
	}
	if n := len(a.searches()); n != 0 {
		t.Fatalf("%d searches on a first start without backfill_window, want 0", n)
	}
	got := map[string]*mention.Mention{}
	for _, m := range w.Mentions(t) {
		got[m.ID] = m
	}
	if ids := sortedIDs(w.Mentions(t)); fmt.Sprint(ids) != "[x:1 x:2 x:3 x:5]" {
		t.Fatalf("published %v, want x:1 x:2 x:3 x:5 (the retweet skipped)", ids)
	}
	tests := []struct {
		id                      string
		url, handle, text, lang string
		inReplyTo, conv, quoted string
		followers               int64
		verified                bool
	}{
		{"x:1", "https://x.com/alice_flies/status/1", "alice_flies", "@KLM post 1 & more", "en", "", "x:1", "", 43, false},
		{"x:2", "https://x.com/KLM/status/2", "KLM", "@alice_flies Sorry to hear that! Please DM us your booking code. ^JD", "en", "x:1", "x:1", "", 42 + 56377143%1000, true},
		{"x:3", "https://x.com/alice_flies/status/3", "alice_flies", "look at this <3 #fail", "", "", "x:3", "x:1", 43, false},
	}
	for _, tt := range tests {
		m := got[tt.id]
		if m == nil {
			t.Fatalf("missing %s", tt.id)
		}
		if m.URL != tt.url || m.Author.Handle != tt.handle || m.Text != tt.text || m.Lang != tt.lang {
			t.Errorf("%s: url %q handle %q text %q lang %q", tt.id, m.URL, m.Author.Handle, m.Text, m.Lang)
		}
		if m.InReplyTo != tt.inReplyTo || m.ConversationID != tt.conv || m.QuotedID != tt.quoted {
			t.Errorf("%s: in_reply_to %q conversation %q quoted %q, want %q %q %q", tt.id, m.InReplyTo, m.ConversationID, m.QuotedID, tt.inReplyTo, tt.conv, tt.quoted)
		}
		if m.Author.Followers != tt.followers || m.Author.Verified != tt.verified {
			t.Errorf("%s: followers %d verified %v", tt.id, m.Author.Followers, m.Author.Verified)
		}
		if m.Engagement == nil || *m.Engagement != (mention.Engagement{Likes: 3, Reposts: 1, Replies: 2, Quotes: 4}) {
			t.Errorf("%s: engagement %+v", tt.id, m.Engagement)
		}
		if want := created(must(strconv.Atoi(m.NativeID))); !m.CreatedAt.Equal(want) || m.Platform != "x" {
			t.Errorf("%s: created %s platform %q", tt.id, m.CreatedAt, m.Platform)
		}
	}
	if fmt.Sprint(got["x:1"].Extra["mentions"]) != "[KLM]" || fmt.Sprint(got["x:1"].Extra["matching_rules"]) != "[earshot:klm]" {
		t.Errorf("extra %v", got["x:1"].Extra)
	}
	if got := testutil.ToFloat64(e.skipped.WithLabelValues("x", "retweet")); got != 1 {
		t.Errorf("skipped{retweet} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(e.sm.Received); got != 5 {
		t.Errorf("received %v, want 5 (keep-alives are not posts)", got)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestMalformedLines(t *testing.T) {
	a := newAPI(t, plan{mode: modeHold, lines: []string{
		"not json",
		"{}",
		`{"data":{"id":"abc","text":"x","author_id":"1","created_at":"2025-01-01T00:00:00.000Z"}}`,
		`{"data":{"id":"5","text":"x"`, // truncated
		line(6, map[string]any{"text": "   "}),
		line(7, nil),
	}})
	w := &srctest.Writer{}
	e := start(t, config(t, a, t.TempDir()), w)
	srctest.WaitFor(t, "the good post", func() bool { return w.Len() == 1 })
	srctest.WaitFor(t, "the empty post to be rejected", func() bool { return e.rejected(x.ReasonEmptyText) == 1 })
	e.stop()
	if got := e.rejected(x.ReasonMalformed); got != 4 {
		t.Fatalf("rejected{malformed_post} = %v, want 4", got)
	}
	if n := len(a.streams()); n != 1 {
		t.Fatalf("%d connections; a malformed line must not drop the stream", n)
	}
}

// TestDisconnectBackfill: the stream ends after post 3; posts 4–160 are
// made during the gap; the new connection back-fills them from recent
// search (since_id=3, two pages by next_token) and drops the stream's
// first posts, already back-filled, as duplicates.
func TestDisconnectBackfill(t *testing.T) {
	var gap []int
	for i := 1; i <= 160; i++ {
		gap = append(gap, i)
	}
	a := newAPI(t,
		plan{mode: modeClose, lines: []string{line(1, nil), line(2, nil), "", line(3, nil)}},
		plan{mode: modeHold, lines: []string{line(159, nil), line(160, nil), line(161, nil)}},
	)
	a.post(gap...)
	w := &srctest.Writer{}
	e := start(t, config(t, a, t.TempDir()), w)
	srctest.WaitFor(t, "161 posts", func() bool { return w.Len() >= 161 })
	srctest.WaitFor(t, "the cursor", func() bool { return e.src.LastID() == "161" })
	e.stop()

	ids := sortedIDs(w.Mentions(t))
	if len(ids) != 161 || len(slices.Compact(slices.Clone(ids))) != 161 {
		t.Fatalf("published %d (%d distinct), want 161 posts exactly once", len(ids), len(slices.Compact(slices.Clone(ids))))
	}
	s := a.searches()
	if len(s) != 2 {
		t.Fatalf("%d searches, want 2 pages", len(s))
	}
	q0, q1 := s[0].URL.Query(), s[1].URL.Query()
	if q0.Get("since_id") != "3" || q0.Get("next_token") != "" || q1.Get("next_token") != "tok100" || q1.Get("since_id") != "3" ||
		q0.Get("query") != "@KLM -is:retweet" || q0.Get("max_results") != "100" || q0.Get("end_time") == "" || q0.Get("expansions") == "" {
		t.Fatalf("searches %s then %s", s[0].URL.RawQuery, s[1].URL.RawQuery)
	}
	if got := testutil.ToFloat64(e.sm.Duplicates); got != 2 {
		t.Fatalf("duplicates %v, want 2 (159 and 160 came by search and stream)", got)
	}
	if got := testutil.ToFloat64(e.sm.Reconnects); got != 1 {
		t.Fatalf("reconnects %v, want 1", got)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("closed")); got != 1 {
		t.Fatalf("errors{closed} = %v, want 1", got)
	}
}

// TestRestartBackfill: a new process back-fills from the saved cursor
// and publishes nothing twice; a first start back-fills backfill_window.
func TestRestartBackfill(t *testing.T) {
	state := t.TempDir()
	w := &srctest.Writer{}
	a := newAPI(t, plan{mode: modeHold, lines: []string{line(1, nil), line(2, nil)}}, plan{mode: modeHold})
	a.post(1, 2)
	cfg := config(t, a, state)
	cfg.BackfillWindow = 30 * time.Minute // base is an hour ago: 1 and 2 are older
	e1 := start(t, cfg, w)
	srctest.WaitFor(t, "the cursor", func() bool { return e1.src.LastID() == "2" })
	e1.stop()
	if s := a.searches(); len(s) != 1 || s[0].URL.Query().Get("start_time") == "" || s[0].URL.Query().Get("since_id") != "" {
		t.Fatalf("first start: %d searches, want one with start_time", len(s))
	}

	a.post(3, 4, 5) // made while earshot was down
	e2 := start(t, cfg, w)
	srctest.WaitFor(t, "5 posts", func() bool { return w.Len() >= 5 })
	e2.stop()
	if ids := sortedIDs(w.Mentions(t)); fmt.Sprint(ids) != "[x:1 x:2 x:3 x:4 x:5]" {
		t.Fatalf("published %v, want 1–5 once", ids)
	}
	if s := a.searches(); len(s) != 2 || s[1].URL.Query().Get("since_id") != "2" {
		t.Fatalf("restart back-fill: %d searches, want a second one from since_id=2", len(s))
	}
}

func TestUnauthorized(t *testing.T) {
	tests := []struct {
		name   string
		sync   bool
		status int
		reason string
	}{
		{"rules 401", true, 0, "rules_status_401"},
		{"stream 401", false, 0, "status_401"},
		{"stream 403", false, 403, "status_403"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, plan{status: tt.status, body: "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project."})
			cfg := config(t, a, t.TempDir())
			cfg.SyncRules = tt.sync
			if tt.status == 0 {
				t.Setenv("EARSHOT_TEST_X_TOKEN", "AAAA-revoked")
			}
			e := start(t, cfg, &srctest.Writer{})
			select {
			case <-e.finished:
			case <-time.After(20 * time.Second):
				t.Fatal("Run kept retrying a refused token")
			}
			err := *e.runErr
			want := strconv.Itoa(max(tt.status, 401))
			if !errors.Is(err, x.ErrUnauthorized) || !strings.Contains(err.Error(), want) {
				t.Fatalf("Run: %v, want ErrUnauthorized with status %s", err, want)
			}
			if got := testutil.ToFloat64(e.sm.ErrorCounter(tt.reason)); got != 1 {
				t.Fatalf("errors{%s} = %v, want 1", tt.reason, got)
			}
			if n := len(a.streams()); n > 1 {
				t.Fatalf("%d stream attempts, want at most 1", n)
			}
		})
	}
}

// TestRateLimited: a 429 with x-rate-limit-reset one second ahead; the
// source reconnects no earlier than the reset.
func TestRateLimited(t *testing.T) {
	reset := time.Now().Add(1500 * time.Millisecond).Truncate(time.Second).Add(time.Second)
	a := newAPI(t,
		plan{status: 429, header: map[string]string{"x-rate-limit-limit": "50", "x-rate-limit-remaining": "0", "x-rate-limit-reset": strconv.FormatInt(reset.Unix(), 10)}, body: "Too Many Requests"},
		plan{mode: modeHold, lines: []string{line(1, nil)}},
	)
	w := &srctest.Writer{}
	e := start(t, config(t, a, t.TempDir()), w)
	srctest.WaitFor(t, "the post", func() bool { return w.Len() == 1 })
	e.stop()
	a.mu.Lock()
	second := a.at[1]
	a.mu.Unlock()
	if second.Before(reset.Add(-50 * time.Millisecond)) {
		t.Fatalf("reconnected at %s, before x-rate-limit-reset %s", second.Format(time.StampMilli), reset.Format(time.StampMilli))
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("status_429")); got != 1 {
		t.Fatalf("errors{status_429} = %v, want 1", got)
	}
}

// TestSearchRateLimited: the back-fill's search is rate-limited once; it
// waits for the reset and completes without dropping the stream.
func TestSearchRateLimited(t *testing.T) {
	a := newAPI(t,
		plan{mode: modeClose, lines: []string{line(1, nil)}},
		plan{mode: modeHold},
	)
	a.searchErr = []plan{{status: 429, header: map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10)}}}
	a.post(1, 2, 3)
	w := &srctest.Writer{}
	e := start(t, config(t, a, t.TempDir()), w)
	srctest.WaitFor(t, "3 posts", func() bool { return w.Len() >= 3 })
	e.stop()
	if got := testutil.ToFloat64(e.sm.ErrorCounter("backfill_status_429")); got != 1 {
		t.Fatalf("errors{backfill_status_429} = %v, want 1", got)
	}
	if n := len(a.streams()); n != 2 {
		t.Fatalf("%d stream connections, want 2", n)
	}
}

// TestSearchQuotaExhausted: a search page leaves x-rate-limit-remaining
// at 0; the next page waits for x-rate-limit-reset.
func TestSearchQuotaExhausted(t *testing.T) {
	var posts []int
	for i := 1; i <= 150; i++ {
		posts = append(posts, i)
	}
	a := newAPI(t, plan{mode: modeClose, lines: []string{line(1, nil)}}, plan{mode: modeHold})
	a.post(posts...)
	reset := time.Now().Add(time.Second).Truncate(time.Second).Add(time.Second)
	a.searchErr = []plan{{header: map[string]string{"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": strconv.FormatInt(reset.Unix(), 10)}}}
	w := &srctest.Writer{}
	e := start(t, config(t, a, t.TempDir()), w)
	srctest.WaitFor(t, "150 posts", func() bool { return w.Len() >= 150 })
	e.stop()
	s := a.searches()
	if len(s) != 2 {
		t.Fatalf("%d searches, want 2 pages", len(s))
	}
	a.mu.Lock()
	second := a.searchAt[1]
	a.mu.Unlock()
	if second.Before(reset) {
		t.Fatalf("second page requested at %s, before x-rate-limit-reset %s", second.Format(time.StampMilli), reset.Format(time.StampMilli))
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("backfill_status_429")); got != 0 {
		t.Fatalf("errors{backfill_status_429} = %v; the source must wait instead of hitting the limit", got)
	}
}

// TestSearchRefused: X answers 400 to the back-fill's query; the stream
// goes on without the gap rather than reconnecting forever.
func TestSearchRefused(t *testing.T) {
	a := newAPI(t, plan{mode: modeClose, lines: []string{line(1, nil)}}, plan{mode: modeHold, lines: []string{line(5, nil)}})
	a.searchErr = []plan{{status: 400, body: "There were errors processing your request: Reference to invalid operator 'place_country'"}}
	w := &srctest.Writer{}
	e := start(t, config(t, a, t.TempDir()), w)
	srctest.WaitFor(t, "2 posts", func() bool { return w.Len() >= 2 })
	e.stop()
	if got := testutil.ToFloat64(e.sm.ErrorCounter("backfill_status_400")); got != 1 {
		t.Fatalf("errors{backfill_status_400} = %v, want 1", got)
	}
	if n := len(a.streams()); n != 2 {
		t.Fatalf("%d stream connections, want 2", n)
	}
}

// TestStalledStream: no post and no keep-alive for stall_timeout → the
// source reconnects and back-fills what it missed.
func TestStalledStream(t *testing.T) {
	a := newAPI(t, plan{mode: modeStall, lines: []string{line(1, nil)}}, plan{mode: modeHold})
	a.post(1, 2, 3)
	w := &srctest.Writer{}
	cfg := config(t, a, t.TempDir())
	cfg.StallTimeout = 300 * time.Millisecond
	e := start(t, cfg, w)
	srctest.WaitFor(t, "3 posts", func() bool { return w.Len() >= 3 })
	e.stop()
	if got := testutil.ToFloat64(e.sm.ErrorCounter("stall")); got != 1 {
		t.Fatalf("errors{stall} = %v, want 1", got)
	}
	if ids := sortedIDs(w.Mentions(t)); fmt.Sprint(ids) != "[x:1 x:2 x:3]" {
		t.Fatalf("published %v", ids)
	}
}

// TestOperationalDisconnect: X's disconnect message ends the connection;
// the source reconnects.
func TestOperationalDisconnect(t *testing.T) {
	a := newAPI(t,
		plan{mode: modeHold, lines: []string{line(1, nil), `{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect","detail":"This stream has been disconnected upstream for operational reasons.","type":"https://api.twitter.com/2/problems/operational-disconnect"}]}`}},
		plan{mode: modeHold, lines: []string{line(2, nil)}},
	)
	w := &srctest.Writer{}
	e := start(t, config(t, a, t.TempDir()), w)
	srctest.WaitFor(t, "2 posts", func() bool { return w.Len() >= 2 })
	e.stop()
	if got := testutil.ToFloat64(e.sm.ErrorCounter("operational_disconnect")); got != 1 {
		t.Fatalf("errors{operational_disconnect} = %v, want 1", got)
	}
}

func TestRulesSync(t *testing.T) {
	a := newAPI(t)
	a.rules = []map[string]string{
		{"id": "1", "value": "@KLM -is:retweet", "tag": "earshot:klm"},
		{"id": "2", "value": "@Transavia", "tag": "earshot:transavia"},     // no longer configured
		{"id": "3", "value": "@AirFrance", "tag": "earshot:af"},            // value changed
		{"id": "4", "value": "from:someone", "tag": "another-application"}, // not ours
	}
	cfg := config(t, a, t.TempDir())
	cfg.Rules = []x.Rule{{Value: "@KLM -is:retweet", Tag: "klm"}, {Value: "@AirFrance -is:retweet", Tag: "af"}, {Value: "@Delta"}}
	e := start(t, cfg, &srctest.Writer{})
	srctest.WaitFor(t, "the stream", func() bool { return len(a.streams()) == 1 })
	e.stop()
	a.mu.Lock()
	defer a.mu.Unlock()
	var got []string
	for _, r := range a.rules {
		got = append(got, r["value"]+"|"+r["tag"])
	}
	slices.Sort(got)
	want := []string{"@AirFrance -is:retweet|earshot:af", "@Delta|earshot:@Delta", "@KLM -is:retweet|earshot:klm", "from:someone|another-application"}
	if !slices.Equal(got, want) {
		t.Fatalf("rules after sync %q, want %q", got, want)
	}
	if len(a.rulesReq) != 3 || !strings.Contains(a.rulesReq[1], `"delete":{"ids":["2","3"]}`) {
		t.Fatalf("rules requests %q, want GET, delete 2 and 3, add", a.rulesReq)
	}
}

func TestRulesRejected(t *testing.T) {
	a := newAPI(t)
	cfg := config(t, a, t.TempDir())
	cfg.Rules = []x.Rule{{Value: "@KLM INVALID:op", Tag: "klm"}}
	e := start(t, cfg, &srctest.Writer{})
	select {
	case <-e.finished:
	case <-time.After(20 * time.Second):
		t.Fatal("Run kept going with a rejected rule")
	}
	if err := *e.runErr; !errors.Is(err, x.ErrRules) || !strings.Contains(err.Error(), "invalid operator") {
		t.Fatalf("Run: %v, want ErrRules naming the rule's problem", err)
	}
	if n := len(a.streams()); n != 0 {
		t.Fatalf("%d stream connections, want 0", n)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*x.Config)
		wantErr string
	}{
		{"ok", func(*x.Config) {}, ""},
		{"api url", func(c *x.Config) { c.APIURL = "api.x.com" }, "ingest_x.api_url"},
		{"no rules", func(c *x.Config) { c.Rules = nil }, "ingest_x.rules"},
		{"no rules, not synced", func(c *x.Config) { c.Rules = nil; c.SyncRules = false; c.BackfillPages = 0 }, ""},
		{"no rules, not synced, back-fill", func(c *x.Config) { c.Rules = nil; c.SyncRules = false }, "ingest_x.backfill_query"},
		{"empty rule", func(c *x.Config) { c.Rules = []x.Rule{{Value: " "}} }, "ingest_x.rules[0].value"},
		{"duplicate tag", func(c *x.Config) { c.Rules = []x.Rule{{Value: "a", Tag: "t"}, {Value: "b", Tag: "t"}} }, "ingest_x.rules[1].tag"},
		{"window", func(c *x.Config) { c.BackfillWindow = 8 * 24 * time.Hour }, "ingest_x.backfill_window"},
		{"token", func(c *x.Config) { c.TokenEnv = "" }, "ingest_x.token_file"},
		{"stall", func(c *x.Config) { c.StallTimeout = 0 }, "ingest_x.stall_timeout"},
		{"http backoff", func(c *x.Config) { c.HTTPBackoffMax = time.Second }, "ingest_x.http_backoff_min"},
		{"state dir", func(c *x.Config) { c.StateDir = "" }, "ingest_x.state_dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := x.DefaultConfig()
			c.Rules = []x.Rule{{Value: "@KLM", Tag: "klm"}}
			tt.mod(&c)
			err := c.Validate()
			if (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func testLog(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
