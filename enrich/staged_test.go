package enrich_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/mention"
)

// TestEnrichStaged checks the chunked, enricher-by-enricher path the
// stage uses: each enricher sees the mentions in order, each mention the
// enrichers in order, and errors, panics and retries behave as Enrich's.
func TestEnrichStaged(t *testing.T) {
	type call struct{ enricher, id string }
	var calls []call
	// tag appends the enricher's name to the mention's crisis terms; it
	// fails (or panics) on the mentions failOn names, with what mode says.
	type mode int
	const (
		ok mode = iota
		permanent
		transient
		panics
	)
	tag := func(name string, failOn map[string]mode, failures map[string]int) enrich.Enricher {
		return enrich.Func(name, func(_ context.Context, m *mention.Mention) error {
			calls = append(calls, call{name, m.ID})
			switch failOn[m.ID] {
			case permanent:
				return enrich.Rejectf("no %s for %s", name, m.ID)
			case transient:
				if failures[m.ID] > 0 {
					failures[m.ID]--
					return errors.New("model server unavailable")
				}
			case panics:
				panic("index out of range")
			}
			m.CrisisTerms = append(m.CrisisTerms, name)
			return nil
		})
	}
	mentions := func(ids ...string) []*mention.Mention {
		out := make([]*mention.Mention, len(ids))
		for i, id := range ids {
			if id != "" {
				out[i] = &mention.Mention{ID: id}
			}
		}
		return out
	}
	ctx := context.Background()

	tests := []struct {
		name      string
		failOn    map[string]mode // of enricher "b"
		failures  map[string]int  // transient failures before success
		ids       []string        // "" is a nil mention (not decoded)
		preErr    map[int]bool    // errs[i] already set
		retry     bool
		abortAt   int // retry aborts on this attempt (0: never)
		wantCalls string
		wantTags  []string // per mention, joined
		wantErr   []string // per mention: "" or the *Error's enricher, then "permanent", "panic" or "transient"
		wantAbort bool
	}{
		{
			name:      "all succeed, enricher by enricher",
			ids:       []string{"1", "2", "3"},
			wantCalls: "a1 a2 a3 b1 b2 b3 c1 c2 c3",
			wantTags:  []string{"abc", "abc", "abc"},
			wantErr:   []string{"", "", ""},
		},
		{
			name:      "nil mentions and earlier errors are skipped",
			ids:       []string{"1", "", "3"},
			preErr:    map[int]bool{2: true},
			wantCalls: "a1 b1 c1",
			wantTags:  []string{"abc", "", ""},
			wantErr:   []string{"", "", "pre"},
		},
		{
			name:      "a permanent error stops that mention only",
			failOn:    map[string]mode{"2": permanent},
			ids:       []string{"1", "2", "3"},
			wantCalls: "a1 a2 a3 b1 b2 b3 c1 c3",
			wantTags:  []string{"abc", "a", "abc"},
			wantErr:   []string{"", "b permanent", ""},
		},
		{
			name:      "a panic is a permanent error of that mention",
			failOn:    map[string]mode{"1": panics},
			ids:       []string{"1", "2"},
			wantCalls: "a1 a2 b1 b2 c2",
			wantTags:  []string{"a", "abc"},
			wantErr:   []string{"b panic", ""},
		},
		{
			name:      "without retry a transient error is kept",
			failOn:    map[string]mode{"2": transient},
			failures:  map[string]int{"2": 1},
			ids:       []string{"1", "2"},
			wantCalls: "a1 a2 b1 b2 c1",
			wantTags:  []string{"abc", "a"},
			wantErr:   []string{"", "b transient"},
		},
		{
			name:      "retry runs the same enricher on the same mention before the next one",
			failOn:    map[string]mode{"1": transient},
			failures:  map[string]int{"1": 2},
			ids:       []string{"1", "2"},
			retry:     true,
			wantCalls: "a1 a2 b1 b1 b1 b2 c1 c2",
			wantTags:  []string{"abc", "abc"},
			wantErr:   []string{"", ""},
		},
		{
			name:      "retry's error aborts the chunk",
			failOn:    map[string]mode{"1": transient},
			failures:  map[string]int{"1": 5},
			ids:       []string{"1", "2"},
			retry:     true,
			abortAt:   2,
			wantCalls: "a1 a2 b1 b1",
			wantTags:  []string{"a", "a"},
			wantErr:   []string{"", ""},
			wantAbort: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls = nil
			failures := map[string]int{}
			for k, v := range tc.failures {
				failures[k] = v
			}
			p, err := enrich.NewPipeline(tag("a", nil, nil), tag("b", tc.failOn, failures), tag("c", nil, nil))
			if err != nil {
				t.Fatal(err)
			}
			ms := mentions(tc.ids...)
			errs := make([]error, len(ms))
			for i := range tc.preErr {
				errs[i] = errors.New("pre")
			}
			var retry func(i, attempt int, err error) error
			var attempts []int
			if tc.retry {
				retry = func(i, attempt int, err error) error {
					attempts = append(attempts, attempt)
					if ms[i].ID != "1" || !strings.Contains(err.Error(), "model server unavailable") {
						t.Errorf("retry(%d, %d, %v): want mention 1's transient error", i, attempt, err)
					}
					if attempt == tc.abortAt {
						return fmt.Errorf("shutdown")
					}
					return nil
				}
			}
			spent := make([]int64, p.Len())
			abort := p.EnrichStaged(ctx, ms, errs, spent, retry)
			if (abort != nil) != tc.wantAbort {
				t.Errorf("returned %v, want abort %v", abort, tc.wantAbort)
			}
			var got []string
			for _, c := range calls {
				got = append(got, c.enricher+c.id)
			}
			if g := strings.Join(got, " "); g != tc.wantCalls {
				t.Errorf("calls %q, want %q", g, tc.wantCalls)
			}
			if tc.retry && !tc.wantAbort && !slices.Equal(attempts, []int{1, 2}) {
				t.Errorf("retry attempts %v, want [1 2]", attempts)
			}
			for i, m := range ms {
				if m != nil && strings.Join(m.CrisisTerms, "") != tc.wantTags[i] {
					t.Errorf("mention %d: enriched by %q, want %q", i, strings.Join(m.CrisisTerms, ""), tc.wantTags[i])
				}
				want := tc.wantErr[i]
				switch {
				case want == "" && errs[i] != nil:
					t.Errorf("mention %d: error %v, want none", i, errs[i])
				case want == "pre":
					if errs[i] == nil || errs[i].Error() != "pre" {
						t.Errorf("mention %d: error %v, want the one it came with", i, errs[i])
					}
				case want != "":
					var ee *enrich.Error
					if !errors.As(errs[i], &ee) {
						t.Errorf("mention %d: error %v, want an *enrich.Error (%s)", i, errs[i], want)
						break
					}
					kind := "transient"
					if ee.Panicked {
						kind = "panic"
					} else if enrich.IsPermanent(ee) {
						kind = "permanent"
					}
					if g := ee.Enricher + " " + kind; g != want {
						t.Errorf("mention %d: error %q (%v), want %q", i, g, errs[i], want)
					}
				}
			}
			for k, d := range spent {
				ran := strings.Contains(tc.wantCalls, string(rune('a'+k)))
				if d < 0 || (!ran && d != 0) {
					t.Errorf("spent[%d] = %d; want ≥ 0, and 0 for an enricher that never ran", k, d)
				}
			}
		})
	}
}

