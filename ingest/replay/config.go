package replay

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/ingest"
)

// Input formats.
const (
	FormatAuto        = ""            // detect from the first line, then the extension
	FormatJSONL       = "jsonl"       // one Mention v1 record per line
	FormatTWCS        = "twcs"        // Customer Support on Twitter CSV
	FormatCrowdFlower = "crowdflower" // CrowdFlower / Figure Eight labelled tweet CSVs
	FormatCSV         = "csv"         // any CSV, through a column mapping (Config.CSV)
)

// Formats lists the formats Config.Format accepts (besides FormatAuto).
var Formats = []string{FormatJSONL, FormatTWCS, FormatCrowdFlower, FormatCSV}

// DefaultCreatedAt is the created_at given to the records of a file that
// has no date for them (the CrowdFlower brands-and-products file has none):
// a fixed instant, so that a replay is deterministic and its checkpoint can
// be resumed, at the start of 2000 (the earliest date a Mention may carry),
// where no real post lies, so that such records are easy to tell apart and
// never fall in a real reporting period. Each such record also carries
// extra.created_at_default = true.
const DefaultCreatedAt = "2000-01-01T00:00:00Z"

// Time formats of CSVConfig.TimeFormat besides a Go layout.
const (
	TimeRFC3339 = "rfc3339" // 2017-10-31T22:10:47Z, fractions and offsets allowed
	TimeUnix    = "unix"    // seconds since 1970, fractions allowed
	TimeUnixMS  = "unix_ms" // milliseconds since 1970
)

// Config configures a replay. In the configuration file it is the
// section ingest.replay:
//
//	ingest:
//	  replay:
//	    format: ""                        # jsonl, twcs, crowdflower, csv; "" detects
//	    speed: 0
//	    state_dir: .earshot
//	    progress: auto
//	    progress_interval: 10s
//	    default_created_at: "2000-01-01T00:00:00Z"
//	    time_zone: UTC
//	    crowdflower:
//	      repair_mojibake: true
//	    csv:
//	      map: {id: tweet_id, text: body, created_at: date, author: user, in_reply_to: parent}
//	      platform: csv
//	      time_format: rfc3339
//	      delimiter: ","
type Config struct {
	// Format is jsonl, twcs, crowdflower, csv, or empty to detect it.
	Format string `yaml:"format" json:"format"`
	// Speed paces the replay by created_at: 0 publishes as fast as possible;
	// 1 is real time; 60 replays an hour of posts per minute.
	Speed float64 `yaml:"speed" json:"speed"`
	// Resume skips what a previous run of the same file acknowledged, as
	// recorded in the checkpoint.
	Resume bool `yaml:"resume" json:"resume"`
	// Checkpoint is the checkpoint file; empty uses
	// <state_dir>/checkpoints/<input name>-<hash of its absolute path>.json.
	Checkpoint string `yaml:"checkpoint" json:"checkpoint"`
	// StateDir holds earshot's local state (checkpoints). It is not beside
	// the input because inputs often sit on read-only storage.
	StateDir string `yaml:"state_dir" json:"state_dir"`
	// Progress is auto (a bar on a terminal, log lines otherwise), bar, log
	// or none.
	Progress string `yaml:"progress" json:"progress"`
	// ProgressInterval spaces the progress log lines.
	ProgressInterval time.Duration `yaml:"progress_interval" json:"progress_interval"`
	// DefaultCreatedAt (RFC 3339) is the created_at of crowdflower and csv
	// rows that have no date (no date column, or an empty cell); such
	// records carry extra.created_at_default = true.
	DefaultCreatedAt string `yaml:"default_created_at" json:"default_created_at"`
	// TimeZone (an IANA name, or UTC, or Local) reads the crowdflower and
	// csv dates written without an offset.
	TimeZone string `yaml:"time_zone" json:"time_zone"`
	// CrowdFlower configures the crowdflower format.
	CrowdFlower CrowdFlowerConfig `yaml:"crowdflower" json:"crowdflower"`
	// CSV configures the csv format.
	CSV CSVConfig `yaml:"csv" json:"csv"`
}

// CrowdFlowerConfig is ingest.replay.crowdflower.
type CrowdFlowerConfig struct {
	// RepairMojibake undoes the double mis-decoding of the CrowdFlower
	// exports ("‰Ûª" for "’", "‰ÛÏ" for "“"), where it is reversible.
	// Repaired records carry extra.text_repaired = true.
	RepairMojibake bool `yaml:"repair_mojibake" json:"repair_mojibake"`
}

// CSVConfig is ingest.replay.csv: how the columns of any CSV export map to
// the Mention fields.
type CSVConfig struct {
	// Map maps a Mention field (the key: see CSVFields, or extra.<name>) to
	// a column of the header (the value). text is required.
	Map map[string]string `yaml:"map" json:"map"`
	// Platform qualifies the ids ("x" for an export of X posts).
	Platform string `yaml:"platform" json:"platform"`
	// TimeFormat reads created_at: rfc3339, unix (seconds), unix_ms, or a
	// Go layout such as "2006-01-02 15:04:05 -0700".
	TimeFormat string `yaml:"time_format" json:"time_format"`
	// Delimiter separates the fields: one character; "\t" or "tab" for TSV.
	Delimiter string `yaml:"delimiter" json:"delimiter"`
}

// CSVFields are the Mention fields a csv mapping can fill, besides
// extra.<name> (any column copied as a string into extra).
var CSVFields = []string{
	"id", "text", "created_at", "author", "author_handle", "author_name", "followers",
	"in_reply_to", "conversation_id", "quoted_id", "url", "lang",
	"likes", "reposts", "replies", "quotes",
}

