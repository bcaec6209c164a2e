package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/mention"
)

// Reasons a Publisher itself rejects a record for. Sources add their own
// (bad_date, empty_text, …) with Reject. A Mention validation failure is
// "invalid_<field>", e.g. "invalid_created_at".
const (
	ReasonTooLarge = "too_large"
	ReasonNil      = "nil_record"
)

// Ack tells a source that a batch was written and acknowledged by Kafka.
type Ack struct {
	// Records is the number of records in the batch (0 when only rejected
	// records were settled since the last ack).
	Records int
	// Cursor is the cursor of the last record handed to Publish or Reject
	// before the batch was cut: every record up to it is settled (written
	// or rejected), so a source may resume after it.
	Cursor int64
}

// Stats are a Publisher's running totals.
type Stats struct {
	Published int64
	Bytes     int64
	Batches   int64
	Rejected  map[string]int64 // by reason
}

// RejectedTotal sums Rejected.
func (s Stats) RejectedTotal() int64 {
	var n int64
	for _, v := range s.Rejected {
		n += v
	}
	return n
}

// Publisher validates, encodes and batches Mention records and writes them
// to one Kafka topic, keyed by conversation id. It is safe for concurrent
// use; Publish blocks while a batch is being written, which is the
// back-pressure a source needs.
type Publisher struct {
	cfg    PublisherConfig
	source string
	w      bus.Writer
	log    *slog.Logger
	onAck  func(context.Context, Ack) error
	met    *Metrics

	published, bytes, writeErrs prometheus.Counter
	duration, records           prometheus.Observer
	rejected                    *prometheus.CounterVec

	mu          sync.Mutex
	batch       []kafka.Message
	batchBytes  int
	oldest      time.Time
	cursor      int64
	ackedCursor int64
	settled     bool // a record was settled since the last ack
	stats       Stats
	since       map[string]int64 // rejections since the last summary line
	example     map[string]string
	bgErr       error // a background flush failure, returned by the next call
	closing     bool  // Close has begun
	closed      bool  // Close flushed: Publish fails

	// Retries of transient Kafka errors. The background flush makes one
	// attempt at a time (it must not hold the lock while it waits) and
	// tries again at retryAt.
	outage       *bus.Outage
	backoff      *bus.Backoff
	failingSince time.Time // first failed attempt of the batch being written
	retryAt      time.Time

	bgCtx    context.Context // the background flush's; ends when Close begins
	bgCancel context.CancelFunc
	stop     chan struct{}
	done     chan struct{}
}

// PublisherOptions are the collaborators of a Publisher.
type PublisherOptions struct {
	// Source names the source in metrics and logs ("replay:twcs", "simulate").
	Source string
	// Writer writes to the raw topic (bus.NewWriter(cfg, cfg.RawTopic)).
	Writer bus.Writer
	// Metrics may be shared by several publishers; nil registers nowhere.
	Metrics *Metrics
	// Log receives one summary line per batch with rejections; nil discards.
	Log *slog.Logger
	// OnAck, if set, is called after every acknowledged batch, in order,
	// with the cursor up to which every record is settled. An error from it
	// is returned by the Publish or Flush call that wrote the batch.
	OnAck func(context.Context, Ack) error
}

