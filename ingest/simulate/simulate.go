// Package simulate generates realistic, reproducible social-care traffic for
// the brands of the registry, with its ground truth: customers post to
// brands (per-sector contact reasons and wording, daily and weekly
// seasonality), brands answer with their own coverage, speed, support hours
// and style (canned texts, deflections to DMs or the phone, agent
// signatures), customers follow up, and some posts only talk about a brand.
//
// The ground truth (Truth) is computed directly from the generated events
// with the metric definitions of the leaderboard — independently of
// enrich, the sink and any SQL — so an end-to-end run can be checked
// number for number.
package simulate

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

// Platform and source of simulated records.
const (
	Platform = "sim"
	Source   = "simulate"
)

// Simulation is one generated period.
type Simulation struct {
	Since, Until time.Time
	Brands       []string // registry ids, sorted
	// Mentions are the records, in created_at order (ties by id).
	Mentions []*mention.Mention
	// Events are the same posts as Mentions, annotated for the truth.
	Events []TruthEvent
	Truth  Truth
	Stats  Stats
}

// Stats counts the generated posts by kind.
type Stats struct {
	Inbound        int `json:"inbound"`       // customer posts addressed to a brand (including follow-ups and broadcast replies)
	BrandReplies   int `json:"brand_replies"` // brand posts that reply to a customer
	FollowUps      int `json:"follow_ups"`    // customer replies to a brand reply
	Broadcasts     int `json:"broadcasts"`    // brand posts that are not replies
	Other          int `json:"other"`         // posts about a brand, not addressed to it
	Noise          int `json:"noise"`         // posts using an ambiguous brand name in another sense
	Multi          int `json:"multi_brand"`   // customer posts addressed to two brands
	NotYetHappened int `json:"after_now"`     // posts not generated because they would lie after the clock
	Foreign        int `json:"foreign_language"`
}

// post is a generated event before ids are assigned.
type post struct {
	at       int64 // Unix seconds
	seq      int   // generation order, breaks ties
	parent   int   // index in gen.posts, -1
	customer int   // author: index in gen.customers, or -1
	brand    int   // author: index in gen.brands, or -1
	mentions []int // brands whose @handle the text contains
	text     string
	lang     string
}

type customer struct {
	id, handle, display, first string
	followers                  int64
}

// simBrand is a brand being simulated.
type simBrand struct {
	b        *registry.Brand
	idx      int
	handle   string
	sector   string // template sector
	p        profile
	loc      *time.Location
	openFn   func(time.Time) bool
	slots    []bool // open state per slot from gen.start
	canned   string
	agents   []string
	incident [2]int64 // [from, to) Unix seconds of an outage burst, or zero
}

type gen struct {
	cfg       Config
	start     int64
	end       int64
	now       int64
	brands    []*simBrand
	customers []customer
	posts     []post
	stats     Stats
}

const (
	slotSecs = 300                // support-hour slots of 5 minutes
	horizon  = 12 * 24 * 3600     // replies are looked for up to 12 days after the period
	maxDelay = 5 * 24 * time.Hour // the longest in-hours reply delay drawn
	idScale  = 10000              // ids are created_at × idScale + index within the second
)

// Generate simulates the period of cfg for the brands of reg. now is the
// clock: posts that would lie after it are not generated (they have not
// happened yet), and the whole period must lie before it.
func Generate(cfg Config, reg *registry.Registry, now time.Time) (*Simulation, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	start, _ := cfg.StartTime()
	until := start.AddDate(0, 0, cfg.Days)
	if until.After(now) {
		return nil, fmt.Errorf("ingest.simulate: the period %s – %s ends after now (%s); simulate a period in the past (e.g. --start %s)",
			start.Format(time.RFC3339), until.Format(time.RFC3339), now.UTC().Format(time.RFC3339),
			lastMonday(now.AddDate(0, 0, -cfg.Days)).Format("2006-01-02"))
	}
	ids, err := SelectBrands(reg, cfg.Brands)
	if err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, start: start.Unix(), end: until.Unix(), now: now.Unix()}
	for i, id := range ids {
		sb, err := g.newBrand(reg, id, i)
		if err != nil {
			return nil, err
		}
		g.brands = append(g.brands, sb)
	}
	g.planIncident()
	g.makeCustomers(reg)
	for _, sb := range g.brands {
		g.simulateBrand(sb)
	}
	return g.finish(start, until)
}

