package bluesky_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/bluesky"
	"github.com/earshot-dev/earshot/ingest/internal/srctest"
	"github.com/earshot-dev/earshot/ingest/internal/srcutil"
	"github.com/earshot-dev/earshot/mention"
)

const (
	alice = "did:plc:alice5xqvdhtfgj3cqwm5kd"
	bob   = "did:plc:bob7ymkmbzlnv4r6xs5b3gq"
	klm   = "did:plc:klm2zwfxyyk5pzr3ovyfsmp"
)

type env struct {
	src  *bluesky.Source
	w    *srctest.Writer
	sm   *srcutil.For
	im   *ingest.Metrics
	stop func() error
}

func config(tb testing.TB, js *jetstream, stateDir string) bluesky.Config {
	tb.Helper()
	cfg := bluesky.DefaultConfig()
	cfg.Endpoint = js.wsURL()
	cfg.StateDir = stateDir
	cfg.BackoffMin = 10 * time.Millisecond
	cfg.BackoffMax = 50 * time.Millisecond
	cfg.PingInterval = time.Hour
	return cfg
}

func start(tb testing.TB, cfg bluesky.Config, w *srctest.Writer) *env {
	tb.Helper()
	reg := prometheus.NewRegistry()
	pc := ingest.DefaultPublisherConfig()
	pc.FlushInterval = 10 * time.Millisecond
	src, err := bluesky.New(cfg, bluesky.Options{Writer: w, Metrics: ingest.NewMetrics(reg), Registerer: reg, Publisher: pc})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	stopped := false
	var runErr error
	stop := func() error {
		if stopped {
			return runErr
		}
		stopped = true
		cancel()
		select {
		case runErr = <-done:
		case <-time.After(20 * time.Second):
			tb.Fatal("Run did not return after cancel")
		}
		return runErr
	}
	tb.Cleanup(func() { stop() })
	return &env{src: src, w: w, sm: srcutil.NewMetrics(reg).For(bluesky.SourceName), im: ingest.NewMetrics(reg), stop: stop}
}

func (e *env) rejected(reason string) float64 {
	return testutil.ToFloat64(e.im.Rejected.WithLabelValues(bluesky.SourceName, reason))
}

func ids(ms []*mention.Mention) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func uri(did, rkey string) string { return "at://" + did + "/app.bsky.feed.post/" + rkey }

