package detect_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/detect"
)

// t0 is a Monday: the synthetic series start here.
var t0 = time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)

var vocab = strings.Fields(`order delivery parcel driver refund account password app login card payment bill
contract phone flight bag seat gate booking store checkout basket voucher points balance transfer branch
waiting hours days week yesterday morning evening tonight email chat agent manager complaint update status`)

// event changes the series for some brands over [from, to).
type event struct {
	brands   []string // nil: every brand
	from, to time.Time
	// mult(t) is the volume multiple (extra posts on top of the normal
	// ones); neg and pos are the sentiment shares of the extra posts; term
	// is put in every extra post.
	mult     func(t time.Time) float64
	neg, pos float64
	term     string
}

func (e event) applies(brand string, t time.Time) bool {
	if t.Before(e.from) || !t.Before(e.to) {
		return false
	}
	if e.brands == nil {
		return true
	}
	for _, b := range e.brands {
		if b == brand {
			return true
		}
	}
	return false
}

// series generates Poisson buckets with a daily cycle for brands with the
// given mean posts per hour.
type series struct {
	cfg    detect.Config
	brands map[string]float64
	events []event
	seed   uint64
}

func (s series) names() []string {
	var out []string
	for b := range s.brands {
		out = append(out, b)
	}
	return sortStrings(out)
}

func sortStrings(xs []string) []string {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
	return xs
}

func poisson(r *rand.Rand, l float64) int {
	if l <= 0 {
		return 0
	}
	if l > 50 {
		return max(0, int(math.Round(l+math.Sqrt(l)*r.NormFloat64())))
	}
	L, k, p := math.Exp(-l), 0, 1.0
	for {
		p *= r.Float64()
		if p <= L {
			return k
		}
		k++
	}
}

// daily is a day shape with mean 1: quiet at night, busy in the evening.
func daily(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	return 1 - 0.8*math.Cos(2*math.Pi*(h-4)/24)
}

func (s series) buckets(at time.Time) []*detect.Bucket {
	var out []*detect.Bucket
	for bi, brand := range s.names() {
		r := rand.New(rand.NewPCG(s.seed+uint64(bi), uint64(at.Unix())))
		b := detect.NewBucket(brand, at)
		post := func(label, term string) {
			words := make([]string, 5)
			for i := range words {
				words[i] = vocab[r.IntN(len(vocab))]
			}
			if term != "" {
				words[r.IntN(len(words))] = term
			}
			b.Add(detect.Post{ID: brand + at.Format("0601021504") + string(rune('a'+b.Volume%26)), CreatedAt: at, Text: strings.Join(words, " "), Label: label})
		}
		label := func(neg, pos float64) string {
			switch x := r.Float64(); {
			case x < neg:
				return "negative"
			case x < neg+pos:
				return "positive"
			}
			return "neutral"
		}
		base := s.brands[brand] * s.cfg.Bucket.Hours() * daily(at)
		for range poisson(r, base) {
			post(label(0.35, 0.2), "")
		}
		for _, e := range s.events {
			if e.applies(brand, at) {
				for range poisson(r, base*(e.mult(at)-1)) {
					post(label(e.neg, e.pos), e.term)
				}
			}
		}
		if b.Volume > 0 {
			out = append(out, b)
		}
	}
	return out
}

// run steps a detector over [t0, until) and returns its events.
func (s series) run(tb testing.TB, d *detect.Detector, from, until time.Time) []detect.Event {
	tb.Helper()
	var evs []detect.Event
	for at := from; at.Before(until); at = at.Add(s.cfg.Bucket) {
		e, err := d.Step(at, s.buckets(at))
		if err != nil {
			tb.Fatal(err)
		}
		evs = append(evs, e...)
	}
	return evs
}

func newDetector(tb testing.TB, cfg detect.Config, brands []string) *detect.Detector {
	tb.Helper()
	d, err := detect.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	d.AddBrands(brands...)
	return d
}

func constant(m float64) func(time.Time) float64 { return func(time.Time) float64 { return m } }

// opened returns the open events.
func opened(evs []detect.Event) []detect.Incident {
	var out []detect.Incident
	for _, e := range evs {
		if e.Type == detect.EventOpen {
			out = append(out, e.Incident)
		}
	}
	return out
}

// sixBrands (five: the fewest with which the market level, which needs
// four other brands, works).
var sixBrands = map[string]float64{"alpha": 12, "bravo": 8, "charlie": 20, "delta": 5, "echo": 10}