// TestEnrichStagedTimeExcludesRetry checks that the time an enricher spends
// waiting in retry (its back-off) is not counted as the enricher's.
func TestEnrichStagedTimeExcludesRetry(t *testing.T) {
	failed := false
	e := enrich.Func("flaky", func(context.Context, *mention.Mention) error {
		if !failed {
			failed = true
			return errors.New("unavailable")
		}
		return nil
	})
	p, err := enrich.NewPipeline(e)
	if err != nil {
		t.Fatal(err)
	}
	spent := make([]int64, 1)
	const pause = 300 * time.Millisecond
	err = p.EnrichStaged(context.Background(), []*mention.Mention{{ID: "1"}}, make([]error, 1), spent, func(int, int, error) error {
		time.Sleep(pause)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Duration(spent[0]); d <= 0 || d >= pause/2 {
		t.Errorf("the enricher's time is %v with a %v back-off; want it without the back-off", d, pause)
	}
}

func TestEnrichStagedLengths(t *testing.T) {
	p, err := enrich.NewPipeline(enrich.Func("a", func(context.Context, *mention.Mention) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	ms := []*mention.Mention{{ID: "1"}}
	if err := p.EnrichStaged(context.Background(), ms, nil, make([]int64, 1), nil); err == nil {
		t.Error("fewer error slots than mentions must be refused")
	}
	if err := p.EnrichStaged(context.Background(), ms, make([]error, 1), make([]int64, 2), nil); err == nil {
		t.Error("more time slots than enrichers must be refused")
	}
	if err := p.EnrichStaged(context.Background(), ms, make([]error, 1), nil, nil); err != nil || p.Seconds()[0] <= 0 {
		t.Errorf("with nil time slots: %v, the pipeline's counter %v; want its time added to the counter", err, p.Seconds())
	}
}
