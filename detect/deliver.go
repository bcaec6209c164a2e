package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DeliveryConfig says where incidents are pushed. Every target is
// optional; each has its own bounded queue, rate limit and retries.
type DeliveryConfig struct {
	// AlertmanagerURL is the base URL of Alertmanager (alerts are POSTed
	// to /api/v2/alerts), e.g. http://127.0.0.1:9093.
	AlertmanagerURL string `yaml:"alertmanager_url" json:"alertmanager_url"`
	// WebhookURL receives a JSON object per incident event.
	WebhookURL string `yaml:"webhook_url" json:"webhook_url"`
	// SlackWebhookURL is a Slack-compatible incoming webhook.
	SlackWebhookURL string `yaml:"slack_webhook_url" json:"-"`
	// GeneratorURL links alerts back (e.g. the crisis dashboard).
	GeneratorURL string `yaml:"generator_url" json:"generator_url"`
	// Timeout of one HTTP attempt (default 10s).
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// Retries after the first attempt (default 5), with exponential
	// back-off between BackoffMin and BackoffMax (defaults 500ms, 30s).
	Retries    int           `yaml:"retries" json:"retries"`
	BackoffMin time.Duration `yaml:"backoff_min" json:"backoff_min"`
	BackoffMax time.Duration `yaml:"backoff_max" json:"backoff_max"`
	// RatePerMinute and Burst limit each target (defaults 30, 10).
	RatePerMinute float64 `yaml:"rate_per_minute" json:"rate_per_minute"`
	Burst         int     `yaml:"burst" json:"burst"`
	// QueueSize bounds each target's queue (default 1000): beyond it,
	// notifications are dropped and counted.
	QueueSize int `yaml:"queue_size" json:"queue_size"`
	// AlertTTL is the endsAt horizon of a firing alert sent to
	// Alertmanager (default 15m); open incidents are re-sent every
	// evaluation, so an alert resolves by itself if the detector dies.
	AlertTTL time.Duration `yaml:"alert_ttl" json:"alert_ttl"`
}

// DefaultDeliveryConfig has no targets and the defaults above.
func DefaultDeliveryConfig() DeliveryConfig {
	return DeliveryConfig{
		Timeout: 10 * time.Second, Retries: 5, BackoffMin: 500 * time.Millisecond, BackoffMax: 30 * time.Second,
		RatePerMinute: 30, Burst: 10, QueueSize: 1000, AlertTTL: 15 * time.Minute,
	}
}

// Validate names the first wrong field.
func (c DeliveryConfig) Validate() error {
	for _, u := range []struct{ field, v string }{
		{"alertmanager_url", c.AlertmanagerURL}, {"webhook_url", c.WebhookURL}, {"slack_webhook_url", c.SlackWebhookURL},
	} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("detect.delivery.%s: not an http(s) URL", u.field) // never echo it: it may hold a token
		}
	}
	switch {
	case c.Timeout <= 0:
		return fmt.Errorf("detect.delivery.timeout: %s, want > 0", c.Timeout)
	case c.Retries < 0:
		return fmt.Errorf("detect.delivery.retries: %d, want ≥ 0", c.Retries)
	case c.BackoffMin <= 0 || c.BackoffMax < c.BackoffMin:
		return fmt.Errorf("detect.delivery.backoff_min/backoff_max: %s/%s, want 0 < min ≤ max", c.BackoffMin, c.BackoffMax)
	case c.RatePerMinute <= 0 || c.Burst < 1:
		return fmt.Errorf("detect.delivery.rate_per_minute/burst: %g/%d, want > 0 and ≥ 1", c.RatePerMinute, c.Burst)
	case c.QueueSize < 1:
		return fmt.Errorf("detect.delivery.queue_size: %d, want ≥ 1", c.QueueSize)
	case c.AlertTTL < time.Minute:
		return fmt.Errorf("detect.delivery.alert_ttl: %s, want ≥ 1m", c.AlertTTL)
	}
	return nil
}

