package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// eval crisis --plan cold-start runs the sample week with no history and
// prints how many incidents each crisis became; wrong plans and dates are
// refused with the flag's name.
func TestEvalCrisisColdStart(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates and enriches a week of posts")
	}
	out, err := runCLI(t, "eval", "crisis", "--plan", "cold-start")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, want := range []string{"outage_incidents=1", "slow_burn_incidents=1", "split_crises=0", "false_alerts=0", "brand_weeks=10.0"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
	if last := lines[len(lines)-1]; last != "crisis_f1=1.000" {
		t.Errorf("last line %q", last)
	}
	for _, args := range [][]string{
		{"eval", "crisis", "--plan", "nope"},
		{"eval", "crisis", "--plan", "cold-start", "--start", "14/11/2026"},
	} {
		if _, err := runCLI(t, args...); err == nil || !strings.Contains(err.Error(), args[len(args)-1]) {
			t.Errorf("%v: error %v, want one naming %q", args, err, args[len(args)-1])
		}
	}
}

// ingest simulate --scenario cold-start writes the week from --start and
// its ground truth: the built-in outage on the third day.
func TestIngestSimulateColdStartScenario(t *testing.T) {
	dir := t.TempDir()
	out, events := filepath.Join(dir, "week.jsonl"), filepath.Join(dir, "events.json")
	if _, err := runCLI(t, "ingest", "simulate", "--scenario", "cold-start", "--start", "2026-11-14", "--brands", "o2,tesco", "--out", out, "--events", events); err != nil {
		t.Fatal(err)
	}
	var evs []struct {
		Name    string
		Brand   string
		Onset   time.Time
		BuiltIn bool `json:"built_in"`
	}
	data, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &evs); err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Name != "outage" || !evs[0].BuiltIn || !evs[0].Onset.Equal(time.Date(2026, 11, 16, 7, 0, 0, 0, time.UTC)) ||
		evs[1].Name != "slow_burn" || evs[1].BuiltIn {
		t.Errorf("events %+v", evs)
	}
	if n, err := countLines(out); err != nil || n < 1_000 {
		t.Errorf("scenario wrote %d records (%v)", n, err)
	}
}
