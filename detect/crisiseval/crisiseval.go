// Package crisiseval measures the crisis detector on the simulator's
// crisis scenarios: it generates the plan's period with its injected
// events, enriches every post with the production enrichers (brands,
// sentiment), buckets them exactly as the ClickHouse source does, runs the
// detector bucket by bucket and scores its incidents against the ground
// truth.
package crisiseval

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/enrich/brands"
	"github.com/earshot-dev/earshot/enrich/sentiment"
	"github.com/earshot-dev/earshot/ingest/simulate"
	"github.com/earshot-dev/earshot/registry"
)

// Options configure a run.
type Options struct {
	Seed     uint64
	Detector detect.Config
	// Registry; nil is the default registry.
	Registry *registry.Registry
	// Plan; nil is simulate.CrisisPlan(Seed).
	Plan *simulate.ScenarioPlan
	// Grace after an event's end within which an incident still belongs
	// to it (default 2 h).
	Grace time.Duration
	// Trace, when set, sees every brand's signals at every step.
	Trace func(detect.Signals)
}

// EventResult is the outcome for one ground-truth event.
type EventResult struct {
	Event simulate.ScenarioEvent
	// Detected: a crisis incident of the brand opened during the event
	// (for crisis events); a viral_positive incident (for viral events).
	Detected bool
	// Delay from the onset to the end of the bucket that opened it.
	Delay time.Duration
	// Incident is the matching incident, if any (the first).
	Incident *detect.Incident
	// Incidents counts the incidents of the event's kind matched to it:
	// more than one means the detector split one event (one page would
	// have become several).
	Incidents int
	// Volume, Negative and Positive count the customer posts of the
	// event's brand(s) during the event (what the detector saw).
	Volume, Negative, Positive int
	// CrisisCalls are crisis incidents opened during a non-crisis event
	// (a viral spike or a holiday called a crisis).
	CrisisCalls int
}

// Report is the evaluation's outcome.
type Report struct {
	Plan       simulate.ScenarioPlan
	Mentions   int
	Buckets    int // brand-buckets evaluated
	Brands     []string
	BrandWeeks float64 // evaluated brand-weeks
	Events     []EventResult
	Incidents  []detect.Incident // every incident opened in the evaluated period (final state)
	// FalseAlerts are crisis incidents matching no crisis event.
	FalseAlerts []detect.Incident
	// FalseAlertsNormal are those outside every event's window (normal
	// time, for every brand).
	FalseAlertsNormal int
	// Missed crisis events.
	Missed int
	// SplitCrises counts crisis events matched by more than one incident.
	SplitCrises int
	// ViralCalledCrisis counts crisis incidents during a viral event of
	// the same brand.
	ViralCalledCrisis int
	// SeasonalFalseAlerts counts crisis incidents during a seasonal event.
	SeasonalFalseAlerts int
	// ViralFalseReports are viral_positive incidents matching no viral
	// event (not crises, but noise).
	ViralFalseReports     int
	Precision, Recall, F1 float64
	Elapsed               time.Duration
}