// Sink names.
const (
	SinkAlertmanager = "alertmanager"
	SinkWebhook      = "webhook"
	SinkSlack        = "slack"
)

// notification is one HTTP request to make.
type notification struct {
	key  string // deduplication key ("" never deduplicated)
	body []byte
}

// target formats incident events for one destination.
type target interface {
	name() string
	url() string
	// format returns the notifications for an event (none: not this
	// target's business).
	format(ev Event, now time.Time) ([]notification, error)
}

// Notifier pushes incident events to the configured targets, each with a
// bounded queue, a rate limit, deduplication and retries with back-off.
// Start it, Notify it, and Shutdown to flush.
type Notifier struct {
	cfg     DeliveryConfig
	client  *http.Client
	metrics *Metrics
	log     *slog.Logger
	sinks   []*sink
	wg      sync.WaitGroup
	started bool
	now     func() time.Time
}

type sink struct {
	t       target
	queue   chan notification
	limiter *rate.Limiter
	mu      sync.Mutex
	closed  bool
	sent    map[string]time.Time // dedup keys delivered or queued
}

// NewNotifier builds the targets of cfg. metrics may be nil in tests only
// when reg is nil; pass the detector's metrics.
func NewNotifier(cfg DeliveryConfig, m *Metrics, log *slog.Logger) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	n := &Notifier{cfg: cfg, client: &http.Client{Timeout: cfg.Timeout}, metrics: m, log: log, now: time.Now}
	var ts []target
	if cfg.AlertmanagerURL != "" {
		ts = append(ts, &alertmanagerTarget{base: strings.TrimRight(cfg.AlertmanagerURL, "/"), generator: cfg.GeneratorURL, ttl: cfg.AlertTTL, last: map[string]string{}})
	}
	if cfg.WebhookURL != "" {
		ts = append(ts, &webhookTarget{u: cfg.WebhookURL})
	}
	if cfg.SlackWebhookURL != "" {
		ts = append(ts, &slackTarget{u: cfg.SlackWebhookURL, link: cfg.GeneratorURL})
	}
	for _, t := range ts {
		n.sinks = append(n.sinks, &sink{
			t:       t,
			queue:   make(chan notification, cfg.QueueSize),
			limiter: rate.NewLimiter(rate.Limit(cfg.RatePerMinute/60), cfg.Burst),
			sent:    map[string]time.Time{},
		})
	}
	return n, nil
}

// Targets returns the names of the configured targets.
func (n *Notifier) Targets() []string {
	var out []string
	for _, s := range n.sinks {
		out = append(out, s.t.name())
	}
	return out
}

// Start runs one sender per target until Shutdown.
func (n *Notifier) Start(ctx context.Context) {
	if n.started {
		return
	}
	n.started = true
	for _, s := range n.sinks {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.send(ctx, s)
		}()
	}
}

// Shutdown stops accepting notifications and waits (until ctx ends) for
// the queued ones to be sent. It is safe without Start.
func (n *Notifier) Shutdown(ctx context.Context) error {
	for _, s := range n.sinks {
		s.mu.Lock()
		if !s.closed {
			s.closed = true
			close(s.queue)
		}
		s.mu.Unlock()
	}
	if !n.started {
		return nil
	}
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("detect: delivery shutdown: %w", ctx.Err())
	}
}

// Notify queues the notifications of an event on every target. It never
// blocks: a full queue drops (and counts) the notification.
func (n *Notifier) Notify(ev Event) {
	now := n.now()
	for _, s := range n.sinks {
		ns, err := s.t.format(ev, now)
		if err != nil {
			n.log.Error("delivery: cannot format incident", "sink", s.t.name(), "incident", ev.Incident.ID, "err", err)
			n.drop(s, "rejected")
			continue
		}
		for _, x := range ns {
			n.enqueue(s, x, now)
		}
	}
}

