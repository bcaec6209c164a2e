package mastodon_test

import (
	"context"
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
)

const goodToken = "tok-0123456789abcdef"

// Modes of a stream connection once its events are sent.
const (
	modeHold  = "hold"  // keep it open with heartbeats
	modeClose = "close" // end the response
	modeStall = "stall" // keep it open, send nothing (no heartbeat)
)

// plan is what the n-th stream connection does.
type plan struct {
	events     []string // raw SSE blocks, each ends with a blank line
	mode       string
	status     int
	retryAfter string
}

// instance is a local Mastodon: the streaming API (server-sent events)
// and the REST timeline used for the back-fill, both requiring the bearer
// token.
type instance struct {
	*httptest.Server
	mu        sync.Mutex
	plans     []plan
	timeline  map[int]string // status id → status JSON
	streamReq []*http.Request
	restReq   []*http.Request
	at        []time.Time
	done      chan struct{}
}

func newInstance(tb testing.TB, plans ...plan) *instance {
	tb.Helper()
	in := &instance{plans: plans, timeline: map[int]string{}, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/streaming/", in.stream)
	mux.HandleFunc("/api/v1/timelines/", in.rest)
	in.Server = httptest.NewServer(mux)
	tb.Cleanup(func() {
		close(in.done)
		in.Server.Close()
	})
	return in
}

func (in *instance) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+goodToken {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"The access token is invalid"}`))
		return false
	}
	return true
}

func (in *instance) stream(w http.ResponseWriter, r *http.Request) {
	in.mu.Lock()
	n := len(in.streamReq)
	in.streamReq = append(in.streamReq, r.Clone(context.Background()))
	in.at = append(in.at, time.Now())
	p := plan{mode: modeHold}
	if n < len(in.plans) {
		p = in.plans[n]
	}
	in.mu.Unlock()
	if !in.authorized(w, r) {
		return
	}
	if p.status != 0 {
		if p.retryAfter != "" {
			w.Header().Set("Retry-After", p.retryAfter)
		}
		http.Error(w, `{"error":"Too many requests"}`, p.status)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	fl := w.(http.Flusher)
	w.Write([]byte(":)\n"))
	for _, ev := range p.events {
		w.Write([]byte(ev))
		fl.Flush()
	}
	switch p.mode {
	case modeClose:
		return
	case modeStall:
		select {
		case <-in.done:
		case <-r.Context().Done():
		}
	default:
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-in.done:
				return
			case <-r.Context().Done():
				return
			case <-t.C:
				w.Write([]byte(":thump\n"))
				fl.Flush()
			}
		}
	}
}

// rest serves /api/v1/timelines/… with Mastodon's min_id paging: the
// limit statuses immediately newer than min_id, newest first.
func (in *instance) rest(w http.ResponseWriter, r *http.Request) {
	in.mu.Lock()
	in.restReq = append(in.restReq, r.Clone(context.Background()))
	var ids []int
	for id := range in.timeline {
		ids = append(ids, id)
	}
	tl := in.timeline
	in.mu.Unlock()
	if !in.authorized(w, r) {
		return
	}
	minID, _ := strconv.Atoi(r.URL.Query().Get("min_id"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 40 {
		limit = 20
	}
	slices.Sort(ids)
	var page []string
	for _, id := range ids {
		if id > minID && len(page) < limit {
			page = append(page, tl[id])
		}
	}
	slices.Reverse(page)
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte("[" + strings.Join(page, ",") + "]"))
}

func (in *instance) post(ids ...int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, id := range ids {
		in.timeline[id] = status(id, nil)
	}
}

func (in *instance) streams() []*http.Request {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.streamReq)
}

func (in *instance) rests() []*http.Request {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.restReq)
}

func (in *instance) host() string { u, _ := url.Parse(in.URL); return u.Host }

var base = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// status is a status entity as Mastodon serialises it.
func status(id int, over map[string]any) string {
	s := map[string]any{
		"id": strconv.Itoa(id), "created_at": base.Add(time.Duration(id) * time.Second).Format("2006-01-02T15:04:05.000Z"),
		"in_reply_to_id": nil, "in_reply_to_account_id": nil, "sensitive": false, "spoiler_text": "", "visibility": "public",
		"language": "en", "uri": fmt.Sprintf("https://social.example/users/alice/statuses/%d", id),
		"url": fmt.Sprintf("https://social.example/@alice/%d", id), "replies_count": 0, "reblogs_count": 1, "favourites_count": 2,
		"content": fmt.Sprintf("<p>status %d about <span class=\"h-card\"><a href=\"https://social.example/@KLM\" class=\"u-url mention\">@<span>KLM</span></a></span></p>", id),
		"reblog":  nil, "mentions": []any{map[string]any{"id": "9", "username": "KLM", "acct": "KLM", "url": "https://social.example/@KLM"}},
		"account": map[string]any{"id": "100", "username": "alice", "acct": "alice", "display_name": "Alice", "followers_count": 42, "bot": false, "url": "https://social.example/@alice"},
	}
	for k, v := range over {
		s[k] = v
	}
	data, _ := json.Marshal(s)
	return string(data)
}

func update(id int, over map[string]any) string {
	return "event: update\ndata: " + status(id, over) + "\n\n"
}
