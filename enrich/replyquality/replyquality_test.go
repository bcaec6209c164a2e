package replyquality

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshot-dev/earshot/mention"
)

var t0 = time.Date(2017, 10, 31, 22, 0, 0, 0, time.UTC)

func reply(id, brand, text string, at time.Time) *mention.Mention {
	return &mention.Mention{ID: id, Text: text, CreatedAt: at, AuthorBrand: brand, InReplyTo: "x:parent-" + id,
		Direction: mention.DirectionOutbound, Author: mention.Author{ID: brand, Handle: brand}}
}

func newTB(tb testing.TB, cfg Config) *Enricher {
	tb.Helper()
	e, err := New(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func TestDeflection(t *testing.T) {
	tests := []struct{ text, want string }{
		{"@1 Please send us a DM with your order number ^AB", DeflectDM},
		{"@1 DM us and we'll take a look", DeflectDM},
		{"@1 Please follow and DM us.", DeflectDM},
		{"@1 Please send us a private message so we can help.", DeflectDM},
		{"@1 We've replied to your DM! ^RA", DeflectDM},
		{"@1 Please give us a call on [phone] so we can help", DeflectPhone},
		{"@1 Please call us, we're open 24/7", DeflectPhone},
		{"@1 Please reach out to us by phone or chat here: https://t.co/x ^VS", DeflectPhone},
		{"@1 Please email us at [email] with the details", DeflectEmail},
		{"@1 Please fill out the form here https://t.co/x", DeflectWeb},
		{"@1 Please reach us at: https://t.co/x ^CC", DeflectWeb},
		{"@1 You can take it back to store with proof of purchase. Marc", DeflectStore},
		{"@1 Please pop into a store and we'll swap it", DeflectStore},
		{"@1 Try turning GPU Performance off in your preferences ^Wren", DeflectNone},
		{"@1 You can see how here: https://t.co/x ^AJ", DeflectNone},
		{"@1 The admin panel is fixed now", DeflectNone}, // "dm" inside a word
	}
	var b strings.Builder
	for _, tc := range tests {
		if got := detect(normalise(tc.text, &b)).Deflection; got != tc.want {
			t.Errorf("%q: deflection %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestSignatureAndName(t *testing.T) {
	tests := []struct{ text, sig, name string }{
		{"@1 Please DM us. ^JS", "^JS", ""},
		{"@1 Hi Sarah, we'll look into it -Anna", "-Anna", "Sarah"},
		{"@1 Cool! https://t.co/x 🤘 /RR", "/RR", ""},
		{"@1 Hello David! Will you please DM us? -Wayne", "-Wayne", "David"},
		{"@1 I apologize for the delay. *TLT", "*TLT", ""},
		{"@1 Thanks for letting me know! TY - Eilish", "-Eilish", ""},
		{"@1 We'll get that sent over - BH", "-BH", ""},
		{"@1 You can take it back to store. Marc", "Marc", ""},
		{"@1 I'll pass on your feedback. - Kirsty", "-Kirsty", ""},
		{"@1 Thank you for sharing, Eric! Thanks for flying with us! -Sara", "-Sara", "Eric"},
		{"@1 Any other questions, please ask.^Jo", "^Jo", ""},
		{"@1 Hi there, please DM us your email. Thank you.", "", ""},
		{"@1 We're sorry to hear this. Thanks!", "", ""},
		{"@1 Please see the link 1/2", "", ""},
	}
	for _, tc := range tests {
		if got := findSignature(tc.text); got != tc.sig {
			t.Errorf("%q: signature %q, want %q", tc.text, got, tc.sig)
		}
		if got := findName(tc.text); got != tc.name {
			t.Errorf("%q: name %q, want %q", tc.text, got, tc.name)
		}
	}
}

func TestEmpathyParts(t *testing.T) {
	e := newTB(t, DefaultConfig())
	tests := []struct {
		text      string
		parts     []string
		empathy   float64
		personal  bool
		signature string
	}{
		{"@1 Oh no, Kelly! I'm so sorry your parcel is late. I've escalated it and you'll receive a new one tomorrow. ^AJ",
			[]string{PartAcknowledgement, PartApology, PartPersonal, PartOwnership, PartNextStep}, 100, true, "^AJ"},
		{"@1 Please DM us.", []string{PartDeflection}, 0, false, ""},
		{"@1 We apologise for any inconvenience. Please DM us your account number.", []string{PartApology, PartDeflection}, 0, false, ""},
		{"@1 Sorry to hear that. Try restarting the app. ^KB", []string{PartApology, PartPersonal, PartNextStep}, 7.5 + 5 + 25, true, "^KB"},
		{"@1 The contract is between you and the seller, open a case if you want. ^D", []string{PartPersonal, PartNextStep, PartBlame}, 5 + 25 - 20, true, "^D"},
	}
	for i, tc := range tests {
		q := e.score("b", fmt.Sprint(i), t0, tc.text, false)
		var got []string
		for _, p := range []string{PartAcknowledgement, PartApology, PartPersonal, PartOwnership, PartNextStep, PartDeflection, PartBlame} {
			if _, ok := q.Parts[p]; ok {
				got = append(got, p)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.parts, ",") {
			t.Errorf("%q: parts %v, want %v", tc.text, q.Parts, tc.parts)
		}
		if q.Empathy != tc.empathy {
			t.Errorf("%q: empathy %v, want %v (parts %v)", tc.text, q.Empathy, tc.empathy, q.Parts)
		}
		if q.Personal != tc.personal || q.Signature != tc.signature {
			t.Errorf("%q: personal %v signature %q", tc.text, q.Personal, q.Signature)
		}
	}
}

func TestOnlyOutboundReplies(t *testing.T) {
	e := newTB(t, DefaultConfig())
	ctx := context.Background()
	in := &mention.Mention{ID: "x:1", Text: "@AmazonHelp where is my parcel?", Direction: mention.DirectionInbound,
		ReplyQuality: &mention.ReplyQuality{Empathy: 5}}
	if err := e.Enrich(ctx, in); err != nil || in.ReplyQuality != nil {
		t.Errorf("inbound: %v %+v", err, in.ReplyQuality)
	}
	broadcast := &mention.Mention{ID: "x:2", Text: "New deals today!", AuthorBrand: "tesco", Direction: mention.DirectionOther}
	if _ = e.Enrich(ctx, broadcast); broadcast.ReplyQuality != nil {
		t.Errorf("broadcast scored: %+v", broadcast.ReplyQuality)
	}
	r := reply("x:3", "amazon", "@1 Sorry! Please DM us ^AB", t0)
	r.Direction = "" // AuthorBrand + InReplyTo suffice
	if _ = e.Enrich(ctx, r); r.ReplyQuality == nil || r.ReplyQuality.Deflection != DeflectDM {
		t.Errorf("reply: %+v", r.ReplyQuality)
	}
}

func TestCanned(t *testing.T) {
	e := newTB(t, DefaultConfig())
	ctx := context.Background()
	tmpl := "@%d Hi %s, we're sorry to hear this. Please DM us your order number and email address so we can look into this for you. %s"
	names := []string{"Sarah", "Tom", "Priya", "Kelly"}
	sigs := []string{"^AB", "^CD", "^EF", "^GH"}
	for i := range 4 {
		m := reply(fmt.Sprintf("x:%d", i), "amazon", fmt.Sprintf(tmpl, 100+i, names[i], sigs[i]), t0.Add(time.Duration(i)*time.Hour))
		if err := e.Enrich(ctx, m); err != nil {
			t.Fatal(err)
		}
		if m.ReplyQuality.CannedDups != i {
			t.Errorf("copy %d: canned_dups %d, want %d (canned %.2f)", i, m.ReplyQuality.CannedDups, i, m.ReplyQuality.Canned)
		}
		if i > 0 && m.ReplyQuality.Canned < 0.95 {
			t.Errorf("copy %d: canned %.3f, want ≥ 0.95", i, m.ReplyQuality.Canned)
		}
	}
	// another brand's identical reply is not compared
	o := reply("x:o", "apple", fmt.Sprintf(tmpl, 1, "Sam", "^ZZ"), t0.Add(5*time.Hour))
	_ = e.Enrich(ctx, o)
	if o.ReplyQuality.CannedDups != 0 {
		t.Errorf("other brand: canned_dups %d", o.ReplyQuality.CannedDups)
	}
	// a different reply of the same brand is not a near-duplicate
	d := reply("x:d", "amazon", "@9 Your refund was issued on Monday; it can take 3-5 business days to show on your statement. ^AB", t0.Add(6*time.Hour))
	_ = e.Enrich(ctx, d)
	if d.ReplyQuality.CannedDups != 0 {
		t.Errorf("different reply: canned_dups %d (canned %.2f)", d.ReplyQuality.CannedDups, d.ReplyQuality.Canned)
	}
	// idempotent: enriching a reply again does not count it against itself
	again := reply("x:3", "amazon", fmt.Sprintf(tmpl, 103, "Kelly", "^GH"), t0.Add(3*time.Hour))
	_ = e.Enrich(ctx, again)
	if again.ReplyQuality.CannedDups != 3 {
		t.Errorf("re-enriched: canned_dups %d, want 3", again.ReplyQuality.CannedDups)
	}
	if n := e.Indexed(); n != 6 {
		t.Errorf("indexed %d, want 6", n)
	}
	// eight days later the window has moved on
	late := reply("x:late", "amazon", fmt.Sprintf(tmpl, 200, "Jo", "^XY"), t0.Add(8*24*time.Hour))
	_ = e.Enrich(ctx, late)
	if late.ReplyQuality.CannedDups != 0 {
		t.Errorf("after the window: canned_dups %d", late.ReplyQuality.CannedDups)
	}
}

func TestWindowCapacity(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxPerBrand = 3
	e := newTB(t, cfg)
	words := strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima")
	for i := range 10 {
		text := fmt.Sprintf("your %s is %s and the %s", words[i], words[i+1], words[i+2])
		e.Add(Reply{ID: fmt.Sprint(i), Brand: "b", CreatedAt: t0.Add(time.Duration(i) * time.Minute), Text: text})
	}
	if n := e.Indexed(); n != 3 {
		t.Fatalf("indexed %d, want the cap 3", n)
	}
	x := e.index("b", false)
	for b := range nBands {
		total := 0
		for k := range 256 {
			total += len(x.buckets[b][k])
		}
		if total != 3 {
			t.Errorf("band %d holds %d entries, want 3", b, total)
		}
	}
	if len(x.ids) != 3 {
		t.Errorf("ids %d, want 3", len(x.ids))
	}
}

func TestMaxBrands(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxBrands = 1
	reg := prometheus.NewPedanticRegistry()
	e, err := New(cfg, reg)
	if err != nil {
		t.Fatal(err)
	}
	_ = e.Enrich(context.Background(), reply("x:1", "a", "@1 Please DM us", t0))
	_ = e.Enrich(context.Background(), reply("x:2", "b", "@1 Please DM us", t0))
	if v := testutil.ToFloat64(e.unindexed); v != 1 {
		t.Errorf("unindexed %v, want 1", v)
	}
	if v := testutil.ToFloat64(e.replies.WithLabelValues(DeflectDM)); v != 2 {
		t.Errorf("replies{deflection=dm} %v, want 2", v)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n == 0 {
		t.Errorf("gather: %d %v", n, err)
	}
}

func TestRebuild(t *testing.T) {
	e := newTB(t, DefaultConfig())
	text := "@%d Thanks for reaching out! Please send us a DM with your account email so we can look into this."
	replies := func(yield func(Reply, error) bool) {
		for i := range 3 {
			if !yield(Reply{ID: fmt.Sprint(i), Brand: "uber", CreatedAt: t0.Add(time.Duration(i) * time.Hour), Text: fmt.Sprintf(text, i)}, nil) {
				return
			}
		}
	}
	n, err := e.Rebuild(context.Background(), replies)
	if err != nil || n != 3 {
		t.Fatalf("Rebuild: %d %v", n, err)
	}
	m := reply("x:new", "uber", fmt.Sprintf(text, 9), t0.Add(4*time.Hour))
	_ = e.Enrich(context.Background(), m)
	if m.ReplyQuality.CannedDups != 3 {
		t.Errorf("after rebuild: canned_dups %d, want 3", m.ReplyQuality.CannedDups)
	}
	// a rebuild replaces the windows; an error stops it
	boom := errors.New("clickhouse went away")
	var failing iter.Seq2[Reply, error] = func(yield func(Reply, error) bool) {
		yield(Reply{ID: "a", Brand: "uber", CreatedAt: t0, Text: "hello there friend"}, nil)
		yield(Reply{}, boom)
	}
	n, err = e.Rebuild(context.Background(), failing)
	if !errors.Is(err, boom) || n != 1 || e.Indexed() != 1 {
		t.Errorf("failing rebuild: %d %v, indexed %d", n, err, e.Indexed())
	}
}

func TestConcurrent(t *testing.T) {
	e := newTB(t, DefaultConfig())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				m := reply(fmt.Sprintf("x:%d-%d", w, i), fmt.Sprint("brand", i%3), fmt.Sprintf("@%d Sorry about that, please DM us ^A%d", i, w), t0.Add(time.Duration(i)*time.Second))
				if err := e.Enrich(context.Background(), m); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := e.Indexed(); n != 800 {
		t.Errorf("indexed %d, want 800", n)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.Window = 0 }, "enrich.reply_quality.window"},
		{func(c *Config) { c.MaxPerBrand = 0 }, "enrich.reply_quality.max_per_brand"},
		{func(c *Config) { c.MaxBrands = 0 }, "enrich.reply_quality.max_brands"},
		{func(c *Config) { c.NearDupBits = 40 }, "enrich.reply_quality.near_dup_bits"},
		{func(c *Config) { c.CannedMinDups = 0 }, "enrich.reply_quality.canned_min_dups"},
	}
	for _, tc := range tests {
		c := DefaultConfig()
		tc.mut(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error naming %s, got %v", tc.want, err)
		}
	}
}

func FuzzEnrich(f *testing.F) {
	for _, s := range []string{"@1 Please DM us ^AB", "", "^", "-", "/", "@", "http://", "&amp", "Hi ,", "@1 Hi Sarah, sorry! -Anna 1/2", "\xff\xfe"} {
		f.Add(s)
	}
	e, err := New(DefaultConfig(), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := reply("x:f", "b", s, t0)
		if err := e.Enrich(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		q := m.ReplyQuality
		if q.Empathy < 0 || q.Empathy > 100 || q.Canned < 0 || q.Canned > 1 {
			t.Fatalf("%q: out of range %+v", s, q)
		}
	})
}

var benchReplies = []string{
	"@115712 Please send us a Private Message so that we can further assist you. Just click ‘Message’ at the top of your profile.",
	"@116093 Oh no! We'd like to help you with this, Kelly! Can you tell us more about what's happening with the Kindle? Thanks!  ^AJ",
	"@116232 Can you try turning GPU Performance off in your Illustrator preferences? Let us know if that solves the issue. ^Wren",
	"@117204 Here to help. Send us a note at https://t.co/P4hKbfQBbP so our team can connect.",
	"@116748 I'm sorry about this Katie. Can you let me know what store you shop in please so I can log this for internal review? Shaun",
	"@117045 Hi, you'll need to log full details here https://t.co/h7YjHnfgib for an agent to check and refund you accordingly. Sorry for the disruption to your journey. Thanks.",
}

func BenchmarkEnrich(b *testing.B) {
	e := newTB(b, DefaultConfig())
	ctx := context.Background()
	brands := []string{"amazon", "apple", "spotify", "uber", "delta", "tesco", "o2", "klm"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m := reply(fmt.Sprint("x:", i), brands[i%len(brands)], benchReplies[i%len(benchReplies)], t0.Add(time.Duration(i)*time.Second))
		_ = e.Enrich(ctx, m)
	}
}
