package simulate_test

import (
	"bytes"
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/simulate"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

// clock is after the default week: the whole period lies in the past.
var clock = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func defaultRegistry(tb testing.TB) *registry.Registry {
	tb.Helper()
	reg, err := registry.Default()
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}

var (
	simOnce sync.Once
	simDef  *simulate.Simulation
	simErr  error
)

// defaultSim is the default week, generated once for the tests that only
// read it.
func defaultSim(tb testing.TB) *simulate.Simulation {
	tb.Helper()
	simOnce.Do(func() { simDef, simErr = simulate.Generate(simulate.DefaultConfig(), defaultRegistry(tb), clock) })
	if simErr != nil {
		tb.Fatal(simErr)
	}
	return simDef
}

func jsonlBytes(tb testing.TB, s *simulate.Simulation) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := s.WriteJSONL(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func TestDeterminism(t *testing.T) {
	reg := defaultRegistry(t)
	cfg := simulate.DefaultConfig()
	cfg.Days = 2
	gen := func(seed uint64) ([]byte, []byte) {
		c := cfg
		c.Seed = seed
		s, err := simulate.Generate(c, reg, clock)
		if err != nil {
			t.Fatal(err)
		}
		var truth bytes.Buffer
		if err := simulate.WriteCSV(&truth, s.Truth.Brands); err != nil {
			t.Fatal(err)
		}
		return jsonlBytes(t, s), truth.Bytes()
	}
	a, ta := gen(42)
	b, tb := gen(42)
	if !bytes.Equal(a, b) || !bytes.Equal(ta, tb) {
		t.Fatal("the same seed gave different output")
	}
	c, _ := gen(43)
	if bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same output")
	}
	if len(a) < 100_000 {
		t.Fatalf("only %d bytes for two days of ten brands", len(a))
	}
}

// TestRecords checks every record: valid Mention v1, created_at order,
// unique ids, parents earlier in the stream, conversation ids equal to the
// thread root, brand authors resolvable in the registry, and @handles in
// the text exactly as the truth annotations say.
func TestRecords(t *testing.T) {
	s := defaultSim(t)
	reg := defaultRegistry(t)
	if len(s.Mentions) != len(s.Events) || len(s.Mentions) < 15_000 {
		t.Fatalf("%d mentions, %d events", len(s.Mentions), len(s.Events))
	}
	handleRe := regexp.MustCompile(`@([A-Za-z0-9_]+)`)
	byID := map[string]*mention.Mention{}
	var prev time.Time
	for i, m := range s.Mentions {
		if err := m.Validate(); err != nil {
			t.Fatalf("record %d (%s) is invalid: %v", i, m.ID, err)
		}
		if m.Platform != "sim" || m.Source != "simulate" || !strings.HasPrefix(m.ID, "sim:") || m.URL != "" {
			t.Fatalf("record %s: platform %q source %q url %q", m.ID, m.Platform, m.Source, m.URL)
		}
		if m.CreatedAt.Before(prev) {
			t.Fatalf("record %d not in created_at order", i)
		}
		prev = m.CreatedAt
		if m.CreatedAt.After(clock) {
			t.Fatalf("record %s lies after the clock", m.ID)
		}
		if _, dup := byID[m.ID]; dup {
			t.Fatalf("duplicate id %s", m.ID)
		}
		byID[m.ID] = m
		if m.AuthorBrand != "" || len(m.Brands) > 0 || m.Direction != "" || m.Sentiment != nil {
			t.Fatalf("record %s carries enrichment: a raw record must not", m.ID)
		}
		ev := s.Events[i]
		if ev.ID != m.ID || !ev.CreatedAt.Equal(m.CreatedAt) || ev.InReplyTo != m.InReplyTo {
			t.Fatalf("event %d does not match its record", i)
		}
		if m.InReplyTo == "" {
			if m.ConversationID != m.ID {
				t.Fatalf("root %s has conversation %s", m.ID, m.ConversationID)
			}
		} else {
			parent, ok := byID[m.InReplyTo]
			if !ok {
				t.Fatalf("%s replies to %s, which is not earlier in the stream", m.ID, m.InReplyTo)
			}
			if !parent.CreatedAt.Before(m.CreatedAt) {
				t.Fatalf("%s is not after its parent", m.ID)
			}
			if m.ConversationID != parent.ConversationID {
				t.Fatalf("%s: conversation %s, parent's %s", m.ID, m.ConversationID, parent.ConversationID)
			}
		}
		// The author: a brand's official handle exactly when the truth says so.
		b, isBrand := reg.ByHandle("sim", m.Author.Handle)
		if isBrand != (ev.AuthorBrand != "") || isBrand && b.ID != ev.AuthorBrand {
			t.Fatalf("%s: author @%s, truth author brand %q", m.ID, m.Author.Handle, ev.AuthorBrand)
		}
		// The @handles of brands in the text are the truth's mentions.
		if ev.AuthorBrand == "" {
			var found []string
			for _, h := range handleRe.FindAllStringSubmatch(m.Text, -1) {
				if b, ok := reg.ByHandle("sim", h[1]); ok && !contains(found, b.ID) {
					found = append(found, b.ID)
				}
			}
			want := append([]string(nil), ev.Mentions...)
			sort.Strings(found)
			sort.Strings(want)
			if strings.Join(found, ",") != strings.Join(want, ",") {
				t.Fatalf("%s %q: brand handles %v, truth mentions %v", m.ID, m.Text, found, want)
			}
		}
		if strings.Contains(m.Text, "{") {
			t.Fatalf("%s: unfilled slot in %q", m.ID, m.Text)
		}
	}
}

// TestSeasonality: inbound posts follow the day (night trough, evening
// peak) and the week (banks and insurers are quiet at weekends).
func TestSeasonality(t *testing.T) {
	s := defaultSim(t)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip(err)
	}
	var night, evening int
	weekday, weekend := map[string]int{}, map[string]int{}
	for _, ev := range s.Events {
		if ev.AuthorBrand != "" || len(ev.Mentions) == 0 || ev.InReplyTo != "" || !ev.CreatedAt.Before(s.Until) {
			continue
		}
		lt := ev.CreatedAt.In(london)
		switch h := lt.Hour(); {
		case h >= 2 && h < 5:
			night++
		case h >= 18 && h < 21:
			evening++
		}
		for _, b := range ev.Mentions {
			if wd := lt.Weekday(); wd == time.Saturday || wd == time.Sunday {
				weekend[b]++
			} else {
				weekday[b]++
			}
		}
	}
	t.Logf("inbound posts 18–21h: %d, 02–05h: %d", evening, night)
	for _, b := range []string{"barclays", "direct_line", "klm", "tesco"} {
		t.Logf("%s: %.1f a weekday, %.1f a weekend day", b, float64(weekday[b])/5, float64(weekend[b])/2)
	}
	if night == 0 || float64(evening)/float64(night) < 5 {
		t.Errorf("evening 18–21h: %d posts, night 02–05h: %d; want a clear daily cycle (≥ 5×)", evening, night)
	}
	perDay := func(b string) (float64, float64) { return float64(weekday[b]) / 5, float64(weekend[b]) / 2 }
	for _, b := range []string{"barclays", "direct_line"} {
		wd, we := perDay(b)
		if we > 0.75*wd {
			t.Errorf("%s: %.0f posts a weekday, %.0f a weekend day; want a quiet weekend", b, wd, we)
		}
	}
	if wd, we := perDay("klm"); we < 0.85*wd {
		t.Errorf("klm: %.0f a weekday, %.0f a weekend day; airlines stay busy at weekends", wd, we)
	}
}

