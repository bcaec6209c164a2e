package analytics

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/registry"
)

// The recurring contact reasons: per brand and week, how many of the
// brand's inbound posts (InboundPostsSQL, the leaderboard's definition)
// carry each contact reason, against the weeks before. A post with no
// reason counts as UnclassifiedReason; a post with several reasons counts
// once for each.
//
// Weeks are 7-day windows ending at the week's end: calendar weeks (Monday
// 00:00 UTC) for RecurringReasons and the weekly report, the 7 days ending
// at the dashboard's range end (and the windows before) on the dashboard.
// Week 0 is the week itself, week 1 the one before, and so on.
const (
	// ReasonWindowWeeks is the window of the recurring measure:
	// WeeksPresent counts the weeks of the week and the
	// ReasonWindowWeeks − 1 before it in which the reason was seen.
	ReasonWindowWeeks = 8
	// ReasonTrailingWeeks is the number of weeks before the week (weeks 1
	// … ReasonTrailingWeeks) whose mean count is the trailing mean; a week
	// without posts counts 0.
	ReasonTrailingWeeks = 4
	// ReasonGrowthPct and ReasonShrinkPct are the relative changes, in
	// percent, from which a reason is growing (count ≥ (1 + 25 %) × the
	// larger of the previous week's count and the trailing mean) or
	// shrinking (count ≤ (1 − 20 %) × the smaller of the two). +25 % and
	// −20 % are the same ratio (5/4) each way.
	ReasonGrowthPct = 25
	ReasonShrinkPct = 20
	// ReasonMinChange is the smallest absolute change, in posts, against
	// that same reference, so that 1 → 2 posts is not "growing".
	ReasonMinChange = 2
	// UnclassifiedReason is the reason of a post enrich gave none.
	UnclassifiedReason = "unclassified"
)

// The trends, in the order the rules are tried.
const (
	TrendGone      = "gone"      // count 0, previous week > 0
	TrendNew       = "new"       // count > 0, absent from the ReasonWindowWeeks − 1 weeks before
	TrendGrowing   = "growing"   // up on both the previous week and the trailing mean (ReasonGrowthPct, ReasonMinChange)
	TrendShrinking = "shrinking" // down on both (ReasonShrinkPct, ReasonMinChange)
	TrendSteady    = "steady"    // anything else
)

// ReasonTrend is one (brand, contact reason) of a week: listed when the
// reason was seen in the week or in the week before.
type ReasonTrend struct {
	Brand  string
	Reason string
	// Week is the start of the week, Monday 00:00 UTC.
	Week time.Time
	// Count is the week's inbound posts with the reason; PrevCount the
	// week before's; TrailingMean the mean count of the
	// ReasonTrailingWeeks weeks before the week.
	Count, PrevCount uint64
	TrailingMean     float64
	// WeeksPresent is the number of weeks of the window (the week and the
	// WeeksWindow − 1 before) with at least one such post: the recurring
	// measure (8 of 8: it never went away).
	WeeksPresent, WeeksWindow int
	// Trend is new, growing, steady, shrinking or gone (see the Trend*
	// constants and ClassifyReason).
	Trend string
	// Answered is the number of the week's posts with the reason that the
	// brand answered (before the as-of time); FRTMedianSec the median first
	// response time of those, in seconds (0 when Answered is 0).
	Answered     uint64
	FRTMedianSec float64
	// TopReply is the most common first reply the brand gave to the
	// week's posts with the reason (leading @handles and surrounding
	// white space removed; ties go to the alphabetically first text), and
	// TopReplyCount the number of posts that got it; "" and 0 without
	// replies with text.
	TopReply      string
	TopReplyCount uint64
}

// ClassifyReason is the trend of a reason from its week's count, the
// previous week's, the sum of the ReasonTrailingWeeks weeks before the
// week (trailingSum; the trailing mean is trailingSum /
// ReasonTrailingWeeks) and the number of weeks of the window it was seen
// in. The rules, tried in order, in exact integer arithmetic (the SQL of
// RecurringReasonsSQL applies the same ones):
//
//	gone       count = 0 (and, in a listed row, prev > 0)
//	new        count > 0 and weeksPresent = 1: absent from the
//	           ReasonWindowWeeks − 1 weeks before
//	growing    count ≥ (100 + ReasonGrowthPct) % of ref and
//	           count ≥ ref + ReasonMinChange, ref = max(prev, trailing mean)
//	shrinking  count ≤ (100 − ReasonShrinkPct) % of ref and
//	           count + ReasonMinChange ≤ ref, ref = min(prev, trailing mean)
//	steady     otherwise
func ClassifyReason(count, prev, trailingSum uint64, weeksPresent int) string {
	const t = ReasonTrailingWeeks
	switch {
	case count == 0:
		return TrendGone
	case weeksPresent <= 1:
		return TrendNew
	}
	// Everything times t, so that the trailing mean is an integer.
	c, p := count*t, prev*t
	hi, lo := max(p, trailingSum), min(p, trailingSum)
	switch {
	case c*100 >= (100+ReasonGrowthPct)*hi && c >= hi+t*ReasonMinChange:
		return TrendGrowing
	case c*100 <= (100-ReasonShrinkPct)*lo && c+t*ReasonMinChange <= lo:
		return TrendShrinking
	}
	return TrendSteady
}

