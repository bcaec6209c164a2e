package report

import (
	"fmt"
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
