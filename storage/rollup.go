package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Rollups (migration 0002).
//
// brand_hourly and brand_reason_hourly are filled by materialized views on
// every insert into mentions. Response times cannot be: the first-response
// time of a post needs the post and its first brand reply, which arrive in
// different inserts, and a view sees one insert at a time. So:
//
//  1. first_responses holds one row per (brand, answered customer post):
//     the post's time, the first reply of the brand's official account
//     and the FRT in milliseconds. RollupFirstResponses computes it for
//     whole hours of posts once they are settled — older than Settle, so
//     that (almost) every reply has arrived: a reply later than Settle
//     after the post's hour is not counted in the rollup (the leaderboard,
//     which reads the raw tables, still sees it).
//  2. brand_frt_hourly is fed from first_responses by a view: per brand
//     and hour of the post, uniq(post) and quantilesTDigest(0.5, 0.9) of
//     the FRT, so that a dashboard's median/p90 over any period is a merge
//     of hourly states.
//  3. rollup_hours records every hour done; an hour is never rolled up
//     twice (a second insert would count its posts twice in the quantile
//     states). Re-running RollupFirstResponses is therefore a no-op for
//     done hours.
//
// The dashboards' quantiles are t-digest approximations; the leaderboard's
// exact median and nearest-rank p90 come from the raw tables.

// DefaultSettle is how long after the end of an hour its posts' first
// responses are computed.
const DefaultSettle = 48 * time.Hour

// frtRollup is the rollup_hours key of the first-response rollup.
const frtRollup = "first_responses"

// firstResponsesSQL inserts the first responses of the customer posts
// created in [?, ?) (DateTime seconds), counting brand replies created
// before ? (the settle limit). %[1]s is the database.
const firstResponsesSQL = `
INSERT INTO %[1]s.first_responses (brand, post_id, post_at, post_ms, reply_id, frt_ms, computed_at)
SELECT
    brand,
    mention_id,
    toDateTime(intDiv(ts, 1000)),
    toUInt16(ts %% 1000),
    reply_id,
    toUInt64(if(reply_ts > ts, reply_ts - ts, 0)),
    now()
FROM
(
    SELECT id AS mention_id, ts
    FROM
    (
        SELECT
            id,
            argMax(toInt64(toUInt32(created_at)) * 1000 + created_ms, version) AS ts,
            argMax(author_brand, version) AS by_brand
        FROM %[1]s.mentions
        WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?)
        GROUP BY id
    )
    WHERE by_brand = ''
) AS posts
ALL INNER JOIN
(
    SELECT brand, mention_id, min(rts) AS reply_ts, argMin(id, rts) AS reply_id
    FROM
    (
        SELECT
            author_brand AS brand,
            id,
            argMax(in_reply_to, version) AS mention_id,
            argMax(toInt64(toUInt32(created_at)) * 1000 + created_ms, version) AS rts
        FROM %[1]s.replies
        WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?)
        GROUP BY author_brand, id
    )
    GROUP BY brand, mention_id
) AS first_reply USING (mention_id)
`

// RollupFirstResponses computes the first responses of every settled hour
// of posts in [from, to) that is not done yet, oldest first, and records
// each in rollup_hours. An hour is settled when it ended at least settle
// before now. It returns the hours it rolled up.
func RollupFirstResponses(ctx context.Context, conn driver.Conn, db string, from, to time.Time, settle time.Duration, now time.Time) ([]time.Time, error) {
	if !identRe.MatchString(db) {
		return nil, fmt.Errorf("clickhouse.database: %q is not a plain identifier", db)
	}
	from, to = from.UTC().Truncate(time.Hour), to.UTC().Truncate(time.Hour)
	if lim := now.UTC().Add(-settle).Truncate(time.Hour); to.After(lim) {
		to = lim
	}
	if !from.Before(to) {
		return nil, nil
	}
	done := map[int64]bool{}
	rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT DISTINCT toUInt32(hour) FROM %s.rollup_hours WHERE rollup = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)`, db),
		frtRollup, uint32(from.Unix()), uint32(to.Unix()))
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read %s.rollup_hours: %w", db, err)
	}
	for rows.Next() {
		var h uint32
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return nil, err
		}
		done[int64(h)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []time.Time
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		if done[h.Unix()] {
			continue
		}
		// Runs of pending hours go in one statement; each run is recorded
		// hour by hour right after it.
		end := h.Add(time.Hour)
		for end.Before(to) && !done[end.Unix()] && end.Sub(h) < 31*24*time.Hour {
			end = end.Add(time.Hour)
		}
		sql, args := FirstResponsesQuery(db, h, end, settle)
		if err := conn.Exec(ctx, sql, args...); err != nil {
			return out, fmt.Errorf("clickhouse: roll up first responses %s – %s: %w", h.Format(time.RFC3339), end.Format(time.RFC3339), err)
		}
		if err := recordHours(ctx, conn, db, h, end, now); err != nil {
			return out, err
		}
		for x := h; x.Before(end); x = x.Add(time.Hour) {
			out = append(out, x)
		}
		h = end.Add(-time.Hour)
	}
	return out, nil
}

// FirstResponsesQuery is the INSERT of the first responses of the posts
// created in [from, to) (whole hours), counting the brand replies created
// before to + settle, and its positional arguments.
func FirstResponsesQuery(db string, from, to time.Time, settle time.Duration) (string, []any) {
	replyFrom := from.Add(-time.Hour) // clocks disagree: a reply may carry a time before its post
	replyUntil := to.Add(settle)
	return fmt.Sprintf(firstResponsesSQL, db), []any{uint32(from.Unix()), uint32(to.Unix()), uint32(replyFrom.Unix()), uint32(replyUntil.Unix())}
}

func recordHours(ctx context.Context, conn driver.Conn, db string, from, to, now time.Time) error {
	b, err := conn.PrepareBatch(ctx, fmt.Sprintf(`INSERT INTO %s.rollup_hours (rollup, hour, done_at)`, db))
	if err != nil {
		return fmt.Errorf("clickhouse: record rollup hours: %w", err)
	}
	defer b.Abort()
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		if err := b.Append(frtRollup, h, now.UTC()); err != nil {
			return err
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("clickhouse: record rollup hours: %w", err)
	}
	return nil
}

// BackfillRollups fills brand_hourly and brand_reason_hourly from the
// mentions already stored (their views see only new inserts). The counts
// are uniq states, so rows the views also counted count once; run it once,
// right after `earshot migrate up` on a database that holds data.
func BackfillRollups(ctx context.Context, conn driver.Conn, db string) error {
	if !identRe.MatchString(db) {
		return fmt.Errorf("clickhouse.database: %q is not a plain identifier", db)
	}
	for _, q := range BackfillRollupsSQL(db) {
		if err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("clickhouse: backfill rollups: %w", err)
		}
	}
	return nil
}

// BackfillRollupsSQL are BackfillRollups' statements.
func BackfillRollupsSQL(db string) []string {
	return []string{
		fmt.Sprintf(`INSERT INTO %[1]s.brand_hourly (brand, hour, mentions, inbound, outbound, negative, positive, neutral, sentiment)
