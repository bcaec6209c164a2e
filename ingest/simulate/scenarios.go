package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/earshot-dev/earshot/registry"
)

// Crisis-detection scenarios: a normal period for the default brands into
// which events with a known onset are injected — an O2-style outage, a
// slow-burn issue with a new term, a positive viral spike and a holiday
// that lifts every brand's volume. Everything is deterministic (seeded).

// Event kinds of the ground truth.
const (
	// EventCrisis must be detected as a crisis.
	EventCrisis = "crisis"
	// EventViral is a positive spike: it may be reported as viral_positive
	// but never as a crisis.
	EventViral = "viral_positive"
	// EventSeasonal is a rise every brand sees (a holiday): it must raise
	// no alert.
	EventSeasonal = "seasonal"
)

// ScenarioEvent is one injected event and its ground truth.
type ScenarioEvent struct {
	// Name identifies the scenario: outage, slow_burn, viral, holiday.
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Brand is the registry id ("" for an event every brand sees).
	Brand string `json:"brand,omitempty"`
	// Onset is when the event starts; End when its extra posts stop.
	Onset time.Time `json:"onset"`
	End   time.Time `json:"end"`
	// Peak is the volume multiple at the event's height.
	Peak float64 `json:"peak"`
	// Terms are words the event's posts carry.
	Terms []string `json:"terms,omitempty"`
	// BuiltIn marks the simulator's own incident (Config.Incidents), which
	// is already in the period: the event is ground truth only, nothing is
	// injected.
	BuiltIn bool `json:"built_in,omitempty"`
}

// ScenarioPlan is a period and the events injected into it.
type ScenarioPlan struct {
	Config Config
	// EvalFrom is where evaluation starts: the weeks before are history
	// for the detector's baselines.
	EvalFrom time.Time
	Events   []ScenarioEvent
}

// CrisisPlan returns the crisis-evaluation plan: six weeks from Monday
// 2026-08-31 for the default brands (volume 1, no built-in incident), the
// first two weeks as history, then:
//   - outage: o2, 48 hours from Wednesday 2026-09-16 07:00 London, ten
//     times the volume, about 85 % negative ("no signal", "outage", "down");
//   - slow_burn: tesco, from Tuesday 2026-09-22 09:00 London, volume rising
//     linearly to twice normal over 6 hours with a new term ("mouldy"), held
//     until 20:00 and gone by midnight;
//   - viral: klm, Thursday 2026-09-24 12:00 UTC, five times the volume of
//     positive posts for 4 hours, fading over 4 more;
//   - holiday: Monday 2026-10-05 (London), every brand at twice its volume
//     with its usual mix of posts.
func CrisisPlan(seed uint64) ScenarioPlan {
	cfg := DefaultConfig()
	cfg.Seed = seed
	cfg.Start = "2026-08-31"
	cfg.Days = 42
	cfg.Incidents = false
	cfg.Progress = "none"
	london := londonOrUTC()
	at := func(y int, m time.Month, d, h int, loc *time.Location) time.Time {
		return time.Date(y, m, d, h, 0, 0, 0, loc).UTC()
	}
	return ScenarioPlan{
		Config:   cfg,
		EvalFrom: at(2026, 9, 14, 0, time.UTC),
		Events: []ScenarioEvent{
			{Name: "outage", Kind: EventCrisis, Brand: "o2", Onset: at(2026, 9, 16, 7, london), End: at(2026, 9, 18, 7, london),
				Peak: 10, Terms: []string{"no signal", "outage", "down"}},
			{Name: "slow_burn", Kind: EventCrisis, Brand: "tesco", Onset: at(2026, 9, 22, 9, london), End: at(2026, 9, 23, 0, london),
				Peak: 2, Terms: []string{"mouldy"}},
			{Name: "viral", Kind: EventViral, Brand: "klm", Onset: at(2026, 9, 24, 12, time.UTC), End: at(2026, 9, 24, 20, time.UTC),
				Peak: 5, Terms: []string{"#klmcrew"}},
			{Name: "holiday", Kind: EventSeasonal, Onset: at(2026, 10, 5, 0, london), End: at(2026, 10, 6, 0, london), Peak: 2},
		},
	}
}