func TestDetectorScenarios(t *testing.T) {
	cfg := detect.DefaultConfig()
	onset := t0.Add(15*24*time.Hour + 10*time.Hour) // Tuesday of week 3, 10:00
	until := onset.Add(24 * time.Hour)
	type want struct {
		kind     string // "" for no incident
		brand    string
		maxDelay time.Duration
		term     string // expected among the top terms
	}
	tests := []struct {
		name  string
		event *event
		want  want
	}{
		{"noise", nil, want{}},
		{"step", &event{brands: []string{"alpha"}, from: onset, to: onset.Add(6 * time.Hour), mult: constant(10), neg: 0.85, pos: 0.03, term: "outage"},
			want{detect.KindCrisis, "alpha", 15 * time.Minute, "outage"}},
		{"slow burn ramp", &event{brands: []string{"charlie"}, from: onset, to: onset.Add(10 * time.Hour),
			mult: func(t time.Time) float64 { return 1 + math.Min(1, t.Sub(onset).Hours()/6) }, neg: 0.7, pos: 0.05, term: "mouldy"},
			want{detect.KindCrisis, "charlie", 2 * time.Hour, "mouldy"}},
		{"short spike", &event{brands: []string{"bravo"}, from: onset, to: onset.Add(5 * time.Minute), mult: constant(3), neg: 0.6, pos: 0.1},
			want{}},
		{"seasonal peak", &event{from: onset.Add(-10 * time.Hour), to: onset.Add(14 * time.Hour), mult: constant(2), neg: 0.35, pos: 0.2},
			want{}},
		{"viral positive", &event{brands: []string{"echo"}, from: onset, to: onset.Add(3 * time.Hour), mult: constant(5), neg: 0.03, pos: 0.85, term: "#bestcrew"},
			want{detect.KindViral, "echo", time.Hour, "#bestcrew"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := series{cfg: cfg, brands: sixBrands, seed: 7}
			if tc.event != nil {
				s.events = []event{*tc.event}
			}
			d := newDetector(t, cfg, s.names())
			// History: two weeks and a little, enough for the seasonal
			// baseline, before any event.
			s.run(t, d, onset.Add(-14*24*time.Hour-4*time.Hour), onset.Add(-12*time.Hour))
			s.run(t, d, onset.Add(-12*time.Hour), onset.Add(-2*time.Hour))
			evs := s.run(t, d, onset.Add(-2*time.Hour), until)
			incs := opened(evs)
			if tc.want.kind == "" {
				for _, inc := range incs {
					t.Errorf("unexpected incident %s: %s", inc.ID, inc.Summary)
				}
				return
			}
			var got *detect.Incident
			for i, inc := range incs {
				switch {
				case inc.Brand == tc.want.brand && inc.Kind == tc.want.kind && got == nil:
					got = &incs[i]
				case inc.Kind == detect.KindCrisis:
					t.Errorf("unexpected crisis %s: %s", inc.ID, inc.Summary)
				}
			}
			if got == nil {
				t.Fatalf("no %s incident for %s; events: %d", tc.want.kind, tc.want.brand, len(evs))
			}
			if delay := got.OpenedAt.Sub(onset); delay < 0 || delay > tc.want.maxDelay {
				t.Errorf("opened %s after the onset, want 0..%s (%s)", delay, tc.want.maxDelay, got.Summary)
			}
			found := false
			for _, b := range got.TopTerms {
				found = found || b.Term == tc.want.term
			}
			if !found {
				t.Errorf("top terms %v lack %q", got.TopTerms, tc.want.term)
			}
			if len(got.Examples) == 0 || !strings.Contains(got.Examples[0].Text, tc.want.term) {
				t.Errorf("first example %v does not show %q", got.Examples, tc.want.term)
			}
			if got.Baseline != detect.BaselineSeasonal {
				t.Errorf("baseline %q, want seasonal after two weeks", got.Baseline)
			}
			// One incident per crisis: it resolves once and never reopens.
			var types []string
			for _, e := range evs {
				if e.Incident.ID == got.ID {
					types = append(types, e.Type)
				}
			}
			if types[0] != detect.EventOpen || types[len(types)-1] != detect.EventResolve {
				t.Errorf("event sequence %v…%v, want open … resolve", types[:1], types[len(types)-1:])
			}
			for _, ty := range types[1 : len(types)-1] {
				if ty != detect.EventUpdate {
					t.Errorf("event %s in the middle of an incident", ty)
				}
			}
			if len(incs) != 1 {
				t.Errorf("%d incidents, want 1", len(incs))
			}
		})
	}
}

