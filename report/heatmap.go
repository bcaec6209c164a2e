package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Heatmap draws the hour-of-week profile (index (weekday−1)·24 + hour,
// Monday first) as an SVG grid: one row per weekday, one cell per hour,
// the cell's blue deepening with its count (square-root scale, so that
// quiet hours stay visible next to the peak), empty cells white with a
// grey border. go-chart has no heat map; this is small enough to draw.
func Heatmap(counts [168]uint64, tz string) string {
	const (
		cell   = 26
		gap    = 2
		left   = 40
		top    = 22
		bottom = 30
	)
	width := left + 24*cell + 10
	height := top + 7*cell + bottom
	var max uint64
	for _, n := range counts {
		if n > max {
			max = n
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 %d %d" font-family="sans-serif" font-size="10">`, width, height)
	fmt.Fprintf(&b, `<title>Replies per hour of the week (%s)</title>`, html.EscapeString(tz))
	for h := 0; h < 24; h += 3 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#555">%02d</text>`, left+h*cell+cell/2, top-8, h)
	}
	for d, name := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} {
		y := top + d*cell
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#555">%s</text>`, left-6, y+cell/2+4, name)
		for h := 0; h < 24; h++ {
			n := counts[d*24+h]
			fill, stroke := "#ffffff", "#d8dde3"
			if n > 0 && max > 0 {
				t := math.Sqrt(float64(n) / float64(max)) // 0..1
				fill = blend(t)
				stroke = fill
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="%s"><title>%s %02d:00 – %d replies</title></rect>`,
				left+h*cell, y, cell-gap, cell-gap, fill, stroke, name, h, n)
		}
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#555">Hour of day, %s. Darker: more replies (peak %d in one hour). White: no reply.</text>`,
		left, top+7*cell+18, html.EscapeString(tz), max)
	b.WriteString(`</svg>`)
	return b.String()
}

// blend is the colour at t (0..1) from a pale to a deep blue.
func blend(t float64) string {
	lo := [3]float64{0xdc, 0xe8, 0xf7}
	hi := [3]float64{0x0b, 0x3d, 0x91}
	var c [3]int
	for i := range c {
		c[i] = int(math.Round(lo[i] + (hi[i]-lo[i])*t))
	}
	return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2])
}
