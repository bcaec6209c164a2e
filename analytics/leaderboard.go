// Package analytics computes earshot's metrics in ClickHouse: the
// per-brand responsiveness leaderboard, with exactly the definitions of
// the project's metric glossary.
package analytics

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/storage"
)

// Query selects the leaderboard period [Since, Until), computed as of
// Until, and optionally some brands (registry ids; empty means all).
type Query struct {
	Since, Until time.Time
	Brands       []string
}

// Row is one brand's line of the leaderboard. The counts come from
// ClickHouse; the ratios are computed from them. A ratio whose denominator
// is 0, and FRT statistics without an answered post, are nil (undefined).
type Row struct {
	Brand    string
	Inbound  uint64 // inbound posts in [Since, Until)
	Answered uint64 // inbound posts with ≥ 1 brand reply before Until
	Pending  uint64 // unanswered inbound posts younger than 24 h at Until

	// Numerators and denominators of the ratios.
	RespondedIn24h, OlderThan24h uint64
	RespondedIn15m, OlderThan15m uint64
	RespondedIn60m, OlderThan60m uint64

	ResponseRate *float64 // RespondedIn24h / OlderThan24h
	SLA15        *float64 // RespondedIn15m / OlderThan15m
	SLA60        *float64 // RespondedIn60m / OlderThan60m
	// First response time over answered posts, in seconds (millisecond
	// resolution): the classical median and the nearest-rank p90.
	FRTMedianSeconds *float64
	FRTP90Seconds    *float64
}

// The DateTime range the query can express.
var (
	minTime = time.Unix(0, 0)
	maxTime = time.Unix(1<<32-2, 0)
)

var (
	identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	brandRe = regexp.MustCompile(`^[a-z0-9_]+$`)
)

// Validate names what is wrong with the query.
func (q Query) Validate() error {
	if q.Since.IsZero() || q.Until.IsZero() {
		return errors.New("leaderboard: since and until are required")
	}
	if !q.Since.Before(q.Until) {
		return fmt.Errorf("leaderboard: since %s is not before until %s", q.Since.Format(time.RFC3339), q.Until.Format(time.RFC3339))
	}
	if q.Since.Before(minTime) || q.Until.After(maxTime) {
		return fmt.Errorf("leaderboard: period %s – %s is outside 1970–2106", q.Since.Format(time.RFC3339), q.Until.Format(time.RFC3339))
	}
	for _, b := range q.Brands {
		if !brandRe.MatchString(b) {
			return fmt.Errorf("leaderboard: brand %q is not a registry id ([a-z0-9_]+)", b)
		}
	}
	return nil
}

// Milliseconds in the windows of the definitions.
const (
	day    = int64(24 * time.Hour / time.Millisecond)
	hour   = int64(time.Hour / time.Millisecond)
	min15  = int64(15 * time.Minute / time.Millisecond)
	msExpr = "(toInt64(toUInt32(created_at)) * 1000 + created_ms)"
)

// leaderboardSQL is the query. Placeholders: %[1]s database, %[2]s the
// brand filter on mention_brands (brand), %[3]s the brand filter on
// replies (author_brand). Positional args, in order: see Leaderboard.
//
// Every level deduplicates by id: a (brand, mention) of mention_brands and
// a reply id of replies count once whatever the merges did, with the
// fields of the newest version. Times are milliseconds since the epoch.
// The first reply per post is a join of the inbound posts with the minimum
// reply time per (brand, replied-to id). Medians and p90 come from sorted
// arrays: quantileExact's convention is not the glossary's. The parents
// of the brands' replies are joined with ANY LEFT JOIN (unmatched rows
// dropped): on current ClickHouse ANY INNER JOIN keeps one left row per
// right key, so a post answered by two brands would count for one.
const leaderboardSQL = aggHeadSQL + rawPostsSQL + aggTailSQL

