package dashboards_test

import (
	"time"

	"github.com/earshot-dev/earshot/mention"
)

// The seed: hand-made mentions of three registry brands, bofa_help and
// ask_wellsfargo (bank; competitors) and klm (airline). The expected
// values of the panels are derived from it by hand in queries_test.go.
var (
	until = time.Date(2024, 2, 12, 0, 0, 0, 0, time.UTC) // a Monday
	ny    = mustLoc("America/New_York")
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func nyTime(day, h, m int) time.Time { return time.Date(2024, 2, day, h, m, 0, 0, ny) }
func utc(month time.Month, day, h, m int) time.Time {
	return time.Date(2024, month, day, h, m, 0, 0, time.UTC)
}

type seed struct{ ms []*mention.Mention }

type opt func(*mention.Mention)

func (s *seed) add(id string, created time.Time, opts ...opt) *mention.Mention {
	enriched := created.Add(time.Second)
	m := &mention.Mention{
		V: 1, ID: "x:" + id, Platform: "x", NativeID: id, CreatedAt: created, IngestedAt: created.Add(time.Second),
		Source: "test", Author: mention.Author{ID: "user-" + id}, Text: "text of " + id, ConversationID: "x:" + id,
		Direction: mention.DirectionInbound, EnrichedAt: &enriched, Enricher: "test",
	}
	for _, o := range opts {
		o(m)
	}
	s.ms = append(s.ms, m)
	return m
}

// post is a customer post addressed to brand.
func (s *seed) post(id string, created time.Time, brand string, opts ...opt) *mention.Mention {
	return s.add(id, created, append([]opt{func(m *mention.Mention) {
		m.Brands = []mention.BrandMatch{{Brand: brand, How: "handle", Addressed: true}}
	}}, opts...)...)
}

// reply is brand's reply to p after d.
func (s *seed) reply(id, brand string, p *mention.Mention, d time.Duration, opts ...opt) *mention.Mention {
	return s.add(id, p.CreatedAt.Add(d), append([]opt{func(m *mention.Mention) {
		m.ID, m.Platform = p.Platform+":"+id, p.Platform
		m.InReplyTo, m.ConversationID, m.AuthorBrand = p.ID, p.ConversationID, brand
		m.Direction = mention.DirectionOutbound
		m.Brands = []mention.BrandMatch{{Brand: brand, How: "author"}}
	}}, opts...)...)
}

// followUp is a later post by p's author in p's own thread, after d,
// addressed to no brand.
func (s *seed) followUp(id string, p *mention.Mention, d time.Duration, opts ...opt) *mention.Mention {
	return s.add(id, p.CreatedAt.Add(d), append([]opt{func(m *mention.Mention) {
		m.ID, m.Platform = p.Platform+":"+id, p.Platform
		m.Author.ID, m.ConversationID, m.InReplyTo = p.Author.ID, p.ConversationID, p.ID
	}}, opts...)...)
}

func sentiment(c float64, label string) opt {
	return func(m *mention.Mention) { m.Sentiment = &mention.Sentiment{Compound: c, Label: label, Confidence: 0.9} }
}

func reasons(rs ...string) opt {
	return func(m *mention.Mention) {
		for _, r := range rs {
			m.ContactReason = append(m.ContactReason, mention.Reason{Reason: r, Confidence: 0.8})
		}
	}
}

func terms(ts ...string) opt { return func(m *mention.Mention) { m.CrisisTerms = ts } }

func quality(empathy float64, deflection string, canned float64) opt {
	return func(m *mention.Mention) {
		m.ReplyQuality = &mention.ReplyQuality{Empathy: empathy, Deflection: deflection, Canned: canned}
	}
}

func text(s string) opt { return func(m *mention.Mention) { m.Text = s } }

// entities takes text, type pairs.
func entities(tt ...string) opt {
	return func(m *mention.Mention) {
		for i := 0; i+1 < len(tt); i += 2 {
			m.Entities = append(m.Entities, mention.Entity{Text: tt[i], Type: tt[i+1], Start: 0, End: len(tt[i])})
		}
	}
}

func bluesky(m *mention.Mention) {
	m.ID, m.Platform, m.ConversationID = "bluesky:"+m.NativeID, "bluesky", "bluesky:"+m.NativeID
}

func buildSeed() *seed {
	s := &seed{}
	// bofa_help (staffed Mon–Fri 08–21, Sat 11–20 New York time).
	p1 := s.post("p1", nyTime(9, 20, 50), "bofa_help", sentiment(-0.6, "negative"), reasons("billing"), // Sat 01:50 UTC
		entities("Zelle", "product", "Ann", "person", "Zelle", "product"))
	s.reply("p1r", "bofa_help", p1, 14*time.Hour+20*time.Minute, quality(80, "dm", 0.95), text("So sorry, Ann: please DM us your account details"),
		entities("Zelle", "product")) // a reply's products do not count
	p2 := s.post("p2", nyTime(7, 10, 0), "bofa_help", sentiment(-0.2, "negative"), reasons("billing"), entities("Zelle", "product")) // Wed 15:00 UTC
	s.reply("p2r", "bofa_help", p2, 300*time.Second, quality(40, "none", 0.2), text("Thanks for reaching out"))
	p3 := s.post("p3", nyTime(11, 9, 0), "bofa_help", sentiment(0.4, "positive"), entities("zelle", "product", "Charlotte", "place")) // Sun 14:00 UTC
	s.reply("p3r", "bofa_help", p3, time.Hour)
	// Customers writing again in their own thread (not addressed to the
	// brand): p1's author before bofa_help's reply (−0.9: does not count)
	// and after it (−0.4, 15 h after the post: recovery +0.2); p2's
	// author an hour after the post (+0.6: recovery +0.8).
	s.followUp("p1f0", p1, time.Hour, sentiment(-0.9, "negative"))
	s.followUp("p1f1", p1, 15*time.Hour, sentiment(-0.4, "negative"))
	s.followUp("p2f1", p2, time.Hour, sentiment(0.6, "positive"))
	s.post("p4", nyTime(6, 12, 0), "bofa_help", sentiment(0, "neutral"), reasons("card"), terms("outage"), bluesky, entities("Mobile Banking App", "product", "BofA", "product"))
	q0 := s.post("q0", utc(2, 1, 15, 0), "bofa_help", reasons("billing")) // the week before
	s.reply("q0r", "bofa_help", q0, 120*time.Second)
	// ask_wellsfargo (always staffed).
	w1 := s.post("w1", utc(2, 5, 12, 0), "ask_wellsfargo", sentiment(0.5, "positive"))
	s.reply("w1r", "ask_wellsfargo", w1, 600*time.Second)
	// klm: one old unanswered post, a burst on Saturday 13:00 UTC against
	// the same hour of the four weeks before (1, 2, 3, 4 posts), and a
	// post on Sunday evening.
	s.post("k1", utc(2, 8, 12, 0), "klm")
	for i := 0; i < 5; i++ {
		o := []opt{sentiment(-0.7, "negative")}
		if i == 4 {
			o = []opt{sentiment(0.1, "neutral")}
		}
		if i < 2 {
			o = append(o, terms("outage"), entities("KLM app", "product", "KLM app", "product"))
		}
		if i == 2 {
			o = append(o, entities("KLM", "product")) // the brand itself: left out
		}
		s.post("kb"+string(rune('0'+i)), utc(2, 10, 13, 5+5*i), "klm", o...)
	}
	for w := 1; w <= 4; w++ {
		for i := 0; i < w; i++ {
			s.post("kw"+string(rune('0'+w))+string(rune('0'+i)), utc(2, 10, 13, 10+i).AddDate(0, 0, -7*w), "klm")
		}
	}
	s.post("ks", utc(2, 11, 20, 0), "klm", terms("outage", "refund"), entities("klm app", "product", "Flying Blue", "product"))
	return s
}
