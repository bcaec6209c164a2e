package registry_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/registry"
)

// badRegistries maps each testdata/*.bad.yaml file to the parts its error
// must contain: the entry that is wrong and the fix.
var badRegistries = map[string][]string{
	"dup_handle.bad.yaml":            {`brand "beta"`, `handle x@alphahelp already belongs to brand "alpha"`, "remove it from one of them"},
	"dup_handle_twcs.bad.yaml":       {`brand "beta"`, `handle twcs@AlphaHelp already belongs to brand "alpha"`, "remove it"},
	"dup_handle_same_brand.bad.yaml": {`brand "alpha"`, "x@alphahelp is listed twice", "remove one"},
	"dup_id.bad.yaml":                {`brand "klm"`, "id is used twice", "give each brand its own id"},
	"empty_product.bad.yaml":         {`brand "apple"`, "a product is empty", "remove it"},
	"dup_product.bad.yaml":           {`brand "apple"`, `product "IPHONE" is listed twice`, "remove one"},
	"dup_product_brands.bad.yaml":    {`brand "playstation"`, `product "PlayStation  5" already belongs to brand "sony"`, "remove it from one of them"},
	"unknown_competitor.bad.yaml":    {`brand "klm"`, `competitor "lufthansa" is not a brand id`, "add it or remove it"},
	"self_competitor.bad.yaml":       {`brand "klm"`, "lists itself as a competitor", `remove "klm" from competitors`},
	"dup_competitor.bad.yaml":        {`brand "klm"`, `competitor "lufthansa" is listed twice`, "remove one"},
	"bad_tz.bad.yaml":                {`brand "klm"`, `support_hours: tz "Europe/Amsterdm" is not an IANA time zone`, "e.g. Europe/Amsterdam"},
	"local_tz.bad.yaml":              {`brand "klm"`, `tz "Local" depends on the machine`, "use an IANA name"},
	"empty_tz.bad.yaml":              {`brand "klm"`, "support_hours: tz is empty", "use an IANA name"},
	"empty_name.bad.yaml":            {`brand "klm"`, "name is empty", "set the display name"},
	"empty_sector.bad.yaml":          {`brand "klm"`, "sector is empty", "set e.g. airline"},
	"bad_id.bad.yaml":                {`brand "KLM Airlines"`, "must be lower case letters, digits and '_'", `e.g. "klm_airlines"`},
	"missing_id.bad.yaml":            {`brands[0] (name "KLM")`, "id is empty", `such as "klm"`},
	"unknown_key.bad.yaml":           {"line 5", `unknown key "handle"`, "handles"},
	"unknown_hours_key.bad.yaml":     {"line 6", `unknown key "timezone"`, "the keys here are tz, days"},
	"bad_hours_range.bad.yaml":       {`brand "klm"`, `day mon: range "20:00-08:00" ends before it starts`},
	"hours_past_midnight.bad.yaml":   {`brand "klm"`, `day fri: range "18:00-24:30" goes past 24:00`},
	"hours_format.bad.yaml":          {`brand "klm"`, `day tue: range "8-17" is not HH:MM-HH:MM`},
	"day_typo.bad.yaml":              {`brand "klm"`, `day "tues"`, "use mon, tue, wed, thu, fri, sat or sun"},
	"no_days.bad.yaml":               {`brand "klm"`, "days is empty", `e.g. days: {mon:`},
	"no_handles.bad.yaml":            {`brand "klm"`, "no official handles", "add handles: {x: [name]}"},
	"bad_handle.bad.yaml":            {`brand "klm"`, `handles.x: "KLM Royal Dutch" is not a handle`, "no spaces"},
	"bad_platform.bad.yaml":          {`brand "klm"`, `platform "X" is not a platform name`, "use lower case"},
	"ambiguous_no_context.bad.yaml":  {`brand "next"`, "ambiguous is true but context is empty", "list context words"},
	"empty_alias.bad.yaml":           {`brand "klm"`, "an alias is empty", "remove it"},
	"negative_sla.bad.yaml":          {`brand "klm"`, "sla.first_response is negative", "such as 1h"},
	"bad_sla.bad.yaml":               {"line 6", "time.Duration", "a duration needs a unit"},
	"no_brands.bad.yaml":             {"no brands", "list them under 'brands:'"},
	"empty.bad.yaml":                 {"registry is empty", "list brands under 'brands:'"},
	"two_documents.bad.yaml":         {"more than one YAML document", "one 'brands:' list"},
	"top_level_list.bad.yaml":        {"line 1", "must be a mapping with a 'brands:' list"},
}

