package mention

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// referenceEncode is Encode as it was before the fast path: validation,
// then encoding/json, then the size limit.
func referenceEncode(m *Mention) ([]byte, error) {
	if m == nil {
		return nil, &FieldError{Field: "record", Reason: "is nil"}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	data, err := encodeReflect(m)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxRecordBytes {
		return nil, &FieldError{Field: "record", Reason: fmt.Sprintf("encodes to %d bytes, the limit is %d", len(data), MaxRecordBytes)}
	}
	return data, nil
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%T %v", err, err)
}

// checkEncodeSame fails unless Encode gives referenceEncode's bytes and
// error, and unless the fast path, on its own, writes encoding/json's
// bytes exactly when encoding/json succeeds. It reports whether the fast
// path took the record.
func checkEncodeSame(t *testing.T, m *Mention) (fast bool) {
	t.Helper()
	want, wantErr := referenceEncode(m)
	got, gotErr := Encode(m)
	if errString(gotErr) != errString(wantErr) {
		t.Fatalf("Encode error %s, encoding/json %s\nrecord %+v", errString(gotErr), errString(wantErr), m)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Encode differs from encoding/json\nfast %s\nstd  %s", got, want)
	}
	if m == nil {
		return false
	}
	// Without validation: the fast path alone against encoding/json.
	ref, refErr := encodeReflect(m)
	out, ok := encodeFast(m)
	if ok && refErr != nil {
		t.Fatalf("fast path wrote what encoding/json refuses (%v):\n%s", refErr, out)
	}
	if ok && !bytes.Equal(out, ref) {
		t.Fatalf("fast path differs from encoding/json\nfast %s\nstd  %s", out, ref)
	}
	return ok
}

type loudString string

func (s loudString) MarshalJSON() ([]byte, error) {
	return []byte(`{ "loud" : ` + strings.ToUpper(strconvQuote(string(s))) + ` }`), nil
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

type textKey string

func (k textKey) MarshalText() ([]byte, error) { return []byte("k-" + string(k)), nil }

func validMention() *Mention {
	return &Mention{
		V:              1,
		ID:             "x:1",
		Platform:       "x",
		NativeID:       "1",
		CreatedAt:      time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		IngestedAt:     time.Date(2024, 5, 1, 10, 0, 1, 0, time.UTC),
		Source:         "src",
		Author:         Author{ID: "a"},
		Text:           "hello",
		ConversationID: "x:1",
	}
}

func tp(t time.Time) *time.Time { return &t }

// fullMention sets every field of Mention and of its nested types.
func fullMention() *Mention {
	m := validMention()
	m.URL = "https://x.com/a/status/1?x=<1>&y=2"
	m.Author = Author{ID: "a", Handle: "KLM", DisplayName: "KLM \"Royal\" Dutch", Followers: 2500000, Verified: true}
	m.Lang = "nl"
	m.InReplyTo = "x:0"
	m.ConversationID = "x:0"
	m.QuotedID = "x:q"
	m.Engagement = &Engagement{Likes: 3, Reposts: 1, Replies: 2, Quotes: 4}
	m.Brands = []BrandMatch{{Brand: "klm", How: "handle", Addressed: true}, {Brand: "af", How: "alias"}}
	m.AuthorBrand = "klm"
	m.Direction = DirectionOutbound
	m.Sentiment = &Sentiment{Compound: -0.8176, Label: SentimentNegative, Confidence: 0.91}
	m.Entities = []Entity{{Text: "KL1234", Type: "flight", Start: 14, End: 20}, {Text: "é", Type: "x", Start: -1}}
	m.ContactReason = []Reason{{Reason: "baggage", Confidence: 0.64}, {Reason: "refund"}}
	m.Urgency = &Urgency{Score: 0.75, Level: "high", Cues: []string{"lost", "now"}}
	m.CrisisTerms = []string{"cancelled"}
	m.PII = []string{"phone", "email"}
	m.ReplyQuality = &ReplyQuality{
		Empathy: 72.5, Parts: map[string]float64{"z": 1, "a": -0.5, "m": 1e-7, "é": 3e21},
		Deflection: "dm", Canned: 0.125, CannedDups: 3, Personal: true, Signature: "^Eva",
	}
	m.EnrichedAt = tp(time.Date(2024, 5, 1, 10, 0, 1, 500000000, time.UTC))
	m.Enricher = "earshot-enrich/0.1.0"
	m.Extra = map[string]any{"b": true, "a": "x", "n": 1.5, "l": []any{1.0, "y", nil}, "o": map[string]any{"k": false}}
	return m
}

// TestEncodeFastTable: hand-built records covering every field and the
// escaping, number, time and map edge cases encode exactly as with
// encoding/json.
func TestEncodeFastTable(t *testing.T) {
	with := func(f func(m *Mention)) *Mention {
		m := validMention()
		f(m)
		return m
	}
	deep := map[string]any{}
	cur := deep
	for range maxAnyDepth + 10 {
		next := map[string]any{}
		cur["d"] = next
		cur = next
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	var allControls strings.Builder
	for c := range 0x20 {
		allControls.WriteByte(byte(c))
	}
	cases := []struct {
		name string
		m    *Mention
		// fast: the fast path writes the record itself (no fallback).
		fast bool
		// contains: a fragment the output must contain.
		contains string
	}{
		{"nil", nil, false, ""},
		{"minimal", validMention(), true, `{"v":1,"id":"x:1","platform":"x","native_id":"1","created_at":"2024-05-01T10:00:00Z","ingested_at":"2024-05-01T10:00:01Z","source":"src","author":{"id":"a"},"text":"hello","conversation_id":"x:1"}`},
		{"full", fullMention(), true, `"parts":{"a":-0.5,"m":1e-7,"z":1,"é":3e+21}`},
		{"invalid", with(func(m *Mention) { m.V = 2 }), true, ""}, // refused by Validate; the fast path alone writes it
		{"control characters", with(func(m *Mention) { m.Text = "x" + allControls.String() + "\x7f" }), true, `\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e`},
		{"quotes and backslashes", with(func(m *Mention) { m.Text = `say "hi" \ \\n` }), true, `"text":"say \"hi\" \\ \\\\n"`},
		{"no HTML escaping", with(func(m *Mention) { m.Text = "M&S <3 </script>" }), true, `"text":"M&S <3 </script>"`},
		{"line separators", with(func(m *Mention) { m.Text = "a\u2028b\u2029c\u2027d" }), true, `"text":"a\u2028b\u2029c` + "\u2027" + `d"`},
		{"non-ASCII", with(func(m *Mention) { m.Text = "Zürich 🧳 \U0010FFFF \ufffd" }), true, `"text":"Zürich 🧳 ` + "\U0010FFFF \ufffd" + `"`},
		{"invalid UTF-8 outside text", with(func(m *Mention) {
			m.Author.Handle = "a\xffb\xe2\x80c\xed\xa0\x80"
			m.PII = []string{"\xc0"}
		}), true, `"handle":"a\ufffdb\ufffd\ufffdc\ufffd\ufffd\ufffd"`},
		{"invalid UTF-8 map key", with(func(m *Mention) {
			m.Extra = map[string]any{"k\xff": 1.0, "k": 2.0}
		}), true, `"extra":{"k":2,"k\ufffd":1}`},
		{"empty slices and maps are omitted", with(func(m *Mention) {
			m.Brands, m.Entities, m.ContactReason, m.CrisisTerms, m.PII = []BrandMatch{}, []Entity{}, []Reason{}, []string{}, []string{}
			m.Extra = map[string]any{}
			m.Urgency = &Urgency{Level: "low", Cues: []string{}}
			m.ReplyQuality = &ReplyQuality{Parts: map[string]float64{}}
		}), true, `"urgency":{"score":0,"level":"low"},"reply_quality":{"empathy":0,"deflection":"","canned":0}}`},
		{"zero nested structs", with(func(m *Mention) {
			m.Engagement = &Engagement{}
			m.Sentiment = &Sentiment{Label: SentimentNeutral}
		}), true, `"engagement":{},"sentiment":{"compound":0,"label":"neutral","confidence":0}`},
		{"some engagement", with(func(m *Mention) { m.Engagement = &Engagement{Replies: -2, Quotes: 1} }), true, `"engagement":{"replies":-2,"quotes":1}`},
		{"float formats", with(func(m *Mention) {
			m.Sentiment = &Sentiment{Compound: math.Copysign(0, -1), Label: SentimentPositive, Confidence: 1e-6}
			m.ContactReason = []Reason{{Confidence: 9.999999e-7}, {Confidence: 5e-324}, {Confidence: 0.1}, {Confidence: 1}}
			m.ReplyQuality = &ReplyQuality{Empathy: 100, Canned: 1.0 / 3, Parts: map[string]float64{
				"a": 1e21, "b": 999999999999999999999, "c": -1e-7, "d": math.MaxFloat64, "e": -math.SmallestNonzeroFloat64,
				"f": 123456789012345680000, "g": 1e-10, "h": 1.5e-300, "i": math.Copysign(0, -1),
			}}
		}), true, `"compound":-0,"label":"positive","confidence":0.000001`},
		{"e-notation", with(func(m *Mention) {
			m.ContactReason = []Reason{{Confidence: 9.999999e-7}, {Confidence: 5e-324}}
		}), true, `{"reason":"","confidence":9.999999e-7},{"reason":"","confidence":5e-324}`},
		{"times", with(func(m *Mention) {
			m.CreatedAt = time.Date(2020, 2, 29, 23, 59, 59, 120000000, time.FixedZone("IST", 5*3600+30*60))
			m.IngestedAt = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -(23*3600+59*60)))
			m.EnrichedAt = tp(time.Date(1, 1, 1, 0, 0, 0, 1, time.FixedZone("odd", -61)))
		}), true, `"created_at":"2020-02-29T23:59:59.12+05:30","ingested_at":"9999-12-31T23:59:59.999999999-23:59"`},
		{"local time", with(func(m *Mention) { m.IngestedAt = time.Date(2024, 1, 2, 3, 4, 5, 6, time.Local) }), true, ""},
		{"year 10000", with(func(m *Mention) { m.IngestedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }), false, ""},
		{"negative year", with(func(m *Mention) { m.EnrichedAt = tp(time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)) }), false, ""},
		{"offset of 24 hours", with(func(m *Mention) { m.IngestedAt = time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)) }), false, ""},
		{"offset of 100 hours", with(func(m *Mention) { m.IngestedAt = time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", -100*3600)) }), false, ""},
		{"extra types", with(func(m *Mention) {
			m.Extra = map[string]any{
				"int": -7, "i8": int8(-8), "i16": int16(16), "i32": int32(-32), "i64": int64(math.MinInt64),
				"uint": uint(7), "u8": uint8(255), "u16": uint16(16), "u32": uint32(32), "u64": uint64(math.MaxUint64),
				"f32": float32(0.1), "f32e": float32(1e-7), "f32big": float32(1e21), "f64": 0.1,
				"strs": []string{"a", "<b>"}, "nilstrs": []string(nil), "nilmap": map[string]any(nil), "nillist": []any(nil),
				"empty": map[string]any{}, "emptylist": []any{}, "null": nil,
				"number": json.Number("12.50"), "raw": json.RawMessage(`{ "a" : [1, 2] , "h":"<&>" }`),
				"bytes": []byte("hi"), "named": loudString("shout"), "ss": map[string]string{"b": "1", "a": "2"},
				"tk": map[textKey]int{"x": 1}, "struct": struct {
					A int    `json:"a"`
					B string `json:"b,omitempty"`
				}{A: 1}, "ptr": new(int), "time": time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
			}
		}), true, `"i8":-8,"int":-7,"named":{"loud":"SHOUT"},"nillist":null,"nilmap":null,"nilstrs":null,"null":null,"number":12.50,"ptr":0,"raw":{"a":[1,2],"h":"<&>"}`},
		{"NaN in extra", with(func(m *Mention) { m.Extra = map[string]any{"x": math.NaN()} }), false, ""},
		{"Inf in extra list", with(func(m *Mention) { m.Extra = map[string]any{"x": []any{1.0, math.Inf(-1)}} }), false, ""},
		{"float32 Inf in extra", with(func(m *Mention) { m.Extra = map[string]any{"x": float32(math.Inf(1))} }), false, ""},
		{"invalid json.Number", with(func(m *Mention) { m.Extra = map[string]any{"x": json.Number("1e")} }), false, ""},
		{"unsupported type in extra", with(func(m *Mention) { m.Extra = map[string]any{"x": make(chan int)} }), false, ""},
		{"deep extra", with(func(m *Mention) { m.Extra = deep }), false, `{"d":{"d":{"d":`},
		{"cyclic extra", with(func(m *Mention) { m.Extra = cyclic }), false, ""},
		{"record too large", with(func(m *Mention) { m.PII = []string{strings.Repeat("\x01", MaxRecordBytes/6+1)} }), true, ""},
		{"many map keys", with(func(m *Mention) {
			m.ReplyQuality = &ReplyQuality{Parts: map[string]float64{}}
			m.Extra = map[string]any{}
			for i := range 100 {
				m.ReplyQuality.Parts[fmt.Sprint(i*7919%100)] = float64(i) / 7
				m.Extra[fmt.Sprint("k", i*31%100)] = i
			}
		}), true, `"parts":{"0":0,"1":`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fast := checkEncodeSame(t, tc.m)
			if fast != tc.fast {
				t.Errorf("fast path took the record: %v, want %v", fast, tc.fast)
			}
			got, err := Encode(tc.m)
			if tc.contains != "" && !bytes.Contains(got, []byte(tc.contains)) {
				t.Errorf("output (error %v) lacks %s:\n%s", err, tc.contains, got)
			}
			if err == nil && !json.Valid(got) {
				t.Errorf("output is not valid JSON:\n%s", got)
			}
		})
	}
}

