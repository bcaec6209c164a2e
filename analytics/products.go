package analytics

import "fmt"

// ProductsSQL lists the products named in the scope's inbound posts (see
// InboundPostsSQL): entities of type product (the brand registry's
// products and the tagger's), grouped case-blind, a post naming a product
// twice counted once. Columns, most posts first (ties by product):
//
//	brand String, product String (the most frequent spelling; of equals,
//	one with capitals, then the greatest in byte order), posts
//	UInt64, negative_share Float64 (posts labelled negative ÷ posts),
//	sentiment_mean Float64 (mean compound of the posts)
//
// Every level deduplicates by id (the newest version's entities). A
// post addressed to two brands counts for each.
func ProductsSQL(db string, s Scope) (string, error) {
	inbound, err := InboundPostsSQL(db, s)
	if err != nil {
		return "", err
	}
	// ARRAY JOIN sits outside the join: ClickHouse 18.16 applies it to
	// the left table only.
	return fmt.Sprintf(`
SELECT brand, argMax(spelling, (n, spelling != key, spelling)) AS product, sum(n) AS posts,
    sum(neg) / sum(n) AS negative_share, sum(sent) / sum(n) AS sentiment_mean
FROM
(
    SELECT brand, key, spelling, count() AS n, countIf(label = 'negative') AS neg, sum(sentiment) AS sent
    FROM
    (
        SELECT brand, lower(product_text) AS key, mention_id, any(product_text) AS spelling, any(sentiment) AS sentiment, any(label) AS label
        FROM
        (
            SELECT brand, mention_id, sentiment, label, et, ety
            FROM
            (
                SELECT brand, mention_id, sentiment, sentiment_label AS label FROM (%[1]s) AS posts
            ) AS p
            ANY LEFT JOIN
            (
                SELECT id AS mention_id, argMax(entity_text, version) AS et, argMax(entity_type, version) AS ety
                FROM %[2]s
                WHERE created_at >= %[3]s AND created_at < %[4]s AND has(entity_type, 'product')
                GROUP BY id
            ) AS e USING (mention_id)
        ) AS j
        ARRAY JOIN et AS product_text, ety AS product_type
        WHERE product_type = 'product'
        GROUP BY brand, key, mention_id
    ) AS per_post
    GROUP BY brand, key, spelling
) AS per_spelling
GROUP BY brand, key
ORDER BY brand, posts DESC, product`, inbound, table(db, "mentions"), s.SinceDT, s.UntilDT), nil
}
