package analytics

import (
	"fmt"
	"sort"
	"time"

	"github.com/earshot-dev/earshot/registry"
)

// BusinessClock measures durations in business time: only the hours in
// which a brand's support desk is staffed (registry.SupportHours, in the
// brand's time zone) count. A nil SupportHours is always staffed, so its
// business time equals wall-clock time.
//
// The clock agrees with SupportHours.Open: an instant counts when Open
// reports the desk staffed at it. Days are walked in the brand's time
// zone, so daylight-saving changes give 23- and 25-hour days.
type BusinessClock struct {
	always bool
	loc    *time.Location
	days   [7][]span // by time.Weekday: opening ranges in minutes since local midnight
}

type span struct{ from, to int }

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// NewBusinessClock returns the clock of h (validated by the registry
// loader; a malformed range is an error all the same).
func NewBusinessClock(h *registry.SupportHours) (*BusinessClock, error) {
	if h == nil {
		return &BusinessClock{always: true, loc: time.UTC}, nil
	}
	c := &BusinessClock{loc: h.Location()}
	for name, ranges := range h.Days {
		wd, ok := weekdayNames[name]
		if !ok {
			return nil, fmt.Errorf("analytics: support hours: day %q is not mon … sun", name)
		}
		for _, rg := range ranges {
			var h1, m1, h2, m2 int
			if n, err := fmt.Sscanf(rg, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil || n != 4 {
				return nil, fmt.Errorf("analytics: support hours: range %q is not HH:MM-HH:MM", rg)
			}
			from, to := h1*60+m1, h2*60+m2
			if from < 0 || to > 24*60 || from >= to {
				return nil, fmt.Errorf("analytics: support hours: range %q is empty or past 24:00", rg)
			}
			c.days[wd] = append(c.days[wd], span{from, to})
		}
	}
	for i := range c.days {
		sort.Slice(c.days[i], func(a, b int) bool { return c.days[i][a].from < c.days[i][b].from })
	}
	return c, nil
}

// Seconds returns the business seconds in [from, to); 0 when to is not
// after from.
func (c *BusinessClock) Seconds(from, to time.Time) float64 {
	if !to.After(from) {
		return 0
	}
	if c.always {
		return to.Sub(from).Seconds()
	}
	lf := from.In(c.loc)
	var total time.Duration
	for d := time.Date(lf.Year(), lf.Month(), lf.Day(), 0, 0, 0, 0, c.loc); d.Before(to); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, c.loc) {
		// Overlapping ranges of one day are merged by clipping each to the
		// end of the previous one.
		last := d
		for _, sp := range c.days[d.Weekday()] {
			s := time.Date(d.Year(), d.Month(), d.Day(), sp.from/60, sp.from%60, 0, 0, c.loc)
			e := time.Date(d.Year(), d.Month(), d.Day(), sp.to/60, sp.to%60, 0, 0, c.loc)
			if s.Before(last) {
				s = last
			}
			if e.After(last) {
				last = e
			}
			if s.Before(from) {
				s = from
			}
			if e.After(to) {
				e = to
			}
			if e.After(s) {
				total += e.Sub(s)
			}
		}
	}
	return total.Seconds()
}

// MedianP90 returns the classical median (mean of the two middle values
// for an even count) and the nearest-rank p90 (element ceil(0.9 n) of the
// ascending values) — the glossary's conventions; nil, nil for no value.
// vs is sorted in place.
func MedianP90(vs []float64) (median, p90 *float64) {
	n := len(vs)
	if n == 0 {
		return nil, nil
	}
	sort.Float64s(vs)
	m := vs[(n-1)/2]
	if n%2 == 0 {
		m = (vs[n/2-1] + vs[n/2]) / 2
	}
	p := vs[(9*n+9)/10-1]
	return &m, &p
}