func (n *Notifier) enqueue(s *sink, x notification, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		n.drop(s, "shutdown")
		return
	}
	if x.key != "" {
		if _, dup := s.sent[x.key]; dup {
			if n.metrics != nil {
				n.metrics.DeliveryDeduped.WithLabelValues(s.t.name()).Inc()
			}
			return
		}
		s.sent[x.key] = now
		for k, at := range s.sent {
			if now.Sub(at) > 7*24*time.Hour {
				delete(s.sent, k)
			}
		}
	}
	select {
	case s.queue <- x:
		if n.metrics != nil {
			n.metrics.DeliveryQueue.WithLabelValues(s.t.name()).Set(float64(len(s.queue)))
		}
	default:
		delete(s.sent, x.key)
		n.log.Warn("delivery queue full; notification dropped", "sink", s.t.name(), "queue_size", cap(s.queue))
		n.drop(s, "queue_full")
	}
}

func (n *Notifier) drop(s *sink, reason string) {
	if n.metrics != nil {
		n.metrics.DeliveryDropped.WithLabelValues(s.t.name(), reason).Inc()
	}
}

// send delivers a target's queue in order until it is closed.
func (n *Notifier) send(ctx context.Context, s *sink) {
	name := s.t.name()
	for x := range s.queue {
		if n.metrics != nil {
			n.metrics.DeliveryQueue.WithLabelValues(name).Set(float64(len(s.queue)))
		}
		if err := s.limiter.Wait(ctx); err != nil {
			n.drop(s, "shutdown")
			continue
		}
		if err := n.deliver(ctx, s, x); err != nil {
			n.log.Error("delivery failed; notification dropped", "sink", name, "err", err)
			s.mu.Lock()
			delete(s.sent, x.key) // a later identical event may try again
			s.mu.Unlock()
			continue
		}
		if n.metrics != nil {
			n.metrics.Deliveries.WithLabelValues(name).Inc()
		}
	}
}

// permanentError is a refusal that retrying cannot fix (a 4xx other than
// 408 and 429).
type permanentError struct{ error }

// deliver POSTs x with retries and exponential back-off (with jitter).
func (n *Notifier) deliver(ctx context.Context, s *sink, x notification) error {
	name := s.t.name()
	backoff := n.cfg.BackoffMin
	for attempt := 0; ; attempt++ {
		err := n.post(ctx, s.t.url(), x.body, name)
		if err == nil {
			return nil
		}
		if n.metrics != nil {
			n.metrics.DeliveryFailures.WithLabelValues(name).Inc()
		}
		var perm permanentError
		if errors.As(err, &perm) {
			n.drop(s, "rejected")
			return err
		}
		if attempt >= n.cfg.Retries {
			n.drop(s, "retries_exhausted")
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt+1)
		}
		wait := backoff/2 + time.Duration(rand.Int64N(int64(backoff/2)+1))
		n.log.Warn("delivery attempt failed; retrying", "sink", name, "attempt", attempt+1, "in", wait.Round(time.Millisecond), "err", err)
		select {
		case <-ctx.Done():
			n.drop(s, "shutdown")
			return ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(2*backoff, n.cfg.BackoffMax)
	}
}

func (n *Notifier) post(ctx context.Context, u string, body []byte, name string) error {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return permanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "earshot-detect")
	resp, err := n.client.Do(req)
	if n.metrics != nil {
		n.metrics.DeliverySeconds.WithLabelValues(name).Observe(time.Since(start).Seconds())
	}
	if err != nil {
		return fmt.Errorf("%s: POST %s: %w", name, redact(u), err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		return fmt.Errorf("%s: POST %s: %s: %s", name, redact(u), resp.Status, bytes.TrimSpace(msg))
	default:
		return permanentError{fmt.Errorf("%s: POST %s: %s: %s", name, redact(u), resp.Status, bytes.TrimSpace(msg))}
	}
}

// redact keeps a URL's scheme and host: webhook paths are secrets.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(bad url)"
	}
	return p.Scheme + "://" + p.Host + "/…"
}