// DefaultConfig returns the defaults: detect the format, as fast as
// possible, checkpoints under .earshot/checkpoints/.
func DefaultConfig() Config {
	return Config{
		Format:           FormatAuto,
		StateDir:         ".earshot",
		Progress:         ingest.ProgressAuto,
		ProgressInterval: 10 * time.Second,
		DefaultCreatedAt: DefaultCreatedAt,
		TimeZone:         "UTC",
		CrowdFlower:      CrowdFlowerConfig{RepairMojibake: true},
		CSV:              CSVConfig{Platform: "csv", TimeFormat: TimeRFC3339, Delimiter: ","},
	}
}

// Validate names the first field that is wrong and how to fix it.
func (c Config) Validate() error {
	switch c.Format {
	case FormatAuto, FormatJSONL, FormatTWCS, FormatCrowdFlower, FormatCSV:
	default:
		return fmt.Errorf("ingest.replay.format: %q, want %s, or empty to detect it", c.Format, strings.Join(Formats, ", "))
	}
	if c.Speed < 0 || math.IsNaN(c.Speed) || math.IsInf(c.Speed, 0) {
		return fmt.Errorf("ingest.replay.speed: %v, want 0 (as fast as possible) or a factor > 0 (1 = real time)", c.Speed)
	}
	if c.Checkpoint == "" && c.StateDir == "" {
		return fmt.Errorf("ingest.replay.state_dir: empty; set it (e.g. .earshot) or set checkpoint")
	}
	if !ingest.ValidProgressMode(c.Progress) {
		return fmt.Errorf("ingest.replay.progress: %q, want auto, bar, log or none", c.Progress)
	}
	if c.ProgressInterval <= 0 {
		return fmt.Errorf("ingest.replay.progress_interval: %s, want > 0 (e.g. 10s)", c.ProgressInterval)
	}
	if _, err := c.defaultCreatedAt(); err != nil {
		return err
	}
	if _, err := c.location(); err != nil {
		return err
	}
	if c.Format == FormatCSV && len(c.CSV.Map) == 0 {
		return fmt.Errorf("ingest.replay.csv.map: empty; format csv needs a column mapping with at least text (e.g. --map text=body,created_at=date,id=tweet_id)")
	}
	if len(c.CSV.Map) > 0 || c.Format == FormatCSV {
		if err := c.CSV.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) defaultCreatedAt() (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(c.DefaultCreatedAt))
	if err != nil {
		return t, fmt.Errorf("ingest.replay.default_created_at: %q is not an RFC 3339 time (e.g. %s)", c.DefaultCreatedAt, DefaultCreatedAt)
	}
	if t.Year() < 2000 || t.After(time.Now()) {
		return t, fmt.Errorf("ingest.replay.default_created_at: %s, want a time between 2000-01-01 and now (a Mention cannot be older or in the future)", c.DefaultCreatedAt)
	}
	return t.UTC(), nil
}

func (c Config) location() (*time.Location, error) {
	if c.TimeZone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("ingest.replay.time_zone: %q: %v; want an IANA zone such as Europe/London, or UTC", c.TimeZone, err)
	}
	return loc, nil
}

func (c CSVConfig) validate() error {
	if _, ok := c.Map["text"]; !ok {
		return fmt.Errorf("ingest.replay.csv.map: no text column; map one (e.g. text=body)")
	}
	keys := make([]string, 0, len(c.Map))
	for k := range c.Map {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !validCSVField(k) {
			return fmt.Errorf("ingest.replay.csv.map: unknown field %q; want one of %s, or extra.<name>", k, strings.Join(CSVFields, ", "))
		}
		if strings.TrimSpace(c.Map[k]) == "" {
			return fmt.Errorf("ingest.replay.csv.map: %s has no column name", k)
		}
	}
	if c.Platform == "" || strings.ContainsAny(c.Platform, ": \t\r\n") {
		return fmt.Errorf("ingest.replay.csv.platform: %q, want a platform name without ':' or spaces (e.g. x, csv)", c.Platform)
	}
	if _, err := newTimeReader(c.TimeFormat, time.UTC); err != nil {
		return fmt.Errorf("ingest.replay.csv.time_format: %w", err)
	}
	if _, err := parseDelimiter(c.Delimiter); err != nil {
		return fmt.Errorf("ingest.replay.csv.delimiter: %w", err)
	}
	return nil
}

func validCSVField(k string) bool {
	if name, ok := strings.CutPrefix(k, "extra."); ok {
		return name != "" && !strings.ContainsAny(name, " \t\r\n")
	}
	for _, f := range CSVFields {
		if k == f {
			return true
		}
	}
	return false
}

// ParseMap reads a --map flag: field=column pairs separated by commas
// ("id=tweet_id,text=body"). A column name may not contain a comma; use
// the configuration file's ingest.replay.csv.map for such names.
func ParseMap(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		field, col, ok := strings.Cut(pair, "=")
		field, col = strings.TrimSpace(field), strings.TrimSpace(col)
		if !ok || field == "" || col == "" {
			return nil, fmt.Errorf("--map: %q is not field=column", pair)
		}
		if !validCSVField(field) {
			return nil, fmt.Errorf("--map: unknown field %q; want one of %s, or extra.<name>", field, strings.Join(CSVFields, ", "))
		}
		if _, dup := m[field]; dup {
			return nil, fmt.Errorf("--map: %s is mapped twice", field)
		}
		m[field] = col
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("--map: empty; want field=column pairs such as text=body,created_at=date")
	}
	return m, nil
}
