package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/storage"
)

// earshot retention against the real server: a post of this month and one
// of six months ago; --dry-run lists the old month and drops nothing,
// --months 3 drops it, clickhouse.retention_months 0 without --months is
// refused.
func TestRetentionCommand(t *testing.T) {
	cfg, conn := migratedClickHouse(t)
	ctx := context.Background()
	now := time.Now().UTC()
	old := time.Date(now.Year(), now.Month(), 15, 12, 0, 0, 0, time.UTC).AddDate(0, -6, 0)
	var b storage.MentionBlock
	for i, at := range []time.Time{now.Add(-time.Hour), old} {
		if err := b.Append(klmPost(fmt.Sprint(i), at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := storage.InsertMentions(ctx, conn, cfg.Database, &b); err != nil {
		t.Fatal(err)
	}
	month := old.Format("200601")
	count := func() uint64 {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+cfg.Database+".mentions").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if _, err := runCLI(t, "retention"); err == nil || !strings.Contains(err.Error(), "--months") {
		t.Fatalf("retention without a period: %v, want an error naming --months", err)
	}
	out, err := runCLI(t, "retention", "--months", "3", "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "mentions") || !strings.Contains(out, month) || !strings.Contains(out, "would drop 3 partitions (3 rows)") {
		t.Fatalf("dry run output:\n%s\nwant mentions, mention_brands, brand_hourly of %s", out, month)
	}
	if n := count(); n != 2 {
		t.Fatalf("dry run left %d mentions, want 2", n)
	}
	out, err = runCLI(t, "retention", "--months", "3")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "dropped 3 partitions (3 rows)") {
		t.Fatalf("output:\n%s", out)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d mentions after retention, want the recent one", n)
	}
	t.Logf("earshot retention --months 3:\n%s", out)
}