// TestBrandBehaviour: the profiles are visible in the truth, and the last
// day leaves pending posts for every brand.
func TestBrandBehaviour(t *testing.T) {
	s := defaultSim(t)
	rows := map[string]simulate.BrandTruth{}
	for _, r := range s.Truth.Brands {
		rows[r.Brand] = r
		if r.Pending == 0 {
			t.Errorf("%s: no pending post", r.Brand)
		}
		if r.Answered == 0 || r.Answered >= r.Inbound || r.FRTMedianS == nil || r.ResponseRate == nil {
			t.Errorf("%s: %+v", r.Brand, r)
		}
	}
	if len(rows) != 10 {
		t.Fatalf("%d brands in the truth, want 10: %v", len(rows), s.Brands)
	}
	klm, dl := rows["klm"], rows["direct_line"]
	if *klm.FRTMedianS > 15*60 || *klm.SLA60 < 0.8 {
		t.Errorf("klm: median %.0fs, sla60 %.2f; want a fast 24/7 desk", *klm.FRTMedianS, *klm.SLA60)
	}
	if *dl.FRTMedianS < 4*3600 || *dl.SLA15 > 0.05 {
		t.Errorf("direct_line: median %.0fs, sla15 %.2f; want an office-hours desk", *dl.FRTMedianS, *dl.SLA15)
	}
	if s.Stats.Other == 0 || s.Stats.Broadcasts == 0 || s.Stats.FollowUps == 0 || s.Stats.Multi == 0 || s.Stats.Noise == 0 || s.Stats.Foreign == 0 {
		t.Errorf("stats %+v: every kind of post should occur in a week", s.Stats)
	}
	// Replies after the period exist but are not in the truth.
	var after int
	for _, ev := range s.Events {
		if ev.AuthorBrand != "" && ev.InReplyTo != "" && !ev.CreatedAt.Before(s.Until) {
			after++
		}
	}
	if after == 0 {
		t.Error("no reply falls after the period; the truth's as-of cut is untested")
	}
}

