package analytics

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/registry"
)

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
// post addressed to two brands counts for each. With reg, a brand's own
// name and aliases (which the tagger sometimes calls a product: "O2") are
// left out of its products.
func ProductsSQL(db string, s Scope, reg *registry.Registry) (string, error) {
	inbound, err := InboundPostsSQL(db, s)
	if err != nil {
		return "", err
	}
	own := "1"
	if reg != nil {
		var pairs []string
		for _, b := range reg.Brands {
			for _, k := range ownNames(b) {
				pairs = append(pairs, "("+quote(b.ID)+", "+quote(k)+")")
			}
		}
		if len(pairs) > 0 {
			own = "(brand, key) NOT IN (" + strings.Join(pairs, ", ") + ")"
		}
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
    WHERE %[5]s
    GROUP BY brand, key, spelling
) AS per_spelling
GROUP BY brand, key
ORDER BY brand, posts DESC, product`, inbound, table(db, "mentions"), s.SinceDT, s.UntilDT, own), nil
}

// ownNames are b's name and aliases in lower case, without repeats.
func ownNames(b registry.Brand) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range append([]string{b.Name}, b.Aliases...) {
		if k := strings.ToLower(strings.TrimSpace(n)); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// BrandNamesSQL is a SQL list of every brand's name and aliases in lower
// case, "('klm', 'klm royal dutch airlines', …)", to leave brands out of a
// product list that is not per brand; "(”)" when reg lists none.
func BrandNamesSQL(reg *registry.Registry) string {
	var q []string
	seen := map[string]bool{}
	for _, b := range reg.Brands {
		for _, k := range ownNames(b) {
			if !seen[k] {
				seen[k] = true
				q = append(q, quote(k))
			}
		}
	}
	if len(q) == 0 {
		return "('')"
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// ProductRow is one product of a brand's inbound posts (ProductsSQL).
type ProductRow struct {
	Brand, Product string
	Posts          uint64
	NegativeShare  float64 // posts labelled negative ÷ posts
	SentimentMean  float64 // mean compound sentiment of the posts
}

// Products lists the products named in the inbound posts of q's period
// and brands (all brands when q.Brands is empty): ProductsSQL, per brand
// most posts first. With reg, without the brands' own names, and a
// product the registry lists is written as the registry writes it.
func Products(ctx context.Context, conn driver.Conn, db string, reg *registry.Registry, q Query) ([]ProductRow, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if !identRe.MatchString(db) {
		return nil, fmt.Errorf("products: database %q is not a plain identifier", db)
	}
	scope, err := LiteralScope(q.Since, q.Until, q.Brands, nil)
	if err != nil {
		return nil, err
	}
	sql, err := ProductsSQL(db, scope, reg)
	if err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("products: %w", err)
	}
	defer rows.Close()
	spelling := map[string]string{} // a registry product, lower case → as the registry writes it
	if reg != nil {
		for _, b := range reg.Brands {
			for _, p := range b.Products {
				spelling[strings.ToLower(p)] = p
			}
		}
	}
	var out []ProductRow
	for rows.Next() {
		var r ProductRow
		if err := rows.Scan(&r.Brand, &r.Product, &r.Posts, &r.NegativeShare, &r.SentimentMean); err != nil {
			return nil, fmt.Errorf("products: %w", err)
		}
		if p, ok := spelling[strings.ToLower(r.Product)]; ok {
			r.Product = p
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("products: %w", err)
	}
	return out, nil
}

// ProductColumns is the products CSV header (and the JSON keys), in order.
var ProductColumns = []string{"brand", "product", "posts", "negative_share", "sentiment_mean"}

func (r ProductRow) fields() []string {
	return []string{r.Brand, r.Product, strconv.FormatUint(r.Posts, 10),
		strconv.FormatFloat(r.NegativeShare, 'f', 4, 64), strconv.FormatFloat(r.SentimentMean, 'f', 4, 64)}
}

// WriteProducts writes product rows in format (table, csv or json). CSV
// has the columns of ProductColumns; JSON is an array of objects with
// those keys.
func WriteProducts(w io.Writer, format string, rows []ProductRow) error {
	records := recordsOf(rows)
	switch format {
	case "csv":
		return writeRecords(w, ProductColumns, records)
	case "json":
		return writeObjects(w, ProductColumns, records, "brand", "product")
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "BRAND\tPRODUCT\tPOSTS\tNEGATIVE\tSENTIMENT")
		for _, r := range rows {
			neg := r.NegativeShare
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%+.2f\n", r.Brand, clip(r.Product, 40), r.Posts, percent(&neg), r.SentimentMean)
		}
		return tw.Flush()
	}
	return fmt.Errorf("products: format %q: want one of %s", format, strings.Join(Formats, ", "))
}
