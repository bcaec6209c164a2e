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
// exact median and nearest-rank p90 come from inbound_posts (exact, see
// RollupInboundPosts) and the raw tables.

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

// Inbound posts (migration 0004).
//
// inbound_posts is the leaderboard's exact per-post table: one row per
// (brand, customer post) inbound for the brand, with the post's time and
// the brand's first reply (see 0004_inbound_posts.up.sql). Unlike the
// other rollups it holds no approximation, so the leaderboard gives the
// same numbers with it as from the raw tables, byte for byte.
//
// RollupInboundPosts keeps it current:
//
//  1. It takes the server's clock R at the start of the run.
//  2. Posts of hours done before, that inserts touched since the previous
//     run's watermark (inbound_changes, fed at insert time by a view),
//     are computed again from the raw tables: a late reply, a new version
//     of a post, a re-delivery. Their old rows are first overwritten with
//     "not inbound" rows, so that a post that stopped being inbound for a
//     brand drops out.
//  3. Every whole hour of posts in the lookback that ended before R −
//     settle and is not done yet is computed, and recorded in rollup_hours
//     (rollup "inbound_posts").
//  4. The watermark R − margin is recorded (rollup "inbound_posts:run").
//
// The leaderboard reads a period's longest run of done hours from the
// table, except the posts touched since the watermark, and computes those
// and the rest of the period from the raw tables. Margin covers inserts
// still in flight while the run reads (an insert's changes are stamped
// when its views run, before it commits).
const (
	// InboundPostsRollup is the rollup_hours key of the done hours.
	InboundPostsRollup = "inbound_posts"
	// InboundWatermarkRollup is the rollup_hours key of the runs: hour is
	// the watermark (changes at or after it are not in the table yet).
	InboundWatermarkRollup = "inbound_posts:run"
	// DefaultInboundSettle is how long after the end of an hour its posts
	// are first computed (later changes are picked up by the next runs).
	DefaultInboundSettle = 5 * time.Minute
	// DefaultInboundMargin is how far before a run's start its watermark
	// is set: longer than any insert into mentions takes.
	DefaultInboundMargin = 2 * time.Minute
	// maxInboundChunk bounds the hours of posts one statement computes
	// (memory on the server).
	maxInboundChunk = 7 * 24 * time.Hour
)

// inboundPostsSQL inserts the inbound-post rows of the posts created in
// [?, ?) (DateTime seconds). %[1]s is the database, %[2]s an extra
// condition on the posts' ids (column mention_id on mention_brands, id on
// mentions, in_reply_to on replies), %[3]d the version.
//
// The definitions are the leaderboard's (analytics.Leaderboard) without
// the period's end: addressed = the brand's row of mention_brands,
// deduplicated, is a customer post addressed to it; customer = the post,
// deduplicated, has no author brand; the first reply is the earliest of
// the brand's replies to it, each deduplicated by id. A pair is kept when
// it is addressed, or a customer post the brand answered.
const inboundPostsSQL = `
INSERT INTO %[1]s.inbound_posts (brand, post_id, post_at, post_ms, addressed, customer, has_reply, reply_at, reply_ms, version)
SELECT
    brand, mention_id,
    toDateTime(intDiv(ts, 1000)), toUInt16(ts %% 1000),
    addressed, customer, has_reply,
    toDateTime(intDiv(reply_ts, 1000)), toUInt16(reply_ts %% 1000),
    toUInt64(%[3]d)
FROM
(
    SELECT brand, mention_id, if(mb_found = 1, mb_ts, m_ts) AS ts,
        toUInt8(mb_found = 1 AND mb_by_brand = '' AND is_addressed = 1) AS addressed,
        toUInt8(m_found = 1 AND m_by_brand = '') AS customer,
        has_reply, reply_ts
    FROM
    (
        SELECT brand, mention_id, mb_found, mb_ts, mb_by_brand, is_addressed, m_found, m_ts, m_by_brand
        FROM
        (
            SELECT brand, mention_id, mb_found, mb_ts, mb_by_brand, is_addressed
            FROM
            (
                SELECT brand, mention_id
                FROM
                (
                    SELECT brand, mention_id
                    FROM %[1]s.mention_brands
                    WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?) %[2]s
                    UNION ALL
                    SELECT brand, mention_id
                    FROM
                    (
                        SELECT author_brand AS brand, id, argMax(in_reply_to, version) AS mention_id
                        FROM %[1]s.replies
                        WHERE in_reply_to IN (SELECT id FROM %[1]s.mentions WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?) %[4]s)
                        GROUP BY author_brand, id
                    )
                )
                GROUP BY brand, mention_id
            ) AS pairs
            ANY LEFT JOIN
            (
                SELECT
                    brand,
                    mention_id,
                    toUInt8(1) AS mb_found,
                    argMax(toInt64(toUInt32(created_at)) * 1000 + created_ms, version) AS mb_ts,
                    argMax(author_brand, version) AS mb_by_brand,
                    max(addressed) AS is_addressed
                FROM %[1]s.mention_brands
                WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?) %[2]s
                GROUP BY brand, mention_id
            ) AS mb USING (brand, mention_id)
        ) AS pair_posts
        ANY LEFT JOIN
        (
            SELECT
                id AS mention_id,
                toUInt8(1) AS m_found,
                argMax(toInt64(toUInt32(created_at)) * 1000 + created_ms, version) AS m_ts,
                argMax(author_brand, version) AS m_by_brand
            FROM %[1]s.mentions
            WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?) %[4]s
            GROUP BY id
        ) AS posts USING (mention_id)
        WHERE mb_found = 1 OR m_found = 1
    ) AS found_posts
    ANY LEFT JOIN
    (
        SELECT brand, mention_id, min(rts) AS reply_ts, toUInt8(1) AS has_reply
        FROM
        (
            SELECT
                author_brand AS brand,
                id,
                argMax(in_reply_to, version) AS mention_id,
                argMax(toInt64(toUInt32(created_at)) * 1000 + created_ms, version) AS rts
            FROM %[1]s.replies
            WHERE in_reply_to IN (SELECT id FROM %[1]s.mentions WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?) %[4]s)
            GROUP BY author_brand, id
        )
        GROUP BY brand, mention_id
    ) AS first_reply USING (brand, mention_id)
)
WHERE ts >= %[5]d AND ts < %[6]d AND (addressed = 1 OR (customer = 1 AND has_reply = 1))
`

