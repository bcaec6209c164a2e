package dashboards

import (
	"fmt"
	"io"
	"math"
	"time"

	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// LeaderRow is one row of the leaderboard panel's result.
type LeaderRow struct {
	Rank       *uint64
	Brand      string
	Score      *float64
	FRTMedianS *float64
	SLA60      *float64
}

// LeaderRows reads the leaderboard panel's result.
func LeaderRows(res *Result) ([]LeaderRow, error) {
	idx := map[string]int{}
	for _, c := range []string{"rank", "brand", "score", "frt_median_s", "sla60"} {
		if idx[c] = res.Index(c); idx[c] < 0 {
			return nil, fmt.Errorf("dashboards: leaderboard result has no column %s", c)
		}
	}
	var out []LeaderRow
	for _, r := range res.Rows {
		lr := LeaderRow{}
		var ok bool
		if lr.Brand, ok = r[idx["brand"]].(string); !ok {
			return nil, fmt.Errorf("dashboards: brand is %T", r[idx["brand"]])
		}
		lr.Rank = uintPtr(r[idx["rank"]])
		lr.Score = floatPtr(r[idx["score"]])
		lr.FRTMedianS = floatPtr(r[idx["frt_median_s"]])
		lr.SLA60 = floatPtr(r[idx["sla60"]])
		out = append(out, lr)
	}
	return out, nil
}

func floatPtr(v any) *float64 {
	switch x := v.(type) {
	case *float64:
		return x
	case float64:
		return &x
	}
	return nil
}

func uintPtr(v any) *uint64 {
	switch x := v.(type) {
	case *uint64:
		return x
	case uint64:
		return &x
	case *uint32:
		if x == nil {
			return nil
		}
		u := uint64(*x)
		return &u
	}
	return nil
}

// shortDuration is a response time for a label: 42s, 12m, 3.1h, 2.0d.
func shortDuration(s *float64) string {
	if s == nil {
		return "no reply"
	}
	switch d := *s; {
	case d < 60:
		return fmt.Sprintf("%.0fs", d)
	case d < 3600:
		return fmt.Sprintf("%.0fm", d/60)
	case d < 86400:
		return fmt.Sprintf("%.1fh", d/3600)
	default:
		return fmt.Sprintf("%.1fd", d/86400)
	}
}

// RenderLeaderboard draws the ranked leaderboard as a bar chart (PNG):
// one bar per brand, its composite score, labelled with its FRT median;
// bars are green when the FRT median is within the 15-minute customer
// expectation, orange within 60 minutes, red beyond.
func RenderLeaderboard(w io.Writer, rows []LeaderRow, title string, since, until time.Time) error {
	var bars []chart.Value
	for _, r := range rows {
		if r.Score == nil {
			continue
		}
		color := drawing.ColorFromHex("d44a3a")
		switch {
		case r.FRTMedianS != nil && *r.FRTMedianS <= expectSeconds:
			color = drawing.ColorFromHex("299c46")
		case r.FRTMedianS != nil && *r.FRTMedianS <= targetSeconds:
			color = drawing.ColorFromHex("ed8128")
		}
		rank := ""
		if r.Rank != nil {
			rank = fmt.Sprintf("%d. ", *r.Rank)
		}
		bars = append(bars, chart.Value{
			Value: math.Round(*r.Score*10) / 10,
			Label: fmt.Sprintf("%s%s: %.0f, FRT %s", rank, r.Brand, *r.Score, shortDuration(r.FRTMedianS)),
			Style: chart.Style{FillColor: color, StrokeColor: color},
		})
	}
	if len(bars) == 0 {
		return fmt.Errorf("dashboards: no brand has a score in the period: nothing to draw")
	}
	g := chart.BarChart{
		Title: fmt.Sprintf("%s, %s to %s — bar colour: FRT median ≤ 15 min green, ≤ 60 min orange, longer red",
			title, since.UTC().Format("2006-01-02"), until.UTC().Format("2006-01-02")),
		TitleStyle: chart.Style{FontSize: 13},
		Background: chart.Style{Padding: chart.Box{Top: 50, Left: 20, Right: 20, Bottom: 45}},
		Width:      160 * len(bars),
		Height:     520,
		BarWidth:   110,
		BarSpacing: 40,
		XAxis:      chart.Style{FontSize: 8, TextRotationDegrees: 0, TextWrap: chart.TextWrapWord},
		YAxis: chart.YAxis{
			Name:  "composite score (0–100)",
			Range: &chart.ContinuousRange{Min: 0, Max: 100},
			Ticks: []chart.Tick{{Value: 0, Label: "0"}, {Value: 25, Label: "25"}, {Value: 50, Label: "50"}, {Value: 75, Label: "75"}, {Value: 100, Label: "100"}},
		},
		Bars: bars,
	}
	if g.Width < 600 {
		g.Width = 600
	}
	return g.Render(chart.PNG, w)
}
