// Package detect finds crises in the stream of customer posts: per brand
// and bucket (default 5 minutes) it compares the volume of customer posts,
// their negative share and their bursting terms and contact reasons with a
// seasonal baseline (the same hour of week over past weeks, else the same
// time of day over past days, else a trailing window) using robust
// statistics (median and MAD with a Poisson floor), discounts rises that
// every brand sees at once (a holiday), and turns sustained anomalies into
// incidents with hysteresis: open → update → resolve, each carrying its
// numbers, top terms, contact reasons and example posts. A positive viral
// spike is reported as kind viral_positive, never as a crisis.
//
// The core (Detector) is pure: it reads buckets and returns events. Its
// state is rebuilt by feeding it history (Step over past buckets). The
// ClickHouse source, the alert store, the metrics and the deliveries
// (Alertmanager, webhook, Slack) sit around it in this package.
package detect

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Kinds of incident.
const (
	KindCrisis = "crisis"
	// KindViral is a volume spike carried by positive posts: worth
	// knowing, never a crisis.
	KindViral = "viral_positive"
)

// Severities. A viral spike is always SeverityInfo.
const (
	SeverityInfo     = "info"
	SeverityMinor    = "minor"
	SeverityMajor    = "major"
	SeverityCritical = "critical"
)

var severityRank = map[string]int{SeverityInfo: 0, SeverityMinor: 1, SeverityMajor: 2, SeverityCritical: 3}

// Event types.
const (
	EventOpen    = "open"
	EventUpdate  = "update"
	EventResolve = "resolve"
)

// Incident statuses.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
)

// Baseline kinds.
const (
	BaselineSeasonal = "seasonal" // same hour of week, past weeks
	BaselineDaily    = "daily"    // same time of day, past days
	BaselineTrailing = "trailing" // the hours just before
)

// Burst is a term or contact reason seen more often than its baseline.
type Burst struct {
	Term     string  `json:"term"`
	Count    int     `json:"count"`    // posts in the term window
	Expected float64 `json:"expected"` // from the baseline frequency
	Score    float64 `json:"score"`
}

// Signals are one brand's numbers at one bucket.
type Signals struct {
	Brand    string
	At       time.Time // bucket start
	Baseline string    // seasonal, daily, trailing, or "" (still learning)
	// Market is the level every brand is at versus its own baseline (1:
	// normal; 2: a holiday doubling everyone's volume).
	Market float64
	// Short window (ShortWindow buckets ending with this one).
	Volume, Negative, Positive          int
	ExpectedVolume, ExpectedNegative    float64
	VolumeZ, NegativeZ                  float64
	NegativeShare, BaselineNegShare     float64
	NegativeShareZ                      float64
	PositiveShare, BaselinePosShare     float64
	PositiveShareZ                      float64
	LongVolume, LongNegative            int
	LongPositive                        int
	LongExpectedVolume, LongExpectedNeg float64
	LongVolumeZ, LongNegativeZ          float64
	LongNegativeShareZ, LongPosShareZ   float64
	// Terms and Reasons burst in the term window, strongest first.
	Terms, Reasons []Burst
	TermScore      float64
	// PositiveTerms burst in positive posts (a viral spike's words).
	PositiveTerms []Burst
	// CrisisScore is what opens a crisis (0 when a gate is closed);
	// CrisisHold keeps an open one open. ViralScore likewise for a
	// positive spike.
	CrisisScore, CrisisHold float64
	ViralScore, ViralHold   float64
}

// Incident is one crisis or viral spike of one brand.
type Incident struct {
	ID       string `json:"id"`
	Brand    string `json:"brand"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	// Onset is the start of the first anomalous bucket; OpenedAt the end of
	// the bucket that opened it (when it could be known); UpdatedAt the end
	// of the last evaluated bucket; ResolvedAt zero while open.
	Onset      time.Time `json:"onset"`
	OpenedAt   time.Time `json:"opened_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Version orders the stored versions of the incident (UpdatedAt in
	// Unix seconds).
	Version uint64 `json:"version"`
	// The numbers of the last evaluated bucket (short window) and peaks.
	Score                 float64 `json:"score"`
	PeakScore             float64 `json:"peak_score"`
	Volume                int     `json:"volume"`
	ExpectedVolume        float64 `json:"expected_volume"`
	VolumeRatio           float64 `json:"volume_ratio"`
	PeakVolumeRatio       float64 `json:"peak_volume_ratio"`
	NegativeShare         float64 `json:"negative_share"`
	BaselineNegativeShare float64 `json:"baseline_negative_share"`
	PositiveShare         float64 `json:"positive_share"`
	Window                string  `json:"window"` // the short window, e.g. 15m
	// Peak are the numbers of the bucket with the highest score.
	Peak     PeakNumbers `json:"peak"`
	Baseline string      `json:"baseline"`
	TopTerms []Burst     `json:"top_terms"`
	Reasons  []Burst     `json:"contact_reasons"`
	Examples []Post      `json:"examples"`
	Summary  string      `json:"summary"`
}

