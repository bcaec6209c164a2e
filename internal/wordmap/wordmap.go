// Package wordmap is a read-only map from words to small values, built
// once from a Go map and looked up on the enrichers' hot paths.
//
// A Go map[string]V with a hundred thousand words is several megabytes of
// groups and key headers, and a look-up touches a control word, a slot
// and the key's bytes elsewhere in memory: three cache misses for a table
// larger than the cache. A Map keeps, per slot, a 64-bit hash of the word
// and the value side by side in one flat array at most half full, so a
// look-up is one hash of the word and (nearly always) one cache line.
//
// The words themselves are not kept: two words are told apart by their
// 64-bit hashes alone, with a seed drawn when the map is built (so no one
// can choose a word that collides with a given key). New draws another
// seed when two keys collide. An absent word is taken for a key with a
// probability of about Len()/2⁶⁴ per look-up (10⁻¹⁴ for 10⁵ words).
package wordmap

import (
	"hash/maphash"
)

// Map is a read-only map from words to values of type V, safe for
// concurrent use. The zero Map is empty.
type Map[V any] struct {
	seed  maphash.Seed
	slots []slot[V]
	mask  uint64
	n     int
	mix   uint64 // odd multiplier of NewUint64's keys
}

// slot is a key's hash (0: empty; a hash of 0 is stored as 1) and its
// value.
type slot[V any] struct {
	h uint64
	v V
}

// empty returns a Map with a fresh seed and room for n keys: a power of
// two of at least 16 slots, at most half of them to be filled.
func empty[V any](n int) *Map[V] {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return &Map[V]{seed: maphash.MakeSeed(), slots: make([]slot[V], size), mask: uint64(size - 1), n: n}
}

// New returns a Map of the words and values of m.
func New[V any](m map[string]V) *Map[V] {
	for {
		w := empty[V](len(m))
		if w.fill(m) {
			return w
		}
		// Two keys share a 64-bit hash under this seed (about one build
		// in 10⁹ for 10⁵ words): draw another.
	}
}

// fill inserts every key of m, false when two keys' hashes are equal.
func (w *Map[V]) fill(m map[string]V) bool {
	for k, v := range m {
		if !w.insert(w.hash(maphash.String(w.seed, k)), v) {
			return false
		}
	}
	return true
}

// insert stores the hash h with v, false when h is already stored.
func (w *Map[V]) insert(h uint64, v V) bool {
	i := h & w.mask
	for w.slots[i].h != 0 {
		if w.slots[i].h == h {
			return false
		}
		i = (i + 1) & w.mask
	}
	w.slots[i] = slot[V]{h: h, v: v}
	return true
}

func (w *Map[V]) hash(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// Get returns the value of the word b and whether it is a key.
func (w *Map[V]) Get(b []byte) (V, bool) {
	if w.n == 0 {
		var zero V
		return zero, false
	}
	return w.find(w.hash(maphash.Bytes(w.seed, b)))
}

// GetString returns the value of the word s and whether it is a key.
func (w *Map[V]) GetString(s string) (V, bool) {
	if w.n == 0 {
		var zero V
		return zero, false
	}
	return w.find(w.hash(maphash.String(w.seed, s)))
}

func (w *Map[V]) find(h uint64) (V, bool) {
	for i := h & w.mask; ; i = (i + 1) & w.mask {
		s := &w.slots[i]
		if s.h == h {
			return s.v, true
		}
		if s.h == 0 {
			var zero V
			return zero, false
		}
	}
}

// NewUint64 returns a Map keyed by integers (such as a trigram packed into
// a uint64) instead of words, looked up with GetUint64. Each key is mixed
// by a seeded bijection of uint64 before it is stored, so keys are told
// apart exactly but for the one key per seed that mixes to 0 (stored, as a
// word's hash of 0 is, as 1): an absent key is taken for a key with a
// probability of 2⁻⁶⁴ per look-up.
func NewUint64[V any](m map[uint64]V) *Map[V] {
	for {
		w := empty[V](len(m))
		w.mix = maphash.Comparable(w.seed, uint64(0)) | 1
		if w.fillUint64(m) {
			return w
		}
		// One key mixed to 0 and another to 1 (both stored as 1):
		// draw another seed.
	}
}

func (w *Map[V]) fillUint64(m map[uint64]V) bool {
	for k, v := range m {
		if !w.insert(w.hash(w.mixUint64(k)), v) {
			return false
		}
	}
	return true
}

// mixUint64 is a bijection of uint64 (an xor-shift, a multiplication by
// the odd seed-derived w.mix and another xor-shift) whose low bits, which
// pick the slot, depend on every bit of k.
func (w *Map[V]) mixUint64(k uint64) uint64 {
	k ^= k >> 33
	k *= w.mix
	k ^= k >> 29
	k *= 0x9e3779b97f4a7c15
	return k ^ k>>32
}

// GetUint64 returns the value of the key k of a Map built by NewUint64 and
// whether it is a key.
func (w *Map[V]) GetUint64(k uint64) (V, bool) {
	if w.n == 0 {
		var zero V
		return zero, false
	}
	return w.find(w.hash(w.mixUint64(k)))
}

// Has reports whether the word s is a key.
func (w *Map[V]) Has(s string) bool {
	_, ok := w.GetString(s)
	return ok
}

// Len is the number of keys.
func (w *Map[V]) Len() int { return w.n }
