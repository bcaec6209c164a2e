package detect

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/storage"
)

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// bucketsSQL reads per-brand bucket aggregates of customer posts.
// Placeholders: %[1]s database, %[2]d bucket seconds, %[3]d the most post
// texts read per brand and bucket. Positional args: from, to (DateTime
// seconds) for mention_brands, the same for mentions.
//
// Every level deduplicates by id: (brand, mention_id) of mention_brands
// and id of mentions count once whatever the merges did, with the fields
// of their newest version. Bucketing is intDiv on the Unix time (18.16 has
// no toStartOfInterval). Posts written by any brand's official account
// are not customer posts.
const bucketsSQL = `
SELECT
    brand,
    toDateTime(intDiv(toUInt32(ts), %[2]d) * %[2]d) AS bucket,
    count() AS volume,
    countIf(label = 'negative') AS negative,
    countIf(label = 'positive') AS positive,
    groupArray(%[3]d)(concat(label, '\t', mention_id, '\t', toString(toUInt32(ts)), '\t', rsn, '\t', txt)) AS posts
FROM
(
    SELECT brand, mention_id, ts, label, txt, rsn
    FROM
    (
        SELECT brand, mention_id, ts, label
        FROM
        (
            SELECT
                brand,
                mention_id,
                argMax(created_at, version) AS ts,
                argMax(sentiment_label, version) AS label,
                argMax(author_brand, version) AS by_brand
            FROM %[1]s.mention_brands
            WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?)
            GROUP BY brand, mention_id
        )
        WHERE by_brand = ''
    ) AS mb
    ANY LEFT JOIN
    (
        SELECT
            id AS mention_id,
            argMax(text, version) AS txt,
            arrayStringConcat(argMax(contact_reason, version), ',') AS rsn
        FROM %[1]s.mentions
        WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?)
        GROUP BY id
    ) AS m USING (mention_id)
)
GROUP BY brand, bucket
ORDER BY bucket, brand
`

// BucketsQuery returns the SQL and positional arguments that read the
// buckets of [from, to) (both on bucket boundaries).
func BucketsQuery(db string, bucket time.Duration, textsPerBucket int, from, to time.Time) (string, []any) {
	sql := fmt.Sprintf(bucketsSQL, db, int64(bucket/time.Second), textsPerBucket)
	f, t := uint32(from.Unix()), uint32(to.Unix())
	return sql, []any{f, t, f, t}
}

// ClickHouseSource reads bucket aggregates from the mention_brands and
// mentions tables.
type ClickHouseSource struct {
	Conn     driver.Conn
	Database string
	Bucket   time.Duration
	// TextsPerBucket bounds the post texts read per brand and bucket (the
	// counts are always exact; terms are counted over these texts).
	TextsPerBucket int
}

