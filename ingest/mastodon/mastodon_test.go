package mastodon_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srctest"
	"github.com/earshot-dev/earshot/ingest/internal/srcutil"
	"github.com/earshot-dev/earshot/ingest/mastodon"
	"github.com/earshot-dev/earshot/mention"
)

type env struct {
	src      *mastodon.Source
	sm       *srcutil.For
	im       *ingest.Metrics
	stop     func() error
	finished chan struct{} // closed when Run returned
	runErr   *error
}

func config(tb testing.TB, in *instance, stateDir string) mastodon.Config {
	tb.Helper()
	tb.Setenv("EARSHOT_TEST_MASTODON_TOKEN", goodToken)
	cfg := mastodon.DefaultConfig()
	cfg.Server = in.URL
	cfg.TokenEnv = "EARSHOT_TEST_MASTODON_TOKEN"
	cfg.StateDir = stateDir
	cfg.BackoffMin = 10 * time.Millisecond
	cfg.BackoffMax = 50 * time.Millisecond
	return cfg
}

func start(tb testing.TB, cfg mastodon.Config, w *srctest.Writer) *env {
	tb.Helper()
	reg := prometheus.NewRegistry()
	pc := ingest.DefaultPublisherConfig()
	pc.FlushInterval = 10 * time.Millisecond
	src, err := mastodon.New(cfg, mastodon.Options{Writer: w, Metrics: ingest.NewMetrics(reg), Registerer: reg, Publisher: pc})
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
	return &env{src: src, sm: srcutil.NewMetrics(reg).For(mastodon.SourceName), im: ingest.NewMetrics(reg), stop: stop, finished: finished, runErr: &runErr}
}

func (e *env) rejected(reason string) float64 {
	return testutil.ToFloat64(e.im.Rejected.WithLabelValues(mastodon.SourceName, reason))
}

