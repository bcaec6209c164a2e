package brands

import "fmt"

// Config is the "brands" sub-section of the enrich configuration.
type Config struct {
	// ReplyCacheSize is how many recent brand posts are remembered, so that
	// a reply to one is recognised as addressed to the brand (≈ 50 bytes an
	// entry: the default 1 Mi entries take ≈ 50 MiB when full).
	ReplyCacheSize int `yaml:"reply_cache_size"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{ReplyCacheSize: 1 << 20} }

const maxReplyCacheSize = 1 << 27

// Validate names the field that is wrong and how to fix it.
func (c Config) Validate() error {
	if c.ReplyCacheSize < 1 || c.ReplyCacheSize > maxReplyCacheSize {
		return fmt.Errorf("enrich.brands.reply_cache_size: %d, want 1..%d (default %d)", c.ReplyCacheSize, maxReplyCacheSize, DefaultConfig().ReplyCacheSize)
	}
	return nil
}
