package enrich_test

import (
	"context"
	"testing"

	"github.com/earshot-dev/earshot/mention"
)

// FuzzPipeline feeds arbitrary raw records through decode → brands →
// sentiment → encode: whatever decodes must come out as a valid enriched
// record (an enricher never produces a record the sink would refuse).
func FuzzPipeline(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"id":"twcs:1","platform":"twcs","native_id":"1","created_at":"2017-10-11T13:00:00Z","ingested_at":"2017-10-11T13:00:00Z","source":"t","author":{"id":"AppleSupport"},"text":"@115712 We can help","conversation_id":"twcs:1"}`,
		`{"v":1,"id":"x:2","platform":"x","native_id":"2","created_at":"2017-10-11T13:00:00Z","ingested_at":"2017-10-11T13:00:00Z","source":"t","author":{"id":"9","handle":"nextofficial"},"text":"Next order #Next $NEXT @AmazonHelp 😡","in_reply_to":"x:1","conversation_id":"x:1","brands":[{"brand":"old","how":"alias"}],"direction":"inbound"}`,
		`{"v":1}`, `not json`,
	} {
		f.Add([]byte(s))
	}
	pipe := pipeline(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := mention.Decode(data)
		if err != nil {
			return
		}
		if err := pipe.Enrich(context.Background(), m); err != nil {
			t.Fatalf("enrich: %v", err)
		}
		out, err := mention.Encode(m)
		if err != nil {
			t.Fatalf("the enriched record is invalid: %v", err)
		}
		if _, err := mention.Decode(out); err != nil {
			t.Fatalf("the enriched record does not decode: %v", err)
		}
	})
}
