package x_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const goodToken = "AAAAAAAAAAAAAAAAAAAAAtest0123456789"

// Modes of a stream connection once its lines are sent.
const (
	modeHold  = "hold"  // keep it open with keep-alives
	modeClose = "close" // end the response
	modeStall = "stall" // keep it open, send nothing (no keep-alive)
)

// plan is what the n-th stream connection does.
type plan struct {
	lines  []string // stream lines without their \r\n
	mode   string
	status int
	header map[string]string
	body   string
}

// api is a local X API v2: the filtered stream (newline-delimited JSON
// with \r\n keep-alives), its rules, and recent search with next_token
// paging, all requiring the app-only bearer token.
type api struct {
	*httptest.Server
	mu        sync.Mutex
	plans     []plan
	posts     map[int]string // post id → post JSON (what recent search finds)
	rules     []map[string]string
	nextRule  int
	searchErr []plan // answers to the first searches
	streamReq []*http.Request
	searchReq []*http.Request
	searchAt  []time.Time
	rulesReq  []string // "GET" or the POST body
	at        []time.Time
	done      chan struct{}
}

func newAPI(tb testing.TB, plans ...plan) *api {
	tb.Helper()
	a := &api{plans: plans, posts: map[int]string{}, nextRule: 100, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2/tweets/search/stream", a.stream)
	mux.HandleFunc("/2/tweets/search/stream/rules", a.rulesHandler)
	mux.HandleFunc("GET /2/tweets/search/recent", a.search)
	a.Server = httptest.NewServer(mux)
	tb.Cleanup(func() {
		close(a.done)
		a.Server.Close()
	})
	return a
}

func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": title, "detail": detail, "type": "about:blank", "status": status})
}

func (a *api) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+goodToken {
		problem(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
		return false
	}
	return true
}

func (a *api) stream(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	n := len(a.streamReq)
	a.streamReq = append(a.streamReq, r.Clone(context.Background()))
	a.at = append(a.at, time.Now())
	p := plan{mode: modeHold}
	if n < len(a.plans) {
		p = a.plans[n]
	}
	a.mu.Unlock()
	if !a.authorized(w, r) {
		return
	}
	for k, v := range p.header {
		w.Header().Set(k, v)
	}
	if p.status != 0 {
		problem(w, p.status, http.StatusText(p.status), p.body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	fl := w.(http.Flusher)
	for _, l := range p.lines {
		w.Write([]byte(l + "\r\n"))
		fl.Flush()
	}
	switch p.mode {
	case modeClose:
		return
	case modeStall:
		select {
		case <-a.done:
		case <-r.Context().Done():
		}
	default:
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-a.done:
				return
			case <-r.Context().Done():
				return
			case <-t.C:
				w.Write([]byte("\r\n"))
				fl.Flush()
			}
		}
	}
}

