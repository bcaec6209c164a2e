package brands

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

func TestScan(t *testing.T) {
	type tok struct {
		kind  tokKind
		body  string
		lower string
	}
	tests := []struct {
		text     string
		extended bool
		want     []tok
	}{
		{"@AppleSupport hi", false, []tok{{tHandle, "AppleSupport", "applesupport"}, {tWord, "hi", "hi"}}},
		{"a@b.com", false, []tok{{tWord, "a", "a"}, {tPunct, "@", "@"}, {tWord, "b", "b"}, {tPunct, ".", "."}, {tWord, "com", "com"}}},
		{"(@KLM)", false, []tok{{tPunct, "(", "("}, {tHandle, "KLM", "klm"}, {tPunct, ")", ")"}}},
		{"@klm.bsky.social!", true, []tok{{tHandle, "klm.bsky.social", "klm.bsky.social"}, {tPunct, "!", "!"}}},
		{"@klm.bsky.social!", false, []tok{{tHandle, "klm", "klm"}, {tPunct, ".", "."}, {tWord, "bsky", "bsky"}, {tPunct, ".", "."}, {tWord, "social", "social"}, {tPunct, "!", "!"}}},
		{"@user@mastodon.social.", true, []tok{{tHandle, "user@mastodon.social", "user@mastodon.social"}, {tPunct, ".", "."}}},
		{"#British_Airways #5 $5 $TSCO", false, []tok{{tHashtag, "British_Airways", "britishairways"}, {tHashtag, "5", "5"}, {tPunct, "$", "$"}, {tWord, "5", "5"}, {tCashtag, "TSCO", "tsco"}}},
		{"x#y", false, []tok{{tWord, "x", "x"}, {tPunct, "#", "#"}, {tWord, "y", "y"}}},
		{"see https://t.co/abc?x=KLM now", false, []tok{{tWord, "see", "see"}, {tWord, "now", "now"}}},
		{"WWW.klm.com/x KLM", false, []tok{{tWord, "KLM", "klm"}}},
		{"Sainsbury’s Café", false, []tok{{tWord, "Sainsbury", "sainsbury"}, {tPunct, "’", "'"}, {tWord, "s", "s"}, {tWord, "Café", "café"}}},
		{"ÜBER\u00a0straße", false, []tok{{tWord, "ÜBER", "über"}, {tWord, "straße", "straße"}}},
		{"@", false, []tok{{tPunct, "@", "@"}}},
		{"#", false, []tok{{tPunct, "#", "#"}}},
		{"$", false, []tok{{tPunct, "$", "$"}}},
		{"@@KLM", false, []tok{{tPunct, "@", "@"}, {tPunct, "@", "@"}, {tWord, "KLM", "klm"}}},
		{"😡@KLM", false, []tok{{tPunct, "😡", "😡"}, {tHandle, "KLM", "klm"}}},
	}
	var s scanner
	for _, tc := range tests {
		s.scan(tc.text, tc.extended)
		var got []tok
		for i := range s.toks {
			got = append(got, tok{s.toks[i].kind, s.bodyOf(&s.toks[i]), string(s.lowerOf(&s.toks[i]))})
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q: got %v, want %v", tc.text, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q: token %d = %v, want %v", tc.text, i, got[i], tc.want[i])
			}
		}
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"@AppleSupport hi", "a@b.com", "@klm.bsky.social!", "#British_Airways $TSCO $5",
		"see https://t.co/abc now", "Sainsbury’s", "@" + strings.Repeat("x", 60), "\xff\xfe@k", "RT @KLM: x",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, extended bool) {
		var s scanner
		s.scan(text, extended)
		prevEnd := int32(0)
		for i := range s.toks {
			tk := &s.toks[i]
			if tk.start < prevEnd || tk.end < tk.start || int(tk.end) > len(text) || tk.hi < tk.lo || int(tk.hi) > len(s.lower) {
				t.Fatalf("token %d %+v out of bounds (text %d bytes, lower %d)", i, tk, len(text), len(s.lower))
			}
			prevEnd = tk.end
			body := s.bodyOf(tk)
			switch tk.kind {
			case tHandle:
				if body == "" || len(body) > maxExtendedHandle {
					t.Fatalf("handle %q", body)
				}
				if !extended && len(body) > maxHandle {
					t.Fatalf("handle %q longer than %d", body, maxHandle)
				}
				for k := 0; k < len(body); k++ {
					if !isHandleByte(body[k]) && !(extended && strings.IndexByte(".-@", body[k]) >= 0) {
						t.Fatalf("handle %q has %q", body, body[k])
					}
				}
			case tWord, tHashtag, tCashtag:
				if tk.hi == tk.lo {
					t.Fatalf("empty %v token at %d", tk.kind, tk.start)
				}
			}
			if utf8.ValidString(text) && !utf8.Valid(s.lowerOf(tk)) {
				t.Fatalf("lower form of %q is not UTF-8", body)
			}
		}
	})
}

func FuzzEnrich(f *testing.F) {
	for _, s := range []string{"@AppleSupport Next order O2 signal", "#O2 network", "RT @KLM: hi", "Next week"} {
		f.Add(s, "x", "105000")
	}
	e := mustFuzzEnricher(f)
	f.Fuzz(func(t *testing.T, text, platform, author string) {
		m := testMention(platform, author, text)
		if err := e.Enrich(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		switch m.Direction {
		case "inbound", "outbound", "other":
		default:
			t.Fatalf("direction %q", m.Direction)
		}
		seen := map[string]bool{}
		for _, b := range m.Brands {
			if seen[b.Brand] {
				t.Fatalf("brand %s listed twice: %+v", b.Brand, m.Brands)
			}
			seen[b.Brand] = true
			if b.Addressed != (b.How == HowHandle || b.How == HowReply) {
				t.Fatalf("addressed %v for how %s", b.Addressed, b.How)
			}
			if b.Addressed && b.Brand == m.AuthorBrand {
				t.Fatalf("author's own brand addressed: %+v", m.Brands)
			}
		}
	})
}

func mustFuzzEnricher(tb testing.TB) *Enricher {
	tb.Helper()
	reg, err := registry.Parse([]byte(`
brands:
  - {id: applesupport, name: Apple Support, sector: tech, handles: {x: [AppleSupport]}, aliases: [Apple Support]}
  - {id: klm, name: KLM, sector: airline, handles: {x: [KLM], bluesky: [klm.bsky.social]}, aliases: [KLM]}
  - {id: next, name: Next, sector: retail, handles: {x: [nextofficial]}, aliases: [Next], ambiguous: true, context: [order]}
  - {id: o2, name: O2, sector: telecom, handles: {x: [O2]}, aliases: [O2], ambiguous: true, context: [signal, network]}
`))
	if err != nil {
		tb.Fatal(err)
	}
	e, err := New(reg, Config{ReplyCacheSize: 1024})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func testMention(platform, author, text string) *mention.Mention {
	now := time.Now().UTC()
	return &mention.Mention{
		V: mention.Version, ID: platform + ":1", Platform: platform, NativeID: "1", CreatedAt: now, IngestedAt: now,
		Source: "fuzz", Author: mention.Author{ID: author, Handle: author}, Text: text, ConversationID: platform + ":1",
		InReplyTo: platform + ":0",
	}
}