// NewPublisher starts a publisher. Close it to flush what is buffered.
func NewPublisher(cfg PublisherConfig, o PublisherOptions) (*Publisher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Writer == nil {
		return nil, errors.New("ingest: publisher needs a Writer")
	}
	if strings.TrimSpace(o.Source) == "" {
		return nil, errors.New("ingest: publisher needs a Source name")
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	log := o.Log.With("source", o.Source)
	p := &Publisher{
		cfg: cfg, source: o.Source, w: o.Writer, log: log, onAck: o.OnAck, met: o.Metrics,
		published: o.Metrics.Published.WithLabelValues(o.Source),
		bytes:     o.Metrics.PublishedSize.WithLabelValues(o.Source),
		writeErrs: o.Metrics.WriteErrors.WithLabelValues(o.Source),
		duration:  o.Metrics.BatchDuration.WithLabelValues(o.Source),
		records:   o.Metrics.BatchRecords.WithLabelValues(o.Source),
		rejected:  o.Metrics.Rejected.MustCurryWith(prometheus.Labels{"source": o.Source}),
		batch:     make([]kafka.Message, 0, min(cfg.BatchSize, 65536)),
		stats:     Stats{Rejected: map[string]int64{}},
		since:     map[string]int64{},
		example:   map[string]string{},
		outage: bus.NewOutage("publish to the raw topic", log,
			o.Metrics.Retries.WithLabelValues(o.Source), o.Metrics.Retrying.WithLabelValues(o.Source)),
		backoff: bus.NewBackoff(cfg.RetryBackoffMin, cfg.RetryBackoffMax),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	p.bgCtx, p.bgCancel = context.WithCancel(context.Background())
	o.Metrics.outages.add(o.Source, p.outage)
	go p.flushLoop()
	return p, nil
}

// Publish validates and encodes m and adds it to the batch, writing the
// batch when it is full. cursor is the source's position of m (any
// increasing number: a row index, an offset); it comes back in Ack.
//
// An invalid record is not an error: it is counted under its reason,
// summarised in the log, and skipped. A write that fails for a transient
// reason (the broker down, no leader, a timeout) is retried with back-off,
// Publish blocking meanwhile. Publish returns an error only when a write
// failed for good (a permanent error, or transient for longer than
// KafkaRetryMax) or ctx ended; what was not written stays buffered and
// the next Flush writes it.
func (p *Publisher) Publish(ctx context.Context, m *mention.Mention, cursor int64) error {
	var (
		data   []byte
		err    error
		reason string
	)
	switch {
	case m == nil:
		reason, err = ReasonNil, errors.New("nil record")
	default:
		data, err = mention.Encode(m)
		if err != nil {
			reason = RejectReason(err)
		} else if len(data) > mention.MaxRecordBytes {
			reason, err = ReasonTooLarge, fmt.Errorf("encoded record is %d bytes, the limit is %d", len(data), mention.MaxRecordBytes)
		}
	}
	return p.publish(ctx, m, data, cursor, reason, err)
}

// PublishEncoded is Publish for a record the source already holds encoded:
// data must be what m was decoded from (mention.Decode accepted it), and it
// is published as it is, without encoding m again. It copies data.
func (p *Publisher) PublishEncoded(ctx context.Context, m *mention.Mention, data []byte, cursor int64) error {
	var (
		err    error
		reason string
	)
	switch {
	case m == nil:
		reason, err = ReasonNil, errors.New("nil record")
	case len(data) > mention.MaxRecordBytes:
		reason, err = ReasonTooLarge, fmt.Errorf("encoded record is %d bytes, the limit is %d", len(data), mention.MaxRecordBytes)
	default:
		data = bytes.Clone(data)
	}
	return p.publish(ctx, m, data, cursor, reason, err)
}

func (p *Publisher) publish(ctx context.Context, m *mention.Mention, data []byte, cursor int64, reason string, err error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("ingest: publish on a closed publisher")
	}
	if reason != "" {
		id := ""
		if m != nil {
			id = m.ID
		}
		p.rejectLocked(cursor, reason, id, err)
		return p.takeBgErrLocked()
	}
	if err := p.takeBgErrLocked(); err != nil {
		return err
	}
	if len(p.batch) > 0 && p.batchBytes+len(data) > p.cfg.BatchBytes {
		if err := p.flushLocked(ctx, true); err != nil {
			return err
		}
	}
	if len(p.batch) == 0 {
		p.oldest = time.Now()
	}
	// The message time is left to the writer (now): a Kafka topic with
	// time-based retention would delete records stamped with an old
	// created_at (a 2017 replay) at once.
	p.batch = append(p.batch, kafka.Message{Key: m.PartitionKey(), Value: data})
	p.batchBytes += len(data)
	p.cursor, p.settled = cursor, true
	if len(p.batch) >= p.cfg.BatchSize {
		return p.flushLocked(ctx, true)
	}
	return nil
}

// Reject counts a record the source could not map to a Mention (a bad date,
// an empty text, …) under reason, a short snake_case label value. detail
// (the line, the id) goes to the log summary.
func (p *Publisher) Reject(cursor int64, reason, detail string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rejectLocked(cursor, reason, detail, err)
}

func (p *Publisher) rejectLocked(cursor int64, reason, detail string, err error) {
	p.rejected.WithLabelValues(reason).Inc()
	p.stats.Rejected[reason]++
	p.since[reason]++
	if _, ok := p.example[reason]; !ok {
		ex := detail
		if err != nil {
			if ex != "" {
				ex += ": "
			}
			ex += err.Error()
		}
		p.example[reason] = ex
	}
	p.cursor, p.settled = cursor, true
}

// CountRejected adds n records that the source rejected before they reached
// the publisher (while loading a file, say) to the metrics and Stats. It
// neither logs them (the source summarised them) nor moves the cursor.
func (p *Publisher) CountRejected(reason string, n int64) {
	if n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rejected.WithLabelValues(reason).Add(float64(n))
	p.stats.Rejected[reason] += n
}

// RejectReason maps a validation error to a metric label: "invalid_<field>"
// for a *mention.FieldError, "invalid" otherwise.
func RejectReason(err error) string {
	var fe *mention.FieldError
	if errors.As(err, &fe) {
		return "invalid_" + strings.ReplaceAll(fe.Field, ".", "_")
	}
	return "invalid"
}

// Flush writes what is buffered and waits for Kafka's acknowledgement,
// retrying transient errors as Publish does.
func (p *Publisher) Flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.takeBgErrLocked(); err != nil && len(p.batch) == 0 {
		return err
	}
	return p.flushLocked(ctx, true)
}

