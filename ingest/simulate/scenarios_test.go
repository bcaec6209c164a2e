package simulate_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/ingest/simulate"
	"github.com/earshot-dev/earshot/registry"
)

// smallPlan is three days of four brands with every kind of event on the
// second day.
func smallPlan() simulate.ScenarioPlan {
	cfg := simulate.DefaultConfig()
	cfg.Days, cfg.Brands, cfg.Incidents, cfg.Progress = 3, []string{"o2", "tesco", "klm", "barclays"}, false, "none"
	start, _ := cfg.StartTime()
	day := start.Add(24 * time.Hour)
	return simulate.ScenarioPlan{Config: cfg, EvalFrom: day, Events: []simulate.ScenarioEvent{
		{Name: "outage", Kind: simulate.EventCrisis, Brand: "o2", Onset: day.Add(7 * time.Hour), End: day.Add(13 * time.Hour), Peak: 10},
		{Name: "slow_burn", Kind: simulate.EventCrisis, Brand: "tesco", Onset: day.Add(9 * time.Hour), End: day.Add(21 * time.Hour), Peak: 2},
		{Name: "viral", Kind: simulate.EventViral, Brand: "klm", Onset: day.Add(12 * time.Hour), End: day.Add(20 * time.Hour), Peak: 5},
	}}
}

func count(sim *simulate.Simulation, brandHandle, term string, from, to time.Time) int {
	n := 0
	for _, m := range sim.Mentions {
		if !m.CreatedAt.Before(from) && m.CreatedAt.Before(to) && m.Author.Handle != brandHandle &&
			strings.Contains(strings.ToLower(m.Text), strings.ToLower(term)) {
			n++
		}
	}
	return n
}

func TestGenerateScenario(t *testing.T) {
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	plan := smallPlan()
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	sim, err := simulate.GenerateScenario(plan, reg, now)
	if err != nil {
		t.Fatal(err)
	}
	base := plan
	base.Events = nil
	plain, err := simulate.GenerateScenario(base, reg, now)
	if err != nil {
		t.Fatal(err)
	}
	handle := func(id string) string {
		b, _ := reg.ByID(id)
		return strings.TrimPrefix(b.Handles["x"][0], "@")
	}
	o2 := plan.Events[0]
	// The outage: about ten times o2's posts (addressed by handle) while it lasts.
	with := count(sim, handle("o2"), "@"+handle("o2"), o2.Onset, o2.End)
	without := count(plain, handle("o2"), "@"+handle("o2"), o2.Onset, o2.End)
	if r := float64(with) / float64(without); r < 6 || r > 14 {
		t.Errorf("outage: %d posts vs %d without (×%.1f), want about ×10", with, without, r)
	}
	if n := count(sim, "", "no signal", o2.Onset, o2.End); n < 100 {
		t.Errorf("outage: %d posts say no signal", n)
	}
	if n := count(sim, "", "no signal AGAIN", o2.Onset.Add(-24*time.Hour), o2.Onset); n != 0 {
		t.Errorf("outage posts before the onset: %d", n)
	}
	// The slow burn's new term appears only from its onset, more and more.
	sb := plan.Events[1]
	if n := count(sim, "", "mouldy", sim.Since, sb.Onset); n != 0 {
		t.Errorf("%d mouldy posts before the onset", n)
	}
	first := count(sim, "", "mouldy", sb.Onset, sb.Onset.Add(2*time.Hour))
	later := count(sim, "", "mouldy", sb.Onset.Add(5*time.Hour), sb.Onset.Add(7*time.Hour))
	if first == 0 || later < 2*first {
		t.Errorf("slow burn: %d new-term posts in its first 2 h, %d in hours 5–7: not a ramp", first, later)
	}
	if n := count(sim, "", "#klmcrew", plan.Events[2].Onset, plan.Events[2].End); n < 50 {
		t.Errorf("viral: %d posts", n)
	}
	// Deterministic.
	again, err := simulate.GenerateScenario(plan, reg, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Mentions) != len(sim.Mentions) {
		t.Fatalf("%d mentions, then %d", len(sim.Mentions), len(again.Mentions))
	}
	for i := range sim.Mentions {
		if sim.Mentions[i].ID != again.Mentions[i].ID || sim.Mentions[i].Text != again.Mentions[i].Text {
			t.Fatalf("mention %d differs", i)
		}
	}
	// Unknown brands are refused.
	bad := plan
	bad.Events = []simulate.ScenarioEvent{{Name: "outage", Brand: "nope", Onset: o2.Onset, End: o2.End, Peak: 2}}
	if _, err := simulate.GenerateScenario(bad, reg, now); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown brand: %v", err)
	}
}

// The holiday doubles every brand's volume for the day.
func TestHolidayDoublesEveryBrand(t *testing.T) {
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	plan := smallPlan()
	start, _ := plan.Config.StartTime()
	day := start.Add(24 * time.Hour)
	plan.Events = []simulate.ScenarioEvent{{Name: "holiday", Kind: simulate.EventSeasonal, Onset: day, End: day.Add(24 * time.Hour), Peak: 2}}
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	sim, err := simulate.GenerateScenario(plan, reg, now)
	if err != nil {
		t.Fatal(err)
	}
	plan.Events = nil
	plain, err := simulate.GenerateScenario(plan, reg, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"o2", "tesco", "klm", "barclays"} {
		b, _ := reg.ByID(id)
		h := strings.TrimPrefix(b.Handles["x"][0], "@")
		with, without := count(sim, h, "@"+h, day, day.Add(24*time.Hour)), count(plain, h, "@"+h, day, day.Add(24*time.Hour))
		if r := float64(with) / float64(without); math.Abs(r-2) > 0.5 {
			t.Errorf("%s: ×%.2f on the holiday (%d vs %d), want about ×2", id, r, with, without)
		}
	}
}

