package bus_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
)

func TestTransient(t *testing.T) {
	dialRefused := fmt.Errorf("failed to dial: failed to open connection to 127.0.0.1:9092: %w",
		&net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "x"}})
	refused := fmt.Errorf("failed to dial: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"connection refused", refused, true},
		{"dial error", dialRefused, true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"broken pipe", syscall.EPIPE, true},
		{"EOF", io.EOF, true},
		{"unexpected EOF", fmt.Errorf("fetch: %w", io.ErrUnexpectedEOF), true},
		{"i/o timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, true},
		{"attempt timed out", context.DeadlineExceeded, true},
		{"leader not available", kafka.LeaderNotAvailable, true},
		{"not enough replicas", fmt.Errorf("produce: %w", kafka.NotEnoughReplicas), true},
		{"request timed out", kafka.RequestTimedOut, true},
		{"network exception", kafka.NetworkException, true},
		{"coordinator not available", kafka.GroupCoordinatorNotAvailable, true},
		{"rebalance in progress", kafka.RebalanceInProgress, true},
		{"illegal generation", kafka.IllegalGeneration, true},
		{"write errors, all transient", kafka.WriteErrors{kafka.LeaderNotAvailable, nil, refused}, true},
		{"canceled", context.Canceled, false},
		{"canceled while dialing", fmt.Errorf("failed to dial: %w", context.Canceled), false},
		{"message too large", kafka.MessageSizeTooLarge, false},
		{"invalid topic", kafka.InvalidTopic, false},
		{"topic authorization", kafka.TopicAuthorizationFailed, false},
		{"group authorization", kafka.GroupAuthorizationFailed, false},
		{"SASL", kafka.SASLAuthenticationFailed, false},
		{"unsupported version", kafka.UnsupportedVersion, false},
		{"unknown certificate authority", fmt.Errorf("tls: %w", x509.UnknownAuthorityError{}), false},
		{"write errors, one permanent", kafka.WriteErrors{kafka.LeaderNotAvailable, kafka.MessageSizeTooLarge}, false},
		{"write errors, none failed", kafka.WriteErrors{nil, nil}, false},
		{"unknown error", errors.New("something else"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bus.Transient(tt.err); got != tt.want {
				t.Errorf("Transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestUnwritten(t *testing.T) {
	msgs := []kafka.Message{{Key: []byte("a")}, {Key: []byte("b")}, {Key: []byte("a")}, {Key: []byte("c")}, {Key: []byte("b")}}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"whole call", kafka.LeaderNotAvailable, "[0 1 2 3 4]"},
		{"one failed", kafka.WriteErrors{nil, kafka.NotEnoughReplicas, nil, nil, nil}, "[1 4]"},
		{"first failed", kafka.WriteErrors{kafka.NotEnoughReplicas, nil, nil, nil, nil}, "[0 2]"},
		{"last failed", kafka.WriteErrors{nil, nil, nil, nil, kafka.NotEnoughReplicas}, "[4]"},
		{"length mismatch", kafka.WriteErrors{kafka.NotEnoughReplicas}, "[0 1 2 3 4]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(bus.UnwrittenIndexes(msgs, tt.err)); got != tt.want {
				t.Errorf("UnwrittenIndexes = %s, want %s", got, tt.want)
			}
			if n := len(bus.Unwritten(msgs, tt.err)); n != strings.Count(tt.want, " ")+1 {
				t.Errorf("Unwritten returned %d messages for %s", n, tt.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	b := bus.NewBackoff(100*time.Millisecond, time.Second)
	steps := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, step := range steps {
		step *= time.Millisecond
		d := b.Next()
		if d < step/2 || d > step {
			t.Errorf("wait %d = %s, want %s…%s", i, d, step/2, step)
		}
	}
	b.Reset()
	if d := b.Next(); d > 100*time.Millisecond {
		t.Errorf("after Reset wait = %s, want ≤ 100ms", d)
	}
}

func TestRetryPolicyValidate(t *testing.T) {
	ok := bus.RetryPolicy{BackoffMin: time.Millisecond, BackoffMax: time.Second}
	tests := []struct {
		name   string
		mutate func(*bus.RetryPolicy)
		want   string
	}{
		{"valid, until shutdown", func(*bus.RetryPolicy) {}, ""},
		{"valid, an hour", func(p *bus.RetryPolicy) { p.Max = time.Hour }, ""},
		{"no min", func(p *bus.RetryPolicy) { p.BackoffMin = 0 }, "x.retry_backoff_min"},
		{"max below min", func(p *bus.RetryPolicy) { p.BackoffMax = time.Microsecond }, "x.retry_backoff_max"},
		{"negative window", func(p *bus.RetryPolicy) { p.Max = -1 }, "x.kafka_retry_max"},
		{"window below backoff", func(p *bus.RetryPolicy) { p.Max = 10 * time.Millisecond }, "x.kafka_retry_max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.mutate(&p)
			err := p.Validate("x")
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Validate() = %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

func TestRetry(t *testing.T) {
	fast := bus.RetryPolicy{BackoffMin: time.Millisecond, BackoffMax: 2 * time.Millisecond}
	newOutage := func() (*bus.Outage, prometheus.Counter, prometheus.Gauge) {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "retries_total"})
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "retrying"})
		return bus.NewOutage("test op", nil, c, g), c, g
	}
	t.Run("transient then success", func(t *testing.T) {
		o, c, g := newOutage()
		calls := 0
		err := bus.Retry(context.Background(), fast, o, func(context.Context) error {
			calls++
			if calls <= 3 {
				if calls == 3 && o.Err() == nil {
					t.Error("no outage reported while failing")
				}
				return kafka.LeaderNotAvailable
			}
			return nil
		})
		if err != nil || calls != 4 {
			t.Fatalf("Retry = %v after %d calls, want nil after 4", err, calls)
		}
		if got := testutil.ToFloat64(c); got != 3 {
			t.Errorf("retries = %v, want 3", got)
		}
		if got := testutil.ToFloat64(g); got != 0 || o.Err() != nil {
			t.Errorf("after recovery: retrying %v, Err %v", got, o.Err())
		}
	})
	t.Run("permanent", func(t *testing.T) {
		o, c, _ := newOutage()
		calls := 0
		err := bus.Retry(context.Background(), fast, o, func(context.Context) error { calls++; return kafka.TopicAuthorizationFailed })
		if !errors.Is(err, kafka.TopicAuthorizationFailed) || calls != 1 || testutil.ToFloat64(c) != 0 {
			t.Errorf("Retry = %v after %d calls, want the permanent error at once", err, calls)
		}
	})
	t.Run("window", func(t *testing.T) {
		o, _, _ := newOutage()
		p := fast
		p.Max = 30 * time.Millisecond
		err := bus.Retry(context.Background(), p, o, func(context.Context) error { return syscall.ECONNREFUSED })
		var ex *bus.RetryExhaustedError
		if !errors.As(err, &ex) || !errors.Is(err, syscall.ECONNREFUSED) || ex.For < p.Max {
			t.Errorf("Retry = %v, want the window exhausted after %s", err, p.Max)
		}
	})
	t.Run("context ends", func(t *testing.T) {
		o, _, g := newOutage()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		slow := bus.RetryPolicy{BackoffMin: time.Hour, BackoffMax: time.Hour}
		start := time.Now()
		err := bus.Retry(ctx, slow, o, func(context.Context) error { return syscall.ECONNREFUSED })
		if err == nil || !strings.Contains(err.Error(), "interrupted") || time.Since(start) > 5*time.Second {
			t.Errorf("Retry = %v after %s, want interrupted promptly", err, time.Since(start))
		}
		if testutil.ToFloat64(g) != 1 || o.Err() == nil {
			t.Error("the outage is not reported after an interrupted retry")
		}
	})
}
