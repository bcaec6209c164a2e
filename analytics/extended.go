package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/registry"
)

// ExtOptions configure Extended.
type ExtOptions struct {
	Weights Weights
	// HoursTZ is the time zone of the reply hour-of-week profile (default
	// UTC).
	HoursTZ string
	// Previous computes the previous period of the same length, [since −
	// (until − since), since), for the change columns.
	Previous bool
}

// PlatformCount is one platform's share of a brand's inbound posts.
type PlatformCount struct {
	Platform string `json:"platform"`
	Inbound  uint64 `json:"inbound"`
	Answered uint64 `json:"answered"`
}

// ExtRow is a leaderboard row with every column of the full leaderboard.
// Pointers are nil where a value is undefined.
type ExtRow struct {
	Row
	Sector string
	// FRT in business time (only the brand's support hours count).
	BusinessFRTMedianSeconds, BusinessFRTP90Seconds *float64
	// Inbound sentiment: the mean compound (−1..1) and the share labelled
	// negative.
	SentimentMean, NegativeShare *float64
	// Reply quality of first replies; nil unless the data carries
	// reply_quality (enrich).
	QualityReplies                            uint64
	DeflectionRate, CannedRate, EmpathyMedian *float64
	Platforms                                 []PlatformCount
	// ReplyHours is the hour-of-week profile of the brand's replies in the
	// period (index (weekday−1)·24 + hour, Monday first, in
	// ExtOptions.HoursTZ); ActiveHours counts the buckets with a reply.
	ReplyHours  [168]uint64
	ActiveHours int
	Score       *float64
	// RankSector and RankCompetitors: competition rank by score among the
	// brands with a score in the period (1 = best); 0 when undefined.
	RankSector, RankCompetitors int
	// The previous period of the same length (ExtOptions.Previous).
	PrevInbound            *uint64
	PrevScore, ScoreChange *float64 // ScoreChange = Score − PrevScore (points)
	InboundChange          *float64 // Inbound / PrevInbound − 1
	// SentimentRecovery is the mean, over the answered inbound posts whose
	// customer wrote again in the conversation after the brand's first
	// reply (RecoveredPosts of them), of the follow-up's compound sentiment
	// minus the post's (see RecoveryPostsSQL); nil when there is none.
	SentimentRecovery *float64
	RecoveredPosts    uint64
}

// Extended computes the full leaderboard of q: the rows of Leaderboard
// (unchanged) with the extra columns. Scores and ranks are computed over
// every brand with inbound posts in the period, whatever q.Brands keeps.
func Extended(ctx context.Context, conn driver.Conn, db string, reg *registry.Registry, q Query, opt ExtOptions) ([]ExtRow, error) {
	if opt.Weights == (Weights{}) {
		opt.Weights = DefaultWeights()
	}
	if err := opt.Weights.Validate(); err != nil {
		return nil, err
	}
	if opt.HoursTZ == "" {
		opt.HoursTZ = "UTC"
	}
	all, err := Leaderboard(ctx, conn, db, Query{Since: q.Since, Until: q.Until})
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, b := range q.Brands {
		keep[b] = true
	}
	scores := map[string]*float64{}
	var rows []ExtRow
	for _, r := range all {
		scores[r.Brand] = opt.Weights.Score(r)
		if len(keep) == 0 || keep[r.Brand] {
			er := ExtRow{Row: r, Score: scores[r.Brand]}
			if b, ok := reg.ByID(r.Brand); ok {
				er.Sector = b.Sector
			}
			rows = append(rows, er)
		}
	}
	rankS := Ranks(scores, SectorPeers(reg, scores))
	rankC := Ranks(scores, CompetitorPeers(reg))
	idx := map[string]*ExtRow{}
	var brands []string
	for i := range rows {
		rows[i].RankSector, rows[i].RankCompetitors = rankS[rows[i].Brand], rankC[rows[i].Brand]
		idx[rows[i].Brand] = &rows[i]
		brands = append(brands, rows[i].Brand)
	}
	if len(rows) == 0 {
		return rows, nil
	}
	scope, err := LiteralScope(q.Since, q.Until, brands, nil)
	if err != nil {
		return nil, err
	}
	if err := fillStats(ctx, conn, db, scope, idx); err != nil {
		return nil, err
	}
	if err := fillBusiness(ctx, conn, db, scope, reg, idx); err != nil {
		return nil, err
	}
	if err := fillPlatforms(ctx, conn, db, scope, idx); err != nil {
		return nil, err
	}
	if err := fillHours(ctx, conn, db, scope, opt.HoursTZ, idx); err != nil {
		return nil, err
	}
	if err := fillRecovery(ctx, conn, db, scope, idx); err != nil {
		return nil, err
	}
	if opt.Previous {
		d := q.Until.Sub(q.Since)
		prev, err := Leaderboard(ctx, conn, db, Query{Since: q.Since.Add(-d), Until: q.Since, Brands: brands})
		if err != nil {
			return nil, err
		}
		for _, p := range prev {
			r := idx[p.Brand]
			n := p.Inbound
			r.PrevInbound = &n
			if n > 0 {
				c := float64(r.Inbound)/float64(n) - 1
				r.InboundChange = &c
			}
			r.PrevScore = opt.Weights.Score(p)
			if r.PrevScore != nil && r.Score != nil {
				c := *r.Score - *r.PrevScore
				r.ScoreChange = &c
			}
		}
		zero := uint64(0)
		for _, r := range idx {
			if r.PrevInbound == nil {
				r.PrevInbound = &zero
			}
		}
	}
	return rows, nil
}

