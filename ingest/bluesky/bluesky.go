package bluesky

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srcutil"
	"github.com/earshot-dev/earshot/mention"
)

// SourceName labels this source's metrics and logs.
const SourceName = "bluesky"

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
	// HTTPClient dials the WebSocket (default http.DefaultClient).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Source reads Jetstream and publishes posts.
type Source struct {
	cfg  Config
	o    Options
	log  *slog.Logger
	pub  *ingest.Publisher
	seen *srcutil.Seen
	sm   *srcutil.For

	cursorPath string
	handles    *srcutil.Recent[string, string] // did → handle

	// Owned by the Run goroutine.
	seq      int64
	lastUS   int64 // time_us of the last event handled (resume point in-process)
	sessions int

	mu        sync.Mutex // positions, saved
	positions srcutil.Positions[int64]
	saved     int64 // the cursor persisted last
	once      sync.Once
}

// cursorState is the persisted cursor.
type cursorState struct {
	// Cursor is the time_us of the last event whose post Kafka
	// acknowledged (or which was rejected).
	Cursor    int64     `json:"cursor"`
	UpdatedAt time.Time `json:"updated_at"`
}

// New loads the cursor and the seen-set and starts the publisher.
func New(cfg Config, o Options) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ingest.SourceDefaults(SourceName, o.Writer, &o.Publisher, &o.Log, &o.Now); err != nil {
		return nil, err
	}
	s := &Source{
		cfg: cfg, o: o, log: o.Log.With("source", SourceName),
		sm:         srcutil.NewMetrics(o.Registerer).For(SourceName),
		cursorPath: filepath.Join(cfg.StateDir, "bluesky-cursor.json"),
		handles:    srcutil.NewRecent[string, string](cfg.HandleCacheSize),
	}
	var st cursorState
	if _, err := srcutil.ReadJSON(s.cursorPath, &st); err != nil {
		return nil, fmt.Errorf("ingest_bluesky.state_dir: %w", err)
	}
	s.saved, s.lastUS = st.Cursor, st.Cursor
	seen, err := srcutil.OpenSeen(filepath.Join(cfg.StateDir, "bluesky-seen.jsonl"), cfg.SeenCapacity)
	if err != nil {
		return nil, fmt.Errorf("ingest_bluesky.state_dir: %w", err)
	}
	s.seen = seen
	s.pub, err = ingest.NewPublisher(o.Publisher, ingest.PublisherOptions{
		Source: SourceName, Writer: o.Writer, Metrics: o.Metrics, Log: o.Log, OnAck: s.onAck,
	})
	if err != nil {
		seen.Close()
		return nil, err
	}
	return s, nil
}

// Cursor is the persisted cursor (time_us), 0 before the first ack.
func (s *Source) Cursor() int64 {
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
	us, ok := s.positions.Ack(a.Cursor)
	if !ok || us <= s.saved {
		return err
	}
	if werr := srcutil.WriteJSON(s.cursorPath, cursorState{Cursor: us, UpdatedAt: s.o.Now().UTC()}); werr != nil {
		return errors.Join(err, werr)
	}
	s.saved = us
	return err
}

// Run reads Jetstream until ctx ends, reconnecting with jittered backoff
// and resuming from the last event handled; then it flushes and saves the
// cursor.
func (s *Source) Run(ctx context.Context) error {
	bo := srcutil.Backoff{Min: s.cfg.BackoffMin, Max: s.cfg.BackoffMax}
	for ctx.Err() == nil {
		started := time.Now()
		res := s.session(ctx)
		if ctx.Err() != nil {
			break
		}
		s.sm.Connected.Set(0)
		s.sm.Error(res.reason)
		if res.events > 0 || time.Since(started) > time.Minute {
			bo.Reset()
		}
		wait := max(bo.Next(), res.retryAfter)
		s.log.Warn("jetstream connection ended; reconnecting", "reason", res.reason, "err", res.err,
			"events", res.events, "resume_cursor", s.lastUS, "retry_in", wait.Round(time.Millisecond))
		if srcutil.Sleep(ctx, wait) != nil {
			break
		}
	}
	s.sm.Connected.Set(0)
	return s.Close(context.WithoutCancel(ctx))
}

// Close flushes the publisher (saving the cursor) and closes the
// seen-set. Safe to call twice.
func (s *Source) Close(ctx context.Context) error {
	var err error
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(ctx, s.o.Publisher.WriteTimeout)
		defer cancel()
		err = errors.Join(s.pub.Close(ctx), s.seen.Close())
		st := s.pub.Stats()
		s.log.Info("jetstream source stopped", "published", st.Published, "rejected", st.RejectedTotal(), "cursor", s.Cursor())
	})
	return err
}

// SubscribeURL is the URL a connection resuming after cursor (time_us; 0:
// live) uses.
func (s *Source) SubscribeURL(cursor int64) string {
	q := url.Values{}
	q.Set("wantedCollections", Collection)
	for _, d := range s.cfg.WantedDids {
		q.Add("wantedDids", d)
	}
	if cursor > 0 {
		c := cursor - s.cfg.Rewind.Microseconds()
		q.Set("cursor", strconv.FormatInt(max(c, 1), 10))
	}
	return s.cfg.Endpoint + "?" + q.Encode()
}

