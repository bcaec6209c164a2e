package report

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/registry"
)

var (
	identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	brandRe = regexp.MustCompile(`^[a-z0-9_]+$`)
)

// The queries below run on ClickHouse 18.16 and current releases: no
// window functions, no JSON functions, no DateTime64, aliased subqueries,
// deduplication by id with argMax(…, version).

const msCol = "(toInt64(toUInt32(created_at)) * 1000 + created_ms)"

// inboundPostsSQL lists the brand's inbound posts of the week (the
// leaderboard's definition, analytics.InboundPostsSQL): ts (ms),
// has_reply, frt (ms).
func inboundPostsSQL(db string, s analytics.Scope) (string, error) {
	in, err := analytics.InboundPostsSQL(db, s)
	if err != nil {
		return "", err
	}
	return "SELECT ts, has_reply, frt FROM (" + in + ") AS posts ORDER BY ts, mention_id", nil
}

// repliesSQL lists the brand's replies created in [since, until), the
// newest version of each: id, url, platform, ts (ms), text, in_reply_to,
// has_reply_quality, empathy, part names and scores, deflection, canned,
// canned_dups. Placeholders: since, until (DateTime seconds), brand,
// brand, since ms, until ms.
const repliesSQL = `
SELECT id, url, platform, ts, txt, parent, hq, empathy, part_names, part_scores, deflection, canned, dups
FROM
(
    SELECT
        id,
        argMax(url, version) AS url,
        argMax(platform, version) AS platform,
        argMax(` + msCol + `, version) AS ts,
        argMax(text, version) AS txt,
        argMax(in_reply_to, version) AS parent,
        argMax(author_brand, version) AS by_brand,
        argMax(has_reply_quality, version) AS hq,
        argMax(reply_empathy, version) AS empathy,
        argMax(reply_part_name, version) AS part_names,
        argMax(reply_part_score, version) AS part_scores,
        argMax(reply_deflection, version) AS deflection,
        argMax(reply_canned, version) AS canned,
        argMax(reply_canned_dups, version) AS dups
    FROM %[1]s.mentions
    WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?) AND author_brand = ? AND in_reply_to != ''
    GROUP BY id
) AS r
WHERE by_brand = ? AND ts >= ? AND ts < ?
ORDER BY ts, id
`

// textsSQL reads the newest text of some mentions. Placeholders: the
// DateTime bounds, then the ids (%[2]s is the list of ?).
const textsSQL = `
SELECT id, argMax(text, version) AS txt
FROM %[1]s.mentions
WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?) AND id IN (%[2]s)
GROUP BY id
`

// alertsSQL reads every stored version of the brand's incidents that
// overlap [since, until): opened before until and resolved at or after
// since (or still open in their newest version). Placeholders: brand,
// until, since (DateTime), brand.
const alertsSQL = `
SELECT
    incident_id, version, event, kind, severity, status, onset, opened_at, updated_at, resolved_at,
    score, peak_score, volume, expected_volume, peak_volume_ratio, negative_share,
    top_terms, reasons, example_ids, example_texts, summary
FROM %[1]s.alerts
WHERE brand = ? AND incident_id IN
(
    SELECT incident_id
    FROM
    (
        SELECT incident_id, min(onset) AS first_onset, argMax(status, version) AS st, argMax(resolved_at, version) AS res
        FROM %[1]s.alerts
        WHERE brand = ?
        GROUP BY incident_id
    )
    WHERE first_onset < toDateTime(?) AND (st = 'open' OR res >= toDateTime(?))
)
ORDER BY incident_id, version
`

// coverageSQL counts the week's mentions per platform and source (every
// brand), deduplicated by id. Placeholders: since, until (DateTime).
const coverageSQL = `
SELECT platform, source, count() AS n, min(t) AS first, max(t) AS last, max(ing) AS last_ingested, max(enr) AS last_enriched
FROM
(
    SELECT id, argMax(platform, version) AS platform, argMax(source, version) AS source, argMax(created_at, version) AS t,
           argMax(ingested_at, version) AS ing, argMax(enriched_at, version) AS enr
    FROM %[1]s.mentions
    WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?)
    GROUP BY id
) AS m
GROUP BY platform, source
ORDER BY n DESC, platform, source
`