// Ready reports, for /readyz, whether the publisher reaches Kafka: it
// returns an error while its writes keep failing and are being retried.
func (p *Publisher) Ready(context.Context) error { return p.outage.Err() }

// Close flushes what is buffered and stops the publisher. It does not close
// the Writer, which belongs to the caller. Close is safe to call twice.
func (p *Publisher) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed || p.closing {
		p.mu.Unlock()
		return nil
	}
	p.closing = true
	p.mu.Unlock()
	p.bgCancel() // a background write attempt stops at once
	close(p.stop)
	<-p.done
	defer p.met.outages.remove(p.source)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true // later Publish calls fail
	p.bgErr = nil   // the final flush retries whatever failed in the background
	return p.flushLocked(ctx, true)
}

// Stats returns the running totals.
func (p *Publisher) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Rejected = maps.Clone(p.stats.Rejected)
	return s
}

func (p *Publisher) takeBgErrLocked() error {
	err := p.bgErr
	p.bgErr = nil
	return err
}

// flushLocked writes the batch (if any), then acknowledges the settled
// cursor and logs the rejections since the last summary. With retry, it
// retries transient errors until the batch is written; without (the
// background flush), it makes one attempt and schedules the next at
// p.retryAt.
func (p *Publisher) flushLocked(ctx context.Context, retry bool) error {
	n := len(p.batch)
	if n > 0 {
		if err := p.writeLocked(ctx, retry); err != nil {
			return err
		}
	}
	p.logRejectionsLocked()
	if !p.settled {
		return nil
	}
	p.settled = false
	p.ackedCursor = p.cursor
	if p.onAck != nil {
		if err := p.onAck(ctx, Ack{Records: n, Cursor: p.cursor}); err != nil {
			return fmt.Errorf("ingest %s: acknowledge batch: %w", p.source, err)
		}
	}
	return nil
}

