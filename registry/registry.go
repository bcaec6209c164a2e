// Package registry loads the brand registry: the brands earshot measures,
// their official handles per platform, aliases, support hours and SLA
// targets. It is validated at start-up.
package registry

import "time"

// Registry is the set of brands earshot knows.
type Registry struct {
	Brands []Brand `yaml:"brands" json:"brands"`

	byID     map[string]*Brand
	byHandle map[string]*Brand // key: platform + ":" + lower-case handle
}

// Brand is one brand and its official accounts.
type Brand struct {
	// ID is the registry id: lower case, [a-z0-9_]. For support accounts that
	// appear in public data it is the account name in lower case
	// ("applesupport", "british_airways").
	ID          string   `yaml:"id" json:"id"`
	Name        string   `yaml:"name" json:"name"`
	Sector      string   `yaml:"sector" json:"sector"`
	Competitors []string `yaml:"competitors,omitempty" json:"competitors,omitempty"`
	// Handles maps a platform ("x", "twcs", "bluesky", "mastodon", "reddit")
	// to the brand's official handles on it, without the leading "@".
	// Handles under "x" also match "twcs" (the Customer Support on Twitter
	// data set is X data).
	Handles map[string][]string `yaml:"handles" json:"handles"`
	// Aliases are names and keywords that mean the brand in running text.
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Products are the brand's product and service names ("iPhone", "Sky Q",
	// "Xbox Game Pass"). They mark a post as about the brand, like aliases,
	// and the entities enricher reports them as product entities.
	Products []string `yaml:"products,omitempty" json:"products,omitempty"`
	// Ambiguous marks a brand whose name is a common word ("Next", "O2",
	// "Three"): aliases then match only with a supporting context word.
	Ambiguous bool `yaml:"ambiguous,omitempty" json:"ambiguous,omitempty"`
	// Context words that confirm an ambiguous alias.
	Context      []string      `yaml:"context,omitempty" json:"context,omitempty"`
	SupportHours *SupportHours `yaml:"support_hours,omitempty" json:"support_hours,omitempty"`
	SLA          SLA           `yaml:"sla,omitempty" json:"sla,omitempty"`
}

// SupportHours is when a brand staffs its social-care desk.
type SupportHours struct {
	TimeZone string `yaml:"tz" json:"tz"` // IANA name, e.g. "Europe/London"
	// Weekly opening hours: day ("mon".."sun") → "HH:MM-HH:MM" ranges;
	// "00:00-24:00" is all day; an absent day is closed.
	Days map[string][]string `yaml:"days" json:"days"`

	loc *time.Location
}

// SLA holds a brand's first-response targets.
type SLA struct {
	FirstResponse time.Duration `yaml:"first_response,omitempty" json:"first_response,omitempty"`
}
