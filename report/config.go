package report

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config is the "report" section of the configuration file. Every field
// has a default (DefaultConfig); Validate names what is wrong.
//
//	report:
//	  brands: []              # default: every brand with inbound posts that week (or --brand/--sector)
//	  formats: [html, pdf]    # html, pdf, md
//	  out_dir: .earshot/reports
//	  hours_tz: ""            # hour-of-week heat map; "" = the brand's support-hours zone, else UTC
//	  examples: 3             # best/worst replies, deflections and crisis posts shown
//	  chromium: {path: "", timeout: 60s}
//	  schedule: {time: "07:00", time_zone: UTC}
//	  smtp: {addr: "", from: "", to: [], username: "", password_file: "", starttls: required, timeout: 30s}
//	  slack: {webhook_url: "", timeout: 15s}
type Config struct {
	Brands   []string       `yaml:"brands"`
	Formats  []string       `yaml:"formats"`
	OutDir   string         `yaml:"out_dir"`
	HoursTZ  string         `yaml:"hours_tz"`
	Examples int            `yaml:"examples"`
	Chromium ChromiumConfig `yaml:"chromium"`
	Schedule ScheduleConfig `yaml:"schedule"`
	SMTP     SMTPConfig     `yaml:"smtp"`
	Slack    SlackConfig    `yaml:"slack"`
}

// ChromiumConfig locates headless Chromium, which prints the PDF.
type ChromiumConfig struct {
	// Path of the browser; "" looks for chromium, chromium-browser,
	// google-chrome on PATH.
	Path    string        `yaml:"path"`
	Timeout time.Duration `yaml:"timeout"`
}

// ScheduleConfig is when `earshot report --schedule` runs: every Monday
// at Time (HH:MM) in TimeZone, for the last complete ISO week.
type ScheduleConfig struct {
	Time     string `yaml:"time"`
	TimeZone string `yaml:"time_zone"`
}

// SMTPConfig is the e-mail delivery.
type SMTPConfig struct {
	// Addr is host:port of the submission server (587 with STARTTLS).
	Addr string   `yaml:"addr"`
	From string   `yaml:"from"`
	To   []string `yaml:"to"`
	// Username enables AUTH PLAIN (only over TLS, or to localhost).
	Username string `yaml:"username"`
	// The password is read from PasswordFile, else from the environment
	// variable EARSHOT_REPORT_SMTP_PASSWORD; it is never logged.
	PasswordFile string `yaml:"password_file"`
	// StartTLS: required (default; fail when the server does not offer
	// it), opportunistic, or none (plain text: for a local relay only).
	StartTLS string `yaml:"starttls"`
	// InsecureSkipVerify accepts any server certificate (tests, private
	// relays with self-signed certificates).
	InsecureSkipVerify bool          `yaml:"insecure_skip_verify"`
	Timeout            time.Duration `yaml:"timeout"`
}

// SlackConfig is the Slack-compatible incoming webhook that receives the
// Markdown summary.
type SlackConfig struct {
	WebhookURL string        `yaml:"webhook_url"`
	Timeout    time.Duration `yaml:"timeout"`
}

// EnvSMTPPassword holds the SMTP password when no password_file is set.
const EnvSMTPPassword = "EARSHOT_REPORT_SMTP_PASSWORD"

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Brands:   []string{},
		Formats:  []string{"html", "pdf"},
		OutDir:   ".earshot/reports",
		Examples: 3,
		Chromium: ChromiumConfig{Timeout: 60 * time.Second},
		Schedule: ScheduleConfig{Time: "07:00", TimeZone: "UTC"},
		SMTP:     SMTPConfig{To: []string{}, StartTLS: "required", Timeout: 30 * time.Second},
		Slack:    SlackConfig{Timeout: 15 * time.Second},
	}
}

// Formats are the output formats.
var Formats = []string{"html", "pdf", "md"}

