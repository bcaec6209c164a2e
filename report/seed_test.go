package report_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/report"
	"github.com/earshot-dev/earshot/storage"
)

// The seeded week: 2026-W47 (Mon 16 Nov – Sun 22 Nov 2026 UTC) and the
// week before, for KLM and two of its registry competitors, generated
// from a fixed seed; one crisis incident of KLM stored as detect stores it.
var (
	seedWeek = report.Week{Year: 2026, Num: 47}
	seedNow  = time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
)

// migrated returns a fresh migrated database on the test server.
func migrated(t testing.TB) (string, driver.Conn) {
	t.Helper()
	cfg, conn := testenv.Migrated(t)
	return cfg.Database, conn
}

// seeded returns a database holding the seeded weeks.
func seeded(t testing.TB) (string, driver.Conn) {
	t.Helper()
	db, conn := migrated(t)
	ms := seedMentions()
	var b storage.MentionBlock
	for _, m := range ms {
		if err := m.Validate(); err != nil {
			t.Fatalf("%s: %v", m.ID, err)
		}
		if err := b.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := storage.InsertMentions(context.Background(), conn, db, &b); err != nil {
		t.Fatal(err)
	}
	store := &detect.ClickHouseStore{Conn: conn, Database: db}
	if err := store.Save(context.Background(), seedIncident()); err != nil {
		t.Fatal(err)
	}
	return db, conn
}

var replyStyles = []struct {
	text       string
	empathy    float64
	parts      map[string]float64
	deflection string
	canned     float64
	dups       int
}{
	{"So sorry your bag did not arrive, %s. I've traced it to Paris and it will be delivered to your hotel tonight. ^AB", 100,
		map[string]float64{"acknowledgement": 25, "apology": 15, "personal": 15, "ownership": 20, "next_step": 25}, "none", 0.3, 0},
	{"Hi %s, sorry for the wait. Your new booking is confirmed on the 18:05 flight; the details are in your e-mail. ^JS", 85,
		map[string]float64{"apology": 15, "personal": 15, "ownership": 20, "next_step": 25, "acknowledgement": 10}, "none", 0.5, 0},
	{"We apologise for any inconvenience caused. Please send us a DM with your booking reference.", 0,
		map[string]float64{"apology": 7.5, "deflection": -15}, "dm", 0.97, 6},
	{"Please call our service centre on the number on our website.", 0,
		map[string]float64{"deflection": -15}, "phone", 0.95, 3},
	{"You should have checked in online before going to the airport.", 0,
		map[string]float64{"blame": -20}, "none", 0.2, 0},
	{"Thanks %s, the refund was sent today and shows within 5 working days.", 60,
		map[string]float64{"personal": 10, "ownership": 20, "next_step": 25}, "none", 0.4, 0},
}

var names = []string{"Anna", "Ben", "Chloé", "Dev", "Eva", "Finn", "Gita", "Hugo"}

var reasons = []string{"delay", "baggage", "refund", "cancellation", "question"}

// seedMentions builds the two weeks: per brand a fixed number of posts a
// day, their replies drawn from per-brand delay profiles.
func seedMentions() []*mention.Mention {
	rng := rand.New(rand.NewSource(47))
	type profile struct {
		brand, handle string
		perDay        [2]int  // previous week, this week
		medianMin     float64 // typical first-response delay
		answer        float64 // share answered
		styles        []int
	}
	profiles := []profile{
		{"klm", "KLM", [2]int{6, 8}, 12, 0.85, []int{0, 1, 5, 0, 2, 3, 4}},
		{"lufthansa", "lufthansa", [2]int{5, 5}, 40, 0.7, []int{1, 2, 3, 2}},
		{"air_france", "AirFrance", [2]int{4, 4}, 6, 0.9, []int{0, 1, 5}},
	}
	var out []*mention.Mention
	n := 0
	for wk := 0; wk < 2; wk++ {
		start := seedWeek.Since().AddDate(0, 0, 7*(wk-1))
		for _, p := range profiles {
			per := p.perDay[wk]
			for d := 0; d < 7; d++ {
				// The crisis: Wednesday of this week, KLM gets a burst.
				extra := 0
				if wk == 1 && p.brand == "klm" && d == 2 {
					extra = 6
				}
				for i := 0; i < per+extra; i++ {
					n++
					at := start.AddDate(0, 0, d).Add(time.Duration(rng.Intn(24*3600)) * time.Second)
					if extra > 0 && i >= per {
						at = start.AddDate(0, 0, d).Add(14*time.Hour + time.Duration(rng.Intn(3600))*time.Second)
					}
					name := names[rng.Intn(len(names))]
					reason := reasons[rng.Intn(len(reasons))]
					if wk == 1 && p.brand == "klm" && d == 2 && i >= per {
						reason = "outage"
					}
					comp := rng.Float64()*1.6 - 1
					label := "neutral"
					switch {
					case comp < -0.3:
						label = "negative"
					case comp > 0.3:
						label = "positive"
					}
					id := fmt.Sprintf("p%04d", n)
					enriched := at.Add(2 * time.Second)
					post := &mention.Mention{
						V: 1, ID: "x:" + id, Platform: "x", NativeID: id, URL: "https://x.com/i/status/" + id[1:],
						CreatedAt: at, IngestedAt: at.Add(time.Second), Source: "test",
						Author: mention.Author{ID: "u-" + id, Handle: name + "_" + id}, Text: fmt.Sprintf("@%s %s: my %s problem, post %s", p.handle, name, reason, id),
						ConversationID: "x:" + id, Direction: mention.DirectionInbound, EnrichedAt: &enriched, Enricher: "test",
						Brands:        []mention.BrandMatch{{Brand: p.brand, How: "handle", Addressed: true}},
						Sentiment:     &mention.Sentiment{Compound: float64(int(comp*100)) / 100, Label: label, Confidence: 0.9},
						ContactReason: []mention.Reason{{Reason: reason, Confidence: 0.8}},
					}
					// Products, without drawing from rng (the other figures stay as they were).
					switch n % 5 {
					case 0:
						post.Entities = []mention.Entity{{Text: "Flying Blue", Type: "product", End: 11}}
					case 1:
						post.Entities = []mention.Entity{{Text: "flying blue", Type: "product", End: 11}}
					case 3: // twice in one post: counted once
						post.Entities = []mention.Entity{{Text: "KLM app", Type: "product", End: 7}, {Text: "Ann", Type: "person", End: 3}, {Text: "KLM app", Type: "product", End: 7}}
					}
					out = append(out, post)
					if rng.Float64() > p.answer {
						continue
					}
					delay := time.Duration(p.medianMin*rng.ExpFloat64()*60) * time.Second
					st := replyStyles[p.styles[rng.Intn(len(p.styles))]]
					text := st.text
					if containsVerb(text) {
						text = fmt.Sprintf(text, name)
					}
					rat := at.Add(delay + 30*time.Second)
					renr := rat.Add(2 * time.Second)
					rid := "r" + id[1:]
					parts := map[string]float64{}
					for k, v := range st.parts {
						parts[k] = v
					}
					out = append(out, &mention.Mention{
						V: 1, ID: "x:" + rid, Platform: "x", NativeID: rid, URL: "https://x.com/i/status/" + rid[1:],
						CreatedAt: rat, IngestedAt: rat.Add(time.Second), Source: "test",
						Author: mention.Author{ID: "brand-" + p.brand, Handle: p.handle}, Text: "@" + name + "_" + id + " " + text,
						InReplyTo: post.ID, ConversationID: post.ID, AuthorBrand: p.brand, Direction: mention.DirectionOutbound,
						EnrichedAt: &renr, Enricher: "test",
						Brands:    []mention.BrandMatch{{Brand: p.brand, How: "author"}},
						Sentiment: &mention.Sentiment{Compound: 0.2, Label: "neutral", Confidence: 0.9},
						ReplyQuality: &mention.ReplyQuality{Empathy: st.empathy, Parts: parts, Deflection: st.deflection,
							Canned: st.canned, CannedDups: st.dups},
					})
				}
			}
		}
	}
	return out
}

func containsVerb(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' && s[i+1] == 's' {
			return true
		}
	}
	return false
}