func TestSeverityAndNumbers(t *testing.T) {
	cfg := detect.DefaultConfig()
	onset := t0.Add(4*24*time.Hour + 12*time.Hour) // daily baseline: enough here
	s := series{cfg: cfg, brands: sixBrands, seed: 3, events: []event{
		{brands: []string{"charlie"}, from: onset, to: onset.Add(3 * time.Hour), mult: constant(10), neg: 0.9, pos: 0.02, term: "outage"},
	}}
	d := newDetector(t, cfg, s.names())
	s.run(t, d, t0, onset)
	evs := s.run(t, d, onset, onset.Add(30*time.Minute))
	incs := opened(evs)
	if len(incs) != 1 {
		t.Fatalf("%d incidents, want 1", len(incs))
	}
	inc := d.Open()[0]
	if inc.Severity != detect.SeverityCritical {
		t.Errorf("severity %s, want critical for ×10 at 90%% negative", inc.Severity)
	}
	if inc.Peak.Volume < 3*int(inc.Peak.ExpectedVolume) || inc.Peak.NegativeShare < 0.6 || inc.Peak.BaselineNegativeShare > 0.5 {
		t.Errorf("peak numbers %+v do not show the storm", inc.Peak)
	}
	if !strings.Contains(inc.Summary, "outage") || !strings.Contains(inc.Summary, "charlie") {
		t.Errorf("summary %q does not say why", inc.Summary)
	}
	if inc.Status != detect.StatusOpen || !inc.ResolvedAt.IsZero() || inc.Version != uint64(inc.UpdatedAt.Unix()) {
		t.Errorf("open incident %+v", inc)
	}
}

// A crisis whose score falls between the thresholds stays open
// (hysteresis); it resolves after ResolveAfter calm buckets.
func TestHysteresis(t *testing.T) {
	cfg := detect.DefaultConfig()
	cfg.ResolveAfter = 6
	onset := t0.Add(4*24*time.Hour + 12*time.Hour)
	s := series{cfg: cfg, brands: sixBrands, seed: 11, events: []event{
		{brands: []string{"charlie"}, from: onset, to: onset.Add(time.Hour), mult: constant(8), neg: 0.9, pos: 0.02},
	}}
	d := newDetector(t, cfg, s.names())
	s.run(t, d, t0, onset)
	evs := s.run(t, d, onset, onset.Add(4*time.Hour))
	var open, resolve *detect.Event
	for i, e := range evs {
		switch e.Type {
		case detect.EventOpen:
			if open != nil {
				t.Fatalf("second open: %s", e.Incident.ID)
			}
			open = &evs[i]
		case detect.EventResolve:
			resolve = &evs[i]
		}
	}
	if open == nil || resolve == nil {
		t.Fatalf("open %v, resolve %v", open != nil, resolve != nil)
	}
	if resolve.Incident.ResolvedAt.Before(onset.Add(time.Hour + 30*time.Minute)) {
		t.Errorf("resolved at %s: before the storm ended plus %d calm buckets", resolve.Incident.ResolvedAt, cfg.ResolveAfter)
	}
	if resolve.Incident.Status != detect.StatusResolved || resolve.Incident.ID != open.Incident.ID {
		t.Errorf("resolve %+v", resolve.Incident)
	}
	if len(d.Open()) != 0 {
		t.Errorf("still open: %v", d.Open())
	}
}

// Feeding history rebuilds the state: a detector restarted mid-crisis and
// fed the same past buckets produces the same events afterwards.
func TestRebuildFromHistory(t *testing.T) {
	cfg := detect.DefaultConfig()
	onset := t0.Add(4*24*time.Hour + 9*time.Hour)
	s := series{cfg: cfg, brands: sixBrands, seed: 5, events: []event{
		{brands: []string{"delta"}, from: onset, to: onset.Add(4 * time.Hour), mult: constant(12), neg: 0.85, pos: 0.05, term: "down"},
	}}
	restart := onset.Add(time.Hour)
	a := newDetector(t, cfg, s.names())
	s.run(t, a, t0, restart)
	if len(a.Open()) != 1 {
		t.Fatalf("open before the restart: %v", a.Open())
	}
	b := newDetector(t, cfg, s.names())
	s.run(t, b, t0, restart)
	if !reflect.DeepEqual(a.Open(), b.Open()) {
		t.Fatalf("rebuilt open incidents differ:\n%v\n%v", a.Open(), b.Open())
	}
	ea := s.run(t, a, restart, restart.Add(6*time.Hour))
	eb := s.run(t, b, restart, restart.Add(6*time.Hour))
	if !reflect.DeepEqual(ea, eb) {
		t.Errorf("events after the restart differ: %d vs %d", len(ea), len(eb))
	}
}

