package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/mention"
)

// MentionColumns are the columns of the mentions table that
// MentionBlock fills, in the order of MentionBlock.Columns.
var MentionColumns = []string{
	"id", "platform", "native_id", "url", "created_at", "created_ms", "ingested_at", "source",
	"author_id", "author_handle", "author_display_name", "author_followers", "author_verified",
	"text", "lang", "in_reply_to", "conversation_id", "quoted_id",
	"has_engagement", "engagement_likes", "engagement_reposts", "engagement_replies", "engagement_quotes",
	"brands", "brand_how", "brand_addressed", "author_brand", "direction",
	"sentiment_compound", "sentiment_label", "sentiment_confidence",
	"entity_text", "entity_type", "entity_start", "entity_end",
	"contact_reason", "contact_reason_confidence",
	"urgency_score", "urgency_level", "urgency_cues", "crisis_terms", "pii",
	"has_reply_quality", "reply_empathy", "reply_part_name", "reply_part_score",
	"reply_deflection", "reply_canned", "reply_canned_dups", "reply_personal", "reply_signature",
	"enriched_at", "enricher", "extra", "version",
}

// MentionBlock holds mentions column by column, ready for one INSERT:
// appending whole columns is the fastest way into ClickHouse.
type MentionBlock struct {
	id, platform, nativeID, url         []string
	createdAt                           []time.Time
	createdMS                           []uint16
	ingestedAt                          []time.Time
	source                              []string
	authorID, authorHandle, authorName  []string
	authorFollowers                     []int64
	authorVerified                      []uint8
	text, lang                          []string
	inReplyTo, conversationID, quotedID []string
	hasEngagement                       []uint8
	likes, reposts, replies, quotes     []int64
	brands, brandHow                    [][]string
	brandAddressed                      [][]uint8
	authorBrand, direction              []string
	sentCompound                        []float64
	sentLabel                           []string
	sentConfidence                      []float64
	entityText, entityType              [][]string
	entityStart, entityEnd              [][]int64
	reason                              [][]string
	reasonConfidence                    [][]float64
	urgencyScore                        []float64
	urgencyLevel                        []string
	urgencyCues, crisisTerms, pii       [][]string
	hasReplyQuality                     []uint8
	replyEmpathy                        []float64
	replyPartName                       [][]string
	replyPartScore                      [][]float64
	replyDeflection                     []string
	replyCanned                         []float64
	replyCannedDups                     []int64
	replyPersonal                       []uint8
	replySignature                      []string
	enrichedAt                          []time.Time
	enricher, extra                     []string
	version                             []uint64
}

// Len is the number of rows.
func (b *MentionBlock) Len() int { return len(b.id) }

// Reset empties the block and keeps its memory.
func (b *MentionBlock) Reset() {
	trunc(&b.id)
	trunc(&b.platform)
	trunc(&b.nativeID)
	trunc(&b.url)
	trunc(&b.createdAt)
	trunc(&b.createdMS)
	trunc(&b.ingestedAt)
	trunc(&b.source)
	trunc(&b.authorID)
	trunc(&b.authorHandle)
	trunc(&b.authorName)
	trunc(&b.authorFollowers)
	trunc(&b.authorVerified)
	trunc(&b.text)
	trunc(&b.lang)
	trunc(&b.inReplyTo)
	trunc(&b.conversationID)
	trunc(&b.quotedID)
	trunc(&b.hasEngagement)
	trunc(&b.likes)
	trunc(&b.reposts)
	trunc(&b.replies)
	trunc(&b.quotes)
	trunc(&b.brands)
	trunc(&b.brandHow)
	trunc(&b.brandAddressed)
	trunc(&b.authorBrand)
	trunc(&b.direction)
	trunc(&b.sentCompound)
	trunc(&b.sentLabel)
	trunc(&b.sentConfidence)
	trunc(&b.entityText)
	trunc(&b.entityType)
	trunc(&b.entityStart)
	trunc(&b.entityEnd)
	trunc(&b.reason)
	trunc(&b.reasonConfidence)
	trunc(&b.urgencyScore)
	trunc(&b.urgencyLevel)
	trunc(&b.urgencyCues)
	trunc(&b.crisisTerms)
	trunc(&b.pii)
	trunc(&b.hasReplyQuality)
	trunc(&b.replyEmpathy)
	trunc(&b.replyPartName)
	trunc(&b.replyPartScore)
	trunc(&b.replyDeflection)
	trunc(&b.replyCanned)
	trunc(&b.replyCannedDups)
	trunc(&b.replyPersonal)
	trunc(&b.replySignature)
	trunc(&b.enrichedAt)
	trunc(&b.enricher)
	trunc(&b.extra)
	trunc(&b.version)
}

