package urgency_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/enrich/urgency"
	"github.com/earshot-dev/earshot/mention"
)

func assessor(tb testing.TB) *urgency.Assessor {
	tb.Helper()
	a, err := urgency.NewAssessor()
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func TestAssess(t *testing.T) {
	a := assessor(t)
	cfg := urgency.DefaultConfig()
	for _, tc := range []struct {
		text  string
		sig   urgency.Signals
		level string
		cues  string // comma-joined, in Classes order
		terms string
	}{
		{"my iPhone battery caught fire on the bedside table", urgency.Signals{}, "critical", "safety", "fire"},
		{"the charger exploded and burned my hand", urgency.Signals{}, "critical", "safety,injury", "explosion,burn"},
		{"my son was injured by your scooter and is in hospital", urgency.Signals{}, "critical", "injury", "injury,hospital"},
		{"there has been a data breach, my details were leaked", urgency.Signals{}, "high", "data_breach", "data breach,data leak"},
		{"I can see someone else's orders in my account", urgency.Signals{}, "high", "data_breach", "someone else's data"},
		{"I'm speaking to my lawyer about this", urgency.Signals{}, "high", "legal", "lawyer"},
		{"reporting you to trading standards and the ombudsman", urgency.Signals{}, "high", "legal", "report to authority,regulator"},
		{"I'll be contacting the press about this", urgency.Signals{}, "medium", "press", "press"},
		{"broadband is down again, third time this week", urgency.Signals{}, "medium", "outage", "down"},
		{"network outage, no signal at all", urgency.Signals{}, "medium", "outage", "outage,no service"},
		{"outage all day, retweet this so everyone knows", urgency.Signals{}, "high", "outage,virality", "outage,share this"},
		{"urgent: need my medication delivered", urgency.Signals{}, "low", "urgent", "urgent,medical"},
		{"where is my parcel", urgency.Signals{}, "low", "", ""},
		// negation
		{"nobody was hurt, thankfully", urgency.Signals{}, "low", "", ""},
		{"no injuries but the bus was late", urgency.Signals{}, "low", "", ""},
		{"not going to sue, just want my money", urgency.Signals{}, "low", "", ""},
		// false-positive guards: hyperbole and praise
		{"you guys are killing it with this update", urgency.Signals{}, "low", "", ""},
		{"dying to try the new menu", urgency.Signals{}, "low", "", ""},
		{"this new album is the bomb", urgency.Signals{}, "low", "", ""},
		{"your support team is on fire today", urgency.Signals{}, "low", "", ""},
		{"my phone died at 40% again", urgency.Signals{}, "low", "", ""},
		{"this queue is killing me", urgency.Signals{}, "low", "", ""},
		{"press the home button twice", urgency.Signals{}, "low", "", ""},
		{"your social media team is great", urgency.Signals{}, "low", "", ""},
		{"fire stick keeps buffering", urgency.Signals{}, "low", "", ""},
		{"life hack: restart the router", urgency.Signals{}, "low", "", ""},
		// virality from engagement: only when not positive
		{"still no refund after 6 weeks", urgency.Signals{Reposts: 500, Sentiment: "negative"}, "medium", "virality", ""},
		{"best airline ever", urgency.Signals{Reposts: 5000, Sentiment: "positive"}, "low", "", ""},
		{"still no refund after 6 weeks", urgency.Signals{Followers: 2_000_000, Sentiment: "neutral"}, "low", "", ""},
		{"the app is down for everyone", urgency.Signals{Followers: 2_000_000, Sentiment: "neutral"}, "high", "outage,virality", "down,outage"},
	} {
		r := a.Assess(tc.text, tc.sig, cfg)
		if r.Urgency.Level != tc.level || strings.Join(r.Urgency.Cues, ",") != tc.cues || strings.Join(r.Terms, ",") != tc.terms {
			t.Errorf("%q: got %s %v terms %v (score %v), want %s [%s] terms [%s]", tc.text, r.Urgency.Level, r.Urgency.Cues, r.Terms, r.Urgency.Score, tc.level, tc.cues, tc.terms)
		}
		if r.Urgency.Score < 0 || r.Urgency.Score > 1 || (r.Urgency.Score == 0) != (len(r.Urgency.Cues) == 0) {
			t.Errorf("%q: score %v with cues %v", tc.text, r.Urgency.Score, r.Urgency.Cues)
		}
	}
}

func TestScoreCombines(t *testing.T) {
	a := assessor(t)
	cfg := urgency.DefaultConfig()
	one := a.Assess("the site is down", urgency.Signals{}, cfg).Urgency.Score
	two := a.Assess("the site is down, I'm calling my lawyer", urgency.Signals{}, cfg).Urgency.Score
	if want := 1 - (1-0.35)*(1-0.5); math.Abs(one-0.35) > 1e-9 || math.Abs(two-want) > 1e-3 {
		t.Errorf("outage %v (want 0.35), outage+legal %v (want %v)", one, two, want)
	}
	more := a.Assess("the site is down, total outage, no signal", urgency.Signals{}, cfg).Urgency.Score
	if !(more > one) {
		t.Errorf("more outage terms %v not above one %v", more, one)
	}
}

func TestLevel(t *testing.T) {
	c := urgency.DefaultConfig()
	for score, want := range map[float64]string{0: "low", 0.249: "low", 0.25: "medium", 0.5: "high", 0.75: "critical", 1: "critical"} {
		if got := c.Level(score); got != want {
			t.Errorf("Level(%v) = %s, want %s", score, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := urgency.DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mut  func(*urgency.Config)
		want string
	}{
		{func(c *urgency.Config) { c.Medium = 0 }, "medium"},
		{func(c *urgency.Config) { c.High = 0.2 }, "high"},
		{func(c *urgency.Config) { c.Critical = 1.5 }, "critical"},
		{func(c *urgency.Config) { c.ViralReposts = -1 }, "viral_reposts"},
		{func(c *urgency.Config) { c.InfluentialFollowers = -1 }, "influential_followers"},
	} {
		c := urgency.DefaultConfig()
		tc.mut(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error naming %s", c, err, tc.want)
		}
		if _, err := urgency.New(c, nil); err == nil {
			t.Errorf("%+v: New accepted it", c)
		}
	}
}

func TestCueTable(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range urgency.Classes {
		if seen[c.ID] || c.Definition == "" || len(c.Terms) == 0 {
			t.Errorf("%s: repeated, or without definition or terms", c.ID)
		}
		seen[c.ID] = true
	}
	for _, id := range []string{"safety", "injury", "outage", "data_breach", "legal", "press", "virality"} {
		if !seen[id] {
			t.Errorf("no %s cue", id)
		}
	}
}

func TestEnricher(t *testing.T) {
	e, err := urgency.New(urgency.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := &mention.Mention{Text: "my phone caught fire, calling my lawyer", Direction: mention.DirectionInbound,
		Engagement: &mention.Engagement{Reposts: 90, Quotes: 20}, Sentiment: &mention.Sentiment{Label: "negative"}}
	if err := e.Enrich(ctx, m); err != nil {
		t.Fatal(err)
	}
	if m.Urgency == nil || m.Urgency.Level != "critical" || !slices.Equal(m.Urgency.Cues, []string{"safety", "legal", "virality"}) ||
		!slices.Equal(m.CrisisTerms, []string{"fire", "lawyer"}) {
		t.Fatalf("got %+v %v", m.Urgency, m.CrisisTerms)
	}
	first := *m.Urgency
	_ = e.Enrich(ctx, m)
	if m.Urgency.Score != first.Score || len(m.CrisisTerms) != 2 {
		t.Errorf("not idempotent: %+v then %+v", first, m.Urgency)
	}
	calm := &mention.Mention{Text: "where is my parcel", Direction: mention.DirectionOther}
	_ = e.Enrich(ctx, calm)
	if calm.Urgency == nil || calm.Urgency.Level != "low" || calm.CrisisTerms != nil {
		t.Errorf("calm: %+v %v", calm.Urgency, calm.CrisisTerms)
	}
	brand := &mention.Mention{Text: "we are aware of an outage", AuthorBrand: "o2", Direction: mention.DirectionOther,
		Urgency: &mention.Urgency{Level: "high"}, CrisisTerms: []string{"outage"}}
	_ = e.Enrich(ctx, brand)
	if brand.Urgency != nil || brand.CrisisTerms != nil {
		t.Errorf("brand post: %+v %v", brand.Urgency, brand.CrisisTerms)
	}
}

// FuzzAssess: any text and engagement give a score in 0..1, a level that
// matches it, known cues and canonical terms without repeats.
func FuzzAssess(f *testing.F) {
	for _, s := range []string{"", "fire!!", "not hurt", "caught fire caught fire", "\xff@x http://y", "killing it killing me", strings.Repeat("outage ", 700)} {
		f.Add(s, int64(0), int64(0), "negative")
	}
	a := assessor(f)
	cfg := urgency.DefaultConfig()
	cues, terms := map[string]bool{}, map[string]bool{}
	for _, c := range urgency.Classes {
		cues[c.ID] = true
		for _, t := range c.Terms {
			terms[t.Term] = true
		}
	}
	f.Fuzz(func(t *testing.T, text string, reposts, followers int64, label string) {
		r := a.Assess(text, urgency.Signals{Reposts: reposts, Followers: followers, Sentiment: label}, cfg)
		u := r.Urgency
		if !(u.Score >= 0 && u.Score <= 1) || u.Level != cfg.Level(u.Score) {
			t.Fatalf("score %v level %s", u.Score, u.Level)
		}
		seen := map[string]bool{}
		for _, c := range u.Cues {
			if !cues[c] || seen[c] {
				t.Fatalf("cue %q unknown or repeated: %v", c, u.Cues)
			}
			seen[c] = true
		}
		for _, term := range r.Terms {
			if !terms[term] || seen["t:"+term] {
				t.Fatalf("term %q unknown or repeated: %v", term, r.Terms)
			}
			seen["t:"+term] = true
		}
	})
}

func BenchmarkAssess(b *testing.B) {
	a := assessor(b)
	cfg := urgency.DefaultConfig()
	texts := []string{
		"@British_Airways flight BA117 delayed 4 hours and no one at the gate",
		"@AmazonHelp my package says delivered but it isn't here, this is the third time, reporting you to trading standards",
		"@O2 no signal all day in Leeds, is the network down? outage map says nothing",
		"@AppleSupport my iPhone battery got really hot and started smoking coming out of the port, dangerous",
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a.Assess(texts[i%len(texts)], urgency.Signals{}, cfg)
		i++
	}
}
