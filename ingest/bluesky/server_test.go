package bluesky_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// frame is one message the test Jetstream sends; us orders it for cursors.
type frame struct {
	us     int64
	data   string
	binary bool
}

// Modes of a test connection once its frames are sent.
const (
	modeHold  = "hold"  // keep the connection, answer pings
	modeClose = "close" // close it (going away)
	modeStall = "stall" // neither write nor read: pings go unanswered
	modeQuiet = "quiet" // answer pings, send nothing more
)

// plan is what the n-th connection does: send at most limit frames
// (0: all) from the cursor on, then mode; status answers the upgrade with
// an HTTP error instead.
type plan struct {
	limit      int
	mode       string
	status     int
	retryAfter string
}

// jetstream is a local server speaking Jetstream's subscribe protocol:
// query wantedCollections, wantedDids and cursor (time_us, inclusive
// replay), one JSON event per text message.
type jetstream struct {
	*httptest.Server
	mu      sync.Mutex
	frames  []frame
	plans   []plan
	queries []url.Values
	at      []time.Time
	done    chan struct{}
}

func newJetstream(tb testing.TB, frames []frame, plans ...plan) *jetstream {
	tb.Helper()
	js := &jetstream{frames: frames, plans: plans, done: make(chan struct{})}
	js.Server = httptest.NewServer(http.HandlerFunc(js.serve))
	tb.Cleanup(func() {
		close(js.done)
		js.Server.Close()
	})
	return js
}

func (js *jetstream) serve(w http.ResponseWriter, r *http.Request) {
	js.mu.Lock()
	n := len(js.queries)
	js.queries = append(js.queries, r.URL.Query())
	js.at = append(js.at, time.Now())
	p := plan{mode: modeHold}
	if n < len(js.plans) {
		p = js.plans[n]
	}
	frames := slices.Clone(js.frames)
	js.mu.Unlock()
	if p.status != 0 {
		if p.retryAfter != "" {
			w.Header().Set("Retry-After", p.retryAfter)
		}
		http.Error(w, "no", p.status)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	var cursor int64
	if v := r.URL.Query().Get("cursor"); v != "" {
		cursor, _ = strconv.ParseInt(v, 10, 64)
	}
	ctx := r.Context()
	sent := 0
	for _, f := range frames {
		if f.us < cursor {
			continue
		}
		if p.limit > 0 && sent == p.limit {
			break
		}
		typ := websocket.MessageText
		if f.binary {
			typ = websocket.MessageBinary
		}
		if err := c.Write(ctx, typ, []byte(f.data)); err != nil {
			return
		}
		sent++
	}
	switch p.mode {
	case modeClose:
		c.Close(websocket.StatusGoingAway, "restarting")
	case modeStall:
		select {
		case <-js.done:
		case <-ctx.Done():
		}
	default: // hold, quiet
		ctx := c.CloseRead(ctx)
		select {
		case <-js.done:
		case <-ctx.Done():
		}
	}
}

func (js *jetstream) connections() []url.Values {
	js.mu.Lock()
	defer js.mu.Unlock()
	return slices.Clone(js.queries)
}

func (js *jetstream) wsURL() string { return "ws" + strings.TrimPrefix(js.URL, "http") + "/subscribe" }

// base is the time_us of event 0: 2025-03-01T12:00:00Z.
var base = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func us(i int) int64 { return base.Add(time.Duration(i) * time.Second).UnixMicro() }

// postFrame is a commit create of app.bsky.feed.post at event time i.
func postFrame(i int, did, rkey string, record map[string]any) frame {
	rec := map[string]any{"$type": "app.bsky.feed.post", "createdAt": base.Add(time.Duration(i)*time.Second - 200*time.Millisecond).Format(time.RFC3339Nano), "langs": []string{"en"}, "text": fmt.Sprintf("post %d to @klm.com", i)}
	for k, v := range record {
		rec[k] = v
	}
	ev := map[string]any{
		"did": did, "time_us": us(i), "kind": "commit",
		"commit": map[string]any{"rev": fmt.Sprintf("3l%08d", i), "operation": "create", "collection": "app.bsky.feed.post", "rkey": rkey, "record": rec, "cid": "bafyreib" + rkey},
	}
	data, _ := json.Marshal(ev)
	return frame{us: us(i), data: string(data)}
}

func rawFrame(i int, data string) frame { return frame{us: us(i), data: data} }
