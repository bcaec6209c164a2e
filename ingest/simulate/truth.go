package simulate

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"time"
)

// TruthEvent is one post as the ground truth sees it.
type TruthEvent struct {
	ID        string
	CreatedAt time.Time
	// AuthorBrand is the registry id of the brand whose official account
	// wrote the post, "" for everyone else.
	AuthorBrand string
	// Mentions are the brands whose official handle the text contains.
	Mentions []string
	// InReplyTo is the id of the parent post, "".
	InReplyTo string
}

// Truth is the leaderboard a correct pipeline computes for the period.
type Truth struct {
	Since  time.Time    `json:"since"`
	Until  time.Time    `json:"until"`
	Seed   uint64       `json:"seed"`
	Brands []BrandTruth `json:"brands"`
}

// BrandTruth is one leaderboard row. Undefined values (an empty
// denominator, no answered post) are nil: null in JSON, empty in CSV.
type BrandTruth struct {
	Brand        string   `json:"brand"`
	Inbound      int      `json:"inbound"`
	Answered     int      `json:"answered"`
	Pending      int      `json:"pending"`
	ResponseRate *float64 `json:"response_rate"`
	FRTMedianS   *float64 `json:"frt_median_s"`
	FRTP90S      *float64 `json:"frt_p90_s"`
	SLA15        *float64 `json:"sla15"`
	SLA60        *float64 `json:"sla60"`
}

// ComputeTruth applies the leaderboard's metric definitions to events for
// the period [since, until), as of until:
//
//   - an inbound post of brand B: since ≤ created_at < until, not written
//     by B, and addressed to B — it mentions B's official handle, or it
//     replies to a post written by B;
//   - a brand reply of B to p: written by B, in reply to p, created before
//     until; frt(p) is the time to the earliest one, clamped at ≥ 0;
//   - inbound, answered (≥ 1 reply), pending (unanswered and created after
//     until − 24h);
//   - response_rate = answered within 24 h ÷ posts created ≤ until − 24h;
//   - sla15 / sla60 = answered within 15 / 60 min ÷ posts created
//     ≤ until − 15 / 60 min;
//   - frt median (mean of the two middle values for an even count) and p90
//     (nearest rank: element ⌈0.9·n⌉ of the sorted values) over answered
//     posts.
//
// Duplicate ids count once (the first is kept). Rows are the brands with
// inbound > 0, sorted by id.
func ComputeTruth(events []TruthEvent, since, until time.Time) []BrandTruth {
	byID := make(map[string]*TruthEvent, len(events))
	var uniq []*TruthEvent
	for i := range events {
		e := &events[i]
		if _, dup := byID[e.ID]; dup {
			continue
		}
		byID[e.ID] = e
		uniq = append(uniq, e)
	}
	type key struct{ post, brand string }
	first := map[key]time.Time{}
	for _, e := range uniq {
		if e.AuthorBrand == "" || e.InReplyTo == "" || !e.CreatedAt.Before(until) {
			continue
		}
		k := key{e.InReplyTo, e.AuthorBrand}
		if t, ok := first[k]; !ok || e.CreatedAt.Before(t) {
			first[k] = e.CreatedAt
		}
	}
	type acc struct {
		inbound, answered, pending int
		rrNum, rrDen               int
		s15Num, s15Den             int
		s60Num, s60Den             int
		frts                       []float64
	}
	accs := map[string]*acc{}
	day, q15, h1 := until.Add(-24*time.Hour), until.Add(-15*time.Minute), until.Add(-time.Hour)
	for _, p := range uniq {
		if p.CreatedAt.Before(since) || !p.CreatedAt.Before(until) {
			continue
		}
		addressed := map[string]bool{}
		for _, b := range p.Mentions {
			addressed[b] = true
		}
		if parent, ok := byID[p.InReplyTo]; ok && p.InReplyTo != "" && parent.AuthorBrand != "" {
			addressed[parent.AuthorBrand] = true
		}
		for b := range addressed {
			if b == p.AuthorBrand {
				continue
			}
			a := accs[b]
			if a == nil {
				a = &acc{}
				accs[b] = a
			}
			a.inbound++
			r, answered := first[key{p.ID, b}]
			frt := max(0, r.Sub(p.CreatedAt).Seconds())
			if answered {
				a.answered++
				a.frts = append(a.frts, frt)
			} else if p.CreatedAt.After(day) {
				a.pending++
			}
			if !p.CreatedAt.After(day) {
				a.rrDen++
				if answered && frt <= 86400 {
					a.rrNum++
				}
			}
			if !p.CreatedAt.After(q15) {
				a.s15Den++
				if answered && frt <= 900 {
					a.s15Num++
				}
			}
			if !p.CreatedAt.After(h1) {
				a.s60Den++
				if answered && frt <= 3600 {
					a.s60Num++
				}
			}
		}
	}
	ratio := func(n, d int) *float64 {
		if d == 0 {
			return nil
		}
		v := float64(n) / float64(d)
		return &v
	}
	rows := make([]BrandTruth, 0, len(accs))
	for b, a := range accs {
		row := BrandTruth{Brand: b, Inbound: a.inbound, Answered: a.answered, Pending: a.pending,
			ResponseRate: ratio(a.rrNum, a.rrDen), SLA15: ratio(a.s15Num, a.s15Den), SLA60: ratio(a.s60Num, a.s60Den)}
		if n := len(a.frts); n > 0 {
			sort.Float64s(a.frts)
			var med float64
			if n%2 == 1 {
				med = a.frts[n/2]
			} else {
				med = (a.frts[n/2-1] + a.frts[n/2]) / 2
			}
			p90 := a.frts[(9*n+9)/10-1] // ⌈0.9·n⌉, 1-based, in integers
			row.FRTMedianS, row.FRTP90S = &med, &p90
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Brand < rows[j].Brand })
	return rows
}

// CSVHeader is the leaderboard CSV header.
var CSVHeader = []string{"brand", "inbound", "answered", "pending", "response_rate", "frt_median_s", "frt_p90_s", "sla15", "sla60"}

// FormatRatio formats a ratio as a fraction with 4 decimals ("" when
// undefined). strconv rounds the exact binary value to nearest, ties to
// even (1/32 = 0.03125 → "0.0312").
func FormatRatio(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 4, 64)
}

// FormatSeconds formats seconds with 1 decimal ("" when undefined).
func FormatSeconds(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

// WriteCSV writes rows in the leaderboard CSV format.
func WriteCSV(w io.Writer, rows []BrandTruth) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.Brand, strconv.Itoa(r.Inbound), strconv.Itoa(r.Answered), strconv.Itoa(r.Pending),
			FormatRatio(r.ResponseRate), FormatSeconds(r.FRTMedianS), FormatSeconds(r.FRTP90S), FormatRatio(r.SLA15), FormatRatio(r.SLA60)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the truth as indented JSON (exact values, null when
// undefined).
func WriteJSON(w io.Writer, t Truth) error {
	if t.Brands == nil {
		t.Brands = []BrandTruth{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}
