package storage_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

// migrated returns a config and connection for a fresh, migrated database.
func migrated(t testing.TB) (storage.Config, driver.Conn) {
	t.Helper()
	cfg := testClickHouse(t)
	conn := open(t, cfg)
	m, err := storage.NewMigrator(conn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cfg, conn
}

// The Go column list and the table agree: every column of the table is
// filled, in a Go type the driver accepts (checked by the round trip).
func TestMentionColumnsMatchTable(t *testing.T) {
	cfg, conn := migrated(t)
	rows, err := conn.Query(context.Background(), "SELECT name FROM system.columns WHERE database = ? AND table = 'mentions'", cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, n)
	}
	if !reflect.DeepEqual(cols, storage.MentionColumns) {
		t.Fatalf("mentions columns\n table %v\n   Go %v", cols, storage.MentionColumns)
	}
	var b storage.MentionBlock
	if got := len(b.Columns()); got != len(storage.MentionColumns) {
		t.Fatalf("MentionBlock.Columns has %d columns, MentionColumns %d", got, len(storage.MentionColumns))
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fullMention sets every field of the record.
func fullMention() *mention.Mention {
	enriched := ts("2024-03-05T10:00:09.5Z")
	return &mention.Mention{
		V: 1, ID: "x:100", Platform: "x", NativeID: "100", URL: "https://x.com/a/status/100",
		CreatedAt: ts("2024-03-05T10:00:00.123Z"), IngestedAt: ts("2024-03-05T10:00:05Z"), Source: "test",
		Author: mention.Author{ID: "u1", Handle: "ann", DisplayName: "Ann O'Neil", Followers: 12, Verified: true},
		Text:   "@KLM my bag 'AB123' is lost; please help", Lang: "en",
		InReplyTo: "x:99", ConversationID: "x:90", QuotedID: "x:50",
		Engagement:    &mention.Engagement{Likes: 3, Reposts: 2, Replies: 1, Quotes: 4},
		Brands:        []mention.BrandMatch{{Brand: "klm", How: "handle", Addressed: true}, {Brand: "airfrance", How: "alias"}},
		Direction:     mention.DirectionInbound,
		Sentiment:     &mention.Sentiment{Compound: -0.6124, Label: mention.SentimentNegative, Confidence: 0.8},
		Entities:      []mention.Entity{{Text: "AB123", Type: "booking", Start: 12, End: 17}},
		ContactReason: []mention.Reason{{Reason: "baggage", Confidence: 0.9}, {Reason: "complaint", Confidence: 0.4}},
		Urgency:       &mention.Urgency{Score: 0.7, Level: "high", Cues: []string{"lost"}},
		CrisisTerms:   []string{"lost"},
		PII:           []string{"email"},
		ReplyQuality:  &mention.ReplyQuality{Empathy: 55, Parts: map[string]float64{"apology": 20, "ack": 35}, Deflection: "dm", Canned: 0.25, CannedDups: 3, Personal: true, Signature: "^JB"},
		EnrichedAt:    &enriched,
		Enricher:      "earshot-enrich/1",
		Extra:         map[string]any{"k": "v"},
	}
}

func TestMentionRoundTrip(t *testing.T) {
	ctx := context.Background()
	cfg, conn := migrated(t)
	m := fullMention()
	bare := &mention.Mention{V: 1, ID: "x:101", Platform: "x", NativeID: "101", CreatedAt: ts("2024-03-05T11:00:00Z"),
		IngestedAt: ts("2024-03-05T11:00:01Z"), Source: "test", Author: mention.Author{ID: "u2"}, Text: "hi", ConversationID: "x:101"}
	for _, x := range []*mention.Mention{m, bare} {
		if err := x.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	var b storage.MentionBlock
	for _, x := range []*mention.Mention{m, bare} {
		if err := b.Append(x); err != nil {
			t.Fatal(err)
		}
	}
	if err := storage.InsertMentions(ctx, conn, cfg.Database, &b); err != nil {
		t.Fatal(err)
	}
	q := `SELECT id, platform, native_id, url, toUnixTimestamp(created_at), created_ms, toUnixTimestamp(ingested_at), source,
		author_id, author_handle, author_display_name, author_followers, author_verified, text, lang, in_reply_to, conversation_id, quoted_id,
		has_engagement, engagement_likes, engagement_reposts, engagement_replies, engagement_quotes,
		brands, brand_how, brand_addressed, author_brand, direction, sentiment_compound, sentiment_label, sentiment_confidence,
		entity_text, entity_type, entity_start, entity_end, contact_reason, contact_reason_confidence,
		urgency_score, urgency_level, urgency_cues, crisis_terms, pii,
		has_reply_quality, reply_empathy, reply_part_name, reply_part_score, reply_deflection, reply_canned, reply_canned_dups, reply_personal, reply_signature,
		toUnixTimestamp(enriched_at), enricher, extra, version
		FROM ` + cfg.Database + `.mentions ORDER BY id`
	rows, err := conn.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var (
			id, platform, nativeID, url, source, aid, ah, an, text, lang, irt, conv, quoted string
			created, ingested, enrichedAt                                                   uint32
			createdMS                                                                       uint16
			followers, likes, reposts, replies, quotes, dups                                int64
			verified, hasEng, hasRQ, personal                                               uint8
			brands, how, et, ety, reasons, cues, crisis, pii, partNames                     []string
			addressed                                                                       []uint8
			authorBrand, direction, label, level, deflection, sig, enricher, extra          string
			compound, conf, urg, empathy, canned                                            float64
			es, ee                                                                          []int64
			rc, partScores                                                                  []float64
			version                                                                         uint64
		)
		if err := rows.Scan(&id, &platform, &nativeID, &url, &created, &createdMS, &ingested, &source,
			&aid, &ah, &an, &followers, &verified, &text, &lang, &irt, &conv, &quoted,
			&hasEng, &likes, &reposts, &replies, &quotes,
			&brands, &how, &addressed, &authorBrand, &direction, &compound, &label, &conf,
			&et, &ety, &es, &ee, &reasons, &rc, &urg, &level, &cues, &crisis, &pii,
			&hasRQ, &empathy, &partNames, &partScores, &deflection, &canned, &dups, &personal, &sig,
			&enrichedAt, &enricher, &extra, &version); err != nil {
			t.Fatal(err)
		}
		got = append(got, join(id, platform, nativeID, url, created, createdMS, ingested, source,
			aid, ah, an, followers, verified, text, lang, irt, conv, quoted,
			hasEng, likes, reposts, replies, quotes, brands, how, addressed, authorBrand, direction, compound, label, conf,
			et, ety, es, ee, reasons, rc, urg, level, cues, crisis, pii,
			hasRQ, empathy, partNames, partScores, deflection, canned, dups, personal, sig, enrichedAt, enricher, extra, version))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"x:100|x|100|https://x.com/a/status/100|1709632800|123|1709632805|test|u1|ann|Ann O'Neil|12|1|@KLM my bag 'AB123' is lost; please help|en|x:99|x:90|x:50|" +
			"1|3|2|1|4|[klm airfrance]|[handle alias]|[1 0]||inbound|-0.6124|negative|0.8|[AB123]|[booking]|[12]|[17]|[baggage complaint]|[0.9 0.4]|0.7|high|[lost]|[lost]|[email]|" +
			"1|55|[ack apology]|[35 20]|dm|0.25|3|1|^JB|1709632809|earshot-enrich/1|{\"k\":\"v\"}|1709632809500",
		"x:101|x|101||1709636400|0|1709636401|test|u2|||0|0|hi|||x:101||" +
			"0|0|0|0|0|[]|[]|[]|||0||0|[]|[]|[]|[]|[]|[]|0||[]|[]|[]|" +
			"0|0|[]|[]||0|0|0||0|||1709636401000",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip\n got %q\nwant %q", got, want)
	}
}

// The materialized views fan a mention out per brand (one row per brand,
// addressed when any of its matches is) and collect brand replies.
func TestMaterializedViews(t *testing.T) {
	ctx := context.Background()
	cfg, conn := migrated(t)
	base := func(id string) *mention.Mention {
		return &mention.Mention{V: 1, ID: "x:" + id, Platform: "x", NativeID: id, CreatedAt: ts("2024-03-05T10:00:00Z"),
			IngestedAt: ts("2024-03-05T10:00:01Z"), Source: "test", Author: mention.Author{ID: "u"}, Text: "t", ConversationID: "x:1"}
	}
	post := base("1")
	post.Brands = []mention.BrandMatch{{Brand: "klm", How: "alias"}, {Brand: "klm", How: "handle", Addressed: true}, {Brand: "tesco", How: "alias"}}
	reply := base("2")
	reply.InReplyTo, reply.AuthorBrand = "x:1", "klm"
	reply.Brands = []mention.BrandMatch{{Brand: "klm", How: "author"}}
	about := base("3") // no brands: no fan-out row
	var b storage.MentionBlock
	for _, m := range []*mention.Mention{post, reply, about} {
		if err := b.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := storage.InsertMentions(ctx, conn, cfg.Database, &b); err != nil {
		t.Fatal(err)
	}
	got := queryStrings(t, conn, "SELECT concat(brand, ' ', mention_id, ' ', toString(addressed), ' ', author_brand) FROM "+cfg.Database+".mention_brands ORDER BY brand, mention_id")
	want := []string{"klm x:1 1 ", "klm x:2 0 klm", "tesco x:1 0 "}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mention_brands = %q, want %q", got, want)
	}
	got = queryStrings(t, conn, "SELECT concat(author_brand, ' ', in_reply_to, ' ', id) FROM "+cfg.Database+".replies")
	if want := []string{"klm x:1 x:2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("replies = %q, want %q", got, want)
	}
}

func join(vals ...any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "|")
}

func queryStrings(t testing.TB, conn driver.Conn, q string, args ...any) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, args...)
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
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAppendRejectsTimesOutsideDateTime(t *testing.T) {
	tests := []struct {
		field string
		set   func(m *mention.Mention)
	}{
		{"ingested_at", func(m *mention.Mention) { m.IngestedAt = ts("1969-12-31T23:59:59Z") }},
		{"enriched_at", func(m *mention.Mention) { e := ts("2200-01-01T00:00:00Z"); m.EnrichedAt = &e }},
		{"created_at", func(m *mention.Mention) { m.CreatedAt = ts("2107-01-01T00:00:00Z") }},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			m := fullMention()
			tt.set(m)
			var b storage.MentionBlock
			err := b.Append(m)
			var fe *mention.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("Append = %v, want a FieldError on %s", err, tt.field)
			}
			if b.Len() != 0 {
				t.Fatalf("a rejected mention left %d rows", b.Len())
			}
			for i, c := range b.Columns() {
				if n := reflect.ValueOf(c).Len(); n != 0 {
					t.Fatalf("column %s has %d values after a rejected append", storage.MentionColumns[i], n)
				}
			}
		})
	}
}

