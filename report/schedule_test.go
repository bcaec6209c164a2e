package report_test

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

	"github.com/earshot-dev/earshot/report"
)

// fakeClock stands still until the test fires the timer a Scheduler waits on.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits chan fakeWait
}

type fakeWait struct {
	d  time.Duration
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.waits <- fakeWait{d: d, ch: ch}
	return ch
}

// fire moves the clock to the end of the wait and delivers it.
func (c *fakeClock) fire(w fakeWait) {
	c.mu.Lock()
	c.now = c.now.Add(w.d)
	now := c.now
	c.mu.Unlock()
	w.ch <- now
}

func nextWait(t *testing.T, c *fakeClock) fakeWait {
	t.Helper()
	select {
	case w := <-c.waits:
		return w
	case <-time.After(5 * time.Second):
		t.Fatal("the scheduler never waited for its next run")
		return fakeWait{}
	}
}

// TestSchedulerLoop: from a Wednesday the scheduler waits until Monday
// 07:00 Amsterdam time, runs the week that just ended, waits exactly a week
// for the next, goes on after a failed run, and returns when its context is
// cancelled while it waits.
func TestSchedulerLoop(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC), waits: make(chan fakeWait, 8)}
	met, err := report.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	type call struct {
		week string
		at   time.Time
	}
	calls := make(chan call, 4)
	fail := errors.New("chromium crashed")
	s := &report.Scheduler{
		Schedule: report.ScheduleConfig{Time: "07:00", TimeZone: "Europe/Amsterdam"},
		Clock:    clock, Metrics: met, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Run: func(_ context.Context, w report.Week) error {
			calls <- call{w.String(), clock.Now()}
			if w.Num == 48 {
				return fail
			}
			return nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Loop(ctx) }()

	steps := []struct {
		wait time.Duration
		at   time.Time
		week string
	}{
		// Wed 18 Nov 12:00 UTC → Mon 23 Nov 07:00 CET (06:00 UTC).
		{4*24*time.Hour + 18*time.Hour, time.Date(2026, 11, 23, 7, 0, 0, 0, ams), "2026-W47"},
		// A week later; this run fails and the loop goes on.
		{7 * 24 * time.Hour, time.Date(2026, 11, 30, 7, 0, 0, 0, ams), "2026-W48"},
		{7 * 24 * time.Hour, time.Date(2026, 12, 7, 7, 0, 0, 0, ams), "2026-W49"},
	}
	for _, st := range steps {
		w := nextWait(t, clock)
		if w.d != st.wait {
			t.Fatalf("waits %s for the run of %s, want %s", w.d, st.week, st.wait)
		}
		if got := testutil.ToFloat64(met.NextRunUnixTS); got != float64(st.at.Unix()) {
			t.Errorf("next_run_timestamp_seconds = %v, want %d", got, st.at.Unix())
		}
		select {
		case c := <-calls:
			t.Fatalf("ran %s before its time", c.week)
		default:
		}
		clock.fire(w)
		select {
		case c := <-calls:
			if c.week != st.week || !c.at.Equal(st.at) {
				t.Errorf("ran %s at %s, want %s at %s", c.week, c.at, st.week, st.at)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no run for %s", st.week)
		}
	}
	// Waiting for 14 Dec; cancel stops the loop without a run.
	w := nextWait(t, clock)
	if w.d != 7*24*time.Hour {
		t.Errorf("waits %s after the third run", w.d)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Loop returned %v on cancel, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Loop did not return after its context was cancelled")
	}
	if len(calls) != 0 {
		t.Errorf("a run after cancel: %v", <-calls)
	}
}

// TestSchedulerLateWakeUp: a wake-up long after the planned time (a
// suspended machine) still reports the week that ended before the plan.
func TestSchedulerLateWakeUp(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC), waits: make(chan fakeWait, 8)}
	got := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &report.Scheduler{Schedule: report.ScheduleConfig{Time: "07:00", TimeZone: "UTC"}, Clock: clock,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Run: func(_ context.Context, w report.Week) error { got <- w.String(); cancel(); return nil }}
	done := make(chan error, 1)
	go func() { done <- s.Loop(ctx) }()
	w := nextWait(t, clock)
	if w.d != 8*time.Hour {
		t.Fatalf("waits %s, want 8h", w.d)
	}
	w.d += 8 * 24 * time.Hour // wakes up in the week after
	clock.fire(w)
	if wk := <-got; wk != "2026-W47" {
		t.Errorf("late run reported %s, want 2026-W47", wk)
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// TestSchedulerBadSchedule: a schedule that cannot be computed is an error
// before any wait.
func TestSchedulerBadSchedule(t *testing.T) {
	clock := &fakeClock{now: time.Now(), waits: make(chan fakeWait, 1)}
	for _, sc := range []report.ScheduleConfig{{Time: "7am", TimeZone: "UTC"}, {Time: "07:00", TimeZone: "Mars/Olympus"}} {
		s := &report.Scheduler{Schedule: sc, Clock: clock, Run: func(context.Context, report.Week) error { return nil }}
		if err := s.Loop(context.Background()); err == nil {
			t.Errorf("%+v: no error", sc)
		}
	}
}
