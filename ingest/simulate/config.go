package simulate

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/ingest"
)

// Config configures a simulation. In the configuration file it is the
// section ingest.simulate:
//
//	ingest:
//	  simulate:
//	    seed: 1
//	    start: 2026-11-09
//	    days: 7
//	    brands: [klm, lufthansa, o2]
//	    volume: 1
//	    incidents: true
type Config struct {
	// Seed makes the simulation reproducible: the same seed, period, brands
	// and volume give byte-identical output.
	Seed uint64 `yaml:"seed" json:"seed"`
	// Start is the first instant of the period, UTC: a date (2026-11-09,
	// meaning 00:00 UTC) or an RFC 3339 time.
	Start string `yaml:"start" json:"start"`
	// Days is the length of the period [start, start+days).
	Days int `yaml:"days" json:"days"`
	// Brands are registry ids; empty picks DefaultBrands (those present in
	// the registry, topped up from the registry to ten).
	Brands []string `yaml:"brands" json:"brands"`
	// Volume multiplies every brand's daily volume (1 ≈ 25,000 records a
	// week for the default brands).
	Volume float64 `yaml:"volume" json:"volume"`
	// Incidents adds a service outage burst for one telecom brand (the
	// crisis detector's test case).
	Incidents bool `yaml:"incidents" json:"incidents"`
	// Progress is auto, bar, log or none (when publishing).
	Progress string `yaml:"progress" json:"progress"`
	// ProgressInterval spaces the progress log lines.
	ProgressInterval time.Duration `yaml:"progress_interval" json:"progress_interval"`
}

// DefaultStart is the default period's first day: a Monday.
const DefaultStart = "2026-11-09"

// DefaultConfig returns the defaults: seed 1, the week from Monday
// 2026-11-09 00:00 UTC, the default brands, volume 1, with incidents.
func DefaultConfig() Config {
	return Config{
		Seed:             1,
		Start:            DefaultStart,
		Days:             7,
		Volume:           1,
		Incidents:        true,
		Progress:         ingest.ProgressAuto,
		ProgressInterval: 10 * time.Second,
	}
}

// MaxDays bounds a period.
const MaxDays = 366

// MaxVolume bounds Volume (≈ 2.5 M records a week per unit of 100).
const MaxVolume = 100

// StartTime parses Start.
func (c Config) StartTime() (time.Time, error) {
	s := strings.TrimSpace(c.Start)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("ingest.simulate.start: %q is not a date (2026-11-09) or an RFC 3339 time (2026-11-09T00:00:00Z)", c.Start)
}

// Validate names the first field that is wrong and how to fix it.
func (c Config) Validate() error {
	start, err := c.StartTime()
	if err != nil {
		return err
	}
	if start.Year() < 2001 {
		return fmt.Errorf("ingest.simulate.start: %s is too early; mentions start in 2000", c.Start)
	}
	if start.Truncate(time.Second) != start {
		return fmt.Errorf("ingest.simulate.start: %s has a fraction of a second; use whole seconds", c.Start)
	}
	if c.Days < 1 || c.Days > MaxDays {
		return fmt.Errorf("ingest.simulate.days: %d, want 1..%d", c.Days, MaxDays)
	}
	if c.Volume <= 0 || c.Volume > MaxVolume || math.IsNaN(c.Volume) {
		return fmt.Errorf("ingest.simulate.volume: %v, want > 0 and ≤ %d (1 is the default)", c.Volume, MaxVolume)
	}
	seen := map[string]bool{}
	for _, b := range c.Brands {
		if strings.TrimSpace(b) == "" {
			return fmt.Errorf("ingest.simulate.brands: an id is empty")
		}
		if seen[b] {
			return fmt.Errorf("ingest.simulate.brands: %q is listed twice", b)
		}
		seen[b] = true
	}
	if !ingest.ValidProgressMode(c.Progress) {
		return fmt.Errorf("ingest.simulate.progress: %q, want auto, bar, log or none", c.Progress)
	}
	if c.ProgressInterval <= 0 {
		return fmt.Errorf("ingest.simulate.progress_interval: %s, want > 0 (e.g. 10s)", c.ProgressInterval)
	}
	return nil
}