// Run generates, enriches, detects and scores.
func Run(ctx context.Context, o Options) (*Report, error) {
	began := time.Now()
	if o.Grace == 0 {
		o.Grace = 2 * time.Hour
	}
	reg := o.Registry
	if reg == nil {
		var err error
		if reg, err = registry.Default(); err != nil {
			return nil, err
		}
	}
	plan := simulate.CrisisPlan(o.Seed)
	if o.Plan != nil {
		plan = *o.Plan
	}
	start, err := plan.Config.StartTime()
	if err != nil {
		return nil, err
	}
	until := start.AddDate(0, 0, plan.Config.Days)
	sim, err := simulate.GenerateScenario(plan, reg, until.Add(30*24*time.Hour))
	if err != nil {
		return nil, err
	}
	be, err := brands.New(reg, brands.DefaultConfig())
	if err != nil {
		return nil, err
	}
	se, err := sentiment.New(sentiment.DefaultConfig())
	if err != nil {
		return nil, err
	}
	pipe, err := enrich.NewPipeline(be, se)
	if err != nil {
		return nil, err
	}
	defer pipe.Close()
	for i, m := range sim.Mentions {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err := pipe.Enrich(ctx, m); err != nil {
			return nil, fmt.Errorf("crisiseval: enrich %s: %w", m.ID, err)
		}
	}
	det, err := detect.New(o.Detector)
	if err != nil {
		return nil, err
	}
	det.AddBrands(sim.Brands...)
	buckets := detect.Aggregate(sim.Mentions, o.Detector.Bucket)
	rep := &Report{Plan: plan, Mentions: len(sim.Mentions), Brands: sim.Brands}
	final := map[string]detect.Incident{}
	var order []string
	for at := start; at.Before(until); at = at.Add(o.Detector.Bucket) {
		evs, err := det.Step(at, buckets[at.Unix()])
		if err != nil {
			return nil, err
		}
		if !at.Before(plan.EvalFrom) {
			rep.Buckets += len(sim.Brands)
		}
		if o.Trace != nil {
			for _, b := range sim.Brands {
				if s, ok := det.Signals(b); ok {
					o.Trace(s)
				}
			}
		}
		for _, ev := range evs {
			if ev.Incident.OpenedAt.Before(plan.EvalFrom) {
				continue
			}
			if _, ok := final[ev.Incident.ID]; !ok {
				order = append(order, ev.Incident.ID)
			}
			final[ev.Incident.ID] = ev.Incident
		}
	}
	for _, id := range order {
		rep.Incidents = append(rep.Incidents, final[id])
	}
	rep.BrandWeeks = float64(len(sim.Brands)) * until.Sub(plan.EvalFrom).Hours() / (24 * 7)
	rep.score(o.Grace)
	for i := range rep.Events {
		ev := &rep.Events[i]
		for at, bs := range buckets {
			t := time.Unix(at, 0)
			if t.Before(ev.Event.Onset) || !t.Before(ev.Event.End) {
				continue
			}
			for _, b := range bs {
				if ev.Event.Brand == "" || b.Brand == ev.Event.Brand {
					ev.Volume += b.Volume
					ev.Negative += b.Negative
					ev.Positive += b.Positive
				}
			}
		}
	}
	rep.Elapsed = time.Since(began)
	return rep, nil
}

// score matches incidents to events.
func (r *Report) score(grace time.Duration) {
	used := map[string]bool{}
	during := func(inc detect.Incident, ev simulate.ScenarioEvent) bool {
		return (ev.Brand == "" || inc.Brand == ev.Brand) &&
			!inc.OpenedAt.Before(ev.Onset) && inc.OpenedAt.Before(ev.End.Add(grace))
	}
	tp, fn := 0, 0
	for _, ev := range r.Plan.ScenarioEventsSorted() {
		res := EventResult{Event: ev}
		for i := range r.Incidents {
			inc := r.Incidents[i]
			if !during(inc, ev) {
				continue
			}
			switch {
			case ev.Kind == simulate.EventCrisis && inc.Kind == detect.KindCrisis,
				ev.Kind == simulate.EventViral && inc.Kind == detect.KindViral:
				used[inc.ID] = true
				res.Incidents++
				if !res.Detected {
					res.Detected, res.Delay, res.Incident = true, inc.OpenedAt.Sub(ev.Onset), &r.Incidents[i]
				}
			case inc.Kind == detect.KindCrisis:
				res.CrisisCalls++
				if ev.Kind == simulate.EventViral {
					r.ViralCalledCrisis++
				} else {
					r.SeasonalFalseAlerts++
				}
			}
		}
		if ev.Kind == simulate.EventCrisis {
			if res.Incidents > 1 {
				r.SplitCrises++
			}
			if res.Detected {
				tp++
			} else {
				fn++
			}
		}
		r.Events = append(r.Events, res)
	}
	r.Missed = fn
	for _, inc := range r.Incidents {
		if inc.Kind == detect.KindViral && !used[inc.ID] {
			r.ViralFalseReports++
		}
		if inc.Kind != detect.KindCrisis || used[inc.ID] {
			continue
		}
		r.FalseAlerts = append(r.FalseAlerts, inc)
		normal := true
		for _, ev := range r.Plan.Events {
			if during(inc, ev) {
				normal = false
			}
		}
		if normal {
			r.FalseAlertsNormal++
		}
	}
	fp := len(r.FalseAlerts)
	r.Precision, r.Recall = frac(tp, tp+fp), frac(tp, tp+fn)
	if r.Precision+r.Recall > 0 {
		r.F1 = 2 * r.Precision * r.Recall / (r.Precision + r.Recall)
	}
}

