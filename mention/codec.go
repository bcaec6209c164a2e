package mention

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxTextBytes bounds a mention's text. The longest posts of the platforms
// earshot reads (Reddit self-posts) stay well below it.
const MaxTextBytes = 64 << 10

// MaxRecordBytes bounds an encoded record.
const MaxRecordBytes = 1 << 20

// FieldError is a validation failure that names the offending field.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// ErrDecode wraps every failure to decode a record.
var ErrDecode = errors.New("mention: cannot decode")

// Decode parses and validates one JSON record. The error names what was
// wrong: malformed JSON, a wrong version, or a *FieldError.
func Decode(data []byte) (*Mention, error) {
	if len(data) > MaxRecordBytes {
		return nil, fmt.Errorf("%w: record is %d bytes, the limit is %d", ErrDecode, len(data), MaxRecordBytes)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: record is not valid UTF-8", ErrDecode)
	}
	// The records Encode writes take the fast path; anything else, and
	// every error, takes encoding/json's, with its meaning and messages.
	if m, ok := decodeFast(data); ok {
		if err := m.Validate(); err != nil {
			return nil, err
		}
		return m, nil
	}
	var m Mention
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	// dec.More() misses a trailing '}' or ']'; only white space may follow.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrDecode)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Encode validates and marshals a record. It refuses what Decode would
// refuse, so that every encoded record can be decoded.
func Encode(m *Mention) ([]byte, error) {
	if m == nil {
		return nil, &FieldError{Field: "record", Reason: "is nil"}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	// The fast path writes what encoding/json writes, without HTML
	// escaping; whatever it refuses, encoding/json encodes (or refuses).
	data, ok := encodeFast(m)
	if !ok {
		var err error
		if data, err = encodeReflect(m); err != nil {
			return nil, err
		}
	}
	if len(data) > MaxRecordBytes {
		return nil, &FieldError{Field: "record", Reason: fmt.Sprintf("encodes to %d bytes, the limit is %d", len(data), MaxRecordBytes)}
	}
	return data, nil
}

// earliest is the lower bound for created_at: before any social network.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// maxFuture tolerates clock skew between a platform and this host.
const maxFuture = 24 * time.Hour

// Validate checks the record against the v1 contract. It returns a
// *FieldError naming the first field that is wrong.
func (m *Mention) Validate() error {
	return m.validateAt(time.Now())
}

func (m *Mention) validateAt(now time.Time) error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if m == nil {
		return &FieldError{Field: "record", Reason: "is nil"}
	}
	if m.V != Version {
		return bad("v", "version %d is not supported (want %d)", m.V, Version)
	}
	if m.Platform == "" {
		return bad("platform", "is empty")
	}
	if strings.ContainsAny(m.Platform, ": \t\n") {
		return bad("platform", "%q must not contain ':' or white space", m.Platform)
	}
	if m.NativeID == "" {
		return bad("native_id", "is empty")
	}
	if want := m.Platform + ":"; !strings.HasPrefix(m.ID, want) || len(m.ID) == len(want) {
		return bad("id", "%q must be platform-qualified as %q + native id", m.ID, want)
	}
	if err := checkQualified("in_reply_to", m.InReplyTo); err != nil {
		return err
	}
	if m.ConversationID == "" {
		return bad("conversation_id", "is empty (a root post's conversation id is its own id)")
	}
	if err := checkQualified("conversation_id", m.ConversationID); err != nil {
		return err
	}
	if err := checkQualified("quoted_id", m.QuotedID); err != nil {
		return err
	}
	if m.InReplyTo == m.ID {
		return bad("in_reply_to", "a post cannot reply to itself")
	}
	if m.CreatedAt.IsZero() {
		return bad("created_at", "is missing")
	}
	if m.CreatedAt.Before(earliest) {
		return bad("created_at", "%s is before %s", m.CreatedAt.Format(time.RFC3339), earliest.Format("2006"))
	}
	if m.CreatedAt.After(now.Add(maxFuture)) {
		return bad("created_at", "%s is more than %s in the future", m.CreatedAt.Format(time.RFC3339), maxFuture)
	}
	if m.IngestedAt.IsZero() {
		return bad("ingested_at", "is missing")
	}
	if m.Source == "" {
		return bad("source", "is empty")
	}
	if m.Author.ID == "" {
		return bad("author.id", "is empty")
	}
	if m.Author.Followers < 0 {
		return bad("author.followers", "is negative")
	}
	if len(m.Text) > MaxTextBytes {
		return bad("text", "is %d bytes, the limit is %d", len(m.Text), MaxTextBytes)
	}
	if strings.TrimSpace(m.Text) == "" {
		return bad("text", "is empty")
	}
	if !utf8.ValidString(m.Text) {
		return bad("text", "is not valid UTF-8")
	}
	switch m.Direction {
	case "", DirectionInbound, DirectionOutbound, DirectionOther:
	default:
		return bad("direction", "%q is not one of inbound, outbound, other", m.Direction)
	}
	for i, b := range m.Brands {
		if b.Brand == "" {
			return bad(fmt.Sprintf("brands[%d].brand", i), "is empty")
		}
	}
	if s := m.Sentiment; s != nil {
		if s.Compound < -1 || s.Compound > 1 || s.Compound != s.Compound {
			return bad("sentiment.compound", "%v is outside −1..1", s.Compound)
		}
		if s.Confidence < 0 || s.Confidence > 1 || s.Confidence != s.Confidence {
			return bad("sentiment.confidence", "%v is outside 0..1", s.Confidence)
		}
		switch s.Label {
		case SentimentPositive, SentimentNeutral, SentimentNegative:
		default:
			return bad("sentiment.label", "%q is not one of positive, neutral, negative", s.Label)
		}
	}
	for i, r := range m.ContactReason {
		if r.Confidence < 0 || r.Confidence > 1 || r.Confidence != r.Confidence {
			return bad(fmt.Sprintf("contact_reason[%d].confidence", i), "%v is outside 0..1", r.Confidence)
		}
	}
	if u := m.Urgency; u != nil {
		if u.Score < 0 || u.Score > 1 || u.Score != u.Score {
			return bad("urgency.score", "%v is outside 0..1", u.Score)
		}
	}
	if q := m.ReplyQuality; q != nil {
		if q.Empathy < 0 || q.Empathy > 100 || q.Empathy != q.Empathy {
			return bad("reply_quality.empathy", "%v is outside 0..100", q.Empathy)
		}
		if q.Canned < 0 || q.Canned > 1 || q.Canned != q.Canned {
			return bad("reply_quality.canned", "%v is outside 0..1", q.Canned)
		}
		for k, v := range q.Parts {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return bad("reply_quality.parts."+k, "%v is not a finite number", v)
			}
		}
	}
	return nil
}

func checkQualified(field, id string) error {
	if id == "" {
		return nil
	}
	i := strings.IndexByte(id, ':')
	if i <= 0 || i == len(id)-1 {
		return &FieldError{Field: field, Reason: fmt.Sprintf("%q is not a platform-qualified id", id)}
	}
	return nil
}

// QualifiedID joins a platform and a native id.
func QualifiedID(platform, nativeID string) string { return platform + ":" + nativeID }
