// Package brands is the enricher that finds which brands a mention is
// addressed to or talks about, whether its author is a brand, and its
// direction. It reads the brand registry (registry.Registry).
//
// # Rules
//
// Author. AuthorBrand is set when the author's handle, or failing that the
// author's id, is an official handle of a brand on the mention's platform
// (registry.ByHandle; case-insensitive; handles under "x" also serve
// "twcs" and "sim", where a brand's author id is its handle, e.g.
// "AppleSupport"). The author's brand is listed once in Brands with How
// "author" and Addressed false; it is never an addressed brand of its own
// post, even when the post mentions its own handle (a brand post is not
// inbound to itself).
//
// Brands are found in four ways, one entry per brand with the strongest:
//
//   - "handle" (addressed): the text mentions an official handle, "@AppleSupport".
//     An "@" counts when it does not follow a letter, digit or one of
//     "_@#$&*!%" (so e-mail addresses are not mentions); the handle is 1–50
//     bytes of [A-Za-z0-9_]; on platforms other than X (bluesky, mastodon, …)
//     it may continue with ".", "-" or "@" parts ("klm.bsky.social",
//     "klm@mastodon.social"), and both the long form and its first part are
//     looked up. The "@handle" of a leading "RT @handle:" names the retweeted
//     author and is not an address.
//   - "reply" (addressed): in_reply_to is a post written by a brand's official
//     account. Brand posts are remembered as they flow through, in a bounded
//     LRU cache (Config.ReplyCacheSize); a conversation is on one partition
//     and one worker, so a brand post is seen before the replies to it. After
//     a restart, replies to brand posts seen before it are found only by their
//     handle.
//   - "hashtag" / "cashtag": "#Tesco", "#BritishAirways", "$KLM": the tag's
//     letters and digits equal an alias's letters and digits
//     (case-insensitive; "_" ignored). A cashtag starts with a letter.
//   - "alias": an alias in running text, case-insensitive, on word boundaries
//     (a word is a run of letters and digits; "Sainsbury's", "M&S" and
//     "British Airways" match token by token, white space between tokens
//     ignored). URLs are skipped.
//
// Ambiguous brands (registry "ambiguous: true": "Next", "O2", "Three") are
// matched by alias, hashtag or cashtag only when the text also contains one
// of the brand's context words (registry "context", case-insensitive; an
// ambiguous brand without context words is found only by handle or reply).
// For an alias in running text, two more conditions hold:
//
//   - it is written as in the registry or in capitals ("Next", "NEXT", "O2");
//     the lower-case "next" and "o2" are ordinary words;
//   - it is not followed by a word that makes it a common phrase or a venue:
//     "Next week", "next day delivery", "Next time"; "O2 Arena", "O2
//     Academy". Decision: the O2 Arena and the O2 Academies are concert venues
//     named after their sponsor; a post about a gig there is not about the
//     telecom brand, so "O2 arena" never matches. (See notAfter for the list.)
//
// Addressed is true for handle and reply matches, false otherwise. Brands
// lists addressed brands first, then brands talked about, each in the order
// found, then the author's own brand.
//
// Direction:
//
//   - "outbound": the author is a brand and the post addresses a non-brand
//     account: it replies to a post that is not a known brand post, or it
//     mentions a handle (such as a twcs customer id, "@115712") that is no
//     brand's. A brand's reply to a customer.
//   - "inbound": the author is not a brand and the post addresses at least one
//     brand (handle or reply). A customer speaking to a brand.
//   - "other": everything else: a customer talking about a brand without
//     addressing it, a brand's broadcast, a brand addressing only brands.
//
// The enricher is idempotent (it recomputes Brands, AuthorBrand and
// Direction) and safe for concurrent use.
package brands

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

// Version is recorded in the pipeline's version string.
const Version = "1"

// How values of mention.BrandMatch.
const (
	HowHandle  = "handle"
	HowReply   = "reply"
	HowHashtag = "hashtag"
	HowCashtag = "cashtag"
	HowAlias   = "alias"
	HowAuthor  = "author"
)

// how is a match kind; a lower value is a stronger match.
type how uint8

