package entities

import (
	"context"
	"fmt"
	"testing"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

func TestProducts(t *testing.T) {
	reg, err := registry.Parse([]byte(`brands:
  - id: apple
    name: Apple
    sector: tech
    handles: {x: [AppleSupport]}
    aliases: [Apple]
    products: [iPhone, Apple Watch, AirPods Pro, AirPods, Kindle]
  - id: playstation
    name: PlayStation
    sector: gaming
    handles: {x: [AskPlayStation]}
    products: [PS5, PlayStation Plus]
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Enabled: true, Products: true, MaxTokens: 100}
	e, err := New(cfg, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		text string
		want []string // "text" of each product, in order
	}{
		{"my iPhone died", []string{"iPhone"}},
		{"my iphone died", []string{"iphone"}},                              // any case
		{"#iPhone won't charge", []string{"iPhone"}},                        // the hashtag, without '#'
		{"iPhone 15 Pro Max screen cracked", []string{"iPhone 15 Pro Max"}}, // model tokens
		{"iPhone 2 hours of battery", []string{"iPhone"}},                   // a quantity, not a model
		{"my AirPods Pro 2 arrived broken, Apple Watch too", []string{"AirPods Pro 2", "Apple Watch"}},
		{"iPhone 2 or 3 times a day", []string{"iPhone"}}, // "or" after a number: a quantity
		{"AirPods are great", []string{"AirPods"}},        // the longest name first, the shorter one too
		{"the PS5 and PlayStation Plus are down", []string{"PS5", "PlayStation Plus"}},
		{"PlayStation is down", nil}, // a brand alias, not a product
		{"my Kindle froze", []string{"Kindle"}},
		{"KINDLE froze", []string{"KINDLE"}},
		{"kindle a fire", nil},                           // a plain word needs its capital
		{"iPhone, 15 minutes later", []string{"iPhone"}}, // punctuation ends it
		{"iPhones", nil}, // whole tokens only
		{"", nil},
	} {
		t.Run(tt.text, func(t *testing.T) {
			m := &mention.Mention{Text: tt.text}
			if err := e.Enrich(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, en := range m.Entities {
				if en.Type != TypeProduct {
					t.Errorf("entity %+v: want only products", en)
				}
				if tt.text[en.Start:en.End] != en.Text {
					t.Errorf("entity %+v: span is %q", en, tt.text[en.Start:en.End])
				}
				got = append(got, en.Text)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("products %q, want %q", got, tt.want)
			}
		})
	}
}

// TestProductsWithRules: a product is not also reported as a tagger name,
// and identifiers keep their spans.
func TestProductsWithRules(t *testing.T) {
	e := newEnricher(t, DefaultConfig())
	m := &mention.Mention{Text: "@AppleSupport my iPhone 12 has been stuck since the iOS update, order W123456789"}
	if err := e.Enrich(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, en := range m.Entities {
		if prev, dup := got[en.Text]; dup {
			t.Errorf("%q reported twice (%s, %s)", en.Text, prev, en.Type)
		}
		got[en.Text] = en.Type
	}
	for i := 1; i < len(m.Entities); i++ {
		if m.Entities[i].Start < m.Entities[i-1].Start {
			t.Errorf("entities not sorted by start: %+v", m.Entities)
		}
	}
	for text, typ := range map[string]string{"iPhone 12": TypeProduct, "iOS": TypeProduct} {
		if got[text] != typ {
			t.Errorf("%q: type %q, want %q (all: %v)", text, got[text], typ, got)
		}
	}
	// Off: the registry's products are only a gazetteer feature of the tagger.
	cfg := DefaultConfig()
	cfg.Products = false
	off := newEnricher(t, cfg)
	m2 := &mention.Mention{Text: m.Text}
	if err := off.Enrich(context.Background(), m2); err != nil {
		t.Fatal(err)
	}
	for _, en := range m2.Entities {
		if en.Text == "iPhone 12" {
			t.Errorf("products off: %+v", en)
		}
	}
}

// TestRulesSorted: with the tagger off, an identifier found before an
// earlier product still comes after it.
func TestRulesSorted(t *testing.T) {
	e := newEnricher(t, Config{Enabled: true, Identifiers: true, Products: true, MaxTokens: 100})
	got := e.Find(nil, "my iPhone from order 112-1234567-1234567 and flight KL1234")
	var texts []string
	for _, en := range got {
		texts = append(texts, en.Text)
	}
	if want := "[iPhone 112-1234567-1234567 KL1234]"; fmt.Sprint(texts) != want {
		t.Errorf("entities %v, want %s in text order", texts, want)
	}
}

func TestRegistryWithoutProducts(t *testing.T) {
	reg, err := registry.Parse([]byte("brands:\n  - id: klm\n    name: KLM\n    sector: airline\n    handles: {x: [KLM]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if pm := NewProducts(reg); pm != nil {
		t.Errorf("matcher %+v for a registry without products, want nil", pm)
	}
}

// TestOverrideWords: on pre-tokenized words (CoNLL files) a product
// replaces the tagger's spans it overlaps.
func TestOverrideWords(t *testing.T) {
	reg, err := registry.Parse([]byte("brands:\n  - id: apple\n    name: Apple\n    sector: tech\n    handles: {x: [AppleSupport]}\n    products: [iPhone, Apple Watch]\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := NewProducts(reg)
	words := []string{"my", "#iPhone", "12", "died", ",", "Apple", "Watch", "from", "Tim", "Cook"}
	pred := []WordSpan{{Start: 5, End: 6, Type: TypeOrganisation}, {Start: 8, End: 10, Type: TypePerson}}
	got := p.overrideWords(pred, words)
	want := []WordSpan{{Start: 8, End: 10, Type: TypePerson}, {Start: 1, End: 3, Type: TypeProduct}, {Start: 5, End: 7, Type: TypeProduct}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := p.overrideWords(pred[:1], []string{"no", "products", "here", "at", "all"}); fmt.Sprint(got) != fmt.Sprint(pred[:1]) {
		t.Errorf("without products: %v", got)
	}
}

func BenchmarkProducts(b *testing.B) {
	e := newEnricher(b, DefaultConfig())
	text := "@AppleSupport my iPhone 15 Pro Max keeps crashing since the iOS 17 update and my AirPods won't connect"
	var dst []mention.Entity
	b.ReportAllocs()
	for b.Loop() {
		dst = e.Find(dst[:0], text)
	}
}
