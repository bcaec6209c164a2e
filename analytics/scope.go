package analytics

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Scope is the period and the filters of a query as SQL expressions, so
// that one SQL text serves the CLI (literal bounds) and Grafana (the
// ClickHouse plugin's macros and dashboard variables).
type Scope struct {
	// SinceMS and UntilMS are Int64 expressions: the period [since, until)
	// in milliseconds since the epoch. Every definition is as of UntilMS.
	SinceMS, UntilMS string
	// SinceDT and UntilDT are DateTime expressions for partition and
	// index pruning: created_at >= SinceDT AND created_at < UntilDT must
	// hold for every row of the period (UntilDT is past UntilMS).
	SinceDT, UntilDT string
	// Brand is a boolean SQL expression over the column brand (a registry
	// id); "1" keeps every brand.
	Brand string
	// Platform is a boolean SQL expression over the column platform of
	// the inbound post; "1" keeps every platform.
	Platform string
}

// LiteralScope is the scope of [since, until) (truncated to the
// millisecond) for brands (all when empty) and platforms (all when empty).
// Brand ids and platforms must be plain identifiers: they are quoted, not
// bound.
func LiteralScope(since, until time.Time, brands, platforms []string) (Scope, error) {
	for _, b := range brands {
		if !brandRe.MatchString(b) {
			return Scope{}, fmt.Errorf("analytics: brand %q is not a registry id ([a-z0-9_]+)", b)
		}
	}
	for _, p := range platforms {
		if !brandRe.MatchString(p) {
			return Scope{}, fmt.Errorf("analytics: platform %q is not a plain name ([a-z0-9_]+)", p)
		}
	}
	s, u := since.UnixMilli(), until.UnixMilli()
	return Scope{
		SinceMS:  strconv.FormatInt(s, 10),
		UntilMS:  strconv.FormatInt(u, 10),
		SinceDT:  fmt.Sprintf("toDateTime(%d)", floorDiv(s, 1000)),
		UntilDT:  fmt.Sprintf("toDateTime(%d)", floorDiv(u, 1000)+1),
		Brand:    inList("brand", brands),
		Platform: inList("platform", platforms),
	}, nil
}

// inList is "col IN ('a', 'b')" for plain identifiers, "1" for none.
func inList(col string, vals []string) string {
	if len(vals) == 0 {
		return "1"
	}
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = "'" + v + "'"
	}
	return col + " IN (" + strings.Join(q, ", ") + ")"
}

// GrafanaScope is the dashboard period: the ClickHouse plugin's
// $__fromTime and $__toTime macros (toDateTime(seconds)), with brand and
// platform conditions given by the caller (built from dashboard
// variables).
func GrafanaScope(brand, platform string) Scope {
	return Scope{
		SinceMS:  "(toInt64(toUInt32($__fromTime)) * 1000)",
		UntilMS:  "(toInt64(toUInt32($__toTime)) * 1000)",
		SinceDT:  "$__fromTime",
		UntilDT:  "($__toTime + 1)",
		Brand:    brand,
		Platform: platform,
	}
}

func (s Scope) validate() error {
	for name, v := range map[string]string{"SinceMS": s.SinceMS, "UntilMS": s.UntilMS, "SinceDT": s.SinceDT, "UntilDT": s.UntilDT, "Brand": s.Brand, "Platform": s.Platform} {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("analytics: scope %s is empty", name)
		}
	}
	return nil
}

// table is db.name, or name alone when db is "" (the connection's
// default database, as a Grafana data source has).
func table(db, name string) string {
	if db == "" {
		return name
	}
	return db + "." + name
}

func checkDB(db string) error {
	if db != "" && !identRe.MatchString(db) {
		return fmt.Errorf("analytics: database %q is not a plain identifier", db)
	}
	return nil
}

// msCol is a table's created time in milliseconds since the epoch.
const msCol = "(toInt64(toUInt32(created_at)) * 1000 + created_ms)"

// brandRepliesSQL is every brand reply, deduplicated by id with the newest
// version's fields, created before the scope's until: brand (the author
// brand), id, mention_id (the replied-to post), rts (ms) and the reply
// quality fields.
//
// With toPeriodPosts only the replies to mentions created in the scope's
// coarse period are read (by id, so every version of such a reply is
// still deduplicated): the inbound posts' replies are among them, and the
// cost follows the period rather than the whole history of replies.
func brandRepliesSQL(db string, s Scope, toPeriodPosts bool) string {
	candidates := ""
	if toPeriodPosts {
		candidates = fmt.Sprintf(`
                    AND id IN (SELECT id FROM %[1]s WHERE in_reply_to IN (SELECT id FROM %[2]s WHERE created_at >= %[3]s AND created_at < %[4]s))`,
			table(db, "replies"), table(db, "mentions"), s.SinceDT, s.UntilDT)
	}
	return fmt.Sprintf(`
            SELECT brand, id, mention_id, rts, has_quality, empathy, deflection, canned
            FROM
            (
                SELECT
                    author_brand AS brand,
                    id,
                    argMax(in_reply_to, version) AS mention_id,
                    argMax(%[2]s, version) AS rts,
                    argMax(has_reply_quality, version) AS has_quality,
                    argMax(reply_empathy, version) AS empathy,
                    argMax(reply_deflection, version) AS deflection,
                    argMax(reply_canned, version) AS canned
                FROM %[1]s
                WHERE created_at < %[3]s AND (%[4]s)%[6]s
                GROUP BY author_brand, id
            )
            WHERE rts < %[5]s`, table(db, "replies"), msCol, s.UntilDT, s.Brand, s.UntilMS, candidates)
}