// TestEncodeFastGolden: the records behind the golden files encode as with
// encoding/json, by the fast path, to the golden bytes.
func TestEncodeFastGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !checkEncodeSame(t, m) {
			t.Errorf("%s: the fast path did not take the record", name)
		}
		got, _ := Encode(m)
		if want := bytes.TrimSpace(data); !bytes.Equal(got, want) {
			t.Errorf("%s: Encode(Decode(golden)) is not the golden record\ngot  %s\nwant %s", name, got, want)
		}
	}
}

// randPieces mix plain text with every class of character the string
// encoder treats specially.
var randPieces = []string{
	"a", "brand", " ", "Zürich", "🧳", "é", "\U0010FFFF", "\ufffd", "\"", "\\", "<", ">", "&", "/",
	"\u2028", "\u2029", "\x00", "\x01", "\x1f", "\x7f", "\b", "\f", "\n", "\r", "\t",
	"\xff", "\xe2\x80", "\xed\xa0\x80", "\xc0\xaf",
}

func randString(r *rand.Rand, maxPieces int) string {
	var b strings.Builder
	for range r.IntN(maxPieces + 1) {
		b.WriteString(randPieces[r.IntN(len(randPieces))])
	}
	return b.String()
}

// randFloat is in lo..hi, often on a boundary or at a format cut-off.
func randFloat(r *rand.Rand, lo, hi float64) float64 {
	switch r.IntN(8) {
	case 0:
		return lo
	case 1:
		return hi
	case 2:
		return math.Copysign(0, -1)
	case 3:
		return math.Min(hi, math.Max(lo, math.Copysign(math.Pow(10, -float64(r.IntN(12))), r.Float64()-0.5)))
	case 4:
		return math.Round(r.Float64()*1e4) / 1e4 * hi
	default:
		return lo + r.Float64()*(hi-lo)
	}
}