func TestNormalEvents(t *testing.T) {
	identity := rawFrame(0, fmt.Sprintf(`{"did":%q,"time_us":%d,"kind":"identity","identity":{"did":%q,"handle":"alice.example.com","seq":1409752997,"time":"2025-03-01T12:00:00.000Z"}}`, alice, us(0), alice))
	account := rawFrame(1, fmt.Sprintf(`{"did":%q,"time_us":%d,"kind":"account","account":{"active":true,"did":%q,"seq":1409753013,"time":"2025-03-01T12:00:01.000Z"}}`, bob, us(1), bob))
	root := postFrame(2, alice, "3lroot", map[string]any{
		"text": "@klm.com my bag is lost",
		"facets": []any{map[string]any{
			"index":    map[string]any{"byteStart": 0, "byteEnd": 8},
			"features": []any{map[string]any{"$type": "app.bsky.richtext.facet#mention", "did": klm}},
		}},
	})
	reply := postFrame(3, klm, "3lreply", map[string]any{
		"text":  "Sorry to hear that! Please DM us your file reference.",
		"langs": []string{"EN", "nl"},
		"reply": map[string]any{
			"root":   map[string]any{"uri": uri(alice, "3lroot"), "cid": "bafyroot"},
			"parent": map[string]any{"uri": uri(alice, "3lroot"), "cid": "bafyroot"},
		},
	})
	deepReply := postFrame(4, alice, "3ldeep", map[string]any{
		"text": "done, thanks",
		"reply": map[string]any{
			"root":   map[string]any{"uri": uri(alice, "3lroot"), "cid": "bafyroot"},
			"parent": map[string]any{"uri": uri(klm, "3lreply"), "cid": "bafyreply"},
		},
	})
	quote := postFrame(5, bob, "3lquote", map[string]any{
		"text":  "this keeps happening",
		"embed": map[string]any{"$type": "app.bsky.embed.record", "record": map[string]any{"uri": uri(alice, "3lroot"), "cid": "bafyroot"}},
	})
	quoteMedia := postFrame(6, bob, "3lqmedia", map[string]any{
		"text": "photo of the queue",
		"embed": map[string]any{"$type": "app.bsky.embed.recordWithMedia",
			"record": map[string]any{"$type": "app.bsky.embed.record", "record": map[string]any{"uri": uri(klm, "3lreply"), "cid": "bafyreply"}},
			"media":  map[string]any{"$type": "app.bsky.embed.images", "images": []any{}}},
	})
	badClock := postFrame(7, bob, "3lclock", map[string]any{"text": "my clock is wrong", "createdAt": "2099-01-01T00:00:00Z"})
	del := rawFrame(8, fmt.Sprintf(`{"did":%q,"time_us":%d,"kind":"commit","commit":{"rev":"3lx","operation":"delete","collection":"app.bsky.feed.post","rkey":"3lquote"}}`, bob, us(8)))
	like := rawFrame(9, fmt.Sprintf(`{"did":%q,"time_us":%d,"kind":"commit","commit":{"rev":"3ly","operation":"create","collection":"app.bsky.feed.like","rkey":"3llike","record":{"$type":"app.bsky.feed.like"}}}`, bob, us(9)))
	js := newJetstream(t, []frame{identity, account, root, reply, deepReply, quote, quoteMedia, badClock, del, like})

	w := &srctest.Writer{}
	cfg := config(t, js, t.TempDir())
	cfg.WantedDids = []string{alice, bob, klm}
	e := start(t, cfg, w)
	srctest.WaitFor(t, "6 posts", func() bool { return w.Len() >= 6 })
	srctest.WaitFor(t, "the cursor to be saved", func() bool { return e.src.Cursor() == us(7) })
	if err := e.stop(); err != nil {
		t.Fatal(err)
	}

	q := js.connections()[0]
	if q.Get("wantedCollections") != "app.bsky.feed.post" || !slices.Equal(q["wantedDids"], cfg.WantedDids) || q.Has("cursor") {
		t.Fatalf("first subscribe query %v: want wantedCollections, the three wantedDids and no cursor", q)
	}
	got := map[string]*mention.Mention{}
	for _, m := range w.Mentions(t) {
		got[m.ID] = m
	}
	if len(got) != 6 || w.Len() != 6 {
		t.Fatalf("published %v, want the 6 created posts once", ids(w.Mentions(t)))
	}
	rootID := "bluesky:" + uri(alice, "3lroot")
	replyID := "bluesky:" + uri(klm, "3lreply")
	tests := []struct {
		id, inReplyTo, conversation, quoted, handle, lang, created string
	}{
		{rootID, "", rootID, "", "alice.example.com", "en", "2025-03-01T12:00:01.8Z"},
		{replyID, rootID, rootID, "", "", "en", "2025-03-01T12:00:02.8Z"},
		{"bluesky:" + uri(alice, "3ldeep"), replyID, rootID, "", "alice.example.com", "en", "2025-03-01T12:00:03.8Z"},
		{"bluesky:" + uri(bob, "3lquote"), "", "bluesky:" + uri(bob, "3lquote"), rootID, "", "en", "2025-03-01T12:00:04.8Z"},
		{"bluesky:" + uri(bob, "3lqmedia"), "", "bluesky:" + uri(bob, "3lqmedia"), replyID, "", "en", "2025-03-01T12:00:05.8Z"},
		// A createdAt ahead of the relay's clock falls back to time_us.
		{"bluesky:" + uri(bob, "3lclock"), "", "bluesky:" + uri(bob, "3lclock"), "", "", "en", "2025-03-01T12:00:07Z"},
	}
	for _, tt := range tests {
		m := got[tt.id]
		if m == nil {
			t.Errorf("missing %s", tt.id)
			continue
		}
		if m.InReplyTo != tt.inReplyTo || m.ConversationID != tt.conversation || m.QuotedID != tt.quoted {
			t.Errorf("%s: in_reply_to %q conversation %q quoted %q, want %q %q %q", tt.id, m.InReplyTo, m.ConversationID, m.QuotedID, tt.inReplyTo, tt.conversation, tt.quoted)
		}
		if m.Author.Handle != tt.handle || m.Lang != tt.lang || m.CreatedAt.Format(time.RFC3339Nano) != tt.created {
			t.Errorf("%s: handle %q lang %q created %s, want %q %q %s", tt.id, m.Author.Handle, m.Lang, m.CreatedAt.Format(time.RFC3339Nano), tt.handle, tt.lang, tt.created)
		}
		if m.Platform != "bluesky" || m.NativeID != strings.TrimPrefix(m.ID, "bluesky:") || !strings.HasPrefix(m.URL, "https://bsky.app/profile/did:plc:") {
			t.Errorf("%s: platform %q native %q url %q", tt.id, m.Platform, m.NativeID, m.URL)
		}
	}
	ms, ok := got[rootID].Extra["mentions"].([]any)
	if !ok || len(ms) != 1 || ms[0].(map[string]any)["did"] != klm || ms[0].(map[string]any)["handle"] != "klm.com" {
		t.Fatalf("root mentions %v, want klm.com with its DID", got[rootID].Extra)
	}
	if got := testutil.ToFloat64(e.sm.Received); got != 10 {
		t.Fatalf("events received %v, want 10", got)
	}
}

