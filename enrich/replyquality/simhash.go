package replyquality

import (
	"math/bits"
	"sync"
)

// Near-duplicate detection: a 64-bit SimHash (Charikar 2002) over the
// normalised reply's word unigrams and bigrams, compared with the same
// brand's replies of the window. The index of a brand is a ring buffer of
// at most MaxPerBrand entries (in insertion order, evicted oldest first),
// the entries grouped by exact hash, and for each of the eight 8-bit bands
// of the hash a bucket table of groups: a query looks only at the groups
// that share a band with it (pigeonhole: any two hashes within 7 bits share
// at least one band), so its cost is O(distinct hashes / 256 × 8), not
// O(entries), and is capped at maxCandidates comparisons.

const nBands = 8

// simhash of the feature hashes of a text: bit b is set when more than
// half of the features have bit b set. The per-bit counts are kept eight
// at a time in the bytes of eight words (SWAR), flushed every 255 features.
func simhash(feats []uint64) uint64 {
	if len(feats) == 0 {
		return 0
	}
	const lanes = 0x0101010101010101
	var counts [64]int
	for start := 0; start < len(feats); start += 255 {
		var acc [8]uint64 // byte k of acc[j] counts bit 8k+j
		for _, f := range feats[start:min(len(feats), start+255)] {
			for j := 0; j < 8; j++ {
				acc[j] += (f >> j) & lanes
			}
		}
		for j := 0; j < 8; j++ {
			for k := 0; k < 8; k++ {
				counts[8*k+j] += int(acc[j] >> (8 * k) & 0xff)
			}
		}
	}
	var h uint64
	n := len(feats)
	for b := 0; b < 64; b++ {
		if 2*counts[b] > n {
			h |= 1 << b
		}
	}
	return h
}

// fnv64 is FNV-1a, finished with a SplitMix64 step so that the bits of
// short features are well spread.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix(h)
}

func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

type entry struct {
	id uint64 // hash of the mention id
	t  int64  // created_at, Unix seconds
	g  int32  // its group
}

// group holds the entries of one exact SimHash: a brand that sends one
// template thousands of times a week has one group for it, so a query
// compares each distinct hash once and the band tables stay small.
type group struct {
	h      uint64
	count  int32
	newest int64
	pos    [nBands]int32 // index in each band's bucket
}

// brandIndex is one brand's window.
type brandIndex struct {
	mu         sync.Mutex
	ring       []entry
	head, tail int // next write, oldest
	n          int
	newest     int64 // the latest created_at inserted (valid once seen)
	seen       bool
	groups     []group
	free       []int32
	byHash     map[uint64]int32
	buckets    [nBands][256][]int32 // group indexes
	ids        map[uint64]int32     // mention id hash → ring slot
}

func newBrandIndex(capacity int) *brandIndex {
	return &brandIndex{ring: make([]entry, 0, min(capacity, 1024)), ids: map[uint64]int32{}, byHash: map[uint64]int32{}}
}

// Query bounds: a query stops counting near-duplicates at maxDups and
// compares at most maxCandidates distinct hashes, so that no brand's
// window makes a reply expensive.
const (
	maxDups       = 1000
	maxCandidates = 1024
)

// match is the result of a query.
type match struct {
	best float64 // highest similarity, 0 with no candidate
	dups int     // entries within maxBits (at most maxDups)
}

func band(h uint64, b int) uint8 { return uint8(h >> (8 * b)) }

// query compares h with the brand's entries whose group has a member
// created within window seconds before t (or later), skipping the entry of
// the same id.
func (x *brandIndex) query(id uint64, t int64, h uint64, window int64, maxBits int) match {
	var m match
	self := int32(-1)
	if slot, ok := x.ids[id]; ok {
		self = x.ring[slot].g
	}
	examined := 0
	for b := 0; b < nBands; b++ {
		for _, gi := range x.buckets[b][band(h, b)] {
			if m.dups >= maxDups || examined >= maxCandidates {
				return m
			}
			g := &x.groups[gi]
			seen := false // already compared through an earlier band
			for a := 0; a < b; a++ {
				if band(g.h, a) == band(h, a) {
					seen = true
					break
				}
			}
			count := int(g.count)
			if gi == self {
				count--
			}
			if seen || count <= 0 || g.newest < t-window {
				continue
			}
			examined++
			d := bits.OnesCount64(g.h ^ h)
			if s := 1 - float64(d)/64; s > m.best {
				m.best = s
			}
			if d <= maxBits {
				m.dups = min(maxDups, m.dups+count)
			}
		}
	}
	return m
}

// insert remembers a reply, first dropping entries older than the window
// before the newest one, and the oldest entry when the ring is full. A
// reply already in the index (same id) is not inserted again.
func (x *brandIndex) insert(id uint64, t int64, h uint64, window int64, capacity int) {
	if _, dup := x.ids[id]; dup {
		return
	}
	if t > x.newest || !x.seen {
		x.newest, x.seen = t, true
	}
	for x.n > 0 && x.ring[x.tail].t < x.newest-window {
		x.evict(capacity)
	}
	if x.n == capacity {
		x.evict(capacity)
	}
	gi, ok := x.byHash[h]
	if !ok {
		if n := len(x.free); n > 0 {
			gi = x.free[n-1]
			x.free = x.free[:n-1]
		} else {
			gi = int32(len(x.groups))
			x.groups = append(x.groups, group{})
		}
		g := &x.groups[gi]
		*g = group{h: h, newest: t}
		for b := 0; b < nBands; b++ {
			k := band(h, b)
			g.pos[b] = int32(len(x.buckets[b][k]))
			x.buckets[b][k] = append(x.buckets[b][k], gi)
		}
		x.byHash[h] = gi
	}
	g := &x.groups[gi]
	g.count++
	if t > g.newest {
		g.newest = t
	}
	if len(x.ring) < capacity && x.head == len(x.ring) {
		x.ring = append(x.ring, entry{})
	}
	slot := x.head
	x.ring[slot] = entry{id: id, t: t, g: gi}
	x.ids[id] = int32(slot)
	x.head = (x.head + 1) % capacity
	x.n++
}

func (x *brandIndex) evict(capacity int) {
	e := x.ring[x.tail]
	g := &x.groups[e.g]
	g.count--
	if g.count == 0 {
		for b := 0; b < nBands; b++ {
			k := band(g.h, b)
			bk := x.buckets[b][k]
			p := g.pos[b]
			last := bk[len(bk)-1]
			bk[p] = last
			x.groups[last].pos[b] = p
			x.buckets[b][k] = bk[:len(bk)-1]
		}
		delete(x.byHash, g.h)
		x.free = append(x.free, e.g)
	}
	delete(x.ids, e.id)
	x.tail = (x.tail + 1) % capacity
	x.n--
}
