package enrich

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/mention"
)

// Stage is the stage name in dead-letter headers.
const Stage = "enrich"

// Source is what the Processor needs of a Kafka consumer-group reader (a
// *kafka.Reader from bus.NewReader satisfies it).
type Source interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
	Close() error
}

// IO is where a Processor reads and writes. Topic names label metrics and
// logs.
type IO struct {
	Source        Source
	Enriched      bus.Writer
	DLQ           bus.Writer
	SourceTopic   string
	EnrichedTopic string
	DLQTopic      string
}

// Processor is the enrich stage: consumer group on the raw topic → decode →
// pipeline → encode → enriched topic (dead letters to the DLQ topic) →
// commit. See the package documentation for the delivery guarantees.
//
// Memory is bounded: at most three batches are held at a time (one being
// collected and enriched, one queued, one being written), each at most
// BatchSize records and about BatchBytes of input, plus the reader's fetch
// queue.
type Processor struct {
	cfg  Config
	pipe *Pipeline
	io   IO
	log  *slog.Logger
	met  *metrics

	started   atomic.Bool
	closeOnce sync.Once
	closeErr  error

	lists    [][]int32 // per-worker record indexes, reused between batches
	dlqLog   sampler   // one line per dead-letter kind per minute
	panicLog sampler   // one line per enricher per minute

	// Kafka outages, by operation: logs, retry metrics, readiness.
	fetchOut, enrichedOut, dlqOut, commitOut *bus.Outage

	totalIn, totalOut, totalDLQ atomic.Int64
}

// New builds a Processor reading kc.RawTopic as consumer group cfg.GroupID
// and writing kc.EnrichedTopic and kc.DLQTopic.
func New(cfg Config, kc bus.Config, pipe *Pipeline, reg prometheus.Registerer, log *slog.Logger) (*Processor, error) {
	if err := kc.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return NewWithIO(cfg, IO{
		Source:        bus.NewReader(kc, kc.RawTopic, cfg.GroupID),
		Enriched:      bus.NewWriter(kc, kc.EnrichedTopic),
		DLQ:           bus.NewWriter(kc, kc.DLQTopic),
		SourceTopic:   kc.RawTopic,
		EnrichedTopic: kc.EnrichedTopic,
		DLQTopic:      kc.DLQTopic,
	}, pipe, reg, log)
}

