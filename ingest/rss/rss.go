package rss

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srcutil"
)

// SourceName labels this source's metrics and logs.
const SourceName = "rss"

// Options are the Poller's collaborators.
type Options struct {
	// Writer writes to the raw topic.
	Writer bus.Writer
	// Metrics are the shared ingest metrics (nil: not exported).
	Metrics *ingest.Metrics
	// Registerer receives the source's connection metrics (nil: none).
	Registerer prometheus.Registerer
	// Publisher bounds the batches (zero value: the defaults).
	Publisher ingest.PublisherConfig
	Log       *slog.Logger
	// Client fetches the feeds (default: an http.Client with Config.Timeout).
	Client *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Poller polls feeds and publishes their new items.
type Poller struct {
	cfg  Config
	o    Options
	log  *slog.Logger
	pub  *ingest.Publisher
	seen *srcutil.Seen
	sm   *srcutil.For

	pubMu sync.Mutex // orders cursors with Publish calls
	seq   int64

	stateMu   sync.Mutex
	state     map[string]*feedState
	statePath string

	feeds []*feed
	sem   chan struct{}
	once  sync.Once
}

// feedState is what is persisted per feed.
type feedState struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
}

type feed struct {
	url     string
	backoff srcutil.Backoff
	failing bool
}

// PollResult is what one poll of one feed did.
type PollResult struct {
	URL          string
	Status       int // HTTP status; 0 when the request failed
	NotModified  bool
	Items        int
	Published    int
	Duplicates   int
	Rejected     int
	RetryAfter   time.Duration // the server's Retry-After on 429/503
	NextPollWait time.Duration
	// Err is why the poll failed (nil when it succeeded, 304 included).
	Err error
}

// New opens the state and starts the publisher.
func New(cfg Config, o Options) (*Poller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ingest.SourceDefaults(SourceName, o.Writer, &o.Publisher, &o.Log, &o.Now); err != nil {
		return nil, err
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: cfg.Timeout}
	}
	p := &Poller{
		cfg: cfg, o: o, log: o.Log.With("source", SourceName),
		sm:        srcutil.NewMetrics(o.Registerer).For(SourceName),
		state:     map[string]*feedState{},
		statePath: filepath.Join(cfg.StateDir, "rss-state.json"),
		sem:       make(chan struct{}, cfg.Concurrency),
	}
	if _, err := srcutil.ReadJSON(p.statePath, &p.state); err != nil {
		return nil, fmt.Errorf("ingest_rss.state_dir: %w", err)
	}
	seen, err := srcutil.OpenSeen(filepath.Join(cfg.StateDir, "rss-seen.jsonl"), cfg.SeenCapacity)
	if err != nil {
		return nil, fmt.Errorf("ingest_rss.state_dir: %w", err)
	}
	p.seen = seen
	pub, err := ingest.NewPublisher(o.Publisher, ingest.PublisherOptions{
		Source: SourceName, Writer: o.Writer, Metrics: o.Metrics, Log: o.Log,
		OnAck: func(_ context.Context, a ingest.Ack) error { return p.seen.Ack(a.Cursor) },
	})
	if err != nil {
		seen.Close()
		return nil, err
	}
	p.pub = pub
	for _, u := range cfg.Feeds {
		p.feeds = append(p.feeds, &feed{url: u, backoff: srcutil.Backoff{Min: cfg.BackoffMin, Max: cfg.BackoffMax}})
	}
	return p, nil
}

