// Package pii is the enricher that redacts personal data from a mention's
// text before anything leaves the enrich stage: it runs first in the
// pipeline, so no later enricher, topic or table sees the values.
//
// # What is redacted
//
// Each value is replaced by a placeholder and its kind is recorded in
// mention.PII (never the value):
//
//   - "[email]": local@domain.tld (the domain has a dot and a top-level
//     domain of two or more letters). An "@handle" is not an address.
//   - "[phone]": international numbers ("+44 20 7946 0000", "0044 …"),
//     national numbers that start with a trunk 0 and have 10–11 digits
//     (9–12 when grouped: "07700 900123", "020-7946-0000", "06-12345678",
//     "030/1234567", "06.12.34.56.78"), North-American numbers written
//     (555) 123-4567, 555-123-4567 or 1-800-123-4567, and an ungrouped
//     10-digit number or 555-1234 only after a phone word ("call", "phone",
//     "tel", "number", "text", "whatsapp", …) in the 24 bytes before.
//   - "[card]": 13–19 digits, ungrouped or in groups of at least 4 separated
//     by spaces or dashes, passing the Luhn check. Any Luhn-valid run of
//     13–19 digits outside a URL is a card whatever surrounds it (even in a
//     handle or glued to letters), so no card number survives.
//   - "[postcode]": UK postcodes (SW1A 1AA, M1 1AE; EC1A1BB in capitals),
//     Dutch ones (1234 AB, not "1080 HD", "2000 PM" or other common pairs),
//     German ones only as part of an address ("…, 10115 Berlin", "D-10115
//     Berlin", "PLZ 10115"), and US ZIP or ZIP+4 codes only when labelled
//     ("zip", "postal code") or after a state code ("Austin, TX 78701").
//   - "[address]": a house number and a street ("221B Baker Street", "1600
//     Pennsylvania Ave", "12 High St.") and the continental order
//     ("Hauptstraße 5", "Kerkstraat 12a").
//
// # What is not
//
// Identifiers glued to letters (flight KL1234, tracking 1Z999AA10123456784),
// order numbers after "#" or in Amazon's 3-7-7 form (112-1234567-1234567),
// prices after a currency sign (£12.99, $5, EUR 10), times (10:45), dates
// (2017-10-31, 31/10/2017), @handles, #hashtags and URLs (left whole, even
// when they contain digits).
//
// # Speed
//
// One forward pass over the bytes, no regular expression, no allocation
// unless something is replaced; a text without a digit or an "@" is
// returned at once. See BenchmarkRedact.
package pii

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/telemetry"
)

// Version is recorded in the pipeline's version string.
const Version = "1"

// Enricher implements enrich.Enricher.
type Enricher struct {
	r         *Redactor
	redacted  *prometheus.CounterVec
	byKind    [len(kindOrder)]prometheus.Counter
	mentioned prometheus.Counter
}

// New returns the enricher. reg may be nil (no metrics).
func New(cfg Config, reg prometheus.Registerer) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Enricher{r: NewRedactor(cfg.mask())}
	if cfg.mask() == 0 { // an empty list means nothing to redact
		e.r = &Redactor{mask: 0}
	}
	e.redacted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "enrich_pii", Name: "redacted_mentions_total",
		Help: "Mentions in which PII of a kind was redacted, by kind: email, phone, card, postcode, address.",
	}, []string{"kind"})
	e.mentioned = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "enrich_pii", Name: "mentions_total",
		Help: "Mentions scanned for PII.",
	})
	for i, k := range AllKinds {
		e.byKind[i] = e.redacted.WithLabelValues(k)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{e.redacted, e.mentioned} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return "pii" }

// Version implements enrich.Versioned.
func (e *Enricher) Version() string { return Version }

// Enrich redacts m.Text, the author's display name and every string in
// m.Extra (people put e-mail addresses and phone numbers in display names,
// and sources keep raw payload fields in Extra), and sets m.PII to the
// kinds redacted. Handles and ids are left alone: they are identifiers the
// analytics join on, and cannot hold spaces or an "@". It is idempotent:
// on an already redacted text the placeholders found count as their kinds,
// so a second run reports the same kinds.
func (e *Enricher) Enrich(_ context.Context, m *mention.Mention) error {
	text, found := e.r.Redact(m.Text)
	found |= placeholdersIn(text) & e.r.mask
	m.Text = text
	if m.Author.DisplayName != "" {
		name, f := e.r.Redact(m.Author.DisplayName)
		m.Author.DisplayName = name
		found |= f | placeholdersIn(name)&e.r.mask
	}
	for k, v := range m.Extra {
		m.Extra[k] = e.redactAny(v, &found, 0)
	}
	m.PII = found.Names()
	e.mentioned.Inc()
	for i, b := range kindOrder {
		if found&b != 0 {
			e.byKind[i].Inc()
		}
	}
	return nil
}

// redactAny redacts the strings inside v, a value decoded from JSON
// (string, []any, map[string]any, numbers, booleans), adding the kinds found.
// Nesting deeper than 32 levels is left as it is: the Mention codec never
// produces it.
func (e *Enricher) redactAny(v any, found *Kinds, depth int) any {
	if depth > 32 {
		return v
	}
	switch x := v.(type) {
	case string:
		s, f := e.r.Redact(x)
		*found |= f | placeholdersIn(s)&e.r.mask
		return s
	case []any:
		for i := range x {
			x[i] = e.redactAny(x[i], found, depth+1)
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = e.redactAny(x[k], found, depth+1)
		}
		return x
	}
	return v
}
