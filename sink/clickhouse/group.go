package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
)

// GroupReader is the sink's consumer-group reader. It satisfies Reader
// like a *kafka.Reader from bus.NewReader, with the commit semantics the
// sink needs and kafka-go's Reader does not give:
//
// kafka-go's Reader (v0.4.x) sends CommitMessages to the commit loop of
// whatever generation is current when the request is served. A batch
// fetched in generation g and committed after a rebalance is committed
// with generation g+1's id — the coordinator accepts it, because an
// OffsetCommit is checked against the member and the generation, never
// against the assignment — so a sink can commit a partition that was
// revoked from it and move the new owner's committed offset backwards.
// (Records are never lost that way, since the sink commits only what it
// inserted, but the partition is read again; and "never commit a revoked
// partition" is the contract.)
//
// GroupReader drives kafka.ConsumerGroup itself: each generation reads its
// assigned partitions, and CommitMessages commits with the current
// generation only the partitions it owns, and only forward of the offset
// the generation started at and of what it committed since. Records a
// revoked partition delivered but the sink has not fetched yet are
// dropped (the new owner reads them); records the sink already holds are
// inserted (inserts are idempotent) but not committed. A commit racing a
// rebalance carries the old generation id and the coordinator refuses it.
type GroupReader struct {
	cfg   bus.Config
	topic string
	group string
	log   *slog.Logger
	m     *Metrics

	cg     *kafka.ConsumerGroup
	msgs   chan genMessage
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu  sync.Mutex
	gen *generation // current; nil between generations
}

// generation is one consumer-group generation as this member sees it.
type generation struct {
	g     *kafka.Generation
	ended chan struct{} // closed when the generation ends
	// next is, per owned partition, the offset below which everything is
	// committed: the assignment's start offset, then each commit.
	next map[int]int64
}

func (g *generation) isEnded() bool {
	select {
	case <-g.ended:
		return true
	default:
		return false
	}
}

type genMessage struct {
	msg kafka.Message
	gen *generation
}

// GroupReaderQueue is how many fetched records GroupReader holds for the
// sink (on top of each partition reader's own queue of 100).
const GroupReaderQueue = 1000

