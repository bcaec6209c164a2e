// Package replyquality is the enricher that scores outbound brand replies:
// the empathy score and its named parts, the deflection channel, the canned
// similarity to the same brand's recent replies, and personalisation
// (DESIGN.md, "Empathy score", "Deflection rate", "Canned rate").
//
// # Which mentions
//
// Only a brand's reply to someone: m.Direction is "outbound", or
// m.AuthorBrand is set and m.InReplyTo is set. Every other mention gets
// ReplyQuality nil. The enricher runs after brands (which sets AuthorBrand
// and Direction) and after pii (so it reads, hashes and stores only
// redacted text; "[phone]" and "[email]" placeholders count as phone and
// e-mail deflection).
//
// # Empathy score (0–100)
//
// The sum of named parts, clamped to 0..100 (Parts holds each part's
// points; a part that is not found is 0 and left out):
//
//	acknowledgement  +25  names the customer's specific problem or feeling ("sorry your order is late", "I understand", "Oh no!")
//	apology          +15  says sorry / apologises; +7.5 when the apology is formulaic ("sorry for any inconvenience") or the reply is canned
//	personal         +10  uses the customer's name; +5 signed by an agent ("^JS", "-Anna", "/AB")
//	ownership        +20  the agent commits to act or has acted ("I'll", "we'll look into", "I've escalated")
//	next_step        +25  the answer, a concrete instruction, what happens next, or a specific diagnostic question, in the open
//	deflection       −15  moves the customer to DM, phone, e-mail, a web form or a store
//	blame            −20  puts the problem back on the customer ("you should have", "between you and the seller")
//
// The positive parts add up to 100: a reply that acknowledges, apologises
// sincerely, is personal, owns the problem and solves it in the open scores
// 100.
//
// # Deflection
//
// One of dm, phone, email, web, store, none: the channel the reply moves the
// conversation to. When several are named, the first of dm, phone, email,
// web, store (a "DM us your e-mail address" is dm). A link to a help article
// that answers the question is not a deflection; "reach us here: <link>",
// a form, a chat or a community forum is web.
//
// # Canned
//
// Canned is the highest SimHash similarity (1 − Hamming distance/64, 0 when
// no reply shares a band) between the reply and the same brand's replies of
// the trailing Window (7 days) by created_at; CannedDups is how many of them
// are near-duplicates (distance ≤ NearDupBits). Before hashing, the text is
// normalised: lower case, @handles removed, URLs, numbers, the customer's
// name and the agent's signature masked, so that the same template sent to
// two customers by two agents hashes the same. A reply is canned (DESIGN's
// canned rate) when CannedDups ≥ CannedMinDups.
//
// Memory is bounded: per brand a ring buffer of at most MaxPerBrand replies
// with eight band tables for O(1) candidate lookup, at most MaxBrands
// brands. The index lives in memory; after a restart it is rebuilt with
// Rebuild from the replies stored in ClickHouse (RebuildQuery), or it warms
// up again as replies flow (the first week's canned scores are then low).
// With several enrich processes each indexes the replies of the
// conversations on its partitions, so a brand's window is split between them
// — run the enrich group with one process per brand shard, or accept that
// canned scores see a share of the brand's replies.
package replyquality

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/telemetry"
)

// Version is recorded in the pipeline's version string.
const Version = "1"

// Weights of the empathy parts (see the package documentation).
const (
	WeightAcknowledgement = 25
	WeightApology         = 15
	WeightName            = 10
	WeightSignature       = 5
	WeightOwnership       = 20
	WeightNextStep        = 25
	WeightDeflection      = -15
	WeightBlame           = -20
)

// Part names, the keys of mention.ReplyQuality.Parts.
const (
	PartAcknowledgement = "acknowledgement"
	PartApology         = "apology"
	PartPersonal        = "personal"
	PartOwnership       = "ownership"
	PartNextStep        = "next_step"
	PartDeflection      = "deflection"
	PartBlame           = "blame"
)

// RebuildQuery selects the brand replies of the trailing window for
// Rebuild: bind the window's start (a DateTime, e.g. now − 7 days) to both
// placeholders and format %[1]s with the (validated) database name. It runs
// on ClickHouse 18.16 and current releases (old-style ANY INNER JOIN,
// deduplication by id). Rows come in created_at order.
const RebuildQuery = `SELECT id, reply_brand, reply_at, reply_text
FROM
(
    SELECT id, any(author_brand) AS reply_brand, min(created_at) AS reply_at
    FROM %[1]s.replies
    WHERE created_at >= ?
    GROUP BY id
) AS r
ANY INNER JOIN
(
    SELECT id, argMax(text, version) AS reply_text
    FROM %[1]s.mentions
    WHERE created_at >= ? AND author_brand != ''
    GROUP BY id
) AS m USING (id)
ORDER BY reply_at, id`