// TestReplyStyles: the canned text repeats verbatim, deflections and
// signatures occur.
func TestReplyStyles(t *testing.T) {
	s := defaultSim(t)
	handle := regexp.MustCompile(`^@\w+ `)
	bodies := map[string]map[string]int{}
	var dm, phone, caret int
	for i, m := range s.Mentions {
		b := s.Events[i].AuthorBrand
		if b == "" || m.InReplyTo == "" {
			continue
		}
		if bodies[b] == nil {
			bodies[b] = map[string]int{}
		}
		bodies[b][handle.ReplaceAllString(m.Text, "")]++
		if strings.Contains(m.Text, "DM") {
			dm++
		}
		if strings.Contains(m.Text, "0808 157") || strings.Contains(m.Text, "020 7946") {
			phone++
		}
		if regexp.MustCompile(`\^[A-Z]{2}$`).MatchString(m.Text) {
			caret++
		}
	}
	for b, counts := range bodies {
		top := 0
		for _, n := range counts {
			top = max(top, n)
		}
		if top < 20 {
			t.Errorf("%s: the most repeated reply occurs %d times; want a canned text", b, top)
		}
	}
	if dm == 0 || phone == 0 || caret == 0 {
		t.Errorf("DM deflections %d, phone deflections %d, ^XX signatures %d; want all", dm, phone, caret)
	}
}

