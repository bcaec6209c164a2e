package reddit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
const SourceName = "reddit"

// pageSize is the listings' largest limit.
const pageSize = 100

// ErrUnauthorized is returned by Run when Reddit refuses the app's
// credentials or a fresh token (401): retrying cannot fix that.
var ErrUnauthorized = errors.New("reddit: credentials refused")

// Options are the Poller's collaborators.
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

// Poller polls Reddit listings and publishes new posts and comments.
type Poller struct {
	cfg       Config
	o         Options
	log       *slog.Logger
	pub       *ingest.Publisher
	seen      *srcutil.Seen
	sm        *srcutil.For
	skipped   *prometheus.CounterVec
	client    *http.Client
	id        string
	secret    string
	lists     []listing
	statePath string

	// Owned by the Run goroutine.
	seq       int64
	token     string
	expires   time.Time
	notBefore time.Time         // rate limit: no request before this
	cursors   map[string]string // listing → newest fullname handled
	rounds    int

	mu      sync.Mutex
	pending []cursorAt
	saved   map[string]string
	once    sync.Once
}

type cursorAt struct {
	seq       int64
	key, name string
}

type pollState struct {
	// Cursors is the newest fullname per listing whose record Kafka
	// acknowledged.
	Cursors   map[string]string `json:"cursors"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// New reads the credentials, loads the state and starts the publisher.
func New(cfg Config, o Options) (*Poller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ingest.SourceDefaults(SourceName, o.Writer, &o.Publisher, &o.Log, &o.Now); err != nil {
		return nil, err
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	id, err := srcutil.Secret("ingest_reddit.client_id", cfg.ClientIDEnv, cfg.ClientIDFile)
	if err != nil {
		return nil, err
	}
	secret, err := srcutil.Secret("ingest_reddit.client_secret", cfg.ClientSecretEnv, cfg.ClientSecretFile)
	if err != nil {
		return nil, err
	}
	p := &Poller{
		cfg: cfg, o: o, id: id, secret: secret, lists: cfg.listings(),
		sm:      srcutil.NewMetrics(o.Registerer).For(SourceName),
		skipped: srcutil.NewSkippedCounter(o.Registerer),
		client:  &http.Client{Transport: o.Transport, Timeout: cfg.RequestTimeout},
		log:     o.Log.With("source", SourceName),
	}
	p.statePath = filepath.Join(cfg.StateDir, "reddit-state.json")
	var st pollState
	if _, err := srcutil.ReadJSON(p.statePath, &st); err != nil {
		return nil, fmt.Errorf("ingest_reddit.state_dir: %w", err)
	}
	p.saved, p.cursors = map[string]string{}, map[string]string{}
	for k, v := range st.Cursors {
		p.saved[k], p.cursors[k] = v, v
	}
	if p.seen, err = srcutil.OpenSeen(filepath.Join(cfg.StateDir, "reddit-seen.jsonl"), cfg.SeenCapacity); err != nil {
		return nil, fmt.Errorf("ingest_reddit.state_dir: %w", err)
	}
	p.pub, err = ingest.NewPublisher(o.Publisher, ingest.PublisherOptions{
		Source: SourceName, Writer: o.Writer, Metrics: o.Metrics, Log: o.Log, OnAck: p.onAck,
	})
	if err != nil {
		p.seen.Close()
		return nil, err
	}
	return p, nil
}

// Cursor is the persisted newest fullname of a listing ("search:<q>",
// "new:<sub>", "comments:<sub>").
func (p *Poller) Cursor(key string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.saved[key]
}

// Stats are the publisher's running totals.
func (p *Poller) Stats() ingest.Stats { return p.pub.Stats() }

func (p *Poller) onAck(_ context.Context, a ingest.Ack) error {
	err := p.seen.Ack(a.Cursor)
	p.mu.Lock()
	defer p.mu.Unlock()
	n, changed := 0, false
	for n < len(p.pending) && p.pending[n].seq <= a.Cursor {
		c := p.pending[n]
		if newerName(c.name, p.saved[c.key]) || p.saved[c.key] == "" {
			p.saved[c.key] = c.name
			changed = true
		}
		n++
	}
	p.pending = p.pending[n:]
	if !changed {
		return err
	}
	if werr := srcutil.WriteJSON(p.statePath, pollState{Cursors: p.saved, UpdatedAt: p.o.Now().UTC()}); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// Run polls every listing each poll_interval until ctx ends, retrying a
// failed round with jittered backoff. It returns ErrUnauthorized (wrapped,
// with Reddit's message) when the credentials are refused, after flushing.
func (p *Poller) Run(ctx context.Context) error {
	bo := srcutil.Backoff{Min: p.cfg.BackoffMin, Max: p.cfg.BackoffMax}
	var fatal error
	failing := false
	for ctx.Err() == nil {
		res := p.Round(ctx)
		if ctx.Err() != nil {
			break
		}
		if errors.Is(res.Err, ErrUnauthorized) {
			p.sm.Connected.Set(0)
			p.log.Error("reddit refused the credentials; fix EARSHOT_REDDIT_CLIENT_ID / EARSHOT_REDDIT_CLIENT_SECRET (or the _file keys) and restart", "err", res.Err)
			fatal = res.Err
			break
		}
		wait := p.cfg.PollInterval
		if res.Err != nil {
			p.sm.Connected.Set(0)
			wait = max(min(bo.Next(), p.cfg.PollInterval*4), res.RetryAfter)
			failing = true
			p.log.Warn("reddit poll failed; retrying", "reason", res.Reason, "err", res.Err, "retry_in", wait.Round(time.Millisecond))
		} else {
			p.sm.Connected.Set(1)
			if failing {
				p.sm.Reconnects.Inc()
				p.log.Info("reddit polls succeed again", "after_attempts", bo.Attempts())
			}
			failing = false
			bo.Reset()
		}
		if srcutil.Sleep(ctx, max(wait, p.notBefore.Sub(p.o.Now()))) != nil {
			break
		}
	}
	p.sm.Connected.Set(0)
	return errors.Join(fatal, p.Close(context.WithoutCancel(ctx)))
}

// Close flushes the publisher (saving the cursors) and closes the
// seen-set. Safe to call twice.
func (p *Poller) Close(ctx context.Context) error {
	var err error
	p.once.Do(func() {
		ctx, cancel := context.WithTimeout(ctx, p.o.Publisher.WriteTimeout)
		defer cancel()
		err = errors.Join(p.pub.Close(ctx), p.seen.Close())
		st := p.pub.Stats()
		p.log.Info("reddit source stopped", "published", st.Published, "rejected", st.RejectedTotal())
	})
	return err
}

// Result is the outcome of a round (or of one request): the zero value is
// success; Reason is the metric label of the failure.
type Result struct {
	Reason     string
	Err        error
	RetryAfter time.Duration
}

// Round polls every listing once. The first error ends the round (the
// listings after it are polled next round).
func (p *Poller) Round(ctx context.Context) Result {
	p.rounds++
	total := 0
	for _, l := range p.lists {
		n, res := p.poll(ctx, l)
		total += n
		if res.Reason == "status_403" || res.Reason == "status_404" {
			// A private, banned or missing subreddit: the other listings
			// go on.
			p.sm.Error(res.Reason)
			p.log.Warn("reddit listing unavailable; skipped this round", "listing", l.key, "err", res.Err)
			continue
		}
		if res.Err != nil {
			if ctx.Err() == nil {
				p.sm.Error(res.Reason)
			}
			res.Err = fmt.Errorf("%s: %w", l.path, res.Err)
			return res
		}
	}
	if total > 0 || p.rounds == 1 {
		p.log.Info("reddit round", "new_items", total, "listings", len(p.lists))
	}
	return Result{}
}

// poll reads a listing newest first, paging back with after=<fullname>
// until it reaches an item already handled (seen-set or the listing's
// cursor) or max_pages, then publishes the new items oldest first.
func (p *Poller) poll(ctx context.Context, l listing) (int, Result) {
	cursor := p.cursors[l.key]
	pages := p.cfg.MaxPages
	if cursor == "" {
		pages = p.cfg.InitialPages
		if pages == 0 { // start from now: remember the newest, publish nothing
			pages = 1
		}
	}
	var fresh []*Thing
	after := ""
	reached := false
	for page := 0; page < pages && !reached; page++ {
		q := url.Values{}
		for k, v := range l.q {
			q[k] = v
		}
		q.Set("limit", strconv.Itoa(pageSize))
		q.Set("raw_json", "1")
		if after != "" {
			q.Set("after", after)
		}
		body, res := p.get(ctx, l.path, q)
		if res.Err != nil {
			return 0, res
		}
		lst, err := decodeListing(body)
		if err != nil {
			return 0, Result{Reason: "malformed", Err: fmt.Errorf("listing: %w", err)}
		}
		for _, c := range lst.Data.Children {
			p.sm.Received.Inc()
			t, err := decodeThing(c.Kind, c.Data)
			if err != nil {
				p.seq++
				p.pub.Reject(p.seq, ReasonMalformed, snippet(c.Data), err)
				continue
			}
			if p.seen.Has(QualifiedID(t.Name)) || cursor != "" && !newerName(t.Name, cursor) && t.Kind == cursor[:2] {
				reached = true // everything older was handled before
				break
			}
			fresh = append(fresh, t)
		}
		p.sm.LastEvent.Set(float64(p.o.Now().UnixNano()) / 1e9)
		if lst.Data.After == nil || *lst.Data.After == "" {
			reached = true // the end of the listing
			break
		}
		after = *lst.Data.After
	}
	if !reached && cursor != "" {
		p.log.Warn("more new items than max_pages reads; older ones of the gap are skipped (raise max_pages or lower poll_interval)", "listing", l.key, "pages", pages)
	}
	// Newest first from Reddit; publish oldest first.
	slices.Reverse(fresh)
	if cursor == "" && p.cfg.InitialPages == 0 {
		// Start from now: remember the newest item, publish nothing.
		if len(fresh) == 0 {
			return 0, Result{}
		}
		newest := fresh[len(fresh)-1].Name
		p.advance(l.key, newest, 0)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.saved[l.key] = newest
		if err := srcutil.WriteJSON(p.statePath, pollState{Cursors: p.saved, UpdatedAt: p.o.Now().UTC()}); err != nil {
			return 0, Result{Reason: "state", Err: err}
		}
		return 0, Result{}
	}
	n := 0
	for _, t := range fresh {
		if err := p.publish(ctx, l.key, t); err != nil {
			return n, Result{Reason: "publish", Err: err}
		}
		n++
	}
	return n, Result{}
}

// advance moves a listing's in-memory cursor; seq > 0 persists it once
// that record is acknowledged.
func (p *Poller) advance(key, name string, seq int64) {
	if cur := p.cursors[key]; cur == "" || newerName(name, cur) {
		p.cursors[key] = name
	}
	if seq > 0 {
		p.mu.Lock()
		p.pending = append(p.pending, cursorAt{seq: seq, key: key, name: name})
		p.mu.Unlock()
	}
}

func (p *Poller) publish(ctx context.Context, key string, t *Thing) error {
	id := QualifiedID(t.Name)
	if p.seen.Has(id) {
		p.sm.Duplicates.Inc()
		return nil
	}
	m, reason := toMention(t, p.o.Now())
	if reason == ReasonEmptyText && (removed(strings.TrimSpace(t.Body)) || removed(strings.TrimSpace(t.Selftext)) && t.Title == "") {
		p.skipped.WithLabelValues(SourceName, "removed").Inc()
		p.advance(key, t.Name, 0)
		return nil
	}
	var err error
	if reason == "" {
		if err = m.Validate(); err != nil {
			reason = ingest.RejectReason(err)
		}
	}
	p.seq++
	p.seen.Mark(id, p.seq)
	p.advance(key, t.Name, p.seq)
	if reason != "" {
		p.pub.Reject(p.seq, reason, id, err)
		return nil
	}
	if err := p.pub.Publish(ctx, m, p.seq); err != nil {
		p.seen.Forget(id)
		return err
	}
	return nil
}

// get sends an authorised GET, renewing the token before it expires and
// once more when the API answers 401, and honouring the rate-limit
// headers.
func (p *Poller) get(ctx context.Context, path string, q url.Values) ([]byte, Result) {
	for attempt := 0; ; attempt++ {
		if err := srcutil.Sleep(ctx, p.notBefore.Sub(p.o.Now())); err != nil {
			return nil, Result{Reason: "shutdown", Err: err}
		}
		if res := p.ensureToken(ctx); res.Err != nil {
			return nil, res
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(p.cfg.APIURL, "/")+path+"?"+q.Encode(), nil)
		if err != nil {
			return nil, Result{Reason: "request", Err: err}
		}
		req.Header.Set("User-Agent", p.cfg.UserAgent)
		req.Header.Set("Authorization", "bearer "+p.token)
		resp, err := p.client.Do(req)
		if err != nil {
			return nil, Result{Reason: netReason(err), Err: err}
		}
		p.rateLimit(resp.Header)
		body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		resp.Body.Close()
		if err != nil {
			return nil, Result{Reason: netReason(err), Err: fmt.Errorf("reading the answer: %w", err)}
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return body, Result{}
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			// The token expired or was revoked early: fetch a new one.
			p.sm.Error("status_401")
			p.token = ""
			continue
		case resp.StatusCode == http.StatusUnauthorized:
			return nil, Result{Reason: "status_401", Err: fmt.Errorf("%w: the API answered %s with a fresh token: %s", ErrUnauthorized, resp.Status, message(body))}
		case resp.StatusCode == http.StatusTooManyRequests:
			wait, _ := resetIn(resp.Header)
			if ra, ok := srcutil.RetryAfter(resp.Header, p.o.Now()); ok && resp.Header.Get("Retry-After") != "" {
				wait = max(wait, ra)
			}
			p.notBefore = p.o.Now().Add(wait)
			return nil, Result{Reason: "status_429", RetryAfter: wait, Err: fmt.Errorf("rate limited (%s): retry in %s", resp.Status, wait)}
		default:
			return nil, Result{Reason: "status_" + strconv.Itoa(resp.StatusCode), Err: fmt.Errorf("%s: %s", resp.Status, message(body))}
		}
	}
}

// rateLimit reads X-Ratelimit-Remaining / -Reset / -Used: when less than
// one request remains, no request is sent before the reset.
func (p *Poller) rateLimit(h http.Header) {
	v := strings.TrimSpace(h.Get("X-Ratelimit-Remaining"))
	if v == "" {
		return
	}
	remaining, err := strconv.ParseFloat(v, 64)
	if err != nil || remaining >= 1 {
		return
	}
	if wait, ok := resetIn(h); ok {
		p.notBefore = p.o.Now().Add(wait)
		p.log.Info("reddit rate limit used up; waiting for the reset", "used", h.Get("X-Ratelimit-Used"), "reset_in", wait)
	}
}

// resetIn parses X-Ratelimit-Reset: seconds until the window resets.
func resetIn(h http.Header) (time.Duration, bool) {
	s, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-Ratelimit-Reset")), 64)
	if err != nil || s < 0 || s > 3600 {
		return 0, false
	}
	return time.Duration(s * float64(time.Second)), true
}

// ensureToken fetches an app-only token (client_credentials) when there is
// none or it expires within the refresh margin.
func (p *Poller) ensureToken(ctx context.Context) Result {
	if p.token != "" && p.o.Now().Before(p.expires) {
		return Result{}
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.cfg.AuthURL, "/")+"/api/v1/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return Result{Reason: "request", Err: err}
	}
	req.SetBasicAuth(p.id, p.secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", p.cfg.UserAgent)
	resp, err := p.client.Do(req)
	if err != nil {
		return Result{Reason: "token_" + netReason(err), Err: fmt.Errorf("access token: %w", err)}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	var tok struct {
		AccessToken string  `json:"access_token"`
		TokenType   string  `json:"token_type"`
		ExpiresIn   float64 `json:"expires_in"`
		Error       any     `json:"error"`
	}
	jerr := json.Unmarshal(body, &tok)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return Result{Reason: "token_status_" + strconv.Itoa(resp.StatusCode), Err: fmt.Errorf("%w: the token endpoint answered %s: %s", ErrUnauthorized, resp.Status, message(body))}
	case resp.StatusCode == http.StatusTooManyRequests:
		wait, _ := resetIn(resp.Header)
		return Result{Reason: "token_status_429", RetryAfter: wait, Err: fmt.Errorf("access token: %s", resp.Status)}
	case resp.StatusCode != http.StatusOK:
		return Result{Reason: "token_status_" + strconv.Itoa(resp.StatusCode), Err: fmt.Errorf("access token: %s: %s", resp.Status, message(body))}
	case jerr != nil:
		return Result{Reason: "token_malformed", Err: fmt.Errorf("access token: malformed answer: %v", jerr)}
	case tok.Error != nil:
		// e.g. {"error": "unsupported_grant_type"} or "invalid_grant"
		return Result{Reason: "token_refused", Err: fmt.Errorf("%w: the token endpoint answered error %v", ErrUnauthorized, tok.Error)}
	case tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "bearer") || tok.ExpiresIn <= 0:
		return Result{Reason: "token_malformed", Err: fmt.Errorf("access token: answer without a bearer token and expires_in: %.200s", body)}
	}
	life := time.Duration(tok.ExpiresIn * float64(time.Second))
	p.token = tok.AccessToken
	p.expires = p.o.Now().Add(life - min(p.cfg.TokenRefreshMargin, life/2))
	p.log.Info("reddit access token obtained", "expires_in", life, "refresh_at", p.expires.Format(time.RFC3339))
	return Result{}
}

// message is Reddit's error message ({"message": "Unauthorized", "error":
// 401}) or the body's start.
func message(body []byte) string {
	var m struct {
		Message string `json:"message"`
		Reason  string `json:"reason"`
	}
	if json.Unmarshal(body, &m) == nil && m.Message != "" {
		if m.Reason != "" {
			return m.Message + " (" + m.Reason + ")"
		}
		return m.Message
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func netReason(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "dial"
}

func snippet(b []byte) string {
	if len(b) > 120 {
		b = b[:120]
	}
	return strconv.Quote(string(b))
}