// InboundPostsSQL is one row per (brand, inbound post) of the scope, with
// the definitions of the metric glossary (see Leaderboard): a customer
// post (written by no brand's official account) created in [since, until)
// that is addressed to the brand or that the brand replied to before
// until. Columns:
//
//	brand String, mention_id String, ts Int64 (ms), platform String,
//	sentiment Float64, sentiment_label String, reasons Array(String),
//	has_reply UInt8, reply_ts Int64 (ms; 0 without reply), frt Int64 (ms,
//	clamped at 0; 0 without reply), reply_id String,
//	reply_has_quality UInt8, reply_empathy Float64, reply_deflection
//	String, reply_canned Float64 (the first reply's quality fields)
//
// Every level deduplicates by id, so a mention stored twice counts once.
// The posts are joined with ANY LEFT JOIN (and the unmatched rows
// dropped): on current ClickHouse ANY INNER JOIN keeps one left row per
// right key, which would drop all brands but one of a post addressed to
// (or answered by) several.
//
// db "" names the tables without a database (the connection's default).
func InboundPostsSQL(db string, s Scope) (string, error) {
	if err := checkDB(db); err != nil {
		return "", err
	}
	if err := s.validate(); err != nil {
		return "", err
	}
	replies := brandRepliesSQL(db, s, true)
	return fmt.Sprintf(`
SELECT
    brand, mention_id, ts, platform, sentiment, sentiment_label, reasons,
    has_reply, reply_ts, if(has_reply = 1 AND reply_ts > ts, reply_ts - ts, 0) AS frt,
    reply_id, reply_has_quality, reply_empathy, reply_deflection, reply_canned
FROM
(
    SELECT brand, mention_id, ts, platform, sentiment, sentiment_label, reasons
    FROM
    (
        SELECT brand, mention_id
        FROM
        (
            SELECT brand, mention_id
            FROM
            (
                SELECT brand, mention_id, max(addressed) AS is_addressed
                FROM %[10]s
                WHERE created_at >= %[2]s AND created_at < %[3]s AND (%[4]s)
                GROUP BY brand, mention_id
            )
            WHERE is_addressed = 1
            UNION ALL
            SELECT brand, mention_id
            FROM
            (%[8]s
            )
        )
        GROUP BY brand, mention_id
    ) AS candidates
    ANY LEFT JOIN
    (
        SELECT
            id AS mention_id,
            toUInt8(1) AS found,
            argMax(%[9]s, version) AS ts,
            argMax(author_brand, version) AS by_brand,
            argMax(platform, version) AS platform,
            argMax(sentiment_compound, version) AS sentiment,
            argMax(sentiment_label, version) AS sentiment_label,
            argMax(contact_reason, version) AS reasons
        FROM %[11]s
        WHERE created_at >= %[2]s AND created_at < %[3]s
        GROUP BY id
    ) AS posts USING (mention_id)
    WHERE found = 1 AND ts >= %[5]s AND ts < %[6]s AND by_brand = '' AND (%[7]s)
) AS inbound
ANY LEFT JOIN
(
    SELECT
        brand, mention_id,
        min(rts) AS reply_ts,
        toUInt8(1) AS has_reply,
        argMin(id, rts) AS reply_id,
        argMin(has_quality, rts) AS reply_has_quality,
        argMin(empathy, rts) AS reply_empathy,
        argMin(deflection, rts) AS reply_deflection,
        argMin(canned, rts) AS reply_canned
    FROM
    (%[8]s
    )
    GROUP BY brand, mention_id
) AS first_reply USING (brand, mention_id)
`, db, s.SinceDT, s.UntilDT, s.Brand, s.SinceMS, s.UntilMS, s.Platform, replies, msCol, table(db, "mention_brands"), table(db, "mentions")), nil
}

// tzRe is what an IANA time zone name looks like (Europe/London, UTC,
// America/Argentina/Buenos_Aires, Etc/GMT+5).
var tzRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$`)