func sortedIDs(ms []*mention.Mention) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestNormalStream(t *testing.T) {
	in := newInstance(t)
	host := in.host()
	qid := func(id int) string { return fmt.Sprintf("mastodon:%s/%d", host, id) }
	klmReply := update(2, map[string]any{
		"in_reply_to_id": "1", "in_reply_to_account_id": "100", "language": "EN",
		"content":  `<p><span class="h-card"><a href="https://social.example/@alice" class="u-url mention">@<span>alice</span></a></span> Sorry! Please DM us.<br>^JD</p>`,
		"account":  map[string]any{"id": "9", "username": "KLM", "acct": "KLM", "display_name": "KLM", "followers_count": 5000},
		"mentions": []any{map[string]any{"id": "100", "username": "alice", "acct": "alice"}},
	})
	remoteReply := update(3, map[string]any{
		"in_reply_to_id": "2", "spoiler_text": "travel rant",
		"content":  "<p>still waiting &amp; no bag</p>",
		"account":  map[string]any{"id": "200", "username": "bob", "acct": "bob@other.example", "display_name": "Bob"},
		"mentions": []any{},
	})
	boost := "event: update\ndata: " + `{"id":"50","created_at":"2025-03-01T12:01:00.000Z","account":{"id":"300","acct":"carol"},"content":"","reblog":` + status(4, nil) + "}\n\n"
	in.plans = []plan{{mode: modeHold, events: []string{
		update(1, nil),
		":thump\n",
		klmReply,
		"event: delete\ndata: 77\n\n",
		"event: status.update\ndata: " + status(1, map[string]any{"content": "<p>edited</p>"}) + "\n\n",
		remoteReply,
		"event: notification\ndata: {\"id\":\"1\",\"type\":\"mention\"}\n\n",
		boost,
	}}}
	w := &srctest.Writer{}
	e := start(t, config(t, in, t.TempDir()), w)
	srctest.WaitFor(t, "4 statuses", func() bool { return w.Len() >= 4 })
	srctest.WaitFor(t, "the cursor", func() bool { return e.src.LastID() == "4" })
	e.stop()

	if r := in.streams()[0]; r.URL.Path != "/api/v1/streaming/public" || r.Header.Get("Authorization") != "Bearer "+goodToken {
		t.Fatalf("stream request %s with Authorization %q", r.URL, r.Header.Get("Authorization"))
	}
	got := map[string]*mention.Mention{}
	for _, m := range w.Mentions(t) {
		got[m.ID] = m
	}
	if len(got) != 4 || w.Len() != 4 {
		t.Fatalf("published %v, want statuses 1–4 once (edits, deletes, notifications ignored)", sortedIDs(w.Mentions(t)))
	}
	tests := []struct {
		id                        int
		inReplyTo, conv, handle   string
		text, lang, created       string
		followers, likes, reposts int64
	}{
		{1, "", qid(1), "alice@" + host, "status 1 about @KLM", "en", "2025-03-01T12:00:01Z", 42, 2, 1},
		{2, qid(1), qid(1), "KLM@" + host, "@alice Sorry! Please DM us.\n^JD", "en", "2025-03-01T12:00:02Z", 5000, 2, 1},
		// The parent (2) was seen, so the root is known: 1.
		{3, qid(2), qid(1), "bob@other.example", "travel rant\n\nstill waiting & no bag", "en", "2025-03-01T12:00:03Z", 0, 2, 1},
		// A boost publishes the boosted status.
		{4, "", qid(4), "alice@" + host, "status 4 about @KLM", "en", "2025-03-01T12:00:04Z", 42, 2, 1},
	}
	for _, tt := range tests {
		m := got[qid(tt.id)]
		if m == nil {
			t.Errorf("missing %s", qid(tt.id))
			continue
		}
		if m.InReplyTo != tt.inReplyTo || m.ConversationID != tt.conv || m.Author.Handle != tt.handle {
			t.Errorf("%d: in_reply_to %q conversation %q handle %q, want %q %q %q", tt.id, m.InReplyTo, m.ConversationID, m.Author.Handle, tt.inReplyTo, tt.conv, tt.handle)
		}
		if m.Text != tt.text || m.Lang != tt.lang || m.CreatedAt.Format(time.RFC3339) != tt.created {
			t.Errorf("%d: text %q lang %q created %s, want %q %q %s", tt.id, m.Text, m.Lang, m.CreatedAt.Format(time.RFC3339), tt.text, tt.lang, tt.created)
		}
		if m.Author.Followers != tt.followers || m.Engagement == nil || m.Engagement.Likes != tt.likes || m.Engagement.Reposts != tt.reposts {
			t.Errorf("%d: followers %d engagement %+v", tt.id, m.Author.Followers, m.Engagement)
		}
		if m.NativeID != fmt.Sprintf("%s/%d", host, tt.id) || m.Platform != "mastodon" {
			t.Errorf("%d: native id %q platform %q", tt.id, m.NativeID, m.Platform)
		}
	}
	if ms := got[qid(1)].Extra["mentions"]; fmt.Sprint(ms) != "[KLM@"+host+"]" {
		t.Errorf("mentions %v, want the full acct", ms)
	}
	if got := testutil.ToFloat64(e.sm.Received); got != 7 {
		t.Errorf("events received %v, want 7 (heartbeats are not events)", got)
	}
}

func TestMalformedEvent(t *testing.T) {
	in := newInstance(t, plan{mode: modeHold, events: []string{
		"event: update\ndata: not json\n\n",
		"event: update\ndata: {}\n\n",
		"event: update\ndata: {\"id\":\"5\",\n\n", // truncated object
		"event: update\ndata: " + status(6, map[string]any{"content": "<p> </p>"}) + "\n\n",
		"data: no event name\n\n",
		update(7, nil),
	}})
	w := &srctest.Writer{}
	e := start(t, config(t, in, t.TempDir()), w)
	srctest.WaitFor(t, "the good status", func() bool { return w.Len() == 1 })
	srctest.WaitFor(t, "the empty status to be rejected", func() bool { return e.rejected(mastodon.ReasonEmptyText) == 1 })
	e.stop()
	if got := e.rejected(mastodon.ReasonMalformed); got != 3 {
		t.Fatalf("rejected{malformed_event} = %v, want 3", got)
	}
	if n := len(in.streams()); n != 1 {
		t.Fatalf("%d connections; a malformed event must not drop the stream", n)
	}
}