func query(ctx context.Context, conn driver.Conn, what, sql string, each func(driver.Rows) error) error {
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return fmt.Errorf("analytics: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return fmt.Errorf("analytics: %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("analytics: %s: %w", what, err)
	}
	return nil
}

func fillStats(ctx context.Context, conn driver.Conn, db string, s Scope, idx map[string]*ExtRow) error {
	sql, err := BrandStatsSQL(db, s)
	if err != nil {
		return err
	}
	return query(ctx, conn, "brand stats", sql, func(rs driver.Rows) error {
		var (
			brand                               string
			n                                   [10]uint64
			nFRT                                uint64
			medMS, p90MS, sentMean, empMedian   float64
			nNeg, nQuality, nDeflected, nCanned uint64
		)
		if err := rs.Scan(&brand, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &n[7], &n[8],
			&nFRT, &medMS, &p90MS, &sentMean, &nNeg, &nQuality, &nDeflected, &nCanned, &empMedian); err != nil {
			return err
		}
		r := idx[brand]
		if r == nil {
			return nil
		}
		// The shared inbound SQL must agree with the leaderboard's own.
		mine := RowFromCounts(brand, n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], nFRT, medMS, p90MS)
		if a, b := strings.Join(mine.fields(), ","), strings.Join(r.fields(), ","); a != b {
			return fmt.Errorf("brand %s: the inbound-post SQL gives %s, the leaderboard %s", brand, a, b)
		}
		if n[0] > 0 {
			m, neg := sentMean, float64(nNeg)/float64(n[0])
			r.SentimentMean, r.NegativeShare = &m, &neg
		}
		r.QualityReplies = nQuality
		if nQuality > 0 {
			d, c, e := float64(nDeflected)/float64(nQuality), float64(nCanned)/float64(nQuality), empMedian
			r.DeflectionRate, r.CannedRate, r.EmpathyMedian = &d, &c, &e
		}
		return nil
	})
}