// aggHeadSQL and aggTailSQL are the per-brand aggregation around the
// per-post rows (brand, mention_id, ts, has_reply, frt).
const aggHeadSQL = `
SELECT
    brand, n_inbound, n_answered, n_pending,
    n_rr_num, n_rr_den, n_sla15_num, n_sla15_den, n_sla60_num, n_sla60_den,
    n_frt, median_ms, p90_ms
FROM
(
SELECT
    brand,
    count() AS n_inbound,
    countIf(has_reply = 1) AS n_answered,
    countIf(has_reply = 0 AND ts > ? - %[4]d) AS n_pending,
    countIf(ts <= ? - %[4]d AND has_reply = 1 AND frt <= %[4]d) AS n_rr_num,
    countIf(ts <= ? - %[4]d) AS n_rr_den,
    countIf(ts <= ? - %[5]d AND has_reply = 1 AND frt <= %[5]d) AS n_sla15_num,
    countIf(ts <= ? - %[5]d) AS n_sla15_den,
    countIf(ts <= ? - %[6]d AND has_reply = 1 AND frt <= %[6]d) AS n_sla60_num,
    countIf(ts <= ? - %[6]d) AS n_sla60_den,
    arraySort(groupArrayIf(frt, has_reply = 1)) AS frts,
    length(frts) AS n_frt,
    if(n_frt = 0, 0,
       if(n_frt %% 2 = 1, toFloat64(frts[intDiv(n_frt + 1, 2)]),
          (toFloat64(frts[intDiv(n_frt, 2)]) + toFloat64(frts[intDiv(n_frt, 2) + 1])) / 2)) AS median_ms,
    if(n_frt = 0, 0, toFloat64(frts[intDiv(9 * n_frt + 9, 10)])) AS p90_ms
FROM
(`

// rawPostsSQL is the per-post rows computed from the raw tables.
const rawPostsSQL = `
    SELECT brand, mention_id, ts, has_reply, if(reply_ts > ts, reply_ts - ts, 0) AS frt
    FROM
    (
        -- Inbound posts: customer posts (written by no brand's official
        -- account) addressed to the brand, or that the brand replied to.
        SELECT brand, mention_id, any(ts) AS ts
        FROM
        (
            SELECT brand, mention_id, ts
            FROM
            (
                SELECT
                    brand,
                    mention_id,
                    argMax(` + msExpr + `, version) AS ts,
                    argMax(author_brand, version) AS by_brand,
                    max(addressed) AS is_addressed
                FROM %[1]s.mention_brands
                WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?) %[2]s%[8]s
                GROUP BY brand, mention_id
            )
            WHERE ts >= ? AND ts < ? AND by_brand = '' AND is_addressed = 1%[10]s
            UNION ALL
            SELECT brand, mention_id, ts
            FROM
            (
                SELECT brand, mention_id
                FROM
                (
                    SELECT
                        author_brand AS brand,
                        id,
                        argMax(in_reply_to, version) AS mention_id,
                        argMax(` + msExpr + `, version) AS rts
                    FROM %[1]s.replies
                    WHERE created_at < toDateTime(?) %[3]s AND in_reply_to IN %[7]s
                    GROUP BY author_brand, id
                )
                WHERE rts < ?
                GROUP BY brand, mention_id
            ) AS replied_to
            ANY LEFT JOIN
            (
                SELECT mention_id, ts, toUInt8(1) AS found
                FROM
                (
                    SELECT
                        id AS mention_id,
                        argMax(` + msExpr + `, version) AS ts,
                        argMax(author_brand, version) AS by_brand
                    FROM %[1]s.mentions
                    WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?)%[9]s
                    GROUP BY id
                )
                WHERE ts >= ? AND ts < ? AND by_brand = ''%[10]s
            ) AS parents USING (mention_id)
            WHERE found = 1
        )
        GROUP BY brand, mention_id
    ) AS inbound
    ANY LEFT JOIN
    (
        SELECT brand, mention_id, min(rts) AS reply_ts, toUInt8(1) AS has_reply
        FROM
        (
            SELECT
                author_brand AS brand,
                id,
                argMax(in_reply_to, version) AS mention_id,
                argMax(` + msExpr + `, version) AS rts
            FROM %[1]s.replies
            WHERE created_at < toDateTime(?) %[3]s AND in_reply_to IN %[7]s
            GROUP BY author_brand, id
        )
        WHERE rts < ?
        GROUP BY brand, mention_id
    ) AS first_reply USING (brand, mention_id)%[11]s`

