package mention

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// encodeFast writes m as encoding/json (with SetEscapeHTML(false)) writes
// it, byte for byte, without reflection: the same field order and
// omitempty rules, times as time.Time.MarshalJSON writes them, floats with
// encoding/json's 'f'/'e' cut-offs, strings with its escapes (\" \\ \b \f
// \n \r \t, other control characters as \u00XX, each invalid UTF-8 byte as
// \ufffd, U+2028 and U+2029 escaped) and maps with sorted keys.
//
// It reports ok=false for whatever encoding/json would refuse (a NaN or
// infinite float, a year outside 0..9999, a cycle in Extra) and for Extra
// nested deeper than maxAnyDepth; Encode then calls encodeReflect, which
// gives the record encoding/json's meaning and error. Values in Extra of
// types other than the ones encoding/json decodes into an interface{}
// (plus the integer types, float32 and []string) are written by
// encoding/json itself, one value at a time.
//
// The result is a fresh slice of exactly the record's length; the scratch
// buffer it is written into is pooled.
func encodeFast(m *Mention) ([]byte, bool) {
	bp := encodeBufs.Get().(*[]byte)
	b, ok := appendMention((*bp)[:0], m)
	var out []byte
	if ok {
		out = make([]byte, len(b))
		copy(out, b)
	}
	if cap(b) <= maxPooledEncodeBuf {
		*bp = b[:0]
		encodeBufs.Put(bp)
	}
	return out, ok
}

// maxPooledEncodeBuf keeps the rare huge record's buffer out of the pool.
const maxPooledEncodeBuf = 128 << 10

var encodeBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, 2048)
	return &b
}}