// inboundTombstonesSQL overwrites the rows of the posts touched since the
// watermark ? (DateTime) in [?, ?) with "not inbound" rows of version
// %[2]d; the recomputed rows that follow carry a higher version.
const inboundTombstonesSQL = `
INSERT INTO %[1]s.inbound_posts (brand, post_id, post_at, post_ms, addressed, customer, has_reply, reply_at, reply_ms, version)
SELECT brand, post_id, post_at, post_ms, toUInt8(0), toUInt8(0), toUInt8(0), toDateTime(0), toUInt16(0), toUInt64(%[2]d)
FROM %[1]s.inbound_posts
WHERE post_at >= toDateTime(?) AND post_at < toDateTime(?)
    AND post_id IN (SELECT post_id FROM %[1]s.inbound_changes WHERE changed_at >= toDateTime(?))
`

// InboundPostsQuery is the INSERT of the inbound-post rows of the posts
// created in [from, to) with the given version, and its positional
// arguments. With changedSince non-zero only the posts touched since then
// (inbound_changes) are computed.
func InboundPostsQuery(db string, from, to time.Time, version uint64, changedSince time.Time) (string, []any) {
	var mbCond, mCond string
	if !changedSince.IsZero() {
		changed := fmt.Sprintf("(SELECT post_id FROM %s.inbound_changes WHERE changed_at >= toDateTime(%d))", db, changedSince.Unix())
		mbCond = "AND mention_id IN " + changed
		mCond = "AND id IN " + changed
	}
	f, t := uint32(from.Unix()), uint32(to.Unix())
	sql := fmt.Sprintf(inboundPostsSQL, db, mbCond, version, mCond, from.UnixMilli(), to.UnixMilli())
	return sql, []any{f, t, f, t, f, t, f, t, f, t}
}

// InboundTombstonesQuery is the INSERT of the "not inbound" rows (version)
// over the table's rows of the posts created in [from, to) that were
// touched since changedSince, and its positional arguments.
func InboundTombstonesQuery(db string, from, to time.Time, version uint64, changedSince time.Time) (string, []any) {
	return fmt.Sprintf(inboundTombstonesSQL, db, version), []any{uint32(from.Unix()), uint32(to.Unix()), uint32(changedSince.Unix())}
}

