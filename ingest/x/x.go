package x

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srcutil"
)

// SourceName labels this source's metrics and logs.
const SourceName = "x"

// Endpoints of the X API v2.
const (
	streamPath = "/2/tweets/search/stream"
	rulesPath  = "/2/tweets/search/stream/rules"
	searchPath = "/2/tweets/search/recent"
)

// searchPageSize is recent search's largest max_results.
const searchPageSize = 100

var (
	// ErrUnauthorized is returned by Run when X refuses the bearer token
	// (401) or the app's access (403): retrying cannot fix that.
	ErrUnauthorized = errors.New("x: bearer token refused")
	// ErrRules is returned by Run when X rejects a configured rule.
	ErrRules = errors.New("x: stream rules rejected")
)

// Options are the Source's collaborators.
type Options struct {
	// Writer writes to the raw topic.
	Writer bus.Writer
	// Metrics are the shared ingest metrics (nil: not exported).
	Metrics *ingest.Metrics
	// Registerer receives the connection metrics (nil: none).
	Registerer prometheus.Registerer
	// Publisher bounds the batches (zero value: the defaults).
	Publisher ingest.PublisherConfig
	Log       *slog.Logger
	// Transport carries the requests (default: a clone of
	// http.DefaultTransport).
	Transport http.RoundTripper
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Source reads X's filtered stream, back-fills gaps from recent search and
// publishes the posts.
type Source struct {
	cfg     Config
	o       Options
	log     *slog.Logger
	pub     *ingest.Publisher
	seen    *srcutil.Seen
	sm      *srcutil.For
	skipped *prometheus.CounterVec
	token   string
	client  *http.Client

	statePath string

	// Owned by the Run goroutine.
	seq       int64
	lastID    string    // the newest post id handled: the back-fill starts after it
	lastAlive time.Time // when the previous connection last received anything
	sessions  int
	savedAt   time.Time

	mu        sync.Mutex
	positions srcutil.Positions[string]
	saved     string
	once      sync.Once
}

type streamState struct {
	// LastID is the newest post id whose record Kafka acknowledged.
	LastID    string    `json:"last_id"`
	UpdatedAt time.Time `json:"updated_at"`
}

// New reads the token, loads the state and starts the publisher.
func New(cfg Config, o Options) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ingest.SourceDefaults(SourceName, o.Writer, &o.Publisher, &o.Log, &o.Now); err != nil {
		return nil, err
	}
	if o.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = cfg.RequestTimeout
		o.Transport = t
	}
	token, err := srcutil.Secret("ingest_x.token", cfg.TokenEnv, cfg.TokenFile)
	if err != nil {
		return nil, err
	}
	s := &Source{
		cfg: cfg, o: o, token: token,
		sm:      srcutil.NewMetrics(o.Registerer).For(SourceName),
		skipped: srcutil.NewSkippedCounter(o.Registerer),
		client:  &http.Client{Transport: o.Transport},
		log:     o.Log.With("source", SourceName),
	}
	s.statePath = filepath.Join(cfg.StateDir, "x-state.json")
	var st streamState
	if _, err := srcutil.ReadJSON(s.statePath, &st); err != nil {
		return nil, fmt.Errorf("ingest_x.state_dir: %w", err)
	}
	s.saved, s.lastID, s.savedAt = st.LastID, st.LastID, st.UpdatedAt
	if s.seen, err = srcutil.OpenSeen(filepath.Join(cfg.StateDir, "x-seen.jsonl"), cfg.SeenCapacity); err != nil {
		return nil, fmt.Errorf("ingest_x.state_dir: %w", err)
	}
	s.pub, err = ingest.NewPublisher(o.Publisher, ingest.PublisherOptions{
		Source: SourceName, Writer: o.Writer, Metrics: o.Metrics, Log: o.Log, OnAck: s.onAck,
	})
	if err != nil {
		s.seen.Close()
		return nil, err
	}
	return s, nil
}

// LastID is the persisted cursor: the newest post id acknowledged.
func (s *Source) LastID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saved
}

// Stats are the publisher's running totals.
func (s *Source) Stats() ingest.Stats { return s.pub.Stats() }

func (s *Source) onAck(_ context.Context, a ingest.Ack) error {
	err := s.seen.Ack(a.Cursor)
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.positions.Ack(a.Cursor)
	if !ok || !newerID(id, s.saved) {
		return err
	}
	if werr := srcutil.WriteJSON(s.statePath, streamState{LastID: id, UpdatedAt: s.o.Now().UTC()}); werr != nil {
		return errors.Join(err, werr)
	}
	s.saved = id
	return err
}