// ColdStartPlan returns the plan of a detector that starts with no history:
// seven days from start (a date; the zero time is the sample week's Monday
// 2026-11-09, the demo's default) for the default brands, with the
// simulator's own incident, evaluated from the first bucket, so that every
// baseline is learnt within the week. Its events:
//   - outage: the simulator's incident, o2, 6 hours from 07:00 London on the
//     third day (two days of history), six times the volume, mostly outage
//     posts (built in, not injected);
//   - slow_burn: tesco, from 09:00 London on the fifth day, rising to twice
//     normal over 6 hours with a new term ("mouldy"), held until 20:00 and
//     gone by midnight (injected).
//
// With the zero start the period is exactly the demo's sample week (tesco's
// slow burn aside).
func ColdStartPlan(seed uint64, start time.Time) ScenarioPlan {
	if start.IsZero() {
		start, _ = time.Parse(time.DateOnly, DefaultStart)
	}
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	cfg := DefaultConfig()
	cfg.Seed = seed
	cfg.Start = start.Format(time.DateOnly)
	cfg.Days = 7
	cfg.Incidents = true
	cfg.Progress = "none"
	london := londonOrUTC()
	at := func(day, h int) time.Time {
		return time.Date(start.Year(), start.Month(), start.Day()+day, h, 0, 0, 0, london).UTC()
	}
	return ScenarioPlan{
		Config:   cfg,
		EvalFrom: start,
		Events: []ScenarioEvent{
			{Name: "outage", Kind: EventCrisis, Brand: "o2", Onset: at(2, 7), End: at(2, 13),
				Peak: 6, Terms: []string{"no signal", "outage", "down"}, BuiltIn: true},
			{Name: "slow_burn", Kind: EventCrisis, Brand: "tesco", Onset: at(4, 9), End: at(5, 0),
				Peak: 2, Terms: []string{"mouldy"}},
		},
	}
}

// NamedPlan returns the plan that eval crisis --plan and ingest simulate
// --scenario call name: crisis (CrisisPlan; start does not apply) or
// cold-start (ColdStartPlan from start, a YYYY-MM-DD date).
func NamedPlan(name string, seed uint64, start string) (ScenarioPlan, error) {
	switch name {
	case "crisis":
		return CrisisPlan(seed), nil
	case "cold-start":
		day, err := time.Parse(time.DateOnly, start)
		if err != nil {
			return ScenarioPlan{}, fmt.Errorf("start %q: want a date such as %s", start, DefaultStart)
		}
		return ColdStartPlan(seed, day), nil
	}
	return ScenarioPlan{}, fmt.Errorf("scenario %q: want crisis or cold-start", name)
}

