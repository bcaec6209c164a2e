// Package urgency is the enricher that rates how urgent a customer's post
// is for the brand and names the crisis terms in it: safety, injury, data
// breach, legal threat, press, outage, virality and explicit urgency cues
// (mention.Mention.Urgency and CrisisTerms).
//
// # Method
//
// One pass of the phrase matcher (package enrich/reasons/phrase) over the
// text finds the terms of the documented cue list (Classes, cues.go; each
// term with the canonical crisis term it is recorded as). A negated term
// ("no injuries", "nobody was hurt", "not going to sue") does not count;
// guard phrases — hyperbole and praise that share words with the cues,
// "killing it", "dying to try", "the bomb", "you guys are on fire", "my
// phone died", "social media" — suppress every term they overlap.
//
// Each cue found contributes its class weight w (safety and injury 0.75,
// data_breach 0.6, legal 0.5, press 0.45, outage 0.35, virality 0.3,
// urgent 0.2), raised by 15 % for every further distinct term of the same
// class (at most 0.95); the score is their noisy-or, 1 − Π(1 − w), 0..1.
// The level is critical at Config.Critical (0.75) or above, high at
// Config.High (0.5), medium at Config.Medium (0.25), else low: one safety
// or injury cue is critical, a data breach or a legal threat is high, an
// outage or a press mention is medium, an outage that is also going
// viral is high.
//
// Virality from engagement: a post with at least Config.ViralReposts
// reposts and quotes, or whose author has at least
// Config.InfluentialFollowers followers, adds the virality cue — but only
// when the post is not positive and is negative or carries another cue: a
// positive viral post is not a crisis.
//
// # Which mentions
//
// Customer posts only (not written by a brand): a brand's post gets
// Urgency nil and no crisis terms. A customer post always gets an
// Urgency (level low, score 0, when nothing was found). The enricher runs
// after pii (it reads the redacted text) and after sentiment.
//
// # Cost
//
// ≈ 1–2 µs of CPU per mention (BenchmarkAssess; with reasons
// BenchmarkReasonsAndUrgency in enrich/reasons), one allocation for the
// result.
package urgency

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/enrich/reasons/phrase"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/telemetry"
)

// Version is recorded in the pipeline's version string. Raise it whenever
// the cue list or the weights change.
const Version = "cues-1"

// Levels, the values of mention.Urgency.Level.
const (
	LevelLow      = "low"
	LevelMedium   = "medium"
	LevelHigh     = "high"
	LevelCritical = "critical"
)

// Levels lists every level, lowest first.
var Levels = []string{LevelLow, LevelMedium, LevelHigh, LevelCritical}