func TestBadRegistries(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.bad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Every file has expectations and every expectation has a file.
	for _, f := range files {
		if _, ok := badRegistries[filepath.Base(f)]; !ok {
			t.Errorf("%s has no entry in badRegistries: add its expected error", f)
		}
	}
	for name, want := range badRegistries {
		t.Run(strings.TrimSuffix(name, ".bad.yaml"), func(t *testing.T) {
			path := filepath.Join("testdata", name)
			reg, err := registry.LoadFile(path)
			if err == nil {
				t.Fatalf("LoadFile(%s) accepted a bad registry with %d brands", path, len(reg.Brands))
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the file %s: %v", path, err)
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n  does not contain %q", err, w)
				}
			}
			// Parse and Read give the same verdict as LoadFile.
			data, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if _, err := registry.Parse(data); err == nil {
				t.Error("Parse accepted what LoadFile refused")
			}
			if _, err := registry.Read(bytes.NewReader(data)); err == nil {
				t.Error("Read accepted what LoadFile refused")
			}
		})
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := registry.LoadFile(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("LoadFile of a missing file: %v, want an error naming the file", err)
	}
}

func TestReadTooLarge(t *testing.T) {
	big := bytes.Repeat([]byte("# padding padding padding padding\n"), (16<<20)/34+2)
	if _, err := registry.Read(bytes.NewReader(big)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("Read of a %d-byte file: %v, want a size error", len(big), err)
	}
}

// mustParse parses a registry written in a test.
func mustParse(tb testing.TB, yaml string) *registry.Registry {
	tb.Helper()
	reg, err := registry.Parse([]byte(yaml))
	if err != nil {
		tb.Fatalf("Parse: %v\n%s", err, yaml)
	}
	return reg
}

const lookupYAML = `
brands:
  - id: alpha
    name: Alpha Air
    sector: airline
    competitors: [beta]
    handles:
      x: [AlphaAir, "@AlphaHelp"]
      bluesky: [alpha.example.com]
      mastodon: [alpha@social.example]
  - id: beta
    name: Beta Air
    sector: airline
    handles:
      twcs: [Beta_Care]   # listed for twcs: serves x and sim too
  - id: gamma
    name: Gamma
    sector: airline
    handles:
      x: [GammaHelp]
      twcs: [gammahelp]   # the same brand may list a handle under both
`

func TestByHandle(t *testing.T) {
	reg := mustParse(t, lookupYAML)
	tests := []struct {
		platform, handle string
		want             string // brand id; "" = no brand
	}{
		{"x", "AlphaAir", "alpha"},
		{"x", "alphaair", "alpha"},
		{"x", "ALPHAAIR", "alpha"},
		{"x", "@AlphaAir", "alpha"},
		{"x", "alphahelp", "alpha"}, // written with a leading @ in the file
		{"twcs", "AlphaAir", "alpha"},
		{"sim", "alphaAIR", "alpha"},
		{"x", "Beta_Care", "beta"},
		{"twcs", "beta_care", "beta"},
		{"sim", "BETA_CARE", "beta"},
		{"x", "gammahelp", "gamma"},
		{"twcs", "GammaHelp", "gamma"},
		{"bluesky", "Alpha.Example.com", "alpha"},
		{"mastodon", "alpha@social.example", "alpha"},
		// Other platforms do not share handles.
		{"bluesky", "AlphaAir", ""},
		{"reddit", "AlphaAir", ""},
		{"x", "alpha.example.com", ""},
		{"x", "nobody", ""},
		{"x", "", ""},
		{"X", "AlphaAir", ""}, // platform names are lower case
	}
	for _, tt := range tests {
		b, ok := reg.ByHandle(tt.platform, tt.handle)
		got := ""
		if ok {
			got = b.ID
		}
		if got != tt.want {
			t.Errorf("ByHandle(%q, %q) = %q, want %q", tt.platform, tt.handle, got, tt.want)
		}
	}
}

