package httpingest

import (
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

const fuzzRecord = `{"v":1,"id":"x:1","platform":"x","native_id":"1","created_at":"2025-03-01T12:00:00Z","author":{"id":"u1"},"text":"hi @KLM","conversation_id":"x:1"}`

// FuzzDecodeRequest feeds arbitrary bodies through the request decoder:
// it never panics, never returns more records than allowed, and every
// record it accepts encodes back to a record mention.Decode accepts.
func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []struct{ body, ct string }{
		{fuzzRecord, "application/json"},
		{"[" + fuzzRecord + "," + fuzzRecord + "]", ""},
		{fuzzRecord + "\n" + fuzzRecord + "\n", "application/x-ndjson"},
		{"{\"v\":1,\n\"id\":\"x:1\"}", ""},
		{"[1, \"a\", null, {}]", ""},
		{"\uFEFF" + fuzzRecord, "application/json; charset=utf-8"},
		{"[", ""},
		{"{\"v\":1}{\"v\":1}", ""},
		{strings.Replace(fuzzRecord, `"x:1"}`, `"x:1","brands":[{"brand":""}]}`, 1), ""},
		{"\xff\xfe", ""},
	} {
		f.Add([]byte(seed.body), seed.ct)
	}
	now := time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		const maxRecords = 50
		_, recs, err := splitBody(body, ct, maxRecords)
		if err != nil {
			re, ok := err.(*requestError)
			if !ok || (re.Status != 400 && re.Status != 413) || re.Msg == "" {
				t.Fatalf("request error %#v, want a 400/413 with a message", err)
			}
			return
		}
		if len(recs) == 0 || len(recs) > maxRecords {
			t.Fatalf("%d records, want 1..%d", len(recs), maxRecords)
		}
		for i, r := range recs {
			if r.Index != i || len(r.Data) == 0 {
				t.Fatalf("record %d: index %d, %d bytes", i, r.Index, len(r.Data))
			}
			m, err := decodeRecord(r.Data, now, "http")
			if _, derr := mention.Decode(r.Data); derr == nil && err != nil {
				t.Fatalf("mention.Decode accepts a record the endpoint rejects: %v", err)
			}
			if err != nil {
				re, reason := rejection(r, err)
				if re.Error == "" || !strings.HasPrefix(reason, "invalid_") && reason != "malformed_json" {
					t.Fatalf("rejection %+v reason %q", re, reason)
				}
				if strings.ContainsAny(reason, "[]. ") {
					t.Fatalf("reason label %q is not bounded", reason)
				}
				continue
			}
			data, err := mention.Encode(m)
			if err != nil {
				t.Fatalf("accepted record does not encode: %v", err)
			}
			if _, err := mention.Decode(data); err != nil {
				t.Fatalf("accepted record does not decode after encoding: %v", err)
			}
		}
	})
}

func TestReasonLabel(t *testing.T) {
	for in, want := range map[string]string{
		"created_at":                   "invalid_created_at",
		"author.id":                    "invalid_author_id",
		"brands[12].brand":             "invalid_brands_brand",
		"reply_quality.parts.Ünïcode":  "invalid_reply_quality_parts",
		"contact_reason[0].confidence": "invalid_contact_reason_confidence",
	} {
		if got := reasonLabel(in); got != want {
			t.Errorf("reasonLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
