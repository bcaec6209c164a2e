package mention

import (
	"encoding/json"
	"strconv"
	"time"
)

// decodeFast decodes the records Encode writes — exact field names, each
// at most once, no nulls outside "extra" — without reflection, and reports
// ok=false for anything else. Decode then decodes the record again with
// encoding/json, which gives every other input (and every error) its
// usual meaning. On what it accepts, decodeFast gives exactly what
// encoding/json gives (FuzzDecodeFast checks it):
//
//   - strings without escapes are substrings of one copy of the record;
//     strings with escapes are unquoted by encoding/json itself;
//   - numbers follow the JSON grammar and are parsed as encoding/json
//     parses them (strconv.ParseInt / ParseFloat of the literal);
//   - times are parsed by time.Time.UnmarshalJSON from the raw literal,
//     as encoding/json does;
//   - an empty array is an empty, non-nil slice and an object for a map
//     a non-nil map, as with encoding/json.
//
// data must be valid UTF-8 (Decode checks it first).
func decodeFast(data []byte) (*Mention, bool) {
	p := fastParser{data: data, s: string(data)}
	m := new(Mention)
	p.ws()
	if !p.mention(m) {
		return nil, false
	}
	p.ws()
	if p.i != len(p.data) {
		return nil, false
	}
	return m, true
}

type fastParser struct {
	data []byte
	s    string // one copy of data: strings without escapes share it
	i    int
}

func (p *fastParser) ws() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte consumes c after optional white space.
func (p *fastParser) byte(c byte) bool {
	p.ws()
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

// object calls field for each key of an object, after which the value
// follows; a key that is not plain (has escapes) fails.
func (p *fastParser) object(field func(key string) bool) bool {
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return true
	}
	for {
		p.ws()
		key, ok := p.plainString()
		if !ok || !p.byte(':') {
			return false
		}
		p.ws()
		if !field(key) {
			return false
		}
		if p.byte(',') {
			continue
		}
		return p.byte('}')
	}
}

// array calls elem for each element of an array (white space skipped
// before it).
func (p *fastParser) array(elem func() bool) bool {
	if !p.byte('[') {
		return false
	}
	if p.byte(']') {
		return true
	}
	for {
		p.ws()
		if !elem() {
			return false
		}
		if p.byte(',') {
			continue
		}
		return p.byte(']')
	}
}

// stringEnd returns the index after the closing quote of the string at
// p.i and whether it has escapes; ok=false for a control character or an
// unterminated string.
func (p *fastParser) stringEnd() (end int, escaped, ok bool) {
	if p.i >= len(p.data) || p.data[p.i] != '"' {
		return 0, false, false
	}
	for j := p.i + 1; j < len(p.data); j++ {
		switch c := p.data[j]; {
		case c == '"':
			return j + 1, escaped, true
		case c == '\\':
			escaped = true
			j++
		case c < 0x20:
			return 0, false, false
		}
	}
	return 0, false, false
}

// plainString reads a string without escapes.
func (p *fastParser) plainString() (string, bool) {
	end, escaped, ok := p.stringEnd()
	if !ok || escaped {
		return "", false
	}
	s := p.s[p.i+1 : end-1]
	p.i = end
	return s, true
}

// str reads a string; escapes are unquoted by encoding/json.
func (p *fastParser) str(dst *string) bool {
	end, escaped, ok := p.stringEnd()
	if !ok {
		return false
	}
	if !escaped {
		*dst = p.s[p.i+1 : end-1]
	} else if json.Unmarshal(p.data[p.i:end], dst) != nil {
		return false
	}
	p.i = end
	return true
}

// time parses a string literal with time.Time.UnmarshalJSON.
func (p *fastParser) time(dst *time.Time) bool {
	end, _, ok := p.stringEnd()
	if !ok || dst.UnmarshalJSON(p.data[p.i:end]) != nil {
		return false
	}
	p.i = end
	return true
}

// number returns the literal of a JSON number at p.i.
func (p *fastParser) number() (string, bool) {
	d, start, j := p.data, p.i, p.i
	if j < len(d) && d[j] == '-' {
		j++
	}
	switch {
	case j < len(d) && d[j] == '0':
		j++
	case j < len(d) && d[j] >= '1' && d[j] <= '9':
		for j < len(d) && d[j] >= '0' && d[j] <= '9' {
			j++
		}
	default:
		return "", false
	}
	if j < len(d) && d[j] == '.' {
		j++
		k := j
		for j < len(d) && d[j] >= '0' && d[j] <= '9' {
			j++
		}
		if j == k {
			return "", false
		}
	}
	if j < len(d) && (d[j] == 'e' || d[j] == 'E') {
		j++
		if j < len(d) && (d[j] == '+' || d[j] == '-') {
			j++
		}
		k := j
		for j < len(d) && d[j] >= '0' && d[j] <= '9' {
			j++
		}
		if j == k {
			return "", false
		}
	}
	p.i = j
	return p.s[start:j], true
}