// InboundOptions configure RollupInboundPosts.
type InboundOptions struct {
	// Lookback: hours of posts older than this before the run are not
	// computed (default 30 days).
	Lookback time.Duration
	// From, when set, is the first hour of posts to compute instead of
	// the run's start − Lookback.
	From time.Time
	// Settle: an hour is first computed this long after it ended
	// (default DefaultInboundSettle).
	Settle time.Duration
	// Margin: the run's watermark is this long before its start (default
	// DefaultInboundMargin).
	Margin time.Duration
}

func (o *InboundOptions) defaults() {
	if o.Lookback == 0 {
		o.Lookback = 30 * 24 * time.Hour
	}
	if o.Settle == 0 {
		o.Settle = DefaultInboundSettle
	}
	if o.Margin == 0 {
		o.Margin = DefaultInboundMargin
	}
}

// Validate names what is wrong with the options (zero values take the
// defaults).
func (o InboundOptions) Validate() error {
	if o.Lookback < 0 || o.Settle < 0 || o.Margin < 0 {
		return fmt.Errorf("rollup: lookback %s, settle %s and margin %s must not be negative", o.Lookback, o.Settle, o.Margin)
	}
	return nil
}

// InboundRun is what one RollupInboundPosts run did.
type InboundRun struct {
	// Hours are the hours of posts computed for the first time.
	Hours []time.Time
	// Recomputed is true when posts touched since the previous watermark
	// were computed again.
	Recomputed bool
	// Watermark is the run's watermark.
	Watermark time.Time
}

// InboundState is what the leaderboard needs to know of the table: the
// latest watermark (zero before the first run) and which hours are done.
type InboundState struct {
	Watermark time.Time
	Done      map[int64]bool // Unix seconds of the done hours asked for
}

// ReadInboundState reads the watermark and the done hours in [from, to).
func ReadInboundState(ctx context.Context, conn driver.Conn, db string, from, to time.Time) (InboundState, error) {
	st := InboundState{Done: map[int64]bool{}}
	if !identRe.MatchString(db) {
		return st, fmt.Errorf("clickhouse.database: %q is not a plain identifier", db)
	}
	var wm uint32
	var n uint64
	if err := queryOne(ctx, conn, fmt.Sprintf(`SELECT toUInt32(max(hour)), count() FROM %s.rollup_hours WHERE rollup = ?`, db), []any{InboundWatermarkRollup}, &wm, &n); err != nil {
		return st, fmt.Errorf("clickhouse: read the inbound_posts watermark: %w", err)
	}
	if n == 0 {
		return st, nil
	}
	st.Watermark = time.Unix(int64(wm), 0).UTC()
	if !from.Before(to) {
		return st, nil
	}
	rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT DISTINCT toUInt32(hour) FROM %s.rollup_hours WHERE rollup = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)`, db),
		InboundPostsRollup, uint32(from.Unix()), uint32(to.Unix()))
	if err != nil {
		return st, fmt.Errorf("clickhouse: read the inbound_posts hours: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h uint32
		if err := rows.Scan(&h); err != nil {
			return st, err
		}
		st.Done[int64(h)] = true
	}
	return st, rows.Err()
}

// RollupInboundPosts brings inbound_posts up to date (see above): the
// posts touched since the previous run again, then the new settled hours
// of the lookback, then the watermark.
func RollupInboundPosts(ctx context.Context, conn driver.Conn, db string, opt InboundOptions) (InboundRun, error) {
	var run InboundRun
	if !identRe.MatchString(db) {
		return run, fmt.Errorf("clickhouse.database: %q is not a plain identifier", db)
	}
	if err := opt.Validate(); err != nil {
		return run, err
	}
	opt.defaults()
	// The server's clock: inbound_changes is stamped by it.
	var nowS uint32
	if err := conn.QueryRow(ctx, "SELECT toUInt32(now())").Scan(&nowS); err != nil {
		return run, fmt.Errorf("clickhouse: read the server clock: %w", err)
	}
	start := time.Unix(int64(nowS), 0).UTC()
	version := uint64(time.Now().UnixMilli()) * 2
	prev, err := ReadInboundState(ctx, conn, db, time.Time{}, time.Time{})
	if err != nil {
		return run, err
	}
	var lo, hi uint32
	var n uint64
	if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT toUInt32(min(hour)), toUInt32(max(hour)), count() FROM %s.rollup_hours WHERE rollup = ?`, db), InboundPostsRollup).Scan(&lo, &hi, &n); err != nil {
		return run, fmt.Errorf("clickhouse: read the inbound_posts hours: %w", err)
	}
	// 1. Posts of done hours touched since the previous watermark.
	if n > 0 && !prev.Watermark.IsZero() {
		from, to := time.Unix(int64(lo), 0).UTC(), time.Unix(int64(hi), 0).UTC().Add(time.Hour)
		sql, args := InboundTombstonesQuery(db, from, to, version, prev.Watermark)
		if err := conn.Exec(ctx, sql, args...); err != nil {
			return run, fmt.Errorf("clickhouse: reset touched inbound posts: %w", err)
		}
		sql, args = InboundPostsQuery(db, from, to, version+1, prev.Watermark)
		if err := conn.Exec(ctx, sql, args...); err != nil {
			return run, fmt.Errorf("clickhouse: recompute touched inbound posts: %w", err)
		}
		run.Recomputed = true
	}
	// 2. New settled hours.
	from := start.Add(-opt.Lookback).Truncate(time.Hour)
	if !opt.From.IsZero() {
		from = opt.From.UTC().Truncate(time.Hour)
	}
	to := start.Add(-opt.Settle).Truncate(time.Hour)
	if from.Before(to) {
		st, err := ReadInboundState(ctx, conn, db, from, to)
		if err != nil {
			return run, err
		}
		for h := from; h.Before(to); h = h.Add(time.Hour) {
			if st.Done[h.Unix()] {
				continue
			}
			end := h.Add(time.Hour)
			for end.Before(to) && !st.Done[end.Unix()] && end.Sub(h) < maxInboundChunk {
				end = end.Add(time.Hour)
			}
			sql, args := InboundPostsQuery(db, h, end, version+1, time.Time{})
			if err := conn.Exec(ctx, sql, args...); err != nil {
				return run, fmt.Errorf("clickhouse: compute inbound posts %s – %s: %w", h.Format(time.RFC3339), end.Format(time.RFC3339), err)
			}
			if err := recordRollup(ctx, conn, db, InboundPostsRollup, h, end, start); err != nil {
				return run, err
			}
			for x := h; x.Before(end); x = x.Add(time.Hour) {
				run.Hours = append(run.Hours, x)
			}
			h = end.Add(-time.Hour)
		}
	}
	// 3. The watermark.
	run.Watermark = start.Add(-opt.Margin)
	if err := recordRollup(ctx, conn, db, InboundWatermarkRollup, run.Watermark, run.Watermark.Add(time.Second), start); err != nil {
		return run, err
	}
	return run, nil
}