// TestDisconnectBackfill: the stream ends after status 3; 52 statuses are
// posted during the gap; the new connection back-fills them from the REST
// timeline (two pages, min_id paging) and the stream's first events,
// already back-filled, are dropped as duplicates.
func TestDisconnectBackfill(t *testing.T) {
	in := newInstance(t,
		plan{mode: modeClose, events: []string{update(1, nil), update(2, nil), update(3, nil)}},
		plan{mode: modeHold, events: []string{update(54, nil), update(55, nil), update(56, nil)}},
	)
	gap := []int{}
	for i := 1; i <= 55; i++ {
		gap = append(gap, i)
	}
	in.post(gap...) // the timeline has every status; 56 is posted after the back-fill
	w := &srctest.Writer{}
	e := start(t, config(t, in, t.TempDir()), w)
	srctest.WaitFor(t, "56 statuses", func() bool { return w.Len() >= 56 })
	srctest.WaitFor(t, "the cursor", func() bool { return e.src.LastID() == "56" })
	e.stop()

	ids := sortedIDs(w.Mentions(t))
	if len(ids) != 56 || len(slices.Compact(slices.Clone(ids))) != 56 {
		t.Fatalf("published %d (%d distinct), want 56 statuses exactly once", len(ids), len(slices.Compact(slices.Clone(ids))))
	}
	rest := in.rests()
	if len(rest) != 2 || rest[0].URL.Query().Get("min_id") != "3" || rest[1].URL.Query().Get("min_id") != "43" || rest[0].URL.Path != "/api/v1/timelines/public" {
		var qs []string
		for _, r := range rest {
			qs = append(qs, r.URL.String())
		}
		t.Fatalf("back-fill requests %v, want min_id=3 then min_id=43 on /api/v1/timelines/public", qs)
	}
	if got := testutil.ToFloat64(e.sm.Duplicates); got != 2 {
		t.Fatalf("duplicates %v, want 2 (54 and 55 came by back-fill and stream)", got)
	}
	if got := testutil.ToFloat64(e.sm.Reconnects); got != 1 {
		t.Fatalf("reconnects %v, want 1", got)
	}
}

// TestRestartBackfill: a new process back-fills from the saved cursor.
func TestRestartBackfill(t *testing.T) {
	state := t.TempDir()
	w := &srctest.Writer{}
	in := newInstance(t, plan{mode: modeHold, events: []string{update(1, nil), update(2, nil)}}, plan{mode: modeHold})
	e1 := start(t, config(t, in, state), w)
	srctest.WaitFor(t, "the cursor", func() bool { return e1.src.LastID() == "2" })
	e1.stop()
	if n := len(in.rests()); n != 0 {
		t.Fatalf("%d back-fill requests before any cursor existed, want 0", n)
	}

	in.post(1, 2, 3, 4, 5) // posted while earshot was down
	e2 := start(t, config(t, in, state), w)
	srctest.WaitFor(t, "5 statuses", func() bool { return w.Len() >= 5 })
	e2.stop()
	if ids := sortedIDs(w.Mentions(t)); len(ids) != 5 || len(slices.Compact(ids)) != 5 {
		t.Fatalf("published %v, want 1–5 once", ids)
	}
	if r := in.rests(); len(r) != 1 || r[0].URL.Query().Get("min_id") != "2" {
		t.Fatalf("restart back-fill: %d requests, want one from min_id=2", len(r))
	}
}

func TestInvalidToken(t *testing.T) {
	in := newInstance(t)
	cfg := config(t, in, t.TempDir())
	t.Setenv("EARSHOT_TEST_MASTODON_TOKEN", "tok-revoked-000000000")
	e := start(t, cfg, &srctest.Writer{})
	select {
	case <-e.finished:
	case <-time.After(20 * time.Second):
		t.Fatal("Run kept retrying a refused token")
	}
	err := *e.runErr
	if !errors.Is(err, mastodon.ErrUnauthorized) || !strings.Contains(err.Error(), "The access token is invalid") || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Run: %v, want ErrUnauthorized with the status and the server's message", err)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("status_401")); got != 1 {
		t.Fatalf("errors{status_401} = %v, want 1", got)
	}
	if n := len(in.streams()); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
}