// trunc empties s, keeping its capacity and dropping its references.
func trunc[T any](s *[]T) {
	clear(*s)
	*s = (*s)[:0]
}

// Columns returns the column slices in MentionColumns order.
func (b *MentionBlock) Columns() []any {
	return []any{
		b.id, b.platform, b.nativeID, b.url, b.createdAt, b.createdMS, b.ingestedAt, b.source,
		b.authorID, b.authorHandle, b.authorName, b.authorFollowers, b.authorVerified,
		b.text, b.lang, b.inReplyTo, b.conversationID, b.quotedID,
		b.hasEngagement, b.likes, b.reposts, b.replies, b.quotes,
		b.brands, b.brandHow, b.brandAddressed, b.authorBrand, b.direction,
		b.sentCompound, b.sentLabel, b.sentConfidence,
		b.entityText, b.entityType, b.entityStart, b.entityEnd,
		b.reason, b.reasonConfidence,
		b.urgencyScore, b.urgencyLevel, b.urgencyCues, b.crisisTerms, b.pii,
		b.hasReplyQuality, b.replyEmpathy, b.replyPartName, b.replyPartScore,
		b.replyDeflection, b.replyCanned, b.replyCannedDups, b.replyPersonal, b.replySignature,
		b.enrichedAt, b.enricher, b.extra, b.version,
	}
}

// The range of ClickHouse DateTime (UInt32 seconds since the epoch).
var (
	minDateTime = time.Unix(0, 0)
	maxDateTime = time.Unix(1<<32-1, 0)
)

func checkDateTime(field string, t time.Time) error {
	if t.Before(minDateTime) || t.After(maxDateTime) {
		return &mention.FieldError{Field: field, Reason: fmt.Sprintf("%s is outside the range ClickHouse DateTime can store (1970 to 2106)", t.UTC().Format(time.RFC3339))}
	}
	return nil
}

// Version is the deduplication version of a stored mention: enriched_at,
// or ingested_at when the mention is not enriched, in milliseconds. Of two
// records with the same id, the one enriched last wins.
func Version(m *mention.Mention) uint64 {
	t := m.IngestedAt
	if m.EnrichedAt != nil && !m.EnrichedAt.IsZero() {
		t = *m.EnrichedAt
	}
	if ms := t.UnixMilli(); ms > 0 {
		return uint64(ms)
	}
	return 0
}

