package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

// Stage names the sink in dead letters (header earshot-stage).
const Stage = "sink"

// Reader is what the sink needs of a Kafka consumer-group reader (a
// *kafka.Reader from bus.NewReader satisfies it).
type Reader interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
}

// InsertFunc inserts the column slices of a storage.MentionBlock (or a
// row range of them) into ClickHouse.
type InsertFunc func(ctx context.Context, cols []any) error

// Options are the sink's collaborators.
type Options struct {
	// Conn is the ClickHouse connection (readiness and the default insert).
	Conn driver.Conn
	// Database holds the mentions table.
	Database string
	// Reader consumes the enriched topic in the sink's group.
	Reader Reader
	// DLQ writes dead letters (bus.NewWriter(kafka, kafka.DLQTopic)).
	DLQ bus.Writer
	// Metrics; nil registers nothing (NewMetrics on a throw-away registry).
	Metrics *Metrics
	// Log; nil discards.
	Log *slog.Logger
	// Insert overrides storage.InsertColumns into Database (tests inject
	// faults around the real insert with it).
	Insert InsertFunc
}

// Sink moves enriched mentions from Kafka into ClickHouse.
type Sink struct {
	cfg    Config
	conn   driver.Conn
	reader Reader
	dlq    bus.Writer
	insert InsertFunc
	m      *Metrics
	log    *slog.Logger
	// held counts the records in memory: fetched and handed to the
	// batcher, not yet flushed (earshot_sink_buffered_records).
	held atomic.Int64
	// stopping is set when Run shuts down: commits then no longer wait
	// for a rebalance to end.
	stopping atomic.Bool
}

