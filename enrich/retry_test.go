package enrich_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/enrich"
)

// flakySource is a memSource whose FetchMessage and CommitMessages fail
// with the queued errors first.
type flakySource struct {
	*memSource
	mu         sync.Mutex
	fetchErrs  []error
	commitErrs []error
}

func (s *flakySource) FetchMessage(ctx context.Context) (kafka.Message, error) {
	s.mu.Lock()
	if len(s.fetchErrs) > 0 {
		err := s.fetchErrs[0]
		s.fetchErrs = s.fetchErrs[1:]
		s.mu.Unlock()
		return kafka.Message{}, err
	}
	s.mu.Unlock()
	return s.memSource.FetchMessage(ctx)
}

func (s *flakySource) CommitMessages(ctx context.Context, msgs ...kafka.Message) error {
	s.mu.Lock()
	if len(s.commitErrs) > 0 {
		err := s.commitErrs[0]
		s.commitErrs = s.commitErrs[1:]
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()
	return s.memSource.CommitMessages(ctx, msgs...)
}

func refused() error {
	return fmt.Errorf("failed to dial: failed to open connection to 127.0.0.1:9092: %w",
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
}

func flakyRig(tb testing.TB, cfg enrich.Config, fetchErrs, commitErrs []error) (*rig, *flakySource) {
	tb.Helper()
	r := newRig(tb, cfg, tagger)
	fs := &flakySource{memSource: r.src, fetchErrs: fetchErrs, commitErrs: commitErrs}
	pipe, err := enrich.NewPipeline(tagger)
	if err != nil {
		tb.Fatal(err)
	}
	r.reg = prometheus.NewRegistry()
	r.p, err = enrich.NewWithIO(cfg, enrich.IO{Source: fs, Enriched: r.out, DLQ: r.dlq, SourceTopic: "raw", EnrichedTopic: "enriched", DLQTopic: "dlq"}, pipe, r.reg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return r, fs
}

// TestProcessorRetriesTransientFetchAndCommitErrors: the broker refusing
// connections makes fetch and commit fail for a while; the processor
// retries, does not exit, and delivers and commits every record once.
func TestProcessorRetriesTransientFetchAndCommitErrors(t *testing.T) {
	fetchErrs := []error{refused(), refused(), kafka.GroupCoordinatorNotAvailable, kafka.RebalanceInProgress}
	commitErrs := []error{refused(), kafka.RequestTimedOut}
	r, _ := flakyRig(t, testConfig(), fetchErrs, commitErrs)
	for i := range 10 {
		r.src.push(0, int64(i), fmt.Sprint(i), raw(t, fmt.Sprint(i+1), fmt.Sprint(i+1), "1", "hi"))
	}
	stop := r.run(t)
	waitFor(t, "the commit", func() bool { return r.src.committedAt(0) == 10 })
	if err := r.p.Ready(context.Background()); err != nil {
		t.Errorf("Ready = %v after the recovery", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run = %v, want the transient errors retried", err)
	}
	if n := len(r.out.written()); n != 10 {
		t.Errorf("%d records written, want 10", n)
	}
	checkMetric(t, r.reg, "earshot_enrich_kafka_retries_total", map[string]string{"op": enrich.OpFetch}, 4)
	checkMetric(t, r.reg, "earshot_enrich_kafka_retries_total", map[string]string{"op": enrich.OpCommit}, 2)
	checkMetric(t, r.reg, "earshot_enrich_kafka_retrying", map[string]string{"op": enrich.OpFetch}, 0)
}

// TestProcessorFetchOutageReadiness: while fetches fail, /readyz reports
// it; when they stop failing and the topic is idle, it recovers.
func TestProcessorFetchOutageReadiness(t *testing.T) {
	cfg := testConfig()
	cfg.RetryBackoffMin, cfg.RetryBackoffMax = 20*time.Millisecond, 20*time.Millisecond
	var errs []error
	for range 25 { // ≈ 0.5 s of failures
		errs = append(errs, refused())
	}
	r, fs := flakyRig(t, cfg, errs, nil)
	stop := r.run(t)
	waitFor(t, "a fetch retry", func() bool {
		v, _ := metricValue(r.reg, "earshot_enrich_kafka_retries_total", map[string]string{"op": enrich.OpFetch})
		return v > 0
	})
	if err := r.p.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Ready = %v during the fetch outage, want the fetch error", err)
	}
	waitFor(t, "the errors to be used up", func() bool {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		return len(fs.fetchErrs) == 0
	})
	// No record arrives: readiness comes back after the quiet period (1 s here).
	waitFor(t, "readiness", func() bool { return r.p.Ready(context.Background()) == nil })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestProcessorPermanentKafkaErrorsStopRun(t *testing.T) {
	t.Run("fetch", func(t *testing.T) {
		r, _ := flakyRig(t, testConfig(), []error{kafka.GroupAuthorizationFailed}, nil)
		err := r.p.Run(context.Background())
		if !errors.Is(err, kafka.GroupAuthorizationFailed) || !strings.Contains(err.Error(), "permanent") {
			t.Errorf("Run = %v, want the permanent fetch error", err)
		}
	})
	t.Run("write", func(t *testing.T) {
		r := newRig(t, testConfig(), tagger)
		r.out.failErr = kafka.TopicAuthorizationFailed
		r.out.failAll = true
		r.src.push(0, 0, "k", raw(t, "1", "1", "1", "hi"))
		err := r.p.Run(context.Background())
		if !errors.Is(err, kafka.TopicAuthorizationFailed) || !strings.Contains(err.Error(), "permanent") {
			t.Errorf("Run = %v, want the permanent write error", err)
		}
		if c := r.src.committedAt(0); c != 0 {
			t.Errorf("committed %d after a failed write", c)
		}
	})
}

func TestProcessorKafkaRetryMax(t *testing.T) {
	cfg := testConfig()
	cfg.KafkaRetryMax = 50 * time.Millisecond
	r := newRig(t, cfg, tagger)
	r.out.failAll = true
	r.src.push(0, 0, "k", raw(t, "1", "1", "1", "hi"))
	start := time.Now()
	err := r.p.Run(context.Background())
	var ex *bus.RetryExhaustedError
	if !errors.As(err, &ex) || !strings.Contains(err.Error(), "not committed") {
		t.Fatalf("Run = %v, want the retry window exhausted", err)
	}
	if d := time.Since(start); d < cfg.KafkaRetryMax {
		t.Errorf("gave up after %s, before kafka_retry_max %s", d, cfg.KafkaRetryMax)
	}
	if c := r.src.committedAt(0); c != 0 {
		t.Errorf("committed %d after a failed write", c)
	}
}

// TestProcessorPartialWriteKeepsConversationOrder: when part of a batch
// fails, the failed records and the later records of their conversations
// are written again, in order.
func TestProcessorPartialWriteKeepsConversationOrder(t *testing.T) {
	r := newRig(t, testConfig(), tagger)
	r.out.partial = func(msgs []kafka.Message) error {
		werrs := make(kafka.WriteErrors, len(msgs))
		for i, m := range msgs {
			if string(m.Key) == "twcs:1" {
				werrs[i] = kafka.NotEnoughReplicas // conversation 1's first record
				break
			}
		}
		return werrs
	}
	ids := []struct{ id, conv string }{{"1", "1"}, {"2", "2"}, {"3", "1"}, {"4", "2"}, {"5", "1"}}
	for i, x := range ids {
		r.src.push(0, int64(i), "twcs:"+x.conv, raw(t, x.id, x.conv, "1", "hi"))
	}
	stop := r.run(t)
	waitFor(t, "the commit", func() bool { return r.src.committedAt(0) == 5 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range r.out.written() {
		got = append(got, string(m.Key))
	}
	// First call: 1 fails, 2, 3, 4, 5 are written; then 1, 3, 5
	// (conversation 1 from its failed record on) again.
	if s := strings.Join(got, " "); s != "twcs:2 twcs:1 twcs:2 twcs:1 twcs:1 twcs:1 twcs:1" {
		t.Errorf("written keys %s", s)
	}
	var conv1 []string
	for _, m := range r.out.written()[4:] {
		conv1 = append(conv1, string(m.Key))
	}
	if len(r.out.written()) != 7 || strings.Join(conv1, " ") != "twcs:1 twcs:1 twcs:1" {
		t.Errorf("written %d records, the retry %v; want 4 then conversation 1's three records again", len(r.out.written()), conv1)
	}
}
