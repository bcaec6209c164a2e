package replyquality

import (
	"context"
	"fmt"
	"iter"
	"regexp"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// StoredReplies yields the brand replies stored in ClickHouse database db
// created at or after since, in created_at order (RebuildQuery), for
// Rebuild:
//
//	n, err := rq.Rebuild(ctx, replyquality.StoredReplies(ctx, conn, "earshot", time.Now().Add(-cfg.Window)))
//
// The database name must be a plain identifier.
func StoredReplies(ctx context.Context, conn driver.Conn, db string, since time.Time) iter.Seq2[Reply, error] {
	return func(yield func(Reply, error) bool) {
		if !identRE.MatchString(db) {
			yield(Reply{}, fmt.Errorf("database name %q is not an identifier ([A-Za-z_][A-Za-z0-9_]*)", db))
			return
		}
		since = since.UTC().Truncate(time.Second)
		rows, err := conn.Query(ctx, fmt.Sprintf(RebuildQuery, db), since, since)
		if err != nil {
			yield(Reply{}, fmt.Errorf("query the stored replies: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var r Reply
			if err := rows.Scan(&r.ID, &r.Brand, &r.CreatedAt, &r.Text); err != nil {
				yield(Reply{}, fmt.Errorf("read a stored reply: %w", err))
				return
			}
			if !yield(r, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(Reply{}, fmt.Errorf("read the stored replies: %w", err))
		}
	}
}