// errClass selects X's documented reconnect backoff.
type errClass int

const (
	classNetwork   errClass = iota // TCP/IP errors, stalls, closed streams: linear
	classHTTP                      // HTTP errors: exponential
	classRateLimit                 // 429: the reset time, else exponential from 1 m
	classFatal                     // 401/403, rejected rules: stop
)

// reconnect implements X's reconnect policy per error class.
type reconnect struct {
	cfg               Config
	network, http, rl int
}

func (r *reconnect) reset() { r.network, r.http, r.rl = 0, 0, 0 }

func (r *reconnect) next(c errClass, hint time.Duration) time.Duration {
	switch c {
	case classRateLimit:
		r.rl++
		if hint > 0 {
			return hint
		}
		return expo(r.cfg.RateLimitBackoffMin, r.rl, r.cfg.HTTPBackoffMax)
	case classHTTP:
		r.http++
		return max(expo(r.cfg.HTTPBackoffMin, r.http, r.cfg.HTTPBackoffMax), hint)
	default:
		r.network++
		return min(time.Duration(r.network)*r.cfg.NetworkBackoffStep, r.cfg.NetworkBackoffMax)
	}
}

// expo is base·2^(n−1), capped.
func expo(base time.Duration, n int, ceil time.Duration) time.Duration {
	d := float64(base) * math.Pow(2, float64(min(n-1, 40)))
	if d > float64(ceil) {
		return max(ceil, base)
	}
	return time.Duration(d)
}

type result struct {
	reason     string
	class      errClass
	err        error
	lines      int
	retryAfter time.Duration
}

// Run syncs the rules, then reads the stream until ctx ends, reconnecting
// with X's backoff and back-filling every gap from recent search. It
// returns ErrUnauthorized or ErrRules (wrapped, with X's message) when
// retrying cannot help, after flushing.
func (s *Source) Run(ctx context.Context) error {
	rc := reconnect{cfg: s.cfg}
	var fatal error
	if s.cfg.SyncRules {
		for ctx.Err() == nil {
			res := s.syncRules(ctx)
			if res.err == nil {
				break
			}
			s.sm.Error("rules_" + res.reason)
			if res.class == classFatal {
				fatal = res.err
				s.log.Error("x stream rules not synced; fix the token or ingest_x.rules and restart", "err", res.err)
				break
			}
			wait := rc.next(res.class, res.retryAfter)
			s.log.Warn("x stream rules not synced; retrying", "reason", res.reason, "err", res.err, "retry_in", wait)
			if srcutil.Sleep(ctx, wait) != nil {
				break
			}
		}
		rc.reset()
	}
	for fatal == nil && ctx.Err() == nil {
		started := time.Now()
		res := s.session(ctx)
		if ctx.Err() != nil {
			break
		}
		s.sm.Connected.Set(0)
		s.sm.Error(res.reason)
		if res.class == classFatal {
			s.log.Error("x refused the connection; fix EARSHOT_X_BEARER_TOKEN / ingest_x.token_file (or the app's access level) and restart", "err", res.err)
			fatal = res.err
			break
		}
		if res.lines > 0 || time.Since(started) > time.Minute {
			rc.reset()
		}
		wait := rc.next(res.class, res.retryAfter)
		s.log.Warn("x stream ended; reconnecting", "reason", res.reason, "err", res.err,
			"lines", res.lines, "resume_after_id", s.lastID, "retry_in", wait.Round(time.Millisecond))
		if srcutil.Sleep(ctx, wait) != nil {
			break
		}
	}
	s.sm.Connected.Set(0)
	return errors.Join(fatal, s.Close(context.WithoutCancel(ctx)))
}

// Close flushes the publisher (saving the cursor) and closes the seen-set.
// Safe to call twice.
func (s *Source) Close(ctx context.Context) error {
	var err error
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(ctx, s.o.Publisher.WriteTimeout)
		defer cancel()
		err = errors.Join(s.pub.Close(ctx), s.seen.Close())
		st := s.pub.Stats()
		s.log.Info("x source stopped", "published", st.Published, "rejected", st.RejectedTotal(), "last_id", s.LastID())
	})
	return err
}