func lastMonday(t time.Time) time.Time {
	t = t.UTC().Truncate(24 * time.Hour)
	for t.Weekday() != time.Monday {
		t = t.AddDate(0, 0, -1)
	}
	return t
}

// SelectBrands resolves the brands to simulate: ids given must exist in
// reg (with an official handle under x); none given picks DefaultBrands
// that exist, topped up from FallbackBrands and then from the registry to
// DefaultBrandCount. The result is sorted.
func SelectBrands(reg *registry.Registry, want []string) ([]string, error) {
	usable := func(id string) bool {
		b, ok := reg.ByID(id)
		return ok && simHandle(b) != ""
	}
	var out []string
	if len(want) > 0 {
		for _, id := range want {
			b, ok := reg.ByID(id)
			if !ok {
				return nil, fmt.Errorf("ingest.simulate.brands: %q is not a brand id in the registry", id)
			}
			if simHandle(b) == "" {
				return nil, fmt.Errorf("ingest.simulate.brands: brand %q has no handle under x (or sim) to address it with", id)
			}
			out = append(out, id)
		}
	} else {
		seen := map[string]bool{}
		for _, list := range [][]string{DefaultBrands, FallbackBrands, reg.IDs()} {
			for _, id := range list {
				if len(out) == DefaultBrandCount {
					break
				}
				if !seen[id] && usable(id) {
					seen[id] = true
					out = append(out, id)
				}
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("ingest.simulate: the registry has no brand with a handle under x to simulate")
		}
	}
	sort.Strings(out)
	return out, nil
}

// simHandle is the handle customers address: the first under sim, else x.
func simHandle(b *registry.Brand) string {
	for _, p := range []string{"sim", "x", "twcs"} {
		if hs := b.Handles[p]; len(hs) > 0 {
			return strings.TrimPrefix(hs[0], "@")
		}
	}
	return ""
}

func hash64(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func (g *gen) rng(stream string) *rand.Rand {
	return rand.New(rand.NewPCG(g.cfg.Seed, hash64(stream)))
}

func (g *gen) newBrand(reg *registry.Registry, id string, idx int) (*simBrand, error) {
	b, _ := reg.ByID(id)
	sb := &simBrand{b: b, idx: idx, handle: simHandle(b), sector: templateSector(b.Sector), p: profileFor(b)}
	// Support hours: the registry's when it states them, else the profile's,
	// else always open.
	switch {
	case b.SupportHours != nil:
		sb.loc, sb.openFn = b.SupportHours.Location(), b.SupportHours.Open
	case sb.p.hours != nil:
		sb.loc, sb.openFn = sb.p.hours.loc, sb.p.hours.Open
	default:
		sb.loc, sb.openFn = londonOrUTC(), func(time.Time) bool { return true }
	}
	n := int((g.end-g.start+horizon)/slotSecs) + 1
	sb.slots = make([]bool, n)
	for i := range sb.slots {
		sb.slots[i] = sb.openFn(time.Unix(g.start+int64(i)*slotSecs, 0))
	}
	h := hash64(id)
	sb.canned = cannedTexts[h%uint64(len(cannedTexts))]
	r := rand.New(rand.NewPCG(h, 7))
	for _, i := range r.Perm(len(agentNames))[:4] {
		sb.agents = append(sb.agents, agentNames[i])
	}
	return sb, nil
}

func londonOrUTC() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}

// planIncident gives one telecom brand (o2 when simulated) a six-hour
// outage on the third day of the period (the first when shorter), 07:00–
// 13:00 local time: six times the volume, mostly outage posts, slower replies.
func (g *gen) planIncident() {
	if !g.cfg.Incidents {
		return
	}
	var target *simBrand
	for _, sb := range g.brands {
		if sb.b.ID == "o2" {
			target = sb
			break
		}
		if target == nil && sb.sector == "telecom" {
			target = sb
		}
	}
	if target == nil {
		return
	}
	day := 2
	if g.cfg.Days < 3 {
		day = 0
	}
	d := time.Unix(g.start, 0).In(target.loc).AddDate(0, 0, day)
	from := time.Date(d.Year(), d.Month(), d.Day(), 7, 0, 0, 0, target.loc)
	target.incident = [2]int64{from.Unix(), from.Add(6 * time.Hour).Unix()}
}

func (sb *simBrand) inIncident(t int64) bool {
	return t >= sb.incident[0] && t < sb.incident[1]
}

// nameCleaner turns a surname into handle characters.
var nameCleaner = strings.NewReplacer("'", "", " ", "")

// makeCustomers builds the customer pool: about one customer per 1.6
// inbound posts, so that regulars post several times.
func (g *gen) makeCustomers(reg *registry.Registry) {
	var expected float64
	for _, sb := range g.brands {
		expected += sb.p.daily * g.cfg.Volume * float64(g.cfg.Days)
	}
	n := max(50, int(expected/1.6))
	r := g.rng("customers")
	g.customers = make([]customer, n)
	used := map[string]bool{}
	for i := range g.customers {
		first := firstNames[r.IntN(len(firstNames))]
		last := lastNames[r.IntN(len(lastNames))]
		lc := strings.ToLower(nameCleaner.Replace(last))
		var handle string
		for tries := 0; ; tries++ {
			switch r.IntN(6) {
			case 0:
				handle = fmt.Sprintf("%s_%c%d", strings.ToLower(first), lc[0], r.IntN(99)+1)
			case 1:
				handle = first + nameCleaner.Replace(last)
			case 2:
				handle = fmt.Sprintf("%s%s%d", strings.ToLower(first), lc, 1960+r.IntN(50))
			case 3:
				handle = fmt.Sprintf("the_%s_%s", strings.ToLower(first), lc)
			case 4:
				handle = fmt.Sprintf("%s%d", strings.ToLower(first[:min(len(first), 4)])+lc[:min(len(lc), 3)], r.IntN(999))
			default:
				handle = fmt.Sprintf("%s_%s_", strings.ToLower(first), lc)
			}
			if len(handle) > 15 { // X handles are at most 15 characters
				handle = handle[:15]
			}
			if tries >= 3 {
				suffix := strconv.Itoa(i) + strconv.Itoa(tries)
				handle = handle[:min(len(handle), 15-len(suffix))] + suffix
			}
			_, isBrand := reg.ByHandle(Platform, handle)
			if !used[strings.ToLower(handle)] && !isBrand {
				break
			}
		}
		used[strings.ToLower(handle)] = true
		display := first + " " + last[:1] + "."
		if r.IntN(3) == 0 {
			display = first + " " + last
		}
		g.customers[i] = customer{
			id: strconv.Itoa(4_100_000 + i*37), handle: handle, display: display, first: first,
			followers: int64(math.Round(math.Exp(5 + float64(1.5*r.NormFloat64())))),
		}
	}
}

// Hourly volume shape, local time, mean 1 over the day: a night trough at
// 03:00–05:00 and an evening peak at 19:00–21:00; weekends start later.
var (
	weekdayShape = normShape([24]float64{.25, .15, .10, .08, .08, .15, .40, .80, 1.15, 1.30, 1.30, 1.25, 1.30, 1.25, 1.20, 1.15, 1.15, 1.20, 1.35, 1.55, 1.65, 1.50, 1.05, .55})
	weekendShape = normShape([24]float64{.35, .25, .15, .10, .08, .10, .20, .40, .70, 1.00, 1.20, 1.30, 1.30, 1.25, 1.20, 1.20, 1.20, 1.25, 1.35, 1.50, 1.55, 1.40, 1.00, .60})
)

func normShape(s [24]float64) [24]float64 {
	var sum float64
	for _, v := range s {
		sum += v
	}
	for i := range s {
		s[i] *= 24 / sum
	}
	return s
}

// rate is the brand's expected inbound posts in the hour starting at t.
func (g *gen) rate(sb *simBrand, t int64, perDay float64) float64 {
	lt := time.Unix(t, 0).In(sb.loc)
	shape := weekdayShape
	if wd := lt.Weekday(); wd == time.Saturday || wd == time.Sunday {
		shape = weekendShape
	}
	wf := sb.p.weekend[lt.Weekday()]
	if wf == 0 {
		wf = 1
	}
	return perDay / 24 * shape[lt.Hour()] * wf
}

// poisson draws a Poisson count. Sums of products are written with
// float64(…) around the product so that no platform fuses them into an FMA
// (which would change the output across architectures).
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+float64(math.Sqrt(lambda)*r.NormFloat64()))))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func logNormal(r *rand.Rand, median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func pickReason(r *rand.Rand, mix []weighted) string {
	var total float64
	for _, w := range mix {
		total += w.w
	}
	x := r.Float64() * total
	for _, w := range mix {
		if x < w.w {
			return w.reason
		}
		x -= w.w
	}
	return mix[len(mix)-1].reason
}

func (g *gen) add(p post) int {
	p.seq = len(g.posts)
	g.posts = append(g.posts, p)
	return len(g.posts) - 1
}

// pickCustomer prefers low indexes: a few regulars post a lot.
func (g *gen) pickCustomer(r *rand.Rand) int {
	u := r.Float64()
	return int(float64(len(g.customers)) * u * u)
}

// simulateBrand generates everything that starts with brand sb: its
// inbound posts (and their threads), its broadcasts, and the posts about it.
func (g *gen) simulateBrand(sb *simBrand) {
	r := g.rng("brand/" + sb.b.ID)
	vol := g.cfg.Volume
	for h := g.start; h < g.end; h += 3600 {
		lambda := g.rate(sb, h, sb.p.daily*vol)
		if sb.inIncident(h) {
			lambda *= 6
		}
		for range poisson(r, lambda) {
			g.inbound(r, sb, h+r.Int64N(3600))
		}
		for range poisson(r, g.rate(sb, h, sb.p.other*vol)) {
			g.other(r, sb, h+r.Int64N(3600))
		}
		for range poisson(r, g.rate(sb, h, sb.p.noise*vol)) {
			if ts := noiseTemplates[sb.b.ID]; len(ts) > 0 {
				g.add(post{at: h + r.Int64N(3600), parent: -1, customer: g.pickCustomer(r), brand: -1, text: pick(r, ts), lang: "en"})
				g.stats.Noise++
			}
		}
	}
	// Broadcasts: during opening hours, 09:00–18:00 local.
	for d := g.start; d < g.end; d += 86400 {
		for range poisson(r, sb.p.broadcasts) {
			local := time.Unix(d, 0).In(sb.loc)
			day := time.Date(local.Year(), local.Month(), local.Day(), 9, 0, 0, 0, sb.loc).Unix()
			at := day + r.Int64N(9*3600)
			if at < g.start || at >= g.end {
				continue
			}
			g.broadcast(r, sb, at)
		}
	}
}

// vars fills template slots, consistently within one conversation.
type vars struct {
	g    *gen
	r    *rand.Rand
	sb   *simBrand
	cust *customer
	v    map[string]string
}

func (g *gen) vars(r *rand.Rand, sb *simBrand, cust *customer) *vars {
	return &vars{g: g, r: r, sb: sb, cust: cust, v: map[string]string{}}
}

func (v *vars) get(key string) string {
	if s, ok := v.v[key]; ok {
		return s
	}
	r := v.r
	code := v.sb.p.code
	if code == "" {
		code = "XQ"
	}
	var s string
	switch key {
	case "h":
		s = "@" + v.sb.handle
	case "c":
		s = "@" + v.cust.handle
	case "name":
		s = v.cust.first
	case "brand":
		s = v.sb.b.Name
	case "flight", "flight2":
		s = fmt.Sprintf("%s%d", code, 100+r.IntN(1900))
	case "city":
		s = pick(r, cities)
	case "airport":
		s = pick(r, airports)
	case "hub":
		s = hubs[code]
		if s == "" {
			s = pick(r, []string{"Frankfurt", "Paris", "Heathrow", "Dubai"})
		}
	case "gate":
		s = fmt.Sprintf("%c%d", 'A'+rune(r.IntN(8)), 1+r.IntN(40))
	case "clock":
		s = fmt.Sprintf("%02d:%02d", 6+r.IntN(17), 5*r.IntN(12))
	case "clock2": // later than {clock} when the conversation has one
		var h, m int
		if _, err := fmt.Sscanf(v.v["clock"], "%d:%d", &h, &m); err == nil {
			s = fmt.Sprintf("%02d:%02d", (h+1+r.IntN(3))%24, 5*r.IntN(12))
		} else {
			s = fmt.Sprintf("%02d:%02d", 6+r.IntN(17), 5*r.IntN(12))
		}
	case "hours":
		s = strconv.Itoa(2 + r.IntN(6))
	case "minutes":
		s = strconv.Itoa(20 + 5*r.IntN(16))
	case "days":
		s = strconv.Itoa(2 + r.IntN(8))
	case "weeks":
		s = strconv.Itoa(2 + r.IntN(5))
	case "ref":
		const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
		b := make([]byte, 6)
		for i := range b {
			b[i] = alnum[r.IntN(len(alnum))]
		}
		s = string(b)
	case "order":
		s = strconv.Itoa(10_000_000 + r.IntN(89_999_999))
	case "amount", "amount2":
		s = fmt.Sprintf("£%d.%02d", 5+r.IntN(300), r.IntN(100))
	case "item":
		list := items[v.sb.sector]
		if len(list) == 0 {
			list = items[""]
		}
		s = pick(r, list)
	case "town":
		s = pick(r, towns)
	case "country":
		s = pick(r, countries)
	case "day":
		s = pick(r, days)
	case "slot": // "8-9am"; a later {clock} is after the slot
		h := 7 + r.IntN(12)
		suffix := "am"
		if h+1 >= 12 {
			suffix = "pm"
		}
		s = fmt.Sprintf("%d-%d%s", twelve(h), twelve(h+1), suffix)
		if _, ok := v.v["clock"]; !ok {
			v.v["clock"] = fmt.Sprintf("%02d:%02d", h+2+r.IntN(3), 5*r.IntN(12))
		}
	case "program":
		s = v.sb.p.program
	case "phone":
		s = v.sb.p.phone
	case "sig":
		s = v.signature()
	case "competitor":
		s = v.competitor()
	default:
		s = "{" + key + "}"
	}
	v.v[key] = s
	return s
}

func twelve(h int) int {
	if h%12 == 0 {
		return 12
	}
	return h % 12
}

// signature signs a reply in the brand's style with one of its agents.
func (v *vars) signature() string {
	a := pick(v.r, v.sb.agents)
	initials := string(a[0]) + string(rune('A'+v.r.IntN(26)))
	switch v.sb.p.sig {
	case "caret":
		return "^" + initials
	case "dash":
		return "-" + initials
	case "name":
		return "– " + a
	case "regards":
		return "Regards, " + a
	}
	return ""
}

func (v *vars) competitor() string {
	for _, c := range v.sb.b.Competitors {
		for _, other := range v.g.brands {
			if other.b.ID == c {
				return other.b.Name
			}
		}
	}
	if len(v.sb.b.Competitors) > 0 {
		return strings.ToUpper(v.sb.b.Competitors[0][:1]) + strings.ReplaceAll(v.sb.b.Competitors[0][1:], "_", " ")
	}
	return "another provider"
}

// fill replaces {slot}s and tidies the spaces an empty slot leaves.
func (v *vars) fill(tpl string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			b.WriteString(tpl)
			break
		}
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			b.WriteString(tpl)
			break
		}
		b.WriteString(tpl[:i])
		b.WriteString(v.get(tpl[i+1 : i+j]))
		tpl = tpl[i+j+1:]
	}
	return strings.TrimSpace(strings.ReplaceAll(b.String(), "  ", " "))
}

