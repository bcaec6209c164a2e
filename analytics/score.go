package analytics

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/registry"
)

// Weights configure the composite responsiveness score (0–100):
//
//	score = 100 · Σ wᵢ·partᵢ / Σ wᵢ   over the parts that are defined
//
// with the parts
//
//	sla60          the share answered within 60 min (defined when some
//	               inbound post is at least 60 min old)
//	response_rate  the share answered within 24 h (defined when some
//	               inbound post is at least 24 h old)
//	frt            the FRT median normalised to 0–1 as R / (R + median),
//	               R = FRTReference: 1 at 0 s, 0.5 at R, → 0 as the
//	               median grows; 0 when no post was answered (defined
//	               when another part is, or some post was answered)
//
// The score is undefined (nil) when no part is. Defaults: SLA60 0.4,
// ResponseRate 0.3, FRT 0.3, FRTReference 1 h (the usual first-response
// target of the registry).
type Weights struct {
	SLA60        float64       `yaml:"sla60"`
	ResponseRate float64       `yaml:"response_rate"`
	FRT          float64       `yaml:"frt"`
	FRTReference time.Duration `yaml:"frt_reference"`
}

// DefaultWeights are the documented defaults.
func DefaultWeights() Weights {
	return Weights{SLA60: 0.4, ResponseRate: 0.3, FRT: 0.3, FRTReference: time.Hour}
}

// Validate names what is wrong with the weights.
func (w Weights) Validate() error {
	for name, v := range map[string]float64{"sla60": w.SLA60, "response_rate": w.ResponseRate, "frt": w.FRT} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("score weights: %s = %v; use a weight ≥ 0", name, v)
		}
	}
	if w.SLA60+w.ResponseRate+w.FRT <= 0 {
		return fmt.Errorf("score weights: sla60, response_rate and frt are all 0; give at least one a positive weight")
	}
	if w.FRTReference < time.Second {
		return fmt.Errorf("score weights: frt_reference = %s; use a duration ≥ 1s, e.g. 1h", w.FRTReference)
	}
	return nil
}

// ParseWeights reads "sla60=0.4,response_rate=0.3,frt=0.3,frt_reference=1h"
// (any subset; the rest keep their defaults).
func ParseWeights(s string) (Weights, error) {
	w := DefaultWeights()
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return w, fmt.Errorf("score weights: %q is not key=value", kv)
		}
		var err error
		switch strings.TrimSpace(k) {
		case "sla60":
			w.SLA60, err = strconv.ParseFloat(v, 64)
		case "response_rate":
			w.ResponseRate, err = strconv.ParseFloat(v, 64)
		case "frt":
			w.FRT, err = strconv.ParseFloat(v, 64)
		case "frt_reference":
			w.FRTReference, err = time.ParseDuration(v)
		default:
			return w, fmt.Errorf("score weights: unknown key %q; use sla60, response_rate, frt or frt_reference", k)
		}
		if err != nil {
			return w, fmt.Errorf("score weights: %s: %v", k, err)
		}
	}
	return w, w.Validate()
}

// Score is the composite score of a leaderboard row (nil when undefined).
func (w Weights) Score(r Row) *float64 {
	var num, den float64
	if r.SLA60 != nil {
		num += w.SLA60 * *r.SLA60
		den += w.SLA60
	}
	if r.ResponseRate != nil {
		num += w.ResponseRate * *r.ResponseRate
		den += w.ResponseRate
	}
	switch {
	case r.FRTMedianSeconds != nil:
		ref := w.FRTReference.Seconds()
		num += w.FRT * ref / (ref + *r.FRTMedianSeconds)
		den += w.FRT
	case r.SLA60 != nil || r.ResponseRate != nil:
		den += w.FRT // nothing answered: the FRT part is 0
	}
	if den == 0 {
		return nil
	}
	v := 100 * num / den
	return &v
}

// ScoreSQL is Score as a ClickHouse expression (Nullable(Float64)) over
// expressions for sla60 and response_rate (Nullable ratios), the FRT
// median in seconds (Nullable) — the dashboards' form of the same formula.
func (w Weights) ScoreSQL(sla60, rr, medianS string) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	ref := f(w.FRTReference.Seconds())
	num := fmt.Sprintf("(%s * ifNull(%s, 0) + %s * ifNull(%s, 0) + if(isNull(%s), 0, %s * %s / (%s + ifNull(%s, 0))))",
		f(w.SLA60), sla60, f(w.ResponseRate), rr, medianS, f(w.FRT), ref, ref, medianS)
	den := fmt.Sprintf("(if(isNull(%s), 0, %s) + if(isNull(%s), 0, %s) + if(isNull(%s) AND isNull(%s) AND isNull(%s), 0, %s))",
		sla60, f(w.SLA60), rr, f(w.ResponseRate), medianS, sla60, rr, f(w.FRT))
	return fmt.Sprintf("if(%[2]s = 0, NULL, 100 * %[1]s / %[2]s)", num, den)
}

// SectorSQL maps the brand expression col to its registry sector (” for
// an unknown brand) with the registry's table inlined.
func SectorSQL(reg *registry.Registry, col string) string {
	ids := reg.IDs()
	from := make([]string, len(ids))
	to := make([]string, len(ids))
	for i, id := range ids {
		b, _ := reg.ByID(id)
		from[i] = quote(id)
		to[i] = quote(b.Sector)
	}
	return fmt.Sprintf("transform(%s, [%s], [%s], '')", col, strings.Join(from, ", "), strings.Join(to, ", "))
}

var sqlQuoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// quote is a ClickHouse string literal.
func quote(s string) string { return "'" + sqlQuoter.Replace(s) + "'" }

// Ranks returns, for each brand of scores, its competition rank (1 =
// best; ties share a rank) among the brands of its group that have a
// score; 0 when its own score is undefined. group gives a brand's peers
// (including itself).
func Ranks(scores map[string]*float64, peers func(brand string) []string) map[string]int {
	out := make(map[string]int, len(scores))
	for b, s := range scores {
		if s == nil {
			out[b] = 0
			continue
		}
		rank := 1
		for _, p := range peers(b) {
			if ps, ok := scores[p]; ok && ps != nil && p != b && *ps > *s {
				rank++
			}
		}
		out[b] = rank
	}
	return out
}

// SectorPeers returns the brands of scores in b's sector.
func SectorPeers(reg *registry.Registry, scores map[string]*float64) func(string) []string {
	return func(b string) []string {
		rb, ok := reg.ByID(b)
		var out []string
		for p := range scores {
			if rp, ok2 := reg.ByID(p); p == b || (ok && ok2 && rp.Sector == rb.Sector) {
				out = append(out, p)
			}
		}
		sort.Strings(out)
		return out
	}
}

// CompetitorPeers returns b and its registry competitors.
func CompetitorPeers(reg *registry.Registry) func(string) []string {
	return func(b string) []string {
		out := []string{b}
		if rb, ok := reg.ByID(b); ok {
			out = append(out, rb.Competitors...)
		}
		return out
	}
}
