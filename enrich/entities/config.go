package entities

import (
	"errors"
	"fmt"
)

// Config is the "entities" sub-section of the enrich configuration.
type Config struct {
	// Enabled turns the enricher on.
	Enabled bool `yaml:"enabled"`
	// Names finds people, places, organisations and products with the
	// statistical tagger.
	Names bool `yaml:"names"`
	// Identifiers finds service identifiers with rules: flight numbers,
	// airport codes, order, booking and tracking references.
	Identifiers bool `yaml:"identifiers"`
	// Products reports the brand registry's product names
	// (brands[].products: "iPhone 15 Pro", "Sky Q", "#PS5") as product
	// entities, whatever the tagger says about those words.
	Products bool `yaml:"products"`
	// MaxTokens bounds the tokens of a text that are tagged (a long text
	// is tagged up to that token; identifiers are looked for in all of it).
	MaxTokens int `yaml:"max_tokens"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Enabled: true, Names: true, Identifiers: true, Products: true, MaxTokens: 400}
}

// Validate names the field that is wrong and how to fix it.
func (c Config) Validate() error {
	var errs []error
	if c.MaxTokens < 1 || c.MaxTokens > 100_000 {
		errs = append(errs, fmt.Errorf("enrich.entities.max_tokens: %d, want 1..100000 (default %d)", c.MaxTokens, DefaultConfig().MaxTokens))
	}
	if c.Enabled && !c.Names && !c.Identifiers && !c.Products {
		errs = append(errs, errors.New("enrich.entities: enabled with names, identifiers and products all off; set enabled: false instead"))
	}
	return errors.Join(errs...)
}