func TestByIDAndIDs(t *testing.T) {
	reg := mustParse(t, lookupYAML)
	b, ok := reg.ByID("beta")
	if !ok || b.Name != "Beta Air" {
		t.Fatalf("ByID(beta) = %v, %v", b, ok)
	}
	if _, ok := reg.ByID("Beta"); ok {
		t.Error("ByID is case-sensitive: ids are lower case")
	}
	// ByID and ByHandle return the same *Brand.
	if h, _ := reg.ByHandle("x", "beta_care"); h != b {
		t.Error("ByHandle and ByID return different pointers for one brand")
	}
	if got, want := reg.IDs(), []string{"alpha", "beta", "gamma"}; !slices.Equal(got, want) {
		t.Errorf("IDs() = %v, want %v", got, want)
	}
}

func TestSupportHoursOpen(t *testing.T) {
	reg := mustParse(t, `
brands:
  - id: london
    name: London 9-5
    sector: bank
    handles: {x: [london]}
    support_hours: {tz: Europe/London, days: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"]}}
  - id: newyork
    name: New York, BofA's 2017 hours
    sector: bank
    handles: {x: [newyork]}
    support_hours: {tz: America/New_York, days: {mon: ["08:00-21:00"], tue: ["08:00-21:00"], wed: ["08:00-21:00"], thu: ["08:00-21:00"], fri: ["08:00-21:00"], sat: ["11:00-20:00"]}}
  - id: tokyo
    name: Tokyo, split shift
    sector: bank
    handles: {x: [tokyo]}
    support_hours: {tz: Asia/Tokyo, days: {mon: ["09:00-12:00", "13:00-18:00"]}}
  - id: night
    name: New York small hours on Sundays
    sector: bank
    handles: {x: [night]}
    support_hours: {tz: America/New_York, days: {sun: ["01:00-03:00"]}}
  - id: always
    name: Always
    sector: bank
    handles: {x: [always]}
    support_hours: {tz: Australia/Sydney, days: {mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}}
  - id: unstaffed
    name: No hours given
    sector: bank
    handles: {x: [unstaffed]}
`)
	utc := func(s string) time.Time {
		t.Helper()
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		brand, at string
		want      bool
		why       string
	}{
		// London: GMT (UTC+0) until 2024-03-31 01:00 UTC, then BST (UTC+1) until 2024-10-27 01:00 UTC.
		{"london", "2024-03-25T08:59:59Z", false, "Mon 08:59 GMT"},
		{"london", "2024-03-25T09:00:00Z", true, "Mon 09:00 GMT: the start is inclusive"},
		{"london", "2024-03-25T16:59:59Z", true, "Mon 16:59 GMT"},
		{"london", "2024-03-25T17:00:00Z", false, "Mon 17:00 GMT: the end is exclusive"},
		{"london", "2024-04-01T08:30:00Z", true, "Mon 09:30 BST"},
		{"london", "2024-04-01T16:30:00Z", false, "Mon 17:30 BST"},
		{"london", "2024-03-30T12:00:00Z", false, "Saturday is closed"},
		{"london", "2024-10-25T16:30:00Z", false, "Fri 17:30 BST"},
		{"london", "2024-10-28T16:30:00Z", true, "Mon 16:30 GMT after the clocks went back"},
		{"london", "2024-10-28T08:30:00Z", false, "Mon 08:30 GMT"},
		// New York: EST (UTC-5) until 2024-03-10 07:00 UTC, then EDT (UTC-4).
		{"newyork", "2024-03-09T15:59:00Z", false, "Sat 10:59 EST"},
		{"newyork", "2024-03-09T16:00:00Z", true, "Sat 11:00 EST"},
		{"newyork", "2024-03-16T15:30:00Z", true, "Sat 11:30 EDT"},
		{"newyork", "2024-03-17T00:30:00Z", false, "Sat 20:30 EDT"},
		{"newyork", "2024-03-11T01:30:00Z", false, "Monday in UTC but Sunday 21:30 in New York"},
		{"newyork", "2024-03-12T00:30:00Z", true, "Tuesday in UTC but Monday 20:30 in New York"},
		{"newyork", "2024-03-11T12:00:00Z", true, "Mon 08:00 EDT"},
		{"newyork", "2024-03-04T12:00:00Z", false, "Mon 07:00 EST, a week before"},
		// Tokyo: no DST; Monday starts on Sunday 15:00 UTC.
		{"tokyo", "2024-03-24T23:30:00Z", false, "Mon 08:30 JST"},
		{"tokyo", "2024-03-25T00:30:00Z", true, "Mon 09:30 JST"},
		{"tokyo", "2024-03-25T03:30:00Z", false, "Mon 12:30 JST: lunch break"},
		{"tokyo", "2024-03-25T04:00:00Z", true, "Mon 13:00 JST"},
		{"tokyo", "2024-03-25T09:00:00Z", false, "Mon 18:00 JST"},
		// The spring-forward gap: on 2024-03-10 New York skips 02:00-03:00.
		{"night", "2024-03-10T06:30:00Z", true, "Sun 01:30 EST"},
		{"night", "2024-03-10T07:00:00Z", false, "Sun 03:00 EDT: 02:00-03:00 never happened"},
		{"night", "2024-03-17T06:30:00Z", true, "Sun 02:30 EDT a week later"},
		// The fall-back overlap: on 2024-11-03 01:00-02:00 happens twice.
		{"night", "2024-11-03T05:30:00Z", true, "Sun 01:30 EDT"},
		{"night", "2024-11-03T06:30:00Z", true, "Sun 01:30 EST, the second time"},
		{"night", "2024-11-03T08:30:00Z", false, "Sun 03:30 EST"},
		// All day, every day.
		{"always", "2024-04-06T15:59:59Z", true, "Sun 02:59:59 AEDT, just before the clocks go back"},
		{"always", "2024-04-07T13:59:59Z", true, "Sun 23:59:59 AEST"},
		{"always", "2024-04-07T14:00:00Z", true, "Mon 00:00 AEST"},
		// No support_hours: always open.
		{"unstaffed", "2024-03-24T03:00:00Z", true, "no hours means always staffed"},
	}
	for _, tt := range tests {
		b, ok := reg.ByID(tt.brand)
		if !ok {
			t.Fatalf("no brand %q", tt.brand)
		}
		at := utc(tt.at)
		if got := b.SupportHours.Open(at); got != tt.want {
			t.Errorf("%s.Open(%s) = %v, want %v (%s)", tt.brand, tt.at, got, tt.want, tt.why)
		}
		// The time zone of the argument does not matter, only the instant.
		if got := b.SupportHours.Open(at.In(time.FixedZone("X", -11*3600))); got != tt.want {
			t.Errorf("%s.Open(%s in UTC-11) = %v, want %v", tt.brand, tt.at, got, tt.want)
		}
	}
}

