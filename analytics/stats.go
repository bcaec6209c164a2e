package analytics

import (
	"fmt"
	"strconv"
)

// CannedThreshold is the reply_canned similarity from which a reply counts
// as canned (a near-duplicate of the brand's recent replies).
const CannedThreshold = 0.9

// BrandStatsSQL aggregates InboundPostsSQL per brand: the leaderboard's
// counts (the same definitions as Leaderboard) plus inbound sentiment and
// the quality of first replies. Columns, one row per brand with inbound
// posts, sorted by brand:
//
//	brand, n_inbound, n_answered, n_pending, rr_num, rr_den, sla15_num,
//	sla15_den, sla60_num, sla60_den (UInt64), n_frt UInt64, median_ms,
//	p90_ms Float64 (0 when n_frt = 0), sentiment_mean Float64,
//	n_negative UInt64 (label negative), n_quality UInt64 (first replies
//	carrying reply quality), n_deflected, n_canned UInt64, empathy_median
//	Float64 (0 when n_quality = 0)
func BrandStatsSQL(db string, s Scope) (string, error) {
	inbound, err := InboundPostsSQL(db, s)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`
SELECT
    brand, n_inbound, n_answered, n_pending, rr_num, rr_den, sla15_num, sla15_den, sla60_num, sla60_den,
    n_frt, median_ms, p90_ms, sentiment_mean, n_negative, n_quality, n_deflected, n_canned, empathy_median
FROM
(
SELECT
    brand,
    count() AS n_inbound,
    countIf(has_reply = 1) AS n_answered,
    countIf(has_reply = 0 AND ts > %[2]s - %[3]d) AS n_pending,
    countIf(ts <= %[2]s - %[3]d AND has_reply = 1 AND frt <= %[3]d) AS rr_num,
    countIf(ts <= %[2]s - %[3]d) AS rr_den,
    countIf(ts <= %[2]s - %[4]d AND has_reply = 1 AND frt <= %[4]d) AS sla15_num,
    countIf(ts <= %[2]s - %[4]d) AS sla15_den,
    countIf(ts <= %[2]s - %[5]d AND has_reply = 1 AND frt <= %[5]d) AS sla60_num,
    countIf(ts <= %[2]s - %[5]d) AS sla60_den,
    arraySort(groupArrayIf(frt, has_reply = 1)) AS frts,
    toUInt64(length(frts)) AS n_frt,
    if(n_frt = 0, 0,
       if(n_frt %% 2 = 1, toFloat64(frts[intDiv(n_frt + 1, 2)]),
          (toFloat64(frts[intDiv(n_frt, 2)]) + toFloat64(frts[intDiv(n_frt, 2) + 1])) / 2)) AS median_ms,
    if(n_frt = 0, 0, toFloat64(frts[intDiv(9 * n_frt + 9, 10)])) AS p90_ms,
    avg(sentiment) AS sentiment_mean,
    countIf(sentiment_label = 'negative') AS n_negative,
    countIf(has_reply = 1 AND reply_has_quality = 1) AS n_quality,
    countIf(has_reply = 1 AND reply_has_quality = 1 AND reply_deflection NOT IN ('', 'none')) AS n_deflected,
    countIf(has_reply = 1 AND reply_has_quality = 1 AND reply_canned >= %[6]s) AS n_canned,
    arraySort(groupArrayIf(reply_empathy, has_reply = 1 AND reply_has_quality = 1)) AS emps,
    if(length(emps) = 0, 0,
       if(length(emps) %% 2 = 1, emps[intDiv(length(emps) + 1, 2)],
          (emps[intDiv(length(emps), 2)] + emps[intDiv(length(emps), 2) + 1]) / 2)) AS empathy_median
FROM
(%[1]s) AS posts
GROUP BY brand
) AS per_brand
ORDER BY brand
`, inbound, s.UntilMS, day, min15, hour, strconv.FormatFloat(CannedThreshold, 'f', -1, 64)), nil
}

// FRTPairsSQL lists the answered inbound posts of the scope: brand, ts and
// reply_ts (ms), sorted by brand and ts — the input of the business-time
// FRT, computed in Go with each brand's support hours.
func FRTPairsSQL(db string, s Scope) (string, error) {
	inbound, err := InboundPostsSQL(db, s)
	if err != nil {
		return "", err
	}
	return "SELECT brand, ts, reply_ts FROM (" + inbound + ") AS posts WHERE has_reply = 1 ORDER BY brand, ts, mention_id", nil
}

// PlatformSQL is the platform breakdown of the scope's inbound posts:
// brand, platform, n_inbound, n_answered (UInt64), sorted by brand and
// platform.
func PlatformSQL(db string, s Scope) (string, error) {
	inbound, err := InboundPostsSQL(db, s)
	if err != nil {
		return "", err
	}
	return "SELECT brand, platform, count() AS n_inbound, countIf(has_reply = 1) AS n_answered FROM (" + inbound +
		") AS posts GROUP BY brand, platform ORDER BY brand, platform", nil
}

// ReplyHoursSQL is the hour-of-week profile of the brands' replies
// created in the scope's period, in time zone tz (an IANA name): brand,
// dow UInt8 (1 = Monday … 7 = Sunday), hour UInt8 (0–23), n UInt64.
// Only buckets with replies are listed.
func ReplyHoursSQL(db string, s Scope, tz string) (string, error) {
	if err := checkDB(db); err != nil {
		return "", err
	}
	if err := s.validate(); err != nil {
		return "", err
	}
	if !tzRe.MatchString(tz) {
		return "", fmt.Errorf("analytics: time zone %q is not an IANA name", tz)
	}
	return fmt.Sprintf(`
SELECT brand, toUInt8(toDayOfWeek(toTimeZone(t, '%[4]s'))) AS dow, toUInt8(toHour(toTimeZone(t, '%[4]s'))) AS hour, count() AS n
FROM
(
    SELECT brand, toDateTime(intDiv(rts, 1000)) AS t
    FROM
    (%[2]s
    )
    WHERE rts >= %[3]s
) AS r
GROUP BY brand, dow, hour
ORDER BY brand, dow, hour
`, db, brandRepliesSQL(db, s, false), s.SinceMS, tz), nil
}

// RepliesSQL lists the brand replies created in the scope's period,
// deduplicated by id: brand, id, mention_id (the replied-to post), rts
// (ms), has_quality UInt8, empathy Float64, deflection String, canned
// Float64.
func RepliesSQL(db string, s Scope) (string, error) {
	if err := checkDB(db); err != nil {
		return "", err
	}
	if err := s.validate(); err != nil {
		return "", err
	}
	return "SELECT brand, id, mention_id, rts, has_quality, empathy, deflection, canned FROM (" +
		brandRepliesSQL(db, s, false) + "\n) WHERE rts >= " + s.SinceMS, nil
}
