package x

import (
	"testing"
	"time"
)

const sampleLine = `{"data":{"author_id":"2244994945","conversation_id":"1341761599976181763","created_at":"2020-12-23T16:54:31.000Z","edit_history_tweet_ids":["1341761599976181763"],"entities":{"mentions":[{"start":0,"end":4,"username":"KLM","id":"56377143"}],"hashtags":[{"start":20,"end":24,"tag":"bag"}]},"id":"1341761599976181763","in_reply_to_user_id":"56377143","lang":"en","public_metrics":{"retweet_count":1,"reply_count":2,"like_count":3,"quote_count":4},"referenced_tweets":[{"type":"replied_to","id":"1341761599976181000"},{"type":"quoted","id":"1341000000000000001"}],"text":"@KLM where is my #bag &amp; why"},"includes":{"users":[{"id":"2244994945","name":"Alice","username":"alice_flies","verified":false,"public_metrics":{"followers_count":42,"following_count":1,"tweet_count":5,"listed_count":0}}],"tweets":[{"id":"1341761599976181000","text":"parent","author_id":"56377143"}]},"matching_rules":[{"id":"1585","tag":"earshot:klm"}]}`

// FuzzDecodeLine feeds arbitrary stream lines through the decoder and the
// mapping: no panic, and a mapped post has consistent ids.
func FuzzDecodeLine(f *testing.F) {
	f.Add([]byte(sampleLine))
	f.Add([]byte(`{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect","detail":"x","type":"https://api.twitter.com/2/problems/operational-disconnect"}]}`))
	f.Add([]byte(`{"data":{"id":"1","author_id":"2","created_at":"2020-12-23T16:54:31.000Z","text":"","referenced_tweets":[{"type":"retweeted","id":"x"}]}}`))
	f.Add([]byte(`{"data":null}`))
	received := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := decodeLine(data)
		if err != nil || l.Data == nil {
			return
		}
		m, reason := toMention(l.Data, l.Includes.Users, nil, received)
		if reason != "" {
			return
		}
		if m.ID != QualifiedID(m.NativeID) || m.ConversationID == "" || m.URL == "" {
			t.Fatalf("ids %q %q %q url %q", m.ID, m.NativeID, m.ConversationID, m.URL)
		}
		_ = m.Validate() // may fail: the source rejects it with the reason
	})
}

// FuzzDecodeTweet is the same for one post of a search page.
func FuzzDecodeTweet(f *testing.F) {
	f.Add([]byte(`{"id":"20","text":"@KLM hi","author_id":"1","created_at":"2025-01-01T00:00:00.000Z","conversation_id":"19","referenced_tweets":[{"type":"replied_to","id":"19"}]}`))
	f.Add([]byte(`{"id":"20"}`))
	received := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		tw, err := decodeTweet(data)
		if err != nil {
			return
		}
		if m, reason := toMention(tw, nil, nil, received); reason == "" && (m.InReplyTo != "" && m.InReplyTo[:2] != "x:") {
			t.Fatalf("in_reply_to %q", m.InReplyTo)
		}
	})
}

// BenchmarkHandleLine is the per-post cost: decode a stream line and map it.
func BenchmarkHandleLine(b *testing.B) {
	data := []byte(sampleLine)
	received := time.Now()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		l, err := decodeLine(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, reason := toMention(l.Data, l.Includes.Users, nil, received); reason != "" {
			b.Fatal(reason)
		}
	}
}

// TestReconnectPolicy is X's documented backoff: linear 250 ms steps to
// 16 s for network errors, exponential from 5 s to 320 s for HTTP errors,
// exponential from 1 m for 429 unless x-rate-limit-reset says otherwise.
func TestReconnectPolicy(t *testing.T) {
	r := reconnect{cfg: DefaultConfig()}
	var got []time.Duration
	for range 3 {
		got = append(got, r.next(classNetwork, 0))
	}
	for range 8 {
		got = append(got, r.next(classHTTP, 0))
	}
	got = append(got, r.next(classRateLimit, 0), r.next(classRateLimit, 0), r.next(classRateLimit, 7*time.Second))
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond,
		5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 320 * time.Second, 320 * time.Second,
		time.Minute, 2 * time.Minute, 7 * time.Second}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("wait %d = %s, want %s (all: %v)", i, got[i], want[i], got)
		}
	}
	for range 100 {
		r.next(classNetwork, 0)
	}
	if d := r.next(classNetwork, 0); d != 16*time.Second {
		t.Fatalf("network backoff capped at %s, want 16s", d)
	}
	r.reset()
	if d := r.next(classHTTP, 0); d != 5*time.Second {
		t.Fatalf("after reset %s, want 5s", d)
	}
}
