package analytics

import "fmt"

// RecoveryPostsSQL lists the inbound posts of the scope whose customer
// wrote again after the brand's reply — the input of the sentiment
// recovery ("the customer's sentiment after the brand's reply minus
// before"). For each answered inbound post p of brand B, the follow-up is
// the first post by p's author (author_id) in p's conversation created
// after B's first reply to p and before until; its compound sentiment
// minus p's is the post's recovery. Columns, sorted by brand and
// mention_id:
//
//	brand String, mention_id String, follow_up_id String, before Float64
//	(p's compound), after Float64 (the follow-up's), recovery Float64
//	(after − before)
//
// Posts without such a follow-up are not listed. Every level deduplicates
// by id (the newest version's fields), so a mention stored twice counts
// once.
func RecoveryPostsSQL(db string, s Scope) (string, error) {
	inbound, err := InboundPostsSQL(db, s)
	if err != nil {
		return "", err
	}
	// The customer posts of the period in the conversations the brands
	// replied in: the candidates for follow-ups. The conversation filter
	// only bounds the cost (a mention's conversation never changes).
	return fmt.Sprintf(`
SELECT brand, mention_id, follow_up_id, before, after, after - before AS recovery
FROM
(
    SELECT
        brand, mention_id,
        any(sentiment) AS before,
        argMin(q_id, (q_ts, q_id)) AS follow_up_id,
        argMin(q_sentiment, (q_ts, q_id)) AS after
    FROM
    (
        SELECT brand, mention_id, sentiment, reply_ts, author, conv
        FROM
        (
            SELECT brand, mention_id, sentiment, reply_ts
            FROM (%[1]s) AS inbound_posts
            WHERE has_reply = 1
        ) AS answered
        ANY LEFT JOIN
        (
            SELECT id AS mention_id, argMax(author_id, version) AS author, argMax(conversation_id, version) AS conv
            FROM %[2]s
            WHERE created_at >= %[3]s AND created_at < %[4]s
            GROUP BY id
        ) AS who USING (mention_id)
        WHERE author != '' AND conv != ''
    ) AS answered_by
    ALL INNER JOIN
    (
        SELECT q_id, author, conv, q_ts, q_sentiment
        FROM
        (
            SELECT
                id AS q_id,
                argMax(author_id, version) AS author,
                argMax(conversation_id, version) AS conv,
                argMax(%[5]s, version) AS q_ts,
                argMax(sentiment_compound, version) AS q_sentiment
            FROM %[2]s
            WHERE created_at >= %[3]s AND created_at < %[4]s
                AND conversation_id IN (SELECT conversation_id FROM %[7]s WHERE created_at >= %[3]s AND created_at < %[4]s)
            GROUP BY id
        ) AS customer_posts
        WHERE q_ts < %[6]s AND author != '' AND conv != ''
    ) AS follow_ups USING (author, conv)
    WHERE q_ts > reply_ts AND q_id != mention_id
    GROUP BY brand, mention_id
) AS recovered
ORDER BY brand, mention_id
`, inbound, table(db, "mentions"), s.SinceDT, s.UntilDT, msCol, s.UntilMS, table(db, "replies")), nil
}

// RecoverySQL aggregates RecoveryPostsSQL per brand: brand String,
// n_recovered UInt64 (posts with a follow-up), recovery_mean Float64 (the
// mean recovery over them), one row per brand with at least one such
// post, sorted by brand.
func RecoverySQL(db string, s Scope) (string, error) {
	posts, err := RecoveryPostsSQL(db, s)
	if err != nil {
		return "", err
	}
	return "SELECT brand, count() AS n_recovered, avg(recovery) AS recovery_mean\nFROM (" + posts +
		") AS recovered_posts\nGROUP BY brand\nORDER BY brand", nil
}
