package report

import (
	"testing"
	"time"
)

// TestCrisesFromMergedVersions: when ClickHouse has merged an incident's
// versions down to the last one (the alerts table is a ReplacingMergeTree
// on the incident id), the timeline still opens at opened_at, marked
// condensed, and ends with the stored resolve; repeated example texts are
// shown once.
func TestCrisesFromMergedVersions(t *testing.T) {
	onset := time.Date(2026, 11, 11, 7, 10, 0, 0, time.UTC)
	last := alertVersion{id: "o2-crisis-20261111T0710Z", event: "resolve", kind: "crisis", severity: "critical", status: "resolved",
		version: uint64(onset.Add(7 * time.Hour).Unix()), onset: onset, opened: onset.Add(10 * time.Minute),
		updated: onset.Add(7 * time.Hour), resolved: onset.Add(7 * time.Hour), volume: 6,
		exIDs: []string{"a", "b", "c"}, exTexts: []string{"data down", "data down", "no calls"}}
	got := crisesFromVersions([]alertVersion{last}, 3)
	if len(got) != 1 {
		t.Fatalf("%d crises", len(got))
	}
	tl := got[0].Timeline
	if len(tl) != 2 || tl[0].Event != "open" || !tl[0].Condensed || !tl[0].At.Equal(last.opened) ||
		tl[1].Event != "resolve" || tl[1].Condensed || tl[1].Volume != 6 {
		t.Errorf("timeline: %+v", tl)
	}
	if ex := got[0].Examples; len(ex) != 2 || ex[0].ID != "a" || ex[1].ID != "c" {
		t.Errorf("examples: %+v", ex)
	}
	// With every version stored, nothing is condensed.
	open := last
	open.event, open.status, open.severity, open.version, open.updated = "open", "open", "minor", uint64(onset.Add(10*time.Minute).Unix()), onset.Add(10*time.Minute)
	full := crisesFromVersions([]alertVersion{open, open, last, last}, 3) // each version stored twice
	for _, e := range full[0].Timeline {
		if e.Condensed {
			t.Errorf("a condensed event with every version stored: %+v", full[0].Timeline)
		}
	}
	if n := len(full[0].Timeline); n != 2 || full[0].Timeline[0].Event != "open" {
		t.Errorf("full timeline: %+v", full[0].Timeline)
	}
}