// inbound generates a customer post addressed to sb at t, and its thread.
func (g *gen) inbound(r *rand.Rand, sb *simBrand, t int64) {
	ci := g.pickCustomer(r)
	v := g.vars(r, sb, &g.customers[ci])
	reason := pickReason(r, reasonMix[sb.sector])
	if sb.inIncident(t) && r.Float64() < 0.8 {
		reason = ReasonOutage
	}
	lang := "en"
	mentions := []int{sb.idx}
	var tpl string
	switch {
	case sb.p.langShare > 0 && r.Float64() < sb.p.langShare:
		tpl, lang = pick(r, foreignTemplates[sb.p.lang]), sb.p.lang
		g.stats.Foreign++
	case r.Float64() < 0.02:
		if other := g.peer(r, sb); other != nil {
			ts := multiTemplates[sb.sector]
			if ts == nil {
				ts = multiTemplates[""]
			}
			tpl = pick(r, ts)
			v.v["h2"] = "@" + other.handle
			mentions = append(mentions, other.idx)
			g.stats.Multi++
		}
	}
	if tpl == "" {
		tpl = pick(r, templatesFor(sb.sector, reason))
	}
	p := g.add(post{at: t, parent: -1, customer: ci, brand: -1, mentions: mentions, text: v.fill(tpl), lang: lang})
	g.stats.Inbound++
	for _, bi := range mentions {
		g.respond(r, g.brands[bi], p, reason, g.vars(r, g.brands[bi], &g.customers[ci]).with(v))
	}
}