// encodeReflect is the encoding/json encoding of m, without validation:
// the reference encodeFast is tested against, and its fallback.
func encodeReflect(m *Mention) ([]byte, error) {
	// No HTML escaping: "M&S <3" stays readable and a third of the size.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// appendMention appends m in the field order of the Mention struct.
// TestFastEncodeKnowsEveryField fails when a field is added to Mention or
// a nested type without being added here.
func appendMention(b []byte, m *Mention) ([]byte, bool) {
	var ok bool
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(m.V), 10)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, m.ID)
	b = append(b, `,"platform":`...)
	b = appendJSONString(b, m.Platform)
	b = append(b, `,"native_id":`...)
	b = appendJSONString(b, m.NativeID)
	b = appendOmitString(b, `,"url":`, m.URL)
	b = append(b, `,"created_at":`...)
	if b, ok = appendJSONTime(b, m.CreatedAt); !ok {
		return b, false
	}
	b = append(b, `,"ingested_at":`...)
	if b, ok = appendJSONTime(b, m.IngestedAt); !ok {
		return b, false
	}
	b = append(b, `,"source":`...)
	b = appendJSONString(b, m.Source)

	b = append(b, `,"author":{"id":`...)
	b = appendJSONString(b, m.Author.ID)
	b = appendOmitString(b, `,"handle":`, m.Author.Handle)
	b = appendOmitString(b, `,"display_name":`, m.Author.DisplayName)
	if m.Author.Followers != 0 {
		b = append(b, `,"followers":`...)
		b = strconv.AppendInt(b, m.Author.Followers, 10)
	}
	if m.Author.Verified {
		b = append(b, `,"verified":true`...)
	}
	b = append(b, '}')

	b = append(b, `,"text":`...)
	b = appendJSONString(b, m.Text)
	b = appendOmitString(b, `,"lang":`, m.Lang)
	b = appendOmitString(b, `,"in_reply_to":`, m.InReplyTo)
	b = append(b, `,"conversation_id":`...)
	b = appendJSONString(b, m.ConversationID)
	b = appendOmitString(b, `,"quoted_id":`, m.QuotedID)
	if e := m.Engagement; e != nil {
		b = append(b, `,"engagement":{`...)
		n := len(b)
		b = appendOmitInt(b, n, `"likes":`, e.Likes)
		b = appendOmitInt(b, n, `"reposts":`, e.Reposts)
		b = appendOmitInt(b, n, `"replies":`, e.Replies)
		b = appendOmitInt(b, n, `"quotes":`, e.Quotes)
		b = append(b, '}')
	}

	if len(m.Brands) > 0 {
		if b, ok = appendList(b, `,"brands":`, m.Brands, appendBrand); !ok {
			return b, false
		}
	}
	b = appendOmitString(b, `,"author_brand":`, m.AuthorBrand)
	b = appendOmitString(b, `,"direction":`, m.Direction)
	if s := m.Sentiment; s != nil {
		b = append(b, `,"sentiment":{"compound":`...)
		if b, ok = appendJSONFloat(b, s.Compound, 64); !ok {
			return b, false
		}
		b = append(b, `,"label":`...)
		b = appendJSONString(b, s.Label)
		b = append(b, `,"confidence":`...)
		if b, ok = appendJSONFloat(b, s.Confidence, 64); !ok {
			return b, false
		}
		b = append(b, '}')
	}
	if len(m.Entities) > 0 {
		if b, ok = appendList(b, `,"entities":`, m.Entities, appendEntity); !ok {
			return b, false
		}
	}
	if len(m.ContactReason) > 0 {
		if b, ok = appendList(b, `,"contact_reason":`, m.ContactReason, appendReason); !ok {
			return b, false
		}
	}
	if u := m.Urgency; u != nil {
		b = append(b, `,"urgency":{"score":`...)
		if b, ok = appendJSONFloat(b, u.Score, 64); !ok {
			return b, false
		}
		b = append(b, `,"level":`...)
		b = appendJSONString(b, u.Level)
		if len(u.Cues) > 0 {
			b = append(b, `,"cues":`...)
			b = appendJSONStrings(b, u.Cues)
		}
		b = append(b, '}')
	}
	if len(m.CrisisTerms) > 0 {
		b = append(b, `,"crisis_terms":`...)
		b = appendJSONStrings(b, m.CrisisTerms)
	}
	if len(m.PII) > 0 {
		b = append(b, `,"pii":`...)
		b = appendJSONStrings(b, m.PII)
	}
	if q := m.ReplyQuality; q != nil {
		b = append(b, `,"reply_quality":{"empathy":`...)
		if b, ok = appendJSONFloat(b, q.Empathy, 64); !ok {
			return b, false
		}
		if len(q.Parts) > 0 {
			b = append(b, `,"parts":`...)
			if b, ok = appendFloatMap(b, q.Parts); !ok {
				return b, false
			}
		}
		b = append(b, `,"deflection":`...)
		b = appendJSONString(b, q.Deflection)
		b = append(b, `,"canned":`...)
		if b, ok = appendJSONFloat(b, q.Canned, 64); !ok {
			return b, false
		}
		if q.CannedDups != 0 {
			b = append(b, `,"canned_dups":`...)
			b = strconv.AppendInt(b, int64(q.CannedDups), 10)
		}
		if q.Personal {
			b = append(b, `,"personal":true`...)
		}
		b = appendOmitString(b, `,"signature":`, q.Signature)
		b = append(b, '}')
	}
	if m.EnrichedAt != nil {
		b = append(b, `,"enriched_at":`...)
		if b, ok = appendJSONTime(b, *m.EnrichedAt); !ok {
			return b, false
		}
	}
	b = appendOmitString(b, `,"enricher":`, m.Enricher)
	if len(m.Extra) > 0 {
		b = append(b, `,"extra":`...)
		if b, ok = appendAnyMap(b, m.Extra, 0); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendOmitString appends an omitempty string member (key includes the
// leading comma).
func appendOmitString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, key...)
	return appendJSONString(b, s)
}

// appendList appends key and the JSON array of xs, each element written by
// elem; ok=false when an element cannot be written.
func appendList[T any](b []byte, key string, xs []T, elem func([]byte, *T) ([]byte, bool)) ([]byte, bool) {
	b = append(b, key...)
	b = append(b, '[')
	for i := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = elem(b, &xs[i]); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

func appendBrand(b []byte, x *BrandMatch) ([]byte, bool) {
	b = append(b, `{"brand":`...)
	b = appendJSONString(b, x.Brand)
	b = append(b, `,"how":`...)
	b = appendJSONString(b, x.How)
	b = append(b, `,"addressed":`...)
	b = strconv.AppendBool(b, x.Addressed)
	b = append(b, '}')
	return b, true
}

func appendEntity(b []byte, x *Entity) ([]byte, bool) {
	b = append(b, `{"text":`...)
	b = appendJSONString(b, x.Text)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, x.Type)
	b = append(b, `,"start":`...)
	b = strconv.AppendInt(b, int64(x.Start), 10)
	b = append(b, `,"end":`...)
	b = strconv.AppendInt(b, int64(x.End), 10)
	b = append(b, '}')
	return b, true
}

func appendReason(b []byte, x *Reason) ([]byte, bool) {
	var ok bool
	b = append(b, `{"reason":`...)
	b = appendJSONString(b, x.Reason)
	b = append(b, `,"confidence":`...)
	if b, ok = appendJSONFloat(b, x.Confidence, 64); !ok {
		return b, false
	}
	b = append(b, '}')
	return b, true
}