// Config is the "urgency" sub-section of the enrich configuration.
type Config struct {
	// Enabled turns urgency rating on.
	Enabled bool `yaml:"enabled"`
	// Medium, High and Critical are the least scores (0..1) of those
	// levels; below Medium a post is low.
	Medium   float64 `yaml:"medium"`
	High     float64 `yaml:"high"`
	Critical float64 `yaml:"critical"`
	// ViralReposts is the least reposts + quotes that make a non-positive
	// post a virality cue; 0 turns the engagement cue off.
	ViralReposts int64 `yaml:"viral_reposts"`
	// InfluentialFollowers is the least author followers that make a
	// non-positive post a virality cue; 0 turns it off.
	InfluentialFollowers int64 `yaml:"influential_followers"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Enabled: true, Medium: 0.25, High: 0.5, Critical: 0.75, ViralReposts: 100, InfluentialFollowers: 100_000}
}

// Validate names every field that is wrong and how to fix it.
func (c Config) Validate() error {
	var errs []error
	d := DefaultConfig()
	if !(c.Medium > 0 && c.Medium < c.High && c.High < c.Critical && c.Critical <= 1) {
		errs = append(errs, fmt.Errorf("enrich.urgency: medium %v, high %v, critical %v: want 0 < medium < high < critical ≤ 1 (defaults %v, %v, %v)",
			c.Medium, c.High, c.Critical, d.Medium, d.High, d.Critical))
	}
	if c.ViralReposts < 0 {
		errs = append(errs, fmt.Errorf("enrich.urgency.viral_reposts: %d, want ≥ 0 (0 = off; default %d)", c.ViralReposts, d.ViralReposts))
	}
	if c.InfluentialFollowers < 0 {
		errs = append(errs, fmt.Errorf("enrich.urgency.influential_followers: %d, want ≥ 0 (0 = off; default %d)", c.InfluentialFollowers, d.InfluentialFollowers))
	}
	return errors.Join(errs...)
}

// Per-term raise of a class's weight, and its cap.
const (
	extraTermRaise = 0.15
	maxClassWeight = 0.95
)

// Assessor finds cues in texts. It is safe for concurrent use.
type Assessor struct {
	m        *phrase.Matcher
	terms    []termRef
	virality int // index of the virality class
	pool     sync.Pool
}

type termRef struct {
	class int
	term  string
}

type scratch struct {
	ps    *phrase.Scratch
	count []int // distinct terms per class
	terms []string
}

// NewAssessor compiles Classes and Guards.
func NewAssessor() (*Assessor, error) {
	a := &Assessor{virality: -1}
	var pats []phrase.Pattern
	seen := map[string]bool{}
	for ci, c := range Classes {
		if seen[c.ID] {
			return nil, fmt.Errorf("urgency: cue %q is listed twice", c.ID)
		}
		seen[c.ID] = true
		if !(c.Weight > 0 && c.Weight < 1) {
			return nil, fmt.Errorf("urgency: cue %q: weight %v, want 0 < weight < 1", c.ID, c.Weight)
		}
		if c.ID == CueVirality {
			a.virality = ci
		}
		for _, t := range c.Terms {
			if t.Term == "" {
				return nil, fmt.Errorf("urgency: cue %q: pattern %q has no term", c.ID, t.Pattern)
			}
			pats = append(pats, phrase.Pattern{Text: t.Pattern, Value: len(a.terms)})
			a.terms = append(a.terms, termRef{class: ci, term: t.Term})
		}
	}
	for _, g := range Guards {
		pats = append(pats, phrase.Pattern{Text: g, Guard: true})
	}
	m, err := phrase.New(pats)
	if err != nil {
		return nil, fmt.Errorf("urgency: %w", err)
	}
	a.m = m
	a.pool.New = func() any { return &scratch{ps: new(phrase.Scratch), count: make([]int, len(Classes))} }
	return a, nil
}

// Signals are what Assess reads besides the text.
type Signals struct {
	// Reposts is reposts + quotes; Followers the author's followers.
	Reposts, Followers int64
	// Sentiment is the mention's sentiment label ("" when unknown).
	Sentiment string
}

// Result is what Assess found.
type Result struct {
	Urgency mention.Urgency
	// Terms are the canonical crisis terms found, in order of first
	// appearance, each once.
	Terms []string
}

// Assess rates text. cfg gives the level thresholds and the engagement
// cue's limits.
func (a *Assessor) Assess(text string, sig Signals, cfg Config) Result {
	s := a.pool.Get().(*scratch)
	defer a.pool.Put(s)
	clear(s.count)
	s.terms = s.terms[:0]
	for _, h := range a.m.Scan(text, s.ps) {
		if h.Negated {
			continue
		}
		tr := a.terms[h.Value]
		dup := false
		for _, t := range s.terms {
			if t == tr.term {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		s.terms = append(s.terms, tr.term)
		s.count[tr.class]++
	}
	found := len(s.terms) > 0
	if a.virality >= 0 && sig.Sentiment != mention.SentimentPositive && (found || sig.Sentiment == mention.SentimentNegative) &&
		(cfg.ViralReposts > 0 && sig.Reposts >= cfg.ViralReposts || cfg.InfluentialFollowers > 0 && sig.Followers >= cfg.InfluentialFollowers) {
		s.count[a.virality]++
	}
	var r Result
	keep := 1.0
	for ci, n := range s.count {
		if n == 0 {
			continue
		}
		w := min(maxClassWeight, Classes[ci].Weight*(1+extraTermRaise*float64(n-1)))
		keep *= 1 - w
		r.Urgency.Cues = append(r.Urgency.Cues, Classes[ci].ID)
	}
	r.Urgency.Score = math.Round((1-keep)*1000) / 1000
	r.Urgency.Level = cfg.Level(r.Urgency.Score)
	if found {
		r.Terms = append([]string(nil), s.terms...)
	}
	return r
}

// Level is the level of a score.
func (c Config) Level(score float64) string {
	switch {
	case score >= c.Critical:
		return LevelCritical
	case score >= c.High:
		return LevelHigh
	case score >= c.Medium:
		return LevelMedium
	}
	return LevelLow
}

// Enricher implements enrich.Enricher.
type Enricher struct {
	cfg     Config
	a       *Assessor
	levels  *prometheus.CounterVec
	byLevel map[string]prometheus.Counter
	cues    *prometheus.CounterVec
	byCue   map[string]prometheus.Counter
}

// New returns the enricher. reg may be nil (no metrics).
func New(cfg Config, reg prometheus.Registerer) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a, err := NewAssessor()
	if err != nil {
		return nil, err
	}
	e := &Enricher{cfg: cfg, a: a, byLevel: map[string]prometheus.Counter{}, byCue: map[string]prometheus.Counter{}}
	e.levels = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "enrich_urgency", Name: "mentions_total",
		Help: "Customer mentions rated, by urgency level: low, medium, high, critical.",
	}, []string{"level"})
	for _, l := range Levels {
		e.byLevel[l] = e.levels.WithLabelValues(l)
	}
	e.cues = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "enrich_urgency", Name: "cues_total",
		Help: "Urgency cues found in customer mentions, by cue: safety, injury, data_breach, legal, press, outage, virality, urgent.",
	}, []string{"cue"})
	for _, c := range Classes {
		e.byCue[c.ID] = e.cues.WithLabelValues(c.ID)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{e.levels, e.cues} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return "urgency" }

// Version implements enrich.Versioned.
func (e *Enricher) Version() string { return Version }

// Enrich sets m.Urgency and m.CrisisTerms for a customer post; a brand's
// post gets neither. It is idempotent.
func (e *Enricher) Enrich(_ context.Context, m *mention.Mention) error {
	if !e.cfg.Enabled {
		return nil
	}
	if m.AuthorBrand != "" || m.Direction == mention.DirectionOutbound {
		m.Urgency, m.CrisisTerms = nil, nil
		return nil
	}
	sig := Signals{Followers: m.Author.Followers}
	if m.Engagement != nil {
		sig.Reposts = m.Engagement.Reposts + m.Engagement.Quotes
	}
	if m.Sentiment != nil {
		sig.Sentiment = m.Sentiment.Label
	}
	r := e.a.Assess(m.Text, sig, e.cfg)
	u := r.Urgency
	m.Urgency, m.CrisisTerms = &u, r.Terms
	e.byLevel[u.Level].Inc()
	for _, c := range u.Cues {
		e.byCue[c].Inc()
	}
	return nil
}