func (p *fastParser) int64(dst *int64) bool {
	lit, ok := p.number()
	if !ok {
		return false
	}
	v, err := strconv.ParseInt(lit, 10, 64)
	if err != nil {
		return false
	}
	*dst = v
	return true
}

func (p *fastParser) int(dst *int) bool {
	var v int64
	if !p.int64(&v) || int64(int(v)) != v {
		return false
	}
	*dst = int(v)
	return true
}

func (p *fastParser) float(dst *float64) bool {
	lit, ok := p.number()
	if !ok {
		return false
	}
	v, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return false
	}
	*dst = v
	return true
}

func (p *fastParser) bool(dst *bool) bool {
	switch {
	case len(p.data)-p.i >= 4 && string(p.data[p.i:p.i+4]) == "true":
		*dst = true
		p.i += 4
	case len(p.data)-p.i >= 5 && string(p.data[p.i:p.i+5]) == "false":
		*dst = false
		p.i += 5
	default:
		return false
	}
	return true
}

func (p *fastParser) strings(dst *[]string) bool {
	out := []string{}
	ok := p.array(func() bool {
		var s string
		if !p.str(&s) {
			return false
		}
		out = append(out, s)
		return true
	})
	*dst = out
	return ok
}

// seen refuses a key seen before in the same object: encoding/json would
// merge the two values.
type seen uint64

func (s *seen) first(bit uint) bool {
	if *s&(1<<bit) != 0 {
		return false
	}
	*s |= 1 << bit
	return true
}

func (p *fastParser) mention(m *Mention) bool {
	var s seen
	return p.object(func(k string) bool {
		switch k {
		case "v":
			return s.first(0) && p.int(&m.V)
		case "id":
			return s.first(1) && p.str(&m.ID)
		case "platform":
			return s.first(2) && p.str(&m.Platform)
		case "native_id":
			return s.first(3) && p.str(&m.NativeID)
		case "url":
			return s.first(4) && p.str(&m.URL)
		case "created_at":
			return s.first(5) && p.time(&m.CreatedAt)
		case "ingested_at":
			return s.first(6) && p.time(&m.IngestedAt)
		case "source":
			return s.first(7) && p.str(&m.Source)
		case "author":
			return s.first(8) && p.author(&m.Author)
		case "text":
			return s.first(9) && p.str(&m.Text)
		case "lang":
			return s.first(10) && p.str(&m.Lang)
		case "in_reply_to":
			return s.first(11) && p.str(&m.InReplyTo)
		case "conversation_id":
			return s.first(12) && p.str(&m.ConversationID)
		case "quoted_id":
			return s.first(13) && p.str(&m.QuotedID)
		case "engagement":
			m.Engagement = new(Engagement)
			return s.first(14) && p.engagement(m.Engagement)
		case "brands":
			return s.first(15) && p.brands(&m.Brands)
		case "author_brand":
			return s.first(16) && p.str(&m.AuthorBrand)
		case "direction":
			return s.first(17) && p.str(&m.Direction)
		case "sentiment":
			m.Sentiment = new(Sentiment)
			return s.first(18) && p.sentiment(m.Sentiment)
		case "entities":
			return s.first(19) && p.entities(&m.Entities)
		case "contact_reason":
			return s.first(20) && p.reasons(&m.ContactReason)
		case "urgency":
			m.Urgency = new(Urgency)
			return s.first(21) && p.urgency(m.Urgency)
		case "crisis_terms":
			return s.first(22) && p.strings(&m.CrisisTerms)
		case "pii":
			return s.first(23) && p.strings(&m.PII)
		case "reply_quality":
			m.ReplyQuality = new(ReplyQuality)
			return s.first(24) && p.replyQuality(m.ReplyQuality)
		case "enriched_at":
			m.EnrichedAt = new(time.Time)
			return s.first(25) && p.time(m.EnrichedAt)
		case "enricher":
			return s.first(26) && p.str(&m.Enricher)
		case "extra":
			if !s.first(27) {
				return false
			}
			m.Extra = map[string]any{}
			return p.objectAny(m.Extra, 0)
		}
		return false // an unknown key or another spelling
	})
}

// maxAnyDepth bounds the nesting of "extra" the fast path decodes.
const maxAnyDepth = 64

// objectAny decodes an object into dst as encoding/json decodes into an
// interface{}: later duplicate keys win.
func (p *fastParser) objectAny(dst map[string]any, depth int) bool {
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return true
	}
	for {
		p.ws()
		var key string
		if !p.str(&key) || !p.byte(':') {
			return false
		}
		p.ws()
		v, ok := p.valueAny(depth + 1)
		if !ok {
			return false
		}
		dst[key] = v
		if p.byte(',') {
			continue
		}
		return p.byte('}')
	}
}

