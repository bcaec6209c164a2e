package brands_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/enrich/brands"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

// testRegistry is a small registry written for these tests (the default
// registry changes as brands are added).
const testRegistry = `
brands:
  - id: applesupport
    name: Apple Support
    sector: tech
    handles: {x: [AppleSupport]}
    aliases: [Apple Support]
  - id: amazonhelp
    name: Amazon Help
    sector: retail
    handles: {x: [AmazonHelp]}
    aliases: [Amazon]
  - id: klm
    name: KLM
    sector: airline
    handles: {x: [KLM], bluesky: [klm.bsky.social]}
    aliases: [KLM]
  - id: british_airways
    name: British Airways
    sector: airline
    handles: {x: [British_Airways]}
    aliases: [British Airways]
  - id: next
    name: Next
    sector: retail
    handles: {x: [nextofficial]}
    aliases: [Next]
    ambiguous: true
    context: [order, ordered, delivery, parcel, refund, store, clothes, click and collect]
  - id: o2
    name: O2
    sector: telecom
    handles: {x: [O2]}
    aliases: [O2]
    ambiguous: true
    context: [signal, network, contract, sim, data, coverage, phone bill, outage]
  - id: sainsburys
    name: Sainsbury's
    sector: retail
    handles: {x: [sainsburys]}
    aliases: [Sainsbury's, Sainsburys]
  - id: tesco
    name: Tesco
    sector: retail
    handles: {x: [Tesco]}
    aliases: [Tesco, TSCO]
  - id: marksandspencer
    name: Marks & Spencer
    sector: retail
    handles: {x: [marksandspencer]}
    aliases: [M&S, Marks & Spencer]
  - id: spotifycares
    name: Spotify Cares
    sector: tech
    handles: {x: [SpotifyCares]}
    aliases: [Spotify]
`