// recordRollup records the rollup's hours [from, to) (step one hour; one
// row when to − from is shorter) as done at now.
func recordRollup(ctx context.Context, conn driver.Conn, db, rollup string, from, to, now time.Time) error {
	b, err := conn.PrepareBatch(ctx, fmt.Sprintf(`INSERT INTO %s.rollup_hours (rollup, hour, done_at)`, db))
	if err != nil {
		return fmt.Errorf("clickhouse: record %s: %w", rollup, err)
	}
	defer b.Abort()
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		if err := b.Append(rollup, h, now.UTC()); err != nil {
			return err
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("clickhouse: record %s: %w", rollup, err)
	}
	return nil
}

// CountInboundChanges counts the post changes recorded at or after since,
// and reads the server's clock: the changes in [since, now) are the posts
// the leaderboard computes from the raw tables (a bound, so that both of
// its parts see the same set).
func CountInboundChanges(ctx context.Context, conn driver.Conn, db string, since time.Time) (uint64, time.Time, error) {
	if !identRe.MatchString(db) {
		return 0, time.Time{}, fmt.Errorf("clickhouse.database: %q is not a plain identifier", db)
	}
	var n uint64
	var now uint32
	if err := queryOne(ctx, conn, fmt.Sprintf(`SELECT (SELECT count() FROM %s.inbound_changes WHERE changed_at >= toDateTime(?) AND changed_at <= now()), toUInt32(now())`, db), []any{uint32(since.Unix())}, &n, &now); err != nil {
		return 0, time.Time{}, fmt.Errorf("clickhouse: count inbound changes: %w", err)
	}
	return n, time.Unix(int64(now), 0).UTC(), nil
}

// queryOne scans the one row of a query (with Query rather than QueryRow:
// what the leaderboard runs needs no more of a connection than Query).
func queryOne(ctx context.Context, conn driver.Conn, sql string, args []any, dest ...any) error {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return fmt.Errorf("no row")
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Err()
}