func TestCrisisPlan(t *testing.T) {
	p := simulate.CrisisPlan(1)
	if err := p.Config.Validate(); err != nil {
		t.Fatal(err)
	}
	start, _ := p.Config.StartTime()
	until := start.AddDate(0, 0, p.Config.Days)
	kinds := map[string]string{}
	for _, e := range p.ScenarioEventsSorted() {
		kinds[e.Name] = e.Kind
		if e.Onset.Before(p.EvalFrom) || !e.End.After(e.Onset) || e.End.After(until) {
			t.Errorf("%s: %s – %s outside the evaluated period %s – %s", e.Name, e.Onset, e.End, p.EvalFrom, until)
		}
	}
	want := map[string]string{"outage": simulate.EventCrisis, "slow_burn": simulate.EventCrisis, "viral": simulate.EventViral, "holiday": simulate.EventSeasonal}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("event %s: kind %q, want %q", k, kinds[k], v)
		}
	}
	if p.EvalFrom.Sub(start) < 14*24*time.Hour {
		t.Errorf("only %s of history before evaluation", p.EvalFrom.Sub(start))
	}
}

// The cold-start plan is the sample week evaluated from its first bucket:
// its outage is the simulator's own incident (not injected twice), the
// slow burn is injected, and a start date moves both.
func TestColdStartPlan(t *testing.T) {
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	handle := func(id string) string {
		b, _ := reg.ByID(id)
		return strings.TrimPrefix(b.Handles["x"][0], "@")
	}
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		start     time.Time
		wantStart string
	}{
		{time.Time{}, simulate.DefaultStart},
		{time.Date(2026, 11, 14, 15, 30, 0, 0, time.UTC), "2026-11-14"}, // a Saturday; the time of day is dropped
	} {
		p := simulate.ColdStartPlan(3, tc.start)
		if err := p.Config.Validate(); err != nil {
			t.Fatal(err)
		}
		start, _ := p.Config.StartTime()
		if p.Config.Start != tc.wantStart || !p.EvalFrom.Equal(start) || p.Config.Days != 7 || !p.Config.Incidents || p.Config.Seed != 3 {
			t.Fatalf("start %s: plan %+v from %s", tc.wantStart, p.Config, p.EvalFrom)
		}
		outage, slow := p.Events[0], p.Events[1]
		if !outage.BuiltIn || outage.Brand != "o2" || outage.Onset.Sub(start) != 55*time.Hour || outage.End.Sub(outage.Onset) != 6*time.Hour {
			t.Errorf("start %s: outage %+v, want o2 built in, 07:00–13:00 on the third day", tc.wantStart, outage)
		}
		if slow.BuiltIn || slow.Brand != "tesco" || slow.Onset.Sub(start) != 4*24*time.Hour+9*time.Hour {
			t.Errorf("start %s: slow burn %+v, want tesco injected from 09:00 on the fifth day", tc.wantStart, slow)
		}
		sim, err := simulate.GenerateScenario(p, reg, now)
		if err != nil {
			t.Fatal(err)
		}
		// The outage is there once: about six times o2's posts of the day
		// after (a weekday too) at the same hours; twelve if it were
		// injected as well.
		o2 := "@" + handle("o2")
		during := count(sim, handle("o2"), o2, outage.Onset, outage.End)
		after := count(sim, handle("o2"), o2, outage.Onset.Add(24*time.Hour), outage.End.Add(24*time.Hour))
		if r := float64(during) / float64(after); r < 3.5 || r > 9 {
			t.Errorf("start %s: o2 outage %d posts vs %d the day after (×%.1f), want about ×6", tc.wantStart, during, after, r)
		}
		if n := count(sim, "", "mouldy", slow.Onset, slow.End); n < 50 {
			t.Errorf("start %s: %d mouldy posts in the slow burn", tc.wantStart, n)
		}
	}
	// A built-in event must be the simulator's incident: not when o2 is
	// left out, nor when the plan has no incident.
	noO2 := simulate.ColdStartPlan(1, time.Time{})
	noO2.Config.Brands = []string{"tesco", "giffgaff"}
	noIncident := simulate.ColdStartPlan(1, time.Time{})
	noIncident.Config.Incidents = false
	for name, p := range map[string]simulate.ScenarioPlan{"without o2": noO2, "without the incident": noIncident} {
		if _, err := simulate.GenerateScenario(p, reg, now); err == nil || !strings.Contains(err.Error(), "o2") {
			t.Errorf("%s: error %v, want one naming o2", name, err)
		}
	}
	// With the zero start the period is the demo's sample week: o2's posts
	// are the same as the default simulation's.
	week, err := simulate.Generate(simulate.DefaultConfig(), reg, now)
	if err != nil {
		t.Fatal(err)
	}
	p := simulate.ColdStartPlan(1, time.Time{})
	sim, err := simulate.GenerateScenario(p, reg, now)
	if err != nil {
		t.Fatal(err)
	}
	from, to := p.Events[0].Onset.Add(-time.Hour), p.Events[0].End
	if a, b := count(sim, handle("o2"), "@"+handle("o2"), from, to), count(week, handle("o2"), "@"+handle("o2"), from, to); a != b {
		t.Errorf("o2 posts around the outage: %d in the plan, %d in the sample week", a, b)
	}
}