// Append adds one validated mention as a row. It returns a
// *mention.FieldError, and appends nothing, when a value does not fit the
// schema (a time outside the DateTime range): such a record would make
// ClickHouse reject the whole batch, so it must go to the dead-letter
// topic instead.
func (b *MentionBlock) Append(m *mention.Mention) error {
	if err := checkDateTime("created_at", m.CreatedAt); err != nil {
		return err
	}
	if err := checkDateTime("ingested_at", m.IngestedAt); err != nil {
		return err
	}
	var enrichedAt time.Time
	if m.EnrichedAt != nil && !m.EnrichedAt.IsZero() {
		if err := checkDateTime("enriched_at", *m.EnrichedAt); err != nil {
			return err
		}
		enrichedAt = *m.EnrichedAt
	} else {
		enrichedAt = minDateTime
	}
	var extra string
	if len(m.Extra) > 0 {
		data, err := json.Marshal(m.Extra)
		if err != nil {
			return &mention.FieldError{Field: "extra", Reason: err.Error()}
		}
		extra = string(data)
	}

	b.id = append(b.id, m.ID)
	b.platform = append(b.platform, m.Platform)
	b.nativeID = append(b.nativeID, m.NativeID)
	b.url = append(b.url, m.URL)
	created := m.CreatedAt.UTC()
	b.createdAt = append(b.createdAt, created)
	b.createdMS = append(b.createdMS, uint16(created.Nanosecond()/int(time.Millisecond)))
	b.ingestedAt = append(b.ingestedAt, m.IngestedAt.UTC())
	b.source = append(b.source, m.Source)

	b.authorID = append(b.authorID, m.Author.ID)
	b.authorHandle = append(b.authorHandle, m.Author.Handle)
	b.authorName = append(b.authorName, m.Author.DisplayName)
	b.authorFollowers = append(b.authorFollowers, m.Author.Followers)
	b.authorVerified = append(b.authorVerified, boolByte(m.Author.Verified))

	b.text = append(b.text, m.Text)
	b.lang = append(b.lang, m.Lang)
	b.inReplyTo = append(b.inReplyTo, m.InReplyTo)
	b.conversationID = append(b.conversationID, m.ConversationID)
	b.quotedID = append(b.quotedID, m.QuotedID)

	var e mention.Engagement
	if m.Engagement != nil {
		e = *m.Engagement
	}
	b.hasEngagement = append(b.hasEngagement, boolByte(m.Engagement != nil))
	b.likes = append(b.likes, e.Likes)
	b.reposts = append(b.reposts, e.Reposts)
	b.replies = append(b.replies, e.Replies)
	b.quotes = append(b.quotes, e.Quotes)

	brands := make([]string, len(m.Brands))
	how := make([]string, len(m.Brands))
	addressed := make([]uint8, len(m.Brands))
	for i, bm := range m.Brands {
		brands[i], how[i], addressed[i] = bm.Brand, bm.How, boolByte(bm.Addressed)
	}
	b.brands = append(b.brands, brands)
	b.brandHow = append(b.brandHow, how)
	b.brandAddressed = append(b.brandAddressed, addressed)
	b.authorBrand = append(b.authorBrand, m.AuthorBrand)
	b.direction = append(b.direction, m.Direction)

	var s mention.Sentiment
	if m.Sentiment != nil {
		s = *m.Sentiment
	}
	b.sentCompound = append(b.sentCompound, s.Compound)
	b.sentLabel = append(b.sentLabel, s.Label)
	b.sentConfidence = append(b.sentConfidence, s.Confidence)

	et := make([]string, len(m.Entities))
	ety := make([]string, len(m.Entities))
	es := make([]int64, len(m.Entities))
	ee := make([]int64, len(m.Entities))
	for i, en := range m.Entities {
		et[i], ety[i], es[i], ee[i] = en.Text, en.Type, int64(en.Start), int64(en.End)
	}
	b.entityText = append(b.entityText, et)
	b.entityType = append(b.entityType, ety)
	b.entityStart = append(b.entityStart, es)
	b.entityEnd = append(b.entityEnd, ee)

	rs := make([]string, len(m.ContactReason))
	rc := make([]float64, len(m.ContactReason))
	for i, r := range m.ContactReason {
		rs[i], rc[i] = r.Reason, r.Confidence
	}
	b.reason = append(b.reason, rs)
	b.reasonConfidence = append(b.reasonConfidence, rc)

	var u mention.Urgency
	if m.Urgency != nil {
		u = *m.Urgency
	}
	b.urgencyScore = append(b.urgencyScore, u.Score)
	b.urgencyLevel = append(b.urgencyLevel, u.Level)
	b.urgencyCues = append(b.urgencyCues, nonNil(u.Cues))
	b.crisisTerms = append(b.crisisTerms, nonNil(m.CrisisTerms))
	b.pii = append(b.pii, nonNil(m.PII))

	var q mention.ReplyQuality
	if m.ReplyQuality != nil {
		q = *m.ReplyQuality
	}
	partNames := make([]string, 0, len(q.Parts))
	for k := range q.Parts {
		partNames = append(partNames, k)
	}
	sort.Strings(partNames)
	partScores := make([]float64, len(partNames))
	for i, k := range partNames {
		partScores[i] = q.Parts[k]
	}
	b.hasReplyQuality = append(b.hasReplyQuality, boolByte(m.ReplyQuality != nil))
	b.replyEmpathy = append(b.replyEmpathy, q.Empathy)
	b.replyPartName = append(b.replyPartName, partNames)
	b.replyPartScore = append(b.replyPartScore, partScores)
	b.replyDeflection = append(b.replyDeflection, q.Deflection)
	b.replyCanned = append(b.replyCanned, q.Canned)
	b.replyCannedDups = append(b.replyCannedDups, int64(q.CannedDups))
	b.replyPersonal = append(b.replyPersonal, boolByte(q.Personal))
	b.replySignature = append(b.replySignature, q.Signature)

	b.enrichedAt = append(b.enrichedAt, enrichedAt.UTC())
	b.enricher = append(b.enricher, m.Enricher)
	b.extra = append(b.extra, extra)
	b.version = append(b.version, Version(m))
	return nil
}

