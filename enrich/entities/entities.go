// Package entities is the enricher that finds named entities and service
// identifiers in a mention's (PII-redacted) text and sets
// mention.Entities: people, places, organisations and products, found by
// a statistical tagger, and flight numbers, airport codes and order,
// booking and tracking references, found by rules.
//
// # Names
//
// An averaged-perceptron BIO tagger with beam search (beam.go; trained
// with the same search and early updates) over hashed features: the word,
// its prefixes and suffixes, its shape and capitalisation class, the
// words, bigrams and shapes around it, whether the training text mostly
// writes it in lower case, whether it starts or continues a name of the
// brand registry or an entity name of the training data (with its type),
// the sentence's style (headline, all caps), its position, and the two
// tags before it. A token after an O that is punctuation or a common
// lower-case word outside both gazetteers is O without scoring (most
// tokens of a post). The O label's score is lowered by a margin (recall
// for precision), and taggings far behind the best are dropped from the
// beam (speed); the trainer picks the beam width, the gap and the margin
// by cross-validation on the training sentences. The weights (see
// train/) are trained on CC-BY-4.0 data only (WNUT-17 and the Broad
// Twitter Corpus) and embedded, quantised to int16 and stored sparsely;
// in memory only the non-zero rows are kept (int8, shifted per row where
// they do not fit), and the features of a word share a block of rows, so
// that a text touches few cache lines.
//
// # Service identifiers
//
// Flight numbers (an IATA airline designator and 1–4 digits: BA117,
// KL 1234) and IATA airport codes (of the list in codes.go, in capitals)
// count only in a travel context ("flight", "delayed", "gate", …); a route
// (LHR-JFK, LHR to JFK) needs none. Order, booking and tracking references
// follow a keyword ("order #", "booking ref:", "tracking number") or have a
// carrier's own form (UPS 1Z…, UPU S10 RR123456785GB, USPS 22 digits,
// Amazon 3-7-7 order numbers). A rule's entity wins over an overlapping
// name.
//
// # Spans
//
// Start and End are byte offsets into the text as the enricher saw it:
// after PII redaction, which runs before it in the pipeline.
//
// # Speed
//
// Our own tokenizer (see Tokenize for why not prose's), no regular
// expression, no allocation per text; see BenchmarkEnrich and
// BenchmarkEnrichTWCS (which report the thread's CPU time per text as
// cpu-ns/op, steadier than wall time on a shared machine).
package entities

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
	"github.com/earshot-dev/earshot/telemetry"
)

// Version is recorded in the pipeline's version string, with the model's
// id.
const Version = "4"

// Enricher implements enrich.Enricher.
type Enricher struct {
	cfg      Config
	tagger   *Tagger
	products *Products // nil: none (or cfg.Products off)
	pool     sync.Pool
	found    *prometheus.CounterVec
	byType   map[string]prometheus.Counter
}

type scratch struct {
	toks   []Span
	words  []string
	low    []string
	labels []int
	spans  []WordSpan
	lowBuf []byte
	offs   []int
}

// New returns the enricher with the shipped model. reg is the brand
// registry for the gazetteer (nil: the default registry); mreg may be nil
// (no metrics).
func New(cfg Config, reg *registry.Registry, mreg prometheus.Registerer) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m, err := DefaultModel()
	if err != nil {
		return nil, err
	}
	if reg == nil {
		if reg, err = registry.Default(); err != nil {
			return nil, err
		}
	}
	t, err := NewTagger(m, reg)
	if err != nil {
		return nil, err
	}
	e := &Enricher{cfg: cfg, tagger: t, byType: map[string]prometheus.Counter{}}
	if cfg.Products {
		e.products = NewProducts(reg)
	}
	e.pool.New = func() any { return new(scratch) }
	e.found = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "enrich_entities", Name: "found_total",
		Help: "Entities found in mentions, by type: person, place, organisation, product, flight, airport, order, booking, tracking.",
	}, []string{"type"})
	for _, ty := range []string{TypePerson, TypePlace, TypeOrganisation, TypeProduct, TypeFlight, TypeAirport, TypeOrder, TypeBooking, TypeTracking} {
		e.byType[ty] = e.found.WithLabelValues(ty)
	}
	if mreg != nil {
		e.found = telemetry.Register(mreg, e.found)
		for ty := range e.byType {
			e.byType[ty] = e.found.WithLabelValues(ty)
		}
	}
	return e, nil
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return "entities" }

// Version implements enrich.Versioned: the code's version and the model's
// id.
func (e *Enricher) Version() string { return Version + "-" + e.tagger.Model().ID }

// Enrich sets m.Entities (replacing what was there: idempotent).
func (e *Enricher) Enrich(_ context.Context, m *mention.Mention) error {
	if !e.cfg.Enabled {
		return nil
	}
	m.Entities = e.Find(m.Entities[:0], m.Text)
	if len(m.Entities) == 0 {
		m.Entities = nil
	}
	for _, en := range m.Entities {
		if c, ok := e.byType[en.Type]; ok {
			c.Inc()
		}
	}
	return nil
}

// Find appends the entities of text to dst, sorted by Start.
func (e *Enricher) Find(dst []mention.Entity, text string) []mention.Entity {
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	s.toks = Tokenize(s.toks[:0], text)
	s.words = s.words[:0]
	s.low = s.low[:0]
	s.lowBuf = s.lowBuf[:0]
	for _, t := range s.toks {
		s.words = append(s.words, text[t.Start:t.End])
	}
	first := len(dst)
	if e.cfg.Identifiers || e.products != nil {
		// Lower-case forms for the keyword look-ups, in one buffer.
		s.offs = s.offs[:0]
		for _, w := range s.words {
			s.offs = append(s.offs, len(s.lowBuf))
			s.lowBuf = appendLower(s.lowBuf, w)
		}
		s.offs = append(s.offs, len(s.lowBuf))
		for i := range s.words {
			s.low = append(s.low, unsafeString(s.lowBuf[s.offs[i]:s.offs[i+1]]))
		}
	}
	if e.cfg.Identifiers {
		dst = findIdentifiers(dst, text, s.toks, s.low)
	}
	if e.products != nil {
		dst = e.products.find(dst, first, text, s.toks, s.words, s.low)
	}
	nRules := len(dst)
	if e.cfg.Names && len(s.toks) > 0 {
		words := s.words
		if len(words) > e.cfg.MaxTokens {
			words = words[:e.cfg.MaxTokens]
		}
		s.labels = e.tagger.TagWords(s.labels[:0], words)
		s.spans = SpansFromLabels(s.spans[:0], s.labels)
	next:
		for _, sp := range s.spans {
			start, end := s.toks[sp.Start].Start, s.toks[sp.End-1].End
			for _, r := range dst[first:nRules] {
				if start < r.End && r.Start < end {
					continue next
				}
			}
			dst = append(dst, mention.Entity{Text: text[start:end], Type: sp.Type, Start: start, End: end})
		}
	}
	// Identifiers, products and names each come in text order; together
	// they may not.
	byStart := func(a, b mention.Entity) int { return cmp.Compare(a.Start, b.Start) }
	if out := dst[first:]; !slices.IsSortedFunc(out, byStart) {
		slices.SortStableFunc(out, byStart)
	}
	return dst
}
