package mention_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

var update = flag.Bool("update", false, "rewrite testdata/*.json from the records in goldenRecords")

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func tsp(s string) *time.Time { t := ts(s); return &t }

// goldenRecords are the records behind testdata/<name>.json. The texts are
// written for these tests; they are not taken from any data set.
func goldenRecords() map[string]*mention.Mention {
	return map[string]*mention.Mention{
		// A customer's post as the twcs ingestor publishes it: the minimum.
		"raw_twcs_inbound": {
			V:              1,
			ID:             "twcs:900001",
			Platform:       "twcs",
			NativeID:       "900001",
			CreatedAt:      ts("2017-10-31T22:10:47Z"),
			IngestedAt:     ts("2024-05-01T10:00:00.123456789Z"),
			Source:         "twcs",
			Author:         mention.Author{ID: "900002"},
			Text:           "@sprintcare my phone has had no signal since this morning, can you help?",
			ConversationID: "twcs:900001",
		},
		// A brand's reply on X with every platform field, non-ASCII text and
		// characters that JSON escapes.
		"raw_x_reply": {
			V:          1,
			ID:         "x:1790000000000000002",
			Platform:   "x",
			NativeID:   "1790000000000000002",
			URL:        "https://x.com/KLM/status/1790000000000000002",
			CreatedAt:  ts("2024-05-13T08:15:30.5Z"),
			IngestedAt: ts("2024-05-13T08:15:31Z"),
			Source:     "x-filtered-stream",
			Author: mention.Author{
				ID:          "56377143",
				Handle:      "KLM",
				DisplayName: "KLM Royal Dutch Airlines",
				Followers:   2500000,
				Verified:    true,
			},
			Text:           "@reiziger Dank je wel! Your bag <KL1234> is on its way to Zürich & will arrive tonight 🧳 \"Tracking\" is live. ^Eva",
			Lang:           "en",
			InReplyTo:      "x:1790000000000000001",
			ConversationID: "x:1790000000000000001",
			Engagement:     &mention.Engagement{Likes: 3, Reposts: 1, Replies: 1, Quotes: 0},
		},
		// A Bluesky post quoting another: qualified ids contain ':' and '/'.
		"raw_bluesky_quote": {
			V:              1,
			ID:             "bluesky:at://did:plc:abc123/app.bsky.feed.post/3kq2xyz",
			Platform:       "bluesky",
			NativeID:       "at://did:plc:abc123/app.bsky.feed.post/3kq2xyz",
			URL:            "https://bsky.app/profile/did:plc:abc123/post/3kq2xyz",
			CreatedAt:      ts("2024-06-02T19:00:00Z"),
			IngestedAt:     ts("2024-06-02T19:00:02Z"),
			Source:         "bluesky-jetstream",
			Author:         mention.Author{ID: "did:plc:abc123", Handle: "traveller.bsky.social", DisplayName: "A. Traveller"},
			Text:           "Three hours on hold with @klm.com and still nothing.",
			Lang:           "en",
			ConversationID: "bluesky:at://did:plc:abc123/app.bsky.feed.post/3kq2xyz",
			QuotedID:       "bluesky:at://did:plc:def456/app.bsky.feed.post/3kq1aaa",
		},
		// An inbound post after enrich: every enrichment field a customer post gets.
		"enriched_inbound": {
			V:              1,
			ID:             "twcs:900010",
			Platform:       "twcs",
			NativeID:       "900010",
			CreatedAt:      ts("2017-11-26T00:01:09Z"),
			IngestedAt:     ts("2024-05-01T10:00:01Z"),
			Source:         "twcs",
			Author:         mention.Author{ID: "900011"},
			Text:           "@Delta flight DL1234 cancelled, bag lost, nobody answers the phone at [phone]. Worst trip ever",
			Lang:           "en",
			ConversationID: "twcs:900010",
			Brands:         []mention.BrandMatch{{Brand: "delta", How: "handle", Addressed: true}},
			Direction:      mention.DirectionInbound,
			Sentiment:      &mention.Sentiment{Compound: -0.8176, Label: mention.SentimentNegative, Confidence: 0.91},
			Entities: []mention.Entity{
				{Text: "DL1234", Type: "flight", Start: 14, End: 20},
			},
			ContactReason: []mention.Reason{
				{Reason: "cancellation", Confidence: 0.82},
				{Reason: "baggage", Confidence: 0.64},
			},
			Urgency:     &mention.Urgency{Score: 0.75, Level: "high", Cues: []string{"cancelled", "lost"}},
			CrisisTerms: []string{"cancelled"},
			PII:         []string{"phone"},
			EnrichedAt:  tsp("2024-05-01T10:00:01.5Z"),
			Enricher:    "earshot-enrich/0.1.0",
			Extra:       map[string]any{"twcs_inbound": true, "response_tweet_ids": []any{"900012"}},
		},
		// A brand's reply after enrich: author_brand, direction and reply quality.
		"enriched_outbound": {
			V:              1,
			ID:             "twcs:900012",
			Platform:       "twcs",
			NativeID:       "900012",
			CreatedAt:      ts("2017-11-26T00:05:09Z"),
			IngestedAt:     ts("2024-05-01T10:00:01Z"),
			Source:         "twcs",
			Author:         mention.Author{ID: "Delta", Handle: "Delta"},
			Text:           "@900011 I truly regret the trouble with your trip. Please DM your confirmation number and I will trace the bag for you. *TKR",
			Lang:           "en",
			InReplyTo:      "twcs:900010",
			ConversationID: "twcs:900010",
			Brands:         []mention.BrandMatch{{Brand: "delta", How: "author", Addressed: false}},
			AuthorBrand:    "delta",
			Direction:      mention.DirectionOutbound,
			Sentiment:      &mention.Sentiment{Compound: 0.0772, Label: mention.SentimentNeutral, Confidence: 0.55},
			ReplyQuality: &mention.ReplyQuality{
				Empathy:    62.5,
				Parts:      map[string]float64{"acknowledge": 20, "apology": 12.5, "personal": 15, "ownership": 15, "next_step": 10, "deflection": -10},
				Deflection: "dm",
				Canned:     0.31,
				CannedDups: 4,
				Personal:   true,
				Signature:  "*TKR",
			},
			EnrichedAt: tsp("2024-05-01T10:00:01.75Z"),
			Enricher:   "earshot-enrich/0.1.0",
		},
	}
}

