package replyquality

import (
	"errors"
	"fmt"
	"time"
)

// Config is the "reply_quality" sub-section of the enrich configuration.
type Config struct {
	// Window is how far back a reply is compared with the same brand's
	// replies (DESIGN.md: the trailing 7 days).
	Window time.Duration `yaml:"window"`
	// MaxPerBrand caps the replies remembered per brand (a ring buffer; the
	// oldest goes first). ≈ 60 bytes a reply: 50,000 replies ≈ 3 MB a brand.
	MaxPerBrand int `yaml:"max_per_brand"`
	// MaxBrands caps the brands with an index; replies of further brands
	// get no canned score (counted in earshot_enrich_reply_quality_unindexed_total).
	MaxBrands int `yaml:"max_brands"`
	// NearDupBits is the largest Hamming distance between two 64-bit
	// SimHashes that makes two replies near-duplicates (similarity
	// 1 − bits/64). Distances up to 7 are always found; larger ones when
	// the two hashes share one of the eight 8-bit bands.
	NearDupBits int `yaml:"near_dup_bits"`
	// CannedMinDups is N of DESIGN.md's canned rate: a reply is canned when
	// it is a near-duplicate of at least N of the brand's other replies in
	// the window. It also halves the apology part of the empathy score.
	CannedMinDups int `yaml:"canned_min_dups"`
	// Rebuild makes `earshot enrich` load the windows from the replies
	// stored in ClickHouse (section clickhouse) when it starts, so that
	// canned scores survive a restart. A failure is logged and enrich
	// starts with empty windows. RebuildTimeout bounds it.
	Rebuild        bool          `yaml:"rebuild"`
	RebuildTimeout time.Duration `yaml:"rebuild_timeout"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Window: 7 * 24 * time.Hour, MaxPerBrand: 50_000, MaxBrands: 10_000, NearDupBits: 11, CannedMinDups: 1,
		Rebuild: true, RebuildTimeout: 2 * time.Minute}
}

// Validate names every field that is wrong and how to fix it.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	d := DefaultConfig()
	if c.Window <= 0 {
		bad("enrich.reply_quality.window: %s, want > 0 (default %s)", c.Window, d.Window)
	}
	if c.MaxPerBrand < 1 || c.MaxPerBrand > 10_000_000 {
		bad("enrich.reply_quality.max_per_brand: %d, want 1..10000000 (default %d)", c.MaxPerBrand, d.MaxPerBrand)
	}
	if c.MaxBrands < 1 || c.MaxBrands > 1_000_000 {
		bad("enrich.reply_quality.max_brands: %d, want 1..1000000 (default %d)", c.MaxBrands, d.MaxBrands)
	}
	if c.NearDupBits < 0 || c.NearDupBits > 32 {
		bad("enrich.reply_quality.near_dup_bits: %d, want 0..32 (default %d)", c.NearDupBits, d.NearDupBits)
	}
	if c.CannedMinDups < 1 {
		bad("enrich.reply_quality.canned_min_dups: %d, want ≥ 1 (default %d)", c.CannedMinDups, d.CannedMinDups)
	}
	if c.RebuildTimeout <= 0 {
		bad("enrich.reply_quality.rebuild_timeout: %s, want > 0 (default %s)", c.RebuildTimeout, d.RebuildTimeout)
	}
	return errors.Join(errs...)
}