// NewGroupReader joins group on topic and starts reading. Close leaves the
// group. m may be nil.
func NewGroupReader(c bus.Config, topic, group string, m *Metrics, log *slog.Logger) (*GroupReader, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                group,
		Brokers:           c.Brokers,
		Dialer:            c.Dialer(), // TLS and SASL from kafka.tls, kafka.sasl
		Topics:            []string{topic},
		HeartbeatInterval: time.Second,
		SessionTimeout:    10 * time.Second,
		RebalanceTimeout:  10 * time.Second,
		JoinGroupBackoff:  500 * time.Millisecond,
		StartOffset:       kafka.FirstOffset,
		Timeout:           10 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("sink: consumer group %s on %s: %w", group, topic, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &GroupReader{
		cfg: c, topic: topic, group: group, log: log, m: m,
		cg: cg, msgs: make(chan genMessage, GroupReaderQueue),
		ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
	go r.run()
	return r, nil
}

// run takes part in one generation after the other until Close.
func (r *GroupReader) run() {
	defer close(r.done)
	backoff := 250 * time.Millisecond
	for {
		g, err := r.cg.Next(r.ctx)
		if err != nil {
			if r.ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				return
			}
			r.log.Warn("sink: joining the consumer group failed; retrying", "group", r.group, "err", err, "retry_in", backoff)
			if sleep(r.ctx, backoff) != nil {
				return
			}
			backoff = nextBackoff(backoff, 2*time.Second)
			continue
		}
		backoff = 250 * time.Millisecond
		gen := &generation{g: g, ended: make(chan struct{}), next: map[int]int64{}}
		var parts []int
		for _, a := range g.Assignments[r.topic] {
			gen.next[a.ID] = a.Offset // negative (FirstOffset) when nothing is committed yet
			parts = append(parts, a.ID)
		}
		r.mu.Lock()
		r.gen = gen
		r.mu.Unlock()
		if r.m != nil {
			r.m.Rebalances.Inc()
		}
		r.log.Info("sink: consumer group generation", "group", r.group, "generation", g.ID, "partitions", parts)
		g.Start(func(ctx context.Context) {
			<-ctx.Done()
			close(gen.ended)
			r.mu.Lock()
			if r.gen == gen {
				r.gen = nil
			}
			r.mu.Unlock()
		})
		for _, a := range g.Assignments[r.topic] {
			a := a
			g.Start(func(ctx context.Context) { r.readPartition(ctx, gen, a) })
		}
	}
}

// readPartition reads one assigned partition for the generation's life.
func (r *GroupReader) readPartition(ctx context.Context, gen *generation, a kafka.PartitionAssignment) {
	pr := kafka.NewReader(kafka.ReaderConfig{
		Brokers:       r.cfg.Brokers,
		Topic:         r.topic,
		Partition:     a.ID,
		MinBytes:      1,
		MaxBytes:      16 << 20,
		MaxWait:       250 * time.Millisecond,
		QueueCapacity: 100,
		Dialer:        r.cfg.Dialer(),
	})
	defer pr.Close()
	offset := a.Offset
	if offset < 0 {
		offset = kafka.FirstOffset
	}
	if err := pr.SetOffset(offset); err != nil {
		r.log.Error("sink: cannot position partition reader", "partition", a.ID, "offset", offset, "err", err)
		return
	}
	backoff := 100 * time.Millisecond
	for {
		m, err := pr.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.log.Warn("sink: reading a partition failed; retrying", "partition", a.ID, "err", err, "retry_in", backoff)
			if sleep(ctx, backoff) != nil {
				return
			}
			backoff = nextBackoff(backoff, 2*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		select {
		case r.msgs <- genMessage{msg: m, gen: gen}:
		case <-ctx.Done():
			return
		}
	}
}

// FetchMessage returns the next record of a partition this member owns.
// Records delivered by a generation that has ended are dropped: the
// partition's next owner reads them from the committed offset.
func (r *GroupReader) FetchMessage(ctx context.Context) (kafka.Message, error) {
	for {
		select {
		case <-ctx.Done():
			return kafka.Message{}, ctx.Err()
		case <-r.done:
			return kafka.Message{}, io.EOF
		case gm := <-r.msgs:
			if gm.gen.isEnded() {
				if r.m != nil {
					r.m.StaleDropped.Inc()
				}
				continue
			}
			return gm.msg, nil
		}
	}
}

// ErrNoGeneration is returned by CommitMessages while the group is
// rebalancing; retry after a short wait.
var ErrNoGeneration = errors.New("sink: the consumer group is rebalancing; no generation to commit in")

// CommitMessages commits, for each partition among msgs, the offset after
// its highest record — if this member owns the partition in the current
// generation and the offset moves the partition forward. Records of
// revoked partitions, and offsets at or below what is committed, are
// skipped (counted in earshot_sink_commits_skipped_total). Between
// generations it returns ErrNoGeneration.
func (r *GroupReader) CommitMessages(ctx context.Context, msgs ...kafka.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	high := map[int]int64{}
	for _, m := range msgs {
		if m.Topic != "" && m.Topic != r.topic {
			return fmt.Errorf("sink: commit of topic %s on a reader of %s", m.Topic, r.topic)
		}
		if off, ok := high[m.Partition]; !ok || m.Offset+1 > off {
			high[m.Partition] = m.Offset + 1
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	gen := r.gen
	if gen == nil || gen.isEnded() {
		return ErrNoGeneration
	}
	offsets := map[int]int64{}
	for p, off := range high {
		next, owned := gen.next[p]
		switch {
		case !owned:
			r.skip("revoked")
		case next >= 0 && off <= next:
			r.skip("not_forward")
		default:
			offsets[p] = off
		}
	}
	if len(offsets) == 0 {
		return nil
	}
	// The coordinator checks generation and member: a commit racing a
	// rebalance is refused (IllegalGeneration, RebalanceInProgress).
	if err := gen.g.CommitOffsets(map[string]map[int]int64{r.topic: offsets}); err != nil {
		return err
	}
	for p, off := range offsets {
		gen.next[p] = off
	}
	return nil
}

func (r *GroupReader) skip(reason string) {
	if r.m != nil {
		r.m.CommitsSkipped.WithLabelValues(reason).Inc()
	}
}

// Owned returns the partitions this member owns now (none while the group
// rebalances).
func (r *GroupReader) Owned() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gen == nil {
		return nil
	}
	out := make([]int, 0, len(r.gen.next))
	for p := range r.gen.next {
		out = append(out, p)
	}
	return out
}

// Close leaves the group (its partitions move to the other members at
// once) and stops reading. Closing twice is safe.
func (r *GroupReader) Close() error {
	r.cancel()
	err := r.cg.Close()
	<-r.done
	if errors.Is(err, kafka.ErrGroupClosed) {
		err = nil
	}
	return err
}