// randWild is any finite float64.
func randWild(r *rand.Rand) float64 {
	switch r.IntN(6) {
	case 0:
		return math.Float64frombits(r.Uint64()&^(0x7ff<<52) | uint64(r.IntN(0x7ff))<<52) // any finite bit pattern
	case 1:
		return math.Pow(10, float64(r.IntN(40)-20)) * (r.Float64() - 0.5)
	case 2:
		return float64(r.Int64N(1 << 62))
	default:
		return r.NormFloat64() * 100
	}
}

var randZones = []*time.Location{
	time.UTC, time.Local, time.FixedZone("IST", 5*3600+30*60), time.FixedZone("", -8*3600),
	time.FixedZone("Z0", 0), time.FixedZone("odd", -(3*3600 + 7*60 + 13)),
}

func randTime(r *rand.Rand) time.Time {
	lo, hi := earliest.Unix(), time.Now().Unix()
	sec := lo + r.Int64N(hi-lo)
	var nsec int64
	switch r.IntN(4) {
	case 1:
		nsec = r.Int64N(1e9)
	case 2:
		nsec = r.Int64N(1000) * 1e6
	case 3:
		nsec = 1e8
	}
	return time.Unix(sec, nsec).In(randZones[r.IntN(len(randZones))])
}

func randAny(r *rand.Rand, depth int) any {
	n := 10
	if depth < 3 {
		n = 13
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1, 2:
		return randString(r, 4)
	case 3:
		return r.IntN(2) == 0
	case 4, 5:
		return randWild(r)
	case 6:
		return r.IntN(1000) - 500
	case 7:
		return float32(randWild(r))
	case 8:
		return []string{randString(r, 2)}
	case 9:
		return json.Number(fmt.Sprint(r.IntN(100)))
	case 10:
		l := make([]any, r.IntN(4))
		for i := range l {
			l[i] = randAny(r, depth+1)
		}
		return l
	default:
		return randAnyMap(r, depth+1)
	}
}