func TestClassifyServerErrors(t *testing.T) {
	ctx := context.Background()
	cfg, conn := migrated(t)
	tests := []struct {
		name string
		run  func() error
		want storage.ErrorKind
	}{
		{"unknown table", func() error { return conn.Exec(ctx, "SELECT 1 FROM "+cfg.Database+".nope") }, storage.ErrorSchema},
		{"unknown database", func() error { return conn.Exec(ctx, "SELECT 1 FROM nope_db_x.t") }, storage.ErrorSchema},
		{"unknown column", func() error {
			_, err := conn.PrepareBatch(ctx, "INSERT INTO "+cfg.Database+".mentions (id, nope)")
			return err
		}, storage.ErrorSchema},
		{"bad value", func() error { return conn.Exec(ctx, "SELECT toDateTime('not a time')") }, storage.ErrorData},
		{"client-side type mismatch", func() error {
			cols := make([]any, len(storage.MentionColumns))
			for i := range cols {
				cols[i] = []string{"x"} // wrong for every non-String column
			}
			return storage.InsertColumns(ctx, conn, cfg.Database, cols)
		}, storage.ErrorSchema},
		{"deadline", func() error {
			c, cancel := context.WithTimeout(ctx, time.Nanosecond)
			defer cancel()
			time.Sleep(time.Millisecond)
			return conn.Exec(c, "SELECT 1")
		}, storage.ErrorTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil {
				t.Fatal("no error")
			}
			if got := storage.Classify(err); got != tt.want {
				t.Errorf("Classify(%v) = %s, want %s", err, got, tt.want)
			}
		})
	}
}

func TestOpenUnreachable(t *testing.T) {
	c := storage.DefaultConfig()
	c.Addr = "127.0.0.1:1" // nothing listens on port 1
	c.DialTimeout = 2 * time.Second
	_, err := storage.Open(context.Background(), c)
	if err == nil {
		t.Fatal("Open of an unreachable server: no error")
	}
	for _, want := range []string{"127.0.0.1:1", "EARSHOT_CLICKHOUSE_ADDR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	c.Addr = "no-port"
	if _, err := storage.Open(context.Background(), c); err == nil || !strings.Contains(err.Error(), "clickhouse.addr") {
		t.Errorf("Open with a bad address: %v", err)
	}
}

func TestMentionBlockReset(t *testing.T) {
	var b storage.MentionBlock
	for i := 0; i < 3; i++ {
		if err := b.Append(fullMention()); err != nil {
			t.Fatal(err)
		}
	}
	b.Reset()
	if err := b.Append(fullMention()); err != nil {
		t.Fatal(err)
	}
	for i, c := range b.Columns() {
		if n := reflect.ValueOf(c).Len(); n != 1 {
			t.Errorf("column %s has %d values after Reset and one Append, want 1", storage.MentionColumns[i], n)
		}
	}
}