// hoursSQL lists the hours of the week with at least one stored mention.
const hoursSQL = `
SELECT DISTINCT toUInt32(toStartOfHour(created_at)) AS h
FROM %[1]s.mentions
WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?)
ORDER BY h
`

// brandMentionsSQL counts the week's distinct mentions of a brand (any
// direction). Placeholders: brand, since, until (DateTime).
const brandMentionsSQL = `
SELECT uniqExact(mention_id)
FROM %[1]s.mention_brands
WHERE brand = ? AND created_at >= toDateTime(?) AND created_at < toDateTime(?)
`

func runQuery(ctx context.Context, conn driver.Conn, what, sql string, args []any, each func(driver.Rows) error) error {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("report: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return fmt.Errorf("report: %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: %s: %w", what, err)
	}
	return nil
}

// inboundPost is one of the brand's inbound posts.
type inboundPost struct {
	ts       int64 // ms
	answered bool
	frtMS    int64
}

func readInbound(ctx context.Context, conn driver.Conn, db, brand string, w Week) ([]inboundPost, error) {
	scope, err := analytics.LiteralScope(w.Since(), w.Until(), []string{brand}, nil)
	if err != nil {
		return nil, err
	}
	sql, err := inboundPostsSQL(db, scope)
	if err != nil {
		return nil, err
	}
	var out []inboundPost
	err = runQuery(ctx, conn, "inbound posts", sql, nil, func(rs driver.Rows) error {
		var p inboundPost
		var has uint8
		if err := rs.Scan(&p.ts, &has, &p.frtMS); err != nil {
			return err
		}
		p.answered = has == 1
		out = append(out, p)
		return nil
	})
	return out, err
}

// readProducts returns the products of the brand's inbound posts of the
// week, most posts first (ties by name), at most MaxProducts, with last
// week's posts of the same product (matched case-blind), in the registry's
// spelling where it lists the product (analytics.Products).
func readProducts(ctx context.Context, conn driver.Conn, db, brand string, reg *registry.Registry, w Week) ([]ProductCount, error) {
	week := func(w Week) ([]ProductCount, error) {
		rows, err := analytics.Products(ctx, conn, db, reg, analytics.Query{Since: w.Since(), Until: w.Until(), Brands: []string{brand}})
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		out := make([]ProductCount, 0, len(rows))
		for _, r := range rows {
			out = append(out, ProductCount{Product: r.Product, Posts: int(r.Posts), NegativeShare: r.NegativeShare, SentimentMean: r.SentimentMean})
		}
		return out, nil
	}
	cur, err := week(w)
	if err != nil {
		return nil, err
	}
	prev, err := week(w.Prev())
	if err != nil {
		return nil, err
	}
	last := map[string]int{}
	for _, p := range prev {
		last[strings.ToLower(p.Product)] = p.Posts
	}
	for i := range cur {
		cur[i].PrevPosts = last[strings.ToLower(cur[i].Product)]
	}
	sort.SliceStable(cur, func(i, j int) bool {
		if cur[i].Posts != cur[j].Posts {
			return cur[i].Posts > cur[j].Posts
		}
		return cur[i].Product < cur[j].Product
	})
	if len(cur) > MaxProducts {
		cur = cur[:MaxProducts]
	}
	return cur, nil
}