// valueAny decodes any JSON value as encoding/json decodes it into an
// interface{}: objects as map[string]any, arrays as []any, numbers as
// float64.
func (p *fastParser) valueAny(depth int) (any, bool) {
	if depth > maxAnyDepth || p.i >= len(p.data) {
		return nil, false
	}
	switch c := p.data[p.i]; {
	case c == '{':
		m := map[string]any{}
		ok := p.objectAny(m, depth)
		return m, ok
	case c == '[':
		out := []any{}
		ok := p.array(func() bool {
			v, ok := p.valueAny(depth + 1)
			out = append(out, v)
			return ok
		})
		return out, ok
	case c == '"':
		var s string
		ok := p.str(&s)
		return s, ok
	case c == 't' || c == 'f':
		var b bool
		ok := p.bool(&b)
		return b, ok
	case c == 'n':
		if len(p.data)-p.i >= 4 && string(p.data[p.i:p.i+4]) == "null" {
			p.i += 4
			return nil, true
		}
		return nil, false
	default:
		var f float64
		ok := p.float(&f)
		return f, ok
	}
}

func (p *fastParser) author(a *Author) bool {
	var s seen
	return p.object(func(k string) bool {
		switch k {
		case "id":
			return s.first(0) && p.str(&a.ID)
		case "handle":
			return s.first(1) && p.str(&a.Handle)
		case "display_name":
			return s.first(2) && p.str(&a.DisplayName)
		case "followers":
			return s.first(3) && p.int64(&a.Followers)
		case "verified":
			return s.first(4) && p.bool(&a.Verified)
		}
		return false
	})
}

func (p *fastParser) engagement(e *Engagement) bool {
	var s seen
	return p.object(func(k string) bool {
		switch k {
		case "likes":
			return s.first(0) && p.int64(&e.Likes)
		case "reposts":
			return s.first(1) && p.int64(&e.Reposts)
		case "replies":
			return s.first(2) && p.int64(&e.Replies)
		case "quotes":
			return s.first(3) && p.int64(&e.Quotes)
		}
		return false
	})
}

func (p *fastParser) brands(dst *[]BrandMatch) bool {
	out := []BrandMatch{}
	ok := p.array(func() bool {
		var b BrandMatch
		var s seen
		if !p.object(func(k string) bool {
			switch k {
			case "brand":
				return s.first(0) && p.str(&b.Brand)
			case "how":
				return s.first(1) && p.str(&b.How)
			case "addressed":
				return s.first(2) && p.bool(&b.Addressed)
			}
			return false
		}) {
			return false
		}
		out = append(out, b)
		return true
	})
	*dst = out
	return ok
}

func (p *fastParser) sentiment(v *Sentiment) bool {
	var s seen
	return p.object(func(k string) bool {
		switch k {
		case "compound":
			return s.first(0) && p.float(&v.Compound)
		case "label":
			return s.first(1) && p.str(&v.Label)
		case "confidence":
			return s.first(2) && p.float(&v.Confidence)
		}
		return false
	})
}

func (p *fastParser) entities(dst *[]Entity) bool {
	out := []Entity{}
	ok := p.array(func() bool {
		var e Entity
		var s seen
		if !p.object(func(k string) bool {
			switch k {
			case "text":
				return s.first(0) && p.str(&e.Text)
			case "type":
				return s.first(1) && p.str(&e.Type)
			case "start":
				return s.first(2) && p.int(&e.Start)
			case "end":
				return s.first(3) && p.int(&e.End)
			}
			return false
		}) {
			return false
		}
		out = append(out, e)
		return true
	})
	*dst = out
	return ok
}

func (p *fastParser) reasons(dst *[]Reason) bool {
	out := []Reason{}
	ok := p.array(func() bool {
		var r Reason
		var s seen
		if !p.object(func(k string) bool {
			switch k {
			case "reason":
				return s.first(0) && p.str(&r.Reason)
			case "confidence":
				return s.first(1) && p.float(&r.Confidence)
			}
			return false
		}) {
			return false
		}
		out = append(out, r)
		return true
	})
	*dst = out
	return ok
}

func (p *fastParser) urgency(u *Urgency) bool {
	var s seen
	return p.object(func(k string) bool {
		switch k {
		case "score":
			return s.first(0) && p.float(&u.Score)
		case "level":
			return s.first(1) && p.str(&u.Level)
		case "cues":
			return s.first(2) && p.strings(&u.Cues)
		}
		return false
	})
}

func (p *fastParser) replyQuality(q *ReplyQuality) bool {
	var s seen
	return p.object(func(k string) bool {
		switch k {
		case "empathy":
			return s.first(0) && p.float(&q.Empathy)
		case "parts":
			if !s.first(1) {
				return false
			}
			q.Parts = map[string]float64{}
			return p.object(func(name string) bool {
				var v float64
				if !p.float(&v) {
					return false
				}
				q.Parts[name] = v
				return true
			})
		case "deflection":
			return s.first(2) && p.str(&q.Deflection)
		case "canned":
			return s.first(3) && p.float(&q.Canned)
		case "canned_dups":
			return s.first(4) && p.int(&q.CannedDups)
		case "personal":
			return s.first(5) && p.bool(&q.Personal)
		case "signature":
			return s.first(6) && p.str(&q.Signature)
		}
		return false
	})
}