// trendSQL is ClassifyReason over the columns week_count, prev_count,
// trailing_sum and weeks_present.
func trendSQL() string {
	t := ReasonTrailingWeeks
	return fmt.Sprintf(`multiIf(
        week_count = 0, '%[1]s',
        weeks_present <= 1, '%[2]s',
        week_count * %[6]d * 100 >= %[7]d * greatest(prev_count * %[6]d, trailing_sum)
            AND week_count * %[6]d >= greatest(prev_count * %[6]d, trailing_sum) + %[8]d, '%[3]s',
        week_count * %[6]d * 100 <= %[9]d * least(prev_count * %[6]d, trailing_sum)
            AND week_count * %[6]d + %[8]d <= least(prev_count * %[6]d, trailing_sum), '%[4]s',
        '%[5]s')`, TrendGone, TrendNew, TrendGrowing, TrendShrinking, TrendSteady,
		t, 100+ReasonGrowthPct, t*ReasonMinChange, 100-ReasonShrinkPct)
}

const weekMS = int64(7 * 24 * time.Hour / time.Millisecond)

// RecurringReasonsSQL is the recurring-reasons table of the week ending
// at weekEndS (an Int64 SQL expression: seconds since the epoch, the
// week's exclusive end), as of s's until (which must not be after the
// week's end: posts and replies created at or after it are ignored). The
// window's start is weekEndS − ReasonWindowWeeks weeks: s's SinceMS and
// SinceDT are replaced; its Brand and Platform filters are kept.
//
// Columns, one row per (brand, reason) seen in the week or the week
// before, sorted by brand, week_count descending, reason:
//
//	brand String, reason String, week_count UInt64, prev_count UInt64,
//	trailing_sum UInt64 (weeks 1 … ReasonTrailingWeeks), trailing_mean
//	Float64, weeks_present UInt64, trend String, answered UInt64,
//	frt_median_ms Float64 (0 when answered = 0), top_reply String,
//	top_reply_count UInt64
//
// The posts come from InboundPostsSQL (every level deduplicated by id), so
// a week's posts are exactly the leaderboard's inbound posts of
// [week start, until) with their reasons; the reply texts are the newest
// version of each first reply (deduplicated by id too).
func RecurringReasonsSQL(db string, s Scope, weekEndS string) (string, error) {
	if weekEndS == "" {
		return "", errors.New("analytics: recurring reasons: the week's end is empty")
	}
	end := "(" + weekEndS + ")"
	window := int64(ReasonWindowWeeks) * weekMS / 1000
	s.SinceMS = fmt.Sprintf("((%s - %d) * 1000)", end, window)
	s.SinceDT = fmt.Sprintf("toDateTime(toUInt32(%s - %d))", end, window)
	inbound, err := InboundPostsSQL(db, s)
	if err != nil {
		return "", err
	}
	// The first replies' texts: replies created from a day before the
	// week's start (a reply dated before its post by clock skew) to until.
	textsSince := fmt.Sprintf("toDateTime(toUInt32(%s - %d))", end, weekMS/1000+86400)
	return fmt.Sprintf(`
SELECT
    brand, reason, week_count, prev_count, trailing_sum, trailing_sum / %[7]d AS trailing_mean, weeks_present,
    %[8]s AS trend,
    answered, frt_median_ms, top_reply, top_reply_count
FROM
(
    SELECT
        brand, reason,
        sum(n0) AS week_count,
        sum(n1) AS prev_count,
        sum(nt) AS trailing_sum,
        toUInt64(length(groupUniqArrayArray(ks))) AS weeks_present,
        sum(a0) AS answered,
        arraySort(groupArrayArray(frts)) AS all_frts,
        if(length(all_frts) = 0, 0,
           if(length(all_frts) %% 2 = 1, toFloat64(all_frts[intDiv(length(all_frts) + 1, 2)]),
              (toFloat64(all_frts[intDiv(length(all_frts), 2)]) + toFloat64(all_frts[intDiv(length(all_frts), 2) + 1])) / 2)) AS frt_median_ms,
        arraySort(groupArrayIf(tuple(-toInt64(a0), reply_text), reply_text != '' AND a0 > 0))[1] AS top,
        tupleElement(top, 2) AS top_reply,
        toUInt64(-tupleElement(top, 1)) AS top_reply_count
    FROM
    (
        SELECT
            brand, reason, reply_text,
            countIf(k = 0) AS n0,
            countIf(k = 1) AS n1,
            countIf(k >= 1 AND k <= %[7]d) AS nt,
            groupUniqArray(k) AS ks,
            countIf(k = 0 AND has_reply = 1) AS a0,
            groupArrayIf(frt, k = 0 AND has_reply = 1) AS frts
        FROM
        (
            SELECT brand, k, has_reply, frt, if(k = 0 AND has_reply = 1, reply_text, '') AS reply_text,
                arrayJoin(if(empty(reasons), ['%[9]s'], arrayDistinct(reasons))) AS reason
            FROM
            (
                SELECT brand, reasons, has_reply, frt, reply_id,
                    toUInt32(intDiv(%[2]s * 1000 - 1 - ts, %[6]d)) AS k
                FROM (%[1]s) AS inbound_posts
                WHERE ts < %[2]s * 1000
            ) AS posts
            ANY LEFT JOIN
            (
                SELECT id AS reply_id,
                    replaceRegexpAll(replaceRegexpAll(argMax(text, version), '^\\s*(@\\w+\\s+)*', ''), '\\s+$', '') AS reply_text
                FROM %[3]s
                WHERE created_at >= %[4]s AND created_at < %[5]s
                    AND id IN (SELECT id FROM %[10]s WHERE created_at >= %[4]s AND created_at < %[5]s)
                GROUP BY id
            ) AS texts USING (reply_id)
        ) AS with_reasons
        GROUP BY brand, reason, reply_text
    ) AS by_text
    GROUP BY brand, reason
) AS per_reason
WHERE week_count > 0 OR prev_count > 0
ORDER BY brand, week_count DESC, reason
`, inbound, end, table(db, "mentions"), textsSince, s.UntilDT, weekMS, ReasonTrailingWeeks, trendSQL(), UnclassifiedReason, table(db, "replies")), nil
}