// NewWithIO builds a Processor on the given reader and writers, which it
// owns and closes.
func NewWithIO(cfg Config, io IO, pipe *Pipeline, reg prometheus.Registerer, log *slog.Logger) (*Processor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if io.Source == nil || io.Enriched == nil || io.DLQ == nil {
		return nil, errors.New("enrich: IO needs a Source, an Enriched writer and a DLQ writer")
	}
	if pipe == nil {
		return nil, errors.New("enrich: no pipeline")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	met, err := newMetrics(reg, pipe)
	if err != nil {
		return nil, fmt.Errorf("enrich: metrics: %w", err)
	}
	p := &Processor{cfg: cfg, pipe: pipe, io: io, log: log, met: met, lists: make([][]int32, cfg.Workers)}
	p.dlqLog.every, p.panicLog.every = time.Minute, time.Minute
	outage := func(op string) *bus.Outage {
		return bus.NewOutage(op, log, met.kafkaRetries.WithLabelValues(op), met.kafkaRetrying.WithLabelValues(op))
	}
	p.fetchOut, p.enrichedOut, p.dlqOut, p.commitOut = outage(OpFetch), outage(OpWriteEnriched), outage(OpWriteDLQ), outage(OpCommit)
	return p, nil
}

// Ready reports, for /readyz, whether Kafka is reachable: it returns an
// error while fetching, writing to the output topics or committing keeps
// failing (and is being retried).
func (p *Processor) Ready(context.Context) error {
	return errors.Join(p.fetchOut.Err(), p.enrichedOut.Err(), p.dlqOut.Err(), p.commitOut.Err())
}

// commitAttemptTimeout bounds one commit attempt: a consumer-group reader
// blocks a commit while it has no generation (the broker is down or the
// group rebalances), and the wait must show up as a failed attempt.
const commitAttemptTimeout = 15 * time.Second

// fetchQuiet is how long a fetch must go without an error, after fetches
// failed, for the fetch outage to count as over while no record arrives:
// the reader heals in the background and reports errors as they occur.
func (p *Processor) fetchQuiet() time.Duration {
	return max(2*p.cfg.RetryBackoffMax, time.Second)
}

// Run consumes until ctx ends or a fatal error occurs. On cancellation it
// stops fetching, enriches and writes what it already fetched, commits it,
// and closes the reader and writers, all within ShutdownTimeout. It returns
// nil after a clean shutdown. Run may be called once.
func (p *Processor) Run(ctx context.Context) error {
	if !p.started.CompareAndSwap(false, true) {
		return errors.New("enrich: Processor.Run called twice")
	}
	defer p.Close()

	p.log.Info("enrich started", "group", p.cfg.GroupID, "from", p.io.SourceTopic, "to", p.io.EnrichedTopic,
		"dlq", p.io.DLQTopic, "workers", p.cfg.Workers, "batch_size", p.cfg.BatchSize, "enricher", p.pipe.Version())

	fetchCtx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()
	// Work (enrich, write, commit) outlives ctx by at most ShutdownTimeout so
	// that the batch in flight is flushed.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	finished := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			t := time.NewTimer(p.cfg.ShutdownTimeout)
			defer t.Stop()
			select {
			case <-t.C:
				stopWork()
			case <-finished:
			}
		case <-finished:
		}
	}()

	fetched := make(chan kafka.Message, min(p.cfg.BatchSize, 1024))
	enriched := make(chan *batch, 1)
	errc := make(chan error, 3)
	go func() { errc <- p.fetchLoop(fetchCtx, fetched) }()
	go func() { errc <- p.enrichLoop(workCtx, fetched, enriched) }()
	go func() { errc <- p.deliverLoop(workCtx, enriched) }()
	var first error
	for range 3 {
		if err := <-errc; err != nil && first == nil {
			first = err
			stopFetch()
			stopWork()
		}
	}
	close(finished)
	if first != nil {
		p.log.Error("enrich stopped", "err", first, "in", p.totalIn.Load(), "out", p.totalOut.Load(), "dlq", p.totalDLQ.Load())
		return first
	}
	p.log.Info("enrich stopped", "in", p.totalIn.Load(), "out", p.totalOut.Load(), "dlq", p.totalDLQ.Load())
	return nil
}

// Close closes the reader (leaving the consumer group) and the writers. It
// is safe to call without Run and more than once; Run calls it on return.
func (p *Processor) Close() error {
	p.closeOnce.Do(func() {
		p.closeErr = errors.Join(p.io.Source.Close(), p.io.Enriched.Close(), p.io.DLQ.Close())
	})
	return p.closeErr
}

// fetchLoop hands fetched messages to the enrich loop. It closes out when
// ctx ends. A transient fetch error (the broker down, the group
// rebalancing) is retried with back-off: the reader reconnects by itself,
// and nothing was handed out, so nothing is lost. A permanent error, or a
// transient one that lasts longer than KafkaRetryMax, ends Run.
func (p *Processor) fetchLoop(ctx context.Context, out chan<- kafka.Message) error {
	defer close(out)
	o := p.fetchOut
	b := bus.NewBackoff(p.cfg.RetryBackoffMin, p.cfg.RetryBackoffMax)
	var failingSince time.Time
	for {
		fctx, cancel := ctx, context.CancelFunc(func() {})
		if o.Active() {
			fctx, cancel = context.WithTimeout(ctx, p.fetchQuiet())
		}
		msg, err := p.io.Source.FetchMessage(fctx)
		cancel()
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return nil
			case fctx.Err() != nil && errors.Is(err, context.DeadlineExceeded):
				// No error for fetchQuiet: the reader is healthy again, the
				// topic is just idle.
				o.Recovered()
				b.Reset()
				failingSince = time.Time{}
				continue
			case err == io.EOF:
				return fmt.Errorf("enrich: fetch from %s: the reader was closed", p.io.SourceTopic)
			case !bus.Transient(err):
				return fmt.Errorf("enrich: fetch from %s: %w (a permanent error, not retried)", p.io.SourceTopic, err)
			}
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			if p.cfg.KafkaRetryMax > 0 && time.Since(failingSince) >= p.cfg.KafkaRetryMax {
				return fmt.Errorf("enrich: fetch from %s: %w", p.io.SourceTopic, &bus.RetryExhaustedError{Op: OpFetch, For: time.Since(failingSince), Err: err})
			}
			wait := b.Next()
			o.Failed(err, wait)
			if !bus.Sleep(ctx, wait) {
				return nil
			}
			continue
		}
		if o.Active() {
			o.Recovered()
		}
		b.Reset()
		failingSince = time.Time{}
		select {
		case out <- msg:
		case <-ctx.Done():
			return nil // not committed: re-delivered after a restart
		}
	}
}

