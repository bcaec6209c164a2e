package detect_test

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/detect"
)

// rowStore records every stored event, in order.
type rowStore struct {
	mu  sync.Mutex
	evs []detect.Event
}

func (s *rowStore) Save(_ context.Context, evs []detect.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evs = append(s.evs, evs...)
	return nil
}

func (s *rowStore) Open(context.Context) ([]detect.Incident, error) { return nil, nil }

// TestBackfill: a backfill over a past week finds the outage of that week —
// opened, updated and resolved inside it —, stores every event of the
// window and nothing before it, and a second backfill of the same window
// (a fresh runner, as the command makes) stores exactly the same rows.
func TestBackfill(t *testing.T) {
	onset := t0.Add(5*24*time.Hour + 10*time.Hour)
	s := series{cfg: detect.DefaultConfig(), brands: sixBrands, seed: 21, events: []event{
		{brands: []string{"charlie"}, from: onset, to: onset.Add(3 * time.Hour), mult: constant(10), neg: 0.9, pos: 0.02, term: "outage"},
	}}
	since, until := t0.Add(4*24*time.Hour), t0.Add(7*24*time.Hour)
	now := until.Add(48 * time.Hour)
	run := func() (detect.BackfillResult, []detect.Event) {
		st := &rowStore{}
		r, _ := newRunner(t, &memSource{s: s}, st, now)
		res, err := r.Backfill(context.Background(), since, until)
		if err != nil {
			t.Fatal(err)
		}
		return res, st.evs
	}
	res, rows := run()
	if want := int(until.Sub(since) / (5 * time.Minute)); res.Buckets != want {
		t.Errorf("%d buckets evaluated, want %d", res.Buckets, want)
	}
	if res.Events != len(rows) || len(rows) < 3 {
		t.Fatalf("%d events reported, %d stored", res.Events, len(rows))
	}
	var crisis []detect.Incident
	for _, inc := range res.Incidents {
		if inc.Kind == detect.KindCrisis {
			crisis = append(crisis, inc)
		}
	}
	if len(crisis) != 1 {
		t.Fatalf("crises found: %+v", res.Incidents)
	}
	c := crisis[0]
	if c.Brand != "charlie" || c.Onset.Before(onset.Add(-30*time.Minute)) || c.Onset.After(onset.Add(30*time.Minute)) ||
		c.Status != detect.StatusResolved || !strings.HasPrefix(c.ID, "charlie-crisis-") {
		t.Errorf("the outage: %+v", c)
	}
	types := map[string]int{}
	for _, ev := range rows {
		if ev.Incident.UpdatedAt.Before(since) || ev.Incident.UpdatedAt.After(until) {
			t.Errorf("event %s of %s stored at %s, outside the window", ev.Type, ev.Incident.ID, ev.Incident.UpdatedAt)
		}
		if ev.Incident.ID == c.ID {
			types[ev.Type]++
		}
	}
	if types[detect.EventOpen] != 1 || types[detect.EventResolve] != 1 {
		t.Errorf("events of the outage: %v, want one open and one resolve", types)
	}
	if _, again := run(); !reflect.DeepEqual(again, rows) {
		t.Errorf("a second backfill stored other rows (%d vs %d)", len(again), len(rows))
	}
}

// TestBackfillRefuses: an empty window, one reaching past the last
// complete bucket, and a runner that has evaluated already.
func TestBackfillRefuses(t *testing.T) {
	s := series{cfg: detect.DefaultConfig(), brands: sixBrands, seed: 4}
	now := t0.Add(10 * 24 * time.Hour)
	for name, w := range map[string][2]time.Time{
		"empty":  {t0.Add(48 * time.Hour), t0.Add(48 * time.Hour)},
		"future": {t0.Add(9 * 24 * time.Hour), now.Add(time.Hour)},
	} {
		r, _ := newRunner(t, &memSource{s: s}, &rowStore{}, now)
		if _, err := r.Backfill(context.Background(), w[0], w[1]); err == nil {
			t.Errorf("%s window: no error", name)
		}
	}
	r, _ := newRunner(t, &memSource{s: s}, &rowStore{}, now)
	if err := r.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Backfill(context.Background(), t0.Add(48*time.Hour), t0.Add(72*time.Hour)); err == nil {
		t.Error("a backfill on a rebuilt runner: no error")
	}
}
