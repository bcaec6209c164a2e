package srcutil

import "sync"

// Recent is a bounded map that forgets its oldest keys first: a cache of
// what a stream said recently (a DID's handle, a status's conversation
// root). The zero capacity keeps nothing. Safe for concurrent use.
type Recent[K comparable, V any] struct {
	mu    sync.Mutex
	cap   int
	m     map[K]V
	order []K
	head  int
}

// NewRecent returns a Recent holding at most capacity keys.
func NewRecent[K comparable, V any](capacity int) *Recent[K, V] {
	return &Recent[K, V]{cap: max(capacity, 0), m: map[K]V{}}
}

// Put sets k to v.
func (r *Recent[K, V]) Put(k K, v V) {
	if r.cap == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[k]; ok {
		r.m[k] = v
		return
	}
	if len(r.order) < r.cap {
		r.order = append(r.order, k)
	} else {
		delete(r.m, r.order[r.head])
		r.order[r.head] = k
		r.head = (r.head + 1) % r.cap
	}
	r.m[k] = v
}

// Get returns k's value, or the zero value.
func (r *Recent[K, V]) Get(k K) V {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[k]
}

// Len is the number of keys held.
func (r *Recent[K, V]) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}