// batch is a unit of work: source messages and their outputs.
type batch struct {
	src    []kafka.Message
	out    []kafka.Message
	outSrc []int // index in src of each out message
	dlq    []kafka.Message
	// reasons of the dead letters, by kind, for the log sampler
	kinds map[string]string
	nDLQ  map[string]int
}

// note counts a dead letter of kind and keeps its reason as an example.
func (b *batch) note(kind, reason string) {
	if b.kinds == nil {
		b.kinds, b.nDLQ = map[string]string{}, map[string]int{}
	}
	b.kinds[kind] = reason
	b.nDLQ[kind]++
}

// enrichLoop collects batches (BatchSize, BatchBytes or FlushInterval,
// whichever comes first), enriches them and passes them to the deliver loop.
func (p *Processor) enrichLoop(ctx context.Context, in <-chan kafka.Message, out chan<- *batch) error {
	defer close(out)
	pending := make([]kafka.Message, 0, p.cfg.BatchSize)
	size := 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	flush := func() error {
		timer.Stop()
		if len(pending) == 0 {
			return nil
		}
		b, err := p.enrichBatch(ctx, pending)
		if err != nil {
			return err
		}
		pending, size = make([]kafka.Message, 0, p.cfg.BatchSize), 0
		select {
		case out <- b:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("enrich: shutdown: a batch of %d records was enriched but not written (not committed; it will be re-delivered): %w", len(b.src), ctx.Err())
		}
	}
	for {
		var timeout <-chan time.Time
		if len(pending) > 0 {
			timeout = timer.C
		}
		select {
		case msg, ok := <-in:
			if !ok {
				return flush()
			}
			n := len(msg.Value) + len(msg.Key)
			if len(pending) > 0 && size+n > p.cfg.BatchBytes {
				if err := flush(); err != nil {
					return err
				}
			}
			if len(pending) == 0 {
				timer.Reset(p.cfg.FlushInterval)
			}
			pending = append(pending, msg)
			size += n
			if len(pending) >= p.cfg.BatchSize || size >= p.cfg.BatchBytes {
				if err := flush(); err != nil {
					return err
				}
			}
		case <-timeout:
			if err := flush(); err != nil {
				return err
			}
		case <-ctx.Done():
			return fmt.Errorf("enrich: shutdown timeout: %d fetched records not enriched (not committed; they will be re-delivered): %w", len(pending), ctx.Err())
		}
	}
}

// result is one record's outcome.
type result struct {
	key, value []byte
	kind       string // "" when enriched, else a dead-letter kind
	reason     string
}