func randAnyMap(r *rand.Rand, depth int) map[string]any {
	m := make(map[string]any)
	for range r.IntN(5) {
		m[randString(r, 2)] = randAny(r, depth)
	}
	return m
}

func randStrings(r *rand.Rand) []string {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	s := make([]string, 1+r.IntN(3))
	for i := range s {
		s[i] = randString(r, 3)
	}
	return s
}

// randMention builds a record that usually passes Validate, with every
// optional field present or absent at random.
func randMention(r *rand.Rand) *Mention {
	p := []string{"x", "twcs", "bluesky", "reddit"}[r.IntN(4)]
	id := randString(r, 3) + "1"
	m := &Mention{
		V:          1,
		ID:         p + ":" + id,
		Platform:   p,
		NativeID:   id,
		CreatedAt:  randTime(r),
		IngestedAt: randTime(r),
		Source:     "src" + randString(r, 2),
		Author: Author{
			ID: "a" + randString(r, 2), Handle: randString(r, 3), DisplayName: randString(r, 4),
			Followers: []int64{0, 1, r.Int64N(1 << 40), math.MaxInt64}[r.IntN(4)], Verified: r.IntN(2) == 0,
		},
		Text:           "t" + strings.ToValidUTF8(randString(r, 12), "?"),
		Lang:           []string{"", "en", "nl"}[r.IntN(3)],
		ConversationID: p + ":" + id,
		Direction:      []string{"", DirectionInbound, DirectionOutbound, DirectionOther}[r.IntN(4)],
		CrisisTerms:    randStrings(r),
		PII:            randStrings(r),
	}
	if r.IntN(2) == 0 {
		m.URL = "https://" + randString(r, 3)
	}
	if r.IntN(2) == 0 {
		m.InReplyTo = p + ":r" + randString(r, 2)
		m.ConversationID = m.InReplyTo
	}
	if r.IntN(3) == 0 {
		m.QuotedID = p + ":q"
	}
	if r.IntN(2) == 0 {
		m.Engagement = &Engagement{Likes: r.Int64N(3), Reposts: r.Int64N(3) - 1, Replies: r.Int64N(1 << 50), Quotes: r.Int64N(2)}
	}
	if r.IntN(2) == 0 {
		m.Brands = []BrandMatch{}
		for range r.IntN(3) {
			m.Brands = append(m.Brands, BrandMatch{Brand: "b" + randString(r, 2), How: randString(r, 2), Addressed: r.IntN(2) == 0})
		}
	}
	if r.IntN(3) == 0 {
		m.AuthorBrand = randString(r, 2)
	}
	if r.IntN(2) == 0 {
		m.Sentiment = &Sentiment{Compound: randFloat(r, -1, 1), Label: SentimentNeutral, Confidence: randFloat(r, 0, 1)}
	}
	if r.IntN(2) == 0 {
		m.Entities = []Entity{}
		for range r.IntN(3) {
			m.Entities = append(m.Entities, Entity{Text: randString(r, 3), Type: randString(r, 1), Start: r.IntN(100) - 1, End: r.IntN(1 << 30)})
		}
	}
	if r.IntN(2) == 0 {
		m.ContactReason = []Reason{}
		for range r.IntN(3) {
			m.ContactReason = append(m.ContactReason, Reason{Reason: randString(r, 2), Confidence: randFloat(r, 0, 1)})
		}
	}
	if r.IntN(2) == 0 {
		m.Urgency = &Urgency{Score: randFloat(r, 0, 1), Level: randString(r, 1), Cues: randStrings(r)}
	}
	if r.IntN(2) == 0 {
		q := &ReplyQuality{Empathy: randFloat(r, 0, 100), Deflection: randString(r, 1), Canned: randFloat(r, 0, 1),
			CannedDups: r.IntN(3) - 1, Personal: r.IntN(2) == 0, Signature: randString(r, 2)}
		if r.IntN(3) > 0 {
			q.Parts = map[string]float64{}
			for range r.IntN(20) {
				q.Parts[randString(r, 2)] = randWild(r)
			}
		}
		m.ReplyQuality = q
	}
	if r.IntN(2) == 0 {
		m.EnrichedAt = tp(randTime(r))
	}
	if r.IntN(2) == 0 {
		m.Enricher = "e/" + randString(r, 2)
	}
	if r.IntN(2) == 0 {
		m.Extra = randAnyMap(r, 0)
	}
	if r.IntN(50) == 0 { // an invalid record now and then
		m.Text = " "
	}
	return m
}

