package brands

import (
	"hash/maphash"
	"sync"
)

// replyCache remembers which brand wrote a post: a bounded LRU map from a
// mention id to a brand index, safe for concurrent use.
//
// Ids are stored as 64-bit hashes (maphash, a random seed per cache): with
// a million entries the chance that a look-up hits a wrong entry is about
// 1e6 / 2^64 ≈ 5e-14, and an entry costs about 50 bytes instead of the id's
// length plus string and pointer overhead. It is sharded to keep workers from
// contending on one lock.
type replyCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

const cacheShards = 16

type cacheShard struct {
	mu         sync.Mutex
	capacity   int
	index      map[uint64]int32
	keys       []uint64
	vals       []uint16
	prev, next []int32 // doubly linked list, most recent at head
	head, tail int32
}

// newReplyCache returns a cache holding up to size entries in total
// (at least one per shard).
func newReplyCache(size int) *replyCache {
	c := &replyCache{seed: maphash.MakeSeed()}
	per := max(1, (size+cacheShards-1)/cacheShards)
	for i := range c.shards {
		c.shards[i] = cacheShard{capacity: per, index: map[uint64]int32{}, head: -1, tail: -1}
	}
	return c
}

func (c *replyCache) hash(id string) uint64 { return maphash.String(c.seed, id) }

// Get returns the brand index stored for id and marks it recently used.
func (c *replyCache) Get(id string) (uint16, bool) {
	h := c.hash(id)
	s := &c.shards[h%cacheShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[h]
	if !ok {
		return 0, false
	}
	s.toFront(i)
	return s.vals[i], true
}

// Put stores id → brand, evicting the least recently used entry of its
// shard when full.
func (c *replyCache) Put(id string, brand uint16) {
	h := c.hash(id)
	s := &c.shards[h%cacheShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.index[h]; ok {
		s.vals[i] = brand
		s.toFront(i)
		return
	}
	var i int32
	if len(s.keys) < s.capacity {
		i = int32(len(s.keys))
		s.keys = append(s.keys, h)
		s.vals = append(s.vals, brand)
		s.prev = append(s.prev, -1)
		s.next = append(s.next, -1)
	} else {
		i = s.tail
		s.unlink(i)
		delete(s.index, s.keys[i])
		s.keys[i], s.vals[i] = h, brand
	}
	s.index[h] = i
	s.pushFront(i)
}

// Len returns the number of entries.
func (c *replyCache) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.index)
		s.mu.Unlock()
	}
	return n
}

func (s *cacheShard) unlink(i int32) {
	p, n := s.prev[i], s.next[i]
	if p >= 0 {
		s.next[p] = n
	} else {
		s.head = n
	}
	if n >= 0 {
		s.prev[n] = p
	} else {
		s.tail = p
	}
	s.prev[i], s.next[i] = -1, -1
}

func (s *cacheShard) pushFront(i int32) {
	s.prev[i] = -1
	s.next[i] = s.head
	if s.head >= 0 {
		s.prev[s.head] = i
	}
	s.head = i
	if s.tail < 0 {
		s.tail = i
	}
}

func (s *cacheShard) toFront(i int32) {
	if s.head == i {
		return
	}
	s.unlink(i)
	s.pushFront(i)
}
