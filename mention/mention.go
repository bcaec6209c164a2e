// Package mention defines the Mention record, version 1: the contract between
// every earshot stage. One JSON object per Kafka message, keyed by
// conversation id so that a thread stays on one partition and in order.
//
// Sources fill the platform fields; enrichers add the enrichment fields and
// never remove anything.
package mention

import (
	"time"
)

// Version is the record version this package reads and writes.
const Version = 1

// Directions of a mention relative to a brand.
const (
	DirectionInbound  = "inbound"  // customer → brand
	DirectionOutbound = "outbound" // brand → customer
	DirectionOther    = "other"    // about a brand, or unrelated
)

// Sentiment labels.
const (
	SentimentPositive = "positive"
	SentimentNeutral  = "neutral"
	SentimentNegative = "negative"
)

// Mention is one post on a social platform, as published on
// earshot.mentions.raw and, enriched, on earshot.mentions.enriched.
type Mention struct {
	V int `json:"v"`

	// ID is platform-qualified and stable ("x:1234", "twcs:119238",
	// "bluesky:at://…", "mastodon:host/123"): the idempotency key all the way
	// into ClickHouse.
	ID         string    `json:"id"`
	Platform   string    `json:"platform"`
	NativeID   string    `json:"native_id"`
	URL        string    `json:"url,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	IngestedAt time.Time `json:"ingested_at"`
	Source     string    `json:"source"`

	Author Author `json:"author"`

	// Text is the raw text; PII is redacted in enrich before anything is stored.
	Text string `json:"text"`
	Lang string `json:"lang,omitempty"`

	// InReplyTo is the qualified id of the parent post, if any.
	InReplyTo string `json:"in_reply_to,omitempty"`
	// ConversationID is the qualified id of the thread's root post. A root
	// post's conversation id is its own id.
	ConversationID string `json:"conversation_id"`
	QuotedID       string `json:"quoted_id,omitempty"`

	Engagement *Engagement `json:"engagement,omitempty"`

	// Enrichment, added by earshot enrich.
	Brands        []BrandMatch   `json:"brands,omitempty"`
	AuthorBrand   string         `json:"author_brand,omitempty"`
	Direction     string         `json:"direction,omitempty"`
	Sentiment     *Sentiment     `json:"sentiment,omitempty"`
	Entities      []Entity       `json:"entities,omitempty"`
	ContactReason []Reason       `json:"contact_reason,omitempty"`
	Urgency       *Urgency       `json:"urgency,omitempty"`
	CrisisTerms   []string       `json:"crisis_terms,omitempty"`
	PII           []string       `json:"pii,omitempty"`
	ReplyQuality  *ReplyQuality  `json:"reply_quality,omitempty"`
	EnrichedAt    *time.Time     `json:"enriched_at,omitempty"`
	Enricher      string         `json:"enricher,omitempty"`
	Extra         map[string]any `json:"extra,omitempty"`
}

// Author is the account that wrote a mention.
type Author struct {
	ID          string `json:"id"`
	Handle      string `json:"handle,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Followers   int64  `json:"followers,omitempty"`
	Verified    bool   `json:"verified,omitempty"`
}

// Engagement holds the public counts a platform gives.
type Engagement struct {
	Likes   int64 `json:"likes,omitempty"`
	Reposts int64 `json:"reposts,omitempty"`
	Replies int64 `json:"replies,omitempty"`
	Quotes  int64 `json:"quotes,omitempty"`
}

// BrandMatch says that a mention is addressed to or about a brand, and how.
type BrandMatch struct {
	Brand string `json:"brand"` // registry id
	// How: "handle" (mentions an official handle), "reply" (replies to a
	// brand post), "alias", "hashtag", "cashtag", "author" (written by the brand).
	How string `json:"how"`
	// Addressed is true when the mention speaks to the brand (handle or
	// reply), false when it only talks about it.
	Addressed bool `json:"addressed"`
}

// Sentiment is a polarity score.
type Sentiment struct {
	Compound   float64 `json:"compound"` // −1..1
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"` // 0..1
}

// Entity is a span of the text with a type.
type Entity struct {
	Text  string `json:"text"`
	Type  string `json:"type"` // person, place, organisation, product, flight, order, tracking, booking, airport, …
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Reason is one contact reason with its confidence.
type Reason struct {
	Reason     string  `json:"reason"`
	Confidence float64 `json:"confidence"`
}

// Urgency is how urgent a mention is, with the cues found.
type Urgency struct {
	Score float64  `json:"score"` // 0..1
	Level string   `json:"level"` // low, medium, high, critical
	Cues  []string `json:"cues,omitempty"`
}

// ReplyQuality scores an outbound brand reply.
type ReplyQuality struct {
	Empathy    float64            `json:"empathy"` // 0..100
	Parts      map[string]float64 `json:"parts,omitempty"`
	Deflection string             `json:"deflection"` // dm, phone, email, web, store, none
	Canned     float64            `json:"canned"`     // 0..1 similarity to the brand's recent replies
	CannedDups int                `json:"canned_dups,omitempty"`
	Personal   bool               `json:"personal,omitempty"`
	Signature  string             `json:"signature,omitempty"`
}

// PartitionKey is the Kafka message key: the conversation id, or the id for
// a record that has none.
func (m *Mention) PartitionKey() []byte {
	if m.ConversationID != "" {
		return []byte(m.ConversationID)
	}
	return []byte(m.ID)
}