const aggTailSQL = `
)
GROUP BY brand
) AS per_brand
ORDER BY brand
`

// Leaderboard computes the leaderboard of q from database db: one row per
// brand with at least one inbound post, sorted by brand id.
//
// Times have millisecond resolution: the stored created_at (seconds) plus
// created_ms. Since and Until are truncated to the millisecond.
//
// The posts of the period's longest run of hours rolled up into
// inbound_posts (storage.RollupInboundPosts) are read from that table,
// except those touched since the rollup's last run; the rest comes from
// the raw tables. The rows are the same either way (the table holds the
// same definitions, exactly); the table makes the cost follow the
// period's inbound posts: measured with BenchmarkLeaderboard10M, the last
// 7 days of 10M mentions in 0.21 s instead of 8.3 s.
func Leaderboard(ctx context.Context, conn driver.Conn, db string, q Query) ([]Row, error) {
	if !identRe.MatchString(db) {
		return nil, fmt.Errorf("leaderboard: database %q is not a plain identifier", db)
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	plan, err := planTable(ctx, conn, db, q)
	if err != nil {
		return nil, err
	}
	return runLeaderboard(ctx, conn, db, q, plan)
}

// leaderboardRaw is Leaderboard from the raw tables alone.
func leaderboardRaw(ctx context.Context, conn driver.Conn, db string, q Query) ([]Row, error) {
	if !identRe.MatchString(db) {
		return nil, fmt.Errorf("leaderboard: database %q is not a plain identifier", db)
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return runLeaderboard(ctx, conn, db, q, tablePlan{})
}

func runLeaderboard(ctx context.Context, conn driver.Conn, db string, q Query, plan tablePlan) ([]Row, error) {
	sql, args := leaderboardPlanQuery(db, q, plan)
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("leaderboard: query %s: %w", db, err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var (
			r                                                    Row
			inbound, answered, pending                           uint64
			rrNum, rrDen, sla15Num, sla15Den, sla60Num, sla60Den uint64
			nFRT                                                 uint64
			medianMS, p90MS                                      float64
		)
		if err := rows.Scan(&r.Brand, &inbound, &answered, &pending,
			&rrNum, &rrDen, &sla15Num, &sla15Den, &sla60Num, &sla60Den,
			&nFRT, &medianMS, &p90MS); err != nil {
			return nil, fmt.Errorf("leaderboard: read %s: %w", db, err)
		}
		r = RowFromCounts(r.Brand, inbound, answered, pending, rrNum, rrDen, sla15Num, sla15Den, sla60Num, sla60Den, nFRT, medianMS, p90MS)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("leaderboard: read %s: %w", db, err)
	}
	return out, nil
}

// periodIDsSQL is the set the replies are filtered by: the ids of the
// mentions stored within the period's coarse bounds (placeholders: coarse
// since and until). Every inbound post is such a mention, so a reply to
// anything else joins nothing; and in_reply_to is the platform's parent
// pointer, the same in every version of a reply, so the filter keeps all
// versions of a reply or none and the deduplication is unchanged. The
// result is exactly that of reading every reply, at a cost that follows
// the period instead of the whole history of replies. Measured with
// BenchmarkLeaderboard10M (10M synthetic mentions over 90 days, 1.67M
// brand replies, ClickHouse 18.16 on 2 shared cores): last day 5.2–5.5 s →
// 0.58–0.61 s; last 7 days 7.1–7.7 s → 6.7–6.8 s (there the dedup of the
// period's ~780k posts dominates); same results.
const periodIDsSQL = `(
                SELECT id FROM %[1]s.mentions
                WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?)%[2]s
            )`

// leaderboardQuery returns the SQL and its positional arguments of the
// leaderboard computed from the raw tables alone.
func leaderboardQuery(db string, q Query) (string, []any) {
	return leaderboardPlanQuery(db, q, tablePlan{})
}

// tablePlan is the part of the period read from inbound_posts (migration
// 0004): the posts created in [From, To) (whole hours, all rolled up),
// except those touched in [Watermark, ChangedBefore) when Exclude is set. The rest of
// the period, and those posts, come from the raw tables; with Rest false
// there is no rest (the table covers the whole period and nothing was
// touched since the watermark) and the raw part is left out.
type tablePlan struct {
	From, To  time.Time
	Watermark time.Time
	// ChangedBefore bounds the touched posts: changes recorded from then
	// on are left to the table (the query's snapshot).
	ChangedBefore time.Time
	Exclude       bool
	Rest          bool
}

func (p tablePlan) on() bool { return p.From.Before(p.To) }

// tablePostsSQL is the table's part of the per-post rows, in the raw
// part's columns: %[1]s the database, %[2]d and %[3]d the hours [from,
// to) (seconds), %[4]s the condition excluding the touched posts, %[5]s
// the brand filter, %[6]d until (ms). The conditions inside FINAL are on
// the sorting key only (post_at, brand) and on post_id (the same in every
// version of a row), so they never keep an old version and drop the new
// one; the flags are tested after it.
const tablePostsSQL = `
    UNION ALL
    SELECT brand, mention_id, ts, has_reply, if(has_reply = 1 AND rts > ts, rts - ts, 0) AS frt
    FROM
    (
        SELECT
            brand,
            post_id AS mention_id,
            toInt64(toUInt32(post_at)) * 1000 + post_ms AS ts,
            toInt64(toUInt32(reply_at)) * 1000 + reply_ms AS rts,
            toUInt8(replied = 1 AND rts < %[6]d) AS has_reply,
            addressed, customer
        FROM
        (
            SELECT brand, post_id, post_at, post_ms, addressed, customer, has_reply AS replied, reply_at, reply_ms
            FROM %[1]s.inbound_posts FINAL
            WHERE post_at >= toDateTime(%[2]d) AND post_at < toDateTime(%[3]d)%[4]s %[5]s
        )
    )
    WHERE addressed = 1 OR (customer = 1 AND has_reply = 1)`

// leaderboardPlanQuery returns the SQL and its positional arguments of
// the leaderboard with plan's part read from inbound_posts.
func leaderboardPlanQuery(db string, q Query, plan tablePlan) (string, []any) {
	since, until := q.Since.UnixMilli(), q.Until.UnixMilli()
	// Coarse DateTime bounds for partition and index pruning; the exact
	// millisecond bounds are applied after deduplication.
	sinceS := uint32(floorDiv(since, 1000))
	untilS := uint32(floorDiv(until, 1000) + 1)

	var brandFilter, replyFilter string
	var brandArgs []any
	if len(q.Brands) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(q.Brands)), ", ")
		brandFilter = "AND brand IN (" + ph + ")"
		replyFilter = "AND author_brand IN (" + ph + ")"
		for _, b := range q.Brands {
			brandArgs = append(brandArgs, b)
		}
	}
	var mbCond, mCond, postCond, idsCond, tablePart string
	if plan.on() {
		a, b := plan.From.Unix(), plan.To.Unix()
		touched := fmt.Sprintf("(SELECT post_id FROM %s.inbound_changes WHERE changed_at >= toDateTime(%d) AND changed_at <= toDateTime(%d))", db, plan.Watermark.Unix(), plan.ChangedBefore.Unix())
		orTouched, exclude := "", ""
		if plan.Exclude {
			orTouched = " OR mention_id IN " + touched
			exclude = " AND post_id NOT IN " + touched
		}
		mbCond = fmt.Sprintf(" AND (created_at < toDateTime(%d) OR created_at >= toDateTime(%d)%s)", a, b, orTouched)
		mCond = fmt.Sprintf(" AND (created_at < toDateTime(%d) OR created_at >= toDateTime(%d)%s)", a, b, strings.Replace(orTouched, "mention_id", "id", 1))
		postCond = fmt.Sprintf(" AND (ts < %d OR ts >= %d%s)", a*1000, b*1000, orTouched)
		idsCond = mCond
		tablePart = fmt.Sprintf(tablePostsSQL, db, a, b, exclude, "AND "+inList("brand", q.Brands), until)
	}
	sql := fmt.Sprintf(leaderboardSQL, db, brandFilter, replyFilter, day, min15, hour, fmt.Sprintf(periodIDsSQL, db, idsCond), mbCond, mCond, postCond, tablePart)
	if plan.on() && !plan.Rest {
		sql = fmt.Sprintf(aggHeadSQL+"%[7]s"+aggTailSQL, "", "", "", day, min15, hour, strings.TrimPrefix(tablePart, "\n    UNION ALL"))
		return sql, []any{until, until, until, until, until, until, until}
	}
	// The seven countIf thresholds.
	args := []any{until, until, until, until, until, until, until}
	// Inbound, addressed: coarse bounds, brands, exact bounds.
	args = append(args, sinceS, untilS)
	args = append(args, brandArgs...)
	args = append(args, since, until)
	// Inbound, replied to: the brands' replies before until, joined to
	// their parents in the period.
	args = append(args, untilS)
	args = append(args, brandArgs...)
	args = append(args, sinceS, untilS)
	args = append(args, until, sinceS, untilS, since, until)
	// First reply per post.
	args = append(args, untilS)
	args = append(args, brandArgs...)
	args = append(args, sinceS, untilS)
	args = append(args, until)
	return sql, args
}