// notifiable says whether an event is worth a message to a person: an
// opening, an escalation, a resolution.
func notifiable(ev Event) bool {
	return ev.Type == EventOpen || ev.Type == EventResolve || ev.Escalated
}

// ---- Alertmanager API v2 ----

type alertmanagerTarget struct {
	base, generator string
	ttl             time.Duration
	mu              sync.Mutex
	last            map[string]string // incident → severity last posted
}

func (t *alertmanagerTarget) name() string { return SinkAlertmanager }
func (t *alertmanagerTarget) url() string  { return t.base + "/api/v2/alerts" }

// AMAlert is an alert of Alertmanager's API v2 (postableAlert).
type AMAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// AlertName is the alertname label of an incident kind.
func AlertName(kind string) string {
	if kind == KindViral {
		return "EarshotViralSpike"
	}
	return "EarshotCrisis"
}

func (t *alertmanagerTarget) alert(inc Incident, severity string, ends time.Time) AMAlert {
	return AMAlert{
		Labels: map[string]string{
			"alertname": AlertName(inc.Kind), "brand": inc.Brand, "severity": severity,
			"kind": inc.Kind, "incident_id": inc.ID, "source": "earshot-detect",
		},
		Annotations: map[string]string{
			"summary":     inc.Summary,
			"description": description(inc),
			"top_terms":   termList(inc.TopTerms, 8),
			"examples":    exampleList(inc.Examples, 3),
			"onset":       inc.Onset.Format(time.RFC3339),
		},
		StartsAt:     inc.Onset,
		EndsAt:       ends,
		GeneratorURL: t.generator,
	}
}

// format sends every event: Alertmanager deduplicates by labels itself
// and needs open alerts re-sent before endsAt. A severity change resolves
// the alert with the old severity label.
func (t *alertmanagerTarget) format(ev Event, now time.Time) ([]notification, error) {
	inc := ev.Incident
	t.mu.Lock()
	prev, seen := t.last[inc.ID]
	if ev.Type == EventResolve {
		delete(t.last, inc.ID)
	} else {
		t.last[inc.ID] = inc.Severity
	}
	t.mu.Unlock()
	var alerts []AMAlert
	if ev.Type == EventResolve {
		alerts = append(alerts, t.alert(inc, inc.Severity, inc.ResolvedAt))
	} else {
		alerts = append(alerts, t.alert(inc, inc.Severity, now.Add(t.ttl)))
	}
	if seen && prev != inc.Severity {
		alerts = append(alerts, t.alert(inc, prev, now))
	}
	b, err := json.Marshal(alerts)
	if err != nil {
		return nil, err
	}
	return []notification{{body: b}}, nil
}

// ---- generic JSON webhook ----

type webhookTarget struct{ u string }

func (t *webhookTarget) name() string { return SinkWebhook }
func (t *webhookTarget) url() string  { return t.u }

// WebhookPayload is what the generic webhook receives.
type WebhookPayload struct {
	Source    string   `json:"source"` // "earshot"
	Event     string   `json:"event"`  // open, update (escalation), resolve
	Escalated bool     `json:"escalated,omitempty"`
	Incident  Incident `json:"incident"`
}

func dedupKey(ev Event) string {
	return ev.Incident.ID + "|" + ev.Type + "|" + ev.Incident.Severity
}

func (t *webhookTarget) format(ev Event, _ time.Time) ([]notification, error) {
	if !notifiable(ev) {
		return nil, nil
	}
	b, err := json.Marshal(WebhookPayload{Source: "earshot", Event: ev.Type, Escalated: ev.Escalated, Incident: ev.Incident})
	if err != nil {
		return nil, err
	}
	return []notification{{key: dedupKey(ev), body: b}}, nil
}

// ---- Slack-compatible incoming webhook ----

type slackTarget struct{ u, link string }

func (t *slackTarget) name() string { return SinkSlack }
func (t *slackTarget) url() string  { return t.u }

