package detect

import (
	"errors"
	"fmt"
	"time"
)

// Config tunes the detector. The zero value is not usable: start from
// DefaultConfig. In the configuration file it is the section detect.detector.
type Config struct {
	// Bucket is the evaluation step and the unit of every window (default
	// 5m). It must divide an hour.
	Bucket time.Duration `yaml:"bucket" json:"bucket"`
	// ShortWindow and LongWindow are the lengths, in buckets, of the two
	// windows compared with the baseline: the short one (default 3 = 15 min)
	// catches storms, the long one (default 12 = 1 h) slow burns.
	ShortWindow int `yaml:"short_window" json:"short_window"`
	LongWindow  int `yaml:"long_window" json:"long_window"`
	// SeasonalWeeks is how many past weeks the seasonal baseline reads at
	// the same hour of week (default 4); MinSeasonalWeeks (default 2) are
	// needed to use it, else the same time of day over the past (up to 7)
	// days once MinDailyDays of them exist (default 1: from the second day
	// on), else a trailing window (TrailingWindow, default 6h). A trailing
	// window cannot follow the time of day — at 09:00 it holds the night —
	// and takes in a long incident's own hours, so it is only the first
	// day's baseline (see eval crisis --plan cold-start).
	SeasonalWeeks    int           `yaml:"seasonal_weeks" json:"seasonal_weeks"`
	MinSeasonalWeeks int           `yaml:"min_seasonal_weeks" json:"min_seasonal_weeks"`
	MinDailyDays     int           `yaml:"min_daily_days" json:"min_daily_days"`
	TrailingWindow   time.Duration `yaml:"trailing_window" json:"trailing_window"`
	// SeasonalSpread widens every past occurrence to ± this many buckets
	// (default 6 = ± 30 min), giving the median enough samples.
	SeasonalSpread int `yaml:"seasonal_spread" json:"seasonal_spread"`
	// MinVolume is the least number of customer posts in the short window
	// (the long window needs 4×) for a volume or negativity signal to open
	// an incident (default 8).
	MinVolume int `yaml:"min_volume" json:"min_volume"`
	// OpenScore and CloseScore are the hysteresis thresholds on the robust
	// score (defaults 5 and 2.5); SustainFor buckets at ≥ OpenScore open an
	// incident (default 2), ResolveAfter buckets below CloseScore resolve it
	// (default 12 = 1 h).
	OpenScore  float64 `yaml:"open_score" json:"open_score"`
	CloseScore float64 `yaml:"close_score" json:"close_score"`
	SustainFor int     `yaml:"sustain_for" json:"sustain_for"`
	// FastOpenScore opens an incident after a single bucket (default 10;
	// 0 disables): a storm need not wait for SustainFor.
	FastOpenScore float64 `yaml:"fast_open_score" json:"fast_open_score"`
	ResolveAfter  int     `yaml:"resolve_after" json:"resolve_after"`
	// MajorScore and CriticalScore grade severity (defaults 10 and 20);
	// a volume ratio of MajorRatio (3) or CriticalRatio (6) also does.
	MajorScore    float64 `yaml:"major_score" json:"major_score"`
	CriticalScore float64 `yaml:"critical_score" json:"critical_score"`
	MajorRatio    float64 `yaml:"major_ratio" json:"major_ratio"`
	CriticalRatio float64 `yaml:"critical_ratio" json:"critical_ratio"`
	// MarketMinBrands brands (default 4) are needed to discount a rise that
	// every brand sees at once (a holiday); MarketMax caps that discount
	// (default 4×).
	MarketMinBrands int     `yaml:"market_min_brands" json:"market_min_brands"`
	MarketMax       float64 `yaml:"market_max" json:"market_max"`
	// TermWindow (default 12 buckets = 1 h) is compared with the term
	// frequencies of the TermBaseline before it (default 7 days). A term
	// bursts when it is in at least MinTermCount posts (default 4) of the
	// window and TermMinRatio times (default 4) its expected count.
	// MinTermBaselinePosts (default 200) are needed before terms count.
	TermWindow           int           `yaml:"term_window" json:"term_window"`
	TermBaseline         time.Duration `yaml:"term_baseline" json:"term_baseline"`
	MinTermCount         int           `yaml:"min_term_count" json:"min_term_count"`
	TermMinRatio         float64       `yaml:"term_min_ratio" json:"term_min_ratio"`
	MinTermBaselinePosts int           `yaml:"min_term_baseline_posts" json:"min_term_baseline_posts"`
	// TopTerms and Examples bound what an incident carries (defaults 8, 5).
	TopTerms int `yaml:"top_terms" json:"top_terms"`
	Examples int `yaml:"examples" json:"examples"`
	// ViralPositiveShareZ is how far above its baseline the positive share
	// must be for a volume spike to be called viral_positive (default 2).
	ViralPositiveShareZ float64 `yaml:"viral_positive_share_z" json:"viral_positive_share_z"`
	// ViralMinPositiveShare is the least positive share of the window for a
	// viral spike (default 0.4): a spike carried by positive posts.
	ViralMinPositiveShare float64 `yaml:"viral_min_positive_share" json:"viral_min_positive_share"`
}