// appendOmitInt appends an omitempty integer member of an object whose
// members start at b[start:].
func appendOmitInt(b []byte, start int, key string, v int64) []byte {
	if v == 0 {
		return b
	}
	if len(b) > start {
		b = append(b, ',')
	}
	b = append(b, key...)
	return strconv.AppendInt(b, v, 10)
}

// appendJSONTime appends t as time.Time.MarshalJSON writes it; ok=false
// where MarshalJSON fails (a year outside 0..9999, a zone offset of 24
// hours or more).
func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	b = append(b, '"')
	n0 := len(b)
	b = t.AppendFormat(b, time.RFC3339Nano)
	// The checks of time.Time.appendStrictRFC3339.
	if b[n0+len("9999")] != '-' {
		return b, false
	}
	if b[len(b)-1] != 'Z' {
		c := b[len(b)-len("Z07:00")]
		h := b[len(b)-len("07:00"):]
		if ('0' <= c && c <= '9') || 10*(h[0]-'0')+(h[1]-'0') >= 24 {
			return b, false
		}
	}
	return append(b, '"'), true
}

// appendJSONFloat appends f as encoding/json's floatEncoder of the given
// bit size writes it; ok=false for NaN and ±Inf, which it refuses.
func appendJSONFloat(b []byte, f float64, bits int) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// e-09 → e-9, as encoding/json does.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json writes a string with
// HTML escaping off.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Plain ASCII: a word at a time, then byte by byte up to the next
		// byte to escape or decode (within the word that stopped the run).
		i += plainRun(s, i)
		for i < len(s) && s[i] >= 0x20 && s[i] < utf8.RuneSelf && s[i] != '"' && s[i] != '\\' {
			i++
		}
		if i >= len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONStrings appends a non-nil []string.
func appendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// sortedKeys returns the keys of m in encoding/json's order, in buf when
// they fit.
func sortedKeys[V any](m map[string]V, buf []string) []string {
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendFloatMap(b []byte, m map[string]float64) ([]byte, bool) {
	return appendObject(b, m, func(b []byte, v float64) ([]byte, bool) { return appendJSONFloat(b, v, 64) })
}

// appendObject appends m as a JSON object with encoding/json's key order,
// each value written by val; ok=false when a value cannot be written.
func appendObject[V any](b []byte, m map[string]V, val func([]byte, V) ([]byte, bool)) ([]byte, bool) {
	var buf [16]string
	b = append(b, '{')
	for i, k := range sortedKeys(m, buf[:]) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		var ok bool
		if b, ok = val(b, m[k]); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// maxAnyDepth (shared with the decoder) bounds the nesting of Extra the
// fast path writes; deeper values, and cycles, go to encoding/json.

// appendAnyMap appends a non-nil map[string]any.
func appendAnyMap(b []byte, m map[string]any, depth int) ([]byte, bool) {
	if depth > maxAnyDepth {
		return b, false
	}
	return appendObject(b, m, func(b []byte, v any) ([]byte, bool) { return appendAny(b, v, depth+1) })
}

// appendAny appends a value of Extra as encoding/json writes it.
func appendAny(b []byte, v any, depth int) ([]byte, bool) {
	if depth > maxAnyDepth {
		return b, false
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return appendJSONString(b, v), true
	case bool:
		return strconv.AppendBool(b, v), true
	case float64:
		return appendJSONFloat(b, v, 64)
	case float32:
		return appendJSONFloat(b, float64(v), 32)
	case int:
		return strconv.AppendInt(b, int64(v), 10), true
	case int8:
		return strconv.AppendInt(b, int64(v), 10), true
	case int16:
		return strconv.AppendInt(b, int64(v), 10), true
	case int32:
		return strconv.AppendInt(b, int64(v), 10), true
	case int64:
		return strconv.AppendInt(b, v, 10), true
	case uint:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint64:
		return strconv.AppendUint(b, v, 10), true
	case map[string]any:
		if v == nil {
			return append(b, "null"...), true
		}
		return appendAnyMap(b, v, depth)
	case []any:
		if v == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendAny(b, x, depth+1); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case []string:
		if v == nil {
			return append(b, "null"...), true
		}
		return appendJSONStrings(b, v), true
	default:
		// Any other type (named types, json.Number, json.RawMessage, other
		// Marshalers, structs, []byte, …) as encoding/json writes it.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(v) != nil {
			return b, false
		}
		return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), true
	}
}