// rulesHandler serves GET (the rules) and POST (add / delete) of
// /2/tweets/search/stream/rules as X documents them; a value containing
// "INVALID" is rejected.
func (a *api) rulesHandler(w http.ResponseWriter, r *http.Request) {
	if !a.authorized(w, r) {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodGet {
		a.rulesReq = append(a.rulesReq, "GET")
		out := map[string]any{"meta": map[string]any{"sent": time.Now().UTC().Format(time.RFC3339Nano), "result_count": len(a.rules)}}
		if len(a.rules) > 0 {
			out["data"] = a.rules
		}
		json.NewEncoder(w).Encode(out)
		return
	}
	var body struct {
		Add []struct {
			Value string `json:"value"`
			Tag   string `json:"tag"`
		} `json:"add"`
		Delete *struct {
			IDs []string `json:"ids"`
		} `json:"delete"`
	}
	raw := make([]byte, 1<<16)
	n, _ := r.Body.Read(raw)
	a.rulesReq = append(a.rulesReq, string(raw[:n]))
	if err := json.Unmarshal(raw[:n], &body); err != nil {
		problem(w, 400, "Invalid Request", err.Error())
		return
	}
	meta := map[string]any{"sent": time.Now().UTC().Format(time.RFC3339Nano)}
	if body.Delete != nil {
		deleted := 0
		a.rules = slices.DeleteFunc(a.rules, func(r map[string]string) bool {
			if slices.Contains(body.Delete.IDs, r["id"]) {
				deleted++
				return true
			}
			return false
		})
		meta["summary"] = map[string]int{"deleted": deleted, "not_deleted": len(body.Delete.IDs) - deleted}
		json.NewEncoder(w).Encode(map[string]any{"meta": meta})
		return
	}
	var created []map[string]string
	var errs []map[string]any
	for _, ad := range body.Add {
		if strings.Contains(ad.Value, "INVALID") {
			errs = append(errs, map[string]any{"value": ad.Value, "details": []string{"Reference to invalid operator 'INVALID'. Operator is not available in current product or product packaging."}, "title": "UnprocessableEntity", "type": "https://api.twitter.com/2/problems/invalid-rules"})
			continue
		}
		a.nextRule++
		rule := map[string]string{"id": strconv.Itoa(a.nextRule), "value": ad.Value, "tag": ad.Tag}
		created = append(created, rule)
	}
	if len(errs) == 0 {
		a.rules = append(a.rules, created...)
	} else {
		created = nil // X validates the whole request before creating
	}
	meta["summary"] = map[string]int{"created": len(created), "not_created": len(body.Add) - len(created), "valid": len(created), "invalid": len(errs)}
	out := map[string]any{"meta": meta}
	if len(created) > 0 {
		out["data"] = created
	}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(out)
}

// search serves recent search: posts newer than since_id (or created at or
// after start_time) and before end_time, newest first, max_results a page,
// next_token to the next (older) page.
func (a *api) search(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	n := len(a.searchReq)
	a.searchReq = append(a.searchReq, r.Clone(context.Background()))
	a.searchAt = append(a.searchAt, time.Now())
	var ids []int
	for id := range a.posts {
		ids = append(ids, id)
	}
	posts := a.posts
	var p plan
	if n < len(a.searchErr) {
		p = a.searchErr[n]
	}
	a.mu.Unlock()
	if !a.authorized(w, r) {
		return
	}
	for k, v := range p.header {
		w.Header().Set(k, v)
	}
	if p.status != 0 {
		problem(w, p.status, http.StatusText(p.status), p.body)
		return
	}
	q := r.URL.Query()
	if q.Get("query") == "" || q.Get("end_time") == "" || (q.Get("since_id") == "") == (q.Get("start_time") == "") {
		problem(w, 400, "Invalid Request", "query and end_time, and one of since_id and start_time, are required here")
		return
	}
	end, err := time.Parse(time.RFC3339, q.Get("end_time"))
	if err != nil || end.After(time.Now()) {
		problem(w, 400, "Invalid Request", "Invalid 'end_time':'"+q.Get("end_time")+"'. 'end_time' must be a minimum of 10 seconds prior to the request time.")
		return
	}
	since, _ := strconv.Atoi(q.Get("since_id"))
	start, _ := time.Parse(time.RFC3339, q.Get("start_time"))
	limit, _ := strconv.Atoi(q.Get("max_results"))
	if limit < 10 || limit > 100 {
		problem(w, 400, "Invalid Request", "max_results must be 10..100")
		return
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	var match []int
	for _, id := range ids {
		c := created(id)
		if id > since && !c.Before(start) && c.Before(end) {
			match = append(match, id)
		}
	}
	off, _ := strconv.Atoi(strings.TrimPrefix(q.Get("next_token"), "tok"))
	page := match[min(off, len(match)):min(off+limit, len(match))]
	meta := map[string]any{"result_count": len(page)}
	var data []json.RawMessage
	for _, id := range page {
		data = append(data, json.RawMessage(posts[id]))
	}
	if len(page) > 0 {
		meta["newest_id"], meta["oldest_id"] = strconv.Itoa(page[0]), strconv.Itoa(page[len(page)-1])
	}
	if off+limit < len(match) {
		meta["next_token"] = "tok" + strconv.Itoa(off+limit)
	}
	out := map[string]any{"meta": meta}
	if len(data) > 0 {
		out["data"] = data
		out["includes"] = map[string]any{"users": []any{json.RawMessage(user(1))}}
	}
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("x-rate-limit-remaining") == "" {
		w.Header().Set("x-rate-limit-limit", "450")
		w.Header().Set("x-rate-limit-remaining", "449")
		w.Header().Set("x-rate-limit-reset", strconv.FormatInt(time.Now().Add(15*time.Minute).Unix(), 10))
	}
	json.NewEncoder(w).Encode(out)
}

func (a *api) post(ids ...int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range ids {
		a.posts[id] = tweet(id, nil)
	}
}

func (a *api) streams() []*http.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.streamReq)
}

func (a *api) searches() []*http.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.searchReq)
}

// base is an hour ago, so that every post is older than any end_time.
var base = time.Now().UTC().Add(-time.Hour).Truncate(time.Second)

func created(id int) time.Time { return base.Add(time.Duration(id) * time.Second) }

// tweet is a Post object as X serialises it with the fields requested.
func tweet(id int, over map[string]any) string {
	t := map[string]any{
		"id": strconv.Itoa(id), "text": fmt.Sprintf("@KLM post %d &amp; more", id),
		"created_at": created(id).Format("2006-01-02T15:04:05.000Z"), "author_id": "1001", "conversation_id": strconv.Itoa(id),
		"lang": "en", "edit_history_tweet_ids": []string{strconv.Itoa(id)},
		"public_metrics": map[string]int{"retweet_count": 1, "reply_count": 2, "like_count": 3, "quote_count": 4, "bookmark_count": 0, "impression_count": 99},
		"entities":       map[string]any{"mentions": []any{map[string]any{"start": 0, "end": 4, "username": "KLM", "id": "56377143"}}},
	}
	for k, v := range over {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = v
	}
	data, _ := json.Marshal(t)
	return string(data)
}

func user(id int) string {
	names := map[int][2]string{1: {"alice_flies", "Alice"}, 56377143: {"KLM", "KLM Royal Dutch Airlines"}}
	n := names[id]
	if n[0] == "" {
		n = [2]string{fmt.Sprintf("user%d", id), fmt.Sprintf("User %d", id)}
	}
	uid := strconv.Itoa(id)
	if id == 1 {
		uid = "1001"
	}
	data, _ := json.Marshal(map[string]any{"id": uid, "username": n[0], "name": n[1], "verified": id == 56377143,
		"public_metrics": map[string]int{"followers_count": 42 + id%1000, "following_count": 1, "tweet_count": 5, "listed_count": 0}})
	return string(data)
}

// line is one stream line: a post with its author and referenced posts
// expanded and the rule it matched.
func line(id int, over map[string]any, users ...int) string {
	if len(users) == 0 {
		users = []int{1}
	}
	var us []json.RawMessage
	for _, u := range users {
		us = append(us, json.RawMessage(user(u)))
	}
	data, _ := json.Marshal(map[string]any{
		"data":           json.RawMessage(tweet(id, over)),
		"includes":       map[string]any{"users": us},
		"matching_rules": []any{map[string]any{"id": "1585", "tag": "earshot:klm"}},
	})
	return string(data)
}