func TestSelectBrands(t *testing.T) {
	small, err := registry.Parse([]byte(`brands:
  - {id: klm, name: KLM, sector: airline, handles: {x: [KLM]}}
  - {id: zeta, name: Zeta, sector: bank, handles: {x: [ZetaBank]}}
  - {id: nohandle, name: NoX, sector: bank, handles: {bluesky: [nox.bsky.social]}}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		reg  *registry.Registry
		want []string
		err  string
	}{
		{"default selection", defaultRegistry(t), nil, ""},
		{"fallback to what exists", small, []string{"klm", "zeta"}, ""},
		{"explicit", small, []string{"zeta"}, ""},
		{"unknown id", small, []string{"acme"}, "not a brand id"},
		{"no x handle", small, []string{"nohandle"}, "no handle under x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			if tt.name == "explicit" || tt.err != "" {
				want = tt.want
			}
			got, err := simulate.SelectBrands(tt.reg, want)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == nil:
				if len(got) != simulate.DefaultBrandCount {
					t.Errorf("got %v, want %d brands", got, simulate.DefaultBrandCount)
				}
				for _, id := range simulate.DefaultBrands {
					if _, ok := tt.reg.ByID(id); ok && !contains(got, id) {
						t.Errorf("default brand %s exists but was not picked: %v", id, got)
					}
				}
			case strings.Join(got, ",") != strings.Join(tt.want, ","):
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// A registry brand without a hand-set profile is simulated too.
	cfg := simulate.DefaultConfig()
	cfg.Days = 1
	s, err := simulate.Generate(cfg, small, clock)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Truth.Brands) != 2 || s.Truth.Brands[1].Brand != "zeta" || s.Truth.Brands[1].Inbound == 0 {
		t.Errorf("truth %+v", s.Truth.Brands)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*simulate.Config)
		want   string
	}{
		{"defaults", func(*simulate.Config) {}, ""},
		{"rfc3339 start", func(c *simulate.Config) { c.Start = "2026-11-09T06:00:00Z" }, ""},
		{"bad start", func(c *simulate.Config) { c.Start = "9 Nov" }, "ingest.simulate.start"},
		{"early start", func(c *simulate.Config) { c.Start = "1999-01-01" }, "ingest.simulate.start"},
		{"days", func(c *simulate.Config) { c.Days = 0 }, "ingest.simulate.days"},
		{"volume", func(c *simulate.Config) { c.Volume = 0 }, "ingest.simulate.volume"},
		{"big volume", func(c *simulate.Config) { c.Volume = 1000 }, "ingest.simulate.volume"},
		{"duplicate brand", func(c *simulate.Config) { c.Brands = []string{"klm", "klm"} }, "listed twice"},
		{"progress", func(c *simulate.Config) { c.Progress = "x" }, "ingest.simulate.progress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := simulate.DefaultConfig()
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFuturePeriodRefused(t *testing.T) {
	cfg := simulate.DefaultConfig()
	_, err := simulate.Generate(cfg, defaultRegistry(t), time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC))
	if err == nil || !strings.Contains(err.Error(), "ends after now") {
		t.Fatalf("err = %v, want a refusal to simulate the future", err)
	}
}

// TestPublish: every record reaches the writer, keyed by conversation.
func TestPublish(t *testing.T) {
	cfg := simulate.DefaultConfig()
	cfg.Days = 1
	cfg.Brands = []string{"klm", "o2"}
	s, err := simulate.Generate(cfg, defaultRegistry(t), clock)
	if err != nil {
		t.Fatal(err)
	}
	w := &recorder{}
	pub, err := ingest.NewPublisher(ingest.DefaultPublisherConfig(), ingest.PublisherOptions{Source: simulate.Source, Writer: w})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Publish(ctx, pub, nil); err != nil {
		t.Fatal(err)
	}
	if err := pub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(w.msgs) != len(s.Mentions) {
		t.Fatalf("published %d of %d", len(w.msgs), len(s.Mentions))
	}
	for i, km := range w.msgs {
		if string(km.Key) != s.Mentions[i].ConversationID {
			t.Fatalf("message %d key %q, want %q", i, km.Key, s.Mentions[i].ConversationID)
		}
	}
}

type recorder struct {
	mu   sync.Mutex
	msgs []kafka.Message
}

func (r *recorder) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msgs...)
	return nil
}

func (r *recorder) Close() error { return nil }

func BenchmarkGenerateWeek(b *testing.B) {
	reg := defaultRegistry(b)
	cfg := simulate.DefaultConfig()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		s, err := simulate.Generate(cfg, reg, clock)
		if err != nil {
			b.Fatal(err)
		}
		n = len(s.Mentions)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