// seedIncident is a KLM outage on Wednesday of the week: open, an
// escalation, the peak and the resolve.
func seedIncident() []detect.Event {
	wed := seedWeek.Since().AddDate(0, 0, 2)
	onset := wed.Add(14 * time.Hour)
	base := detect.Incident{
		ID: "klm-volume-20261118T1400", Brand: "klm", Kind: "crisis", Severity: "minor", Status: "open",
		Onset: onset, OpenedAt: onset.Add(10 * time.Minute), Window: "15m", Baseline: "trailing",
		TopTerms: []detect.Burst{{Term: "outage", Count: 5}, {Term: "app", Count: 4}},
		Reasons:  []detect.Burst{{Term: "outage", Count: 6}},
		Examples: []detect.Post{{ID: "x:p0100", Text: "@KLM the app is down and I cannot check in", Label: "negative"},
			{ID: "x:p0101", Text: "@KLM website outage again, nobody answers", Label: "negative"}},
		Summary: "KLM: 6 customer posts in 15 min against 0.4 expected, 83 % negative; terms outage, app",
	}
	var evs []detect.Event
	steps := []struct {
		min      int
		event    string
		severity string
		score    float64
		volume   int
	}{
		{10, "open", "minor", 6.2, 3}, {20, "update", "minor", 7.0, 4}, {30, "update", "major", 12.5, 6},
		{40, "update", "major", 9.1, 5}, {95, "resolve", "major", 1.2, 0},
	}
	peak := 0.0
	for _, s := range steps {
		inc := base
		inc.UpdatedAt = onset.Add(time.Duration(s.min) * time.Minute)
		inc.Version = uint64(inc.UpdatedAt.Unix())
		inc.Severity, inc.Score, inc.Volume, inc.ExpectedVolume = s.severity, s.score, s.volume, 0.4
		inc.NegativeShare = 0.83
		if s.score > peak {
			peak = s.score
		}
		inc.PeakScore, inc.PeakVolumeRatio = peak, 15
		if s.event == "resolve" {
			inc.Status, inc.ResolvedAt = "resolved", inc.UpdatedAt
		}
		evs = append(evs, detect.Event{Type: s.event, Incident: inc})
	}
	return evs
}