// Run polls every feed on its schedule until ctx ends, then flushes and
// closes. A failing feed backs off on its own; it never stops the others.
func (p *Poller) Run(ctx context.Context) error {
	p.log.Info("polling feeds", "feeds", len(p.feeds), "interval", p.cfg.Interval, "concurrency", p.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, f := range p.feeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				res, err := p.pollFeed(ctx, f)
				if ctx.Err() != nil {
					return
				}
				if err != nil && errors.Is(err, errPublish) {
					p.log.Error("cannot publish feed items; retrying", "feed", f.url, "err", err)
				}
				if srcutil.Sleep(ctx, res.NextPollWait) != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return p.Close(context.WithoutCancel(ctx))
}

// PollAll polls every feed once, now, and returns the results (for a
// one-shot run from cron, and for tests). Errors of single feeds are in
// the results and the metrics; the error is a publishing failure. Do not
// call it while Run runs.
func (p *Poller) PollAll(ctx context.Context) ([]PollResult, error) {
	out := make([]PollResult, len(p.feeds))
	errs := make([]error, len(p.feeds))
	var wg sync.WaitGroup
	for i, f := range p.feeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = p.pollFeed(ctx, f)
		}()
	}
	wg.Wait()
	var pubErrs []error
	for _, err := range errs {
		if errors.Is(err, errPublish) {
			pubErrs = append(pubErrs, err)
		}
	}
	return out, errors.Join(pubErrs...)
}

// Close flushes the publisher and closes the seen-set. Safe to call twice.
func (p *Poller) Close(ctx context.Context) error {
	var err error
	p.once.Do(func() {
		ctx, cancel := context.WithTimeout(ctx, p.o.Publisher.WriteTimeout)
		defer cancel()
		err = errors.Join(p.pub.Close(ctx), p.seen.Close())
		st := p.pub.Stats()
		p.log.Info("stopped polling feeds", "published", st.Published, "rejected", st.RejectedTotal())
	})
	return err
}

// Stats are the publisher's running totals.
func (p *Poller) Stats() ingest.Stats { return p.pub.Stats() }

var errPublish = errors.New("publish")

// pollFeed fetches one feed, publishes its new items, waits for Kafka's
// acknowledgement, and only then remembers the feed's validators (ETag,
// Last-Modified): a crash in between re-fetches the items and the seen-set
// drops the ones already written.
func (p *Poller) pollFeed(ctx context.Context, f *feed) (PollResult, error) {
	res := PollResult{URL: f.url}
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return res, ctx.Err()
	}
	defer func() { <-p.sem }()

	fail := func(reason string, err error, retryAfter time.Duration) (PollResult, error) {
		p.sm.Error(reason)
		p.sm.Connected.Set(0)
		wait := f.backoff.Next()
		if retryAfter > wait {
			wait = retryAfter
		}
		res.RetryAfter = retryAfter
		res.NextPollWait = wait
		res.Err = err
		if !f.failing || f.backoff.Attempts()%10 == 1 {
			p.log.Warn("feed poll failed", "feed", f.url, "reason", reason, "err", err, "attempt", f.backoff.Attempts(), "retry_in", wait.Round(time.Millisecond))
		}
		f.failing = true
		return res, err
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return fail("request", err, 0)
	}
	req.Header.Set("User-Agent", p.cfg.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
	p.stateMu.Lock()
	st := p.state[f.url]
	p.stateMu.Unlock()
	if st != nil {
		if st.ETag != "" {
			req.Header.Set("If-None-Match", st.ETag)
		}
		if st.LastModified != "" {
			req.Header.Set("If-Modified-Since", st.LastModified)
		}
	}
	resp, err := p.o.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return fail(netReason(err), err, 0)
	}
	defer resp.Body.Close()
	res.Status = resp.StatusCode
	switch {
	case resp.StatusCode == http.StatusNotModified:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		res.NotModified = true
		p.succeeded(f, &res)
		return res, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		ra, _ := srcutil.RetryAfter(resp.Header, p.o.Now())
		return fail("status_"+strconv.Itoa(resp.StatusCode), fmt.Errorf("%s answered %s", f.url, resp.Status), ra)
	case resp.StatusCode != http.StatusOK:
		return fail("status_"+strconv.Itoa(resp.StatusCode), fmt.Errorf("%s answered %s", f.url, resp.Status), 0)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, p.cfg.MaxBodyBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return fail(netReason(err), err, 0)
	}
	if int64(len(body)) > p.cfg.MaxBodyBytes {
		return fail("too_large", fmt.Errorf("%s: feed is larger than max_body_bytes %d", f.url, p.cfg.MaxBodyBytes), 0)
	}
	parsed, err := parseFeed(body)
	if err != nil {
		return fail("malformed", fmt.Errorf("%s: not a valid RSS/Atom/JSON feed: %w", f.url, err), 0)
	}
	received := p.o.Now()
	p.sm.LastEvent.Set(float64(received.UnixNano()) / 1e9)
	p.sm.Received.Add(float64(len(parsed.Items)))
	res.Items = len(parsed.Items)
	if err := p.publishItems(ctx, f.url, parsed, received, &res); err != nil {
		return fail("publish", fmt.Errorf("%w: %v", errPublish, err), 0)
	}
	if res.Published > 0 || res.Rejected > 0 {
		if err := p.pub.Flush(ctx); err != nil {
			return fail("publish", fmt.Errorf("%w: %v", errPublish, err), 0)
		}
	}
	p.stateMu.Lock()
	p.state[f.url] = &feedState{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), LastSuccess: received.UTC()}
	err = srcutil.WriteJSON(p.statePath, p.state)
	p.stateMu.Unlock()
	if err != nil {
		p.log.Warn("cannot save feed state; the next poll fetches the whole feed again", "err", err)
	}
	p.succeeded(f, &res)
	return res, nil
}