// with copies the conversation's slot values (the flight, the order…) but
// not the brand-specific ones.
func (v *vars) with(o *vars) *vars {
	for k, s := range o.v {
		switch k {
		case "h", "h2", "sig", "phone", "program", "agent", "brand":
		default:
			v.v[k] = s
		}
	}
	return v
}

// peer picks another simulated brand of sb's sector, or nil.
func (g *gen) peer(r *rand.Rand, sb *simBrand) *simBrand {
	var peers []*simBrand
	for _, o := range g.brands {
		if o != sb && o.sector == sb.sector {
			peers = append(peers, o)
		}
	}
	if len(peers) == 0 {
		return nil
	}
	return pick(r, peers)
}

func templatesFor(sector, reason string) []string {
	if ts := customerTemplates[sector][reason]; len(ts) > 0 {
		return ts
	}
	if ts := customerTemplates[""][reason]; len(ts) > 0 {
		return ts
	}
	return customerTemplates[""][ReasonQuestion]
}

func replyTemplates(sector, reason string) []string {
	if ts := helpfulReplies[reason+"/"+sector]; len(ts) > 0 {
		return ts
	}
	return helpfulReplies[reason]
}

// open reports whether sb's desk is staffed at t.
func (g *gen) open(sb *simBrand, t int64) bool {
	i := (t - g.start) / slotSecs
	if t < g.start || int(i) >= len(sb.slots) {
		return sb.openFn(time.Unix(t, 0))
	}
	return sb.slots[i]
}