func readReplies(ctx context.Context, conn driver.Conn, db, brand string, w Week) ([]Reply, []uint8, error) {
	s, u := w.Since(), w.Until()
	var out []Reply
	var hq []uint8
	err := runQuery(ctx, conn, "replies", fmt.Sprintf(repliesSQL, db),
		[]any{uint32(s.Unix()), uint32(u.Unix()), brand, brand, s.UnixMilli(), u.UnixMilli()},
		func(rs driver.Rows) error {
			var (
				r      Reply
				ts     int64
				q      uint8
				names  []string
				scores []float64
			)
			if err := rs.Scan(&r.ID, &r.URL, &r.Platform, &ts, &r.Text, &r.ParentID, &q, &r.Empathy, &names, &scores,
				&r.Deflection, &r.Canned, &r.CannedDups); err != nil {
				return err
			}
			r.At = time.UnixMilli(ts).UTC()
			for i, n := range names {
				if i < len(scores) {
					r.Parts = append(r.Parts, Part{Name: n, Points: scores[i]})
				}
			}
			sort.Slice(r.Parts, func(a, b int) bool { return partOrder(r.Parts[a].Name) < partOrder(r.Parts[b].Name) })
			out = append(out, r)
			hq = append(hq, q)
			return nil
		})
	return out, hq, err
}

// partOrder orders the empathy parts as the glossary lists them.
func partOrder(name string) int {
	for i, n := range []string{"acknowledgement", "apology", "personal", "ownership", "next_step", "deflection", "blame"} {
		if n == name {
			return i
		}
	}
	return 100
}

// readTexts returns the texts of ids, looked up among the mentions
// created in [from, to).
func readTexts(ctx context.Context, conn driver.Conn, db string, ids []string, from, to time.Time) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{uint32(from.Unix()), uint32(to.Unix())}
	for _, id := range ids {
		args = append(args, id)
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	err := runQuery(ctx, conn, "post texts", fmt.Sprintf(textsSQL, db, ph), args, func(rs driver.Rows) error {
		var id, txt string
		if err := rs.Scan(&id, &txt); err != nil {
			return err
		}
		out[id] = txt
		return nil
	})
	return out, err
}

type alertVersion struct {
	id, event, kind, severity, status string
	version                           uint64
	onset, opened, updated, resolved  time.Time
	score, peak, expected, ratio, neg float64
	volume                            uint32
	terms, reasons, exIDs, exTexts    []string
	summary                           string
}

