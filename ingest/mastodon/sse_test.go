package mastodon

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestSSEReader(t *testing.T) {
	in := ":)\n" +
		"event: update\ndata: {\"a\":1}\n\n" +
		":thump\n" +
		"event: delete\r\ndata: 12\r\n\r\n" +
		"data: line one\ndata: line two\n\n" +
		"id: 7\nretry: 1000\nevent: x\ndata:nospace\n\n" +
		"event: orphan\n\n" + // no data: not dispatched
		"event: last\ndata: 1"
	sr := newSSEReader(strings.NewReader(in), 1<<20)
	want := []sseEvent{
		{"update", []byte(`{"a":1}`)},
		{"delete", []byte("12")},
		{"message", []byte("line one\nline two")},
		{"x", []byte("nospace")},
	}
	lines := 0
	for i, w := range want {
		ev, err := sr.next(func() { lines++ })
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if ev.name != w.name || string(ev.data) != string(w.data) {
			t.Fatalf("event %d = %q %q, want %q %q", i, ev.name, ev.data, w.name, w.data)
		}
	}
	if _, err := sr.next(func() {}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a truncated last event: %v, want io.ErrUnexpectedEOF", err)
	}
	if lines < 10 {
		t.Fatalf("alive called %d times, want once per line (heartbeats included)", lines)
	}
}

func TestSSEReaderLimit(t *testing.T) {
	sr := newSSEReader(strings.NewReader("event: update\ndata: "+strings.Repeat("x", 10000)+"\n\n"), 4096)
	if _, err := sr.next(func() {}); !errors.Is(err, errEventTooLarge) {
		t.Fatalf("oversized event: %v, want errEventTooLarge", err)
	}
	sr = newSSEReader(strings.NewReader(strings.Repeat("data: 0123456789\n", 1000)+"\n"), 4096)
	if _, err := sr.next(func() {}); !errors.Is(err, errEventTooLarge) {
		t.Fatalf("many data lines: %v, want errEventTooLarge", err)
	}
}

// FuzzStream feeds arbitrary bytes through the SSE reader and the status
// decoder and mapping: no panic, bounded events, consistent ids.
func FuzzStream(f *testing.F) {
	f.Add([]byte("event: update\ndata: {\"id\":\"1\",\"created_at\":\"2025-03-01T12:00:00Z\",\"account\":{\"id\":\"2\",\"acct\":\"a\"},\"content\":\"<p>hi</p>\",\"in_reply_to_id\":\"3\"}\n\n"))
	f.Add([]byte(":thump\n\nevent: delete\ndata: 5\n\n"))
	f.Add([]byte("event: update\ndata: {\"reblog\":{\"reblog\":null}}\n\n"))
	received := time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		sr := newSSEReader(strings.NewReader(string(data)), 4096)
		for range 100 {
			ev, err := sr.next(func() {})
			if err != nil {
				return
			}
			if len(ev.data) > 4096 {
				t.Fatalf("event of %d bytes passed a 4096-byte limit", len(ev.data))
			}
			st, err := decodeStatus(ev.data)
			if err != nil {
				continue
			}
			m, reason := toMention("social.example", st, received, func(string) string { return "" })
			if reason != "" {
				continue
			}
			if m.ID != QualifiedID("social.example", st.ID) || m.ConversationID == "" {
				t.Fatalf("ids %q %q", m.ID, m.ConversationID)
			}
		}
	})
}

func TestNewerID(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"110", "99", true}, {"99", "110", false}, {"110", "109", true}, {"5", "5", false}, {"1", "", true},
	} {
		if got := newerID(tt.a, tt.b); got != tt.want {
			t.Errorf("newerID(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestSSEReaderEmptyDataLines(t *testing.T) {
	sr := newSSEReader(strings.NewReader(strings.Repeat("data:\n", 10000)+"\n"), 4096)
	if ev, err := sr.next(func() {}); !errors.Is(err, errEventTooLarge) {
		t.Fatalf("10,000 empty data lines: %d bytes, %v; want errEventTooLarge", len(ev.data), err)
	}
}
