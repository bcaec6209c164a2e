package wordmap

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestGet(t *testing.T) {
	m := New(map[string]int32{"": 7, "delayed": 1, "flight": 2, "#epicfail": 3, "naïve": 4})
	tests := []struct {
		word string
		want int32
		ok   bool
	}{
		{"delayed", 1, true},
		{"flight", 2, true},
		{"#epicfail", 3, true},
		{"naïve", 4, true},
		{"", 7, true},
		{"Delayed", 0, false},
		{"delaye", 0, false},
		{"delayedd", 0, false},
		{"zzqx", 0, false},
	}
	for _, tt := range tests {
		got, ok := m.Get([]byte(tt.word))
		if got != tt.want || ok != tt.ok {
			t.Errorf("Get(%q) = %d, %t; want %d, %t", tt.word, got, ok, tt.want, tt.ok)
		}
		got, ok = m.GetString(tt.word)
		if got != tt.want || ok != tt.ok {
			t.Errorf("GetString(%q) = %d, %t; want %d, %t", tt.word, got, ok, tt.want, tt.ok)
		}
	}
	if m.Len() != 5 {
		t.Errorf("Len = %d, want 5", m.Len())
	}
}

func TestEmpty(t *testing.T) {
	for name, m := range map[string]*Map[bool]{"zero": {}, "New(nil)": New[bool](nil)} {
		if v, ok := m.Get([]byte("a")); v || ok {
			t.Errorf("%s: Get found a word", name)
		}
		if v, ok := m.GetString(""); v || ok {
			t.Errorf("%s: GetString found the empty word", name)
		}
		if m.Len() != 0 {
			t.Errorf("%s: Len = %d", name, m.Len())
		}
	}
}

// Every key of a large map reads back its own value, and words that are
// not keys (near misses included) are absent.
func TestLargeAgainstGoMap(t *testing.T) {
	src := words(100_000, 1)
	m := New(src)
	if m.Len() != len(src) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(src))
	}
	if len(m.slots) < 2*len(src) {
		t.Fatalf("%d slots for %d words: more than half full", len(m.slots), len(src))
	}
	for w, want := range src {
		if got, ok := m.GetString(w); !ok || got != want {
			t.Fatalf("%q: got %d, %t; want %d", w, got, ok, want)
		}
		for _, near := range []string{w + "s", w[:len(w)-1], "#" + w} {
			if _, in := src[near]; in {
				continue
			}
			if _, ok := m.GetString(near); ok {
				t.Fatalf("%q is not a key but was found", near)
			}
		}
	}
}

// Two maps of the same words hash under different seeds and answer the
// same.
func TestSeedsDiffer(t *testing.T) {
	src := words(1000, 2)
	a, b := New(src), New(src)
	if a.seed == b.seed {
		t.Fatal("two maps drew the same seed")
	}
	for w, want := range src {
		if got, _ := b.GetString(w); got != want {
			t.Fatalf("%q: %d, want %d", w, got, want)
		}
	}
}

func words(n int, seed uint64) map[string]int32 {
	r := rand.New(rand.NewPCG(seed, seed))
	m := make(map[string]int32, n)
	for len(m) < n {
		l := 2 + r.IntN(10)
		b := make([]byte, l)
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		m[string(b)] = int32(len(m))
	}
	return m
}

// BenchmarkGet looks up a stream of words, two in three of them keys, in
// random order, in a Map and in the Go map it was built from. The words
// lie one after the other in one buffer read in order, as a text is, so
// what is measured is the table's own memory traffic.
func BenchmarkGet(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		src := words(n, 3)
		var text []byte
		var ends []int
		for w := range src { // random order
			text = append(text, w...)
			ends = append(ends, len(text))
			if len(ends)%3 == 0 {
				text = append(text, w+"zq"...)
				ends = append(ends, len(text))
			}
		}
		m := New(src)
		run := func(b *testing.B, get func([]byte) int32) {
			var sum int32
			i, start := 0, 0
			for b.Loop() {
				sum += get(text[start:ends[i]])
				start = ends[i]
				if i++; i == len(ends) {
					i, start = 0, 0
				}
			}
			_ = sum
		}
		b.Run(fmt.Sprintf("wordmap/%d", n), func(b *testing.B) {
			run(b, func(w []byte) int32 { v, _ := m.Get(w); return v })
		})
		b.Run(fmt.Sprintf("gomap/%d", n), func(b *testing.B) {
			run(b, func(w []byte) int32 { return src[string(w)] })
		})
	}
}

// TestUint64 checks NewUint64 against the Go map it is built from: every
// key (0 and keys that differ in one bit included) and keys it does not
// hold, and that mixing is a bijection on a sample.
func TestUint64(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	many := map[uint64]int32{}
	for i := range 50_000 {
		k := rng.Uint64()
		if i%3 == 0 {
			k = uint64(i) << 21 // structured keys, like packed trigrams
		}
		many[k] = int32(i)
	}
	for name, m := range map[string]map[uint64]int32{
		"empty":   {},
		"zero":    {0: 7},
		"one bit": {1: 1, 2: 2, 1 << 63: 3, 1<<63 | 1: 4},
		"many":    many,
	} {
		x := NewUint64(m)
		if x.Len() != len(m) {
			t.Errorf("%s: Len %d, want %d", name, x.Len(), len(m))
		}
		for k, want := range m {
			if got, ok := x.GetUint64(k); !ok || got != want {
				t.Errorf("%s: GetUint64(%#x) = %d, %v; want %d", name, k, got, ok, want)
			}
		}
		for _, k := range []uint64{0, 1, 3, 1 << 62, ^uint64(0), rng.Uint64(), rng.Uint64()} {
			if _, in := m[k]; in {
				continue
			}
			if got, ok := x.GetUint64(k); ok {
				t.Errorf("%s: GetUint64(%#x) = %d, true for a key it does not hold", name, k, got)
			}
		}
	}
	x := NewUint64(map[uint64]bool{1: true})
	seen := map[uint64]uint64{}
	for range 100_000 {
		k := rng.Uint64()
		h := x.mixUint64(k)
		if prev, ok := seen[h]; ok && prev != k {
			t.Fatalf("mixUint64(%#x) = mixUint64(%#x)", k, prev)
		}
		seen[h] = k
	}
}
