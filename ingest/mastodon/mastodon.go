package mastodon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
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
const SourceName = "mastodon"

// pageSize is the REST timelines' maximum limit.
const pageSize = 40

// ErrUnauthorized is returned by Run when the instance refuses the access
// token (401/403): retrying cannot fix that.
var ErrUnauthorized = errors.New("mastodon: access token refused")

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

// Source reads a Mastodon stream and publishes its statuses.
type Source struct {
	cfg    Config
	o      Options
	log    *slog.Logger
	pub    *ingest.Publisher
	seen   *srcutil.Seen
	sm     *srcutil.For
	host   string
	token  string
	client *http.Client

	statePath string
	roots     *srcutil.Recent[string, string] // status id → conversation id

	// Owned by the Run goroutine.
	seq      int64
	lastID   string // the newest status id handled: the back-fill starts after it
	sessions int

	mu        sync.Mutex
	positions srcutil.Positions[string]
	saved     string
	once      sync.Once
}

// streamState is the persisted cursor.
type streamState struct {
	// LastID is the newest status id whose record Kafka acknowledged.
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
	token, err := srcutil.Secret("ingest_mastodon.token", cfg.TokenEnv, cfg.TokenFile)
	if err != nil {
		if cfg.Stream == StreamUser || cfg.Stream == StreamList || cfg.TokenFile != "" {
			return nil, err
		}
		token = "" // public streams may be read anonymously where the instance allows it
	}
	s := &Source{
		cfg: cfg, o: o, token: token, host: cfg.host(),
		sm:     srcutil.NewMetrics(o.Registerer).For(SourceName),
		client: &http.Client{Transport: o.Transport},
		roots:  srcutil.NewRecent[string, string](100_000),
	}
	name := "mastodon-" + safeName(s.host+"-"+cfg.Stream+"-"+cfg.Tag+cfg.List)
	s.statePath = filepath.Join(cfg.StateDir, name+"-state.json")
	s.log = o.Log.With("source", SourceName, "server", s.host, "stream", cfg.Stream)
	var st streamState
	if _, err := srcutil.ReadJSON(s.statePath, &st); err != nil {
		return nil, fmt.Errorf("ingest_mastodon.state_dir: %w", err)
	}
	s.saved, s.lastID = st.LastID, st.LastID
	if s.seen, err = srcutil.OpenSeen(filepath.Join(cfg.StateDir, name+"-seen.jsonl"), cfg.SeenCapacity); err != nil {
		return nil, fmt.Errorf("ingest_mastodon.state_dir: %w", err)
	}
	s.pub, err = ingest.NewPublisher(o.Publisher, ingest.PublisherOptions{
		Source: SourceName, Writer: o.Writer, Metrics: o.Metrics, Log: o.Log.With("server", s.host, "stream", cfg.Stream), OnAck: s.onAck,
	})
	if err != nil {
		s.seen.Close()
		return nil, err
	}
	return s, nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, strings.TrimSuffix(s, "-"))
}

// LastID is the persisted cursor: the newest status id acknowledged.
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

// Run reads the stream until ctx ends, reconnecting with jittered backoff
// and back-filling the gap from the REST timeline on every (re)connect
// after the first. It returns ErrUnauthorized (wrapped, with the server's
// message) when the token is refused, after flushing.
func (s *Source) Run(ctx context.Context) error {
	bo := srcutil.Backoff{Min: s.cfg.BackoffMin, Max: s.cfg.BackoffMax}
	var fatal error
	for ctx.Err() == nil {
		started := time.Now()
		res := s.session(ctx)
		if ctx.Err() != nil {
			break
		}
		s.sm.Connected.Set(0)
		s.sm.Error(res.reason)
		if errors.Is(res.err, ErrUnauthorized) {
			s.log.Error("access token refused; fix EARSHOT_MASTODON_TOKEN / ingest_mastodon.token_file and restart", "err", res.err)
			fatal = res.err
			break
		}
		if res.events > 0 || time.Since(started) > time.Minute {
			bo.Reset()
		}
		wait := max(bo.Next(), res.retryAfter)
		s.log.Warn("mastodon stream ended; reconnecting", "reason", res.reason, "err", res.err,
			"events", res.events, "resume_after_id", s.lastID, "retry_in", wait.Round(time.Millisecond))
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
		s.log.Info("mastodon source stopped", "published", st.Published, "rejected", st.RejectedTotal(), "last_id", s.LastID())
	})
	return err
}

type sessionResult struct {
	reason     string
	err        error
	events     int
	retryAfter time.Duration
}

