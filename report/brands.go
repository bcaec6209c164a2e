package report

import (
	"context"
	"fmt"
	"sort"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/registry"
)

// BrandsWithPosts returns, sorted, the registry brands with inbound posts
// in week w — of sector only, unless sector is "": the brands a run
// without --brand reports on.
func BrandsWithPosts(ctx context.Context, conn driver.Conn, db string, reg *registry.Registry, w Week, sector string) ([]string, error) {
	rows, err := analytics.Leaderboard(ctx, conn, db, analytics.Query{Since: w.Since(), Until: w.Until()})
	if err != nil {
		return nil, fmt.Errorf("report: brands with posts in %s: %w", w, err)
	}
	var out []string
	for _, r := range rows {
		b, ok := reg.ByID(r.Brand)
		if !ok || r.Inbound == 0 || (sector != "" && b.Sector != sector) {
			continue
		}
		out = append(out, r.Brand)
	}
	sort.Strings(out)
	return out, nil
}
