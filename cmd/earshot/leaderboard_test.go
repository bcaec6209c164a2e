package main

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-03-10", time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC), true},
		{"2024-03-10T12:30:00Z", time.Date(2024, 3, 10, 12, 30, 0, 0, time.UTC), true},
		{"2024-03-10T14:30:00+02:00", time.Date(2024, 3, 10, 12, 30, 0, 0, time.UTC), true},
		{"2024-03-10T12:30:00.250Z", time.Date(2024, 3, 10, 12, 30, 0, 250e6, time.UTC), true},
		{"2024-03-10 12:30", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseTime("until", tt.in)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err == nil && got.Location() != time.UTC {
			t.Errorf("parseTime(%q) is in %s, want UTC", tt.in, got.Location())
		}
	}
}