// Without two weeks of history the detector falls back to the same time
// of day, then to a trailing window — and still finds a storm.
func TestBaselineFallbacks(t *testing.T) {
	cfg := detect.DefaultConfig()
	for _, tc := range []struct {
		history time.Duration
		want    string
	}{
		{8 * time.Hour, detect.BaselineTrailing},
		{4 * 24 * time.Hour, detect.BaselineDaily},
		{15 * 24 * time.Hour, detect.BaselineSeasonal},
	} {
		t.Run(tc.want, func(t *testing.T) {
			onset := t0.Add(tc.history)
			s := series{cfg: cfg, brands: sixBrands, seed: 9, events: []event{
				{brands: []string{"charlie"}, from: onset, to: onset.Add(2 * time.Hour), mult: constant(10), neg: 0.85, pos: 0.05, term: "outage"},
			}}
			d := newDetector(t, cfg, s.names())
			from := onset.Add(-14*24*time.Hour - 4*time.Hour) // enough for the seasonal baseline
			if from.Before(t0) {
				from = t0
			}
			s.run(t, d, from, onset)
			if sig, ok := d.Signals("charlie"); !ok || sig.Baseline != tc.want {
				t.Errorf("baseline %q, want %q", sig.Baseline, tc.want)
			}
			incs := opened(s.run(t, d, onset, onset.Add(time.Hour)))
			if len(incs) != 1 || incs[0].Brand != "charlie" || incs[0].Kind != detect.KindCrisis {
				t.Fatalf("incidents %v, want charlie's crisis", incs)
			}
		})
	}
}

func TestStepErrors(t *testing.T) {
	cfg := detect.DefaultConfig()
	d := newDetector(t, cfg, []string{"alpha"})
	if _, err := d.Step(t0.Add(time.Minute), nil); err == nil || !strings.Contains(err.Error(), "boundary") {
		t.Errorf("misaligned step: %v", err)
	}
	if _, err := d.Step(t0, []*detect.Bucket{detect.NewBucket("alpha", t0.Add(cfg.Bucket))}); err == nil {
		t.Error("bucket of another time accepted")
	}
	if _, err := d.Step(t0, []*detect.Bucket{detect.NewBucket("alpha", t0), detect.NewBucket("alpha", t0)}); err == nil {
		t.Error("two buckets of one brand accepted")
	}
	if _, err := d.Step(t0.Add(cfg.Bucket), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Step(t0, nil); err == nil || !strings.Contains(err.Error(), "not after") {
		t.Errorf("step back in time: %v", err)
	}
	if got := d.LastBucket(); !got.Equal(t0.Add(cfg.Bucket)) {
		t.Errorf("LastBucket %s", got)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := detect.DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	tests := []struct {
		field string
		edit  func(*detect.Config)
	}{
		{"bucket", func(c *detect.Config) { c.Bucket = 7 * time.Minute }},
		{"bucket", func(c *detect.Config) { c.Bucket = 30 * time.Second }},
		{"short_window", func(c *detect.Config) { c.ShortWindow = 0 }},
		{"long_window", func(c *detect.Config) { c.LongWindow = 1 }},
		{"min_seasonal_weeks", func(c *detect.Config) { c.MinSeasonalWeeks = 5 }},
		{"open_score/close_score", func(c *detect.Config) { c.CloseScore = 6 }},
		{"fast_open_score", func(c *detect.Config) { c.FastOpenScore = 3 }},
		{"sustain_for/resolve_after", func(c *detect.Config) { c.SustainFor = 0 }},
		{"major_score/critical_score", func(c *detect.Config) { c.CriticalScore = 6 }},
		{"market_max", func(c *detect.Config) { c.MarketMax = 0.5 }},
		{"term_baseline", func(c *detect.Config) { c.TermBaseline = time.Hour }},
		{"min_term_count", func(c *detect.Config) { c.MinTermCount = 1 }},
		{"min_volume", func(c *detect.Config) { c.MinVolume = 0 }},
	}
	for _, tc := range tests {
		c := detect.DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "detect.detector."+tc.field) {
			t.Errorf("%s: error %v does not name the field", tc.field, err)
		}
	}
}

func BenchmarkStep(b *testing.B) {
	cfg := detect.DefaultConfig()
	s := series{cfg: cfg, brands: sixBrands, seed: 1}
	d := newDetector(b, cfg, s.names())
	s.run(b, d, t0, t0.Add(15*24*time.Hour))
	at := t0.Add(15 * 24 * time.Hour)
	bs := s.buckets(at)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Step(at, bs); err != nil {
			b.Fatal(err)
		}
		at = at.Add(cfg.Bucket)
		for _, x := range bs {
			x.Start = at
		}
	}
}