// PeakNumbers are an incident's numbers at its highest score.
type PeakNumbers struct {
	At                    time.Time `json:"at"` // bucket start
	Volume                int       `json:"volume"`
	ExpectedVolume        float64   `json:"expected_volume"`
	NegativeShare         float64   `json:"negative_share"`
	BaselineNegativeShare float64   `json:"baseline_negative_share"`
	PositiveShare         float64   `json:"positive_share"`
}

// Event is a change of an incident: open, update (every bucket while it is
// open) or resolve. Incident is a copy.
type Event struct {
	Type     string   `json:"event"`
	Incident Incident `json:"incident"`
	// Escalated is set on an update that raised the severity.
	Escalated bool `json:"escalated,omitempty"`
}

// Detector is the detection core. It is not safe for concurrent use.
type Detector struct {
	cfg    Config
	bsecs  int64
	week   int64 // buckets per week
	day    int64
	brands map[string]*brandState
	last   map[string]Signals
}

// New returns a detector; cfg must be valid.
func New(cfg Config) (*Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bs := int64(cfg.Bucket / time.Second)
	return &Detector{
		cfg: cfg, bsecs: bs,
		week:   7 * 86400 / bs,
		day:    86400 / bs,
		brands: map[string]*brandState{},
		last:   map[string]Signals{},
	}, nil
}

// Config returns the detector's configuration.
func (d *Detector) Config() Config { return d.cfg }

// AddBrands makes brands known before they have posts: a brand's history
// starts when it is known, and its empty buckets count as zeros.
func (d *Detector) AddBrands(brands ...string) {
	for _, b := range brands {
		if _, ok := d.brands[b]; !ok && b != "" {
			d.brands[b] = d.newBrand(b)
		}
	}
}

