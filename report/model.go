// Package report builds earshot's weekly executive report for one brand
// and ISO week from ClickHouse: rank and score against the brand's
// competitors with week-over-week change, the headline numbers with plain
// sentences generated from them, charts (go-chart SVG and an SVG heat
// map), recurring contact reasons, the products customers named, the
// week's crises (detect's alerts
// table), the best and worst replies with their empathy parts, the
// cut-and-paste replies, deflection examples and the methodology
// (definitions, coverage, freshness).
//
// Every number of the leaderboard comes from the analytics package
// (analytics.Extended for this week and the previous one), so the report
// and `earshot leaderboard --columns all` agree by construction; the rest
// (examples, coverage) is read with its own queries, which run on
// ClickHouse 18.16 and current releases.
//
// Outputs: a self-contained HTML document (embedded CSS, inline SVG, no
// network resources), a PDF printed from it by headless Chromium, and a
// Markdown summary for chat tools. Delivery: SMTP (STARTTLS, AUTH) and a
// Slack-compatible webhook.
package report

import (
	"time"

	"github.com/earshot-dev/earshot/analytics"
)

// Report is everything the documents show. Build fills it; the renderers
// only format it.
type Report struct {
	Week        Week
	Brand       BrandInfo
	GeneratedAt time.Time
	Weights     analytics.Weights

	// Me is the brand's full leaderboard row for the week; Prev for the
	// week before (nil when the brand had no inbound post then).
	Me   analytics.ExtRow
	Prev *analytics.ExtRow
	// Peers are the brand and its registry competitors with inbound posts
	// this week, best score first (ties by id).
	Peers []Peer
	// Headline are page one's numbers, in display order.
	Headline  []Metric
	Sentences []string

	Days    []DayPoint // one per day of the week (UTC)
	FRTBins []Bin      // distribution of the brand's first response times
	HoursTZ string     // the zone of Me.ReplyHours

	// Reasons are the brand's contact reasons of the week and the week
	// before (analytics.RecurringReasons), the week's most common first.
	Reasons []analytics.ReasonTrend

	// Products are the products named in the brand's inbound posts of the
	// week (analytics.ProductsSQL), most posts first, at most MaxProducts.
	Products []ProductCount

	Crises []Crisis

	Best, Worst []Reply
	// QualityReplies is the number of the brand's replies of the week that
	// carry reply quality (the pool of Best and Worst).
	QualityReplies int
	Canned         []CannedGroup
	CannedReplies  int // replies of the week with canned ≥ analytics.CannedThreshold
	AllReplies     int // the brand's replies created in the week
	Deflections    []Reply
	DeflectionBy   []Count // replies per deflection channel, most first

	Coverage Coverage
}

// BrandInfo names the brand.
type BrandInfo struct {
	ID, Name, Sector string
}

// Peer is one line of the competitor table.
type Peer struct {
	analytics.ExtRow
	Name     string
	Me       bool
	PrevRank int // rank among the same peer set last week; 0 when undefined
}

// Metric is one headline number and its change.
type Metric struct {
	Key   string // frt_median, frt_p90, sla15, response_rate, empathy, canned_rate, deflection_rate, net_sentiment
	Label string
	Value *float64
	Prev  *float64
	Kind  Kind
	// HigherIsBetter orients the arrow's colour.
	HigherIsBetter bool
	// Best is the best competitor's value (nil when no competitor has one)
	// and BestBrand its name.
	Best      *float64
	BestBrand string
}

// Kind is how a number is formatted.
type Kind int

// The kinds of numbers.
const (
	KindShare     Kind = iota // 0..1, shown as a percentage
	KindSeconds               // a duration in seconds
	KindScore                 // 0..100
	KindSentiment             // −1..1
	KindCount
)

// DayPoint is one day of the brand's week.
type DayPoint struct {
	Day      time.Time
	Inbound  int
	Answered int
	// FRTMedianSeconds over the day's answered posts (nil when none).
	FRTMedianSeconds *float64
}

// Bin is one bar of the FRT distribution: posts answered in [From, To)
// seconds; Unanswered marks the bar of posts without a reply.
type Bin struct {
	Label      string
	From, To   float64
	Unanswered bool
	Posts      int
	Share      float64 // of the inbound posts
}

// Crisis is one incident of detect that overlapped the week.
type Crisis struct {
	ID, Kind, Severity, Status string
	Onset, UpdatedAt           time.Time
	ResolvedAt                 *time.Time
	PeakScore                  float64
	PeakVolumeRatio            float64
	Summary                    string
	Terms, Reasons             []string
	Examples                   []ExamplePost
	Timeline                   []CrisisEvent
}

// CrisisEvent is one line of a crisis timeline: a stored version of the
// incident that changed something (open, severity change, peak, resolve).
type CrisisEvent struct {
	At       time.Time
	Event    string // open, escalated, peak, update, resolve
	Severity string
	// Condensed: only the time of this event is known (its stored
	// version was merged away); the figures are not.
	Condensed      bool
	Volume         uint32
	ExpectedVolume float64
	NegativeShare  float64
	Score          float64
}

// ExamplePost is a customer post quoted as an example.
type ExamplePost struct {
	ID, Text string
}

// Reply is one of the brand's replies with its quality and the post it
// answered.
type Reply struct {
	ID, URL, Platform string
	At                time.Time
	Text              string
	Empathy           float64
	Parts             []Part
	Deflection        string
	Canned            float64
	CannedDups        int64
	ParentID          string
	ParentText        string
}

// Part is one named part of the empathy score and its points.
type Part struct {
	Name   string
	Points float64
}

// CannedGroup is one cut-and-paste reply and how often it was sent.
type CannedGroup struct {
	Text  string // one instance, as sent
	Count int
}

// Count is a labelled count.
type Count struct {
	Label string
	N     int
}

// MaxProducts bounds the report's product table.
const MaxProducts = 10

// ProductCount is one product of the brand's inbound posts: posts this
// week and last week, and this week's negative share and mean sentiment.
type ProductCount struct {
	Product       string
	Posts         int
	PrevPosts     int
	NegativeShare float64
	SentimentMean float64
}

// Coverage describes what the numbers rest on.
type Coverage struct {
	Sources []SourceCount
	// Mentions stored for the week (every brand), and the brand's own.
	Mentions      uint64
	BrandMentions uint64
	Platforms     []analytics.PlatformCount // the brand's inbound posts
	// Gaps are runs of whole hours of the week without any stored mention.
	Gaps []Gap
	// Freshness: the newest ingested and enriched times of the week's
	// mentions.
	LastIngested, LastEnriched time.Time
}

// SourceCount is one ingest source's share of the week.
type SourceCount struct {
	Platform, Source string
	Mentions         uint64
	First, Last      time.Time
}

// Gap is [From, To) without data.
type Gap struct{ From, To time.Time }