func goldenPath(name string) string { return filepath.Join("testdata", name+".json") }

// TestGolden: each golden record encodes to exactly its file's bytes (one
// JSON line), and the file decodes to the record and re-encodes to itself.
// Run with -update to rewrite the files after a deliberate format change.
func TestGolden(t *testing.T) {
	records := goldenRecords()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, ok := records[strings.TrimSuffix(filepath.Base(f), ".json")]; !ok {
			t.Errorf("%s has no record in goldenRecords", f)
		}
	}
	for name, rec := range records {
		t.Run(name, func(t *testing.T) {
			enc, err := mention.Encode(rec)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			line := append(enc, '\n')
			path := goldenPath(name)
			if *update {
				if err := os.WriteFile(path, line, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			golden, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./mention -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(line, golden) {
				t.Errorf("Encode differs from %s:\n got: %s\nwant: %s", path, line, golden)
			}
			m, err := mention.Decode(golden)
			if err != nil {
				t.Fatalf("Decode(%s): %v", path, err)
			}
			if !reflect.DeepEqual(m, rec) {
				t.Errorf("Decode(%s) = %+v\nwant %+v", path, m, rec)
			}
			again, err := mention.Encode(m)
			if err != nil {
				t.Fatalf("re-Encode: %v", err)
			}
			if !bytes.Equal(append(again, '\n'), golden) {
				t.Errorf("decode+encode of %s is not byte-identical:\n got: %s\nwant: %s", path, again, golden)
			}
		})
	}
}

// validJSON returns a valid raw record as a JSON object to mutate.
func validJSON(tb testing.TB) map[string]any {
	tb.Helper()
	data, err := os.ReadFile(goldenPath("enriched_outbound"))
	if err != nil {
		tb.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		tb.Fatal(err)
	}
	return obj
}

func marshal(tb testing.TB, v any) []byte {
	tb.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestDecodeInvalid(t *testing.T) {
	now := time.Now().UTC()
	set := func(path string, v any) func(map[string]any) {
		return func(o map[string]any) {
			keys := strings.Split(path, ".")
			for _, k := range keys[:len(keys)-1] {
				o = o[k].(map[string]any)
			}
			o[keys[len(keys)-1]] = v
		}
	}
	del := func(key string) func(map[string]any) { return func(o map[string]any) { delete(o, key) } }
	tests := []struct {
		name   string
		mutate func(map[string]any)
		field  string // the *FieldError's field
	}{
		{"missing id", del("id"), "id"},
		{"unqualified id", set("id", "900012"), "id"},
		{"id of another platform", set("id", "x:900012"), "id"},
		{"id is only the prefix", set("id", "twcs:"), "id"},
		{"version 2", set("v", 2), "v"},
		{"version missing", del("v"), "v"},
		{"platform empty", set("platform", ""), "platform"},
		{"platform with a colon", set("platform", "tw:cs"), "platform"},
		{"native id empty", set("native_id", ""), "native_id"},
		{"empty text", set("text", ""), "text"},
		{"blank text", set("text", " \n\t "), "text"},
		{"missing text", del("text"), "text"},
		{"text too long", set("text", strings.Repeat("a", mention.MaxTextBytes+1)), "text"},
		{"created_at missing", del("created_at"), "created_at"},
		{"created_at zero", set("created_at", "0001-01-01T00:00:00Z"), "created_at"},
		{"created_at before 2000", set("created_at", "1999-12-31T23:59:59Z"), "created_at"},
		{"created_at far future", set("created_at", now.Add(48*time.Hour).Format(time.RFC3339)), "created_at"},
		{"ingested_at missing", del("ingested_at"), "ingested_at"},
		{"source empty", set("source", ""), "source"},
		{"author id empty", set("author.id", ""), "author.id"},
		{"followers negative", set("author.followers", -1), "author.followers"},
		{"in_reply_to unqualified", set("in_reply_to", "900010"), "in_reply_to"},
		{"reply to itself", set("in_reply_to", "twcs:900012"), "in_reply_to"},
		{"conversation_id missing", del("conversation_id"), "conversation_id"},
		{"conversation_id unqualified", set("conversation_id", "900010"), "conversation_id"},
		{"quoted_id without platform", set("quoted_id", ":900010"), "quoted_id"},
		{"bad direction", set("direction", "sideways"), "direction"},
		{"brand match without brand", set("brands", []any{map[string]any{"how": "handle"}}), "brands[0].brand"},
		{"sentiment above 1", set("sentiment.compound", 1.5), "sentiment.compound"},
		{"sentiment below -1", set("sentiment.compound", -1.01), "sentiment.compound"},
		{"sentiment confidence above 1", set("sentiment.confidence", 2), "sentiment.confidence"},
		{"sentiment label", set("sentiment.label", "meh"), "sentiment.label"},
		{"empathy above 100", set("reply_quality.empathy", 100.5), "reply_quality.empathy"},
		{"canned negative", set("reply_quality.canned", -0.1), "reply_quality.canned"},
		{"urgency above 1", set("urgency", map[string]any{"score": 1.5, "level": "critical"}), "urgency.score"},
		{"contact reason confidence", set("contact_reason", []any{
			map[string]any{"reason": "baggage", "confidence": 0.5},
			map[string]any{"reason": "refund", "confidence": 7},
		}), "contact_reason[1].confidence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := validJSON(t)
			tt.mutate(obj)
			m, err := mention.Decode(marshal(t, obj))
			if err == nil {
				t.Fatalf("Decode accepted an invalid record: %+v", m)
			}
			var fe *mention.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode error %v is not a *FieldError", err)
			}
			if fe.Field != tt.field {
				t.Errorf("FieldError names %q (%v), want %q", fe.Field, err, tt.field)
			}
			if fe.Reason == "" || !strings.HasPrefix(err.Error(), tt.field+": ") {
				t.Errorf("error %q should read %q followed by the reason", err, tt.field+": ")
			}
			if errors.Is(err, mention.ErrDecode) {
				t.Error("a validation error must not be ErrDecode (the JSON itself was fine)")
			}
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	valid, err := os.ReadFile(goldenPath("raw_twcs_inbound"))
	if err != nil {
		t.Fatal(err)
	}
	valid = bytes.TrimSpace(valid)
	invalidUTF8 := bytes.Replace(valid, []byte("my phone"), []byte("my \xff\xfe phone"), 1)
	if bytes.Equal(invalidUTF8, valid) {
		t.Fatal("test record changed: no 'my phone' in it")
	}
	tooLarge := append(bytes.Clone(valid), bytes.Repeat([]byte(" "), mention.MaxRecordBytes)...)
	tests := []struct {
		name string
		data []byte
		want string // in the error
	}{
		{"trailing object", append(bytes.Clone(valid), []byte(` {}`)...), "trailing data"},
		{"trailing brace", append(bytes.Clone(valid), '}'), "trailing data"},
		{"trailing bracket", append(bytes.Clone(valid), ']'), "trailing data"},
		{"trailing word", append(bytes.Clone(valid), []byte("\nnull")...), "trailing data"},
		{"invalid UTF-8", invalidUTF8, "not valid UTF-8"},
		{"too large", tooLarge, "the limit is"},
		{"empty", nil, "cannot decode"},
		{"not an object", []byte(`["twcs:1"]`), "cannot decode"},
		{"truncated", valid[:len(valid)/2], "cannot decode"},
		{"NaN is not JSON", bytes.Replace(valid, []byte(`"v":1`), []byte(`"v":NaN`), 1), "cannot decode"},
		{"number overflows", []byte(`{"v":1,"extra":{"n":1e999}}`), "cannot decode"},
		{"version as a string", bytes.Replace(valid, []byte(`"v":1`), []byte(`"v":"1"`), 1), "cannot decode"},
		{"bad time", bytes.Replace(valid, []byte(`2017-10-31T22:10:47Z`), []byte(`31/10/2017`), 1), "cannot decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mention.Decode(tt.data)
			if err == nil {
				t.Fatalf("Decode accepted it: %+v", m)
			}
			if !errors.Is(err, mention.ErrDecode) {
				t.Errorf("error %v does not wrap ErrDecode", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
	// Only white space may follow the object.
	for _, tail := range []string{"", "\n", " \r\n\t "} {
		if _, err := mention.Decode(append(bytes.Clone(valid), tail...)); err != nil {
			t.Errorf("Decode with trailing %q: %v", tail, err)
		}
	}
	// JSON null is an empty record: the first thing missing is the version.
	var fe *mention.FieldError
	if _, err := mention.Decode([]byte("null")); !errors.As(err, &fe) || fe.Field != "v" {
		t.Errorf("Decode(null) = %v, want a FieldError on v", err)
	}
}

func TestDecodeAcceptsEdges(t *testing.T) {
	now := time.Now().UTC()
	tests := []struct {
		name   string
		mutate func(map[string]any)
	}{
		{"created_at within the clock-skew allowance", func(o map[string]any) { o["created_at"] = now.Add(time.Hour).Format(time.RFC3339) }},
		{"created_at on 2000-01-01", func(o map[string]any) { o["created_at"] = "2000-01-01T00:00:00Z" }},
		{"created_at with an offset", func(o map[string]any) { o["created_at"] = "2017-11-26T02:05:09+02:00" }},
		{"sentiment at the bounds", func(o map[string]any) {
			o["sentiment"] = map[string]any{"compound": -1, "label": "negative", "confidence": 1}
		}},
		{"text of exactly MaxTextBytes", func(o map[string]any) { o["text"] = strings.Repeat("é", mention.MaxTextBytes/2) }},
		{"unknown fields are ignored", func(o map[string]any) { o["from_the_future"] = map[string]any{"x": 1} }},
		{"no direction yet", func(o map[string]any) { delete(o, "direction") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := validJSON(t)
			tt.mutate(obj)
			if _, err := mention.Decode(marshal(t, obj)); err != nil {
				t.Fatalf("Decode: %v", err)
			}
		})
	}
}

// TestEncodeInvalid: Encode validates, names the field, and never emits
// NaN, invalid UTF-8 or a record Decode would refuse.
func TestEncodeInvalid(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	base := func() *mention.Mention { return goldenRecords()["enriched_outbound"] }
	tests := []struct {
		name   string
		mutate func(*mention.Mention)
		field  string
	}{
		{"sentiment NaN", func(m *mention.Mention) { m.Sentiment.Compound = nan }, "sentiment.compound"},
		{"sentiment +Inf", func(m *mention.Mention) { m.Sentiment.Compound = inf }, "sentiment.compound"},
		{"confidence NaN", func(m *mention.Mention) { m.Sentiment.Confidence = nan }, "sentiment.confidence"},
		{"empathy NaN", func(m *mention.Mention) { m.ReplyQuality.Empathy = nan }, "reply_quality.empathy"},
		{"canned -Inf", func(m *mention.Mention) { m.ReplyQuality.Canned = math.Inf(-1) }, "reply_quality.canned"},
		{"empathy part NaN", func(m *mention.Mention) { m.ReplyQuality.Parts["apology"] = nan }, "reply_quality.parts.apology"},
		{"urgency NaN", func(m *mention.Mention) { m.Urgency = &mention.Urgency{Score: nan, Level: "low"} }, "urgency.score"},
		{"reason NaN", func(m *mention.Mention) { m.ContactReason = []mention.Reason{{Reason: "refund", Confidence: nan}} }, "contact_reason[0].confidence"},
		{"text invalid UTF-8", func(m *mention.Mention) { m.Text = "bag \xff lost" }, "text"},
		{"too large once escaped", func(m *mention.Mention) {
			// 200 kB of control characters encode as \u0001 each: 1.2 MB.
			m.Extra = map[string]any{"ctl": strings.Repeat("\x01", 200_000)}
		}, "record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.mutate(m)
			data, err := mention.Encode(m)
			var fe *mention.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Encode = %d bytes, %v; want a *FieldError on %s", len(data), err, tt.field)
			}
			if fe.Field != tt.field {
				t.Errorf("FieldError names %q (%v), want %q", fe.Field, err, tt.field)
			}
		})
	}
	if _, err := mention.Encode(nil); err == nil {
		t.Error("Encode(nil) succeeded")
	}
}

// TestEncodeIsDeterministic: maps are written in key order, so the same
// record always gives the same bytes (Kafka dedup and golden files rely on it).
func TestEncodeIsDeterministic(t *testing.T) {
	m := goldenRecords()["enriched_outbound"]
	first, err := mention.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, err := mention.Encode(m)
		if err != nil || !bytes.Equal(again, first) {
			t.Fatalf("Encode is not deterministic:\n%s\n%s", first, again)
		}
	}
}

func TestPartitionKey(t *testing.T) {
	recs := goldenRecords()
	names := make([]string, 0, len(recs))
	for n := range recs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := recs[n]
		if got := string(m.PartitionKey()); got != m.ConversationID {
			t.Errorf("%s: PartitionKey = %q, want the conversation id %q", n, got, m.ConversationID)
		}
	}
	// A reply and its root share a partition.
	if a, b := recs["enriched_inbound"].PartitionKey(), recs["enriched_outbound"].PartitionKey(); !bytes.Equal(a, b) {
		t.Errorf("reply and root have different keys: %s, %s", a, b)
	}
	orphan := &mention.Mention{ID: "x:5"}
	if got := string(orphan.PartitionKey()); got != "x:5" {
		t.Errorf("no conversation id: PartitionKey = %q, want the id", got)
	}
}

func TestQualifiedID(t *testing.T) {
	if got := mention.QualifiedID("twcs", "119238"); got != "twcs:119238" {
		t.Errorf("QualifiedID = %q", got)
	}
	if got := mention.QualifiedID("bluesky", "at://did:plc:x/app.bsky.feed.post/1"); got != "bluesky:at://did:plc:x/app.bsky.feed.post/1" {
		t.Errorf("QualifiedID = %q", got)
	}
}