// DefaultConfig returns the defaults described on Config.
func DefaultConfig() Config {
	return Config{
		Bucket:                5 * time.Minute,
		ShortWindow:           3,
		LongWindow:            12,
		SeasonalWeeks:         4,
		MinSeasonalWeeks:      2,
		MinDailyDays:          1,
		TrailingWindow:        6 * time.Hour,
		SeasonalSpread:        6,
		MinVolume:             8,
		OpenScore:             5,
		CloseScore:            2.5,
		SustainFor:            2,
		FastOpenScore:         10,
		ResolveAfter:          12,
		MajorScore:            10,
		CriticalScore:         20,
		MajorRatio:            3,
		CriticalRatio:         6,
		MarketMinBrands:       4,
		MarketMax:             4,
		TermWindow:            12,
		TermBaseline:          7 * 24 * time.Hour,
		MinTermCount:          4,
		TermMinRatio:          4,
		MinTermBaselinePosts:  200,
		TopTerms:              8,
		Examples:              5,
		ViralPositiveShareZ:   2,
		ViralMinPositiveShare: 0.4,
	}
}

// Validate names the first wrong field and how to fix it.
func (c Config) Validate() error {
	var errs []error
	if c.Bucket < time.Minute || time.Hour%c.Bucket != 0 {
		errs = append(errs, fmt.Errorf("detect.detector.bucket: %s, want ≥ 1m and dividing an hour (e.g. 5m)", c.Bucket))
	}
	if c.ShortWindow < 1 {
		errs = append(errs, fmt.Errorf("detect.detector.short_window: %d, want ≥ 1 bucket", c.ShortWindow))
	}
	if c.LongWindow < c.ShortWindow {
		errs = append(errs, fmt.Errorf("detect.detector.long_window: %d, want ≥ short_window (%d)", c.LongWindow, c.ShortWindow))
	}
	if c.SeasonalWeeks < 1 || c.SeasonalWeeks > 12 {
		errs = append(errs, fmt.Errorf("detect.detector.seasonal_weeks: %d, want 1..12", c.SeasonalWeeks))
	}
	if c.MinSeasonalWeeks < 1 || c.MinSeasonalWeeks > c.SeasonalWeeks {
		errs = append(errs, fmt.Errorf("detect.detector.min_seasonal_weeks: %d, want 1..seasonal_weeks (%d)", c.MinSeasonalWeeks, c.SeasonalWeeks))
	}
	if c.MinDailyDays < 1 || c.MinDailyDays > 7 {
		errs = append(errs, fmt.Errorf("detect.detector.min_daily_days: %d, want 1..7", c.MinDailyDays))
	}
	if c.TrailingWindow < time.Hour {
		errs = append(errs, fmt.Errorf("detect.detector.trailing_window: %s, want ≥ 1h", c.TrailingWindow))
	}
	if c.SeasonalSpread < 0 {
		errs = append(errs, fmt.Errorf("detect.detector.seasonal_spread: %d, want ≥ 0", c.SeasonalSpread))
	}
	if c.MinVolume < 1 {
		errs = append(errs, fmt.Errorf("detect.detector.min_volume: %d, want ≥ 1", c.MinVolume))
	}
	if c.OpenScore <= 0 || c.CloseScore <= 0 || c.CloseScore > c.OpenScore {
		errs = append(errs, fmt.Errorf("detect.detector.open_score/close_score: %g/%g, want 0 < close_score ≤ open_score", c.OpenScore, c.CloseScore))
	}
	if c.FastOpenScore != 0 && c.FastOpenScore < c.OpenScore {
		errs = append(errs, fmt.Errorf("detect.detector.fast_open_score: %g, want 0 (off) or ≥ open_score (%g)", c.FastOpenScore, c.OpenScore))
	}
	if c.SustainFor < 1 || c.ResolveAfter < 1 {
		errs = append(errs, fmt.Errorf("detect.detector.sustain_for/resolve_after: %d/%d, want ≥ 1 bucket each", c.SustainFor, c.ResolveAfter))
	}
	if c.MajorScore < c.OpenScore || c.CriticalScore < c.MajorScore {
		errs = append(errs, fmt.Errorf("detect.detector.major_score/critical_score: %g/%g, want open_score ≤ major_score ≤ critical_score", c.MajorScore, c.CriticalScore))
	}
	if c.MajorRatio <= 1 || c.CriticalRatio < c.MajorRatio {
		errs = append(errs, fmt.Errorf("detect.detector.major_ratio/critical_ratio: %g/%g, want 1 < major_ratio ≤ critical_ratio", c.MajorRatio, c.CriticalRatio))
	}
	if c.MarketMinBrands < 2 {
		errs = append(errs, fmt.Errorf("detect.detector.market_min_brands: %d, want ≥ 2", c.MarketMinBrands))
	}
	if c.MarketMax < 1 {
		errs = append(errs, fmt.Errorf("detect.detector.market_max: %g, want ≥ 1 (1 disables the market discount)", c.MarketMax))
	}
	if c.TermWindow < 1 {
		errs = append(errs, fmt.Errorf("detect.detector.term_window: %d, want ≥ 1 bucket", c.TermWindow))
	}
	if c.TermBaseline < 24*time.Hour {
		errs = append(errs, fmt.Errorf("detect.detector.term_baseline: %s, want ≥ 24h", c.TermBaseline))
	}
	if c.MinTermCount < 2 || c.TermMinRatio < 1 || c.MinTermBaselinePosts < 1 {
		errs = append(errs, fmt.Errorf("detect.detector.min_term_count/term_min_ratio/min_term_baseline_posts: %d/%g/%d, want ≥ 2, ≥ 1, ≥ 1", c.MinTermCount, c.TermMinRatio, c.MinTermBaselinePosts))
	}
	if c.TopTerms < 1 || c.Examples < 0 {
		errs = append(errs, fmt.Errorf("detect.detector.top_terms/examples: %d/%d, want ≥ 1 and ≥ 0", c.TopTerms, c.Examples))
	}
	if c.ViralMinPositiveShare < 0 || c.ViralMinPositiveShare > 1 {
		errs = append(errs, fmt.Errorf("detect.detector.viral_min_positive_share: %g, want 0..1", c.ViralMinPositiveShare))
	}
	if c.ViralPositiveShareZ <= 0 {
		errs = append(errs, fmt.Errorf("detect.detector.viral_positive_share_z: %g, want > 0", c.ViralPositiveShareZ))
	}
	return errors.Join(errs...)
}

// buckets converts a duration into whole buckets (at least 1).
func (c Config) buckets(d time.Duration) int {
	return max(1, int(d/c.Bucket))
}
