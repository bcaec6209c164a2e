package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/analytics"
)

//go:embed templates/report.html.tmpl templates/style.css
var templates embed.FS

var htmlTmpl = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"share":   func(v *float64) string { return Format(v, KindShare) },
	"sharev":  func(v float64) string { return Format(&v, KindShare) },
	"dur":     func(v *float64) string { return Format(v, KindSeconds) },
	"durv":    func(v float64) string { return Format(&v, KindSeconds) },
	"score":   func(v *float64) string { return Format(v, KindScore) },
	"n":       func(v any) string { return Thousands(toInt64(v)) },
	"ord":     Ordinal,
	"raw":     raw,
	"signed":  func(v *float64) string { return signed(*v, "%+.0f") },
	"signedv": func(v float64) string { return signed(v, "%+g") },
	"join":    strings.Join,
	"stamp":   stamp,
	"pair":    func(kind string, r Reply) replyView { return replyView{Kind: kind, R: r} },
}).ParseFS(templates, "templates/report.html.tmpl"))

type replyView struct {
	Kind string
	R    Reply
}

// view is what the template reads besides the report.
type view struct {
	R               *Report
	Charts          Charts
	CSS             template.CSS
	Ranked          int
	Mine            *Peer
	Changed         []analytics.ReasonTrend
	WindowBefore    int
	CannedShare     float64
	CannedThreshold float64
	W               weightsView
}

type weightsView struct {
	SLA60Pct, RRPct, FRTPct float64
	Ref                     string
}

// WriteHTML renders the report as one self-contained HTML document.
func WriteHTML(w io.Writer, r *Report) error {
	charts, err := RenderCharts(r)
	if err != nil {
		return err
	}
	css, err := templates.ReadFile("templates/style.css")
	if err != nil {
		return err
	}
	v := view{R: r, Charts: charts, CSS: template.CSS(css), WindowBefore: analytics.ReasonWindowWeeks - 1,
		CannedThreshold: analytics.CannedThreshold}
	for i := range r.Peers {
		if r.Peers[i].RankCompetitors > 0 {
			v.Ranked++
		}
		if r.Peers[i].Me {
			v.Mine = &r.Peers[i]
		}
	}
	for _, x := range r.Reasons {
		if x.Trend != analytics.TrendSteady {
			v.Changed = append(v.Changed, x)
		}
	}
	if r.QualityReplies > 0 {
		v.CannedShare = float64(r.CannedReplies) / float64(r.QualityReplies)
	}
	wt := r.Weights
	if sum := wt.SLA60 + wt.ResponseRate + wt.FRT; sum > 0 {
		v.W = weightsView{SLA60Pct: 100 * wt.SLA60 / sum, RRPct: 100 * wt.ResponseRate / sum, FRTPct: 100 * wt.FRT / sum, Ref: Duration(wt.FRTReference.Seconds())}
	}
	if err := htmlTmpl.Execute(w, v); err != nil {
		return fmt.Errorf("report: render HTML: %w", err)
	}
	return nil
}

// raw is a number as the data-value attributes carry it: full precision,
// "" when undefined.
func raw(v any) string {
	switch x := v.(type) {
	case *float64:
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'g', -1, 64)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

func signed(v float64, format string) string {
	s := fmt.Sprintf(format, v)
	if s == "+0" || s == "-0" {
		return "0"
	}
	return strings.Replace(s, "-", "−", 1)
}

func stamp(t time.Time) string {
	if t.IsZero() || t.Unix() <= 0 {
		return "never"
	}
	return t.UTC().Format("Mon 2 Jan 2006 15:04 UTC")
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	case uint64:
		return int64(x)
	case uint32:
		return int64(x)
	}
	return 0
}