// SlackMessage is a Slack incoming-webhook message (text plus one
// attachment; Mattermost and Rocket.Chat accept the same).
type SlackMessage struct {
	Text        string            `json:"text"`
	Attachments []SlackAttachment `json:"attachments,omitempty"`
}

// SlackAttachment is a legacy Slack attachment.
type SlackAttachment struct {
	Color     string       `json:"color,omitempty"`
	Title     string       `json:"title,omitempty"`
	TitleLink string       `json:"title_link,omitempty"`
	Text      string       `json:"text,omitempty"`
	Fields    []SlackField `json:"fields,omitempty"`
	Footer    string       `json:"footer,omitempty"`
	Ts        int64        `json:"ts,omitempty"`
}

// SlackField is one short field of an attachment.
type SlackField struct {
	Title string `json:"title"`
	Value string `json:"value"`
	Short bool   `json:"short"`
}

func (t *slackTarget) format(ev Event, _ time.Time) ([]notification, error) {
	if !notifiable(ev) {
		return nil, nil
	}
	inc := ev.Incident
	verb := map[string]string{EventOpen: "opened", EventUpdate: "escalated", EventResolve: "resolved"}[ev.Type]
	color := map[string]string{SeverityCritical: "danger", SeverityMajor: "warning", SeverityMinor: "#e8c547", SeverityInfo: "good"}[inc.Severity]
	if ev.Type == EventResolve {
		color = "good"
	}
	what := "Crisis"
	if inc.Kind == KindViral {
		what = "Positive viral spike"
	}
	msg := SlackMessage{
		Text: fmt.Sprintf("%s %s for *%s* (%s)", what, verb, slackEscape(inc.Brand), inc.Severity),
		Attachments: []SlackAttachment{{
			Color: color, Title: inc.ID, TitleLink: t.link, Text: slackEscape(inc.Summary),
			Fields: []SlackField{
				{Title: "Onset", Value: inc.Onset.Format("2006-01-02 15:04 MST"), Short: true},
				{Title: "Peak volume", Value: fmt.Sprintf("%d vs %.1f expected", inc.Peak.Volume, inc.Peak.ExpectedVolume), Short: true},
				{Title: "Negative", Value: fmt.Sprintf("%.0f%% (usual %.0f%%)", 100*inc.Peak.NegativeShare, 100*inc.Peak.BaselineNegativeShare), Short: true},
				{Title: "Top terms", Value: slackEscape(termList(inc.TopTerms, 6)), Short: true},
				{Title: "Examples", Value: slackEscape(exampleList(inc.Examples, 3)), Short: false},
			},
			Footer: "earshot detect", Ts: inc.UpdatedAt.Unix(),
		}},
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	return []notification{{key: dedupKey(ev), body: b}}, nil
}

var slackReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slackEscape(s string) string { return slackReplacer.Replace(s) }

func description(inc Incident) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s of %s since %s: score %.1f (peak %.1f), volume ×%.1f (peak ×%.1f), negative %.0f%% vs %.0f%% usual.",
		inc.Severity, inc.Kind, inc.Brand, inc.Onset.Format(time.RFC3339), inc.Score, inc.PeakScore, inc.VolumeRatio, inc.PeakVolumeRatio,
		100*inc.NegativeShare, 100*inc.BaselineNegativeShare)
	if len(inc.Reasons) > 0 {
		fmt.Fprintf(&b, " Contact reasons: %s.", termList(inc.Reasons, 4))
	}
	return b.String()
}

func termList(bs []Burst, k int) string {
	var parts []string
	for i, t := range bs {
		if i == k {
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", t.Term, t.Count))
	}
	return strings.Join(parts, ", ")
}

func exampleList(ps []Post, k int) string {
	var parts []string
	for i, p := range ps {
		if i == k {
			break
		}
		t := p.Text
		if r := []rune(t); len(r) > 200 {
			t = string(r[:200]) + "…"
		}
		parts = append(parts, fmt.Sprintf("%q", t))
	}
	return strings.Join(parts, " · ")
}