func newEnricher(tb testing.TB) *brands.Enricher {
	tb.Helper()
	reg, err := registry.Parse([]byte(testRegistry))
	if err != nil {
		tb.Fatal(err)
	}
	e, err := brands.New(reg, brands.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// post builds a valid twcs-like mention.
func post(platform, nativeID, authorID, text, inReplyTo string) *mention.Mention {
	t := time.Date(2017, 10, 11, 13, 25, 49, 0, time.UTC)
	m := &mention.Mention{
		V: mention.Version, ID: platform + ":" + nativeID, Platform: platform, NativeID: nativeID,
		CreatedAt: t, IngestedAt: t, Source: "test", Author: mention.Author{ID: authorID},
		Text: text, ConversationID: platform + ":" + nativeID,
	}
	if inReplyTo != "" {
		m.InReplyTo = platform + ":" + inReplyTo
		m.ConversationID = platform + ":root"
	}
	return m
}

func match(brand, how string, addressed bool) mention.BrandMatch {
	return mention.BrandMatch{Brand: brand, How: how, Addressed: addressed}
}

func TestEnrich(t *testing.T) {
	type brandPost struct{ id, author string }
	tests := []struct {
		name   string
		before []brandPost // brand posts that flowed through earlier
		m      *mention.Mention
		author string
		want   []mention.BrandMatch
		dir    string
	}{
		{
			name: "customer addresses a brand by handle",
			m:    post("twcs", "119237", "105834", "@AppleSupport causing the reply to be disregarded and the tapped notification under the keyboard is opened😡😡😡", ""),
			want: []mention.BrandMatch{match("applesupport", "handle", true)}, dir: "inbound",
		},
		{
			name:   "brand replies to a numeric twcs customer id",
			m:      post("twcs", "119248", "AppleSupport", "@115712 We can help. Which version of iOS are you on? You can find that in Settings > General > About. Reply in DM. https://t.co/GDrqU22YpT", "119249"),
			author: "applesupport",
			want:   []mention.BrandMatch{match("applesupport", "author", false)}, dir: "outbound",
		},
		{
			name:   "brand reply without in_reply_to is outbound by its @customer",
			m:      post("twcs", "119238", "SpotifyCares", "@105840 Hi there! What device is this happening on? /AY", ""),
			author: "spotifycares",
			want:   []mention.BrandMatch{match("spotifycares", "author", false)}, dir: "outbound",
		},
		{
			name: "customer addresses two brands",
			m:    post("twcs", "2001", "105900", "@AmazonHelp @AppleSupport my order never arrived and now the watch won't pair either", ""),
			want: []mention.BrandMatch{match("amazonhelp", "handle", true), match("applesupport", "handle", true)}, dir: "inbound",
		},
		{
			name: "customer replies to another customer and addresses a brand",
			m:    post("twcs", "119249", "105837", "@105838 @AppleSupport Me too am suffering , hope the can find a solution", "119250"),
			want: []mention.BrandMatch{match("applesupport", "handle", true)}, dir: "inbound",
		},
		{
			name:   "customer replies to a brand post without its handle",
			before: []brandPost{{"3001", "AppleSupport"}},
			m:      post("twcs", "3002", "105841", "Still broken after the update, nothing works", "3001"),
			want:   []mention.BrandMatch{match("applesupport", "reply", true)}, dir: "inbound",
		},
		{
			name:   "reply and handle of the same brand give one handle match",
			before: []brandPost{{"3101", "SpotifyCares"}},
			m:      post("twcs", "3102", "105840", "@SpotifyCares Brilliant thanks 😊", "3101"),
			want:   []mention.BrandMatch{match("spotifycares", "handle", true)}, dir: "inbound",
		},
		{
			name:   "reply to one brand's post addressing another brand",
			before: []brandPost{{"3201", "AmazonHelp"}},
			m:      post("twcs", "3202", "105850", "@AppleSupport Amazon says it's your fault, who fixes my iPad?", "3201"),
			want:   []mention.BrandMatch{match("amazonhelp", "reply", true), match("applesupport", "handle", true)}, dir: "inbound",
		},
		{
			name: "handle case differences",
			m:    post("twcs", "4001", "105860", "@applesupport and @APPLESUPPORT and @AppleSupport: one brand", ""),
			want: []mention.BrandMatch{match("applesupport", "handle", true)}, dir: "inbound",
		},
		{
			name:   "author id in another case",
			m:      post("twcs", "4002", "applesupport", "@105861 Thanks for reaching out to us.", "4000"),
			author: "applesupport",
			want:   []mention.BrandMatch{match("applesupport", "author", false)}, dir: "outbound",
		},
		{
			name: "numeric brand id (anonymised in twcs) is no brand",
			m:    post("twcs", "119253", "105839", "I just updated my phone and suddenly everything takes ages to load wtf @76099 this update sux I hate it fix it bye", ""),
			dir:  "other",
		},
		{
			name: "Next the retailer: capitalised, with a context word",
			m:    post("x", "5001", "u1", "Ordered a coat from Next on Monday and the delivery still hasn't arrived", ""),
			want: []mention.BrandMatch{match("next", "alias", false)}, dir: "other",
		},
		{
			name: "next week is not the retailer",
			m:    post("x", "5002", "u2", "I'll sort the delivery out next week", ""),
			dir:  "other",
		},
		{
			name: "Next week at the start of a sentence is not the retailer, a later Next is",
			m:    post("x", "5003", "u3", "Next week my order from Next should finally arrive", ""),
			want: []mention.BrandMatch{match("next", "alias", false)}, dir: "other",
		},
		{
			name: "Next day delivery is a phrase",
			m:    post("x", "5004", "u4", "Next day delivery they said. Still no parcel.", ""),
			dir:  "other",
		},
		{
			name: "NEXT in capitals with a context word",
			m:    post("x", "5005", "u5", "NEXT HAS LOST MY PARCEL AGAIN", ""),
			want: []mention.BrandMatch{match("next", "alias", false)}, dir: "other",
		},
		{
			name: "Next without a context word",
			m:    post("x", "5006", "u6", "Next up: the football", ""),
			dir:  "other",
		},
		{
			name: "Next addressed by handle needs no context",
			m:    post("x", "5007", "u7", "@nextofficial hello?", ""),
			want: []mention.BrandMatch{match("next", "handle", true)}, dir: "inbound",
		},
		{
			name: "O2 the network",
			m:    post("x", "6001", "u8", "No signal on O2 again today, third time this week", ""),
			want: []mention.BrandMatch{match("o2", "alias", false)}, dir: "other",
		},
		{
			name: "O2 arena is a venue",
			m:    post("x", "6002", "u9", "Great gig at the O2 arena tonight, terrible signal though", ""),
			dir:  "other",
		},
		{
			name: "O2 Academy is a venue",
			m:    post("x", "6003", "u10", "Queue at O2 Academy Brixton is huge and there's no signal inside", ""),
			dir:  "other",
		},
		{
			name: "o2 in lower case is oxygen",
			m:    post("x", "6004", "u11", "my o2 levels are fine, the network at the hospital is not", ""),
			dir:  "other",
		},
		{
			name: "O2 hashtag with a context word",
			m:    post("x", "6005", "u12", "Whole network down since 5am #O2 #outage", ""),
			want: []mention.BrandMatch{match("o2", "hashtag", false)}, dir: "other",
		},
		{
			name: "O2 hashtag without a context word",
			m:    post("x", "6006", "u13", "Breathing exercises #O2", ""),
			dir:  "other",
		},
		{
			name:   "a brand post mentioning its own handle is not inbound to itself",
			m:      post("x", "7001", "KLM", "Follow @KLM for travel updates this winter ✈️", ""),
			author: "klm",
			want:   []mention.BrandMatch{match("klm", "author", false)}, dir: "other",
		},
		{
			name:   "a brand addresses a customer and another brand",
			m:      post("twcs", "7002", "AmazonHelp", "@115712 @AppleSupport can help with the iPad itself, we'll sort the refund", "7000"),
			author: "amazonhelp",
			want:   []mention.BrandMatch{match("applesupport", "handle", true), match("amazonhelp", "author", false)}, dir: "outbound",
		},
		{
			name:   "a brand addressing only another brand",
			m:      post("twcs", "7003", "AmazonHelp", "@AppleSupport thanks for the help today!", ""),
			author: "amazonhelp",
			want:   []mention.BrandMatch{match("applesupport", "handle", true), match("amazonhelp", "author", false)}, dir: "other",
		},
		{
			name:   "a brand continuing its own thread",
			before: []brandPost{{"7101", "KLM"}},
			m:      post("twcs", "7102", "KLM", "2/2 We are sorry for the inconvenience.", "7101"),
			author: "klm",
			want:   []mention.BrandMatch{match("klm", "author", false)}, dir: "other",
		},
		{
			name: "an e-mail address is no mention",
			m:    post("x", "8001", "u14", "wrote to help@tesco.com three times, nothing", ""),
			want: []mention.BrandMatch{match("tesco", "alias", false)}, dir: "other",
		},
		{
			name: "URLs are skipped",
			m:    post("x", "8002", "u15", "see https://www.tesco.com/help and www.klm.com/contact", ""),
			dir:  "other",
		},
		{
			name: "multi-word hashtag",
			m:    post("x", "8003", "u16", "Flight cancelled again #BritishAirways #British_Airways", ""),
			want: []mention.BrandMatch{match("british_airways", "hashtag", false)}, dir: "other",
		},
		{
			name: "multi-word alias",
			m:    post("x", "8004", "u17", "Flying British  Airways tomorrow", ""),
			want: []mention.BrandMatch{match("british_airways", "alias", false)}, dir: "other",
		},
		{
			name: "typographic apostrophe",
			m:    post("x", "8005", "u18", "Sainsbury’s self checkout is broken again", ""),
			want: []mention.BrandMatch{match("sainsburys", "alias", false)}, dir: "other",
		},
		{
			name: "ampersand alias",
			m:    post("x", "8006", "u19", "M&S food hall has run out of bread", ""),
			want: []mention.BrandMatch{match("marksandspencer", "alias", false)}, dir: "other",
		},
		{
			name: "cashtag",
			m:    post("x", "8007", "u20", "$TSCO down 3% today, $5 says it recovers", ""),
			want: []mention.BrandMatch{match("tesco", "cashtag", false)}, dir: "other",
		},
		{
			name: "word boundaries",
			m:    post("x", "8008", "u21", "KLMX Spotifyy Tescos amazonian; but Spotify's app crashes", ""),
			want: []mention.BrandMatch{match("spotifycares", "alias", false)}, dir: "other",
		},
		{
			name: "alias and handle order: addressed first",
			m:    post("x", "8009", "u22", "Amazon lost my parcel, @Tesco would never", ""),
			want: []mention.BrandMatch{match("tesco", "handle", true), match("amazonhelp", "alias", false)}, dir: "inbound",
		},
		{
			name: "a retweet's source handle is not an address",
			m:    post("x", "8010", "u23", "RT @KLM: Our new lounge at Schiphol is open", ""),
			dir:  "other",
		},
		{
			name: "extended handle on bluesky",
			m:    post("bluesky", "8011", "did:plc:abc", "@klm.bsky.social my bag is lost, again.", ""),
			want: []mention.BrandMatch{match("klm", "handle", true)}, dir: "inbound",
		},
		{
			name: "X handles do not continue over a dot",
			m:    post("x", "8012", "u24", "@KLM.thanks", ""),
			want: []mention.BrandMatch{match("klm", "handle", true)}, dir: "inbound",
		},
		{
			name: "a handle longer than 50 characters is no mention",
			m:    post("x", "8013", "u25", "@"+strings.Repeat("a", 51)+" hi", ""),
			dir:  "other",
		},
		{
			name: "reply to a customer post (parent unknown) by a customer",
			m:    post("twcs", "8014", "105870", "@105871 same here", "8015"),
			dir:  "other",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnricher(t)
			ctx := context.Background()
			for _, bp := range tc.before {
				p := post(tc.m.Platform, bp.id, bp.author, "@105999 an earlier brand post", "")
				if err := e.Enrich(ctx, p); err != nil {
					t.Fatal(err)
				}
				if p.AuthorBrand == "" {
					t.Fatalf("setup: %s is not a brand", bp.author)
				}
			}
			if err := e.Enrich(ctx, tc.m); err != nil {
				t.Fatal(err)
			}
			if tc.m.AuthorBrand != tc.author {
				t.Errorf("author_brand = %q, want %q", tc.m.AuthorBrand, tc.author)
			}
			if !reflect.DeepEqual(tc.m.Brands, tc.want) {
				t.Errorf("brands = %+v\nwant     %+v", tc.m.Brands, tc.want)
			}
			if tc.m.Direction != tc.dir {
				t.Errorf("direction = %q, want %q", tc.m.Direction, tc.dir)
			}
			if err := tc.m.Validate(); err != nil {
				t.Errorf("enriched record is invalid: %v", err)
			}
			// Idempotent: enriching again gives the same fields.
			before := fmt.Sprintf("%+v %q %q", tc.m.Brands, tc.m.AuthorBrand, tc.m.Direction)
			if err := e.Enrich(ctx, tc.m); err != nil {
				t.Fatal(err)
			}
			if after := fmt.Sprintf("%+v %q %q", tc.m.Brands, tc.m.AuthorBrand, tc.m.Direction); after != before {
				t.Errorf("not idempotent:\n%s\n%s", before, after)
			}
		})
	}
}

// TestThread runs a twcs-shaped conversation through in order: the brand's
// reply is outbound, the customer's answer to it is inbound by reply even
// where the handle is missing.
func TestThread(t *testing.T) {
	e := newEnricher(t)
	ctx := context.Background()
	thread := []struct {
		m   *mention.Mention
		dir string
	}{
		{post("twcs", "119256", "105840", "@SpotifyCares Please help! Spotify Premium skipping through songs constantly on android tablet", ""), "inbound"},
		{post("twcs", "119254", "SpotifyCares", "@105840 Hi there! What device is this happening on? /AY", "119256"), "outbound"},
		{post("twcs", "119255", "105840", "Samsung Galaxy Tab A (2016), does distance from the speaker matter?", "119254"), "inbound"},
		{post("twcs", "119257", "SpotifyCares", "@105840 Thanks. The distance could possibly affect playback. /AY", "119255"), "outbound"},
	}
	for i, step := range thread {
		if err := e.Enrich(ctx, step.m); err != nil {
			t.Fatal(err)
		}
		if step.m.Direction != step.dir {
			t.Errorf("step %d (%s): direction = %q, want %q", i, step.m.ID, step.m.Direction, step.dir)
		}
	}
	if got := thread[2].m.Brands; len(got) != 1 || got[0] != match("spotifycares", "reply", true) {
		t.Errorf("reply to a brand post: brands = %+v", got)
	}
	if n := e.ReplyCacheLen(); n != 2 {
		t.Errorf("reply cache holds %d brand posts, want 2", n)
	}
}

func TestReplyCacheBounded(t *testing.T) {
	reg, err := registry.Parse([]byte(testRegistry))
	if err != nil {
		t.Fatal(err)
	}
	e, err := brands.New(reg, brands.Config{ReplyCacheSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 10_000 {
		if err := e.Enrich(ctx, post("twcs", fmt.Sprint("b", i), "AppleSupport", "@1 hi", "")); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.ReplyCacheLen(); n > 64 {
		t.Fatalf("cache holds %d entries, bound is 64", n)
	}
	// The most recent brand post is remembered, the first one is not.
	recent := post("twcs", "c1", "105000", "thanks", "b9999")
	old := post("twcs", "c2", "105000", "thanks", "b0")
	for _, m := range []*mention.Mention{recent, old} {
		if err := e.Enrich(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if recent.Direction != "inbound" {
		t.Errorf("reply to the latest brand post: direction %q, want inbound", recent.Direction)
	}
	if old.Direction != "other" {
		t.Errorf("reply to an evicted brand post: direction %q, want other", old.Direction)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		c    brands.Config
		want string
	}{
		{brands.DefaultConfig(), ""},
		{brands.Config{ReplyCacheSize: 0}, "enrich.brands.reply_cache_size: 0"},
		{brands.Config{ReplyCacheSize: 1 << 30}, "enrich.brands.reply_cache_size"},
	} {
		err := tc.c.Validate()
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.c, err, tc.want)
		}
	}
}

// TestDefaultRegistry builds the enricher from the embedded registry and
// checks that every official handle of every brand is found as an address.
func TestDefaultRegistry(t *testing.T) {
	reg, e := defaultEnricher(t)
	n := 0
	for _, b := range reg.Brands {
		for _, h := range b.Handles["x"] {
			m := post("twcs", fmt.Sprint(n), "105000", "@"+strings.TrimPrefix(h, "@")+" my order is late", "")
			n++
			if err := e.Enrich(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, bm := range m.Brands {
				found = found || bm.Brand == b.ID && bm.Addressed
			}
			if !found || m.Direction != "inbound" {
				t.Errorf("@%s: brands %+v direction %q, want %s addressed, inbound", h, m.Brands, m.Direction, b.ID)
			}
		}
	}
}

func TestConcurrent(t *testing.T) {
	e := newEnricher(t)
	done := make(chan struct{})
	for w := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 500 {
				m := post("twcs", fmt.Sprint(w, "-", i), "AppleSupport", "@115712 We can help, Next and O2 signal", "")
				if err := e.Enrich(context.Background(), m); err != nil {
					t.Error(err)
					return
				}
				r := post("twcs", fmt.Sprint(w, "-", i, "r"), "115712", "thanks", fmt.Sprint(w, "-", i))
				if err := e.Enrich(context.Background(), r); err != nil || r.Direction != "inbound" {
					t.Errorf("reply: %v %q", err, r.Direction)
					return
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}

var benchTexts = []struct{ author, text, reply string }{
	{"105834", "@AppleSupport causing the reply to be disregarded and the tapped notification under the keyboard is opened😡😡😡", ""},
	{"ChaseSupport", "@105835 Your business means a lot to us. Please DM your name, zip code and additional details about your concern. ^RR https://t.co/znUu1VJn9r", "119239"},
	{"105836", "@VirginTrains see attached error message. I've tried leaving a voicemail several times in the past week https://t.co/NxVZjlYx1k", "119240"},
	{"AppleSupport", "@105837 We can help. Which version of iOS are you on? You can find that in Settings > General > About. Reply in DM. https://t.co/GDrqU22YpT", "119249"},
	{"105838", "@AppleSupport hi #apple, I’ve a concern about the latest ios is too slow on #iphone6 and i am not happy with it. Any solution please?", ""},
	{"105842", "First flight for long time with @British_Airways. Now over one 1h delay for the short jump FRA-LCY and NO one here to provide status updates", ""},
	{"u1", "Next week my order from Next should finally arrive, no signal on O2 to check the tracking though", ""},
	{"105840", "@SpotifyCares No, but I've moved speaker to about 1 metre away and it's not skipping at the mo - it was about 3 or 4 metres away before. Fingers crossed!", "119257"},
}

func BenchmarkEnrich(b *testing.B) {
	e := newEnricher(b)
	ms := make([]*mention.Mention, len(benchTexts))
	size := 0
	for i, bt := range benchTexts {
		ms[i] = post("twcs", fmt.Sprint(119000+i), bt.author, bt.text, bt.reply)
		size += len(bt.text)
	}
	ctx := context.Background()
	b.SetBytes(int64(size / len(ms)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := e.Enrich(ctx, ms[i%len(ms)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnrichParallel(b *testing.B) {
	e := newEnricher(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ms := make([]*mention.Mention, len(benchTexts))
		for i, bt := range benchTexts {
			ms[i] = post("twcs", fmt.Sprint(119000+i), bt.author, bt.text, bt.reply)
		}
		for i := 0; pb.Next(); i++ {
			if err := e.Enrich(ctx, ms[i%len(ms)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestDefaultRegistryAmbiguous checks the ambiguous brands of the embedded
// registry on everyday texts (a case is skipped when the registry no longer
// has the brand as ambiguous).
func TestDefaultRegistryAmbiguous(t *testing.T) {
	reg, e := defaultEnricher(t)
	for i, tc := range []struct {
		brand, text string
		found       bool
	}{
		{"delta", "Delta lost my bag again and the flight was delayed 3 hours", true},
		{"delta", "the river delta flooded after the storm, flights cancelled", false},
		{"three_uk", "Three has had no signal in Leeds all day", true},
		{"three_uk", "Three hours on hold and still no signal", false},
		{"ee", "EE signal is dead again in Croydon", true},
		{"ee", "eee the network is down", false},
		{"o2", "O2 network down again, no signal anywhere", true},
		{"o2", "Queueing at the O2 Arena, no signal at all", false},
		{"next", "Next have lost my parcel and the refund is not there", true},
		{"next", "next day delivery my foot, parcel still not here", false},
	} {
		b, ok := reg.ByID(tc.brand)
		if !ok || !b.Ambiguous {
			t.Logf("skipped: %s is not an ambiguous brand of the default registry", tc.brand)
			continue
		}
		m := post("x", fmt.Sprint(9000+i), "u", tc.text, "")
		if err := e.Enrich(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, bm := range m.Brands {
			found = found || bm.Brand == tc.brand
		}
		if found != tc.found {
			t.Errorf("%q: %s found = %v, want %v (brands %+v)", tc.text, tc.brand, found, tc.found, m.Brands)
		}
	}
}

// BenchmarkEnrichDefaultRegistry runs on the embedded registry (≈100 brands).
func BenchmarkEnrichDefaultRegistry(b *testing.B) {
	_, e := defaultEnricher(b)
	ms := make([]*mention.Mention, len(benchTexts))
	for i, bt := range benchTexts {
		ms[i] = post("twcs", fmt.Sprint(119000+i), bt.author, bt.text, bt.reply)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := e.Enrich(ctx, ms[i%len(ms)]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestProducts: a registry product name marks its brand as discussed,
// like an alias, without addressing it.
func TestProducts(t *testing.T) {
	_, e := defaultEnricher(t)
	for _, tt := range []struct{ text, brand string }{
		{"my iPhone 15 keeps restarting", "applesupport"},
		{"Sky Q box frozen again", "sky"},
		{"Xbox Game Pass won't renew", "xboxsupport"},
		{"lost my Clubcard points", "tesco"},
	} {
		m := post("x", "p1", "u1", tt.text, "")
		if err := e.Enrich(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, bm := range m.Brands {
			if bm.Brand == tt.brand {
				found = true
				if bm.Addressed {
					t.Errorf("%q: %s addressed by a product name, want only discussed", tt.text, tt.brand)
				}
			}
		}
		if !found {
			t.Errorf("%q: brands %+v, want %s", tt.text, m.Brands, tt.brand)
		}
	}
}

// defaultEnricher returns the default registry and an enricher of it with
// the default configuration.
func defaultEnricher(tb testing.TB) (*registry.Registry, *brands.Enricher) {
	tb.Helper()
	reg, err := registry.Default()
	if err != nil {
		tb.Fatal(err)
	}
	e, err := brands.New(reg, brands.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	return reg, e
}