// Reply is one stored brand reply, for Rebuild.
type Reply struct {
	ID        string
	Brand     string
	CreatedAt time.Time
	Text      string
}

// Enricher implements enrich.Enricher. It is safe for concurrent use.
type Enricher struct {
	cfg    Config
	window int64

	mu     sync.RWMutex
	brands map[string]*brandIndex

	pool sync.Pool // *scratch

	replies   *prometheus.CounterVec
	byChannel map[string]prometheus.Counter
	canned    prometheus.Counter
	unindexed prometheus.Counter
	indexed   prometheus.GaugeFunc
}

type scratch struct {
	b     strings.Builder
	feats []uint64
}

// New returns the enricher. reg may be nil (no metrics).
func New(cfg Config, reg prometheus.Registerer) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Enricher{cfg: cfg, window: int64(cfg.Window / time.Second), brands: map[string]*brandIndex{}}
	e.pool.New = func() any { return &scratch{feats: make([]uint64, 0, 64)} }
	e.replies = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "enrich_reply_quality", Name: "replies_total",
		Help: "Outbound brand replies scored, by deflection channel (dm, phone, email, web, store, none).",
	}, []string{"deflection"})
	e.byChannel = map[string]prometheus.Counter{}
	for _, c := range Channels {
		e.byChannel[c] = e.replies.WithLabelValues(c)
	}
	e.canned = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "enrich_reply_quality", Name: "canned_replies_total",
		Help: "Outbound brand replies with at least canned_min_dups near-duplicates in the brand's window.",
	})
	e.unindexed = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "enrich_reply_quality", Name: "unindexed_total",
		Help: "Replies not indexed for canned detection because max_brands brands already have an index.",
	})
	e.indexed = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: telemetry.Namespace, Subsystem: "enrich_reply_quality", Name: "indexed_replies",
		Help: "Brand replies currently held in the canned-detection windows.",
	}, func() float64 { return float64(e.Indexed()) })
	if reg != nil {
		for _, c := range []prometheus.Collector{e.replies, e.canned, e.unindexed, e.indexed} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return "reply_quality" }

// Version implements enrich.Versioned.
func (e *Enricher) Version() string { return Version }

// IsReply reports whether m is an outbound brand reply.
func IsReply(m *mention.Mention) bool {
	return m.Direction == mention.DirectionOutbound || (m.AuthorBrand != "" && m.InReplyTo != "")
}

// Enrich sets m.ReplyQuality for an outbound brand reply (nil otherwise),
// and adds the reply to its brand's window.
func (e *Enricher) Enrich(_ context.Context, m *mention.Mention) error {
	if !IsReply(m) {
		m.ReplyQuality = nil
		return nil
	}
	brand := m.AuthorBrand
	if brand == "" {
		brand = m.Author.ID
	}
	q := e.score(brand, m.ID, m.CreatedAt, m.Text, true)
	m.ReplyQuality = &q
	e.byChannel[q.Deflection].Inc()
	if q.CannedDups >= e.cfg.CannedMinDups {
		e.canned.Inc()
	}
	return nil
}

// Assess scores a reply against the brand's window without adding it (for
// evaluation and what-if tools).
func (e *Enricher) Assess(brand, id string, createdAt time.Time, text string) mention.ReplyQuality {
	return e.score(brand, id, createdAt, text, false)
}

// Add adds a reply to its brand's window without scoring it.
func (e *Enricher) Add(r Reply) {
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	n := normalise(r.Text, &s.b)
	h, ok := e.hash(s, n, findName(r.Text), findSignature(r.Text))
	if !ok {
		return
	}
	if x := e.index(r.Brand, true); x != nil {
		x.mu.Lock()
		x.insert(fnv64(r.ID), r.CreatedAt.Unix(), h, e.window, e.cfg.MaxPerBrand)
		x.mu.Unlock()
	}
}

// Rebuild replaces every window with the given replies (in created_at
// order, e.g. the rows of RebuildQuery). It returns how many it added; on
// an error from the sequence or a cancelled context it stops and returns
// what it added so far with the error, leaving a partial index that still
// works.
func (e *Enricher) Rebuild(ctx context.Context, replies iter.Seq2[Reply, error]) (int, error) {
	e.mu.Lock()
	e.brands = map[string]*brandIndex{}
	e.mu.Unlock()
	n := 0
	for r, err := range replies {
		if err != nil {
			return n, fmt.Errorf("reply_quality: rebuild: %w", err)
		}
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		if r.Brand == "" || r.ID == "" {
			continue
		}
		e.Add(r)
		n++
	}
	return n, nil
}

