// Package reasons is the contact-reason enricher: it tells why a customer
// wrote to or about a brand — delay, cancellation, baggage, booking,
// refund, return, delivery, billing, fraud, outage, account_access,
// product_fault, subscription, service_complaint, praise, question — with
// a confidence 0..1 per reason, several reasons per mention when the text
// carries several (mention.Mention.ContactReason).
//
// The taxonomy is the table Taxonomy (taxonomy.go), documented reason by
// reason in TAXONOMY.md (generated from the table and checked by
// TestTaxonomyDocIsCurrent): id, definition, sectors, example phrasings,
// what it is not, and the cues.
//
// # Method
//
// Weighted phrase rules, one pass (package phrase): the text is cut into
// normalised tokens once and every cue of every reason is found with one
// map lookup per token. A reason's score is the sum of the weights of its
// distinct cues found (of overlapping cues of one reason, the heaviest
// counts); some cues have negative weights, context guards such as "noise
// cancelling" for cancellation or "return flight" for return; negatable
// cues ("not delayed", "not happy") do not count after a negator in the
// same clause; guard phrases ("killing it", "prime video", "charge my
// phone") suppress every cue they overlap. The confidence is
// 1 − e^(−score), and the reasons whose confidence reaches
// Config.Threshold are kept, highest first, at most Config.MaxReasons.
//
// Tone: the sentiment enricher runs before this one. When a mention's
// sentiment compound is ≥ 0.3 the service_complaint score is halved, and
// when it is ≤ −0.3 the praise score is cut to 30 % ("thanks for
// nothing", "great, another delay"): praise and complaint cues share
// their words ("customer service", "thanks").
//
// # Which mentions
//
// Customer mentions only: a post written by a brand (AuthorBrand set, or
// direction outbound) gets no contact reason. With Config.InboundOnly,
// only inbound posts (addressed to a brand) are classified; by default a
// customer talking about a brand without addressing it is classified too.
// The enricher runs after pii, so it reads only the redacted text.
//
// # Cost
//
// ≈ 2 µs of CPU per mention on this project's 2-core machine
// (BenchmarkClassify over the inbound twcs_first5000 tweets), one
// allocation (the result); with urgency ≈ 3.5 µs
// (BenchmarkReasonsAndUrgency).
package reasons

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/enrich/reasons/phrase"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/telemetry"
)

// Version is recorded in the pipeline's version string. Raise it whenever
// the taxonomy or the cues change.
const Version = "rules-1"

// Config is the "reasons" sub-section of the enrich configuration.
type Config struct {
	// Enabled turns contact-reason classification on.
	Enabled bool `yaml:"enabled"`
	// Threshold is the least confidence (0..1) a reason needs to be kept.
	Threshold float64 `yaml:"threshold"`
	// MaxReasons caps the reasons kept per mention (highest first).
	MaxReasons int `yaml:"max_reasons"`
	// InboundOnly classifies only inbound posts (addressed to a brand); by
	// default every post not written by a brand is classified.
	InboundOnly bool `yaml:"inbound_only"`
}

// DefaultThreshold is the default Config.Threshold.
const DefaultThreshold = 0.5

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Enabled: true, Threshold: DefaultThreshold, MaxReasons: 3}
}

// Validate names every field that is wrong and how to fix it.
func (c Config) Validate() error {
	var errs []error
	d := DefaultConfig()
	if !(c.Threshold > 0 && c.Threshold < 1) {
		errs = append(errs, fmt.Errorf("enrich.reasons.threshold: %v, want 0 < threshold < 1 (default %v)", c.Threshold, d.Threshold))
	}
	if c.MaxReasons < 1 || c.MaxReasons > len(Taxonomy) {
		errs = append(errs, fmt.Errorf("enrich.reasons.max_reasons: %d, want 1..%d (default %d)", c.MaxReasons, len(Taxonomy), d.MaxReasons))
	}
	return errors.Join(errs...)
}

// Tone factors (see the package documentation).
const (
	positiveTone       = 0.3  // compound at or above which service_complaint is damped
	complaintDampening = 0.5  // service_complaint score factor on a positive mention
	negativeTone       = -0.3 // compound at or below which praise is damped
	praiseDampening    = 0.3  // praise score factor on a negative mention
)