func (s *Source) newRequest(ctx context.Context, method, path string, q url.Values, body []byte) (*http.Request, error) {
	u := strings.TrimSuffix(s.cfg.APIURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", s.cfg.UserAgent)
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// statusError turns a non-2xx answer into a result: 401/403 are fatal
// (ErrUnauthorized with X's problem title and detail); 429 waits for
// x-rate-limit-reset.
func (s *Source) statusError(resp *http.Response, what string) result {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 8192))
	detail := strings.TrimSpace(string(body))
	var p struct {
		APIError
		Reason string     `json:"reason"`
		Errors []APIError `json:"errors"`
	}
	if json.Unmarshal(body, &p) == nil {
		switch {
		case p.Title != "" || p.Detail != "":
			detail = p.APIError.String()
			if p.Reason != "" {
				detail += " [" + p.Reason + "]"
			}
		case len(p.Errors) > 0:
			detail = p.Errors[0].String()
		}
	}
	res := result{reason: "status_" + strconv.Itoa(resp.StatusCode), class: classHTTP}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		res.class = classFatal
		res.err = fmt.Errorf("%w: X answered %s to %s: %.300s", ErrUnauthorized, resp.Status, what, detail)
	case http.StatusTooManyRequests:
		res.class = classRateLimit
		res.retryAfter = rateLimitReset(resp.Header, s.o.Now())
		res.err = fmt.Errorf("x: X answered %s to %s (x-rate-limit-reset in %s): %.200s", resp.Status, what, res.retryAfter.Round(time.Second), detail)
	default:
		if resp.StatusCode == http.StatusServiceUnavailable {
			res.retryAfter, _ = srcutil.RetryAfter(resp.Header, s.o.Now())
		}
		res.err = fmt.Errorf("x: X answered %s to %s: %.300s", resp.Status, what, detail)
	}
	return res
}

func netReason(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "dial"
}