// Indexed is the number of replies held in all windows.
func (e *Enricher) Indexed() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	n := 0
	for _, x := range e.brands {
		x.mu.Lock()
		n += x.n
		x.mu.Unlock()
	}
	return n
}

func (e *Enricher) index(brand string, create bool) *brandIndex {
	e.mu.RLock()
	x := e.brands[brand]
	e.mu.RUnlock()
	if x != nil || !create {
		return x
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if x = e.brands[brand]; x == nil {
		if len(e.brands) >= e.cfg.MaxBrands {
			e.unindexed.Inc()
			return nil
		}
		x = newBrandIndex(e.cfg.MaxPerBrand)
		e.brands[brand] = x
	}
	return x
}

func (e *Enricher) score(brand, id string, createdAt time.Time, text string, add bool) mention.ReplyQuality {
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	n := normalise(text, &s.b)
	f := detect(n)
	f.Name = findName(text)
	f.Signature = findSignature(text)

	var m match
	if h, ok := e.hash(s, n, f.Name, f.Signature); !ok {
		// nothing to compare
	} else if x := e.index(brand, add); x != nil {
		idh, t := fnv64(id), createdAt.Unix()
		x.mu.Lock()
		m = x.query(idh, t, h, e.window, e.cfg.NearDupBits)
		if add {
			x.insert(idh, t, h, e.window, e.cfg.MaxPerBrand)
		}
		x.mu.Unlock()
	}
	canned := m.dups >= e.cfg.CannedMinDups
	return build(f, m, canned)
}

func build(f Features, m match, canned bool) mention.ReplyQuality {
	parts := make(map[string]float64, 6)
	if f.Acknowledgment {
		parts[PartAcknowledgement] = WeightAcknowledgement
	}
	if f.Apology {
		w := float64(WeightApology)
		if f.CannedApology || canned {
			w /= 2
		}
		parts[PartApology] = w
	}
	personal := 0.0
	if f.Name != "" {
		personal += WeightName
	}
	if f.Signature != "" {
		personal += WeightSignature
	}
	if personal > 0 {
		parts[PartPersonal] = personal
	}
	if f.Ownership {
		parts[PartOwnership] = WeightOwnership
	}
	if f.NextStep {
		parts[PartNextStep] = WeightNextStep
	}
	if f.Deflection != DeflectNone {
		parts[PartDeflection] = WeightDeflection
	}
	if f.Blame {
		parts[PartBlame] = WeightBlame
	}
	total := 0.0
	for _, v := range parts {
		total += v
	}
	return mention.ReplyQuality{
		Empathy:    max(0, min(100, total)),
		Parts:      parts,
		Deflection: f.Deflection,
		Canned:     m.best,
		CannedDups: m.dups,
		Personal:   f.Name != "" || f.Signature != "",
		Signature:  f.Signature,
	}
}

// hash is the SimHash of a normalised reply's unigrams and bigrams, with
// numbers, URLs, the customer's name and the agent's signature masked.
//
// A reply without a word (only handles, links or emoji) is not hashed:
// ok is false, and it is neither compared nor indexed.
func (e *Enricher) hash(s *scratch, n, name, sig string) (h uint64, ok bool) {
	name = strings.ToLower(name)
	sig = strings.ToLower(strings.TrimLeft(sig, "^*/-~ "))
	feats := s.feats[:0]
	var prev uint64
	havePrev, words := false, false
	for i := 0; i < len(n); {
		for i < len(n) && !tokenByte(n[i]) {
			i++
		}
		j := i
		for j < len(n) && tokenByte(n[j]) {
			j++
		}
		if j == i {
			break
		}
		tok := n[i:j]
		i = j
		tok = strings.Trim(tok, "'")
		if tok == "" {
			continue
		}
		switch {
		case tok[0] >= '0' && tok[0] <= '9':
			tok = "0"
		case tok == name || tok == sig:
			continue
		case tok == "<url>":
		default:
			words = true
		}
		fh := fnv64(tok)
		feats = append(feats, fh)
		if havePrev {
			feats = append(feats, mix(prev*31+fh))
		}
		prev, havePrev = fh, true
	}
	s.feats = feats
	if !words {
		return 0, false
	}
	return simhash(feats), true
}

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '\'' || c == '<' || c == '>' || c >= 0x80
}