func frac(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Write prints the report as name=value lines, crisis_f1 last.
func (r *Report) Write(w io.Writer) error {
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format+"\n", args...)
		}
	}
	p("mentions=%d", r.Mentions)
	p("brands=%d", len(r.Brands))
	p("brand_weeks=%.1f", r.BrandWeeks)
	p("incidents=%d", len(r.Incidents))
	for _, e := range r.Events {
		name := e.Event.Name
		p("%s_brand=%s", name, or(e.Event.Brand, "all"))
		p("%s_onset=%s", name, e.Event.Onset.Format(time.RFC3339))
		p("%s_posts=%d", name, e.Volume)
		p("%s_negative_share=%.3f", name, frac(e.Negative, e.Volume))
		p("%s_positive_share=%.3f", name, frac(e.Positive, e.Volume))
		switch e.Event.Kind {
		case simulate.EventCrisis:
			if e.Detected {
				p("%s_detection_delay_min=%.0f", name, e.Delay.Minutes())
				p("%s_severity=%s", name, e.Incident.Severity)
				p("%s_top_terms=%s", name, terms(e.Incident.TopTerms, 5))
				p("%s_duration_h=%.1f", name, duration(e.Incident).Hours())
				p("%s_incidents=%d", name, e.Incidents)
			} else {
				p("%s_detection_delay_min=missed", name)
			}
		case simulate.EventViral:
			p("%s_reported_viral_positive=%t", name, e.Detected)
			if e.Detected {
				p("%s_detection_delay_min=%.0f", name, e.Delay.Minutes())
			}
			p("%s_crisis_calls=%d", name, e.CrisisCalls)
		case simulate.EventSeasonal:
			p("%s_false_alerts=%d", name, e.CrisisCalls)
		}
	}
	p("false_alerts=%d", len(r.FalseAlerts))
	p("false_alerts_normal=%d", r.FalseAlertsNormal)
	p("false_alerts_per_brand_week=%.3f", float64(len(r.FalseAlerts))/math.Max(r.BrandWeeks, 1e-9))
	p("missed_crises=%d", r.Missed)
	p("split_crises=%d", r.SplitCrises)
	p("viral_called_crisis=%d", r.ViralCalledCrisis)
	p("seasonal_false_alerts=%d", r.SeasonalFalseAlerts)
	p("viral_false_reports=%d", r.ViralFalseReports)
	p("crisis_precision=%.3f", r.Precision)
	p("crisis_recall=%.3f", r.Recall)
	p("crisis_f1=%.3f", r.F1)
	return err
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func duration(inc *detect.Incident) time.Duration {
	return inc.UpdatedAt.Sub(inc.Onset)
}

func terms(bs []detect.Burst, k int) string {
	s := ""
	for i, b := range bs {
		if i == k {
			break
		}
		if i > 0 {
			s += ","
		}
		s += b.Term
	}
	return fmt.Sprintf("%q", s)
}

// SortIncidents orders incidents by opening time, then id.
func SortIncidents(incs []detect.Incident) {
	sort.Slice(incs, func(i, j int) bool {
		if !incs[i].OpenedAt.Equal(incs[j].OpenedAt) {
			return incs[i].OpenedAt.Before(incs[j].OpenedAt)
		}
		return incs[i].ID < incs[j].ID
	})
}