func TestMalformedFrames(t *testing.T) {
	frames := []frame{
		rawFrame(0, "not json at all"),
		rawFrame(1, `{"kind":"commit","time_us":1}`),
		{us: us(2), data: `{"did":"x"}`, binary: true},
		rawFrame(3, fmt.Sprintf(`{"did":%q,"time_us":%d,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"3lbad","record":"not an object"}}`, bob, us(3))),
		postFrame(4, bob, "3lempty", map[string]any{"text": "   "}),
		rawFrame(5, `[1,2,3]`),
		postFrame(6, alice, "3lgood", nil),
	}
	js := newJetstream(t, frames)
	w := &srctest.Writer{}
	e := start(t, config(t, js, t.TempDir()), w)
	srctest.WaitFor(t, "the good post", func() bool { return w.Len() == 1 })
	srctest.WaitFor(t, "every frame to be handled", func() bool { return e.rejected("invalid_text") == 1 })
	e.stop()
	for reason, want := range map[string]float64{bluesky.ReasonMalformed: 4, bluesky.ReasonBadRecord: 1, "invalid_text": 1} {
		if got := e.rejected(reason); got != want {
			t.Errorf("rejected{%s} = %v, want %v", reason, got, want)
		}
	}
	if n := len(js.connections()); n != 1 {
		t.Fatalf("%d connections; malformed frames must not drop the connection", n)
	}
}

// TestDisconnectResume: the server closes the connection after five of
// ten posts; the source reconnects with its cursor (minus the rewind),
// the server replays from there, and every post is published exactly once.
func TestDisconnectResume(t *testing.T) {
	var frames []frame
	for i := 1; i <= 10; i++ {
		frames = append(frames, postFrame(i, alice, fmt.Sprintf("3lp%02d", i), nil))
	}
	js := newJetstream(t, frames, plan{limit: 5, mode: modeClose}, plan{mode: modeHold})
	w := &srctest.Writer{}
	e := start(t, config(t, js, t.TempDir()), w)
	srctest.WaitFor(t, "10 posts", func() bool { return w.Len() >= 10 })
	srctest.WaitFor(t, "the cursor of the last post", func() bool { return e.src.Cursor() == us(10) })
	e.stop()

	got := ids(w.Mentions(t))
	if len(got) != 10 || len(slices.Compact(slices.Sorted(slices.Values(got)))) != 10 {
		t.Fatalf("published %v, want 10 distinct posts once each", got)
	}
	conns := js.connections()
	if len(conns) != 2 {
		t.Fatalf("%d connections, want 2", len(conns))
	}
	want := us(5) - (2 * time.Second).Microseconds()
	if c, _ := strconv.ParseInt(conns[1].Get("cursor"), 10, 64); c != want {
		t.Fatalf("resumed with cursor %d, want %d (last event − 2 s rewind)", c, want)
	}
	if got := testutil.ToFloat64(e.sm.Duplicates); got != 3 {
		t.Fatalf("duplicates %v, want 3 (posts 3–5 replayed by the rewind)", got)
	}
	if got := testutil.ToFloat64(e.sm.Reconnects); got != 1 {
		t.Fatalf("reconnects %v, want 1", got)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("closed")); got != 1 {
		t.Fatalf("errors{closed} %v, want 1", got)
	}
}

