package reddit_test

import (
	"context"
	"encoding/base64"
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

const (
	clientID     = "p-jcoLKBynTLew"
	clientSecret = "gko_LXELoV07ZBNUXrvWZfzE3aI"
	userAgent    = "linux:dev.earshot.test:v1 (by /u/earshot_test)"
)

// answer overrides the n-th API request.
type answer struct {
	status int
	header map[string]string
	body   string
	stall  bool
}

// site is a local Reddit: the OAuth token endpoint (client_credentials,
// HTTP basic auth) and the OAuth API's listings (/search, /r/<sub>/new,
// /r/<sub>/comments) with limit / after / before paging, newest first,
// rate-limit headers on every answer.
type site struct {
	*httptest.Server
	mu        sync.Mutex
	tokenLife int                  // seconds
	tokens    map[string]time.Time // token → expiry
	tokenReqs int
	posts     []string // t3 data JSON, oldest first
	comments  []string // t1 data JSON, oldest first
	answers   map[int]answer
	apiReqs   []*http.Request
	at        []time.Time
	remaining int
	refuseAPI bool // the API refuses every token
	done      chan struct{}
}

func newSite(tb testing.TB) *site {
	tb.Helper()
	s := &site{tokenLife: 86400, tokens: map[string]time.Time{}, answers: map[int]answer{}, remaining: 600, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/access_token", s.token)
	mux.HandleFunc("GET /search", s.listing)
	mux.HandleFunc("GET /r/{sub}/new", s.listing)
	mux.HandleFunc("GET /r/{sub}/comments", s.listing)
	s.Server = httptest.NewServer(mux)
	tb.Cleanup(func() {
		close(s.done)
		s.Server.Close()
	})
	return s
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message": %q, "error": %d}`, msg, status)
}

func (s *site) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenReqs++
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+clientSecret))
	if r.Header.Get("Authorization") != want {
		jsonError(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	r.ParseForm()
	if r.PostForm.Get("grant_type") != "client_credentials" || r.Header.Get("User-Agent") != userAgent {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"error": "unsupported_grant_type"}`))
		return
	}
	tok := fmt.Sprintf("eyJhbGciOiJSUzI1NiIsImtpZCI6IlNIQTI1NjpzS3dsMnlsV0VtMjVmcXhwTU40cWY4MXE2OWFFdWFyMnpLMUdhVGxjdWNZIiwidHlwIjoiSldUIn0.%d", s.tokenReqs)
	s.tokens[tok] = time.Now().Add(time.Duration(s.tokenLife) * time.Second)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	fmt.Fprintf(w, `{"access_token": %q, "token_type": "bearer", "expires_in": %d, "scope": "*"}`, tok, s.tokenLife)
}

func (s *site) revokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

func fullname(data string) string {
	var t struct {
		Name string `json:"name"`
	}
	json.Unmarshal([]byte(data), &t)
	return t.Name
}

func (s *site) listing(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := len(s.apiReqs)
	s.apiReqs = append(s.apiReqs, r.Clone(context.Background()))
	s.at = append(s.at, time.Now())
	exp, ok := s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "bearer ")]
	a, special := s.answers[n]
	var items []string
	kind := "t3"
	switch {
	case strings.HasSuffix(r.URL.Path, "/comments"):
		items, kind = slices.Clone(s.comments), "t1"
	case r.URL.Path == "/search":
		for _, p := range s.posts {
			if strings.Contains(strings.ToLower(p), strings.ToLower(r.URL.Query().Get("q"))) {
				items = append(items, p)
			}
		}
	default:
		items = slices.Clone(s.posts)
	}
	s.remaining--
	rem := s.remaining
	s.mu.Unlock()
	if !ok || s.refuseAPI || time.Now().After(exp) || r.Header.Get("User-Agent") != userAgent {
		jsonError(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	w.Header().Set("X-Ratelimit-Used", strconv.Itoa(600-rem))
	w.Header().Set("X-Ratelimit-Remaining", strconv.Itoa(rem)+".0")
	w.Header().Set("X-Ratelimit-Reset", "300")
	if special {
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		switch {
		case a.stall:
			select {
			case <-r.Context().Done():
			case <-s.done:
			}
			return
		case a.status != 0:
			jsonError(w, a.status, http.StatusText(a.status))
			return
		case a.body != "":
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			w.Write([]byte(a.body))
			return
		}
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	slices.Reverse(items) // newest first
	from, to := 0, len(items)
	if af := q.Get("after"); af != "" {
		from = len(items)
		for i, it := range items {
			if fullname(it) == af {
				from = i + 1
			}
		}
	}
	if bf := q.Get("before"); bf != "" {
		to = 0
		for i, it := range items {
			if fullname(it) == bf {
				to = i
			}
		}
		from = max(to-limit, 0)
	}
	page := items[from:min(from+limit, to)]
	var children []string
	for _, it := range page {
		children = append(children, `{"kind": "`+kind+`", "data": `+it+`}`)
	}
	after := "null"
	if from+len(page) < len(items) && len(page) > 0 {
		after = strconv.Quote(fullname(page[len(page)-1]))
	}
	before := "null"
	if from > 0 && len(page) > 0 {
		before = strconv.Quote(fullname(page[0]))
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	fmt.Fprintf(w, `{"kind": "Listing", "data": {"after": %s, "dist": %d, "modhash": "", "geo_filter": "", "children": [%s], "before": %s}}`,
		after, len(page), strings.Join(children, ", "), before)
}

func (s *site) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.apiReqs)
}

func (s *site) tokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReqs
}

var base = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func b36(n int) string { return strconv.FormatInt(int64(n)+1_000_000, 36) }

// post is a link (t3) as Reddit serialises it.
func post(n int, over map[string]any) string {
	d := map[string]any{
		"id": b36(n), "name": "t3_" + b36(n), "title": fmt.Sprintf("KLM lost my bag %d", n), "selftext": "Three days & counting.",
		"author": "alice_flies", "author_fullname": "t2_abc1", "created": float64(base.Unix() + int64(n)), "created_utc": float64(base.Unix()+int64(n)) + 0.5,
		"permalink": fmt.Sprintf("/r/KLM/comments/%s/klm_lost_my_bag_%d/", b36(n), n), "subreddit": "KLM", "subreddit_name_prefixed": "r/KLM",
		"score": 12, "ups": 12, "num_comments": 3, "over_18": false, "url": fmt.Sprintf("https://www.reddit.com/r/KLM/comments/%s/", b36(n)),
		"is_self": true, "link_flair_text": nil, "edited": false,
	}
	for k, v := range over {
		d[k] = v
	}
	data, _ := json.Marshal(d)
	return string(data)
}

// comment is a comment (t1) on post link replying to parent.
func comment(n, link int, parent string, over map[string]any) string {
	d := map[string]any{
		"id": b36(n), "name": "t1_" + b36(n), "body": fmt.Sprintf("comment %d: same here", n), "author": "bob", "author_fullname": "t2_bob9",
		"created_utc": float64(base.Unix() + int64(n)), "permalink": fmt.Sprintf("/r/KLM/comments/%s/x/%s/", b36(link), b36(n)),
		"link_id": "t3_" + b36(link), "parent_id": parent, "subreddit": "KLM", "score": -2, "link_title": fmt.Sprintf("KLM lost my bag %d", link),
		"edited": false, "stickied": false,
	}
	for k, v := range over {
		d[k] = v
	}
	data, _ := json.Marshal(d)
	return string(data)
}

func (s *site) addPosts(from, to int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := from; i <= to; i++ {
		s.posts = append(s.posts, post(i, nil))
	}
}
