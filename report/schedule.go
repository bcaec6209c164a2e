package report

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// LastCompleteWeek is the newest ISO week (UTC) that ended at or before t:
// the week a run at t reports on.
func LastCompleteWeek(t time.Time) Week { return WeekOf(t).Prev() }

// NextRun is the first Monday at s.Time in s.TimeZone strictly after now.
func (s ScheduleConfig) NextRun(now time.Time) (time.Time, error) {
	h, m, err := parseClock(s.Time)
	if err != nil {
		return time.Time{}, fmt.Errorf("report.schedule.time: %w", err)
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return time.Time{}, fmt.Errorf("report.schedule.time_zone: %w", err)
	}
	l := now.In(loc)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	day = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)) // this week's Monday
	for i := 0; i < 3; i++ {
		at := time.Date(day.Year(), day.Month(), day.Day()+7*i, h, m, 0, 0, loc)
		if at.After(now) {
			return at, nil
		}
	}
	return time.Time{}, fmt.Errorf("report: no next run after %s", now) // unreachable
}

// Clock is the time source of a Scheduler; tests inject a fake one.
type Clock interface {
	Now() time.Time
	// After delivers once d has passed.
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Scheduler is `earshot report --schedule`: every Monday at
// Schedule.Time in Schedule.TimeZone it runs the reports of the ISO week
// that just ended, until its context ends.
type Scheduler struct {
	Schedule ScheduleConfig
	// Run writes (and sends) the reports of week w. A failed run is
	// logged and the loop goes on to the next Monday.
	Run func(ctx context.Context, w Week) error
	// Clock defaults to the system clock.
	Clock Clock
	Log   *slog.Logger
	// Metrics, if set, get the next run time.
	Metrics *Metrics
}

// Loop runs until ctx ends, then returns nil; it returns an error only for
// a schedule that cannot be computed (a bad time or zone).
func (s *Scheduler) Loop(ctx context.Context) error {
	clock := s.Clock
	if clock == nil {
		clock = systemClock{}
	}
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	for ctx.Err() == nil {
		next, err := s.Schedule.NextRun(clock.Now())
		if err != nil {
			return err
		}
		// The week is the one that ended before the planned time, even if
		// the wake-up comes late (a suspended machine).
		week := LastCompleteWeek(next)
		if s.Metrics != nil {
			s.Metrics.NextRunUnixTS.Set(float64(next.Unix()))
		}
		log.Info("next report run", "at", next.Format(time.RFC3339), "week", week.String())
		select {
		case <-ctx.Done():
			return nil
		case <-clock.After(next.Sub(clock.Now())):
		}
		if err := s.Run(ctx, week); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			log.Error("report run failed", "week", week.String(), "err", err)
		}
	}
	return nil
}
