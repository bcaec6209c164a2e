package registry

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // support-hours time zones work without a system tz database (scratch images)

	"gopkg.in/yaml.v3"
)

//go:embed default.yaml
var defaultYAML []byte

// Default returns the embedded default registry.
func Default() (*Registry, error) { return Parse(defaultYAML) }

// DefaultYAML returns the embedded default registry's text.
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// LoadFile reads and validates a registry file.
func LoadFile(path string) (*Registry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	defer f.Close()
	r, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", path, err)
	}
	return r, nil
}

// maxRegistryBytes bounds a registry file.
const maxRegistryBytes = 16 << 20

// Read decodes and validates a registry. Unknown keys are errors.
func Read(r io.Reader) (*Registry, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxRegistryBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxRegistryBytes {
		return nil, fmt.Errorf("registry is larger than %d bytes", maxRegistryBytes)
	}
	return Parse(data)
}

// Parse decodes and validates registry YAML.
func Parse(data []byte) (*Registry, error) {
	var reg Registry
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&reg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("registry is empty: list brands under 'brands:'")
		}
		return nil, fmt.Errorf("registry: %w%s", err, yamlHint(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("registry: the file holds more than one YAML document ('---'); put every brand in one 'brands:' list")
	}
	if err := reg.Validate(); err != nil {
		return nil, err
	}
	return &reg, nil
}

// yamlHint explains a decoding error: an unknown key lists the known ones.
func yamlHint(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return ""
	}
	for _, msg := range te.Errors {
		if m := unknownKeyRe.FindStringSubmatch(msg); m != nil {
			if keys, ok := knownKeys[m[2]]; ok {
				return fmt.Sprintf(" (unknown key %q; check its spelling: the keys here are %s)", m[1], strings.Join(keys, ", "))
			}
		}
		if strings.Contains(msg, "into time.Duration") {
			return " (a duration needs a unit, e.g. 15m or 1h)"
		}
		if strings.Contains(msg, "into registry.Registry") {
			return " (the file must be a mapping with a 'brands:' list)"
		}
	}
	return " (see registry/default.yaml for the format)"
}

var unknownKeyRe = regexp.MustCompile(`field (\S+) not found in type (\S+)`)

// knownKeys maps a type name, as yaml prints it, to its YAML keys.
var knownKeys = map[string][]string{
	"registry.Registry":     yamlKeys(Registry{}),
	"registry.Brand":        yamlKeys(Brand{}),
	"registry.SupportHours": yamlKeys(SupportHours{}),
	"registry.SLA":          yamlKeys(SLA{}),
}

