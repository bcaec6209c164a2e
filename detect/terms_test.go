package detect_test

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/mention"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"@O2 no signal AGAIN!! #O2down", []string{"no", "signal", "again", "#o2down"}},
		{"Can't log in: https://x.com/a/b?c=1 see www.example.com now", []string{"can't", "log", "in", "see", "now"}},
		{"order 12345678 late, ref AB12CD", []string{"order", "late", "ref", "ab12cd"}},
		{"café’s Wi-Fi — down", []string{"café’s", "wi-fi", "down"}},
		{"", nil},
		{"#", nil},
		{"@@@ ### ---", nil},
	}
	for _, tc := range tests {
		if got := detect.Tokens(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTerms(t *testing.T) {
	got := detect.Terms("@O2 no signal and the network is down down")
	want := []string{"signal", "no signal", "signal and", "network", "the network", "network is", "down", "is down", "down down"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Terms = %q\nwant %q", got, want)
	}
	if got := detect.Terms("#Outage #outage"); !reflect.DeepEqual(got, []string{"#outage"}) {
		t.Errorf("hashtags: %q", got)
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"@O2 no signal #down https://t.co/x", "a-b-c ’x’ 12-34", "\xff\xfe#\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := detect.Tokens(s)
		if len(toks) > 64 {
			t.Fatalf("%d tokens", len(toks))
		}
		for _, tok := range toks {
			if tok == "" || tok == "#" || strings.ContainsAny(tok, " \t\n@") {
				t.Fatalf("bad token %q from %q", tok, s)
			}
			if utf8.ValidString(s) && !utf8.ValidString(tok) {
				t.Fatalf("invalid UTF-8 token %q", tok)
			}
		}
		detect.Terms(s)
	})
}

func TestBucketStart(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2026-09-16T06:04:59Z", "2026-09-16T06:00:00Z"},
		{"2026-09-16T06:05:00Z", "2026-09-16T06:05:00Z"},
		{"1969-12-31T23:58:00Z", "1969-12-31T23:55:00Z"},
	} {
		in, _ := time.Parse(time.RFC3339, tc.in)
		if got := detect.BucketStart(in, 5*time.Minute).Format(time.RFC3339); got != tc.want {
			t.Errorf("BucketStart(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// Aggregate counts each mention once per id and brand, skips posts by
// brand accounts, and counts terms only of non-positive posts.
func TestAggregate(t *testing.T) {
	at := time.Date(2026, 9, 16, 6, 1, 0, 0, time.UTC)
	mk := func(id, text, label, authorBrand string, brands ...string) *mention.Mention {
		m := &mention.Mention{ID: id, CreatedAt: at, Text: text, AuthorBrand: authorBrand, Sentiment: &mention.Sentiment{Label: label}}
		for _, b := range brands {
			m.Brands = append(m.Brands, mention.BrandMatch{Brand: b, How: "handle", Addressed: true})
		}
		return m
	}
	ms := []*mention.Mention{
		mk("sim:1", "no signal again", "negative", "", "o2", "o2"),
		mk("sim:1", "no signal again", "negative", "", "o2"), // a duplicate delivery
		mk("sim:2", "love the new plan", "positive", "", "o2", "ee"),
		mk("sim:3", "sorry to hear that", "neutral", "o2", "o2"), // the brand's reply
		mk("sim:4", "signal back?", "neutral", "", "o2"),
		mk("sim:5", "nothing about brands", "negative", ""),
	}
	got := detect.Aggregate(ms, 5*time.Minute)
	bs := got[detect.BucketStart(at, 5*time.Minute).Unix()]
	if len(got) != 1 || len(bs) != 2 || bs[0].Brand != "ee" || bs[1].Brand != "o2" {
		t.Fatalf("buckets %v", got)
	}
	o2 := bs[1]
	if o2.Volume != 3 || o2.Negative != 1 || o2.Positive != 1 || o2.TermPosts != 2 || o2.PositivePosts != 1 {
		t.Errorf("o2 counts %+v", o2)
	}
	if o2.Terms["signal"] != 2 || o2.Terms["no signal"] != 1 || o2.Terms["love"] != 0 || o2.PositiveTerms["love"] != 1 {
		t.Errorf("o2 terms %v positive %v", o2.Terms, o2.PositiveTerms)
	}
	if len(o2.Examples) != 3 || o2.Examples[0].ID != "sim:1" || o2.Examples[2].Label != "positive" {
		t.Errorf("examples %+v", o2.Examples)
	}
}