func TestRateLimited(t *testing.T) {
	in := newInstance(t, plan{status: 429, retryAfter: "1"}, plan{mode: modeHold, events: []string{update(1, nil)}})
	w := &srctest.Writer{}
	e := start(t, config(t, in, t.TempDir()), w)
	srctest.WaitFor(t, "the status", func() bool { return w.Len() == 1 })
	e.stop()
	in.mu.Lock()
	gap := in.at[1].Sub(in.at[0])
	in.mu.Unlock()
	if gap < 900*time.Millisecond {
		t.Fatalf("reconnected %s after a 429 with Retry-After: 1", gap)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("status_429")); got != 1 {
		t.Fatalf("errors{status_429} = %v, want 1", got)
	}
}

// TestStalledStream: no event and no heartbeat for read_timeout → the
// source reconnects and back-fills what it missed.
func TestStalledStream(t *testing.T) {
	in := newInstance(t, plan{mode: modeStall, events: []string{update(1, nil)}}, plan{mode: modeHold})
	in.post(1, 2, 3)
	w := &srctest.Writer{}
	cfg := config(t, in, t.TempDir())
	cfg.ReadTimeout = time.Second
	e := start(t, cfg, w)
	srctest.WaitFor(t, "3 statuses", func() bool { return w.Len() >= 3 })
	e.stop()
	if got := testutil.ToFloat64(e.sm.ErrorCounter("read_timeout")); got != 1 {
		t.Fatalf("errors{read_timeout} = %v, want 1", got)
	}
	if n := len(sortedIDs(w.Mentions(t))); n != 3 {
		t.Fatalf("published %d, want 3", n)
	}
}

func TestStreams(t *testing.T) {
	tests := []struct {
		stream, tag, list string
		wantStream        string
		wantREST          string
	}{
		{mastodon.StreamHashtag, "#KLM", "", "/api/v1/streaming/hashtag?tag=KLM", "/api/v1/timelines/tag/KLM?limit=40&min_id=1"},
		{mastodon.StreamPublicLocal, "", "", "/api/v1/streaming/public/local", "/api/v1/timelines/public?limit=40&local=true&min_id=1"},
		{mastodon.StreamList, "", "42", "/api/v1/streaming/list?list=42", "/api/v1/timelines/list/42?limit=40&min_id=1"},
		{mastodon.StreamUser, "", "", "/api/v1/streaming/user", "/api/v1/timelines/home?limit=40&min_id=1"},
	}
	for _, tt := range tests {
		t.Run(tt.stream, func(t *testing.T) {
			in := newInstance(t, plan{mode: modeClose, events: []string{update(1, nil)}}, plan{mode: modeHold})
			cfg := config(t, in, t.TempDir())
			cfg.Stream, cfg.Tag, cfg.List = tt.stream, tt.tag, tt.list
			w := &srctest.Writer{}
			e := start(t, cfg, w)
			srctest.WaitFor(t, "the back-fill", func() bool { return len(in.rests()) == 1 })
			e.stop()
			if got := in.streams()[0].URL.RequestURI(); got != tt.wantStream {
				t.Errorf("stream %s, want %s", got, tt.wantStream)
			}
			if got := in.rests()[0].URL.RequestURI(); got != tt.wantREST {
				t.Errorf("back-fill %s, want %s", got, tt.wantREST)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*mastodon.Config)
		wantErr string
	}{
		{"ok", func(*mastodon.Config) {}, ""},
		{"no server", func(c *mastodon.Config) { c.Server = "" }, "ingest_mastodon.server"},
		{"server with path", func(c *mastodon.Config) { c.Server = "https://mastodon.social/api" }, "ingest_mastodon.server"},
		{"bad stream", func(c *mastodon.Config) { c.Stream = "federated" }, "ingest_mastodon.stream"},
		{"hashtag without tag", func(c *mastodon.Config) { c.Stream = mastodon.StreamHashtag }, "ingest_mastodon.tag"},
		{"list without id", func(c *mastodon.Config) { c.Stream = mastodon.StreamList }, "ingest_mastodon.list"},
		{"user without token", func(c *mastodon.Config) { c.Stream = mastodon.StreamUser; c.TokenEnv = "" }, "ingest_mastodon.token_file"},
		{"short read timeout", func(c *mastodon.Config) { c.ReadTimeout = time.Millisecond }, "ingest_mastodon.read_timeout"},
		{"state dir", func(c *mastodon.Config) { c.StateDir = "" }, "ingest_mastodon.state_dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mastodon.DefaultConfig()
			c.Server = "https://mastodon.social"
			tt.mod(&c)
			err := c.Validate()
			if (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