// TestEncodeFastRandom: thousands of generated records (a fixed seed)
// encode exactly as with encoding/json, by the fast path unless
// encoding/json refuses them too.
func TestEncodeFastRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 2026))
	n := 5000
	if testing.Short() {
		n = 1000
	}
	valid, refused := 0, 0
	for range n {
		m := randMention(r)
		if !checkEncodeSame(t, m) {
			if _, err := encodeReflect(m); err == nil {
				t.Fatalf("the fast path did not take a generated record: %+v", m)
			}
			refused++ // a float32 beyond its range in Extra: ±Inf
		}
		if m.Validate() == nil {
			valid++
		}
	}
	if refused > n/20 {
		t.Fatalf("encoding/json refuses %d of %d generated records: the generator no longer exercises the fast path", refused, n)
	}
	if valid < n*9/10 {
		t.Fatalf("only %d of %d generated records are valid: the generator no longer exercises Encode", valid, n)
	}
}

// TestEncodeFastConcurrent: Encode from many goroutines (the scratch
// buffers are pooled) returns each caller its own, unchanging bytes.
func TestEncodeFastConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var ms []*Mention
	var want [][]byte
	for len(ms) < 64 {
		m := randMention(r)
		data, err := referenceEncode(m)
		if err != nil {
			continue
		}
		ms, want = append(ms, m), append(want, data)
	}
	got := make([][][]byte, 8)
	var wg sync.WaitGroup
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 20 {
				for i := range ms {
					i := (i + g + round) % len(ms)
					data, err := Encode(ms[i])
					if err != nil {
						t.Error(err)
						return
					}
					if round == 0 {
						got[g] = append(got[g], data)
					} else if !bytes.Equal(data, want[i]) {
						t.Errorf("goroutine %d: record %d encodes differently", g, i)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for g := range got {
		for j, data := range got[g] {
			if i := (j + g) % len(ms); !bytes.Equal(data, want[i]) {
				t.Fatalf("goroutine %d: the bytes returned for record %d changed after later calls:\n%s\n%s", g, i, data, want[i])
			}
		}
	}
}

// encodedFields lists, per struct type, the fields appendMention writes:
// Go name and JSON tag, in order.
var encodedFields = map[reflect.Type][]string{
	reflect.TypeFor[Mention](): {
		`V json:"v"`, `ID json:"id"`, `Platform json:"platform"`, `NativeID json:"native_id"`, `URL json:"url,omitempty"`,
		`CreatedAt json:"created_at"`, `IngestedAt json:"ingested_at"`, `Source json:"source"`, `Author json:"author"`,
		`Text json:"text"`, `Lang json:"lang,omitempty"`, `InReplyTo json:"in_reply_to,omitempty"`,
		`ConversationID json:"conversation_id"`, `QuotedID json:"quoted_id,omitempty"`, `Engagement json:"engagement,omitempty"`,
		`Brands json:"brands,omitempty"`, `AuthorBrand json:"author_brand,omitempty"`, `Direction json:"direction,omitempty"`,
		`Sentiment json:"sentiment,omitempty"`, `Entities json:"entities,omitempty"`, `ContactReason json:"contact_reason,omitempty"`,
		`Urgency json:"urgency,omitempty"`, `CrisisTerms json:"crisis_terms,omitempty"`, `PII json:"pii,omitempty"`,
		`ReplyQuality json:"reply_quality,omitempty"`, `EnrichedAt json:"enriched_at,omitempty"`, `Enricher json:"enricher,omitempty"`,
		`Extra json:"extra,omitempty"`,
	},
	reflect.TypeFor[Author](): {
		`ID json:"id"`, `Handle json:"handle,omitempty"`, `DisplayName json:"display_name,omitempty"`,
		`Followers json:"followers,omitempty"`, `Verified json:"verified,omitempty"`,
	},
	reflect.TypeFor[Engagement](): {
		`Likes json:"likes,omitempty"`, `Reposts json:"reposts,omitempty"`, `Replies json:"replies,omitempty"`, `Quotes json:"quotes,omitempty"`,
	},
	reflect.TypeFor[BrandMatch](): {`Brand json:"brand"`, `How json:"how"`, `Addressed json:"addressed"`},
	reflect.TypeFor[Sentiment]():  {`Compound json:"compound"`, `Label json:"label"`, `Confidence json:"confidence"`},
	reflect.TypeFor[Entity]():     {`Text json:"text"`, `Type json:"type"`, `Start json:"start"`, `End json:"end"`},
	reflect.TypeFor[Reason]():     {`Reason json:"reason"`, `Confidence json:"confidence"`},
	reflect.TypeFor[Urgency]():    {`Score json:"score"`, `Level json:"level"`, `Cues json:"cues,omitempty"`},
	reflect.TypeFor[ReplyQuality](): {
		`Empathy json:"empathy"`, `Parts json:"parts,omitempty"`, `Deflection json:"deflection"`, `Canned json:"canned"`,
		`CannedDups json:"canned_dups,omitempty"`, `Personal json:"personal,omitempty"`, `Signature json:"signature,omitempty"`,
	},
}

// TestFastEncodeKnowsEveryField fails when Mention or a type nested in it
// gains, loses, reorders or re-tags a field, or gains a JSON method,
// without the fast encoder (appendMention) and encodedFields being updated.
func TestFastEncodeKnowsEveryField(t *testing.T) {
	pkg := reflect.TypeFor[Mention]().PkgPath()
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ.PkgPath() != pkg || seen[typ] {
			return
		}
		seen[typ] = true
		for _, iface := range []reflect.Type{reflect.TypeFor[json.Marshaler](), reflect.TypeFor[interface{ MarshalText() ([]byte, error) }]()} {
			if typ.Implements(iface) || reflect.PointerTo(typ).Implements(iface) {
				t.Errorf("%s implements %s: appendMention in fastencode.go must call it as encoding/json does", typ, iface)
			}
		}
		want, known := encodedFields[typ]
		if !known {
			t.Errorf("type %s is new in Mention: write it in appendMention (fastencode.go) and list its fields in encodedFields", typ)
		}
		var got []string
		for f := range typ.Fields() {
			got = append(got, fmt.Sprintf("%s %s", f.Name, f.Tag))
			if known && !slices.Contains(want, got[len(got)-1]) {
				t.Errorf("field %s.%s `%s` is not written by the fast encoder: add it to appendMention in fastencode.go (in struct order) and to encodedFields", typ.Name(), f.Name, f.Tag)
			}
			walk(f.Type)
		}
		if known && !reflect.DeepEqual(got, want) && !t.Failed() {
			t.Errorf("fields of %s changed: struct has\n%q\nthe fast encoder writes\n%q\nupdate appendMention in fastencode.go and encodedFields", typ, got, want)
		}
	}
	walk(reflect.TypeFor[Mention]())
	for typ := range encodedFields {
		if !seen[typ] {
			t.Errorf("encodedFields lists %s, which Mention no longer contains", typ)
		}
	}
}

// fillZero sets every zero field reachable from v to a non-zero value.
func fillZero(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillZero(v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.IsZero() {
				v.Set(reflect.ValueOf(time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)))
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillZero(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		for i := range v.Len() {
			fillZero(v.Index(i))
		}
	case reflect.Map:
		if v.Len() == 0 {
			v.Set(reflect.MakeMap(v.Type()))
			e := reflect.New(v.Type().Elem()).Elem()
			fillZero(e)
			k := reflect.New(v.Type().Key()).Elem()
			fillZero(k)
			v.SetMapIndex(k, e)
		}
	case reflect.Interface:
		if v.IsNil() {
			v.Set(reflect.ValueOf("filled"))
		}
	case reflect.String:
		if v.String() == "" {
			v.SetString("filled")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Int() == 0 {
			v.SetInt(3)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.Uint() == 0 {
			v.SetUint(3)
		}
	case reflect.Float32, reflect.Float64:
		if v.Float() == 0 {
			v.SetFloat(0.25)
		}
	case reflect.Bool:
		v.SetBool(true)
	}
}

// TestFastEncodeWritesEveryField: a record with every field reachable by
// reflection set (so also any field added later) encodes as with
// encoding/json; and a record with none of the optional ones set too.
func TestFastEncodeWritesEveryField(t *testing.T) {
	m := &Mention{}
	fillZero(reflect.ValueOf(m))
	out, ok := encodeFast(m)
	ref, err := encodeReflect(m)
	if err != nil || !ok {
		t.Fatalf("fast ok %v, encoding/json error %v", ok, err)
	}
	if !bytes.Equal(out, ref) {
		t.Fatalf("a record with every field set encodes differently\nfast %s\nstd  %s", out, ref)
	}
	if !checkEncodeSame(t, &Mention{}) {
		t.Fatal("the fast path did not take the zero record")
	}
}

// jsonText is s as it reads after an encoding/json round trip: each
// invalid UTF-8 byte becomes U+FFFD.
func jsonText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// FuzzEncodeMatchesReflect: for a record built from the fuzz input, the
// fast path and encoding/json write the same bytes or refuse it alike;
// a valid record encodes, decodes to the same values and re-encodes to
// the same bytes.
func FuzzEncodeMatchesReflect(f *testing.F) {
	f.Add("@KLM my bag <KL1234> & more \"x\"", "KLM", "k", "v\u2028", -0.8176, 0.91, 1e21, int64(2500000), int64(1714557600), int64(500000000), int16(330), uint16(0xffff))
	f.Add("\x00\x1f\x7f\b\f", "\xff", "\xe2\x80", "\\", math.Copysign(0, -1), 1e-7, 5e-324, int64(0), int64(1714557600), int64(0), int16(0), uint16(0x5555))
	f.Add("t", "", "", "", math.NaN(), math.Inf(1), math.Inf(-1), int64(-1), int64(253402300800), int64(-1), int16(-1440), uint16(0xaaaa))
	f.Fuzz(func(t *testing.T, text, handle, key, val string, x, y, z float64, n, sec, nsec int64, offMin int16, flags uint16) {
		zone := time.FixedZone("", int(offMin)*60)
		m := validMention()
		m.Text = text
		m.Author.Handle = handle
		m.Author.DisplayName = val
		m.Author.Followers = n
		m.URL = key
		m.CreatedAt = time.Unix(sec, nsec).In(zone)
		m.IngestedAt = time.Unix(sec+n, nsec).In(zone)
		bit := func(i uint) bool { return flags&(1<<i) != 0 }
		if bit(0) {
			m.Sentiment = &Sentiment{Compound: x, Label: SentimentNegative, Confidence: y}
		}
		if bit(1) {
			m.ReplyQuality = &ReplyQuality{Empathy: y * 100, Canned: y, Parts: map[string]float64{key: z, val: x}, Signature: val, CannedDups: int(n), Personal: bit(9)}
		}
		if bit(2) {
			m.Extra = map[string]any{key: val, "n": z, "l": []any{handle, x, nil, bit(10)}, "m": map[string]any{val: n}}
		}
		if bit(3) {
			m.Brands = []BrandMatch{{Brand: "b" + handle, How: val, Addressed: bit(11)}}
			m.AuthorBrand = key
		}
		if bit(4) {
			m.Entities = []Entity{{Text: val, Type: key, Start: int(n), End: int(sec)}}
			m.ContactReason = []Reason{{Reason: key, Confidence: y}}
		}
		if bit(5) {
			m.Urgency = &Urgency{Score: y, Level: key, Cues: []string{text, val}}
			m.CrisisTerms = []string{handle}
			m.PII = []string{}
		}
		if bit(6) {
			m.EnrichedAt = tp(time.Unix(nsec, sec).In(zone))
			m.Enricher = val
		}
		if bit(7) {
			m.Engagement = &Engagement{Likes: n, Quotes: sec}
		}
		if bit(8) {
			m.Lang, m.QuotedID, m.Direction = key, "x:"+val, DirectionInbound
		}

		ref, refErr := encodeReflect(m)
		out, ok := encodeFast(m)
		if ok != (refErr == nil) {
			t.Fatalf("fast path ok=%v, encoding/json error %v\nfast %s", ok, refErr, out)
		}
		if ok && !bytes.Equal(out, ref) {
			t.Fatalf("fast path differs from encoding/json\nfast %s\nstd  %s", out, ref)
		}
		if m.Validate() != nil {
			return
		}
		enc := checkEncodeSameBytes(t, m)
		if enc == nil {
			return // refused alike (too large, or a time encoding/json refuses)
		}
		d, err := Decode(enc)
		if err != nil {
			t.Fatalf("an encoded record does not decode: %v\n%s", err, enc)
		}
		if d.Text != m.Text || d.Author.Handle != jsonText(handle) || d.Author.Followers != n ||
			!d.CreatedAt.Equal(m.CreatedAt) || !d.IngestedAt.Equal(m.IngestedAt) {
			t.Fatalf("round trip changed the record\nin  %+v\nout %+v", m, d)
		}
		if m.Sentiment != nil && (math.Float64bits(d.Sentiment.Compound) != math.Float64bits(x) || d.Sentiment.Confidence != y) {
			t.Fatalf("round trip changed the sentiment: %+v, want %+v", d.Sentiment, m.Sentiment)
		}
		if q := m.ReplyQuality; q != nil {
			// Keys written in sorted order; two invalid keys may read
			// back as the same key, and then the later one wins.
			want := map[string]float64{}
			for _, k := range slices.Sorted(maps.Keys(q.Parts)) {
				want[jsonText(k)] = q.Parts[k]
			}
			if !reflect.DeepEqual(d.ReplyQuality.Parts, want) {
				t.Fatalf("round trip changed the parts: %v, want %v", d.ReplyQuality.Parts, want)
			}
		}
		// Invalid UTF-8 is written as \ufffd escapes and read back as
		// U+FFFD, which is then written as itself: from the second round
		// on, the bytes are stable.
		enc2, err := Encode(d)
		if err != nil {
			t.Fatalf("a decoded record does not encode: %v", err)
		}
		valid := utf8.ValidString(handle) && utf8.ValidString(key) && utf8.ValidString(val)
		if valid && !bytes.Equal(enc, enc2) {
			t.Fatalf("re-encoding the decoded record differs\n%s\n%s", enc, enc2)
		}
		d2, err := Decode(enc2)
		if err != nil {
			t.Fatal(err)
		}
		if enc3, err := Encode(d2); err != nil || !bytes.Equal(enc2, enc3) {
			t.Fatalf("encoding is not stable (%v)\n%s\n%s", err, enc2, enc3)
		}
	})
}

// checkEncodeSameBytes is checkEncodeSame for a valid record; it returns
// the encoding, or nil when both refuse the record (too large, a time or
// a float in Extra that encoding/json refuses).
func checkEncodeSameBytes(t *testing.T, m *Mention) []byte {
	t.Helper()
	want, wantErr := referenceEncode(m)
	got, err := Encode(m)
	if errString(err) != errString(wantErr) || !bytes.Equal(got, want) {
		t.Fatalf("Encode: %s (%s), encoding/json: %s (%s)", got, errString(err), want, errString(wantErr))
	}
	return got
}

// BenchmarkEncodeReflect is BenchmarkEncode (bench_test.go) with the
// encoding/json path Encode used before the fast path: validation, then
// encodeReflect.
func BenchmarkEncodeReflect(b *testing.B) {
	for _, name := range []string{"raw_twcs_inbound", "enriched_inbound"} {
		data, err := os.ReadFile(filepath.Join("testdata", name+".json"))
		if err != nil {
			b.Fatal(err)
		}
		m, err := Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bytes.TrimSpace(data))))
			for b.Loop() {
				if _, err := referenceEncode(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
