package reddit

import (
	"testing"
	"time"
)

const sampleListing = `{"kind": "Listing", "data": {"after": "t1_kx2p9q1", "dist": 2, "modhash": "", "geo_filter": "", "children": [{"kind": "t1", "data": {"subreddit_id": "t5_2qh0u", "link_title": "KLM lost my bag", "subreddit": "KLM", "link_author": "alice_flies", "id": "kx2p9q2", "author": "bob", "parent_id": "t1_kx2p9q1", "score": 4, "author_fullname": "t2_bob9", "body": "Same here &amp; no answer", "edited": false, "name": "t1_kx2p9q2", "link_id": "t3_1b2c3d", "permalink": "/r/KLM/comments/1b2c3d/klm_lost_my_bag/kx2p9q2/", "created": 1709294400.0, "created_utc": 1709294400.0, "stickied": false}}, {"kind": "t3", "data": {"subreddit": "KLM", "selftext": "Three days.", "author_fullname": "t2_abc1", "title": "KLM lost my bag", "name": "t3_1b2c3d", "score": 12, "id": "1b2c3d", "author": "alice_flies", "num_comments": 3, "permalink": "/r/KLM/comments/1b2c3d/klm_lost_my_bag/", "created_utc": 1709290800.5, "over_18": false}}], "before": null}}`

// FuzzDecodeListing feeds arbitrary pages through the decoders and the
// mapping: no panic, and a mapped item has consistent ids.
func FuzzDecodeListing(f *testing.F) {
	f.Add([]byte(sampleListing))
	f.Add([]byte(`{"kind": "Listing", "data": {"children": [{"kind": "more", "data": {"count": 5}}]}}`))
	f.Add([]byte(`{"kind": "t1", "data": {}}`))
	f.Add([]byte(`{"kind": "Listing", "data": {"children": [{"kind": "t1", "data": {"name": "t1_a", "created_utc": 1e300, "link_id": "t3_b", "parent_id": "t3_b", "body": "x"}}]}}`))
	received := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := decodeListing(data)
		if err != nil {
			return
		}
		for _, c := range l.Data.Children {
			th, err := decodeThing(c.Kind, c.Data)
			if err != nil {
				continue
			}
			m, reason := toMention(th, received)
			if reason != "" {
				continue
			}
			if m.ID != QualifiedID(m.NativeID) || m.ConversationID == "" || (th.Kind == "t1") != (m.InReplyTo != "") {
				t.Fatalf("ids %q %q %q %q", m.ID, m.NativeID, m.ConversationID, m.InReplyTo)
			}
			_ = m.Validate()
		}
	})
}

// BenchmarkDecodePage is the per-page cost: decode a listing and map its
// items.
func BenchmarkDecodePage(b *testing.B) {
	data := []byte(sampleListing)
	received := time.Now()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		l, err := decodeListing(data)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range l.Data.Children {
			th, err := decodeThing(c.Kind, c.Data)
			if err != nil {
				b.Fatal(err)
			}
			if _, reason := toMention(th, received); reason != "" {
				b.Fatal(reason)
			}
		}
	}
}

func TestNewerName(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"t3_1b2c3e", "t3_1b2c3d", true},
		{"t3_1b2c3d", "t3_1b2c3d", false},
		{"t3_zz", "t3_100", false},
		{"t1_100", "t1_zz", true},
		{"bad", "t3_1", false},
	}
	for _, tt := range tests {
		if got := newerName(tt.a, tt.b); got != tt.want {
			t.Errorf("newerName(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}