SELECT
    brand,
    toStartOfHour(created_at) AS hour,
    uniqState(id),
    uniqStateIf(id, author_brand = '' AND arrayExists((b, a) -> ((b = brand) AND (a = 1)), brands, brand_addressed)),
    uniqStateIf(id, author_brand = brand),
    uniqStateIf(id, sentiment_label = 'negative'),
    uniqStateIf(id, sentiment_label = 'positive'),
    uniqStateIf(id, sentiment_label = 'neutral'),
    avgState(sentiment_compound)
FROM %[1]s.mentions
ARRAY JOIN arrayDistinct(brands) AS brand
GROUP BY brand, hour`, db),
		fmt.Sprintf(`INSERT INTO %[1]s.brand_reason_hourly (brand, hour, reason, mentions)
SELECT
    arrayJoin(arrayDistinct(brands)) AS brand,
    toStartOfHour(created_at) AS hour,
    arrayJoin(contact_reason) AS reason,
    uniqState(id)
FROM %[1]s.mentions
WHERE author_brand = ''
GROUP BY brand, hour, reason`, db),
	}
}

// HourlyVolume is one brand's rolled-up numbers over a period.
type HourlyVolume struct {
	Brand                       string
	Mentions, Inbound, Outbound uint64
	Negative, Positive, Neutral uint64
	AvgSentiment                float64
}

// VolumeSQL reads brand_hourly over [?, ?) (DateTime seconds, whole hours).
func VolumeSQL(db string) string {
	return fmt.Sprintf(`
SELECT brand,
    uniqMerge(mentions), uniqMerge(inbound), uniqMerge(outbound),
    uniqMerge(negative), uniqMerge(positive), uniqMerge(neutral),
    avgMerge(sentiment)
FROM %s.brand_hourly
WHERE hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY brand
ORDER BY brand`, db)
}

// Volume reads the per-brand volumes of [since, until) from the rollup
// (hours are whole: since and until are truncated to the hour).
func Volume(ctx context.Context, conn driver.Conn, db string, since, until time.Time) ([]HourlyVolume, error) {
	if !identRe.MatchString(db) {
		return nil, fmt.Errorf("clickhouse.database: %q is not a plain identifier", db)
	}
	rows, err := conn.Query(ctx, VolumeSQL(db), uint32(since.Truncate(time.Hour).Unix()), uint32(until.Truncate(time.Hour).Unix()))
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read %s.brand_hourly: %w", db, err)
	}
	defer rows.Close()
	var out []HourlyVolume
	for rows.Next() {
		var v HourlyVolume
		if err := rows.Scan(&v.Brand, &v.Mentions, &v.Inbound, &v.Outbound, &v.Negative, &v.Positive, &v.Neutral, &v.AvgSentiment); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ResponseTimes is one brand's rolled-up first responses over a period.
type ResponseTimes struct {
	Brand           string
	Answered        uint64
	MedianMS, P90MS float64
}

// ResponseTimesSQL reads brand_frt_hourly over [?, ?) (hours of the
// posts).
func ResponseTimesSQL(db string) string {
	return fmt.Sprintf(`
SELECT brand, uniqMerge(answered), arrayMap(x -> toFloat64(x), quantilesTDigestMerge(0.5, 0.9)(frt))
FROM %s.brand_frt_hourly
WHERE hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY brand
ORDER BY brand`, db)
}

// ResponseTimesOf reads the rolled-up first responses of the posts of
// [since, until) (whole hours).
func ResponseTimesOf(ctx context.Context, conn driver.Conn, db string, since, until time.Time) ([]ResponseTimes, error) {
	if !identRe.MatchString(db) {
		return nil, fmt.Errorf("clickhouse.database: %q is not a plain identifier", db)
	}
	rows, err := conn.Query(ctx, ResponseTimesSQL(db), uint32(since.Truncate(time.Hour).Unix()), uint32(until.Truncate(time.Hour).Unix()))
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read %s.brand_frt_hourly: %w", db, err)
	}
	defer rows.Close()
	var out []ResponseTimes
	for rows.Next() {
		var r ResponseTimes
		var q []float64
		if err := rows.Scan(&r.Brand, &r.Answered, &q); err != nil {
			return nil, err
		}
		if len(q) == 2 {
			r.MedianMS, r.P90MS = q[0], q[1]
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
