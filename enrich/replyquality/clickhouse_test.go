package replyquality_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/enrich/replyquality"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

// TestRebuildFromClickHouse stores brand replies (and a customer post) in a
// real ClickHouse with the project's migrations, rebuilds the windows from
// them and checks that a new copy of the template is found canned.
func TestRebuildFromClickHouse(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	cfg, conn := testenv.Migrated(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := time.Now().UTC().Truncate(time.Second)
	var b storage.MentionBlock
	add := func(m *mention.Mention) {
		t.Helper()
		m.V, m.Platform, m.Source, m.IngestedAt = 1, "x", "test", now
		m.NativeID = m.ID[2:]
		m.ConversationID = "x:root"
		if err := b.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	tmpl := "@%d Please DM us your order number and e-mail address so we can look into this for you. ^A%d"
	for i := range 3 {
		add(&mention.Mention{ID: fmt.Sprintf("x:%d", 10+i), CreatedAt: now.Add(-time.Duration(3-i) * time.Hour),
			Author: mention.Author{ID: "AmazonHelp"}, AuthorBrand: "amazon", InReplyTo: "x:1", Direction: mention.DirectionOutbound,
			Text: fmt.Sprintf(tmpl, 100+i, i)})
	}
	// too old for the window, and a customer's post: neither is loaded
	add(&mention.Mention{ID: "x:9", CreatedAt: now.Add(-10 * 24 * time.Hour), Author: mention.Author{ID: "AmazonHelp"},
		AuthorBrand: "amazon", InReplyTo: "x:1", Direction: mention.DirectionOutbound, Text: fmt.Sprintf(tmpl, 9, 9)})
	add(&mention.Mention{ID: "x:1", CreatedAt: now.Add(-4 * time.Hour), Author: mention.Author{ID: "123"}, Text: "@AmazonHelp where is my parcel"})
	if err := storage.InsertMentions(ctx, conn, cfg.Database, &b); err != nil {
		t.Fatal(err)
	}
	// the same rows again: deduplicated by id
	if err := storage.InsertMentions(ctx, conn, cfg.Database, &b); err != nil {
		t.Fatal(err)
	}

	rc := replyquality.DefaultConfig()
	e, err := replyquality.New(rc, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.Rebuild(ctx, replyquality.StoredReplies(ctx, conn, cfg.Database, now.Add(-rc.Window)))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || e.Indexed() != 3 {
		t.Fatalf("rebuilt %d replies, indexed %d; want 3", n, e.Indexed())
	}
	m := &mention.Mention{ID: "x:new", CreatedAt: now, AuthorBrand: "amazon", InReplyTo: "x:2", Direction: mention.DirectionOutbound,
		Text: fmt.Sprintf(tmpl, 555, 7)}
	if err := e.Enrich(ctx, m); err != nil {
		t.Fatal(err)
	}
	if m.ReplyQuality.CannedDups != 3 {
		t.Errorf("canned_dups %d, want 3 (canned %.2f)", m.ReplyQuality.CannedDups, m.ReplyQuality.Canned)
	}
	if _, err := e.Rebuild(ctx, replyquality.StoredReplies(ctx, conn, "bad-name;", now)); err == nil {
		t.Error("a bad database name: no error")
	}
}

// TestRebuildQueryOnCurrentClickHouse runs the rebuild query on current
// ClickHouse (chDB) over the same kind of rows: a brand reply, a duplicate
// of it, a customer post and an old reply, as on the 18.16 server.
func TestRebuildQueryOnCurrentClickHouse(t *testing.T) {
	const db = "earshot_chdb"
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var b storage.MentionBlock
	add := func(id string, at time.Time, brand, text string) {
		t.Helper()
		m := &mention.Mention{V: 1, ID: "x:" + id, Platform: "x", NativeID: id, CreatedAt: at, IngestedAt: at,
			Source: "test", Author: mention.Author{ID: "a" + id}, Text: text, ConversationID: "x:c" + id}
		if brand != "" {
			m.AuthorBrand, m.InReplyTo, m.Direction = brand, "x:p"+id, mention.DirectionOutbound
		}
		if err := b.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	add("1", now.Add(-time.Hour), "klm", "Sorry to hear that. Please DM us your booking code. ^JS")
	add("2", now.Add(-2*time.Hour), "", "@KLM where is my bag")
	add("3", now.Add(-30*24*time.Hour), "klm", "an old reply, outside the window")
	stmts := testenv.MigrationStatements(t, db)
	ins := testenv.InsertMentionsValues(db, &b)
	since := now.Add(-7 * 24 * time.Hour)
	stmts = append(stmts, ins, ins, testenv.Inline(fmt.Sprintf(replyquality.RebuildQuery, db), []any{since, since}))
	outs := testenv.ChDBExec(t, stmts)
	got := outs[len(outs)-1]
	if want := "x:1\tklm\t"; len(got) < len(want) || got[:len(want)] != want {
		t.Fatalf("rebuild query on current ClickHouse returned %q, want the one recent reply x:1 of klm, once", got)
	}
	if n := len(splitLines(got)); n != 1 {
		t.Fatalf("rebuild query returned %d rows, want 1 (duplicates collapse, old and customer rows excluded):\n%s", n, got)
	}
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
