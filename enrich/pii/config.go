package pii

import (
	"errors"
	"fmt"
	"strings"
)

// Config is the "pii" sub-section of the enrich configuration.
type Config struct {
	// Kinds lists what is redacted: any of email, phone, card, postcode,
	// address. Default: all of them. A kind left out is kept in the text
	// as written (and stored so in ClickHouse).
	Kinds []string `yaml:"kinds"`
}

// DefaultConfig returns the defaults: every kind is redacted.
func DefaultConfig() Config {
	return Config{Kinds: []string{KindEmail, KindPhone, KindCard, KindPostcode, KindAddress}}
}

// Validate names the field that is wrong and how to fix it.
func (c Config) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for _, k := range c.Kinds {
		if _, ok := kindBit[k]; !ok {
			errs = append(errs, fmt.Errorf("enrich.pii.kinds: unknown kind %q, want any of %s", k, strings.Join(AllKinds, ", ")))
			continue
		}
		if seen[k] {
			errs = append(errs, fmt.Errorf("enrich.pii.kinds: %q listed twice; list each kind once", k))
		}
		seen[k] = true
	}
	return errors.Join(errs...)
}

func (c Config) mask() Kinds {
	var m Kinds
	for _, k := range c.Kinds {
		m |= kindBit[k]
	}
	return m
}