// nextOpen is the first slot start after t at which sb's desk is staffed.
func (g *gen) nextOpen(sb *simBrand, t int64) (int64, bool) {
	for i := max(0, (t-g.start)/slotSecs+1); int(i) < len(sb.slots); i++ {
		if sb.slots[i] {
			return g.start + i*slotSecs, true
		}
	}
	return 0, false
}

// replyAt draws when sb answers a post made at t: a log-normal delay while
// the desk is open; a post that would be answered while the desk is closed
// waits for the next opening plus a backlog delay.
func (g *gen) replyAt(r *rand.Rand, sb *simBrand, t int64, slow float64) (int64, bool) {
	d := min(logNormal(r, time.Duration(float64(sb.p.medianFRT)*slow), sb.p.sigma), maxDelay)
	at := t + max(45, int64(d/time.Second))
	if !g.open(sb, at) {
		o, ok := g.nextOpen(sb, at)
		if !ok {
			return 0, false
		}
		at = o + max(60, int64(logNormal(r, sb.p.backlog, 0.8)/time.Second))
	}
	return at, true
}

// respond decides whether and how sb answers post pi, then plays out the
// rest of the thread: a second brand reply, the customer's follow-up and
// the brand's answer to it.
func (g *gen) respond(r *rand.Rand, sb *simBrand, pi int, reason string, v *vars) {
	p := g.posts[pi]
	cov := sb.p.coverage
	if reason == ReasonPraise {
		cov *= 0.6
	}
	if !g.open(sb, p.at) {
		cov *= 0.85
	}
	if r.Float64() >= cov {
		return
	}
	slow := 1.0
	if sb.inIncident(p.at) {
		slow = 3
	}
	at, ok := g.replyAt(r, sb, p.at, slow)
	if !ok {
		return
	}
	var tpl string
	deflected := true
	switch x := r.Float64(); {
	case x < sb.p.canned:
		tpl = sb.canned
	case x < sb.p.canned+(1-sb.p.canned)*sb.p.deflect:
		tpl = pick(r, deflectReplies[pick(r, sb.p.channels)])
	default:
		tpl, deflected = pick(r, replyTemplates(sb.sector, reason)), false
	}
	ri := g.add(post{at: at, parent: pi, customer: -1, brand: sb.idx, text: v.fill(tpl), lang: "en"})
	g.stats.BrandReplies++

	if r.Float64() < sb.p.secondReply {
		delete(v.v, "sig")
		at2 := at + max(120, int64(logNormal(r, 2*time.Hour, 0.8)/time.Second))
		g.add(post{at: at2, parent: pi, customer: -1, brand: sb.idx, text: v.fill(pick(r, secondReplies)), lang: "en"})
		g.stats.BrandReplies++
	}
	if p.customer < 0 || r.Float64() >= sb.p.followUp {
		return
	}
	ft := at + max(30, int64(logNormal(r, 20*time.Minute, 1.0)/time.Second))
	fu := pick(r, followUpsAfterHelp)
	if deflected {
		fu = pick(r, followUpsAfterDeflect)
	}
	var mentions []int
	if strings.Contains(fu.text, "{h}") {
		mentions = []int{sb.idx}
	}
	fi := g.add(post{at: ft, parent: ri, customer: p.customer, brand: -1, mentions: mentions, text: v.fill(fu.text), lang: "en"})
	g.stats.FollowUps++
	g.stats.Inbound++
	if r.Float64() >= sb.p.replyFollow {
		return
	}
	if at3, ok := g.replyAt(r, sb, ft, slow); ok {
		delete(v.v, "sig")
		g.add(post{at: at3, parent: fi, customer: -1, brand: sb.idx, text: v.fill(fu.reply), lang: "en"})
		g.stats.BrandReplies++
	}
}