// do sends a REST request bounded by request_timeout and decodes a 2xx
// JSON answer into v.
func (s *Source) do(ctx context.Context, method, path string, q url.Values, body []byte, what string, v any) (http.Header, result) {
	rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	req, err := s.newRequest(rctx, method, path, q, body)
	if err != nil {
		return nil, result{reason: "request", class: classFatal, err: err}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, result{reason: netReason(err), class: classNetwork, err: fmt.Errorf("%s: %w", what, err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return resp.Header, s.statusError(resp, what)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(v); err != nil {
		return resp.Header, result{reason: "malformed", class: classHTTP, err: fmt.Errorf("%s: malformed JSON answer: %w", what, err)}
	}
	return resp.Header, result{}
}

// remoteRule is a rule as X stores it.
type remoteRule struct {
	ID    string `json:"id"`
	Value string `json:"value"`
	Tag   string `json:"tag"`
}

type rulesResponse struct {
	Data   []remoteRule `json:"data"`
	Errors []struct {
		APIError
		Value   string   `json:"value"`
		ID      string   `json:"id"`
		Details []string `json:"details"`
	} `json:"errors"`
	Meta struct {
		Summary struct {
			Created    int `json:"created"`
			NotCreated int `json:"not_created"`
			Deleted    int `json:"deleted"`
			NotDeleted int `json:"not_deleted"`
		} `json:"summary"`
	} `json:"meta"`
}

// syncRules makes the app's earshot: rules equal the configured ones: it
// deletes earshot: rules that are not configured (or whose value changed)
// and adds the missing ones. Rules of other tags are left alone.
func (s *Source) syncRules(ctx context.Context) result {
	var cur rulesResponse
	if _, res := s.do(ctx, http.MethodGet, rulesPath, nil, nil, "GET stream rules", &cur); res.err != nil {
		return res
	}
	want := map[remoteRule]bool{}
	for _, r := range s.cfg.Rules {
		want[remoteRule{Value: strings.TrimSpace(r.Value), Tag: r.tag()}] = true
	}
	var stale []string
	have := map[remoteRule]bool{}
	for _, r := range cur.Data {
		key := remoteRule{Value: r.Value, Tag: r.Tag}
		switch {
		case want[key]:
			have[key] = true
		case strings.HasPrefix(r.Tag, TagPrefix):
			stale = append(stale, r.ID)
		}
	}
	var add []remoteRule
	for _, r := range s.cfg.Rules {
		key := remoteRule{Value: strings.TrimSpace(r.Value), Tag: r.tag()}
		if !have[key] {
			add = append(add, key)
		}
	}
	if len(stale) > 0 {
		body, _ := json.Marshal(map[string]any{"delete": map[string]any{"ids": stale}})
		var out rulesResponse
		if _, res := s.do(ctx, http.MethodPost, rulesPath, nil, body, "POST stream rules (delete)", &out); res.err != nil {
			return res
		}
		if out.Meta.Summary.NotDeleted > 0 {
			return result{reason: "not_deleted", class: classHTTP, err: fmt.Errorf("x: X did not delete %d stale rule(s) %v", out.Meta.Summary.NotDeleted, stale)}
		}
	}
	if len(add) > 0 {
		type addRule struct {
			Value string `json:"value"`
			Tag   string `json:"tag"`
		}
		var rs []addRule
		for _, r := range add {
			rs = append(rs, addRule{r.Value, r.Tag})
		}
		body, _ := json.Marshal(map[string]any{"add": rs})
		var out rulesResponse
		if _, res := s.do(ctx, http.MethodPost, rulesPath, nil, body, "POST stream rules (add)", &out); res.err != nil {
			if res.class == classHTTP && strings.HasPrefix(res.reason, "status_4") && res.reason != "status_409" {
				res.class = classFatal
				res.err = fmt.Errorf("%w: %v", ErrRules, res.err)
			}
			return res
		}
		var bad []string
		for _, e := range out.Errors {
			if strings.Contains(e.Type, "duplicate-rules") || e.Title == "DuplicateRule" {
				// The same value exists under another tag (another
				// application's): the stream delivers its matches anyway.
				s.log.Warn("x stream rule already exists under another tag; kept as is", "value", e.Value, "id", e.ID)
				continue
			}
			msg := e.APIError.String()
			if len(e.Details) > 0 {
				msg += ": " + strings.Join(e.Details, "; ")
			}
			bad = append(bad, fmt.Sprintf("%q: %s", e.Value, msg))
		}
		if len(bad) > 0 {
			return result{reason: "rejected", class: classFatal, err: fmt.Errorf("%w: %s", ErrRules, strings.Join(bad, "; "))}
		}
	}
	s.log.Info("x stream rules synced", "rules", len(s.cfg.Rules), "added", len(add), "deleted", len(stale), "kept", len(have))
	return result{}
}

func streamQuery() url.Values {
	q := url.Values{}
	q.Set("tweet.fields", tweetFields)
	q.Set("expansions", expansions)
	q.Set("user.fields", userFields)
	return q
}

func (s *Source) session(ctx context.Context) result {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := s.newRequest(sctx, http.MethodGet, streamPath, streamQuery(), nil)
	if err != nil {
		return result{reason: "request", class: classFatal, err: err}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return result{reason: netReason(err), class: classNetwork, err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s.statusError(resp, "the filtered stream")
	}
	opened := s.o.Now()
	s.sessions++
	if s.sessions > 1 {
		s.sm.Reconnects.Inc()
	}
	s.sm.Connected.Set(1)
	s.log.Info("connected to x filtered stream", "url", s.cfg.APIURL+streamPath, "after_id", s.lastID)

	res := result{class: classNetwork}
	// The stream is open, so nothing posted from now on is missed: fill
	// the gap before it from recent search, then read the stream (its
	// early lines wait in the connection).
	if from, since, ok := s.backfillFrom(); ok {
		n, r := s.backfill(sctx, ctx, from, since, opened)
		res.lines += n
		if r.reason == "status_400" {
			// X refuses the query itself (too long for the access level,
			// an operator search does not support, …): retrying cannot
			// help, and the stream must go on.
			s.sm.Error("backfill_" + r.reason)
			s.log.Error("x refused the back-fill search; the gap is not filled (fix ingest_x.backfill_query)", "err", r.err)
			r = result{}
		}
		if r.err != nil {
			r.reason = "backfill_" + r.reason
			r.lines = res.lines
			return r
		}
	}

	stall := time.AfterFunc(s.cfg.StallTimeout, cancel)
	defer stall.Stop()
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	for {
		line, err := readLine(br, s.cfg.MaxLineBytes)
		if err != nil {
			switch {
			case ctx.Err() != nil:
				res.reason, res.err = "shutdown", ctx.Err()
			case sctx.Err() != nil:
				res.reason, res.err = "stall", fmt.Errorf("nothing, not even a keep-alive, for %s", s.cfg.StallTimeout)
			case errors.Is(err, errLineTooLarge):
				res.reason, res.err = "too_large", err
			case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
				res.reason, res.err = "closed", errors.New("x: X closed the stream")
			default:
				res.reason, res.err = "read", err
			}
			return res
		}
		stall.Reset(s.cfg.StallTimeout)
		s.lastAlive = s.o.Now()
		if len(bytes.TrimSpace(line)) == 0 {
			continue // keep-alive
		}
		res.lines++
		s.sm.Received.Inc()
		s.sm.LastEvent.Set(float64(s.o.Now().UnixNano()) / 1e9)
		l, err := decodeLine(line)
		if err != nil {
			s.seq++
			s.pub.Reject(s.seq, ReasonMalformed, snippet(line), err)
			continue
		}
		if l.Data == nil {
			var msgs []string
			disconnect := false
			for _, e := range l.Errors {
				msgs = append(msgs, e.String())
				disconnect = disconnect || e.DisconnectType != "" || strings.Contains(e.Type, "operational-disconnect")
			}
			if disconnect {
				res.reason, res.err = "operational_disconnect", fmt.Errorf("x: X disconnected the stream: %s", strings.Join(msgs, "; "))
				return res
			}
			s.sm.Error("stream_message")
			s.log.Warn("x stream message", "errors", strings.Join(msgs, "; "))
			continue
		}
		var tags []string
		for _, r := range l.MatchingRules {
			tags = append(tags, r.Tag)
		}
		// Publish with Run's context: a stall must not abort a Kafka write.
		if err := s.publishTweet(ctx, l.Data, l.Includes.Users, tags); err != nil {
			res.reason, res.err = "publish", err
			return res
		}
	}
}

// backfillFrom says where the back-fill starts: after the newest post
// handled (since_id), else at the time the previous connection was last
// alive, else (first start) back-fill_window ago. ok is false when there
// is nothing to back-fill.
func (s *Source) backfillFrom() (sinceID string, start time.Time, ok bool) {
	if s.cfg.BackfillPages == 0 {
		return "", time.Time{}, false
	}
	now := s.o.Now()
	oldest := now.Add(-maxBackfillWindow + time.Minute)
	if s.lastID != "" && (s.sessions > 1 || s.savedAt.IsZero() || s.savedAt.After(oldest)) {
		return s.lastID, time.Time{}, true
	}
	switch {
	case !s.lastAlive.IsZero():
		return "", s.lastAlive.Add(-time.Second), true
	case s.lastID != "": // the cursor is older than recent search reaches
		s.log.Warn("the saved cursor is older than recent search reaches (7 days); back-filling the last 7 days only", "last_id", s.lastID, "saved_at", s.savedAt)
		return "", oldest, true
	case s.cfg.BackfillWindow > 0:
		return "", now.Add(-s.cfg.BackfillWindow), true
	}
	return "", time.Time{}, false
}

type found struct {
	t     *Tweet
	users []User
}

// backfill reads recent search from sinceID (or start) to end_time = the
// stream's open time, newest page first with next_token, then publishes
// oldest first. Requests use ctx, publishing pubCtx.
func (s *Source) backfill(ctx, pubCtx context.Context, sinceID string, start, opened time.Time) (int, result) {
	end := opened.Truncate(time.Second)
	if end.Before(opened) {
		end = end.Add(time.Second)
	}
	// X refuses an end_time less than search_end_delay before the request.
	if wait := end.Add(s.cfg.SearchEndDelay).Sub(s.o.Now()); wait > 0 {
		if err := srcutil.Sleep(ctx, wait); err != nil {
			return 0, result{reason: "shutdown", err: err}
		}
	}
	q := streamQuery()
	q.Set("query", s.cfg.backfillQuery())
	q.Set("max_results", strconv.Itoa(searchPageSize))
	q.Set("end_time", end.UTC().Format(time.RFC3339))
	if sinceID != "" {
		q.Set("since_id", sinceID)
	} else {
		q.Set("start_time", start.UTC().Truncate(time.Second).Format(time.RFC3339))
	}
	var all []found
	read, pages, complete, limited := 0, 0, false, 0
	for pages < s.cfg.BackfillPages {
		var page SearchPage
		h, res := s.do(ctx, http.MethodGet, searchPath, q, nil, "recent search", &page)
		if res.class == classRateLimit && limited < 3 {
			// Wait for the window's reset (X's 15-minute windows) and
			// retry the page rather than drop the stream.
			if wait, ok := rateLimitResetOK(h, s.o.Now()); ok && wait <= 15*time.Minute {
				limited++
				wait += time.Second // the reset is an epoch second; X counts it as the window's end
				s.sm.Error("backfill_" + res.reason)
				s.log.Warn("x recent search rate-limited; waiting for x-rate-limit-reset", "retry_in", wait)
				if err := srcutil.Sleep(ctx, wait); err != nil {
					return read, result{reason: "shutdown", err: err}
				}
				continue
			}
		}
		if res.err != nil {
			return read, res
		}
		pages++
		for _, raw := range page.Data {
			read++
			s.sm.Received.Inc()
			t, err := decodeTweet(raw)
			if err != nil {
				s.seq++
				s.pub.Reject(s.seq, ReasonMalformed, snippet(raw), err)
				continue
			}
			all = append(all, found{t, page.Includes.Users})
		}
		if page.Meta.NextToken == "" {
			complete = true
			break
		}
		q.Set("next_token", page.Meta.NextToken)
		if wait, ok := exhausted(h, s.o.Now()); ok {
			s.log.Info("x recent search quota exhausted; waiting for x-rate-limit-reset", "retry_in", wait)
			if err := srcutil.Sleep(ctx, wait); err != nil {
				return read, result{reason: "shutdown", err: err}
			}
		}
	}
	// Pages come newest first; publish oldest first.
	slices.SortFunc(all, func(a, b found) int {
		switch {
		case a.t.ID == b.t.ID:
			return 0
		case newerID(a.t.ID, b.t.ID):
			return 1
		}
		return -1
	})
	for _, f := range all {
		if err := s.publishTweet(pubCtx, f.t, f.users, nil); err != nil {
			return read, result{reason: "publish", err: err}
		}
	}
	if complete {
		s.log.Info("back-filled the gap from recent search", "posts", read, "pages", pages, "since_id", sinceID, "end_time", q.Get("end_time"))
	} else {
		s.log.Warn("the gap is larger than the back-fill reads; its oldest posts are lost (raise backfill_pages)", "pages", pages, "posts", read)
	}
	return read, result{}
}

// rateLimitReset is the wait until x-rate-limit-reset (epoch seconds),
// else Retry-After; 0 when neither is usable.
func rateLimitReset(h http.Header, now time.Time) time.Duration {
	d, _ := rateLimitResetOK(h, now)
	return d
}

// rateLimitResetOK is rateLimitReset; ok says a header was usable.
func rateLimitResetOK(h http.Header, now time.Time) (time.Duration, bool) {
	if reset, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64); err == nil && reset > 0 {
		return max(time.Unix(reset, 0).Sub(now), 0), true
	}
	return srcutil.RetryAfter(h, now)
}

// exhausted says how long to wait when x-rate-limit-remaining is 0.
func exhausted(h http.Header, now time.Time) (time.Duration, bool) {
	if strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")) != "0" {
		return 0, false
	}
	wait := rateLimitReset(h, now)
	return wait, wait > 0 && wait <= 15*time.Minute
}

// publishTweet skips retweets, de-duplicates, maps and publishes one post.
func (s *Source) publishTweet(ctx context.Context, t *Tweet, users []User, rules []string) error {
	prev := s.lastID
	if newerID(t.ID, s.lastID) {
		s.lastID = t.ID
	}
	if t.IsRetweet() {
		s.skipped.WithLabelValues(SourceName, "retweet").Inc()
		return nil
	}
	id := QualifiedID(t.ID)
	if s.seen.Has(id) {
		s.sm.Duplicates.Inc()
		return nil
	}
	m, reason := toMention(t, users, rules, s.o.Now())
	var err error
	if reason == "" {
		if err = m.Validate(); err != nil {
			reason = ingest.RejectReason(err)
		}
	}
	s.seq++
	s.seen.Mark(id, s.seq)
	s.mu.Lock()
	s.positions.Add(s.seq, t.ID)
	s.mu.Unlock()
	if reason != "" {
		s.pub.Reject(s.seq, reason, id, err)
		return nil
	}
	if err := s.pub.Publish(ctx, m, s.seq); err != nil {
		s.seen.Forget(id)
		s.lastID = prev // fetch it again after reconnecting
		return err
	}
	return nil
}

func snippet(b []byte) string {
	if len(b) > 120 {
		b = b[:120]
	}
	return strconv.Quote(string(b))
}

var errLineTooLarge = errors.New("stream line larger than max_line_bytes")

// readLine reads one line (without CR/LF), bounded by limit.
func readLine(r *bufio.Reader, limit int) ([]byte, error) {
	var buf []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(buf)+len(frag) > limit+2 {
			return nil, errLineTooLarge
		}
		buf = append(buf, frag...)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if len(buf) > 0 && errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	buf = bytes.TrimSuffix(buf, []byte("\n"))
	buf = bytes.TrimSuffix(buf, []byte("\r"))
	return buf, nil
}