const (
	hHandle how = iota
	hReply
	hHashtag
	hCashtag
	hAlias
)

var howNames = [...]string{hHandle: HowHandle, hReply: HowReply, hHashtag: HowHashtag, hCashtag: HowCashtag, hAlias: HowAlias}

func (h how) addressed() bool { return h == hHandle || h == hReply }

// notAfter lists the words that, right after an ambiguous brand's alias,
// make it an ordinary phrase or a venue rather than the brand.
var notAfter = map[string]bool{
	// "Next week", "next day delivery", "Next time", "next step", "Next Gen"
	"week": true, "weeks": true, "weekend": true, "day": true, "days": true, "time": true, "times": true,
	"year": true, "years": true, "month": true, "months": true, "morning": true, "afternoon": true,
	"evening": true, "night": true, "tonight": true, "hour": true, "hours": true, "minute": true, "minutes": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true,
	"step": true, "steps": true, "stop": true, "level": true, "gen": true, "generation": true,
	"round": true, "episode": true, "season": true, "stage": true, "door": true,
	// "O2 Arena", "O2 Academy Brixton", "O2 Forum Kentish Town", "O2 Apollo": venues
	"arena": true, "academy": true, "forum": true, "apollo": true, "institute": true, "ritz": true,
	// "three times", "three of"
	"of": true,
}

// aliasSeq is an alias as tokens.
type aliasSeq struct {
	brand uint16
	lower []string // tokens, lower-cased
	exact []string // tokens as written in the registry
}

// Enricher implements enrich.Enricher.
type Enricher struct {
	reg     *registry.Registry
	brands  []*registry.Brand
	index   map[string]uint16     // brand id → index
	aliases map[string][]aliasSeq // first token of an alias, lower-cased → aliases
	// aliasShape has, for each first byte of a key of aliases, bit
	// min(len, 63) set for the lengths of those keys: most words of a
	// text are ruled out by it without hashing them (mayBeAlias).
	aliasShape [256]uint64
	tags       map[string][]uint16 // an alias's letters and digits, lower-cased → brands
	context    [][][]string        // per brand: context phrases as lower-cased tokens
	replies    *replyCache
	pool       sync.Pool // *state
}

func shapeBit(n int) uint64 { return 1 << min(n, 63) }

// mayBeAlias reports whether the lower-cased word w may be the first
// token of an alias (false: it is not one).
func (e *Enricher) mayBeAlias(w []byte) bool {
	return len(w) > 0 && e.aliasShape[w[0]]&shapeBit(len(w)) != 0
}

// state is the per-call scratch space.
type state struct {
	sc      scanner
	found   []found
	checked []ctxCheck
}

type found struct {
	brand uint16
	how   how
}

type ctxCheck struct {
	brand uint16
	ok    bool
}