// Brands returns the known brands, sorted.
func (d *Detector) Brands() []string {
	out := make([]string, 0, len(d.brands))
	for b := range d.brands {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}

// Signals returns the numbers of the last step for brand.
func (d *Detector) Signals(brand string) (Signals, bool) {
	s, ok := d.last[brand]
	return s, ok
}

// Open returns the incidents open now, sorted by id.
func (d *Detector) Open() []Incident {
	var out []Incident
	for _, st := range d.brands {
		for _, tr := range []*tracker{&st.crisis, &st.viral} {
			if tr.inc != nil {
				out = append(out, cloneIncident(tr.inc))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LastBucket returns the start of the last bucket stepped, or zero.
func (d *Detector) LastBucket() time.Time {
	var n int64 = math.MinInt64
	for _, st := range d.brands {
		if st.stepped && st.last > n {
			n = st.last
		}
	}
	if n == math.MinInt64 {
		return time.Time{}
	}
	return time.Unix(n*d.bsecs, 0).UTC()
}

// Step evaluates the bucket starting at `at` (a bucket boundary) with the
// buckets observed in it (one per brand; brands absent had no posts) and
// returns the incident events, in brand order. Steps must go forward in
// time; a skipped bucket counts as empty. Feeding past buckets rebuilds
// the state (baselines, open incidents) after a restart.
func (d *Detector) Step(at time.Time, buckets []*Bucket) ([]Event, error) {
	if at.Unix()%d.bsecs != 0 {
		return nil, fmt.Errorf("detect: step at %s is not on a %s bucket boundary", at.UTC().Format(time.RFC3339), d.cfg.Bucket)
	}
	n := at.Unix() / d.bsecs
	byBrand := make(map[string]*Bucket, len(buckets))
	for _, b := range buckets {
		if b == nil || b.Brand == "" {
			continue
		}
		if !b.Start.Equal(at) {
			return nil, fmt.Errorf("detect: bucket of %s starts at %s, not at the step %s", b.Brand, b.Start.Format(time.RFC3339), at.UTC().Format(time.RFC3339))
		}
		if byBrand[b.Brand] != nil {
			return nil, fmt.Errorf("detect: two buckets for brand %s at %s", b.Brand, at.UTC().Format(time.RFC3339))
		}
		byBrand[b.Brand] = b
		d.AddBrands(b.Brand)
	}
	names := d.Brands()
	for _, name := range names {
		st := d.brands[name]
		if st.stepped && n <= st.last {
			return nil, fmt.Errorf("detect: step at %s is not after the last step %s", at.UTC().Format(time.RFC3339), time.Unix(st.last*d.bsecs, 0).UTC().Format(time.RFC3339))
		}
	}
	// Record the buckets, then compute every brand's signals, then the
	// market level, then the scores and the incidents.
	sigs := make([]Signals, len(names))
	for i, name := range names {
		st := d.brands[name]
		st.record(d, n, byBrand[name])
		sigs[i] = st.signals(d, n)
	}
	mShort, mLong := d.market(sigs)
	var events []Event
	for i, name := range names {
		st := d.brands[name]
		s := &sigs[i]
		// The market level comes from the long window (the short
		// one's counts are too noisy for a median of ratios); a rise
		// that every brand sees within the last 15 minutes only is
		// not discounted until it shows there.
		_ = mShort
		st.score(d, n, s, mLong[i], mLong[i])
		d.last[name] = *s
		events = append(events, st.track(d, n, s)...)
	}
	return events, nil
}

// market estimates, for each brand, how far the other brands are above
// their own baselines: the median ratio over those with a meaningful
// baseline, when there are enough of them, clamped to [1, MarketMax]. A
// rise every brand sees (a holiday) raises every expectation; one brand's
// storm does not.
func (d *Detector) market(sigs []Signals) (short, long []float64) {
	level := func(get func(*Signals) (float64, float64), minExp float64) []float64 {
		out := make([]float64, len(sigs))
		rs := make([]float64, 0, len(sigs))
		for i := range sigs {
			rs = rs[:0]
			for j := range sigs {
				x, e := get(&sigs[j])
				if j != i && sigs[j].Baseline != "" && e >= minExp {
					rs = append(rs, (x+1)/(e+1))
				}
			}
			out[i] = 1
			if len(rs) >= d.cfg.MarketMinBrands {
				out[i] = math.Min(math.Max(median(rs), 1), d.cfg.MarketMax)
			}
		}
		return out
	}
	short = level(func(s *Signals) (float64, float64) { return float64(s.Volume), s.ExpectedVolume }, 2)
	long = level(func(s *Signals) (float64, float64) { return float64(s.LongVolume), s.LongExpectedVolume }, 4)
	return short, long
}

type countSlot struct {
	n             int64
	vol, neg, pos int32
	// Cumulative sums since the start of the history, this bucket
	// included: a window's sum is two lookups.
	cvol, cneg, cpos int64
}

type termCount struct {
	term string
	n    int32
}

type termSlot struct {
	n        int64
	posts    int32
	terms    []termCount
	pposts   int32 // positive posts
	pterms   []termCount
	reasons  []termCount
	examples []Post
	excluded bool // recorded during an incident: kept out of the baseline
}

type tracker struct {
	kind     string
	run      int   // consecutive buckets at ≥ OpenScore
	runStart int64 // first of them
	calm     int   // consecutive buckets below CloseScore while open
	inc      *Incident
	terms    map[string]Burst
	reasons  map[string]Burst
}

type brandState struct {
	name    string
	first   int64 // first bucket of the history
	last    int64 // last bucket stepped
	stepped bool
	counts  []countSlot
	terms   []termSlot
	// The term baseline: counts over the term slots that have left the
	// term window and are younger than TermBaseline.
	base        map[string]int
	baseReasons map[string]int
	basePosts   int
	pbase       map[string]int // positive posts' terms
	pbasePosts  int
	// The term window: the same counts over its TermWindow slots.
	win    termCounts
	buf    [3][]float64 // baseline samples (reused)
	dev    []float64    // scratch for the MAD
	crisis tracker
	viral  tracker
	// Per-step baseline statistics, kept for scoring.
	med  [2][3]float64 // [short,long][vol,neg,pos] medians
	mad  [2][3]float64
	pool [2][3]float64 // pooled sums of the samples
	// total sums the count ring: the brand's volume, negatives and
	// positives over its whole history.
	total [3]float64
}

// termCounts are term, reason and positive-term counts over some slots.
type termCounts struct {
	posts, pposts         int
	terms, reasons, pterm map[string]int
}

func newTermCounts() termCounts {
	return termCounts{terms: map[string]int{}, reasons: map[string]int{}, pterm: map[string]int{}}
}

func addCounts(m map[string]int, tcs []termCount, sign int) {
	for _, t := range tcs {
		if m[t.term] += sign * int(t.n); m[t.term] <= 0 {
			delete(m, t.term)
		}
	}
}

func (c *termCounts) add(s termSlot, sign int) {
	c.posts += sign * int(s.posts)
	c.pposts += sign * int(s.pposts)
	addCounts(c.terms, s.terms, sign)
	addCounts(c.reasons, s.reasons, sign)
	addCounts(c.pterm, s.pterms, sign)
}

// sharePrior is the weight, in posts, of the brand's long-run share in a
// baseline share.
const sharePrior = 30

func (d *Detector) newBrand(name string) *brandState {
	c := d.cfg
	nCounts := int64(c.SeasonalWeeks)*d.week + int64(c.SeasonalSpread+c.LongWindow) + 2
	nTerms := int64(c.buckets(c.TermBaseline) + c.TermWindow + 1)
	return &brandState{
		name:        name,
		counts:      make([]countSlot, nCounts),
		terms:       make([]termSlot, nTerms),
		base:        map[string]int{},
		baseReasons: map[string]int{},
		pbase:       map[string]int{},
		win:         newTermCounts(),
		crisis:      tracker{kind: KindCrisis},
		viral:       tracker{kind: KindViral},
	}
}

func mod(n int64, m int) int { return int(((n % int64(m)) + int64(m)) % int64(m)) }

// record stores bucket b (nil: empty) as bucket n, filling skipped buckets
// with zeros.
func (st *brandState) record(d *Detector, n int64, b *Bucket) {
	if !st.stepped {
		st.first, st.last, st.stepped = n, n-1, true
	}
	if n-st.last > int64(len(st.counts)) {
		// A gap longer than the history: start over.
		*st = *d.newBrand(st.name)
		st.first, st.last, st.stepped = n, n-1, true
	}
	for m := st.last + 1; m < n; m++ {
		st.put(d, m, nil)
	}
	st.put(d, n, b)
	st.last = n
}

func (st *brandState) put(d *Detector, n int64, b *Bucket) {
	cs := countSlot{n: n}
	ts := termSlot{n: n, excluded: st.crisis.inc != nil || st.viral.inc != nil}
	if b != nil {
		cs.vol, cs.neg, cs.pos = int32(b.Volume), int32(b.Negative), int32(b.Positive)
		ts.posts = int32(b.TermPosts)
		ts.terms = flatten(b.Terms)
		ts.reasons = flatten(b.Reasons)
		ts.pposts = int32(b.PositivePosts)
		ts.pterms = flatten(b.PositiveTerms)
		ts.examples = append([]Post(nil), b.Examples...)
	}
	if n > st.first {
		if prev := st.counts[mod(n-1, len(st.counts))]; prev.n == n-1 {
			cs.cvol, cs.cneg, cs.cpos = prev.cvol, prev.cneg, prev.cpos
		}
	}
	cs.cvol += int64(cs.vol)
	cs.cneg += int64(cs.neg)
	cs.cpos += int64(cs.pos)
	ci := mod(n, len(st.counts))
	if old := st.counts[ci]; old.n >= st.first && old.n != n && (old.vol != 0 || old.neg != 0 || old.pos != 0) {
		st.total[0] -= float64(old.vol)
		st.total[1] -= float64(old.neg)
		st.total[2] -= float64(old.pos)
	}
	st.counts[ci] = cs
	st.total[0] += float64(cs.vol)
	st.total[1] += float64(cs.neg)
	st.total[2] += float64(cs.pos)
	// The term slot leaving the ring leaves the baseline; the one leaving
	// the window enters it.
	i := mod(n, len(st.terms))
	if old := st.terms[i]; old.n == n-int64(len(st.terms)) && old.n >= st.first {
		st.baseline(old, -1)
	}
	st.terms[i] = ts
	st.win.add(ts, +1)
	if in := n - int64(d.cfg.TermWindow); in >= st.first {
		if s := st.terms[mod(in, len(st.terms))]; s.n == in {
			st.win.add(s, -1)
			st.baseline(s, +1)
		}
	}
}

func (st *brandState) baseline(s termSlot, sign int) {
	if s.excluded {
		return
	}
	st.basePosts += sign * int(s.posts)
	for _, t := range s.terms {
		if st.base[t.term] += sign * int(t.n); st.base[t.term] <= 0 {
			delete(st.base, t.term)
		}
	}
	for _, t := range s.reasons {
		if st.baseReasons[t.term] += sign * int(t.n); st.baseReasons[t.term] <= 0 {
			delete(st.baseReasons, t.term)
		}
	}
	st.pbasePosts += sign * int(s.pposts)
	for _, t := range s.pterms {
		if st.pbase[t.term] += sign * int(t.n); st.pbase[t.term] <= 0 {
			delete(st.pbase, t.term)
		}
	}
}

func flatten(m map[string]int) []termCount {
	if len(m) == 0 {
		return nil
	}
	out := make([]termCount, 0, len(m))
	for t, n := range m {
		out = append(out, termCount{t, int32(n)})
	}
	return out
}

// window sums the counts of the w buckets ending with n; ok is false when
// part of it lies before the history.
func (st *brandState) window(n int64, w int) (vol, neg, pos float64, ok bool) {
	lo := n - int64(w)
	if lo+1 < st.first || n > st.last {
		return 0, 0, 0, false
	}
	hi := st.counts[mod(n, len(st.counts))]
	if hi.n != n {
		return 0, 0, 0, false
	}
	var base countSlot
	if lo >= st.first {
		if base = st.counts[mod(lo, len(st.counts))]; base.n != lo {
			return 0, 0, 0, false
		}
	}
	return float64(hi.cvol - base.cvol), float64(hi.cneg - base.cneg), float64(hi.cpos - base.cpos), true
}

// samples collects baseline windows of w buckets for bucket n: the same
// hour of week over past weeks when enough weeks exist, else the same time
// of day over past days, else the trailing window.
func (st *brandState) samples(d *Detector, n int64, w int) (kind string, vols, negs, poss []float64) {
	c := d.cfg
	vols, negs, poss = st.buf[0][:0], st.buf[1][:0], st.buf[2][:0]
	defer func() { st.buf = [3][]float64{vols, negs, poss} }()
	collect := func(period int64, periods int) int {
		vols, negs, poss = vols[:0], negs[:0], poss[:0]
		got := 0
		for k := 1; k <= periods; k++ {
			center := n - int64(k)*period
			any := false
			for j := -c.SeasonalSpread; j <= c.SeasonalSpread; j++ {
				if v, ng, p, ok := st.window(center+int64(j), w); ok {
					vols, negs, poss = append(vols, v), append(negs, ng), append(poss, p)
					any = true
				}
			}
			if any {
				got++
			}
		}
		return got
	}
	if collect(d.week, c.SeasonalWeeks) >= c.MinSeasonalWeeks {
		return BaselineSeasonal, vols, negs, poss
	}
	if collect(d.day, 7) >= c.MinDailyDays {
		return BaselineDaily, vols, negs, poss
	}
	vols, negs, poss = vols[:0], negs[:0], poss[:0]
	for i := int64(w); i <= int64(c.buckets(c.TrailingWindow)); i++ {
		if v, ng, p, ok := st.window(n-i, w); ok {
			vols, negs, poss = append(vols, v), append(negs, ng), append(poss, p)
		}
	}
	if len(vols) >= c.buckets(c.TrailingWindow)/2 {
		return BaselineTrailing, vols, negs, poss
	}
	return "", nil, nil, nil
}

// signals computes the brand's windows and baselines at n (no market
// level, no scores yet).
func (st *brandState) signals(d *Detector, n int64) Signals {
	c := d.cfg
	s := Signals{Brand: st.name, At: time.Unix(n*d.bsecs, 0).UTC(), Market: 1}
	for wi, w := range []int{c.ShortWindow, c.LongWindow} {
		v, ng, p, ok := st.window(n, w)
		if !ok {
			return s
		}
		kind, vols, negs, poss := st.samples(d, n, w)
		if kind == "" {
			return s
		}
		s.Baseline = kind
		for fi, xs := range [][]float64{vols, negs, poss} {
			sum := 0.0
			for _, x := range xs {
				sum += x
			}
			st.pool[wi][fi] = sum
			_, st.mad[wi][fi], st.dev = medianMAD(xs, st.dev) // sorts xs
			st.med[wi][fi] = level(xs)
		}
		if wi == 0 {
			s.Volume, s.Negative, s.Positive = int(v), int(ng), int(p)
			s.ExpectedVolume, s.ExpectedNegative = st.med[0][0], st.med[0][1]
		} else {
			s.LongVolume, s.LongNegative, s.LongPositive = int(v), int(ng), int(p)
			s.LongExpectedVolume, s.LongExpectedNeg = st.med[1][0], st.med[1][1]
		}
	}
	return s
}

// score completes s with the market level, the z-scores, the bursts and
// the crisis and viral scores.
func (st *brandState) score(d *Detector, n int64, s *Signals, mShort, mLong float64) {
	c := d.cfg
	s.Terms, s.Reasons, s.PositiveTerms, s.TermScore = st.bursts(d, n)
	if s.Baseline == "" {
		return
	}
	s.Market = mShort
	var z [2][3]float64
	// [window]{share, baseline share, z}
	var share, pshare [2][3]float64
	for wi, m := range []float64{mShort, mLong} {
		x := [3]float64{float64(s.Volume), float64(s.Negative), float64(s.Positive)}
		if wi == 1 {
			x = [3]float64{float64(s.LongVolume), float64(s.LongNegative), float64(s.LongPositive)}
		}
		exp := [3]float64{}
		for fi := 0; fi < 2; fi++ {
			exp[fi], z[wi][fi] = countZ(x[fi], st.med[wi][fi], st.mad[wi][fi], m)
		}
		if wi == 0 {
			s.ExpectedVolume, s.ExpectedNegative = exp[0], exp[1]
		} else {
			s.LongExpectedVolume, s.LongExpectedNeg = exp[0], exp[1]
		}
		// Baseline shares: the pooled samples, with a prior of sharePrior
		// posts at the brand's share over its whole history (a quiet
		// hour's handful of posts says little).
		g := st.total
		gneg, gpos := 0.0, 0.0
		if g[0] > 0 {
			gneg, gpos = g[1]/g[0], g[2]/g[0]
		}
		p0 := (st.pool[wi][1] + sharePrior*gneg) / (st.pool[wi][0] + sharePrior)
		q0 := (st.pool[wi][2] + sharePrior*gpos) / (st.pool[wi][0] + sharePrior)
		share[wi] = [3]float64{ratio(x[1], x[0]), p0, shareZ(x[1], x[0], p0)}
		pshare[wi] = [3]float64{ratio(x[2], x[0]), q0, shareZ(x[2], x[0], q0)}
	}
	s.VolumeZ, s.NegativeZ = z[0][0], z[0][1]
	s.LongVolumeZ, s.LongNegativeZ = z[1][0], z[1][1]
	s.NegativeShare, s.BaselineNegShare, s.NegativeShareZ = share[0][0], share[0][1], share[0][2]
	s.PositiveShare, s.BaselinePosShare, s.PositiveShareZ = pshare[0][0], pshare[0][1], pshare[0][2]
	s.LongNegativeShareZ, s.LongPosShareZ = share[1][2], pshare[1][2]

	// Crisis: more negative posts than the baseline allows (while the
	// negative share is not below normal), or terms bursting in
	// non-positive posts. Opening needs the minimum volume; holding an
	// open incident does not.
	var open, hold float64
	if s.NegativeShareZ >= -1 {
		hold = math.Max(hold, s.NegativeZ)
		if s.Volume >= c.MinVolume {
			open = math.Max(open, s.NegativeZ)
		}
	}
	if s.LongNegativeShareZ >= -1 {
		hold = math.Max(hold, s.LongNegativeZ)
		if s.LongVolume >= 4*c.MinVolume {
			open = math.Max(open, s.LongNegativeZ)
		}
	}
	if s.LongNegativeShareZ >= 0 || s.LongVolume < c.MinVolume {
		open = math.Max(open, s.TermScore)
		hold = math.Max(hold, s.TermScore)
	}
	s.CrisisScore, s.CrisisHold = open, hold

	// Viral: volume far above the baseline with the positive share up and
	// the negative count not abnormal.
	var vopen, vhold float64
	if s.PositiveShareZ >= c.ViralPositiveShareZ && s.PositiveShare >= c.ViralMinPositiveShare && s.NegativeZ < c.OpenScore {
		vhold = s.VolumeZ
		if s.Volume >= c.MinVolume {
			vopen = s.VolumeZ
		}
	}
	if s.LongPosShareZ >= c.ViralPositiveShareZ && ratio(float64(s.LongPositive), float64(s.LongVolume)) >= c.ViralMinPositiveShare && s.LongNegativeZ < c.OpenScore {
		vhold = math.Max(vhold, s.LongVolumeZ)
		if s.LongVolume >= 4*c.MinVolume {
			vopen = math.Max(vopen, s.LongVolumeZ)
		}
	}
	s.ViralScore, s.ViralHold = vopen, vhold
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// bursts finds the terms and reasons of the term window that are more
// frequent than in the term baseline.
func (st *brandState) bursts(d *Detector, n int64) (terms, reasons, positive []Burst, score float64) {
	c := d.cfg
	if st.basePosts < c.MinTermBaselinePosts {
		return nil, nil, nil, 0
	}
	win, winR, winP := st.win.terms, st.win.reasons, st.win.pterm
	posts, pposts := st.win.posts, st.win.pposts
	find := func(win, base map[string]int, basePosts, posts int) []Burst {
		var out []Burst
		for t, k := range win {
			if k < c.MinTermCount {
				continue
			}
			rate := (float64(base[t]) + 0.5) / (float64(basePosts) + 1)
			e := rate * float64(posts)
			if float64(k) < c.TermMinRatio*e {
				continue
			}
			out = append(out, Burst{Term: t, Count: k, Expected: e, Score: (float64(k) - e) / math.Sqrt(e+1)})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Score != out[j].Score {
				return out[i].Score > out[j].Score
			}
			return out[i].Term < out[j].Term
		})
		if len(out) > c.TopTerms {
			out = out[:c.TopTerms]
		}
		return out
	}
	terms, reasons = find(win, st.base, st.basePosts, posts), find(winR, st.baseReasons, st.basePosts, posts)
	positive = find(winP, st.pbase, st.pbasePosts, pposts)
	if len(terms) > 0 {
		score = terms[0].Score
	}
	if len(reasons) > 0 {
		score = math.Max(score, reasons[0].Score)
	}
	return terms, reasons, positive, score
}

// track runs the two incident state machines for the brand at n.
func (st *brandState) track(d *Detector, n int64, s *Signals) []Event {
	var evs []Event
	evs = append(evs, st.crisis.step(d, st, n, s, s.CrisisScore, s.CrisisHold)...)
	if st.crisis.inc != nil {
		// A crisis overrides a viral spike of the same brand.
		if st.viral.inc != nil {
			evs = append(evs, st.viral.resolve(d, n, s))
		}
		st.viral.run = 0
		return evs
	}
	return append(evs, st.viral.step(d, st, n, s, s.ViralScore, s.ViralHold)...)
}

func (tr *tracker) step(d *Detector, st *brandState, n int64, s *Signals, open, hold float64) []Event {
	c := d.cfg
	if tr.inc == nil {
		if open >= c.OpenScore {
			if tr.run == 0 {
				tr.runStart = n
			}
			tr.run++
		} else {
			tr.run = 0
		}
		if tr.run < c.SustainFor && (c.FastOpenScore == 0 || open < c.FastOpenScore) {
			return nil
		}
		tr.run, tr.calm = 0, 0
		end := time.Unix((n+1)*d.bsecs, 0).UTC()
		onset := time.Unix(tr.runStart*d.bsecs, 0).UTC()
		tr.inc = &Incident{
			ID:       fmt.Sprintf("%s-%s-%s", st.name, tr.kind, onset.Format("20060102T1504Z")),
			Brand:    st.name,
			Kind:     tr.kind,
			Status:   StatusOpen,
			Onset:    onset,
			OpenedAt: end,
			Window:   (time.Duration(c.ShortWindow) * c.Bucket).String(),
		}
		tr.terms, tr.reasons = map[string]Burst{}, map[string]Burst{}
		tr.update(d, st, n, s, open)
		return []Event{{Type: EventOpen, Incident: cloneIncident(tr.inc)}}
	}
	if hold < c.CloseScore {
		tr.calm++
	} else {
		tr.calm = 0
	}
	before := tr.inc.Severity
	tr.update(d, st, n, s, math.Max(open, hold))
	if tr.calm >= c.ResolveAfter {
		return []Event{tr.resolve(d, n, s)}
	}
	return []Event{{Type: EventUpdate, Incident: cloneIncident(tr.inc), Escalated: severityRank[tr.inc.Severity] > severityRank[before]}}
}

func (tr *tracker) resolve(d *Detector, n int64, s *Signals) Event {
	end := time.Unix((n+1)*d.bsecs, 0).UTC()
	inc := tr.inc
	inc.Status, inc.ResolvedAt, inc.UpdatedAt, inc.Version = StatusResolved, end, end, uint64(end.Unix())
	inc.Summary = summary(inc)
	ev := Event{Type: EventResolve, Incident: cloneIncident(inc)}
	tr.inc, tr.run, tr.calm = nil, 0, 0
	return ev
}

// update refreshes the incident's numbers from the signals of bucket n.
func (tr *tracker) update(d *Detector, st *brandState, n int64, s *Signals, score float64) {
	c := d.cfg
	inc := tr.inc
	end := time.Unix((n+1)*d.bsecs, 0).UTC()
	inc.UpdatedAt, inc.Version = end, uint64(end.Unix())
	inc.Score = score
	inc.Volume, inc.ExpectedVolume = s.Volume, s.ExpectedVolume
	inc.VolumeRatio = float64(s.Volume) / math.Max(s.ExpectedVolume, 1)
	inc.PeakVolumeRatio = math.Max(inc.PeakVolumeRatio, inc.VolumeRatio)
	inc.NegativeShare, inc.BaselineNegativeShare, inc.PositiveShare = s.NegativeShare, s.BaselineNegShare, s.PositiveShare
	if score >= inc.PeakScore {
		inc.PeakScore = score
		inc.Peak = PeakNumbers{At: s.At, Volume: s.Volume, ExpectedVolume: s.ExpectedVolume,
			NegativeShare: s.NegativeShare, BaselineNegativeShare: s.BaselineNegShare, PositiveShare: s.PositiveShare}
	}
	inc.Baseline = s.Baseline
	terms := s.Terms
	if tr.kind == KindViral {
		terms = s.PositiveTerms
	}
	for _, b := range terms {
		if old, ok := tr.terms[b.Term]; !ok || b.Score > old.Score {
			tr.terms[b.Term] = b
		}
	}
	for _, b := range s.Reasons {
		if old, ok := tr.reasons[b.Term]; !ok || b.Score > old.Score {
			tr.reasons[b.Term] = b
		}
	}
	inc.TopTerms = topBursts(tr.terms, c.TopTerms)
	inc.Reasons = topBursts(tr.reasons, c.TopTerms)
	if tr.kind == KindViral {
		inc.Severity = SeverityInfo
	} else {
		sev := SeverityMinor
		r := inc.VolumeRatio
		if s.ExpectedVolume < 2 {
			r = 0 // a ratio over almost nothing says little
		}
		switch {
		case score >= c.CriticalScore || r >= c.CriticalRatio:
			sev = SeverityCritical
		case score >= c.MajorScore || r >= c.MajorRatio:
			sev = SeverityMajor
		}
		if severityRank[sev] > severityRank[inc.Severity] {
			inc.Severity = sev
		}
	}
	if len(inc.Examples) < c.Examples {
		inc.Examples = st.examples(d, n, inc, c.Examples)
	}
	inc.Summary = summary(inc)
}

func topBursts(m map[string]Burst, k int) []Burst {
	out := make([]Burst, 0, len(m))
	for _, b := range m {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Term < out[j].Term
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// examples picks up to k example posts from the term window: posts that
// contain a top term first, negative before neutral (positive for a viral
// spike), keeping those already chosen.
func (st *brandState) examples(d *Detector, n int64, inc *Incident, k int) []Post {
	have := map[string]bool{}
	out := append([]Post(nil), inc.Examples...)
	for _, p := range out {
		have[p.ID] = true
	}
	want := "negative"
	if inc.Kind == KindViral {
		want = "positive"
	}
	var cands []Post
	for m := n; m > n-int64(d.cfg.TermWindow) && m >= st.first; m-- {
		s := st.terms[mod(m, len(st.terms))]
		if s.n == m {
			cands = append(cands, s.examples...)
		}
	}
	rank := func(p Post) int {
		r := 0
		if p.Label != want {
			r += 2
		}
		lt := strings.ToLower(p.Text)
		for _, b := range inc.TopTerms {
			if strings.Contains(lt, strings.TrimPrefix(b.Term, "#")) {
				return r
			}
		}
		return r + 1
	}
	sort.SliceStable(cands, func(i, j int) bool { return rank(cands[i]) < rank(cands[j]) })
	for _, p := range cands {
		if len(out) >= k {
			break
		}
		if !have[p.ID] {
			have[p.ID] = true
			out = append(out, p)
		}
	}
	return out
}

// summary is the one-line "why" of an incident.
func summary(inc *Incident) string {
	var b strings.Builder
	what := "crisis"
	if inc.Kind == KindViral {
		what = "positive viral spike"
	}
	p := inc.Peak
	fmt.Fprintf(&b, "%s %s (%s): at peak %d customer posts in %s vs %.1f expected (×%.1f), %.0f%% negative vs %.0f%% usual, %.0f%% positive; now ×%.1f",
		inc.Brand, what, inc.Severity, p.Volume, inc.Window, p.ExpectedVolume, float64(p.Volume)/math.Max(p.ExpectedVolume, 1),
		100*p.NegativeShare, 100*p.BaselineNegativeShare, 100*p.PositiveShare, inc.VolumeRatio)
	if len(inc.TopTerms) > 0 {
		b.WriteString("; bursting: ")
		for i, t := range inc.TopTerms {
			if i == 4 {
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q (%d vs %.1f)", t.Term, t.Count, t.Expected)
		}
	}
	if len(inc.Reasons) > 0 {
		b.WriteString("; reasons: ")
		for i, t := range inc.Reasons {
			if i == 3 {
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(t.Term)
		}
	}
	fmt.Fprintf(&b, "; %s baseline", inc.Baseline)
	return b.String()
}

func cloneIncident(in *Incident) Incident {
	out := *in
	out.TopTerms = append([]Burst(nil), in.TopTerms...)
	out.Reasons = append([]Burst(nil), in.Reasons...)
	out.Examples = append([]Post(nil), in.Examples...)
	return out
}
