package report

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/registry"
)

// Options select what Build reads.
type Options struct {
	Brand string
	Week  Week
	// Weights of the responsiveness score (zero: the defaults).
	Weights analytics.Weights
	// HoursTZ is the zone of the hour-of-week heat map; "" takes the
	// brand's support-hours zone, else UTC.
	HoursTZ string
	// Examples bounds the best/worst replies, deflections, canned texts
	// and crisis posts shown (default 3).
	Examples int
	// Now stamps the report (default time.Now).
	Now func() time.Time
}

// ErrNoData is returned when the brand had no inbound post in the week.
var ErrNoData = errors.New("no inbound posts")

// Build reads the report of one brand and week from database db.
func Build(ctx context.Context, conn driver.Conn, db string, reg *registry.Registry, o Options) (*Report, error) {
	if !identRe.MatchString(db) {
		return nil, fmt.Errorf("report: database %q is not a plain identifier", db)
	}
	b, ok := reg.ByID(o.Brand)
	if !ok {
		return nil, fmt.Errorf("report: brand %q is not in the registry", o.Brand)
	}
	if o.Week.Num == 0 {
		return nil, errors.New("report: the week is required")
	}
	if o.Weights == (analytics.Weights{}) {
		o.Weights = analytics.DefaultWeights()
	}
	if o.Examples <= 0 {
		o.Examples = 3
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	tz := o.HoursTZ
	if tz == "" {
		tz = "UTC"
		if b.SupportHours != nil && b.SupportHours.TimeZone != "" {
			tz = b.SupportHours.TimeZone
		}
	}
	r := &Report{
		Week: o.Week, Brand: BrandInfo{ID: b.ID, Name: b.Name, Sector: b.Sector},
		GeneratedAt: o.Now().UTC().Truncate(time.Second), Weights: o.Weights, HoursTZ: tz,
	}
	peerIDs := append([]string{b.ID}, b.Competitors...)

	// The leaderboard rows of this week and the week before.
	q := analytics.Query{Since: o.Week.Since(), Until: o.Week.Until(), Brands: peerIDs}
	cur, err := analytics.Extended(ctx, conn, db, reg, q, analytics.ExtOptions{Weights: o.Weights, HoursTZ: tz, Previous: true})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	pw := o.Week.Prev()
	prev, err := analytics.Extended(ctx, conn, db, reg, analytics.Query{Since: pw.Since(), Until: pw.Until(), Brands: peerIDs},
		analytics.ExtOptions{Weights: o.Weights, HoursTZ: tz})
	if err != nil {
		return nil, fmt.Errorf("report: previous week: %w", err)
	}
	found := false
	for _, row := range cur {
		if row.Brand == b.ID {
			r.Me, found = row, true
		}
	}
	if !found {
		return nil, fmt.Errorf("report: %s in %s: %w", b.ID, o.Week, ErrNoData)
	}
	for i := range prev {
		if prev[i].Brand == b.ID {
			r.Prev = &prev[i]
		}
	}
	r.Peers = peers(reg, b.ID, peerIDs, cur, prev)
	r.Headline = headline(r.Me, r.Prev, r.Peers)
	r.Sentences = Sentences(r)

	// Charts: the brand's inbound posts by day and their FRT distribution.
	posts, err := readInbound(ctx, conn, db, b.ID, o.Week)
	if err != nil {
		return nil, err
	}
	if uint64(len(posts)) != r.Me.Inbound {
		return nil, fmt.Errorf("report: %s: %d inbound posts listed, the leaderboard counts %d", b.ID, len(posts), r.Me.Inbound)
	}
	r.Days = days(o.Week, posts)
	r.FRTBins = frtBins(posts)

	if r.Reasons, err = analytics.RecurringReasons(ctx, conn, db, reg, analytics.Query{Brands: []string{b.ID}}, o.Week.Since()); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if r.Products, err = readProducts(ctx, conn, db, b.ID, reg, o.Week); err != nil {
		return nil, err
	}
	if r.Crises, err = readCrises(ctx, conn, db, b.ID, o.Week, o.Examples); err != nil {
		return nil, err
	}
	if err := fillReplies(ctx, conn, db, b.ID, o.Week, o.Examples, r); err != nil {
		return nil, err
	}
	if r.Coverage, err = readCoverage(ctx, conn, db, b.ID, o.Week); err != nil {
		return nil, err
	}
	r.Coverage.Platforms = r.Me.Platforms
	return r, nil
}

// peers are the brand and its competitors with inbound posts this week,
// ranked by score among themselves (the brand's own rank equals the
// leaderboard's rank_competitors), with last week's rank in the same set.
func peers(reg *registry.Registry, me string, ids []string, cur, prev []analytics.ExtRow) []Peer {
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	set := func(rows []analytics.ExtRow) map[string]int {
		scores := map[string]*float64{}
		for _, r := range rows {
			if in[r.Brand] {
				scores[r.Brand] = r.Score
			}
		}
		var members []string
		for id := range scores {
			members = append(members, id)
		}
		return analytics.Ranks(scores, func(string) []string { return members })
	}
	rankNow, rankPrev := set(cur), set(prev)
	var out []Peer
	for _, row := range cur {
		if !in[row.Brand] {
			continue
		}
		p := Peer{ExtRow: row, Me: row.Brand == me, PrevRank: rankPrev[row.Brand], Name: row.Brand}
		p.RankCompetitors = rankNow[row.Brand]
		if rb, ok := reg.ByID(row.Brand); ok && rb.Name != "" {
			p.Name = shortName(rb.Name)
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := out[i].RankCompetitors, out[j].RankCompetitors
		if (ri == 0) != (rj == 0) {
			return rj == 0
		}
		if ri != rj {
			return ri < rj
		}
		return out[i].Brand < out[j].Brand
	})
	return out
}

// shortName drops a registry name's long tail ("KLM Royal Dutch Airlines"
// stays whole; names are short enough as they are): the display name is
// used as is.
func shortName(s string) string { return s }

// days splits the brand's inbound posts by UTC day: volume, answered and
// the median FRT of the day's answered posts (as of the week's end, the
// leaderboard's definition).
func days(w Week, posts []inboundPost) []DayPoint {
	out := make([]DayPoint, 7)
	frts := make([][]float64, 7)
	for i := range out {
		out[i].Day = w.Since().AddDate(0, 0, i)
	}
	start := w.Since().UnixMilli()
	for _, p := range posts {
		d := int((p.ts - start) / (24 * 3600 * 1000))
		if d < 0 || d > 6 {
			continue
		}
		out[d].Inbound++
		if p.answered {
			out[d].Answered++
			frts[d] = append(frts[d], float64(p.frtMS)/1000)
		}
	}
	for i := range out {
		out[i].FRTMedianSeconds, _ = analytics.MedianP90(frts[i])
	}
	return out
}

// frtBinEdges are the FRT distribution's bars, in seconds.
var frtBinEdges = []struct {
	label    string
	from, to float64
}{
	{"< 5 min", 0, 300},
	{"5–15 min", 300, 900},
	{"15–60 min", 900, 3600},
	{"1–4 h", 3600, 4 * 3600},
	{"4–24 h", 4 * 3600, 24 * 3600},
	{"> 24 h", 24 * 3600, math.Inf(1)},
}

// frtBins is the distribution of the brand's first response times, with
// the unanswered posts as a last bar; shares are of all inbound posts.
func frtBins(posts []inboundPost) []Bin {
	out := make([]Bin, 0, len(frtBinEdges)+1)
	for _, e := range frtBinEdges {
		out = append(out, Bin{Label: e.label, From: e.from, To: e.to})
	}
	out = append(out, Bin{Label: "not answered", Unanswered: true})
	for _, p := range posts {
		if !p.answered {
			out[len(out)-1].Posts++
			continue
		}
		s := float64(p.frtMS) / 1000
		for i := range frtBinEdges {
			if s >= out[i].From && s < out[i].To {
				out[i].Posts++
				break
			}
		}
	}
	for i := range out {
		if len(posts) > 0 {
			out[i].Share = float64(out[i].Posts) / float64(len(posts))
		}
	}
	return out
}

// fillReplies reads the brand's replies of the week: the best and worst by
// empathy, the cut-and-paste groups and the deflection examples.
func fillReplies(ctx context.Context, conn driver.Conn, db, brand string, w Week, n int, r *Report) error {
	all, hq, err := readReplies(ctx, conn, db, brand, w)
	if err != nil {
		return err
	}
	r.AllReplies = len(all)
	var scored, deflected []Reply
	byText := map[string]*CannedGroup{}
	defl := map[string]int{}
	for i, rep := range all {
		if hq[i] != 1 {
			continue
		}
		scored = append(scored, rep)
		if rep.Canned >= analytics.CannedThreshold {
			r.CannedReplies++
			k := normaliseReply(rep.Text)
			if g := byText[k]; g != nil {
				g.Count++
			} else {
				byText[k] = &CannedGroup{Text: rep.Text, Count: 1}
			}
		}
		if rep.Deflection != "" && rep.Deflection != "none" {
			deflected = append(deflected, rep)
			defl[rep.Deflection]++
		}
	}
	r.QualityReplies = len(scored)
	// Best: highest empathy, earliest first on ties; worst: lowest.
	best := append([]Reply(nil), scored...)
	sort.SliceStable(best, func(i, j int) bool { return best[i].Empathy > best[j].Empathy })
	worst := append([]Reply(nil), scored...)
	sort.SliceStable(worst, func(i, j int) bool { return worst[i].Empathy < worst[j].Empathy })
	r.Best = head(best, n)
	// The worst list never repeats a best reply (a week with few replies).
	shown := map[string]bool{}
	for _, b := range r.Best {
		shown[b.ID] = true
	}
	for _, x := range worst {
		if len(r.Worst) == n {
			break
		}
		if !shown[x.ID] {
			r.Worst = append(r.Worst, x)
		}
	}
	for _, g := range byText {
		if g.Count >= 2 {
			r.Canned = append(r.Canned, *g)
		}
	}
	sort.Slice(r.Canned, func(i, j int) bool {
		if r.Canned[i].Count != r.Canned[j].Count {
			return r.Canned[i].Count > r.Canned[j].Count
		}
		return r.Canned[i].Text < r.Canned[j].Text
	})
	r.Canned = head(r.Canned, n+2)
	for ch, k := range defl {
		r.DeflectionBy = append(r.DeflectionBy, Count{Label: ch, N: k})
	}
	sort.Slice(r.DeflectionBy, func(i, j int) bool {
		if r.DeflectionBy[i].N != r.DeflectionBy[j].N {
			return r.DeflectionBy[i].N > r.DeflectionBy[j].N
		}
		return r.DeflectionBy[i].Label < r.DeflectionBy[j].Label
	})
	// Deflection examples: one per channel first, most used channel first.
	seen := map[string]bool{}
	for _, c := range r.DeflectionBy {
		for _, d := range deflected {
			if d.Deflection == c.Label && !seen[c.Label] && len(r.Deflections) < n {
				r.Deflections = append(r.Deflections, d)
				seen[c.Label] = true
			}
		}
	}
	// The posts they answered.
	var ids []string
	for _, set := range [][]Reply{r.Best, r.Worst, r.Deflections} {
		for _, x := range set {
			ids = append(ids, x.ParentID)
		}
	}
	texts, err := readTexts(ctx, conn, db, ids, w.Since().AddDate(0, 0, -14), w.Until())
	if err != nil {
		return err
	}
	for _, set := range [][]Reply{r.Best, r.Worst, r.Deflections} {
		for i := range set {
			set[i].ParentText = texts[set[i].ParentID]
		}
	}
	return nil
}

func head[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

var (
	handleRe  = regexp.MustCompile(`@[A-Za-z0-9_]+`)
	urlRe     = regexp.MustCompile(`https?://\S+`)
	digitsRe  = regexp.MustCompile(`[0-9]+`)
	sigRe     = regexp.MustCompile(`\s*(\^|[-–—/])\s*[A-Za-z]{1,12}\s*$`)
	greetRe   = regexp.MustCompile(`^(hi|hello|hey|dear)\s+[a-z]+\b`)
	spaceRe   = regexp.MustCompile(`\s+`)
	trimChars = " \t\n,.!"
)

// normaliseReply is the key cut-and-paste replies are grouped by: the
// text without @handles, URLs, numbers, a greeting's name and a trailing
// agent signature, in lower case.
func normaliseReply(s string) string {
	s = handleRe.ReplaceAllString(s, "")
	s = urlRe.ReplaceAllString(s, "<url>")
	s = sigRe.ReplaceAllString(s, "")
	s = strings.ToLower(strings.Trim(s, trimChars))
	s = digitsRe.ReplaceAllString(s, "#")
	s = greetRe.ReplaceAllString(s, "$1 <name>")
	return spaceRe.ReplaceAllString(s, " ")
}