// TestRestartResumesFromSavedCursor: a new process resumes from the cursor
// the previous one saved, and publishes only what is new.
func TestRestartResumesFromSavedCursor(t *testing.T) {
	var frames []frame
	for i := 1; i <= 6; i++ {
		frames = append(frames, postFrame(i*10, bob, fmt.Sprintf("3lr%02d", i), nil))
	}
	state := t.TempDir()
	w := &srctest.Writer{}

	js1 := newJetstream(t, frames[:3])
	e1 := start(t, config(t, js1, state), w)
	srctest.WaitFor(t, "3 posts acknowledged", func() bool { return e1.src.Cursor() == us(30) })
	if err := e1.stop(); err != nil {
		t.Fatal(err)
	}

	js2 := newJetstream(t, frames)
	e2 := start(t, config(t, js2, state), w)
	srctest.WaitFor(t, "6 posts", func() bool { return w.Len() >= 6 })
	srctest.WaitFor(t, "the new cursor", func() bool { return e2.src.Cursor() == us(60) })
	e2.stop()
	if c := js2.connections()[0].Get("cursor"); c != strconv.FormatInt(us(30)-2_000_000, 10) {
		t.Fatalf("restart subscribed with cursor %s, want the saved one minus the rewind", c)
	}
	if got := ids(w.Mentions(t)); len(got) != 6 {
		t.Fatalf("published %v, want 6 posts once each", got)
	}
}

// TestStalledServer: the server stops sending; a stalled server (no pongs)
// is detected by the ping, a quiet one by the read timeout; either way the
// source reconnects and loses nothing.
func TestStalledServer(t *testing.T) {
	tests := []struct {
		name   string
		mode   string
		mod    func(*bluesky.Config)
		reason string
	}{
		{"no pong", modeStall, func(c *bluesky.Config) { c.PingInterval, c.PingTimeout = 50*time.Millisecond, 200*time.Millisecond }, "ping_timeout"},
		{"read timeout", modeQuiet, func(c *bluesky.Config) { c.ReadTimeout = 300 * time.Millisecond }, "read_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var frames []frame
			for i := 1; i <= 4; i++ {
				frames = append(frames, postFrame(i, alice, fmt.Sprintf("3ls%02d", i), nil))
			}
			js := newJetstream(t, frames, plan{limit: 2, mode: tt.mode}, plan{mode: modeHold})
			w := &srctest.Writer{}
			cfg := config(t, js, t.TempDir())
			tt.mod(&cfg)
			e := start(t, cfg, w)
			srctest.WaitFor(t, "4 posts", func() bool { return w.Len() >= 4 })
			e.stop()
			if got := testutil.ToFloat64(e.sm.ErrorCounter(tt.reason)); got != 1 {
				t.Fatalf("errors{%s} = %v, want 1", tt.reason, got)
			}
			if n := len(w.Mentions(t)); n != 4 {
				t.Fatalf("published %d, want 4", n)
			}
		})
	}
}

func TestRateLimitedUpgrade(t *testing.T) {
	js := newJetstream(t, []frame{postFrame(1, alice, "3lrl", nil)}, plan{status: 429, retryAfter: "1"}, plan{mode: modeHold})
	w := &srctest.Writer{}
	e := start(t, config(t, js, t.TempDir()), w)
	srctest.WaitFor(t, "the post", func() bool { return w.Len() == 1 })
	e.stop()
	js.mu.Lock()
	gap := js.at[1].Sub(js.at[0])
	js.mu.Unlock()
	if gap < 900*time.Millisecond {
		t.Fatalf("reconnected %s after a 429 with Retry-After: 1", gap)
	}
	if got := testutil.ToFloat64(e.sm.ErrorCounter("status_429")); got != 1 {
		t.Fatalf("errors{status_429} = %v, want 1", got)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*bluesky.Config)
		wantErr string
	}{
		{"defaults", func(*bluesky.Config) {}, ""},
		{"http endpoint", func(c *bluesky.Config) { c.Endpoint = "https://jetstream2.us-east.bsky.network/subscribe" }, "ingest_bluesky.endpoint"},
		{"query in endpoint", func(c *bluesky.Config) { c.Endpoint += "?cursor=1" }, "ingest_bluesky.endpoint"},
		{"handle instead of did", func(c *bluesky.Config) { c.WantedDids = []string{"klm.com"} }, "ingest_bluesky.wanted_dids[0]"},
		{"negative rewind", func(c *bluesky.Config) { c.Rewind = -time.Second }, "ingest_bluesky.rewind"},
		{"no ping", func(c *bluesky.Config) { c.PingInterval = 0 }, "ping_interval"},
		{"backoff", func(c *bluesky.Config) { c.BackoffMax = 0 }, "backoff_min/backoff_max"},
		{"state dir", func(c *bluesky.Config) { c.StateDir = "" }, "ingest_bluesky.state_dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := bluesky.DefaultConfig()
			tt.mod(&c)
			err := c.Validate()
			if (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
