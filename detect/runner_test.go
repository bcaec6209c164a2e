package detect_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshot-dev/earshot/detect"
)

// memSource serves a synthetic series; fail makes the next read fail.
type memSource struct {
	s    series
	fail bool
}

func (m *memSource) Buckets(_ context.Context, from, to time.Time) (map[int64][]*detect.Bucket, error) {
	if m.fail {
		m.fail = false
		return nil, errors.New("clickhouse is down")
	}
	out := map[int64][]*detect.Bucket{}
	for at := from; at.Before(to); at = at.Add(m.s.cfg.Bucket) {
		out[at.Unix()] = m.s.buckets(at)
	}
	return out, nil
}

// memStore keeps the newest version of every incident.
type memStore struct {
	mu   sync.Mutex
	incs map[string]detect.Incident
	rows int
	fail bool
}

func (m *memStore) Save(_ context.Context, evs []detect.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("insert refused")
	}
	if m.incs == nil {
		m.incs = map[string]detect.Incident{}
	}
	for _, ev := range evs {
		if old, ok := m.incs[ev.Incident.ID]; !ok || ev.Incident.Version >= old.Version {
			m.incs[ev.Incident.ID] = ev.Incident
		}
		m.rows++
	}
	return nil
}

func (m *memStore) Open(context.Context) ([]detect.Incident, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []detect.Incident
	for _, inc := range m.incs {
		if inc.Status == detect.StatusOpen {
			out = append(out, inc)
		}
	}
	return out, nil
}

func newRunner(t *testing.T, src detect.Source, st detect.Store, now time.Time) (*detect.Runner, *detect.Metrics) {
	t.Helper()
	cfg := detect.DefaultRunnerConfig()
	cfg.Lag, cfg.History = 0, 5*24*time.Hour
	m, err := detect.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	r, err := detect.NewRunner(cfg, src, st, nil, m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	r.Now = func() time.Time { return now }
	return r, m
}

// After a restart the runner rebuilds its state from history and
// reconciles with the store: an incident open in both carries on (no new
// opening), one opened while it was down is opened, one the history no
// longer shows is resolved.
func TestRunnerRebuildReconciles(t *testing.T) {
	onset := t0.Add(4*24*time.Hour + 10*time.Hour)
	s := series{cfg: detect.DefaultConfig(), brands: sixBrands, seed: 21, events: []event{
		{brands: []string{"charlie"}, from: onset, to: onset.Add(3 * time.Hour), mult: constant(10), neg: 0.9, pos: 0.02, term: "outage"},
	}}
	src := &memSource{s: s}
	st := &memStore{}
	now := onset.Add(30 * time.Minute)

	// First start: the crisis opened while nobody ran: stored as open
	// (once ClickHouse takes the insert: a failed store is kept and
	// retried at the next evaluation).
	r1, m1 := newRunner(t, src, st, now)
	st.fail = true
	if err := r1.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m1.StoreErrors); got != 1 {
		t.Errorf("store errors %v", got)
	}
	st.fail = false
	if _, err := r1.Evaluate(context.Background()); err != nil {
		t.Fatal(err)
	}
	open, _ := st.Open(context.Background())
	if len(open) != 1 || open[0].Brand != "charlie" {
		t.Fatalf("stored open after the first rebuild: %+v", open)
	}
	if got := testutil.ToFloat64(m1.Events.WithLabelValues(detect.KindCrisis, detect.EventOpen)); got != 1 {
		t.Errorf("open events %v", got)
	}
	if err := r1.Ready(context.Background()); err != nil {
		t.Error(err)
	}

	// A ghost incident stored as open that the history does not show.
	ghost := open[0]
	ghost.ID, ghost.Brand = "alpha-crisis-20260904T0000Z", "alpha"
	if err := st.Save(context.Background(), []detect.Event{{Type: detect.EventOpen, Incident: ghost}}); err != nil {
		t.Fatal(err)
	}

	// Restart: charlie's crisis carries on, the ghost is resolved.
	r2, m2 := newRunner(t, src, st, now.Add(10*time.Minute))
	if err := r2.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m2.Events.WithLabelValues(detect.KindCrisis, detect.EventOpen)); got != 0 {
		t.Errorf("a restart re-opened %v incidents", got)
	}
	if got := testutil.ToFloat64(m2.Events.WithLabelValues(detect.KindCrisis, detect.EventResolve)); got != 1 {
		t.Errorf("resolve events %v, want the ghost's", got)
	}
	open, _ = st.Open(context.Background())
	if len(open) != 1 || open[0].Brand != "charlie" || open[0].ID != r2.Detector().Open()[0].ID {
		t.Fatalf("stored open after the restart: %+v", open)
	}
	if got := testutil.ToFloat64(m2.IncidentsOpen.WithLabelValues("charlie", open[0].Severity)); got != 1 {
		t.Errorf("incidents_open gauge %v", got)
	}
}

// Evaluate steps every complete bucket once; a failed read is counted and
// retried.
func TestRunnerEvaluate(t *testing.T) {
	s := series{cfg: detect.DefaultConfig(), brands: sixBrands, seed: 4}
	src := &memSource{s: s}
	st := &memStore{}
	now := t0.Add(2 * 24 * time.Hour)
	r, m := newRunner(t, src, st, now)
	r.Now = func() time.Time { return now }
	if err := r.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	last := r.Detector().LastBucket()
	if want := detect.BucketStart(now, 5*time.Minute).Add(-5 * time.Minute); !last.Equal(want) {
		t.Fatalf("rebuilt up to %s, want %s", last, want)
	}
	if _, err := r.Evaluate(context.Background()); err != nil { // nothing new
		t.Fatal(err)
	}
	now = now.Add(12 * time.Minute)
	src.fail = true
	if _, err := r.Evaluate(context.Background()); err == nil {
		t.Fatal("a failed read was not reported")
	}
	if got := testutil.ToFloat64(m.EvaluationErrors); got != 1 {
		t.Errorf("evaluation errors %v", got)
	}
	if _, err := r.Evaluate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m.Evaluations); got != 2 {
		t.Errorf("%v buckets evaluated, want the 2 completed", got)
	}
	if got, want := testutil.ToFloat64(m.LastBucket), float64(detect.BucketStart(now, 5*time.Minute).Unix()); got != want {
		t.Errorf("last bucket %v, want %v", got, want)
	}
}