func yamlKeys(v any) []string {
	t := reflect.TypeOf(v)
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

var (
	platformRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	idRe       = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)
	handleRe   = regexp.MustCompile(`^[A-Za-z0-9_.\-@:]+$`)
	rangeRe    = regexp.MustCompile(`^([01][0-9]|2[0-4]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$`)
)

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// Validate checks every brand and builds the look-up indexes. Errors name
// the brand entry and the fix.
func (r *Registry) Validate() error {
	if len(r.Brands) == 0 {
		return errors.New("registry has no brands: list them under 'brands:'")
	}
	r.byID = make(map[string]*Brand, len(r.Brands))
	r.byHandle = map[string]*Brand{}
	products := map[string]string{} // product name in lower case → brand id
	for i := range r.Brands {
		b := &r.Brands[i]
		where := fmt.Sprintf("brand %q", b.ID)
		if b.ID == "" {
			where = fmt.Sprintf("brands[%d] (name %q)", i, b.Name)
			return fmt.Errorf("%s: id is empty; set a lower-case id such as %q", where, suggestID(b.Name))
		}
		if !idRe.MatchString(b.ID) {
			return fmt.Errorf("%s: id %q must be lower case letters, digits and '_' (e.g. %q)", where, b.ID, suggestID(b.ID))
		}
		if _, dup := r.byID[b.ID]; dup {
			return fmt.Errorf("%s: id is used twice; give each brand its own id", where)
		}
		r.byID[b.ID] = b
		if strings.TrimSpace(b.Name) == "" {
			return fmt.Errorf("%s: name is empty; set the display name", where)
		}
		if strings.TrimSpace(b.Sector) == "" {
			return fmt.Errorf("%s: sector is empty; set e.g. airline, telecom, retail, bank, tech", where)
		}
		// Platforms in a fixed order, so that the same file always gives the same error.
		platforms := make([]string, 0, len(b.Handles))
		nHandles := 0
		for platform, hs := range b.Handles {
			platforms = append(platforms, platform)
			nHandles += len(hs)
		}
		if nHandles == 0 {
			return fmt.Errorf("%s: no official handles; add handles: {x: [name]}", where)
		}
		sort.Strings(platforms)
		listed := map[string]bool{} // platform:handle as written in this brand
		for _, platform := range platforms {
			if !platformRe.MatchString(platform) {
				return fmt.Errorf("%s: handles: platform %q is not a platform name; use lower case, e.g. x, bluesky, mastodon", where, platform)
			}
			for _, h := range b.Handles[platform] {
				h = strings.TrimPrefix(h, "@")
				if !handleRe.MatchString(h) {
					return fmt.Errorf("%s: handles.%s: %q is not a handle (no spaces, no leading @ needed)", where, platform, h)
				}
				own := platform + ":" + strings.ToLower(h)
				if listed[own] {
					return fmt.Errorf("%s: handle %s@%s is listed twice; remove one", where, platform, h)
				}
				listed[own] = true
				for _, p := range handlePlatforms(platform) {
					key := p + ":" + strings.ToLower(h)
					if other, dup := r.byHandle[key]; dup && other != b {
						return fmt.Errorf("%s: handle %s@%s already belongs to brand %q; a handle has one owner, remove it from one of them", where, platform, h, other.ID)
					}
					// The same brand may list a handle under both x and twcs.
					r.byHandle[key] = b
				}
			}
		}
		for _, a := range b.Aliases {
			if strings.TrimSpace(a) == "" {
				return fmt.Errorf("%s: an alias is empty; remove it", where)
			}
		}
		ownProducts := map[string]bool{}
		for _, p := range b.Products {
			key := strings.ToLower(strings.Join(strings.Fields(p), " "))
			switch {
			case key == "":
				return fmt.Errorf("%s: a product is empty; remove it", where)
			case ownProducts[key]:
				return fmt.Errorf("%s: product %q is listed twice; remove one", where, p)
			}
			ownProducts[key] = true
			if other, dup := products[key]; dup {
				return fmt.Errorf("%s: product %q already belongs to brand %q; a product has one owner, remove it from one of them", where, p, other)
			}
			products[key] = b.ID
		}
		if b.Ambiguous && len(b.Context) == 0 {
			return fmt.Errorf("%s: ambiguous is true but context is empty, so its aliases could never match; list context words", where)
		}
		for _, c := range b.Context {
			if strings.TrimSpace(c) == "" {
				return fmt.Errorf("%s: a context word is empty; remove it", where)
			}
		}
		if b.SupportHours != nil {
			if err := b.SupportHours.validate(); err != nil {
				return fmt.Errorf("%s: support_hours: %w", where, err)
			}
		}
		if b.SLA.FirstResponse < 0 {
			return fmt.Errorf("%s: sla.first_response is negative; use a positive duration such as 1h", where)
		}
	}
	for i := range r.Brands {
		b := &r.Brands[i]
		seen := map[string]bool{}
		for _, c := range b.Competitors {
			if c == b.ID {
				return fmt.Errorf("brand %q: lists itself as a competitor; remove %q from competitors", b.ID, c)
			}
			if _, ok := r.byID[c]; !ok {
				return fmt.Errorf("brand %q: competitor %q is not a brand id in this registry; add it or remove it", b.ID, c)
			}
			if seen[c] {
				return fmt.Errorf("brand %q: competitor %q is listed twice; remove one", b.ID, c)
			}
			seen[c] = true
		}
	}
	return nil
}