func (s *Source) newRequest(ctx context.Context, base, path string, q url.Values, accept string) (*http.Request, error) {
	u := strings.TrimSuffix(base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", s.cfg.UserAgent)
	req.Header.Set("Accept", accept)
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	return req, nil
}

// statusError turns a non-2xx answer into a result: 401/403 wrap
// ErrUnauthorized with the server's message; 429/503 carry Retry-After.
func (s *Source) statusError(resp *http.Response, what string) sessionResult {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var msg struct {
		Error string `json:"error"`
	}
	detail := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &msg) == nil && msg.Error != "" {
		detail = msg.Error
	}
	res := sessionResult{reason: "status_" + strconv.Itoa(resp.StatusCode)}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		res.err = fmt.Errorf("%w: %s answered %s to %s: %s", ErrUnauthorized, s.host, resp.Status, what, detail)
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		res.retryAfter, _ = srcutil.RetryAfter(resp.Header, s.o.Now())
		res.err = fmt.Errorf("%s answered %s to %s (retry after %s)", s.host, resp.Status, what, res.retryAfter)
	default:
		res.err = fmt.Errorf("%s answered %s to %s: %.200s", s.host, resp.Status, what, detail)
	}
	return res
}

func (s *Source) session(ctx context.Context) sessionResult {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	base := s.cfg.StreamingURL
	if base == "" {
		base = s.cfg.Server
	}
	path, q := s.cfg.streamPath()
	req, err := s.newRequest(sctx, base, path, q, "text/event-stream")
	if err != nil {
		return sessionResult{reason: "request", err: err}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return sessionResult{reason: netReason(err), err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s.statusError(resp, "the stream")
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		return sessionResult{reason: "not_event_stream", err: fmt.Errorf("%s%s answered Content-Type %q, not text/event-stream; is streaming_url right?", base, path, resp.Header.Get("Content-Type"))}
	}
	s.sessions++
	if s.sessions > 1 {
		s.sm.Reconnects.Inc()
	}
	s.sm.Connected.Set(1)
	s.log.Info("connected to mastodon stream", "url", base+path, "after_id", s.lastID)

	res := sessionResult{}
	// The stream is open, so nothing posted from now on is missed: fill
	// the gap since the last status handled from the REST timeline, then
	// read the stream (its early events wait in the connection).
	if s.lastID != "" && s.cfg.BackfillPages > 0 {
		n, r := s.backfill(sctx, ctx)
		res.events += n
		if r.err != nil {
			r.reason = "backfill_" + r.reason
			r.events = res.events
			return r
		}
	}

	idle := time.AfterFunc(s.cfg.ReadTimeout, cancel)
	defer idle.Stop()
	sse := newSSEReader(resp.Body, s.cfg.MaxEventBytes)
	for {
		ev, err := sse.next(func() { idle.Reset(s.cfg.ReadTimeout) })
		if err != nil {
			switch {
			case ctx.Err() != nil:
				res.reason, res.err = "shutdown", ctx.Err()
			case sctx.Err() != nil:
				res.reason, res.err = "read_timeout", fmt.Errorf("nothing, not even a heartbeat, for %s", s.cfg.ReadTimeout)
			case errors.Is(err, errEventTooLarge):
				res.reason, res.err = "too_large", err
			case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
				res.reason, res.err = "closed", errors.New("the server closed the stream")
			default:
				res.reason, res.err = "read", err
			}
			return res
		}
		res.events++
		s.sm.Received.Inc()
		s.sm.LastEvent.Set(float64(s.o.Now().UnixNano()) / 1e9)
		if ev.name != "update" { // delete, status.update, notification, …
			continue
		}
		st, err := decodeStatus(ev.data)
		if err != nil {
			s.seq++
			s.pub.Reject(s.seq, ReasonMalformed, snippet(ev.data), err)
			continue
		}
		// Publish with Run's context: a read timeout must not abort a
		// Kafka write.
		if err := s.publishStatus(ctx, st); err != nil {
			res.reason, res.err = "publish", err
			return res
		}
	}
}

// backfill pages the REST timeline forward from lastID (min_id returns the
// statuses immediately newer than it, oldest page first), publishing what
// the stream missed. It returns how many statuses it read. Requests use
// ctx, publishing pubCtx.
func (s *Source) backfill(ctx, pubCtx context.Context) (int, sessionResult) {
	path, q := s.cfg.timelinePath()
	from := s.lastID
	read := 0
	for page := 0; page < s.cfg.BackfillPages; page++ {
		q.Set("min_id", from)
		q.Set("limit", strconv.Itoa(pageSize))
		rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		req, err := s.newRequest(rctx, s.cfg.Server, path, q, "application/json")
		if err != nil {
			cancel()
			return read, sessionResult{reason: "request", err: err}
		}
		resp, err := s.client.Do(req)
		if err != nil {
			cancel()
			return read, sessionResult{reason: netReason(err), err: err}
		}
		if resp.StatusCode != http.StatusOK {
			r := s.statusError(resp, "the timeline back-fill")
			resp.Body.Close()
			cancel()
			return read, r
		}
		var raw []json.RawMessage
		err = json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&raw)
		resp.Body.Close()
		cancel()
		if err != nil {
			return read, sessionResult{reason: "malformed", err: fmt.Errorf("timeline page: %w", err)}
		}
		var sts []*Status
		for _, r := range raw {
			read++
			s.sm.Received.Inc()
			st, err := decodeStatus(r)
			if err != nil {
				s.seq++
				s.pub.Reject(s.seq, ReasonMalformed, snippet(r), err)
				continue
			}
			sts = append(sts, st)
		}
		// Pages come newest first; publish oldest first.
		slices.SortFunc(sts, func(a, b *Status) int {
			switch {
			case a.ID == b.ID:
				return 0
			case newerID(a.ID, b.ID):
				return 1
			}
			return -1
		})
		for _, st := range sts {
			if err := s.publishStatus(pubCtx, st); err != nil {
				return read, sessionResult{reason: "publish", err: err}
			}
			if newerID(st.ID, from) {
				from = st.ID
			}
		}
		if len(raw) < pageSize {
			if read > 0 {
				s.log.Info("back-filled the gap from the timeline", "statuses", read, "pages", page+1)
			}
			return read, sessionResult{}
		}
	}
	s.log.Warn("the gap is larger than the back-fill reads; older statuses of the gap are lost (raise backfill_pages)", "pages", s.cfg.BackfillPages, "statuses", read)
	return read, sessionResult{}
}