// GenerateScenario simulates the plan's period for the brands of reg and
// injects its events. now works as in Generate. The same plan and registry
// give the same output.
func GenerateScenario(plan ScenarioPlan, reg *registry.Registry, now time.Time) (*Simulation, error) {
	cfg := plan.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	start, _ := cfg.StartTime()
	until := start.AddDate(0, 0, cfg.Days)
	if until.After(now) {
		return nil, fmt.Errorf("ingest.simulate: the scenario period ends %s, after now (%s)", until.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	ids, err := SelectBrands(reg, cfg.Brands)
	if err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, start: start.Unix(), end: until.Unix(), now: now.Unix()}
	for i, id := range ids {
		sb, err := g.newBrand(reg, id, i)
		if err != nil {
			return nil, err
		}
		g.brands = append(g.brands, sb)
	}
	g.planIncident()
	g.makeCustomers(reg)
	for _, sb := range g.brands {
		g.simulateBrand(sb)
	}
	for _, ev := range plan.Events {
		if ev.BuiltIn {
			if err := g.checkBuiltIn(ev); err != nil {
				return nil, err
			}
			continue
		}
		if err := g.inject(ev); err != nil {
			return nil, err
		}
	}
	return g.finish(start, until)
}

// checkBuiltIn makes sure a built-in event is the simulator's incident: its
// brand is simulated and has the incident, from the event's onset to its
// end.
func (g *gen) checkBuiltIn(ev ScenarioEvent) error {
	for _, sb := range g.brands {
		if sb.b.ID == ev.Brand {
			if sb.incident != [2]int64{ev.Onset.Unix(), ev.End.Unix()} {
				return fmt.Errorf("ingest.simulate: scenario %s: %s's incident is not %s – %s (config incidents: %t)",
					ev.Name, ev.Brand, ev.Onset.Format(time.RFC3339), ev.End.Format(time.RFC3339), g.cfg.Incidents)
			}
			return nil
		}
	}
	return fmt.Errorf("ingest.simulate: scenario %s: brand %q is not simulated", ev.Name, ev.Brand)
}

// inject adds an event's extra posts (and the brands' replies to them).
func (g *gen) inject(ev ScenarioEvent) error {
	var targets []*simBrand
	for _, sb := range g.brands {
		if ev.Brand == "" || sb.b.ID == ev.Brand {
			targets = append(targets, sb)
		}
	}
	if len(targets) == 0 {
		return fmt.Errorf("ingest.simulate: scenario %s: brand %q is not simulated", ev.Name, ev.Brand)
	}
	r := g.rng("scenario/" + ev.Name)
	from, to := ev.Onset.Unix(), ev.End.Unix()
	for _, sb := range targets {
		// Extra posts per hour: (multiple − 1) × the brand's usual rate,
		// drawn per 5 minutes so that the onset is sharp.
		const step = 300
		for t := from; t < to; t += step {
			mult := ev.multiple(t)
			if mult <= 1 {
				continue
			}
			lambda := g.rate(sb, t, sb.p.daily*g.cfg.Volume) * (mult - 1) * step / 3600
			for range poisson(r, lambda) {
				at := t + r.Int64N(step)
				if at < g.start || at >= g.end {
					continue
				}
				switch ev.Name {
				case "holiday":
					g.inbound(r, sb, at)
				default:
					g.eventPost(r, sb, ev, at)
				}
			}
		}
	}
	return nil
}

// multiple is the event's volume multiple at t.
func (ev ScenarioEvent) multiple(t int64) float64 {
	from, to := ev.Onset.Unix(), ev.End.Unix()
	if t < from || t >= to {
		return 1
	}
	h := float64(t-from) / 3600
	switch ev.Name {
	case "slow_burn":
		// Linear to the peak over 6 h, held until 2 h before the end,
		// then down.
		left := float64(to-t) / 3600
		return 1 + (ev.Peak-1)*math.Min(1, math.Min(h/6, left/2))
	case "viral":
		if h < 4 {
			return ev.Peak
		}
		return 1 + (ev.Peak-1)*math.Max(0, 1-(h-4)/4)
	}
	return ev.Peak
}

// eventPost adds one customer post of the event, addressed to sb, and the
// brand's reply.
func (g *gen) eventPost(r *rand.Rand, sb *simBrand, ev ScenarioEvent, t int64) {
	ci := g.pickCustomer(r)
	v := g.vars(r, sb, &g.customers[ci])
	var tpl, reason string
	switch ev.Name {
	case "outage":
		reason = ReasonOutage
		tpl = pick(r, outageStorm)
		if r.Float64() < 0.08 {
			tpl = pick(r, outageNeutral)
		}
	case "slow_burn":
		reason = ReasonProductFault
		tpl = pick(r, slowBurnPosts)
	case "viral":
		reason = ReasonPraise
		tpl = pick(r, viralPosts)
	default:
		tpl, reason = pick(r, templatesFor(sb.sector, ReasonQuestion)), ReasonQuestion
	}
	p := g.add(post{at: t, parent: -1, customer: ci, brand: -1, mentions: []int{sb.idx}, text: v.fill(tpl), lang: "en"})
	g.stats.Inbound++
	g.respond(r, sb, p, reason, g.vars(r, sb, &g.customers[ci]).with(v))
}

// ScenarioEventsSorted returns the plan's events by onset.
func (p ScenarioPlan) ScenarioEventsSorted() []ScenarioEvent {
	out := append([]ScenarioEvent(nil), p.Events...)
	sort.Slice(out, func(i, j int) bool { return out[i].Onset.Before(out[j].Onset) })
	return out
}

// The event posts. Outage posts are angry and name the symptoms; a few
// only ask.
var (
	outageStorm = []string{
		"{h} no signal AGAIN. Whole area down since this morning, absolutely useless",
		"{h} is your network down? Can't call anyone, can't get online. Terrible, awful service",
		"{h} outage for hours and not a word from you. Worst network ever #o2down",
		"{h} paying for a service that doesn't work. No signal since this morning. Disgraceful and pathetic",
		"Still no signal {h}. How long is this outage going to last? Ridiculous",
		"{h} network down, can't even call 999. This is dangerous and unacceptable",
		"{h} my business is losing money because your network is down. Awful, pathetic service",
		"{h} outage day two and still no signal. Worst network ever, sick of it #o2down",
		"{h} no data, no signal. Furious and fed up, this is awful",
		"{h} your status page says everything is fine but everyone has no signal. Liars, terrible",
		"Network down again {h}, I hate this, cancelling my contract",
		"{h} no signal in {town} either. Useless. Fix it",
	}
	outageNeutral = []string{
		"{h} is there an outage in {town}? I have no signal",
		"{h} any update on when the signal will be back?",
	}
	slowBurnPosts = []string{
		"{h} the loaf I bought today is mouldy inside. Disgusting, horrible",
		"Third mouldy loaf from {h} this week. Awful, what is wrong with your bread?",
		"{h} mouldy bread again from the {town} store. Disgusting, I want a refund",
		"{h} opened the bread I bought this morning and it's mouldy. Awful",
		"{h} anyone else getting mouldy bread? Terrible quality lately",
		"{h} mouldy rolls in today's delivery, sick of this",
	}
	viralPosts = []string{
		"{h} the crew sang happy birthday to my grandma on {flight}, she cried. Best airline ever! #klmcrew",
		"This is so lovely {h}, what a wonderful crew #klmcrew",
		"{h} amazing! Love this so much, made my day #klmcrew",
		"Wow {h}, the kindest crew. Great job, thank you! #klmcrew",
		"{h} brilliant, this is why I love flying with you #klmcrew",
		"{h} so heartwarming, well done to the whole crew! #klmcrew",
	}
)
