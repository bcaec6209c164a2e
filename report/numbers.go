package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/earshot-dev/earshot/analytics"
)

// The formatting of numbers, shared by every output so that the HTML, the
// PDF, the Markdown and the sentences print the same figure.

// Format formats v of kind k; "–" when undefined.
func Format(v *float64, k Kind) string {
	if v == nil {
		return "–"
	}
	x := *v
	switch k {
	case KindShare:
		p := x * 100
		if p != 0 && math.Abs(p) < 10 {
			return trimZero(fmt.Sprintf("%.1f", p)) + " %"
		}
		return fmt.Sprintf("%.0f %%", p)
	case KindSeconds:
		return Duration(x)
	case KindScore:
		return fmt.Sprintf("%.0f", x)
	case KindSentiment:
		s := fmt.Sprintf("%+.2f", x)
		if s == "+0.00" || s == "-0.00" {
			return "0.00"
		}
		return strings.Replace(s, "-", "−", 1)
	case KindCount:
		return Thousands(int64(math.Round(x)))
	}
	return fmt.Sprint(x)
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Duration is a response time for people: 42 s, 12 min, 3.1 h, 2.5 d.
func Duration(s float64) string {
	switch {
	case s < 59.5:
		return fmt.Sprintf("%.0f s", s)
	case s < 3570:
		return fmt.Sprintf("%.0f min", s/60)
	case s < 86400*0.995:
		return trimZero(fmt.Sprintf("%.1f", s/3600)) + " h"
	default:
		return trimZero(fmt.Sprintf("%.1f", s/86400)) + " d"
	}
}

// Thousands is n with thin-space-free comma grouping: 12,345.
func Thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

// Ordinal is 1st, 2nd, 3rd, 4th, 11th, 21st.
func Ordinal(n int) string {
	suf := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suf = "st"
	case n%10 == 2:
		suf = "nd"
	case n%10 == 3:
		suf = "rd"
	}
	return fmt.Sprintf("%d%s", n, suf)
}

// Direction compares a metric with its previous value as displayed: "up",
// "down", "same" (equal once formatted) or "" (either undefined).
func (m Metric) Direction() string {
	if m.Value == nil || m.Prev == nil {
		return ""
	}
	if Format(m.Value, m.Kind) == Format(m.Prev, m.Kind) {
		return "same"
	}
	if *m.Value > *m.Prev {
		return "up"
	}
	return "down"
}

// Arrow is ▲, ▼, → or "" for the direction.
func (m Metric) Arrow() string {
	switch m.Direction() {
	case "up":
		return "▲"
	case "down":
		return "▼"
	case "same":
		return "→"
	}
	return ""
}

// Verdict is "better", "worse", "same" or "" for the direction.
func (m Metric) Verdict() string {
	switch d := m.Direction(); d {
	case "up", "down":
		if (d == "up") == m.HigherIsBetter {
			return "better"
		}
		return "worse"
	default:
		return d
	}
}

// Text is the formatted value.
func (m Metric) Text() string { return Format(m.Value, m.Kind) }

// PrevText is the formatted previous value.
func (m Metric) PrevText() string { return Format(m.Prev, m.Kind) }

// BestText is the formatted best competitor value.
func (m Metric) BestText() string { return Format(m.Best, m.Kind) }

// headline builds page one's numbers from the brand's rows and its peers'.
func headline(me analytics.ExtRow, prev *analytics.ExtRow, peers []Peer) []Metric {
	type def struct {
		key, label string
		kind       Kind
		higher     bool
		get        func(r *analytics.ExtRow) *float64
	}
	defs := []def{
		{"frt_median", "First response, median", KindSeconds, false, func(r *analytics.ExtRow) *float64 { return r.FRTMedianSeconds }},
		{"frt_p90", "First response, p90", KindSeconds, false, func(r *analytics.ExtRow) *float64 { return r.FRTP90Seconds }},
		{"sla15", "Answered within 15 min", KindShare, true, func(r *analytics.ExtRow) *float64 { return r.SLA15 }},
		{"response_rate", "Answered within 24 h", KindShare, true, func(r *analytics.ExtRow) *float64 { return r.ResponseRate }},
		{"empathy", "Empathy, median (0–100)", KindScore, true, func(r *analytics.ExtRow) *float64 { return r.EmpathyMedian }},
		{"canned_rate", "Cut-and-paste replies", KindShare, false, func(r *analytics.ExtRow) *float64 { return r.CannedRate }},
		{"deflection_rate", "Deflected to another channel", KindShare, false, func(r *analytics.ExtRow) *float64 { return r.DeflectionRate }},
		{"net_sentiment", "Net sentiment (−1…+1)", KindSentiment, true, func(r *analytics.ExtRow) *float64 { return r.SentimentMean }},
	}
	out := make([]Metric, 0, len(defs))
	for _, d := range defs {
		m := Metric{Key: d.key, Label: d.label, Kind: d.kind, HigherIsBetter: d.higher, Value: d.get(&me)}
		if prev != nil {
			m.Prev = d.get(prev)
		}
		for i := range peers {
			if peers[i].Me {
				continue
			}
			v := d.get(&peers[i].ExtRow)
			if v == nil {
				continue
			}
			if m.Best == nil || (d.higher && *v > *m.Best) || (!d.higher && *v < *m.Best) {
				m.Best, m.BestBrand = v, peers[i].Name
			}
		}
		out = append(out, m)
	}
	return out
}

// metric returns the headline metric with key (the zero Metric when
// absent).
func metric(ms []Metric, key string) Metric {
	for _, m := range ms {
		if m.Key == key {
			return m
		}
	}
	return Metric{Key: key}
}
