package detect

import (
	"sort"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

// Post is one customer post as the detector sees it: enough to count its
// terms and contact reasons and to quote it as an example.
type Post struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Text      string    `json:"text"`
	// Label is the sentiment label: positive, neutral, negative ("" is
	// neutral).
	Label   string   `json:"sentiment"`
	Reasons []string `json:"contact_reasons,omitempty"`
}

// Bucket is one brand's customer posts in one bucket [Start, Start+Bucket):
// posts that mention the brand (addressed to it or only about it) and are
// not written by any brand's official account, each counted once.
type Bucket struct {
	Brand    string
	Start    time.Time
	Volume   int // customer posts
	Negative int // of which labelled negative
	Positive int // of which labelled positive
	// TermPosts is the number of non-positive posts whose terms are in
	// Terms (all of them, or the sample the source read).
	TermPosts int
	// Terms counts, per term, the non-positive posts that contain it;
	// Reasons the same per contact reason.
	Terms   map[string]int
	Reasons map[string]int
	// PositivePosts and PositiveTerms are the same for positive posts
	// (what a viral spike is made of).
	PositivePosts int
	PositiveTerms map[string]int
	// Examples are up to maxBucketExamples posts, negative ones first.
	Examples []Post
}

// maxBucketExamples bounds the examples a bucket keeps.
const maxBucketExamples = 8

// NewBucket returns an empty bucket.
func NewBucket(brand string, start time.Time) *Bucket {
	return &Bucket{Brand: brand, Start: start.UTC(), Terms: map[string]int{}, Reasons: map[string]int{}, PositiveTerms: map[string]int{}}
}

// Add counts a post: its volume, its sentiment and (when not positive)
// its terms and reasons.
func (b *Bucket) Add(p Post) {
	b.Volume++
	switch p.Label {
	case mention.SentimentNegative:
		b.Negative++
	case mention.SentimentPositive:
		b.Positive++
	}
	b.AddText(p)
}

// AddText counts a post's terms and reasons and keeps it as an example,
// without counting its volume (the source counted that already).
func (b *Bucket) AddText(p Post) {
	if b.Terms == nil {
		b.Terms, b.Reasons = map[string]int{}, map[string]int{}
	}
	if p.Label == mention.SentimentPositive {
		if b.PositiveTerms == nil {
			b.PositiveTerms = map[string]int{}
		}
		b.PositivePosts++
		for _, t := range Terms(p.Text) {
			b.PositiveTerms[t]++
		}
		b.keepExample(p)
		return
	}
	b.TermPosts++
	for _, t := range Terms(p.Text) {
		b.Terms[t]++
	}
	seen := map[string]bool{}
	for _, r := range p.Reasons {
		if r != "" && !seen[r] {
			seen[r] = true
			b.Reasons[r]++
		}
	}
	b.keepExample(p)
}

func (b *Bucket) keepExample(p Post) {
	rank := func(q Post) int {
		switch q.Label {
		case mention.SentimentNegative:
			return 0
		case mention.SentimentPositive:
			return 2
		}
		return 1
	}
	if len(b.Examples) < maxBucketExamples {
		b.Examples = append(b.Examples, p)
	} else if last := b.Examples[len(b.Examples)-1]; rank(p) < rank(last) {
		b.Examples[len(b.Examples)-1] = p
	} else {
		return
	}
	sort.SliceStable(b.Examples, func(i, j int) bool { return rank(b.Examples[i]) < rank(b.Examples[j]) })
}

// BucketStart is the start of the bucket of t: the same bucketing as the
// ClickHouse source, toDateTime(intDiv(toUInt32(created_at), s) * s).
func BucketStart(t time.Time, bucket time.Duration) time.Time {
	s := int64(bucket / time.Second)
	u := t.Unix()
	return time.Unix(u-((u%s)+s)%s, 0).UTC()
}

// Aggregate buckets enriched mentions the way the ClickHouse source does:
// each mention once per id (the last one given wins), for every distinct
// brand it mentions, when no brand's official account wrote it. The result
// maps bucket start (Unix seconds) to the buckets of that time, sorted by
// brand.
func Aggregate(ms []*mention.Mention, bucket time.Duration) map[int64][]*Bucket {
	byID := make(map[string]*mention.Mention, len(ms))
	order := make([]string, 0, len(ms))
	for _, m := range ms {
		if _, ok := byID[m.ID]; !ok {
			order = append(order, m.ID)
		}
		byID[m.ID] = m
	}
	type key struct {
		at    int64
		brand string
	}
	acc := map[key]*Bucket{}
	for _, id := range order {
		m := byID[id]
		if m.AuthorBrand != "" || len(m.Brands) == 0 {
			continue
		}
		p := Post{ID: m.ID, CreatedAt: m.CreatedAt.UTC(), Text: m.Text}
		if m.Sentiment != nil {
			p.Label = m.Sentiment.Label
		}
		for _, r := range m.ContactReason {
			p.Reasons = append(p.Reasons, r.Reason)
		}
		start := BucketStart(m.CreatedAt, bucket)
		seen := map[string]bool{}
		for _, bm := range m.Brands {
			if seen[bm.Brand] || bm.Brand == "" {
				continue
			}
			seen[bm.Brand] = true
			k := key{start.Unix(), bm.Brand}
			b := acc[k]
			if b == nil {
				b = NewBucket(bm.Brand, start)
				acc[k] = b
			}
			b.Add(p)
		}
	}
	out := map[int64][]*Bucket{}
	for k, b := range acc {
		out[k.at] = append(out[k.at], b)
	}
	for _, bs := range out {
		sort.Slice(bs, func(i, j int) bool { return bs[i].Brand < bs[j].Brand })
	}
	return out
}