// other generates a post about sb that does not address it.
func (g *gen) other(r *rand.Rand, sb *simBrand, t int64) {
	ci := g.pickCustomer(r)
	v := g.vars(r, sb, &g.customers[ci])
	ts := otherTemplates[sb.sector]
	if ts == nil {
		ts = otherTemplates[""]
	}
	g.add(post{at: t, parent: -1, customer: ci, brand: -1, text: v.fill(pick(r, ts)), lang: "en"})
	g.stats.Other++
}

// broadcast generates a brand post that is not a reply, and customers'
// replies to it (addressed to the brand by being replies).
func (g *gen) broadcast(r *rand.Rand, sb *simBrand, t int64) {
	v := g.vars(r, sb, &g.customers[0])
	ts := broadcastTemplates[sb.sector]
	if ts == nil {
		ts = broadcastTemplates[""]
	}
	bi := g.add(post{at: t, parent: -1, customer: -1, brand: sb.idx, text: v.fill(pick(r, ts)), lang: "en"})
	g.stats.Broadcasts++
	for range poisson(r, 0.8*g.cfg.Volume) {
		ci := g.pickCustomer(r)
		cv := g.vars(r, sb, &g.customers[ci])
		text := cv.fill(pick(r, broadcastReplies))
		var mentions []int
		if strings.Contains(text, "@"+sb.handle) {
			mentions = []int{sb.idx}
		}
		at := t + max(30, int64(logNormal(r, 30*time.Minute, 1.0)/time.Second))
		pi := g.add(post{at: at, parent: bi, customer: ci, brand: -1, mentions: mentions, text: text, lang: "en"})
		g.stats.Inbound++
		g.respond(r, sb, pi, ReasonQuestion, cv)
	}
}

