package bus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// Transient reports whether err, returned by a Kafka client call, is worth
// retrying: the broker is unreachable or busy and the same call may succeed
// later. Transient are: the errors Kafka marks retriable
// (kafka.Error.Temporary: leader not available, not enough replicas,
// request timed out, network exception, coordinator not available, …);
// consumer-group churn (rebalance in progress, illegal generation, unknown
// member), which the group heals by joining again; network errors
// (connection refused or reset, broken pipe, unreachable host, EOF, any
// net.Error such as a dial or read timeout); and context.DeadlineExceeded
// (an attempt's own timeout; the caller checks its parent context).
//
// Permanent are: context.Canceled (shutdown); Kafka errors that are not
// retriable (message too large, invalid topic, authorization or SASL
// failures, unsupported version, …); TLS certificate errors; and anything
// unknown, so that a new kind of failure is reported rather than retried
// in silence. A kafka.WriteErrors is transient when every failed message
// failed for a transient reason.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var we kafka.WriteErrors
	if errors.As(err, &we) {
		failed := false
		for _, e := range we {
			if e == nil {
				continue
			}
			if !Transient(e) {
				return false
			}
			failed = true
		}
		return failed
	}
	var ke kafka.Error
	if errors.As(err, &ke) {
		switch ke {
		case kafka.RebalanceInProgress, kafka.IllegalGeneration, kafka.UnknownMemberId, kafka.MemberIDRequired:
			return true // the consumer group re-joins
		}
		return ke.Temporary()
	}
	// Certificates do not fix themselves.
	var (
		unknownCA  x509.UnknownAuthorityError
		hostname   x509.HostnameError
		invalid    x509.CertificateInvalidError
		verifyErr  *tls.CertificateVerificationError
		recordHdr  tls.RecordHeaderError
		alertError tls.AlertError
	)
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &verifyErr) || errors.As(err, &recordHdr) || errors.As(err, &alertError) {
		return false
	}
	for _, target := range []error{
		context.DeadlineExceeded, io.EOF, io.ErrUnexpectedEOF, net.ErrClosed,
		syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
		syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	var ne net.Error // dial errors (*net.OpError), DNS errors, timeouts
	return errors.As(err, &ne)
}

// Unwritten returns the messages of msgs to write again after a failed
// WriteMessages call that returned err. When err is a kafka.WriteErrors
// for msgs, those are the failed messages plus every later message with
// the key of a failed one — already written or not — so that the
// records of one key (a conversation) are written again in their order
// and the last copy of each is in order. Otherwise they are all of msgs.
func Unwritten(msgs []kafka.Message, err error) []kafka.Message {
	idx := UnwrittenIndexes(msgs, err)
	out := make([]kafka.Message, len(idx))
	for k, i := range idx {
		out[k] = msgs[i]
	}
	return out
}

// UnwrittenIndexes is Unwritten's indexes into msgs, in order.
func UnwrittenIndexes(msgs []kafka.Message, err error) []int {
	var we kafka.WriteErrors
	all := !errors.As(err, &we) || len(we) != len(msgs)
	failedKeys := map[string]bool{}
	var out []int
	for i, m := range msgs {
		switch {
		case all, we[i] != nil:
			failedKeys[string(m.Key)] = true
			out = append(out, i)
		case failedKeys[string(m.Key)]:
			out = append(out, i)
		}
	}
	return out
}

// RetryPolicy bounds the retries of transient Kafka errors: capped
// exponential back-off with jitter, for at most Max per operation.
type RetryPolicy struct {
	// BackoffMin is the first wait, doubled after every failed attempt up
	// to BackoffMax.
	BackoffMin time.Duration
	BackoffMax time.Duration
	// Max is how long one operation keeps failing before it is given up
	// with an error; 0 retries until the context ends (shutdown).
	Max time.Duration
}

// Validate names the field that is wrong; prefix is the configuration
// section ("enrich", "ingest.publisher") and names the knobs.
func (p RetryPolicy) Validate(prefix string) error {
	switch {
	case p.BackoffMin <= 0:
		return fmt.Errorf("%s.retry_backoff_min: %s, want > 0 (e.g. 100ms)", prefix, p.BackoffMin)
	case p.BackoffMax < p.BackoffMin:
		return fmt.Errorf("%s.retry_backoff_max: %s is below retry_backoff_min %s", prefix, p.BackoffMax, p.BackoffMin)
	case p.Max < 0:
		return fmt.Errorf("%s.kafka_retry_max: %s, want ≥ 0 (0 retries transient Kafka errors until shutdown)", prefix, p.Max)
	case p.Max > 0 && p.Max < p.BackoffMax:
		return fmt.Errorf("%s.kafka_retry_max: %s is below retry_backoff_max %s; raise it (or 0: until shutdown)", prefix, p.Max, p.BackoffMax)
	}
	return nil
}