// New builds the matcher from the registry.
func New(reg *registry.Registry, cfg Config) (*Enricher, error) {
	if reg == nil {
		return nil, fmt.Errorf("brands: no registry")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(reg.Brands) > 1<<16-1 {
		return nil, fmt.Errorf("brands: the registry has %d brands; at most %d are supported", len(reg.Brands), 1<<16-1)
	}
	e := &Enricher{
		reg:     reg,
		index:   map[string]uint16{},
		aliases: map[string][]aliasSeq{},
		tags:    map[string][]uint16{},
		context: make([][][]string, len(reg.Brands)),
		replies: newReplyCache(cfg.ReplyCacheSize),
	}
	e.pool.New = func() any { return &state{} }
	var sc scanner
	for i := range reg.Brands {
		b := &reg.Brands[i]
		bi := uint16(i)
		e.brands = append(e.brands, b)
		e.index[b.ID] = bi
		for _, a := range b.Aliases {
			e.addAlias(&sc, bi, a)
		}
		for _, a := range b.Products { // a product name means its brand too
			e.addAlias(&sc, bi, a)
		}
		for _, c := range b.Context {
			sc.scan(c, false)
			var phrase []string
			for k := range sc.toks {
				phrase = append(phrase, string(sc.lowerOf(&sc.toks[k])))
			}
			if len(phrase) > 0 {
				e.context[i] = append(e.context[i], phrase)
			}
		}
	}
	return e, nil
}

func (e *Enricher) addAlias(sc *scanner, bi uint16, alias string) {
	alias = strings.TrimLeft(strings.TrimSpace(alias), "@#$")
	sc.scan(alias, false)
	if len(sc.toks) == 0 || sc.toks[0].kind != tWord {
		return // an alias must start with a letter or digit
	}
	seq := aliasSeq{brand: bi}
	var fold strings.Builder
	for k := range sc.toks {
		t := &sc.toks[k]
		if t.kind != tWord && t.kind != tPunct {
			return
		}
		seq.lower = append(seq.lower, string(sc.lowerOf(t)))
		seq.exact = append(seq.exact, sc.bodyOf(t))
		if t.kind == tWord {
			fold.Write(sc.lowerOf(t))
		}
	}
	first := seq.lower[0]
	for _, s := range e.aliases[first] {
		if s.brand == bi && strings.Join(s.lower, "\x00") == strings.Join(seq.lower, "\x00") {
			return // the same alias twice
		}
	}
	e.aliases[first] = append(e.aliases[first], seq)
	e.aliasShape[first[0]] |= shapeBit(len(first))
	key := fold.String()
	for _, b := range e.tags[key] {
		if b == bi {
			return
		}
	}
	e.tags[key] = append(e.tags[key], bi)
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return "brands" }

// Version implements enrich.Versioned.
func (e *Enricher) Version() string { return Version }

// Enrich sets m.Brands, m.AuthorBrand and m.Direction.
func (e *Enricher) Enrich(_ context.Context, m *mention.Mention) error {
	st := e.pool.Get().(*state)
	defer e.pool.Put(st)
	st.found = st.found[:0]
	st.checked = st.checked[:0]
	m.Brands, m.AuthorBrand, m.Direction = nil, "", ""

	author, isBrand := e.authorBrand(m)
	if isBrand {
		m.AuthorBrand = e.brands[author].ID
	}
	addressesNonBrand := false
	if m.InReplyTo != "" {
		if b, ok := e.replies.Get(m.InReplyTo); ok {
			st.add(b, hReply)
		} else {
			addressesNonBrand = true // the parent is not a known brand post
		}
	}

	sc := &st.sc
	sc.scan(m.Text, !xLike(m.Platform))
	skip := -1
	if rt := strings.TrimLeft(m.Text, " \t\r\n"); len(rt) > 3 && (rt[:3] == "RT " || rt[:3] == "rt ") && rt[3] == '@' {
		for k := range sc.toks {
			if sc.toks[k].kind == tHandle {
				skip = k
				break
			}
		}
	}
	for k := range sc.toks {
		t := &sc.toks[k]
		switch t.kind {
		case tHandle:
			if k == skip {
				continue
			}
			if b, ok := e.handleBrand(m.Platform, sc, t); ok {
				st.add(b, hHandle)
			} else {
				addressesNonBrand = true
			}
		case tHashtag, tCashtag:
			h := hHashtag
			if t.kind == tCashtag {
				h = hCashtag
			}
			for _, b := range e.tags[string(sc.lowerOf(t))] {
				if e.brands[b].Ambiguous && !e.hasContext(st, b) {
					continue
				}
				st.add(b, h)
			}
		case tWord:
			w := sc.lowerOf(t)
			if !e.mayBeAlias(w) {
				continue
			}
			seqs := e.aliases[string(w)]
			for i := range seqs {
				if seq := &seqs[i]; e.matchAlias(st, k, seq) {
					st.add(seq.brand, hAlias)
				}
			}
		}
	}

	anyAddressed := false
	for _, f := range st.found {
		if isBrand && f.brand == author {
			continue
		}
		if f.how.addressed() {
			anyAddressed = true
		}
	}
	n := len(st.found)
	if isBrand {
		n++
	}
	if n > 0 {
		m.Brands = make([]mention.BrandMatch, 0, n)
		for pass := 0; pass < 2; pass++ { // addressed first, then the others
			for _, f := range st.found {
				if (isBrand && f.brand == author) || f.how.addressed() != (pass == 0) {
					continue
				}
				m.Brands = append(m.Brands, mention.BrandMatch{Brand: e.brands[f.brand].ID, How: howNames[f.how], Addressed: f.how.addressed()})
			}
		}
		if isBrand {
			m.Brands = append(m.Brands, mention.BrandMatch{Brand: m.AuthorBrand, How: HowAuthor})
		}
	}

	switch {
	case isBrand && addressesNonBrand:
		m.Direction = mention.DirectionOutbound
	case !isBrand && anyAddressed:
		m.Direction = mention.DirectionInbound
	default:
		m.Direction = mention.DirectionOther
	}
	if isBrand {
		e.replies.Put(m.ID, author)
	}
	return nil
}

// add records a match, keeping the strongest per brand.
func (st *state) add(b uint16, h how) {
	for i := range st.found {
		if st.found[i].brand == b {
			if h < st.found[i].how {
				st.found[i].how = h
			}
			return
		}
	}
	st.found = append(st.found, found{brand: b, how: h})
}

// authorBrand looks the author's handle, then id, up among official handles.
func (e *Enricher) authorBrand(m *mention.Mention) (uint16, bool) {
	for _, h := range [2]string{m.Author.Handle, m.Author.ID} {
		if h == "" {
			continue
		}
		if b, ok := e.reg.ByHandle(m.Platform, h); ok {
			return e.index[b.ID], true
		}
	}
	return 0, false
}

// handleBrand looks a mentioned handle up: the whole handle, then, for an
// extended one, its first part.
func (e *Enricher) handleBrand(platform string, sc *scanner, t *token) (uint16, bool) {
	if b, ok := e.reg.ByHandle(platform, sc.bodyOf(t)); ok {
		return e.index[b.ID], true
	}
	if t.short > t.start && t.short < t.end {
		if b, ok := e.reg.ByHandle(platform, sc.text[t.start:t.short]); ok {
			return e.index[b.ID], true
		}
	}
	return 0, false
}

// matchAlias reports whether seq matches the tokens from k, with the
// ambiguous-brand rules.
func (e *Enricher) matchAlias(st *state, k int, seq *aliasSeq) bool {
	toks := st.sc.toks
	n := len(seq.lower)
	if k+n > len(toks) {
		return false
	}
	for j := 1; j < n; j++ {
		t := &toks[k+j]
		if (t.kind != tWord && t.kind != tPunct) || string(st.sc.lowerOf(t)) != seq.lower[j] {
			return false
		}
	}
	if !e.brands[seq.brand].Ambiguous {
		return true
	}
	for j := 0; j < n; j++ {
		t := &toks[k+j]
		if t.kind != tWord {
			continue
		}
		if w := st.sc.bodyOf(t); w != seq.exact[j] && !isUpperWord(w) {
			return false
		}
	}
	if k+n < len(toks) && toks[k+n].kind == tWord && notAfter[string(st.sc.lowerOf(&toks[k+n]))] {
		return false
	}
	return e.hasContext(st, seq.brand)
}

// hasContext reports whether the text contains one of brand b's context
// phrases (memoised per call).
func (e *Enricher) hasContext(st *state, b uint16) bool {
	for _, c := range st.checked {
		if c.brand == b {
			return c.ok
		}
	}
	ok := false
	toks := st.sc.toks
outer:
	for _, phrase := range e.context[b] {
		for k := 0; k+len(phrase) <= len(toks); k++ {
			match := true
			for j, w := range phrase {
				t := &toks[k+j]
				if (t.kind != tWord && t.kind != tPunct && t.kind != tHashtag) || string(st.sc.lowerOf(t)) != w {
					match = false
					break
				}
			}
			if match {
				ok = true
				break outer
			}
		}
	}
	st.checked = append(st.checked, ctxCheck{brand: b, ok: ok})
	return ok
}

// xLike reports whether a platform uses X's handle syntax.
func xLike(platform string) bool {
	return platform == "x" || platform == "twcs" || platform == "sim" || platform == "twitter"
}

// ReplyCacheLen returns how many brand posts are remembered.
func (e *Enricher) ReplyCacheLen() int { return e.replies.Len() }