// Classifier scores texts against the taxonomy. It is safe for concurrent
// use.
type Classifier struct {
	m         *phrase.Matcher
	cues      []cueRef
	complaint int // index of service_complaint
	praise    int // index of praise
	pool      sync.Pool
}

type cueRef struct {
	reason    int
	weight    float64
	negatable bool
}

type scratch struct {
	ps     *phrase.Scratch
	scores []float64
	// per reason: the span and weight of the last positive cue counted
	lastEnd []int
	lastW   []float64
}

// NewClassifier compiles Taxonomy and Guards.
func NewClassifier() (*Classifier, error) {
	return newClassifier(Taxonomy, Guards)
}

func newClassifier(tax []Definition, guards []string) (*Classifier, error) {
	c := &Classifier{complaint: -1, praise: -1}
	var pats []phrase.Pattern
	seen := map[string]bool{}
	for ri, d := range tax {
		if !validID(d.ID) {
			return nil, fmt.Errorf("reasons: id %q: want lower-case snake_case", d.ID)
		}
		if seen[d.ID] {
			return nil, fmt.Errorf("reasons: id %q is in the taxonomy twice", d.ID)
		}
		seen[d.ID] = true
		switch d.ID {
		case ServiceComplaint:
			c.complaint = ri
		case Praise:
			c.praise = ri
		}
		for _, cue := range d.Cues {
			if cue.Weight == 0 || math.IsNaN(cue.Weight) {
				return nil, fmt.Errorf("reasons: %s: cue %q has weight %v", d.ID, cue.Pattern, cue.Weight)
			}
			pats = append(pats, phrase.Pattern{Text: cue.Pattern, Value: len(c.cues)})
			c.cues = append(c.cues, cueRef{reason: ri, weight: cue.Weight, negatable: cue.Negatable})
		}
	}
	for _, g := range guards {
		pats = append(pats, phrase.Pattern{Text: g, Guard: true})
	}
	m, err := phrase.New(pats)
	if err != nil {
		return nil, fmt.Errorf("reasons: %w", err)
	}
	c.m = m
	n := len(tax)
	c.pool.New = func() any {
		return &scratch{ps: new(phrase.Scratch), scores: make([]float64, n), lastEnd: make([]int, n), lastW: make([]float64, n)}
	}
	return c, nil
}