type sessionResult struct {
	reason     string
	err        error
	events     int
	retryAfter time.Duration
}

func (s *Source) session(ctx context.Context) sessionResult {
	u := s.SubscribeURL(s.lastUS)
	dctx, cancel := context.WithTimeout(ctx, s.cfg.DialTimeout)
	conn, resp, err := websocket.Dial(dctx, u, &websocket.DialOptions{
		HTTPClient: s.o.HTTPClient,
		HTTPHeader: http.Header{"User-Agent": {s.cfg.UserAgent}},
	})
	cancel()
	if err != nil {
		res := sessionResult{reason: "dial", err: err}
		if resp != nil {
			res.reason = "status_" + strconv.Itoa(resp.StatusCode)
			if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
				res.retryAfter, _ = srcutil.RetryAfter(resp.Header, s.o.Now())
			}
		}
		return res
	}
	defer conn.CloseNow()
	conn.SetReadLimit(s.cfg.MaxMessageBytes)
	s.sessions++
	if s.sessions > 1 {
		s.sm.Reconnects.Inc()
	}
	s.sm.Connected.Set(1)
	s.log.Info("connected to jetstream", "endpoint", s.cfg.Endpoint, "cursor", s.lastUS, "wanted_dids", len(s.cfg.WantedDids))

	// A stalled server does not answer pings: close the connection, which
	// ends the Read below.
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	pingFailed := make(chan error, 1)
	go func() {
		t := time.NewTicker(s.cfg.PingInterval)
		defer t.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
			}
			pctx, cancel := context.WithTimeout(sctx, s.cfg.PingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil && sctx.Err() == nil {
				pingFailed <- err
				conn.CloseNow()
				return
			}
		}
	}()

	res := sessionResult{}
	for {
		rctx, rcancel := sctx, context.CancelFunc(func() {})
		if s.cfg.ReadTimeout > 0 {
			rctx, rcancel = context.WithTimeout(sctx, s.cfg.ReadTimeout)
		}
		typ, data, err := conn.Read(rctx)
		timedOut := rctx.Err() != nil && sctx.Err() == nil
		rcancel()
		if err != nil {
			select {
			case perr := <-pingFailed:
				res.reason, res.err = "ping_timeout", perr
				return res
			default:
			}
			switch {
			case ctx.Err() != nil:
				conn.Close(websocket.StatusNormalClosure, "shutting down")
				res.reason, res.err = "shutdown", ctx.Err()
			case timedOut:
				res.reason, res.err = "read_timeout", fmt.Errorf("no message for %s", s.cfg.ReadTimeout)
			case websocket.CloseStatus(err) != -1:
				res.reason, res.err = "closed", err
			default:
				res.reason, res.err = "read", err
			}
			return res
		}
		res.events++
		s.sm.Received.Inc()
		s.sm.LastEvent.Set(float64(s.o.Now().UnixNano()) / 1e9)
		if err := s.handle(ctx, typ, data); err != nil {
			res.reason, res.err = "publish", err
			return res
		}
	}
}

// handle maps and publishes one frame. It returns an error only when
// publishing failed.
func (s *Source) handle(ctx context.Context, typ websocket.MessageType, data []byte) error {
	if typ != websocket.MessageText {
		s.seq++
		s.pub.Reject(s.seq, ReasonMalformed, "binary frame", errors.New("binary frame (compression is not requested)"))
		return nil
	}
	ev, err := decodeEvent(data)
	if err != nil {
		s.seq++
		s.pub.Reject(s.seq, ReasonMalformed, snippet(data), err)
		return nil
	}
	prevUS := s.lastUS
	s.lastUS = max(s.lastUS, ev.TimeUS)
	switch ev.Kind {
	case "identity":
		if ev.Identity.Handle != "" {
			s.handles.Put(ev.Identity.Did, ev.Identity.Handle)
		}
		return nil
	case "commit":
	default:
		return nil
	}
	c := ev.Commit
	if c.Collection != Collection || c.Operation != "create" {
		return nil
	}
	id := QualifiedID(PostURI(ev.Did, c.RKey))
	if s.seen.Has(id) {
		s.sm.Duplicates.Inc()
		return nil
	}
	m, err := toMention(ev, s.o.Now(), s.handles.Get)
	if err == nil {
		if verr := m.Validate(); verr != nil {
			err = verr
		}
	}
	s.seq++
	s.addPosition(s.seq, ev.TimeUS)
	if err != nil {
		reason := ReasonBadRecord
		var fe *mention.FieldError
		if errors.As(err, &fe) {
			reason = ingest.RejectReason(err)
		}
		s.seen.Mark(id, s.seq)
		s.pub.Reject(s.seq, reason, id, err)
		return nil
	}
	s.seen.Mark(id, s.seq)
	if err := s.pub.Publish(ctx, m, s.seq); err != nil {
		s.seen.Forget(id)
		s.lastUS = min(prevUS, ev.TimeUS-1) // replay this event after reconnecting
		return err
	}
	return nil
}

func (s *Source) addPosition(seq, us int64) {
	s.mu.Lock()
	s.positions.Add(seq, us)
	s.mu.Unlock()
}

func snippet(b []byte) string {
	if len(b) > 120 {
		b = b[:120]
	}
	return strconv.Quote(string(b))
}
