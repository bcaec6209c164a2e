package analytics

import (
	"context"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// LeaderboardQuery exposes the SQL and its arguments to the tests that run
// it on current ClickHouse (chDB).
var LeaderboardQuery = leaderboardQuery

// LeaderboardRaw computes the leaderboard from the raw tables alone (the
// reference the rolled-up path must equal).
var LeaderboardRaw = leaderboardRaw

// PlanOn tells whether Leaderboard reads part of q's period from
// inbound_posts, and whether it computes touched posts from the raw
// tables.
func PlanOn(ctx context.Context, conn driver.Conn, db string, q Query) (on, exclude bool, err error) {
	p, err := planTable(ctx, conn, db, q)
	return p.on(), p.Exclude, err
}

// LeaderboardPlanQuery is the SQL of the leaderboard reading the posts of
// [from, to) from inbound_posts (see tablePlan).
func LeaderboardPlanQuery(db string, q Query, from, to, watermark, changedBefore time.Time, exclude, rest bool) (string, []any) {
	return leaderboardPlanQuery(db, q, tablePlan{From: from, To: to, Watermark: watermark, ChangedBefore: changedBefore, Exclude: exclude, Rest: rest})
}

// RowFields is the row's fields as the CSV prints them.
func RowFields(r Row) []string { return r.fields() }