// publishStatus de-duplicates, maps and publishes one status.
func (s *Source) publishStatus(ctx context.Context, st *Status) error {
	id := QualifiedID(s.host, st.ID)
	prev := s.lastID
	if newerID(st.ID, s.lastID) {
		s.lastID = st.ID
	}
	if s.seen.Has(id) {
		s.sm.Duplicates.Inc()
		return nil
	}
	m, reason := toMention(s.host, st, s.o.Now(), s.roots.Get)
	var err error
	if reason == "" {
		if err = m.Validate(); err != nil {
			reason = ingest.RejectReason(err)
		}
	}
	s.seq++
	s.seen.Mark(id, s.seq)
	s.mu.Lock()
	s.positions.Add(s.seq, st.ID)
	s.mu.Unlock()
	if reason != "" {
		s.pub.Reject(s.seq, reason, id, err)
		return nil
	}
	s.roots.Put(st.ID, m.ConversationID)
	if err := s.pub.Publish(ctx, m, s.seq); err != nil {
		s.seen.Forget(id)
		s.lastID = prev // fetch it again after reconnecting
		return err
	}
	return nil
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

// sseEvent is one server-sent event.
type sseEvent struct {
	name string
	data []byte
}

var errEventTooLarge = errors.New("server-sent event larger than max_event_bytes")

// sseReader parses text/event-stream: "event:" and "data:" fields (several
// data lines joined by "\n"), ":" comments (Mastodon's heartbeat), an
// empty line dispatching the event. id and retry fields are ignored.
type sseReader struct {
	r     *bufio.Reader
	limit int
}

func newSSEReader(r io.Reader, limit int) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, 64<<10), limit: limit}
}

// next returns the next event; alive is called on every line read, the
// heartbeat comments included.
func (sr *sseReader) next(alive func()) (sseEvent, error) {
	var (
		ev      sseEvent
		hasData bool
		size    int
	)
	for {
		line, err := sr.line()
		if err != nil {
			return ev, err
		}
		alive()
		if len(line) == 0 {
			if hasData {
				if ev.name == "" {
					ev.name = "message"
				}
				return ev, nil
			}
			ev = sseEvent{}
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		size += len(value) + 1 // + the "\n" joining data lines
		if size > sr.limit {
			return ev, errEventTooLarge
		}
		switch string(field) {
		case "event":
			ev.name = string(value)
		case "data":
			if hasData {
				ev.data = append(ev.data, '\n')
			}
			ev.data = append(ev.data, value...)
			hasData = true
		}
	}
}

// line reads one line without its CR/LF, bounded by the limit.
func (sr *sseReader) line() ([]byte, error) {
	var buf []byte
	for {
		frag, err := sr.r.ReadSlice('\n')
		if len(buf)+len(frag) > sr.limit+2 {
			return nil, errEventTooLarge
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