// RowFromCounts builds a row from the query's counts: the ratios, and the
// FRT median and p90 (given in milliseconds, defined when nFRT > 0).
func RowFromCounts(brand string, inbound, answered, pending, rrNum, rrDen, sla15Num, sla15Den, sla60Num, sla60Den, nFRT uint64, medianMS, p90MS float64) Row {
	r := Row{
		Brand: brand, Inbound: inbound, Answered: answered, Pending: pending,
		RespondedIn24h: rrNum, OlderThan24h: rrDen,
		RespondedIn15m: sla15Num, OlderThan15m: sla15Den,
		RespondedIn60m: sla60Num, OlderThan60m: sla60Den,
		ResponseRate: ratio(rrNum, rrDen),
		SLA15:        ratio(sla15Num, sla15Den),
		SLA60:        ratio(sla60Num, sla60Den),
	}
	if nFRT > 0 {
		med, p90 := medianMS/1000, p90MS/1000
		r.FRTMedianSeconds, r.FRTP90Seconds = &med, &p90
	}
	return r
}

func ratio(num, den uint64) *float64 {
	if den == 0 {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// planTable chooses the part of q's period read from inbound_posts: the
// longest run of rolled-up hours within it (storage.RollupInboundPosts).
// Without a run of the rollup, or without such hours, the plan is off and
// everything comes from the raw tables.
func planTable(ctx context.Context, conn driver.Conn, db string, q Query) (tablePlan, error) {
	from := q.Since.UTC().Truncate(time.Hour)
	if from.Before(q.Since) {
		from = from.Add(time.Hour)
	}
	to := q.Until.UTC().Truncate(time.Hour)
	if !from.Before(to) {
		return tablePlan{}, nil
	}
	st, err := storage.ReadInboundState(ctx, conn, db, from, to)
	if err != nil {
		return tablePlan{}, fmt.Errorf("leaderboard: %w", err)
	}
	if st.Watermark.IsZero() {
		return tablePlan{}, nil
	}
	var best tablePlan
	for h := from; h.Before(to); {
		if !st.Done[h.Unix()] {
			h = h.Add(time.Hour)
			continue
		}
		e := h
		for e.Before(to) && st.Done[e.Unix()] {
			e = e.Add(time.Hour)
		}
		if e.Sub(h) > best.To.Sub(best.From) {
			best.From, best.To = h, e
		}
		h = e
	}
	if !best.on() {
		return tablePlan{}, nil
	}
	best.Watermark = st.Watermark
	touched, now, err := storage.CountInboundChanges(ctx, conn, db, st.Watermark)
	if err != nil {
		return tablePlan{}, fmt.Errorf("leaderboard: %w", err)
	}
	best.Exclude, best.ChangedBefore = touched > 0, now
	best.Rest = touched > 0 || !best.From.Equal(q.Since) || !best.To.Equal(q.Until)
	return best, nil
}