// Buckets reads the buckets of [from, to), keyed by bucket start (Unix
// seconds), each sorted by brand.
func (s *ClickHouseSource) Buckets(ctx context.Context, from, to time.Time) (map[int64][]*Bucket, error) {
	if !identRe.MatchString(s.Database) {
		return nil, fmt.Errorf("detect: database %q is not a plain identifier", s.Database)
	}
	sql, args := BucketsQuery(s.Database, s.Bucket, s.TextsPerBucket, from, to)
	rows, err := s.Conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("detect: read buckets %s – %s from %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), s.Database, err)
	}
	defer rows.Close()
	out := map[int64][]*Bucket{}
	for rows.Next() {
		var (
			brand                      string
			at                         time.Time
			volume, negative, positive uint64
			posts                      []string
		)
		if err := rows.Scan(&brand, &at, &volume, &negative, &positive, &posts); err != nil {
			return nil, fmt.Errorf("detect: read buckets: %w", err)
		}
		b := NewBucket(brand, at)
		b.Volume, b.Negative, b.Positive = int(volume), int(negative), int(positive)
		for _, p := range posts {
			b.AddText(ParsePostRow(p))
		}
		out[b.Start.Unix()] = append(out[b.Start.Unix()], b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("detect: read buckets: %w", err)
	}
	return out, nil
}

// ParsePostRow decodes one element of the query's posts array:
// label, id, Unix seconds, comma-separated reasons and the text, separated
// by tabs (the text, last, may contain tabs). A malformed element gives a
// post with what could be read.
func ParsePostRow(s string) Post {
	f := strings.SplitN(s, "\t", 5)
	var p Post
	if len(f) > 0 {
		p.Label = f[0]
	}
	if len(f) > 1 {
		p.ID = f[1]
	}
	if len(f) > 2 {
		if u, err := strconv.ParseInt(f[2], 10, 64); err == nil {
			p.CreatedAt = time.Unix(u, 0).UTC()
		}
	}
	if len(f) > 3 && f[3] != "" {
		p.Reasons = strings.Split(f[3], ",")
	}
	if len(f) > 4 {
		p.Text = f[4]
	}
	return p
}

// InsertAlertsSQL is the alerts insert with its explicit column list.
func InsertAlertsSQL(db string) string {
	return `INSERT INTO ` + db + `.alerts (incident_id, version, event, brand, kind, severity, status, onset, opened_at, updated_at, resolved_at, ` +
		`score, peak_score, volume, expected_volume, volume_ratio, peak_volume_ratio, negative_share, baseline_negative_share, positive_share, ` +
		`baseline, top_terms, term_counts, reasons, reason_counts, example_ids, example_texts, summary, detail)`
}

// AlertRow is one row of the alerts table, in column order.
func AlertRow(ev Event) ([]any, error) {
	inc := ev.Incident
	detail, err := json.Marshal(inc)
	if err != nil {
		return nil, err
	}
	terms, counts := burstColumns(inc.TopTerms)
	reasons, rcounts := burstColumns(inc.Reasons)
	ids, texts := []string{}, []string{}
	for _, p := range inc.Examples {
		ids, texts = append(ids, p.ID), append(texts, p.Text)
	}
	resolved := inc.ResolvedAt
	if resolved.IsZero() {
		resolved = time.Unix(0, 0).UTC()
	}
	return []any{
		inc.ID, inc.Version, ev.Type, inc.Brand, inc.Kind, inc.Severity, inc.Status,
		inc.Onset, inc.OpenedAt, inc.UpdatedAt, resolved,
		inc.Score, inc.PeakScore, uint32(inc.Volume), inc.ExpectedVolume, inc.VolumeRatio, inc.PeakVolumeRatio,
		inc.NegativeShare, inc.BaselineNegativeShare, inc.PositiveShare,
		inc.Baseline, terms, counts, reasons, rcounts, ids, texts, inc.Summary, string(detail),
	}, nil
}

func burstColumns(bs []Burst) ([]string, []uint32) {
	terms, counts := []string{}, []uint32{}
	for _, b := range bs {
		terms, counts = append(terms, b.Term), append(counts, uint32(b.Count))
	}
	return terms, counts
}

// ClickHouseStore keeps incidents in the alerts table (migration 0003).
type ClickHouseStore struct {
	Conn     driver.Conn
	Database string
	// Cluster is clickhouse.cluster: when set, the alerts rows live in
	// alerts_local on every server and ClearWindow deletes ON CLUSTER.
	Cluster string
	// Poll is how often ClearWindow checks whether its delete is done
	// (default 100 ms).
	Poll time.Duration
}

// ClearWindowSQL returns the statements ClearWindow runs for the window
// [since, until): the count of the rows it will remove (through the
// alerts table, whole cluster), the delete (a mutation of the table that
// holds the rows) and the count of that table's mutations not done yet —
// on a cluster, on one replica of every shard (the cluster table
// function, with the cluster's own credentials; the other replicas of a
// shard take the mutation through replication).
func ClearWindowSQL(db, cluster string, since, until time.Time) (count, del, pending string, err error) {
	if !identRe.MatchString(db) {
		return "", "", "", fmt.Errorf("detect: database %q is not a plain identifier", db)
	}
	table, onCluster, mutations := "alerts", "", "system.mutations"
	if cluster != "" {
		if !identRe.MatchString(cluster) {
			return "", "", "", fmt.Errorf("detect: clickhouse.cluster %q is not a plain identifier", cluster)
		}
		table, onCluster, mutations = "alerts"+storage.LocalSuffix, " ON CLUSTER "+cluster, "cluster('"+cluster+"', system, mutations)"
	}
	where := fmt.Sprintf("version > %d AND version <= %d", since.Unix(), until.Unix())
	count = fmt.Sprintf("SELECT count() FROM %s.alerts WHERE %s", db, where)
	del = fmt.Sprintf("ALTER TABLE %s.%s%s DELETE WHERE %s", db, table, onCluster, where)
	pending = fmt.Sprintf("SELECT count() FROM %s WHERE database = '%s' AND table = '%s' AND is_done = 0", mutations, db, table)
	return count, del, pending, nil
}

// ClearWindow removes the alerts rows of the buckets of [since, until)
// (see WindowClearer). The delete is a ClickHouse mutation, which is
// asynchronous: ClearWindow waits until no unfinished mutation of the
// table is left (on the server it is connected to, or on a replica of
// every shard of the cluster), or ctx ends. Rows inserted
// after the delete was issued are never touched by it, so storing the new
// versions right after is safe. Nothing is deleted (and no mutation is
// made) when the window holds no rows.
func (s *ClickHouseStore) ClearWindow(ctx context.Context, since, until time.Time) (int, error) {
	count, del, pending, err := ClearWindowSQL(s.Database, s.Cluster, since, until)
	if err != nil {
		return 0, err
	}
	var n uint64
	if err := s.Conn.QueryRow(ctx, count).Scan(&n); err != nil {
		return 0, fmt.Errorf("detect: count the window's rows in %s.alerts: %w", s.Database, err)
	}
	if n == 0 {
		return 0, nil
	}
	if err := s.Conn.Exec(ctx, del); err != nil {
		return 0, fmt.Errorf("detect: delete the window's rows from %s.alerts: %w", s.Database, err)
	}
	poll := s.Poll
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	for {
		var left uint64
		if err := s.Conn.QueryRow(ctx, pending).Scan(&left); err != nil {
			return 0, fmt.Errorf("detect: wait for the delete from %s.alerts: %w", s.Database, err)
		}
		if left == 0 {
			return int(n), nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("detect: the delete from %s.alerts has not finished: %w", s.Database, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// Save inserts one row per event (a version of its incident).
func (s *ClickHouseStore) Save(ctx context.Context, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	if !identRe.MatchString(s.Database) {
		return fmt.Errorf("detect: database %q is not a plain identifier", s.Database)
	}
	// Native-protocol inserts go through a batch (an INSERT … VALUES sent
	// with Exec hangs against ClickHouse 18.16).
	b, err := s.Conn.PrepareBatch(ctx, InsertAlertsSQL(s.Database))
	if err != nil {
		return fmt.Errorf("detect: insert into %s.alerts (run `earshot migrate up`?): %w", s.Database, err)
	}
	for _, ev := range evs {
		row, err := AlertRow(ev)
		if err != nil {
			_ = b.Abort()
			return err
		}
		if err := b.Append(row...); err != nil {
			_ = b.Abort()
			return fmt.Errorf("detect: insert into %s.alerts: %w", s.Database, err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("detect: insert into %s.alerts: %w", s.Database, err)
	}
	return nil
}

// openAlertsSQL reads the newest version of every incident whose newest
// version is open.
const openAlertsSQL = `
SELECT incident_id, detail
FROM
(
    SELECT incident_id, argMax(status, version) AS st, argMax(detail, version) AS detail
    FROM %[1]s.alerts
    GROUP BY incident_id
)
WHERE st = 'open'
ORDER BY incident_id
`

// OpenAlertsQuery returns the SQL reading the open incidents.
func OpenAlertsQuery(db string) string { return fmt.Sprintf(openAlertsSQL, db) }

// Open returns the incidents stored as open.
func (s *ClickHouseStore) Open(ctx context.Context) ([]Incident, error) {
	if !identRe.MatchString(s.Database) {
		return nil, fmt.Errorf("detect: database %q is not a plain identifier", s.Database)
	}
	rows, err := s.Conn.Query(ctx, OpenAlertsQuery(s.Database))
	if err != nil {
		return nil, fmt.Errorf("detect: read %s.alerts: %w", s.Database, err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		var id, detail string
		if err := rows.Scan(&id, &detail); err != nil {
			return nil, fmt.Errorf("detect: read %s.alerts: %w", s.Database, err)
		}
		var inc Incident
		if err := json.Unmarshal([]byte(detail), &inc); err != nil {
			return nil, fmt.Errorf("detect: %s.alerts: incident %s has a bad detail: %w", s.Database, id, err)
		}
		out = append(out, inc)
	}
	return out, rows.Err()
}
