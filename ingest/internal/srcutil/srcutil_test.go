package srcutil

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSeenPersistsOnlyAcknowledged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seen.jsonl")
	s, err := OpenSeen(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	s.Mark("a", 1)
	s.Mark("b", 2)
	s.Mark("c", 3)
	if c, pending, ok := s.Lookup("b"); !ok || !pending || c != 2 {
		t.Fatalf("Lookup(b) = %d %v %v, want 2 pending", c, pending, ok)
	}
	if err := s.Ack(2); err != nil {
		t.Fatal(err)
	}
	if _, pending, _ := s.Lookup("b"); pending {
		t.Fatal("b still pending after Ack(2)")
	}
	s.Close()

	s2, err := OpenSeen(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for id, want := range map[string]bool{"a": true, "b": true, "c": false} {
		if got := s2.Has(id); got != want {
			t.Errorf("after reopen Has(%q) = %v, want %v (only acknowledged ids persist)", id, got, want)
		}
	}
}

func TestSeenEvictsOldestAndCompacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seen.jsonl")
	s, err := OpenSeen(path, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"a", "b", "c", "d", "e"} {
		s.Mark(id, int64(i))
		if err := s.Ack(int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if s.Has("a") || s.Has("c") || !s.Has("d") || !s.Has("e") {
		t.Fatalf("want only d, e kept; len=%d", s.Len())
	}
	s.Close()
	data, _ := os.ReadFile(path)
	if n := len(splitLines(data)); n > 4 {
		t.Fatalf("journal has %d lines, want ≤ 2×capacity", n)
	}
	// A torn last line is ignored.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`"tor`)
	f.Close()
	s2, err := OpenSeen(path, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if !s2.Has("d") || !s2.Has("e") || s2.Len() != 2 {
		t.Fatalf("reopen: len=%d, want d and e", s2.Len())
	}
}

func TestSeenForget(t *testing.T) {
	s, _ := OpenSeen("", 10)
	s.Mark("x", 1)
	s.Forget("x")
	if s.Has("x") {
		t.Fatal("Forget kept x")
	}
	if err := s.Ack(5); err != nil {
		t.Fatal(err)
	}
	if s.Has("x") {
		t.Fatal("Ack resurrected a forgotten id")
	}
}

func splitLines(b []byte) []string {
	var out []string
	start := 0
	for i, c := range b {
		if c == '\n' {
			out = append(out, string(b[start:i]))
			start = i + 1
		}
	}
	return out
}

func TestPositions(t *testing.T) {
	var p Positions[string]
	p.Add(1, "a")
	p.Add(3, "b")
	p.Add(5, "c")
	if v, ok := p.Ack(0); ok {
		t.Fatalf("Ack(0) = %q, want none", v)
	}
	if v, ok := p.Ack(4); !ok || v != "b" {
		t.Fatalf("Ack(4) = %q %v, want b", v, ok)
	}
	if p.Len() != 1 {
		t.Fatalf("Len = %d, want 1", p.Len())
	}
}

func TestBackoffBounds(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	for i := range 50 {
		d := b.Next()
		if d < 50*time.Millisecond || d > time.Second {
			t.Fatalf("wait %d = %s, outside [50ms, 1s]", i, d)
		}
	}
	b.Reset()
	if d := b.Next(); d > 100*time.Millisecond {
		t.Fatalf("first wait after Reset = %s, want ≤ Min", d)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
		ok   bool
	}{
		{"seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second, true},
		{"http date", http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second, true},
		{"mastodon reset", http.Header{"X-Ratelimit-Reset": {now.Add(time.Minute).Format(time.RFC3339Nano)}}, time.Minute, true},
		{"epoch reset", http.Header{"X-Ratelimit-Reset": {"1735689630"}}, 30 * time.Second, true},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0, false},
		{"none", http.Header{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RetryAfter(tt.h, now)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("RetryAfter = %s %v, want %s %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSecret(t *testing.T) {
	t.Setenv("SRCUTIL_TEST_TOKEN", "")
	if _, err := Secret("token", "SRCUTIL_TEST_TOKEN", ""); err == nil {
		t.Fatal("no env and no file: want an error")
	}
	f := filepath.Join(t.TempDir(), "tok")
	os.WriteFile(f, []byte("  s3cret\n"), 0o600)
	if v, err := Secret("token", "SRCUTIL_TEST_TOKEN", f); err != nil || v != "s3cret" {
		t.Fatalf("file: %q %v", v, err)
	}
	t.Setenv("SRCUTIL_TEST_TOKEN", "fromenv")
	if v, _ := Secret("token", "SRCUTIL_TEST_TOKEN", f); v != "fromenv" {
		t.Fatalf("env wins: got %q", v)
	}
}

func TestRecent(t *testing.T) {
	r := NewRecent[string, string](2)
	r.Put("a", "1")
	r.Put("b", "2")
	r.Put("a", "3") // update, no eviction
	r.Put("c", "4") // evicts a, the oldest key
	if r.Get("a") != "" || r.Get("b") != "2" || r.Get("c") != "4" || r.Len() != 2 {
		t.Fatalf("a=%q b=%q c=%q len=%d", r.Get("a"), r.Get("b"), r.Get("c"), r.Len())
	}
	z := NewRecent[string, int](0)
	z.Put("x", 1)
	if z.Len() != 0 {
		t.Fatal("zero capacity kept a key")
	}
}
