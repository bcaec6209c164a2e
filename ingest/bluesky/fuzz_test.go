package bluesky

import (
	"testing"
	"time"
)

const samplePost = `{"did":"did:plc:eygmaihciaxprqvxpfvl6flk","time_us":1725911162329308,"kind":"commit","commit":{"rev":"3l3qo2vutsw2b","operation":"create","collection":"app.bsky.feed.post","rkey":"3l3qo2vuowo2b","record":{"$type":"app.bsky.feed.post","createdAt":"2024-09-09T19:46:02.102Z","langs":["en"],"reply":{"parent":{"cid":"bafyreidc6sydkkbchcyg62v77wbhzvb2mvytlmsychqgwf2xojjtirmzj4","uri":"at://did:plc:wa7b35aakoll7hugkrjtf3xf/app.bsky.feed.post/3l3pte3p2e325"},"root":{"cid":"bafyreidc6sydkkbchcyg62v77wbhzvb2mvytlmsychqgwf2xojjtirmzj4","uri":"at://did:plc:wa7b35aakoll7hugkrjtf3xf/app.bsky.feed.post/3l3pte3p2e325"}},"text":"@klm.com where is my bag","facets":[{"index":{"byteStart":0,"byteEnd":8},"features":[{"$type":"app.bsky.richtext.facet#mention","did":"did:plc:klm"}]}],"embed":{"$type":"app.bsky.embed.record","record":{"uri":"at://did:plc:x/app.bsky.feed.post/abc","cid":"c"}}},"cid":"bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"}}`

// FuzzDecodeFrame feeds arbitrary frames through the decoder and the
// mapping: no panic, and a mapped post has consistent ids.
func FuzzDecodeFrame(f *testing.F) {
	f.Add([]byte(samplePost))
	f.Add([]byte(`{"did":"did:plc:a","time_us":1,"kind":"identity","identity":{"did":"did:plc:a","handle":"a.bsky.social"}}`))
	f.Add([]byte(`{"kind":"commit","time_us":1}`))
	f.Add([]byte(`{"did":"did:plc:a","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":"x","facets":[{"index":{"byteStart":-5,"byteEnd":99999},"features":[{"$type":"app.bsky.richtext.facet#mention","did":"did:x"}]}]}}}`))
	received := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := decodeEvent(data)
		if err != nil || ev.Kind != "commit" || ev.Commit.Collection != Collection {
			return
		}
		m, err := toMention(ev, received, func(string) string { return "" })
		if err != nil {
			return
		}
		if m.ID != QualifiedID(m.NativeID) || m.ConversationID == "" {
			t.Fatalf("ids %q %q %q", m.ID, m.NativeID, m.ConversationID)
		}
		_ = m.Validate() // may fail (empty text): the source rejects it with the reason
	})
}

// BenchmarkHandleFrame is the per-event cost: decode a Jetstream commit
// and map it to a Mention.
func BenchmarkHandleFrame(b *testing.B) {
	data := []byte(samplePost)
	received := time.Now()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		ev, err := decodeEvent(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := toMention(ev, received, func(string) string { return "" }); err != nil {
			b.Fatal(err)
		}
	}
}