// WeekStart is the Monday 00:00 UTC of t's week.
func WeekStart(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// RecurringReasons computes the recurring contact reasons of the calendar
// week (Monday 00:00 UTC to the next Monday) that contains week, for the
// brands of q.Brands (every brand when empty; reg is used to check them).
// q.Until, when set and inside the week, is the as-of time (a week in
// progress); otherwise the week is complete, as of its end. q.Since is not
// used: the window is the week and the ReasonWindowWeeks − 1 weeks before.
//
// Rows are sorted by brand, then by the week's count (descending), then by
// reason. The trend the SQL computes is checked against ClassifyReason.
func RecurringReasons(ctx context.Context, conn driver.Conn, db string, reg *registry.Registry, q Query, week time.Time) ([]ReasonTrend, error) {
	if !identRe.MatchString(db) {
		return nil, fmt.Errorf("recurring reasons: database %q is not a plain identifier", db)
	}
	if week.IsZero() {
		return nil, errors.New("recurring reasons: the week is required")
	}
	start := WeekStart(week)
	end := start.AddDate(0, 0, 7)
	if start.Add(-time.Duration(ReasonWindowWeeks)*7*24*time.Hour).Before(minTime) || end.After(maxTime) {
		return nil, fmt.Errorf("recurring reasons: week %s is outside 1970–2106", start.Format("2006-01-02"))
	}
	asOf := end
	if !q.Until.IsZero() && q.Until.After(start) && q.Until.Before(end) {
		asOf = q.Until
	}
	for _, b := range q.Brands {
		if !brandRe.MatchString(b) {
			return nil, fmt.Errorf("recurring reasons: brand %q is not a registry id ([a-z0-9_]+)", b)
		}
		if reg != nil {
			if _, ok := reg.ByID(b); !ok {
				return nil, fmt.Errorf("recurring reasons: brand %q is not in the registry", b)
			}
		}
	}
	scope, err := LiteralScope(start, asOf, q.Brands, nil)
	if err != nil {
		return nil, err
	}
	sql, err := RecurringReasonsSQL(db, scope, strconv.FormatInt(end.Unix(), 10))
	if err != nil {
		return nil, err
	}
	var out []ReasonTrend
	err = query(ctx, conn, "recurring reasons", sql, func(rs driver.Rows) error {
		r := ReasonTrend{Week: start, WeeksWindow: ReasonWindowWeeks}
		var trailingSum, weeksPresent uint64
		var frtMS float64
		if err := rs.Scan(&r.Brand, &r.Reason, &r.Count, &r.PrevCount, &trailingSum, &r.TrailingMean, &weeksPresent,
			&r.Trend, &r.Answered, &frtMS, &r.TopReply, &r.TopReplyCount); err != nil {
			return err
		}
		r.WeeksPresent = int(weeksPresent)
		r.FRTMedianSec = frtMS / 1000
		if want := ClassifyReason(r.Count, r.PrevCount, trailingSum, r.WeeksPresent); r.Trend != want {
			return fmt.Errorf("%s/%s: the SQL's trend is %s, ClassifyReason's %s", r.Brand, r.Reason, r.Trend, want)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