func TestSupportHoursLocation(t *testing.T) {
	reg := mustParse(t, `
brands:
  - id: ams
    name: Amsterdam
    sector: airline
    handles: {x: [ams]}
    support_hours: {tz: Europe/Amsterdam, days: {mon: ["08:00-20:00"]}}
`)
	b, _ := reg.ByID("ams")
	if got := b.SupportHours.Location().String(); got != "Europe/Amsterdam" {
		t.Errorf("Location() = %s, want Europe/Amsterdam", got)
	}
	var none *registry.SupportHours
	if none.Location() != time.UTC {
		t.Error("nil SupportHours: Location() should be UTC")
	}
	if !none.Open(time.Now()) {
		t.Error("nil SupportHours: Open should be true (no hours = always staffed)")
	}
	// Hours built in code, not validated: UTC.
	manual := &registry.SupportHours{TimeZone: "Asia/Tokyo", Days: map[string][]string{"mon": {"09:00-10:00"}}}
	if manual.Location() != time.UTC {
		t.Error("unvalidated SupportHours: Location() should fall back to UTC")
	}
}

func BenchmarkByHandle(b *testing.B) {
	reg, err := registry.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := reg.ByHandle("twcs", "British_Airways"); !ok {
			b.Fatal("British_Airways not found")
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	reg, err := registry.Default()
	if err != nil {
		b.Fatal(err)
	}
	bofa, ok := reg.ByID("bofa_help")
	if !ok || bofa.SupportHours == nil {
		b.Fatal("bofa_help has no support hours")
	}
	at := time.Date(2017, 10, 30, 14, 5, 6, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		bofa.SupportHours.Open(at)
	}
}