// New checks the configuration and returns a sink; Run starts it.
func New(cfg Config, o Options) (*Sink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Reader == nil || o.DLQ == nil {
		return nil, errors.New("sink: a Kafka reader and a DLQ writer are required")
	}
	if o.Insert == nil {
		if o.Conn == nil {
			return nil, errors.New("sink: a ClickHouse connection is required")
		}
		conn, db := o.Conn, o.Database
		o.Insert = func(ctx context.Context, cols []any) error { return storage.InsertColumns(ctx, conn, db, cols) }
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(prometheus.NewRegistry())
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	o.Metrics.InsertSlots.Set(float64(cfg.InsertConcurrency))
	return &Sink{cfg: cfg, conn: o.Conn, reader: o.Reader, dlq: o.DLQ, insert: o.Insert, m: o.Metrics, log: o.Log}, nil
}

// Ready is the readiness check: ClickHouse answers a ping.
func (s *Sink) Ready(ctx context.Context) error {
	if s.conn == nil {
		return errors.New("no ClickHouse connection")
	}
	return s.conn.Ping(ctx)
}

// batch is what the sink holds between two flushes.
type batch struct {
	block storage.MentionBlock
	rows  []kafka.Message // the record of each row, to dead-letter a row ClickHouse rejects
	dead  []kafka.Message // dead letters to write before the commit
	kinds map[string]int  // dead letters by reason kind
	// example reason per kind, for the one log line per flush
	examples map[string]string
	last     map[int]kafka.Message // the highest record per partition: what to commit
	bytes    int
	records  int
	// Progress of a flush that ctx interrupted, so that the final flush
	// on shutdown does not insert or dead-letter twice.
	inserted, deadWritten bool
	rejected              int
	started               time.Time // when its insert began
}

func newBatch() *batch {
	return &batch{kinds: map[string]int{}, examples: map[string]string{}, last: map[int]kafka.Message{}}
}

func (b *batch) reset() {
	b.block.Reset()
	clear(b.rows)
	b.rows = b.rows[:0]
	b.dead = nil
	clear(b.kinds)
	clear(b.examples)
	clear(b.last)
	b.bytes, b.records = 0, 0
	b.inserted, b.deadWritten, b.rejected = false, false, 0
}

func (b *batch) addDead(kind, reason string, from *kafka.Message) {
	b.dead = append(b.dead, bus.DeadLetter(Stage, reason, from, nil, nil))
	b.kinds[kind]++
	if _, ok := b.examples[kind]; !ok {
		b.examples[kind] = reason
	}
}

// fetched is a record and its decoding. The fetcher decodes, so that
// decoding the next batch overlaps the insert of the current one.
type fetched struct {
	msg kafka.Message
	m   *mention.Mention
	err error
}

// decodeQueue is the capacity of each decode worker's input and output
// channels.
const decodeQueue = 64

// startFetch starts the goroutines that read records from Kafka, decode
// them on DecodeWorkers goroutines and hand them to msgs in the order they
// were read; msgs is closed when reading stops, after *fetchErr was set
// (nil when ctx ended). The fetcher deals records round-robin to the
// workers and the merger takes results round-robin from them, so the
// order is kept without sequence numbers. Once ctx ends nothing more is
// handed over: what was handed over is a prefix of what was read, and the
// rest, never committed, is read again.
func (s *Sink) startFetch(ctx context.Context, msgs chan<- fetched, fetchErr *error) {
	w := s.cfg.DecodeWorkers
	in := make([]chan kafka.Message, w)
	out := make([]chan fetched, w)
	for i := range w {
		in[i] = make(chan kafka.Message, decodeQueue)
		out[i] = make(chan fetched, decodeQueue)
		go func() {
			defer close(out[i])
			for msg := range in[i] {
				m, err := mention.Decode(msg.Value)
				out[i] <- fetched{msg: msg, m: m, err: err}
			}
		}()
	}
	go func() { // the fetcher
		defer func() {
			for _, c := range in {
				close(c)
			}
		}()
		for i := 0; ; i = (i + 1) % w {
			msg, err := s.reader.FetchMessage(ctx)
			if err != nil {
				*fetchErr = err // read after msgs is closed
				return
			}
			s.m.Buffered.Set(float64(s.held.Add(1)))
			select {
			case in[i] <- msg:
			case <-ctx.Done():
				s.m.Buffered.Set(float64(s.held.Add(-1)))
				return // not handed over, not committed: redelivered
			}
		}
	}()
	go func() { // the merger
		defer close(msgs)
		stopped := false
		for i := 0; ; i = (i + 1) % w {
			f, ok := <-out[i]
			if !ok {
				return // the fetcher stopped; every earlier result was taken
			}
			if !stopped {
				select {
				case msgs <- f:
					continue
				case <-ctx.Done():
					stopped = true
				}
			}
			s.m.Buffered.Set(float64(s.held.Add(-1))) // dropped: redelivered
		}
	}()
}

// add appends one decoded record to the batch, or turns it into a dead
// letter.
func (s *Sink) add(b *batch, f fetched) {
	msg, m, err := f.msg, f.m, f.err
	s.m.Messages.Inc()
	b.records++
	b.bytes += len(msg.Key) + len(msg.Value)
	// The highest record per partition: after a rebalance a partition can
	// be delivered again from its committed offset, and a commit must
	// never move a partition backwards.
	if last, ok := b.last[msg.Partition]; !ok || msg.Offset > last.Offset {
		b.last[msg.Partition] = msg
	}
	if err != nil {
		if errors.Is(err, mention.ErrDecode) {
			b.addDead(ReasonDecode, "undecodable record: "+err.Error(), &msg)
		} else {
			b.addDead(ReasonInvalid, "invalid record: "+err.Error(), &msg)
		}
		return
	}
	if err := b.block.Append(m); err != nil {
		b.addDead(ReasonInvalid, "invalid record: "+err.Error(), &msg)
		return
	}
	b.rows = append(b.rows, msg)
}

// full counts records, not only rows: a run of poison records (dead
// letters, no row) must close a batch too, or it would grow unbounded
// until the flush interval.
func (s *Sink) full(b *batch) bool {
	return b.records >= s.cfg.BatchRows || b.bytes >= s.cfg.BatchBytes
}

// Run consumes until ctx ends or the reader fails, then flushes and
// commits what it holds within ShutdownTimeout. It returns nil after a
// shutdown by ctx whose final flush completed, and otherwise the error
// (records not committed are read again by the next sink of the group).
//
// Three goroutines overlap the work: the fetcher reads and decodes
// records, the loop below appends them to a batch, and the flusher
// inserts the previous batch into ClickHouse, writes its dead letters and
// commits its offsets. The flusher takes one batch at a time, in order, so
// offsets are committed only after ClickHouse confirmed every row below
// them; while it works, the next batch fills. Held in memory at most: the
// batch being inserted, the batch being built, and the fetch buffer
// (Config.MaxHeld).
func (s *Sink) Run(ctx context.Context) error {
	s.log.Info("sink started", "batch_rows", s.cfg.BatchRows, "batch_bytes", s.cfg.BatchBytes, "flush_interval", s.cfg.FlushInterval, "group", s.cfg.Group)
	fetchCtx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()
	msgs := make(chan fetched, s.cfg.FetchBuffer)
	var fetchErr error
	s.startFetch(fetchCtx, msgs, &fetchErr)

	// The flusher's context outlives ctx: an insert in flight when ctx
	// ends completes (within ShutdownTimeout) rather than being redone.
	flushCtx, cancelFlush := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelFlush(nil)
	stopFlush := func() {
		cancelFlush(fmt.Errorf("shutdown timeout %s: %w", s.cfg.ShutdownTimeout, context.DeadlineExceeded))
	}
	toFlush := make(chan *batch) // unbuffered: the flusher takes a batch when it has room
	free := make(chan *batch, s.cfg.InsertConcurrency+1)
	for range s.cfg.InsertConcurrency + 1 {
		free <- newBatch()
	}
	flushDone := make(chan error, 1)
	go func() { flushDone <- s.flusher(flushCtx, toFlush, free) }()

	b := <-free
	var (
		timer  *time.Timer
		timerC <-chan time.Time
		// due: the flush interval of b has passed; b goes to the flusher
		// as soon as it has room, and grows until then. While ClickHouse
		// is busy with earlier inserts, batches therefore grow (up to
		// BatchRows/BatchBytes) instead of queueing up small: fewer,
		// larger inserts — fewer parts, less work per row — exactly
		// when ClickHouse is the bottleneck. An idle flusher takes b at
		// once, so latency at low rates is unchanged.
		due bool
	)
	// handOff gives the batch to the flusher (waiting while it inserts
	// the previous one: back-pressure) and takes an empty one.
	handOff := func(ctx context.Context) error {
		due = false
		if timer != nil {
			timer.Stop()
			timer, timerC = nil, nil
		}
		if b.records == 0 {
			return nil
		}
		select {
		case toFlush <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		b = <-free // the flusher returned the previous batch before it took this one
		return nil
	}
	// shutdown hands over what is held, and what the fetcher already
	// handed over, and waits for the flusher, within ShutdownTimeout.
	shutdown := func(cause error) error {
		stopFetch()
		s.stopping.Store(true)
		deadline := time.AfterFunc(s.cfg.ShutdownTimeout, stopFlush)
		defer deadline.Stop()
		bg := context.Background()
		for m := range msgs {
			s.add(b, m)
			if s.full(b) {
				_ = handOff(bg) // never fails: the flusher drains toFlush even after an error
			}
		}
		_ = handOff(bg)
		close(toFlush)
		err := <-flushDone
		if err != nil {
			err = fmt.Errorf("sink: final flush: %w (the records not committed will be read again)", err)
		}
		s.log.Info("sink stopped", "cause", cause, "err", err)
		return errors.Join(cause, err)
	}

	for {
		var flushC chan<- *batch // non-nil when b is due
		if due {
			flushC = toFlush
		}
		select {
		case <-ctx.Done():
			return shutdown(nil)
		case flushC <- b:
			due = false
			b = <-free // see handOff
		case m, ok := <-msgs:
			if !ok {
				if ctx.Err() != nil {
					return shutdown(nil)
				}
				return shutdown(fmt.Errorf("sink: fetch from Kafka: %w", fetchErr))
			}
			s.add(b, m)
			if s.full(b) {
				if err := handOff(ctx); err != nil {
					return shutdown(nil)
				}
			} else if timerC == nil && !due {
				timer = time.NewTimer(s.cfg.FlushInterval)
				timerC = timer.C
			}
		case <-timerC:
			timer, timerC = nil, nil
			due = true
		}
	}
}

// flusher inserts the batches of in, up to InsertConcurrency at once,
// and completes them — dead letters, then the commit — one after the
// other in the order they came, returning each to free. A batch is
// completed only after its own insert and every earlier batch's were
// confirmed, so a commit never covers a row ClickHouse has not stored.
// After a failed batch (only ctx ending fails one) it completes nothing
// more: a later batch's commit would cover the failed one's records. It
// drops the batches still handed over, uncommitted (they are read again),
// and returns the first error once in is closed.
func (s *Sink) flusher(ctx context.Context, in <-chan *batch, free chan<- *batch) error {
	type inFlight struct {
		b    *batch
		done chan error
	}
	var (
		queue  []inFlight
		failed error
	)
	// complete finishes the head of the queue, whose insert returned err.
	completeHead := func(err error) {
		head := queue[0]
		queue = queue[1:]
		if failed == nil {
			if err == nil {
				err = s.complete(ctx, head.b)
			}
			if err != nil {
				failed = err
				if c := context.Cause(ctx); c != nil {
					failed = c // the shutdown timeout
				}
			}
		}
		if failed != nil {
			s.m.Buffered.Set(float64(s.held.Add(-int64(head.b.records))))
			head.b.reset()
		}
		free <- head.b
	}
	for in != nil || len(queue) > 0 {
		var (
			next     <-chan *batch // nil while InsertConcurrency batches are in flight
			headDone <-chan error
		)
		if in != nil && len(queue) < s.cfg.InsertConcurrency {
			next = in
		}
		if len(queue) > 0 {
			headDone = queue[0].done
		}
		select {
		case b, ok := <-next:
			if !ok {
				in = nil
				continue
			}
			done := make(chan error, 1)
			if failed == nil {
				go func() { done <- s.insertBatch(ctx, b) }()
			} else {
				done <- failed
			}
			queue = append(queue, inFlight{b: b, done: done})
		case err := <-headDone:
			completeHead(err)
		}
	}
	return failed
}

// insertBatch inserts the batch's rows into ClickHouse, splitting it to
// isolate rows ClickHouse rejects (they become dead letters). Only ctx
// ending stops it early; the batch is then kept, uncommitted.
func (s *Sink) insertBatch(ctx context.Context, b *batch) error {
	if b.inserted || b.block.Len() == 0 {
		b.inserted = true
		return nil
	}
	b.started = time.Now()
	if err := s.insertRange(ctx, b.block.Columns(), b.rows, b); err != nil {
		return err
	}
	if b.rejected > 0 {
		s.log.Error("ClickHouse rejected rows; they go to the dead-letter topic", "rows", b.rejected, "of", b.block.Len(), "example", b.examples[ReasonRejected])
	}
	b.inserted = true
	return nil
}

// complete finishes an inserted batch: dead letters to the DLQ, then the
// commit of the offsets of every record in the batch.
func (s *Sink) complete(ctx context.Context, b *batch) error {
	if b.records == 0 {
		return nil
	}
	if !b.deadWritten && len(b.dead) > 0 {
		if err := s.retry(ctx, "write dead letters", func(ctx context.Context) error { return s.dlq.WriteMessages(ctx, b.dead...) }); err != nil {
			return err
		}
		for kind, n := range b.kinds {
			s.m.DLQ.WithLabelValues(kind).Add(float64(n))
			if kind != ReasonRejected {
				s.log.Warn("records dead-lettered", "reason", kind, "count", n, "example", b.examples[kind])
			}
		}
	}
	b.deadWritten = true
	rows := b.block.Len() - b.rejected
	s.commit(ctx, b)
	s.m.RowsInserted.Add(float64(rows))
	s.m.Batches.Inc()
	s.m.BatchRows.Observe(float64(rows))
	s.m.BatchBytes.Observe(float64(b.bytes))
	s.log.Debug("batch flushed", "records", b.records, "rows", rows, "dead", len(b.dead), "bytes", b.bytes, "took", time.Since(b.started))
	s.m.Buffered.Set(float64(s.held.Add(-int64(b.records))))
	b.reset()
	return nil
}

// insertRange inserts the rows of cols (rows are their records), retrying transient and
// schema errors with back-off until ctx ends. When ClickHouse rejects the
// data itself, it splits the range in two and inserts each half, down to
// single rows; a single row ClickHouse rejects becomes a dead letter.
func (s *Sink) insertRange(ctx context.Context, cols []any, rows []kafka.Message, b *batch) error {
	backoff := s.cfg.RetryInitial
	for attempt := 1; ; attempt++ {
		ictx, cancel := context.WithTimeout(ctx, s.cfg.InsertTimeout)
		start := time.Now()
		err := s.insert(ictx, cols)
		cancel()
		s.m.InsertDuration.Observe(time.Since(start).Seconds())
		if err == nil {
			if attempt > 1 {
				s.m.Retrying.Set(0)
				s.log.Info("insert succeeded after retries", "attempts", attempt, "rows", len(rows))
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		kind := storage.Classify(err)
		s.m.InsertErrors.WithLabelValues(string(kind)).Inc()
		if kind == storage.ErrorData {
			if len(rows) == 1 {
				b.addDead(ReasonRejected, "rejected by ClickHouse: "+err.Error(), &rows[0])
				b.rejected++
				return nil
			}
			s.log.Debug("ClickHouse rejected the data; splitting the batch to find the bad rows", "rows", len(rows), "err", err)
			mid := len(rows) / 2
			if err := s.insertRange(ctx, storage.SliceColumns(cols, 0, mid), rows[:mid], b); err != nil {
				return err
			}
			return s.insertRange(ctx, storage.SliceColumns(cols, mid, len(rows)), rows[mid:], b)
		}
		s.m.Retrying.Set(1)
		hint := ""
		if kind == storage.ErrorSchema {
			hint = "check the schema (earshot migrate up) and the ClickHouse user's grants"
		}
		s.log.Warn("insert into ClickHouse failed; consumption paused, retrying", "kind", kind, "attempt", attempt, "rows", len(rows), "retry_in", backoff, "err", err, "hint", hint)
		if err := sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = nextBackoff(backoff, s.cfg.RetryMax)
	}
}

// retry runs op until it succeeds or ctx ends, with back-off.
func (s *Sink) retry(ctx context.Context, what string, op func(context.Context) error) error {
	backoff := s.cfg.RetryInitial
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			if attempt > 1 {
				s.m.Retrying.Set(0)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.m.Retrying.Set(1)
		s.log.Warn("sink: "+what+" failed; consumption paused, retrying", "attempt", attempt, "retry_in", backoff, "err", err)
		if err := sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = nextBackoff(backoff, s.cfg.RetryMax)
	}
}

// commitAttempts bounds the retries of a commit: a commit that keeps
// failing (the group rebalanced and another member owns the partition)
// only means redelivery, and redelivered rows are deduplicated.
const commitAttempts = 5

// rebalanceWait bounds how long a commit waits for the group to finish a
// rebalance (the reader's RebalanceTimeout is 10 s).
const rebalanceWait = 15 * time.Second

// commit commits the highest record of each partition in the batch.
func (s *Sink) commit(ctx context.Context, b *batch) {
	msgs := make([]kafka.Message, 0, len(b.last))
	for _, m := range b.last {
		msgs = append(msgs, m)
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].Partition < msgs[j].Partition })
	backoff := s.cfg.RetryInitial
	start := time.Now()
	var err error
	for attempt := 1; attempt <= commitAttempts; attempt++ {
		if err = s.reader.CommitMessages(ctx, msgs...); err == nil {
			for _, m := range msgs {
				s.m.Committed.WithLabelValues(strconv.Itoa(m.Partition)).Set(float64(m.Offset + 1))
			}
			return
		}
		if ctx.Err() != nil {
			break
		}
		// The group is rebalancing (a join takes seconds): wait for the
		// next generation rather than give the batch up to redelivery.
		// GroupReader commits then only what this member still owns. Not
		// on shutdown: the final flush must not spend its budget waiting;
		// the records are read again.
		if _, hasDeadline := ctx.Deadline(); errors.Is(err, ErrNoGeneration) && !hasDeadline && !s.stopping.Load() && time.Since(start) < rebalanceWait {
			attempt--
			if sleep(ctx, 250*time.Millisecond) != nil {
				break
			}
			continue
		}
		if attempt == commitAttempts || sleep(ctx, backoff) != nil {
			break
		}
		backoff = nextBackoff(backoff, s.cfg.RetryMax)
	}
	s.m.CommitErrors.Inc()
	s.log.Warn("commit to Kafka failed; these records will be read again and deduplicated", "partitions", len(msgs), "err", err)
}

func nextBackoff(d, max time.Duration) time.Duration {
	d *= 2
	if d > max {
		d = max
	}
	return d
}

// sleep waits d ± 20 % or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
