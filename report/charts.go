package report

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"

	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// The charts are SVG drawn by go-chart (the heat map by heatmap.go), put
// inline in the HTML: no external resource.

var (
	colorMe    = drawing.ColorFromHex("1f5fbf")
	colorPeer  = drawing.ColorFromHex("9aa5b1")
	colorFRT   = drawing.ColorFromHex("d9822b")
	colorGood  = drawing.ColorFromHex("2e8540")
	colorWarn  = drawing.ColorFromHex("d9822b")
	colorBad   = drawing.ColorFromHex("c23934")
	colorMuted = drawing.ColorFromHex("6b7785")
)

// Charts are the report's SVG charts.
type Charts struct {
	VolumeFRT, FRTDistribution, SLA, Heatmap template.HTML
}

// RenderCharts draws the report's charts.
func RenderCharts(r *Report) (Charts, error) {
	var c Charts
	var err error
	if c.VolumeFRT, err = volumeFRTChart(r.Days); err != nil {
		return c, fmt.Errorf("report: volume chart: %w", err)
	}
	if c.FRTDistribution, err = frtDistChart(r.FRTBins); err != nil {
		return c, fmt.Errorf("report: FRT distribution chart: %w", err)
	}
	if c.SLA, err = slaChart(r.Peers); err != nil {
		return c, fmt.Errorf("report: SLA chart: %w", err)
	}
	c.Heatmap = template.HTML(Heatmap(r.Me.ReplyHours, r.HoursTZ))
	return c, nil
}

func svg(render func(*bytes.Buffer) error) (template.HTML, error) {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return "", err
	}
	s := b.String()
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:]
	}
	// go-chart writes the viewBox only; the role and label help readers
	// of the PDF and screen readers.
	s = strings.Replace(s, "<svg ", `<svg role="img" `, 1)
	return template.HTML(s), nil
}

// volumeFRTChart: the brand's inbound posts per day (bars drawn as a
// filled line) and the day's median FRT (minutes, right axis).
func volumeFRTChart(days []DayPoint) (template.HTML, error) {
	xs := make([]float64, len(days))
	vol := make([]float64, len(days))
	var frtX, frtY []float64
	var ticks []chart.Tick
	maxVol, maxFRT := 1.0, 1.0
	for i, d := range days {
		xs[i] = float64(i)
		vol[i] = float64(d.Inbound)
		maxVol = math.Max(maxVol, vol[i])
		ticks = append(ticks, chart.Tick{Value: float64(i), Label: d.Day.Format("Mon 2")})
		if d.FRTMedianSeconds != nil {
			m := *d.FRTMedianSeconds / 60
			frtX, frtY = append(frtX, float64(i)), append(frtY, m)
			maxFRT = math.Max(maxFRT, m)
		}
	}
	series := []chart.Series{
		chart.ContinuousSeries{
			Name: "inbound posts", XValues: xs, YValues: vol,
			Style: chart.Style{StrokeColor: colorMe, FillColor: colorMe.WithAlpha(50), StrokeWidth: 2},
		},
	}
	if len(frtX) > 0 {
		series = append(series, chart.ContinuousSeries{
			Name: "FRT median (min, right axis)", XValues: frtX, YValues: frtY, YAxis: chart.YAxisSecondary,
			Style: chart.Style{StrokeColor: colorFRT, StrokeWidth: 2, DotColor: colorFRT, DotWidth: 3},
		})
	}
	g := chart.Chart{
		Width: 760, Height: 260,
		Background: chart.Style{Padding: chart.Box{Top: 20, Left: 10, Right: 10, Bottom: 10}},
		XAxis:      chart.XAxis{Style: chart.Style{FontSize: 11}, Ticks: ticks, Range: &chart.ContinuousRange{Min: 0, Max: float64(len(days) - 1)}},
		YAxis: chart.YAxis{
			Name: "posts", Range: &chart.ContinuousRange{Min: 0, Max: niceMax(maxVol)},
			ValueFormatter: intFormatter,
		},
		YAxisSecondary: chart.YAxis{
			Name: "minutes", Range: &chart.ContinuousRange{Min: 0, Max: niceMax(maxFRT)},
			ValueFormatter: intFormatter,
		},
		Series: series,
	}
	return svg(func(b *bytes.Buffer) error { return g.Render(chart.SVG, b) })
}

func intFormatter(v any) string {
	if f, ok := v.(float64); ok {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprint(v)
}

// niceMax rounds a chart maximum up to 1, 2 or 5 × 10ⁿ.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// frtDistChart: the share of inbound posts per FRT band.
func frtDistChart(bins []Bin) (template.HTML, error) {
	var bars []chart.Value
	for _, b := range bins {
		c := colorBad
		switch {
		case b.Unanswered:
			c = colorMuted
		case b.To <= 900:
			c = colorGood
		case b.To <= 3600:
			c = colorWarn
		}
		bars = append(bars, chart.Value{
			Value: math.Max(b.Share*100, 0.0001), // go-chart refuses an all-zero chart
			Label: html.EscapeString(fmt.Sprintf("%s %s", b.Label, Format(&b.Share, KindShare))),
			Style: chart.Style{FillColor: c, StrokeColor: c},
		})
	}
	max := 1.0
	for _, b := range bins {
		max = math.Max(max, b.Share*100)
	}
	g := chart.BarChart{
		Width: 760, Height: 260, BarWidth: 80, BarSpacing: 25,
		Background: chart.Style{Padding: chart.Box{Top: 20, Left: 10, Right: 10, Bottom: 45}},
		XAxis:      chart.Style{FontSize: 11, TextWrap: chart.TextWrapWord},
		YAxis: chart.YAxis{
			Range:          &chart.ContinuousRange{Min: 0, Max: niceMax(max)},
			ValueFormatter: func(v any) string { return intFormatter(v) + "%" },
		},
		Bars: bars,
	}
	return svg(func(b *bytes.Buffer) error { return g.Render(chart.SVG, b) })
}

// slaChart: each peer's share answered within 15 minutes, the brand in
// blue.
func slaChart(peers []Peer) (template.HTML, error) {
	var bars []chart.Value
	for _, p := range peers {
		c := colorPeer
		if p.Me {
			c = colorMe
		}
		v := 0.0
		if p.SLA15 != nil {
			v = *p.SLA15 * 100
		}
		bars = append(bars, chart.Value{
			Value: math.Max(v, 0.0001),
			Label: html.EscapeString(fmt.Sprintf("%s: %s", p.Name, Format(p.SLA15, KindShare))),
			Style: chart.Style{FillColor: c, StrokeColor: c},
		})
	}
	if len(bars) == 0 {
		return "", nil
	}
	g := chart.BarChart{
		Width: 760, Height: 260, BarWidth: 110, BarSpacing: 30,
		Background: chart.Style{Padding: chart.Box{Top: 20, Left: 10, Right: 10, Bottom: 60}},
		XAxis:      chart.Style{FontSize: 11, TextWrap: chart.TextWrapWord},
		YAxis: chart.YAxis{
			Range:          &chart.ContinuousRange{Min: 0, Max: 100},
			Ticks:          []chart.Tick{{Value: 0, Label: "0%"}, {Value: 25, Label: "25%"}, {Value: 50, Label: "50%"}, {Value: 75, Label: "75%"}, {Value: 100, Label: "100%"}},
			ValueFormatter: intFormatter,
		},
		Bars: bars,
	}
	if w := 130 * len(bars); w > g.Width {
		g.Width = w
	}
	return svg(func(b *bytes.Buffer) error { return g.Render(chart.SVG, b) })
}