func fillBusiness(ctx context.Context, conn driver.Conn, db string, s Scope, reg *registry.Registry, idx map[string]*ExtRow) error {
	sql, err := FRTPairsSQL(db, s)
	if err != nil {
		return err
	}
	frts := map[string][]float64{}
	clocks := map[string]*BusinessClock{}
	err = query(ctx, conn, "frt pairs", sql, func(rs driver.Rows) error {
		var brand string
		var ts, rts int64
		if err := rs.Scan(&brand, &ts, &rts); err != nil {
			return err
		}
		c, ok := clocks[brand]
		if !ok {
			var h *registry.SupportHours
			if b, ok := reg.ByID(brand); ok {
				h = b.SupportHours
			}
			var err error
			if c, err = NewBusinessClock(h); err != nil {
				return fmt.Errorf("brand %s: %w", brand, err)
			}
			clocks[brand] = c
		}
		frts[brand] = append(frts[brand], c.Seconds(time.UnixMilli(ts), time.UnixMilli(rts)))
		return nil
	})
	if err != nil {
		return err
	}
	for b, vs := range frts {
		if r := idx[b]; r != nil {
			r.BusinessFRTMedianSeconds, r.BusinessFRTP90Seconds = MedianP90(vs)
		}
	}
	return nil
}

func fillPlatforms(ctx context.Context, conn driver.Conn, db string, s Scope, idx map[string]*ExtRow) error {
	sql, err := PlatformSQL(db, s)
	if err != nil {
		return err
	}
	return query(ctx, conn, "platforms", sql, func(rs driver.Rows) error {
		var p PlatformCount
		var brand string
		if err := rs.Scan(&brand, &p.Platform, &p.Inbound, &p.Answered); err != nil {
			return err
		}
		if r := idx[brand]; r != nil {
			r.Platforms = append(r.Platforms, p)
		}
		return nil
	})
}

func fillHours(ctx context.Context, conn driver.Conn, db string, s Scope, tz string, idx map[string]*ExtRow) error {
	sql, err := ReplyHoursSQL(db, s, tz)
	if err != nil {
		return err
	}
	err = query(ctx, conn, "reply hours", sql, func(rs driver.Rows) error {
		var brand string
		var dow, hour uint8
		var n uint64
		if err := rs.Scan(&brand, &dow, &hour, &n); err != nil {
			return err
		}
		if dow < 1 || dow > 7 || hour > 23 {
			return fmt.Errorf("bucket %d/%d out of range", dow, hour)
		}
		if r := idx[brand]; r != nil {
			r.ReplyHours[int(dow-1)*24+int(hour)] = n
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range idx {
		for _, n := range r.ReplyHours {
			if n > 0 {
				r.ActiveHours++
			}
		}
	}
	return nil
}

func fillRecovery(ctx context.Context, conn driver.Conn, db string, s Scope, idx map[string]*ExtRow) error {
	sql, err := RecoverySQL(db, s)
	if err != nil {
		return err
	}
	return query(ctx, conn, "sentiment recovery", sql, func(rs driver.Rows) error {
		var brand string
		var n uint64
		var mean float64
		if err := rs.Scan(&brand, &n, &mean); err != nil {
			return err
		}
		if r := idx[brand]; r != nil && n > 0 {
			r.RecoveredPosts, r.SentimentRecovery = n, &mean
		}
		return nil
	})
}

// Periods splits [since, until) at UTC midnights (by "day") or Mondays
// 00:00 UTC (by "week"); the first and last period may be partial.
func Periods(since, until time.Time, by string) ([][2]time.Time, error) {
	var next func(time.Time) time.Time
	switch by {
	case "day":
		next = func(t time.Time) time.Time {
			d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			return d.AddDate(0, 0, 1)
		}
	case "week":
		next = func(t time.Time) time.Time {
			d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			off := (int(d.Weekday()) + 6) % 7 // days since Monday
			return d.AddDate(0, 0, 7-off)
		}
	default:
		return nil, fmt.Errorf("leaderboard: --by %q: want day or week", by)
	}
	if !since.Before(until) {
		return nil, fmt.Errorf("leaderboard: since %s is not before until %s", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	var out [][2]time.Time
	for s := since.UTC(); s.Before(until); {
		e := next(s)
		if e.After(until) {
			e = until
		}
		out = append(out, [2]time.Time{s, e})
		s = e
		if len(out) > 10000 {
			return nil, fmt.Errorf("leaderboard: more than 10000 periods; use a shorter range or --by week")
		}
	}
	return out, nil
}