// finish drops what lies after the clock, orders the posts, assigns ids and
// builds the records, the truth events and the truth.
func (g *gen) finish(since, until time.Time) (*Simulation, error) {
	order := make([]int, 0, len(g.posts))
	for i, p := range g.posts {
		if p.at > g.now {
			g.stats.NotYetHappened++
			continue
		}
		order = append(order, i)
	}
	sort.Slice(order, func(a, b int) bool {
		pa, pb := &g.posts[order[a]], &g.posts[order[b]]
		if pa.at != pb.at {
			return pa.at < pb.at
		}
		return pa.seq < pb.seq
	})
	ids := make([]string, len(g.posts))
	roots := make([]string, len(g.posts))
	var last int64 = -1
	k := 0
	for _, i := range order {
		p := &g.posts[i]
		if p.at == last {
			k++
		} else {
			last, k = p.at, 0
		}
		if k >= idScale {
			return nil, fmt.Errorf("ingest.simulate: more than %d posts in one second; lower volume", idScale)
		}
		ids[i] = strconv.FormatInt(p.at*idScale+int64(k), 10)
	}
	sim := &Simulation{Since: since, Until: until}
	for _, sb := range g.brands {
		sim.Brands = append(sim.Brands, sb.b.ID)
	}
	eng := g.rng("engagement")
	for _, i := range order {
		p := &g.posts[i]
		if p.parent < 0 {
			roots[i] = ids[i]
		} else {
			roots[i] = roots[p.parent] // the parent is earlier in order
		}
		m := &mention.Mention{
			V:              mention.Version,
			ID:             mention.QualifiedID(Platform, ids[i]),
			Platform:       Platform,
			NativeID:       ids[i],
			CreatedAt:      time.Unix(p.at, 0).UTC(),
			IngestedAt:     time.Unix(p.at+2+int64(hash64(ids[i])%58), 0).UTC(),
			Source:         Source,
			Text:           p.text,
			Lang:           p.lang,
			ConversationID: mention.QualifiedID(Platform, roots[i]),
		}
		if p.parent >= 0 {
			m.InReplyTo = mention.QualifiedID(Platform, ids[p.parent])
		}
		ev := TruthEvent{ID: m.ID, CreatedAt: m.CreatedAt, InReplyTo: m.InReplyTo}
		if p.brand >= 0 {
			sb := g.brands[p.brand]
			m.Author = mention.Author{ID: strings.ToLower(sb.handle), Handle: sb.handle, DisplayName: sb.b.Name, Verified: true,
				Followers: 50_000 + int64(hash64(sb.b.ID)%2_000_000)}
			ev.AuthorBrand = sb.b.ID
		} else {
			c := &g.customers[p.customer]
			m.Author = mention.Author{ID: c.id, Handle: c.handle, DisplayName: c.display, Followers: c.followers}
			if x := eng.Float64(); x < 0.35 {
				m.Engagement = &mention.Engagement{Likes: int64(eng.IntN(5) + 1)}
				if x < 0.03 {
					m.Engagement = &mention.Engagement{Likes: int64(50 + eng.IntN(2000)), Reposts: int64(10 + eng.IntN(400)), Replies: int64(eng.IntN(80))}
				}
			}
		}
		for _, bi := range p.mentions {
			ev.Mentions = append(ev.Mentions, g.brands[bi].b.ID)
		}
		sim.Mentions = append(sim.Mentions, m)
		sim.Events = append(sim.Events, ev)
	}
	sim.Truth = Truth{Since: since, Until: until, Seed: g.cfg.Seed, Brands: ComputeTruth(sim.Events, since, until)}
	sim.Stats = g.stats
	return sim, nil
}