func readCrises(ctx context.Context, conn driver.Conn, db, brand string, w Week, examples int) ([]Crisis, error) {
	var vs []alertVersion
	err := runQuery(ctx, conn, "alerts", fmt.Sprintf(alertsSQL, db),
		[]any{brand, brand, uint32(w.Until().Unix()), uint32(w.Since().Unix())},
		func(rs driver.Rows) error {
			var v alertVersion
			if err := rs.Scan(&v.id, &v.version, &v.event, &v.kind, &v.severity, &v.status, &v.onset, &v.opened, &v.updated, &v.resolved,
				&v.score, &v.peak, &v.volume, &v.expected, &v.ratio, &v.neg, &v.terms, &v.reasons, &v.exIDs, &v.exTexts, &v.summary); err != nil {
				return err
			}
			vs = append(vs, v)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return crisesFromVersions(vs, examples), nil
}

// crisesFromVersions folds the stored versions (sorted by incident and
// version) into crises with a condensed timeline: the open, every
// severity change, the peak score and the resolve.
func crisesFromVersions(vs []alertVersion, examples int) []Crisis {
	// A version stored twice (detect re-run over the same period) counts once.
	uniq := vs[:0:0]
	for i, v := range vs {
		if i > 0 && v.id == vs[i-1].id && v.version == vs[i-1].version && v.event == vs[i-1].event && v.updated.Equal(vs[i-1].updated) {
			continue
		}
		uniq = append(uniq, v)
	}
	vs = uniq
	var out []Crisis
	for i := 0; i < len(vs); {
		j := i
		for j < len(vs) && vs[j].id == vs[i].id {
			j++
		}
		group := vs[i:j]
		last := group[len(group)-1]
		c := Crisis{
			ID: last.id, Kind: last.kind, Severity: last.severity, Status: last.status,
			Onset: group[0].onset.UTC(), UpdatedAt: last.updated.UTC(),
			PeakScore: last.peak, PeakVolumeRatio: last.ratio, Summary: last.summary,
			Terms: last.terms, Reasons: last.reasons,
		}
		if last.status == "resolved" && last.resolved.Unix() > 0 {
			r := last.resolved.UTC()
			c.ResolvedAt = &r
		}
		// Example posts, each text once (templated complaints repeat).
		seenText := map[string]bool{}
		for k := range last.exIDs {
			if len(c.Examples) >= examples {
				break
			}
			txt := ""
			if k < len(last.exTexts) {
				txt = last.exTexts[k]
			}
			if seenText[txt] {
				continue
			}
			seenText[txt] = true
			c.Examples = append(c.Examples, ExamplePost{ID: last.exIDs[k], Text: txt})
		}
		peak := 0
		for k, v := range group {
			if v.score > group[peak].score {
				peak = k
			}
		}
		// The alerts table keeps one row per version until ClickHouse merges
		// them (ReplacingMergeTree on the incident id); when the opening
		// version is merged away, its time is still known from opened_at.
		if group[0].event != "open" {
			c.Timeline = append(c.Timeline, CrisisEvent{At: group[0].opened.UTC(), Event: "open", Condensed: true})
		}
		prevSev := ""
		for k, v := range group {
			ev := ""
			switch {
			case v.event == "open":
				ev = "open"
			case v.event == "resolve":
				ev = "resolve"
			case k == 0:
				ev = "update"
			case v.severity != prevSev:
				ev = "escalated"
			case k == peak:
				ev = "peak"
			}
			prevSev = v.severity
			if ev == "" {
				continue
			}
			c.Timeline = append(c.Timeline, CrisisEvent{At: v.updated.UTC(), Event: ev, Severity: v.severity, Volume: v.volume,
				ExpectedVolume: v.expected, NegativeShare: v.neg, Score: v.score})
		}
		out = append(out, c)
		i = j
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Onset.Before(out[b].Onset) })
	return out
}

func readCoverage(ctx context.Context, conn driver.Conn, db, brand string, w Week) (Coverage, error) {
	var c Coverage
	args := []any{uint32(w.Since().Unix()), uint32(w.Until().Unix())}
	err := runQuery(ctx, conn, "coverage", fmt.Sprintf(coverageSQL, db), args, func(rs driver.Rows) error {
		var s SourceCount
		var ing, enr time.Time
		if err := rs.Scan(&s.Platform, &s.Source, &s.Mentions, &s.First, &s.Last, &ing, &enr); err != nil {
			return err
		}
		s.First, s.Last = s.First.UTC(), s.Last.UTC()
		c.Sources = append(c.Sources, s)
		c.Mentions += s.Mentions
		if ing.After(c.LastIngested) {
			c.LastIngested = ing.UTC()
		}
		if enr.After(c.LastEnriched) {
			c.LastEnriched = enr.UTC()
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	have := map[int64]bool{}
	err = runQuery(ctx, conn, "coverage hours", fmt.Sprintf(hoursSQL, db), args, func(rs driver.Rows) error {
		var h uint32
		if err := rs.Scan(&h); err != nil {
			return err
		}
		have[int64(h)] = true
		return nil
	})
	if err != nil {
		return c, err
	}
	c.Gaps = gaps(w.Since(), w.Until(), have)
	err = runQuery(ctx, conn, "brand mentions", fmt.Sprintf(brandMentionsSQL, db),
		[]any{brand, uint32(w.Since().Unix()), uint32(w.Until().Unix())}, func(rs driver.Rows) error {
			return rs.Scan(&c.BrandMentions)
		})
	return c, err
}

// gaps returns the runs of hours in [since, until) absent from have (Unix
// seconds of hour starts).
func gaps(since, until time.Time, have map[int64]bool) []Gap {
	var out []Gap
	inGap := false
	for h := since.Truncate(time.Hour); h.Before(until); h = h.Add(time.Hour) {
		switch {
		case have[h.Unix()]:
			inGap = false
		case inGap:
			out[len(out)-1].To = h.Add(time.Hour)
		default:
			out = append(out, Gap{From: h, To: h.Add(time.Hour)})
			inGap = true
		}
	}
	return out
}