// Validate names every wrong field and how to fix it.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, b := range c.Brands {
		if !brandRe.MatchString(b) {
			bad("report.brands: %q is not a registry id ([a-z0-9_]+)", b)
		}
	}
	if len(c.Formats) == 0 {
		bad("report.formats: empty; want some of %s", strings.Join(Formats, ", "))
	}
	for _, f := range c.Formats {
		if err := checkFormat(f); err != nil {
			bad("report.formats: %v", err)
		}
	}
	if strings.TrimSpace(c.OutDir) == "" {
		bad("report.out_dir: empty; name a directory (default .earshot/reports)")
	}
	if c.HoursTZ != "" {
		if _, err := time.LoadLocation(c.HoursTZ); err != nil {
			bad("report.hours_tz: %q is not an IANA time zone (e.g. Europe/London): %v", c.HoursTZ, err)
		}
	}
	if c.Examples < 1 || c.Examples > 20 {
		bad("report.examples: %d, want 1..20 (default 3)", c.Examples)
	}
	if c.Chromium.Timeout < time.Second {
		bad("report.chromium.timeout: %s, want ≥ 1s (default 60s)", c.Chromium.Timeout)
	}
	if _, _, err := parseClock(c.Schedule.Time); err != nil {
		bad("report.schedule.time: %v", err)
	}
	if _, err := time.LoadLocation(c.Schedule.TimeZone); err != nil || c.Schedule.TimeZone == "" {
		bad("report.schedule.time_zone: %q is not an IANA time zone (e.g. Europe/Amsterdam)", c.Schedule.TimeZone)
	}
	if err := c.SMTP.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.Slack.WebhookURL != "" {
		if u, err := url.Parse(c.Slack.WebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("report.slack.webhook_url: %q is not an http(s) URL", c.Slack.WebhookURL)
		}
	}
	if c.Slack.Timeout < time.Second {
		bad("report.slack.timeout: %s, want ≥ 1s (default 15s)", c.Slack.Timeout)
	}
	return errors.Join(errs...)
}

func checkFormat(f string) error {
	for _, k := range Formats {
		if f == k {
			return nil
		}
	}
	return fmt.Errorf("format %q: want %s", f, strings.Join(Formats, ", "))
}

func (s SMTPConfig) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch s.StartTLS {
	case "required", "opportunistic", "none":
	default:
		bad("report.smtp.starttls: %q, want required, opportunistic or none", s.StartTLS)
	}
	if s.Timeout < time.Second {
		bad("report.smtp.timeout: %s, want ≥ 1s (default 30s)", s.Timeout)
	}
	if s.Addr == "" {
		if s.From != "" || len(s.To) > 0 {
			bad("report.smtp.addr: empty while from/to are set; give host:port (e.g. smtp.example.com:587)")
		}
		return errors.Join(errs...)
	}
	if _, port, err := net.SplitHostPort(s.Addr); err != nil || port == "" {
		bad("report.smtp.addr: %q is not host:port (e.g. smtp.example.com:587)", s.Addr)
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		bad("report.smtp.from: %q is not an e-mail address", s.From)
	}
	if len(s.To) == 0 {
		bad("report.smtp.to: no recipient; list at least one address")
	}
	for _, t := range s.To {
		if _, err := mail.ParseAddress(t); err != nil {
			bad("report.smtp.to: %q is not an e-mail address", t)
		}
	}
	return errors.Join(errs...)
}

// Password returns the SMTP password: PasswordFile's content (trimmed),
// else $EARSHOT_REPORT_SMTP_PASSWORD, else "".
func (s SMTPConfig) Password(lookup func(string) (string, bool)) (string, error) {
	if s.PasswordFile != "" {
		b, err := os.ReadFile(s.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("report.smtp.password_file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	if v, ok := lookup(EnvSMTPPassword); ok {
		return v, nil
	}
	return "", nil
}

// parseClock reads "HH:MM".
func parseClock(s string) (h, m int, err error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, 0, fmt.Errorf("%q is not HH:MM (e.g. 07:00)", s)
	}
	return t.Hour(), t.Minute(), nil
}