func boolByte(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// InsertMentionsSQL is the INSERT statement for a MentionBlock into db.
func InsertMentionsSQL(db string) string {
	return fmt.Sprintf("INSERT INTO %s.mentions (%s)", db, strings.Join(MentionColumns, ", "))
}

// InsertColumns sends one INSERT of the given column slices (as returned
// by MentionBlock.Columns, or a sub-range from SliceColumns) into
// db.mentions. The materialized views fill mention_brands and replies in
// the same insert.
func InsertColumns(ctx context.Context, conn driver.Conn, db string, cols []any) error {
	if !identRe.MatchString(db) {
		return fmt.Errorf("clickhouse.database: %q is not a plain identifier", db)
	}
	batch, err := conn.PrepareBatch(ctx, InsertMentionsSQL(db))
	if err != nil {
		return err
	}
	defer batch.Abort() // a no-op after Send
	for i, c := range cols {
		if err := appendColumn(batch.Column(i), c); err != nil {
			return &AppendError{Column: MentionColumns[i], Err: err}
		}
	}
	return batch.Send()
}

// appendColumn appends a whole column. Array columns go row by row with
// their typed slices: the driver's Append of a [][]T walks it by
// reflection and boxes every element (a fifth of the sink's CPU time),
// while AppendRow of a []T takes its typed path.
func appendColumn(col driver.BatchColumn, c any) error {
	switch v := c.(type) {
	case [][]string:
		return appendRows(col, v)
	case [][]uint8:
		return appendRows(col, v)
	case [][]int64:
		return appendRows(col, v)
	case [][]float64:
		return appendRows(col, v)
	}
	return col.Append(c)
}

func appendRows[T any](col driver.BatchColumn, rows [][]T) error {
	for _, r := range rows {
		if err := col.AppendRow(r); err != nil {
			return err
		}
	}
	return nil
}

// AppendError is a column the driver would not take: the Go types and the
// table disagree (Classify calls it a schema error; no row is to blame).
type AppendError struct {
	Column string
	Err    error
}

func (e *AppendError) Error() string {
	return "clickhouse: append column " + e.Column + ": " + e.Err.Error()
}

// Unwrap returns the driver's error.
func (e *AppendError) Unwrap() error { return e.Err }

// InsertMentions inserts a whole block.
func InsertMentions(ctx context.Context, conn driver.Conn, db string, b *MentionBlock) error {
	if b.Len() == 0 {
		return nil
	}
	return InsertColumns(ctx, conn, db, b.Columns())
}

// SliceColumns returns rows [lo, hi) of every column, sharing memory.
func SliceColumns(cols []any, lo, hi int) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = reflect.ValueOf(c).Slice(lo, hi).Interface()
	}
	return out
}
