package storage_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

// retentionMention is a customer post at created (every other one with a
// brand reply a minute later, so that replies has rows too).
func retentionMentions(created time.Time, n int, tag string) []*mention.Mention {
	var out []*mention.Mention
	for i := 0; i < n; i++ {
		at := created.Add(time.Duration(i) * time.Hour)
		en := at.Add(time.Second)
		id := fmt.Sprintf("x:%s-%d", tag, i)
		p := &mention.Mention{V: 1, ID: id, Platform: "x", NativeID: id[2:], CreatedAt: at, IngestedAt: en, Source: "test",
			Author: mention.Author{ID: "u"}, Text: "hello @klm", ConversationID: id, Direction: mention.DirectionInbound,
			Brands: []mention.BrandMatch{{Brand: "klm", How: "handle", Addressed: true}}, EnrichedAt: &en, Enricher: "test"}
		out = append(out, p)
		if i%2 == 0 {
			r := *p
			r.ID, r.NativeID, r.InReplyTo, r.AuthorBrand = id+"r", id[2:]+"r", id, "klm"
			r.CreatedAt = at.Add(time.Minute)
			r.Direction = mention.DirectionOutbound
			r.Brands = []mention.BrandMatch{{Brand: "klm", How: "author"}}
			out = append(out, &r)
		}
	}
	return out
}

func insertMentions(t testing.TB, conn driver.Conn, db string, ms []*mention.Mention) {
	t.Helper()
	var b storage.MentionBlock
	for _, m := range ms {
		if err := b.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := storage.InsertMentions(context.Background(), conn, db, &b); err != nil {
		t.Fatal(err)
	}
}

func tableIDs(t testing.TB, conn driver.Conn, db, table, col string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), fmt.Sprintf("SELECT DISTINCT %s FROM %s.%s ORDER BY %s", col, db, table, col))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// Retention against the real server: old and new months in every table;
// the dry run drops nothing, the run drops exactly the old months of every
// table, a second run finds nothing.
func TestRetentionDropsOldPartitions(t *testing.T) {
	cfg := testClickHouse(t)
	conn := open(t, cfg)
	ctx := context.Background()
	m, err := storage.NewMigrator(conn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	old1 := retentionMentions(time.Date(2023, 12, 31, 22, 0, 0, 0, time.UTC), 3, "dec") // spills into January
	old2 := retentionMentions(time.Date(2024, 2, 10, 0, 0, 0, 0, time.UTC), 4, "feb")
	keep1 := retentionMentions(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), 4, "mar") // the cutoff month: kept
	keep2 := retentionMentions(time.Date(2024, 6, 14, 0, 0, 0, 0, time.UTC), 4, "jun")
	var all []*mention.Mention
	for _, s := range [][]*mention.Mention{old1, old2, keep1, keep2} {
		all = append(all, s...)
	}
	insertMentions(t, conn, cfg.Database, all)
	insertMentions(t, conn, cfg.Database, keep2) // a second part in one partition

	r := &storage.Retention{Conn: conn, Database: cfg.Database, Months: 3,
		Now: func() time.Time { return time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC) }}
	if got := r.Cutoff(); got != "202403" {
		t.Fatalf("Cutoff = %s, want 202403", got)
	}
	parts, err := r.Partitions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]bool{}
	for _, p := range parts {
		tables[p.Table] = true
	}
	for _, tb := range []string{"mentions", "mention_brands", "replies"} {
		if !tables[tb] {
			t.Errorf("no partitions listed for %s", tb)
		}
	}
	if tables["schema_migrations"] {
		t.Error("schema_migrations listed: it is not partitioned by month")
	}

	dry, err := r.Apply(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range dry {
		got = append(got, p.Table+"/"+p.Month)
		if p.Rows == 0 {
			t.Errorf("%s/%s: 0 rows", p.Table, p.Month)
		}
	}
	sort.Strings(got)
	want := []string{
		"brand_hourly/202312", "brand_hourly/202401", "brand_hourly/202402",
		"mention_brands/202312", "mention_brands/202401", "mention_brands/202402",
		"mentions/202312", "mentions/202401", "mentions/202402",
		"replies/202312", "replies/202401", "replies/202402",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("expired partitions %v, want %v", got, want)
	}
	if ids := tableIDs(t, conn, cfg.Database, "mentions", "id"); len(ids) != len(all) {
		t.Fatalf("the dry run dropped rows: %d ids left of %d", len(ids), len(all))
	}

	dropped, err := r.Apply(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != len(want) {
		t.Fatalf("dropped %d partitions, want %d", len(dropped), len(want))
	}
	var keptIDs, keptReplies []string
	for _, m := range append(append([]*mention.Mention{}, keep1...), keep2...) {
		keptIDs = append(keptIDs, m.ID)
		if m.InReplyTo != "" {
			keptReplies = append(keptReplies, m.ID)
		}
	}
	sort.Strings(keptIDs)
	sort.Strings(keptReplies)
	for _, c := range []struct {
		table, col string
		want       []string
	}{
		{"mentions", "id", keptIDs},
		{"mention_brands", "mention_id", keptIDs},
		{"replies", "id", keptReplies},
	} {
		if got := tableIDs(t, conn, cfg.Database, c.table, c.col); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s after retention: %d ids %v…, want the %d of March and June", c.table, len(got), head(got), len(c.want))
		}
	}
	again, err := r.Apply(ctx, false)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run: %d partitions, %v; want none", len(again), err)
	}
	// Months < 1 is refused.
	r.Months = 0
	if _, err := r.Apply(ctx, true); err == nil {
		t.Error("Months 0 accepted")
	}
}

func head(s []string) []string {
	if len(s) > 4 {
		return s[:4]
	}
	return s
}

func TestRetentionDropSQL(t *testing.T) {
	r := &storage.Retention{Database: "earshot", Cluster: "prod"}
	sql, err := r.DropSQL(storage.Partition{Table: "mentions", Month: "202401"})
	if err != nil || sql != "ALTER TABLE earshot.mentions ON CLUSTER prod DROP PARTITION 202401" {
		t.Fatalf("DropSQL = %q, %v", sql, err)
	}
	for _, p := range []storage.Partition{{Table: "x; DROP", Month: "202401"}, {Table: "mentions", Month: "2024-01"}, {Table: "mentions", Month: "tuple()"}} {
		if _, err := r.DropSQL(p); err == nil {
			t.Errorf("DropSQL(%+v) accepted", p)
		}
	}
	cut := []struct {
		now    time.Time
		months int
		want   string
	}{
		{time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), 12, "202511"},
		{time.Date(2026, 1, 31, 23, 59, 0, 0, time.UTC), 1, "202512"},
		{time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), 1, "202602"}, // no day overflow
	}
	for _, c := range cut {
		r := &storage.Retention{Months: c.months, Now: func() time.Time { return c.now }}
		if got := r.Cutoff(); got != c.want {
			t.Errorf("Cutoff(%s, %d) = %s, want %s", c.now.Format("2006-01-02"), c.months, got, c.want)
		}
	}
}
