package rss

import (
	"os"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

// FuzzFeed feeds arbitrary documents through the parser and the item
// mapping: no panic, and every mapped item is a valid Mention or is
// rejected with a reason. Minimising a 2 KB feed takes long on a small
// machine: run it with -fuzzminimizetime 0 (or a few seconds).
func FuzzFeed(f *testing.F) {
	for _, name := range []string{"news.rss", "reviews.atom", "bad-items.rss", "truncated.rss"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"1","content_text":"hi"}]}`))
	received := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := parseFeed(data)
		if err != nil {
			return
		}
		for _, it := range feed.Items {
			if it == nil {
				continue
			}
			m, reason := toMention("https://feeds.example.com/f.xml", feed, it, received)
			if reason != "" {
				continue
			}
			if len(m.Text) > mention.MaxTextBytes {
				t.Fatalf("text of %d bytes", len(m.Text))
			}
			if m.ID != QualifiedID(m.NativeID) || m.ConversationID != m.ID {
				t.Fatalf("ids %q %q %q", m.ID, m.NativeID, m.ConversationID)
			}
			_ = m.Validate() // may fail (a date in 2100): the poller rejects it with the reason
		}
	})
}