// enrichBatch decodes, enriches and encodes msgs with up to Workers
// goroutines. Records are hashed to workers by key (the conversation id), so
// records of one conversation are enriched in order by one worker. The
// outputs keep the input order. An error is fatal (the context ended while a
// transient enricher error was being retried).
func (p *Processor) enrichBatch(ctx context.Context, msgs []kafka.Message) (*batch, error) {
	start := time.Now()
	now := start.UTC()
	res := make([]result, len(msgs))
	workers := min(p.cfg.Workers, len(msgs))
	if workers <= 1 {
		spent := make([]int64, p.pipe.Len())
		defer p.pipe.addSpent(spent)
		all := p.lists[0][:0]
		for i := range msgs {
			all = append(all, int32(i))
		}
		p.lists[0] = all
		if err := p.enrichList(ctx, msgs, all, now, res, spent); err != nil {
			return nil, err
		}
	} else {
		lists := p.lists[:workers]
		for w := range lists {
			lists[w] = lists[w][:0]
		}
		for i := range msgs {
			w := workerFor(&msgs[i], workers)
			lists[w] = append(lists[w], int32(i))
		}
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w, idx := range lists {
			if len(idx) == 0 {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				spent := make([]int64, p.pipe.Len())
				defer p.pipe.addSpent(spent)
				errs[w] = p.enrichList(ctx, msgs, idx, now, res, spent)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
	}
	b := &batch{src: msgs, out: make([]kafka.Message, 0, len(msgs)), outSrc: make([]int, 0, len(msgs))}
	for i := range res {
		r := &res[i]
		if r.kind == "" {
			b.out = append(b.out, kafka.Message{Key: r.key, Value: r.value})
			b.outSrc = append(b.outSrc, i)
			continue
		}
		b.dlq = append(b.dlq, p.deadLetter(r.reason, &msgs[i]))
		b.note(r.kind, r.reason)
	}
	p.met.in.Add(float64(len(msgs)))
	p.totalIn.Add(int64(len(msgs)))
	p.met.batchRecords.Observe(float64(len(msgs)))
	p.met.enrichSeconds.Observe(time.Since(start).Seconds())
	return b, nil
}

// workerFor hashes a message's key (FNV-1a) to a worker; a message without
// a key goes by partition.
func workerFor(m *kafka.Message, workers int) int {
	if len(m.Key) == 0 {
		return m.Partition % workers
	}
	h := uint32(2166136261)
	for _, c := range m.Key {
		h ^= uint32(c)
		h *= 16777619
	}
	return int(h % uint32(workers))
}

// enrichList decodes, enriches and encodes the records msgs[i] for i in
// idx, in that order, StageChunk at a time (Pipeline.EnrichStaged), filling
// res[i] and adding the enrichers' times to spent. It returns an error only
// when ctx ended while a transient enricher error was being retried.
func (p *Processor) enrichList(ctx context.Context, msgs []kafka.Message, idx []int32, now time.Time, res []result, spent []int64) error {
	var ms [StageChunk]*mention.Mention
	var errs [StageChunk]error
	var backoff time.Duration
	for len(idx) > 0 {
		part := idx[:min(StageChunk, len(idx))]
		idx = idx[len(part):]
		for j, i := range part {
			ms[j], errs[j] = p.decode(&msgs[i], &res[i]), nil
		}
		chunk := ms[:len(part)]
		err := p.pipe.EnrichStaged(ctx, chunk, errs[:len(part)], spent, func(j, attempt int, err error) error {
			m := chunk[j]
			if attempt == 1 {
				backoff = p.cfg.RetryBackoffMin
			}
			name := "pipeline"
			if ee, ok := errors.AsType[*Error](err); ok {
				name = ee.Enricher
			}
			p.met.enricherErrors.WithLabelValues(name, ErrKindTransient).Inc()
			p.log.Warn("transient enricher error; retrying", "enricher", name, "id", m.ID, "attempt", attempt, "backoff", backoff, "err", err)
			if !sleep(ctx, backoff) {
				return fmt.Errorf("enrich: %s kept failing on %s until shutdown (not committed; it will be re-delivered): %w", name, m.ID, err)
			}
			backoff = min(2*backoff, p.cfg.RetryBackoffMax)
			return nil
		})
		if err != nil {
			return err
		}
		for j, i := range part {
			if m := ms[j]; m != nil {
				p.finish(m, errs[j], now, &res[i])
			}
		}
	}
	return nil
}

// decode decodes msg, or records in r why it cannot be (and returns nil).
func (p *Processor) decode(msg *kafka.Message, r *result) *mention.Mention {
	m, err := mention.Decode(msg.Value)
	if err == nil {
		return m
	}
	if _, ok := errors.AsType[*mention.FieldError](err); ok {
		r.kind, r.reason = KindInvalid, "invalid record: "+err.Error()
	} else {
		r.kind, r.reason = KindDecode, "undecodable record: "+err.Error()
	}
	return nil
}

// finish records in r the enriched m, encoded, or why it is dead-lettered:
// err is the enrichers' permanent error (or panic), or nil.
func (p *Processor) finish(m *mention.Mention, err error, now time.Time, r *result) {
	if err != nil {
		name := "pipeline"
		ee, ok := errors.AsType[*Error](err)
		if ok {
			name = ee.Enricher
		}
		if ok && ee.Panicked {
			p.met.enricherErrors.WithLabelValues(name, ErrKindPanic).Inc()
			if count, ok := p.panicLog.allow(name, 1); ok {
				p.log.Warn("enricher panicked; record dead-lettered", "enricher", name, "id", m.ID, "panics", count, "err", ee.Err, "stack", ee.Stack)
			}
			r.kind, r.reason = KindPanic, "enricher "+err.Error()
			return
		}
		p.met.enricherErrors.WithLabelValues(name, ErrKindPermanent).Inc()
		r.kind, r.reason = KindRejected, "rejected by enricher "+err.Error()
		return
	}
	t := now
	m.EnrichedAt = &t
	m.Enricher = p.pipe.Version()
	v, err := mention.Encode(m)
	if err != nil {
		r.kind, r.reason = KindEncode, "enriched record is invalid (an enricher bug): "+err.Error()
		return
	}
	r.key, r.value = m.PartitionKey(), v
}

// deliverLoop writes batches in order and commits each after its writes.
func (p *Processor) deliverLoop(ctx context.Context, in <-chan *batch) error {
	for b := range in {
		if err := p.deliver(ctx, b); err != nil {
			// Drain so that the enrich loop is not blocked; nothing more is
			// written or committed.
			go func() {
				for range in {
				}
			}()
			return err
		}
	}
	return nil
}

func (p *Processor) deliver(ctx context.Context, b *batch) error {
	start := time.Now()
	tooLarge, err := p.write(ctx, p.io.Enriched, p.io.EnrichedTopic, p.enrichedOut, b.out)
	if err != nil {
		return err
	}
	dlq := b.dlq
	for _, i := range tooLarge {
		// The broker refused the enriched record as too large
		// (message.max.bytes): dead-letter its source instead of stalling.
		src := b.outSrc[i]
		reason := fmt.Sprintf("enriched record of %d bytes refused by the broker as too large (raise the enriched topic's max.message.bytes)", len(b.out[i].Value))
		dlq = append(dlq, p.deadLetter(reason, &b.src[src]))
		b.note(KindTooLarge, reason)
	}
	refused, err := p.write(ctx, p.io.DLQ, p.io.DLQTopic, p.dlqOut, dlq)
	if err != nil {
		return err
	}
	if len(refused) > 0 {
		p.met.dlqDropped.Add(float64(len(refused)))
		p.log.Error("dead letters refused by the broker as too large even truncated; dropped", "count", len(refused), "topic", p.io.DLQTopic)
	}
	out := len(b.out) - len(tooLarge)
	p.met.out.Add(float64(out))
	p.totalOut.Add(int64(out))
	for kind, n := range b.nDLQ {
		p.met.dlq.WithLabelValues(kind).Add(float64(n))
		p.totalDLQ.Add(int64(n))
		if count, ok := p.dlqLog.allow(kind, n); ok {
			p.log.Warn("records dead-lettered", "reason", kind, "count", count, "example", b.kinds[kind])
		}
	}
	p.commit(ctx, b.src)
	p.met.deliverSeconds.Observe(time.Since(start).Seconds())
	return nil
}

// maxDeadLetterValue bounds a dead letter's value: a longer original is
// truncated (header earshot-truncated-from gives its length), so that a
// huge poison record cannot stall the DLQ write.
const maxDeadLetterValue = 512 << 10

// HeaderTruncatedFrom is set on a dead letter whose value was truncated.
const HeaderTruncatedFrom = "earshot-truncated-from"

// deadLetter builds the DLQ message for a source message.
func (p *Processor) deadLetter(reason string, src *kafka.Message) kafka.Message {
	m := bus.DeadLetter(Stage, reason, src, nil, nil)
	if len(m.Value) > maxDeadLetterValue {
		m.Headers = append(m.Headers, kafka.Header{Key: HeaderTruncatedFrom, Value: []byte(strconv.Itoa(len(m.Value)))})
		m.Value = m.Value[:maxDeadLetterValue]
	}
	return m
}

// write writes msgs, in one WriteMessages call when all goes well.
// Messages that fail for a transient reason (bus.Transient: the broker
// down, no leader, not enough replicas, a timeout) are retried with
// back-off until they are written, ctx ends or they kept failing for
// KafkaRetryMax; then err is set and nothing may be committed. With each
// failed message, the later messages of its key are written again, so
// that a conversation's records stay in order. Messages the broker refuses
// as too large are retried in smaller groups (a broker checks a whole
// partition batch against message.max.bytes); the indexes of those refused
// on their own are returned. Any other permanent error is returned at
// once.
func (p *Processor) write(ctx context.Context, w bus.Writer, topic string, o *bus.Outage, msgs []kafka.Message) (tooLarge []int, err error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	idx := make([]int, len(msgs))
	for i := range idx {
		idx[i] = i
	}
	return p.writeIdx(ctx, w, topic, o, msgs, idx)
}

func (p *Processor) writeIdx(ctx context.Context, w bus.Writer, topic string, o *bus.Outage, all []kafka.Message, idx []int) (tooLarge []int, err error) {
	msgs := make([]kafka.Message, len(idx))
	for k, i := range idx {
		msgs[k] = all[i]
	}
	b := bus.NewBackoff(p.cfg.RetryBackoffMin, p.cfg.RetryBackoffMax)
	var failingSince time.Time
	for len(msgs) > 0 {
		err := w.WriteMessages(ctx, msgs...)
		if err == nil {
			o.Recovered()
			break
		}
		p.met.writeErrors.WithLabelValues(topic).Inc()

		// Sort the failures: too large, to retry, or permanent.
		var retry, large []int
		var werrs kafka.WriteErrors
		switch {
		case errors.As(err, &werrs) && len(werrs) == len(msgs):
			others := make(kafka.WriteErrors, len(werrs))
			isLarge := map[int]bool{}
			for k, e := range werrs {
				if errors.Is(e, kafka.MessageSizeTooLarge) {
					large = append(large, idx[k])
					isLarge[k] = true
				} else {
					others[k] = e
				}
			}
			if others.Count() > 0 {
				if !bus.Transient(others) {
					return tooLarge, p.permanentWriteError(topic, len(msgs), others)
				}
				for _, k := range bus.UnwrittenIndexes(msgs, others) {
					if !isLarge[k] {
						retry = append(retry, idx[k])
					}
				}
			}
		case errors.Is(err, kafka.MessageSizeTooLarge): // refused before sending: the whole call
			large = idx
		case bus.Transient(err) || ctx.Err() != nil:
			retry = idx
		default:
			return tooLarge, p.permanentWriteError(topic, len(msgs), err)
		}
		if len(large) > 0 {
			tl, err := p.writeSmaller(ctx, w, topic, o, all, large)
			tooLarge = append(tooLarge, tl...)
			if err != nil {
				return tooLarge, err
			}
		}
		if len(retry) == 0 {
			break
		}
		if ctx.Err() != nil {
			return tooLarge, fmt.Errorf("enrich: write %d records to %s: %w (source offsets not committed; they will be re-delivered)", len(retry), topic, err)
		}
		if failingSince.IsZero() {
			failingSince = time.Now()
		}
		if p.cfg.KafkaRetryMax > 0 && time.Since(failingSince) >= p.cfg.KafkaRetryMax {
			op := OpWriteEnriched
			if o == p.dlqOut {
				op = OpWriteDLQ
			}
			return tooLarge, fmt.Errorf("enrich: write %d records to %s: %w (source offsets not committed; they will be re-delivered)",
				len(retry), topic, &bus.RetryExhaustedError{Op: op, For: time.Since(failingSince), Err: err})
		}
		wait := b.Next()
		o.Failed(fmt.Errorf("write %d records to %s: %w", len(retry), topic, err), wait)
		if !bus.Sleep(ctx, wait) {
			return tooLarge, fmt.Errorf("enrich: write %d records to %s: %w (source offsets not committed; they will be re-delivered)", len(retry), topic, err)
		}
		idx = retry
		msgs = msgs[:0]
		for _, i := range idx {
			msgs = append(msgs, all[i])
		}
	}
	return tooLarge, nil
}

// permanentWriteError is the error that stops Run when the broker refuses
// a write for a reason retrying does not fix.
func (p *Processor) permanentWriteError(topic string, n int, err error) error {
	return fmt.Errorf("enrich: write %d records to %s: %w (a permanent error, not retried: check the topic, its ACLs and the kafka section; source offsets not committed, they will be re-delivered)", n, topic, err)
}

// writeSmaller writes messages refused as too large in two halves, down to
// single messages, which are then reported as too large.
func (p *Processor) writeSmaller(ctx context.Context, w bus.Writer, topic string, o *bus.Outage, all []kafka.Message, idx []int) ([]int, error) {
	if len(idx) == 1 {
		return idx, nil
	}
	h := len(idx) / 2
	a, err := p.writeIdx(ctx, w, topic, o, all, idx[:h])
	if err != nil {
		return a, err
	}
	b, err := p.writeIdx(ctx, w, topic, o, all, idx[h:])
	return append(a, b...), err
}

// commit commits the highest offset of each partition in msgs, retrying
// transient errors like a write (each attempt bounded by
// commitAttemptTimeout). A commit that fails for good is not fatal: the
// records are re-delivered after a rebalance or restart, and a later
// commit covers them.
func (p *Processor) commit(ctx context.Context, msgs []kafka.Message) {
	last := lastPerPartition(msgs)
	err := bus.Retry(ctx, p.cfg.KafkaRetry(), p.commitOut, func(ctx context.Context) error {
		actx, cancel := context.WithTimeout(ctx, commitAttemptTimeout)
		defer cancel()
		err := p.io.Source.CommitMessages(actx, last...)
		if err != nil {
			p.met.commitErrors.Inc()
		}
		return err
	})
	if err != nil {
		p.log.Warn("commit failed; the batch will be re-delivered unless a later commit covers it", "records", len(msgs), "err", err)
	}
}

// lastPerPartition returns, per topic and partition, the message with the
// highest offset.
func lastPerPartition(msgs []kafka.Message) []kafka.Message {
	var out []kafka.Message
	for _, m := range msgs {
		found := false
		for i := range out {
			if out[i].Topic == m.Topic && out[i].Partition == m.Partition {
				if m.Offset > out[i].Offset {
					out[i] = m
				}
				found = true
				break
			}
		}
		if !found {
			out = append(out, m)
		}
	}
	for i := range out { // only topic, partition and offset are needed
		out[i] = kafka.Message{Topic: out[i].Topic, Partition: out[i].Partition, Offset: out[i].Offset}
	}
	return out
}

// sleep waits d or until ctx ends; it reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// sampler logs dead letters: the first of each kind, then at most one line
// per kind per interval with the count since the last line.
type sampler struct {
	every time.Duration
	mu    sync.Mutex
	last  map[string]time.Time
	since map[string]int
}

// allow counts n events of key and reports whether to log now, with the
// number of events since the last line.
func (s *sampler) allow(key string, n int) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last, s.since = map[string]time.Time{}, map[string]int{}
	}
	s.since[key] += n
	if t, ok := s.last[key]; ok && time.Since(t) < s.every {
		return 0, false
	}
	count := s.since[key]
	s.last[key] = time.Now()
	s.since[key] = 0
	return count, true
}