func validID(id string) bool {
	if id == "" || id[0] == '_' || id[len(id)-1] == '_' {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

// NoTone is the compound to pass when a mention has no sentiment.
var NoTone = math.NaN()

// Scores writes the confidence 0..1 of every reason (in Taxonomy order)
// into out (len(out) ≥ len(Taxonomy)). compound is the mention's sentiment
// compound −1..1, or NoTone.
func (c *Classifier) Scores(text string, compound float64, out []float64) {
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	c.score(text, compound, s)
	for i, v := range s.scores {
		out[i] = confidence(v)
	}
}

func confidence(score float64) float64 {
	if score <= 0 {
		return 0
	}
	return 1 - math.Exp(-score)
}

func (c *Classifier) score(text string, compound float64, s *scratch) {
	clear(s.scores)
	for i := range s.lastEnd {
		s.lastEnd[i], s.lastW[i] = -1, 0
	}
	for _, h := range c.m.Scan(text, s.ps) {
		cr := c.cues[h.Value]
		if cr.negatable && h.Negated {
			continue
		}
		r := cr.reason
		if cr.weight < 0 {
			s.scores[r] += cr.weight
			continue
		}
		if h.Start < s.lastEnd[r] { // overlaps the reason's previous cue: the heavier counts
			if cr.weight > s.lastW[r] {
				s.scores[r] += cr.weight - s.lastW[r]
				s.lastW[r] = cr.weight
			}
			s.lastEnd[r] = max(s.lastEnd[r], h.End)
			continue
		}
		s.scores[r] += cr.weight
		s.lastEnd[r], s.lastW[r] = h.End, cr.weight
	}
	if !math.IsNaN(compound) {
		if compound >= positiveTone && c.complaint >= 0 {
			s.scores[c.complaint] *= complaintDampening
		}
		if compound <= negativeTone && c.praise >= 0 {
			s.scores[c.praise] *= praiseDampening
		}
	}
}

// Classify returns the reasons of text whose confidence reaches threshold,
// highest first (ties in Taxonomy order), at most maxReasons; nil when
// there is none.
func (c *Classifier) Classify(text string, compound, threshold float64, maxReasons int) []mention.Reason {
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	c.score(text, compound, s)
	n := 0
	for _, v := range s.scores {
		if confidence(v) >= threshold {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]mention.Reason, 0, n)
	for i, v := range s.scores {
		if p := confidence(v); p >= threshold {
			out = append(out, mention.Reason{Reason: Taxonomy[i].ID, Confidence: min(0.999, math.Round(p*1000)/1000)})
		}
	}
	slices.SortStableFunc(out, func(a, b mention.Reason) int {
		switch {
		case a.Confidence > b.Confidence:
			return -1
		case a.Confidence < b.Confidence:
			return 1
		}
		return 0
	})
	if len(out) > maxReasons {
		out = out[:maxReasons]
	}
	return out
}

// IDs returns every reason id in Taxonomy order.
func IDs() []string {
	out := make([]string, len(Taxonomy))
	for i, d := range Taxonomy {
		out[i] = d.ID
	}
	return out
}

// Enricher implements enrich.Enricher.
type Enricher struct {
	cfg     Config
	c       *Classifier
	byLabel map[string]prometheus.Counter
	result  *prometheus.CounterVec
	classed prometheus.Counter
	none    prometheus.Counter
	skipped prometheus.Counter
	labels  *prometheus.CounterVec
}

// New returns the enricher. reg may be nil (no metrics).
func New(cfg Config, reg prometheus.Registerer) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := NewClassifier()
	if err != nil {
		return nil, err
	}
	e := &Enricher{cfg: cfg, c: c, byLabel: map[string]prometheus.Counter{}}
	e.result = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "enrich_reasons", Name: "mentions_total",
		Help: "Mentions seen by the contact-reason enricher, by result: classified (at least one reason), unclassified, skipped (written by a brand, or not inbound with inbound_only).",
	}, []string{"result"})
	e.classed, e.none, e.skipped = e.result.WithLabelValues("classified"), e.result.WithLabelValues("unclassified"), e.result.WithLabelValues("skipped")
	e.labels = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "enrich_reasons", Name: "labels_total",
		Help: "Contact reasons assigned, by reason id.",
	}, []string{"reason"})
	for _, d := range Taxonomy {
		e.byLabel[d.ID] = e.labels.WithLabelValues(d.ID)
	}
	if reg != nil {
		for _, col := range []prometheus.Collector{e.result, e.labels} {
			if err := reg.Register(col); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return "reasons" }

// Version implements enrich.Versioned.
func (e *Enricher) Version() string { return Version }

// Classifier returns the enricher's classifier.
func (e *Enricher) Classifier() *Classifier { return e.c }

// Customer reports whether m is a customer's post: not written by a brand.
func Customer(m *mention.Mention) bool {
	return m.AuthorBrand == "" && m.Direction != mention.DirectionOutbound
}

// Enrich sets m.ContactReason (nil for a brand's post or when no reason
// reaches the threshold). It is idempotent.
func (e *Enricher) Enrich(_ context.Context, m *mention.Mention) error {
	if !e.cfg.Enabled {
		return nil
	}
	if !Customer(m) || (e.cfg.InboundOnly && m.Direction != mention.DirectionInbound) {
		m.ContactReason = nil
		e.skipped.Inc()
		return nil
	}
	compound := NoTone
	if m.Sentiment != nil {
		compound = m.Sentiment.Compound
	}
	m.ContactReason = e.c.Classify(m.Text, compound, e.cfg.Threshold, e.cfg.MaxReasons)
	if len(m.ContactReason) == 0 {
		e.none.Inc()
		return nil
	}
	e.classed.Inc()
	for _, r := range m.ContactReason {
		e.byLabel[r.Reason].Inc()
	}
	return nil
}