func (p *Poller) succeeded(f *feed, res *PollResult) {
	if f.failing {
		p.sm.Reconnects.Inc()
		p.log.Info("feed poll recovered", "feed", f.url, "after_attempts", f.backoff.Attempts())
	}
	f.failing = false
	f.backoff.Reset()
	p.sm.Connected.Set(1)
	// ±10 % jitter so that feeds of one host are not fetched in step.
	j := time.Duration(rand.Int64N(int64(p.cfg.Interval)/5+1)) - p.cfg.Interval/10
	res.NextPollWait = p.cfg.Interval + j
}

func (p *Poller) publishItems(ctx context.Context, feedURL string, parsed *gofeed.Feed, received time.Time, res *PollResult) error {
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	// Oldest first, so that a conversation's order is kept.
	items := parsed.Items
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		if it == nil {
			continue
		}
		// An item is judged once: published or rejected, its id is
		// remembered, so a bad item is not counted again on every poll.
		if id := nativeID(feedURL, it); id != "" && p.seen.Has(QualifiedID(id)) {
			res.Duplicates++
			p.sm.Duplicates.Inc()
			continue
		}
		m, reason := toMention(feedURL, parsed, it, received)
		if reason != "" {
			p.seq++
			if id := nativeID(feedURL, it); id != "" {
				p.seen.Mark(QualifiedID(id), p.seq)
			}
			p.pub.Reject(p.seq, reason, feedURL+" "+it.Title, nil)
			res.Rejected++
			continue
		}
		if p.cfg.MaxAge > 0 && received.Sub(m.CreatedAt) > p.cfg.MaxAge {
			continue
		}
		if err := m.Validate(); err != nil {
			p.seq++
			p.seen.Mark(m.ID, p.seq)
			p.pub.Reject(p.seq, ingest.RejectReason(err), m.ID, err)
			res.Rejected++
			continue
		}
		p.seq++
		p.seen.Mark(m.ID, p.seq)
		if err := p.pub.Publish(ctx, m, p.seq); err != nil {
			p.seen.Forget(m.ID)
			return err
		}
		res.Published++
	}
	return nil
}

// netReason labels a transport error.
func netReason(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "fetch"
}

// parseFeed parses an RSS, Atom or JSON feed; a parser panic on hostile
// input is an error, never a crash.
func parseFeed(body []byte) (f *gofeed.Feed, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("feed parser failed: %v", r)
		}
	}()
	return gofeed.NewParser().Parse(bytes.NewReader(body))
}