// Backoff is capped exponential back-off with jitter. It is not safe for
// concurrent use.
type Backoff struct {
	min, max, cur time.Duration
}

// NewBackoff returns a Backoff from lo to hi.
func NewBackoff(lo, hi time.Duration) *Backoff {
	return &Backoff{min: lo, max: max(hi, lo)}
}

// Next returns the wait before the next attempt: the current step, from
// half of it to all of it ("equal jitter", so that workers that failed
// together do not retry together), and doubles the step up to the cap.
func (b *Backoff) Next() time.Duration {
	if b.cur < b.min {
		b.cur = b.min
	}
	d := b.cur
	b.cur = min(2*b.cur, b.max)
	half := d / 2
	return half + rand.N(d-half+1)
}

// Reset starts again from the minimum.
func (b *Backoff) Reset() { b.cur = 0 }

// Sleep waits d or until ctx ends; it reports whether it waited d.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Outage tracks the failures of one Kafka operation (fetch, write to a
// topic, commit) for logs, metrics and readiness: the first failed attempt
// of an outage is logged at warn, the later ones at debug, the recovery at
// info with the outage's length; every retry is counted; while the outage
// lasts, Err reports it (for /readyz). It is safe for concurrent use.
type Outage struct {
	op       string
	log      *slog.Logger
	retries  prometheus.Counter
	retrying prometheus.Gauge

	mu       sync.Mutex
	since    time.Time // zero: no outage
	attempts int
	last     error
}

// NewOutage returns a tracker for op. retries counts retried attempts and
// retrying is 1 during an outage; either may be nil; a nil log discards.
func NewOutage(op string, log *slog.Logger, retries prometheus.Counter, retrying prometheus.Gauge) *Outage {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outage{op: op, log: log, retries: retries, retrying: retrying}
}

// Failed records a failed attempt that will be retried after wait.
func (o *Outage) Failed(err error, wait time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.attempts++
	o.last = err
	if o.retries != nil {
		o.retries.Inc()
	}
	if o.since.IsZero() {
		o.since = time.Now()
		if o.retrying != nil {
			o.retrying.Set(1)
		}
		o.log.Warn("kafka: "+o.op+" failing; retrying until it succeeds (logged once per outage)", "op", o.op, "err", err, "retry_in", wait.Round(time.Millisecond))
		return
	}
	o.log.Debug("kafka: "+o.op+" still failing", "op", o.op, "attempt", o.attempts, "err", err, "retry_in", wait.Round(time.Millisecond))
}

// Recovered ends the outage, if any, after a successful attempt.
func (o *Outage) Recovered() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.since.IsZero() {
		return
	}
	o.log.Info("kafka: "+o.op+" recovered", "op", o.op, "outage", time.Since(o.since).Round(time.Millisecond), "failed_attempts", o.attempts)
	o.since, o.attempts, o.last = time.Time{}, 0, nil
	if o.retrying != nil {
		o.retrying.Set(0)
	}
}

// Active reports whether an outage is going on.
func (o *Outage) Active() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return !o.since.IsZero()
}

// Err describes the outage, or returns nil when there is none.
func (o *Outage) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.since.IsZero() {
		return nil
	}
	return fmt.Errorf("kafka %s failing for %s (%d attempts): %w", o.op, time.Since(o.since).Round(time.Millisecond), o.attempts, o.last)
}

// Retry calls op until it succeeds, fails permanently (not Transient),
// ctx ends, or it has failed for longer than p.Max (when set). Failed
// attempts are recorded in o. It returns op's last error, wrapped with
// the reason it stopped when that was not op's own verdict.
func Retry(ctx context.Context, p RetryPolicy, o *Outage, op func(context.Context) error) error {
	b := NewBackoff(p.BackoffMin, p.BackoffMax)
	var first time.Time
	for {
		err := op(ctx)
		if err == nil {
			o.Recovered()
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (interrupted: %v)", err, context.Cause(ctx))
		}
		if !Transient(err) {
			return err
		}
		if first.IsZero() {
			first = time.Now()
		}
		if p.Max > 0 && time.Since(first) >= p.Max {
			return &RetryExhaustedError{Op: o.op, For: time.Since(first), Err: err}
		}
		wait := b.Next()
		o.Failed(err, wait)
		if !Sleep(ctx, wait) {
			return fmt.Errorf("%w (interrupted: %v)", err, context.Cause(ctx))
		}
	}
}

// RetryExhaustedError is returned when an operation kept failing for a
// transient reason for longer than the retry window (kafka_retry_max).
type RetryExhaustedError struct {
	Op  string
	For time.Duration
	Err error
}

func (e *RetryExhaustedError) Error() string {
	return fmt.Sprintf("kafka %s: still failing after %s, giving up (kafka_retry_max): %v", e.Op, e.For.Round(time.Millisecond), e.Err)
}

func (e *RetryExhaustedError) Unwrap() error { return e.Err }