// suggestID turns a name into a valid registry id ("KLM Airlines" →
// "klm_airlines"), for error messages.
func suggestID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	if id := strings.TrimSuffix(b.String(), "_"); id != "" {
		return id
	}
	return "my_brand"
}

// handlePlatforms: handles listed for "x" also serve the twcs data (X data)
// and the simulator ("sim", which imitates X); and the other way round.
func handlePlatforms(p string) []string {
	switch p {
	case "x", "twcs", "sim":
		return []string{"x", "twcs", "sim"}
	}
	return []string{p}
}

func (s *SupportHours) validate() error {
	if s.TimeZone == "" {
		return errors.New("tz is empty; use an IANA name such as Europe/London")
	}
	if s.TimeZone == "Local" {
		return errors.New(`tz "Local" depends on the machine; use an IANA name such as Europe/London`)
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return fmt.Errorf("tz %q is not an IANA time zone (e.g. Europe/Amsterdam): %v", s.TimeZone, err)
	}
	s.loc = loc
	if len(s.Days) == 0 {
		return errors.New("days is empty; e.g. days: {mon: [\"08:00-20:00\"]}")
	}
	days := make([]string, 0, len(s.Days))
	for d := range s.Days {
		days = append(days, d)
	}
	sort.Strings(days) // the same file always gives the same error
	for _, d := range days {
		ranges := s.Days[d]
		if _, ok := weekdays[d]; !ok {
			return fmt.Errorf("day %q: use mon, tue, wed, thu, fri, sat or sun", d)
		}
		for _, rg := range ranges {
			from, to, err := parseRange(rg)
			if err != nil {
				return fmt.Errorf("day %s: %w", d, err)
			}
			if from >= to {
				return fmt.Errorf("day %s: range %q ends before it starts", d, rg)
			}
		}
	}
	return nil
}

// parseRange returns minutes since midnight.
func parseRange(s string) (from, to int, err error) {
	m := rangeRe.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, fmt.Errorf("range %q is not HH:MM-HH:MM", s)
	}
	var h1, m1, h2, m2 int
	fmt.Sscanf(m[1]+" "+m[2]+" "+m[3]+" "+m[4], "%d %d %d %d", &h1, &m1, &h2, &m2)
	from, to = h1*60+m1, h2*60+m2
	if from > 24*60 || to > 24*60 {
		return 0, 0, fmt.Errorf("range %q goes past 24:00", s)
	}
	return from, to, nil
}

// ByID returns a brand by registry id.
func (r *Registry) ByID(id string) (*Brand, bool) {
	b, ok := r.byID[id]
	return b, ok
}

// ByHandle returns the brand that owns handle on platform (case-insensitive,
// a leading "@" ignored).
func (r *Registry) ByHandle(platform, handle string) (*Brand, bool) {
	b, ok := r.byHandle[platform+":"+strings.ToLower(strings.TrimPrefix(handle, "@"))]
	return b, ok
}

// IDs returns the brand ids, sorted.
func (r *Registry) IDs() []string {
	ids := make([]string, 0, len(r.Brands))
	for _, b := range r.Brands {
		ids = append(ids, b.ID)
	}
	sort.Strings(ids)
	return ids
}

// Location returns the support hours' time zone (UTC when none is set).
func (s *SupportHours) Location() *time.Location {
	if s == nil || s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// Open reports whether the desk is staffed at t.
func (s *SupportHours) Open(t time.Time) bool {
	if s == nil {
		return true
	}
	lt := t.In(s.Location())
	mins := lt.Hour()*60 + lt.Minute()
	for d, ranges := range s.Days {
		if weekdays[d] != lt.Weekday() {
			continue
		}
		for _, rg := range ranges {
			from, to, err := parseRange(rg)
			if err == nil && mins >= from && mins < to {
				return true
			}
		}
	}
	return false
}