// writeLocked writes p.batch until Kafka acknowledged all of it. After a
// partial failure only the unwritten records (and the later records of
// their conversations, to keep them in order) stay in p.batch; a
// transient failure is retried with back-off (when retry) until the batch
// is written, ctx ends or the batch kept failing for KafkaRetryMax.
func (p *Publisher) writeLocked(ctx context.Context, retry bool) error {
	start := time.Now()
	n := len(p.batch)
	for {
		wctx, cancel := context.WithTimeout(ctx, p.cfg.WriteTimeout)
		err := p.w.WriteMessages(wctx, p.batch...)
		cancel()
		if err == nil {
			p.countWrittenLocked(p.batch)
			clear(p.batch) // drop references to the encoded records
			p.batch = p.batch[:0]
			p.batchBytes = 0
			p.duration.Observe(time.Since(start).Seconds())
			p.records.Observe(float64(n))
			p.stats.Batches++
			p.outage.Recovered()
			p.backoff.Reset()
			p.failingSince, p.retryAt = time.Time{}, time.Time{}
			return nil
		}
		p.writeErrs.Inc()
		if idx := bus.UnwrittenIndexes(p.batch, err); len(idx) < len(p.batch) {
			// Some records were written: keep only the others.
			rest := make([]kafka.Message, 0, len(idx))
			keep := make(map[int]bool, len(idx))
			for _, i := range idx {
				rest = append(rest, p.batch[i])
				keep[i] = true
			}
			var done []kafka.Message
			for i, m := range p.batch {
				if !keep[i] {
					done = append(done, m)
				}
			}
			p.countWrittenLocked(done)
			clear(p.batch)
			p.batch = append(p.batch[:0], rest...)
			p.batchBytes = 0
			for _, m := range p.batch {
				p.batchBytes += len(m.Value)
			}
		}
		werr := fmt.Errorf("ingest %s: write %d records to Kafka: %w", p.source, len(p.batch), summarizeWriteError(err))
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("%w (interrupted: %v; the batch stays buffered, not acknowledged)", werr, context.Cause(ctx))
		case !bus.Transient(err):
			return fmt.Errorf("%w (a permanent error, not retried)", werr)
		}
		if p.failingSince.IsZero() {
			p.failingSince = time.Now()
		}
		if p.cfg.KafkaRetryMax > 0 && time.Since(p.failingSince) >= p.cfg.KafkaRetryMax {
			return &bus.RetryExhaustedError{Op: "ingest " + p.source + " publish", For: time.Since(p.failingSince), Err: werr}
		}
		wait := p.backoff.Next()
		p.outage.Failed(werr, wait)
		if !retry {
			p.retryAt = time.Now().Add(wait)
			return errRetryLater
		}
		if !bus.Sleep(ctx, wait) {
			return fmt.Errorf("%w (interrupted: %v; the batch stays buffered, not acknowledged)", werr, context.Cause(ctx))
		}
	}
}

// errRetryLater: the background flush failed for a transient reason and
// tries again at retryAt.
var errRetryLater = errors.New("ingest: write failed; retrying later")

func (p *Publisher) countWrittenLocked(msgs []kafka.Message) {
	var bytes int
	for _, m := range msgs {
		bytes += len(m.Value)
	}
	p.published.Add(float64(len(msgs)))
	p.bytes.Add(float64(bytes))
	p.stats.Published += int64(len(msgs))
	p.stats.Bytes += int64(bytes)
}

func (p *Publisher) logRejectionsLocked() {
	if len(p.since) == 0 {
		return
	}
	reasons := make([]string, 0, len(p.since))
	var total int64
	for r, c := range p.since {
		reasons = append(reasons, r)
		total += c
	}
	sort.Strings(reasons)
	attrs := []any{"skipped", total}
	for _, r := range reasons {
		attrs = append(attrs, slog.Group(r, "count", p.since[r], "example", p.example[r]))
	}
	p.log.Warn("skipped records that cannot be published", attrs...)
	clear(p.since)
	clear(p.example)
}

// flushLoop writes a partial batch once its oldest record has waited
// FlushInterval, so that a slow source's records are not held back.
func (p *Publisher) flushLoop() {
	defer close(p.done)
	tick := time.NewTicker(max(p.cfg.FlushInterval/4, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		p.mu.Lock()
		if p.bgErr == nil && time.Now().After(p.retryAt) &&
			(len(p.batch) > 0 && time.Since(p.oldest) >= p.cfg.FlushInterval || len(p.batch) == 0 && p.settled) {
			if err := p.flushLocked(p.bgCtx, false); err != nil && !errors.Is(err, errRetryLater) && p.bgCtx.Err() == nil {
				p.log.Error("background flush failed; the batch stays buffered", "err", err)
				p.bgErr = err
			}
		}
		p.mu.Unlock()
	}
}

// summarizeWriteError shortens kafka-go's per-message WriteErrors to its
// distinct causes.
func summarizeWriteError(err error) error {
	var we kafka.WriteErrors
	if !errors.As(err, &we) {
		return err
	}
	seen := map[string]int{}
	var order []string
	for _, e := range we {
		if e == nil {
			continue
		}
		s := e.Error()
		if seen[s] == 0 {
			order = append(order, s)
		}
		seen[s]++
	}
	parts := make([]string, 0, len(order))
	for _, s := range order {
		parts = append(parts, fmt.Sprintf("%d× %s", seen[s], s))
	}
	return fmt.Errorf("%d of %d messages failed: %s", we.Count(), len(we), strings.Join(parts, "; "))
}
