package report

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Week is an ISO 8601 week: Monday 00:00 UTC to the next Monday 00:00 UTC,
// the same boundaries as `earshot leaderboard --by week`.
type Week struct {
	Year, Num int
}

var weekRe = regexp.MustCompile(`^(\d{4})-?W(\d{2})$`)

// ParseWeek reads "2026-W47" (or "2026W47").
func ParseWeek(s string) (Week, error) {
	m := weekRe.FindStringSubmatch(s)
	if m == nil {
		return Week{}, fmt.Errorf("report: week %q: want an ISO week such as 2026-W47", s)
	}
	y, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	w := Week{Year: y, Num: n}
	if n < 1 || w.Since().Add(3*24*time.Hour).Year() != y { // a week belongs to the year of its Thursday
		return Week{}, fmt.Errorf("report: week %q: %d has no ISO week %d", s, y, n)
	}
	return w, nil
}

// WeekOf is the ISO week containing t (in UTC).
func WeekOf(t time.Time) Week {
	y, n := t.UTC().ISOWeek()
	return Week{Year: y, Num: n}
}

// Since is the week's Monday 00:00 UTC.
func (w Week) Since() time.Time {
	// 4 January is always in week 1.
	jan4 := time.Date(w.Year, 1, 4, 0, 0, 0, 0, time.UTC)
	mon1 := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	return mon1.AddDate(0, 0, 7*(w.Num-1))
}

// Until is the next Monday 00:00 UTC (exclusive).
func (w Week) Until() time.Time { return w.Since().AddDate(0, 0, 7) }

// Prev is the week before.
func (w Week) Prev() Week { return WeekOf(w.Since().AddDate(0, 0, -7)) }

// String is "2026-W47".
func (w Week) String() string { return fmt.Sprintf("%04d-W%02d", w.Year, w.Num) }

// Label is "2026-W47 (16–22 Nov 2026)".
func (w Week) Label() string {
	s, e := w.Since(), w.Until().AddDate(0, 0, -1)
	if s.Month() == e.Month() {
		return fmt.Sprintf("%s (%d–%d %s %d)", w, s.Day(), e.Day(), e.Format("Jan"), e.Year())
	}
	if s.Year() == e.Year() {
		return fmt.Sprintf("%s (%d %s – %d %s %d)", w, s.Day(), s.Format("Jan"), e.Day(), e.Format("Jan"), e.Year())
	}
	return fmt.Sprintf("%s (%d %s %d – %d %s %d)", w, s.Day(), s.Format("Jan"), s.Year(), e.Day(), e.Format("Jan"), e.Year())
}
