package detect_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshot-dev/earshot/detect"
)

// receiver records POSTed bodies and answers with the given statuses in
// turn (then 200).
type receiver struct {
	mu       sync.Mutex
	bodies   [][]byte
	statuses []int
	got      chan struct{}
}

func newReceiver(tb testing.TB, statuses ...int) (*receiver, *httptest.Server) {
	r := &receiver{statuses: statuses, got: make(chan struct{}, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		st := http.StatusOK
		if len(r.statuses) > 0 {
			st, r.statuses = r.statuses[0], r.statuses[1:]
		}
		if st == http.StatusOK {
			r.bodies = append(r.bodies, b)
		}
		r.mu.Unlock()
		w.WriteHeader(st)
		r.got <- struct{}{}
	}))
	tb.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) all() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

func testIncident() detect.Incident {
	onset := time.Date(2026, 9, 16, 6, 0, 0, 0, time.UTC)
	return detect.Incident{ID: "o2-crisis-20260916T0600Z", Brand: "o2", Kind: detect.KindCrisis, Severity: detect.SeverityMajor,
		Status: detect.StatusOpen, Onset: onset, OpenedAt: onset.Add(10 * time.Minute), UpdatedAt: onset.Add(10 * time.Minute),
		Summary: "o2 crisis <b>", TopTerms: []detect.Burst{{Term: "no signal", Count: 30}},
		Examples: []detect.Post{{ID: "sim:1", Text: "@O2 no signal"}}}
}

func notifier(tb testing.TB, cfg detect.DeliveryConfig) (*detect.Notifier, *detect.Metrics) {
	tb.Helper()
	m, err := detect.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		tb.Fatal(err)
	}
	n, err := detect.NewNotifier(cfg, m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	n.Start(context.Background())
	return n, m
}

func fastConfig() detect.DeliveryConfig {
	c := detect.DefaultDeliveryConfig()
	c.BackoffMin, c.BackoffMax, c.Retries = 5*time.Millisecond, 20*time.Millisecond, 3
	c.RatePerMinute, c.Burst = 6000, 100
	return c
}

func shutdown(tb testing.TB, n *detect.Notifier) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Shutdown(ctx); err != nil {
		tb.Fatal(err)
	}
}

// The webhook and Slack get an opening, an escalation and a resolution —
// once each, however often the same event comes — and never plain
// updates; a 5xx is retried, and the failures counted.
func TestWebhookAndSlackDeduplicatedAndRetried(t *testing.T) {
	hook, hookSrv := newReceiver(t, 503, 500)
	slack, slackSrv := newReceiver(t)
	cfg := fastConfig()
	cfg.WebhookURL, cfg.SlackWebhookURL = hookSrv.URL+"/hook", slackSrv.URL+"/services/T/B/X"
	n, m := notifier(t, cfg)
	inc := testIncident()
	n.Notify(detect.Event{Type: detect.EventOpen, Incident: inc})
	n.Notify(detect.Event{Type: detect.EventOpen, Incident: inc}) // again (a restart)
	n.Notify(detect.Event{Type: detect.EventUpdate, Incident: inc})
	esc := inc
	esc.Severity = detect.SeverityCritical
	n.Notify(detect.Event{Type: detect.EventUpdate, Incident: esc, Escalated: true})
	res := esc
	res.Status, res.ResolvedAt = detect.StatusResolved, inc.Onset.Add(time.Hour)
	n.Notify(detect.Event{Type: detect.EventResolve, Incident: res})
	shutdown(t, n)

	var events []string
	for _, b := range hook.all() {
		var p detect.WebhookPayload
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		events = append(events, p.Event+"/"+p.Incident.Severity)
	}
	if got := strings.Join(events, ","); got != "open/major,update/critical,resolve/critical" {
		t.Errorf("webhook events %s", got)
	}
	if got := testutil.ToFloat64(m.DeliveryFailures.WithLabelValues(detect.SinkWebhook)); got != 2 {
		t.Errorf("webhook failures %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.Deliveries.WithLabelValues(detect.SinkWebhook)); got != 3 {
		t.Errorf("webhook deliveries %v, want 3", got)
	}
	if got := testutil.ToFloat64(m.DeliveryDeduped.WithLabelValues(detect.SinkWebhook)); got != 1 {
		t.Errorf("webhook duplicates %v, want 1", got)
	}
	sl := slack.all()
	if len(sl) != 3 {
		t.Fatalf("%d Slack messages, want 3", len(sl))
	}
	var msg detect.SlackMessage
	if err := json.Unmarshal(sl[0], &msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.Text, "*o2*") || len(msg.Attachments) != 1 || !strings.Contains(msg.Attachments[0].Text, "&lt;b&gt;") {
		t.Errorf("Slack message %+v", msg)
	}
}

// A 4xx is permanent: not retried, dropped and counted; retries give up.
func TestDeliveryGivesUp(t *testing.T) {
	_, badSrv := newReceiver(t, 400)
	_, downSrv := newReceiver(t, 500, 500, 500, 500, 500)
	for _, tc := range []struct {
		url, reason string
		attempts    float64
	}{{badSrv.URL, "rejected", 1}, {downSrv.URL, "retries_exhausted", 4}} {
		cfg := fastConfig()
		cfg.WebhookURL = tc.url
		n, m := notifier(t, cfg)
		n.Notify(detect.Event{Type: detect.EventOpen, Incident: testIncident()})
		shutdown(t, n)
		if got := testutil.ToFloat64(m.DeliveryDropped.WithLabelValues(detect.SinkWebhook, tc.reason)); got != 1 {
			t.Errorf("%s: dropped %v", tc.reason, got)
		}
		if got := testutil.ToFloat64(m.DeliveryFailures.WithLabelValues(detect.SinkWebhook)); got != tc.attempts {
			t.Errorf("%s: failed attempts %v, want %v", tc.reason, got, tc.attempts)
		}
	}
}

// The rate limit spaces deliveries; a full queue drops and counts.
func TestRateLimitAndQueue(t *testing.T) {
	hook, srv := newReceiver(t)
	cfg := fastConfig()
	cfg.WebhookURL, cfg.RatePerMinute, cfg.Burst, cfg.QueueSize = srv.URL, 600, 1, 3 // one per 100 ms
	n, m := notifier(t, cfg)
	start := time.Now()
	for i := range 6 {
		inc := testIncident()
		inc.ID += string(rune('a' + i))
		n.Notify(detect.Event{Type: detect.EventOpen, Incident: inc})
	}
	shutdown(t, n)
	sent := len(hook.all())
	dropped := testutil.ToFloat64(m.DeliveryDropped.WithLabelValues(detect.SinkWebhook, "queue_full"))
	// The queue holds 3; one more may be in flight and one waiting for
	// the limiter.
	if sent+int(dropped) != 6 || dropped < 1 || sent > 5 {
		t.Errorf("sent %d, dropped %v of 6 with a queue of 3", sent, dropped)
	}
	if el := time.Since(start); el < time.Duration(sent-1)*90*time.Millisecond {
		t.Errorf("%d deliveries in %s: not rate-limited", sent, el)
	}
}

// Alertmanager gets every event (it deduplicates by labels and needs
// refreshes); an escalation also ends the alert with the old severity.
func TestAlertmanagerPayload(t *testing.T) {
	am, srv := newReceiver(t)
	cfg := fastConfig()
	cfg.AlertmanagerURL = srv.URL
	n, _ := notifier(t, cfg)
	inc := testIncident()
	n.Notify(detect.Event{Type: detect.EventOpen, Incident: inc})
	esc := inc
	esc.Severity = detect.SeverityCritical
	n.Notify(detect.Event{Type: detect.EventUpdate, Incident: esc, Escalated: true})
	shutdown(t, n)
	bodies := am.all()
	if len(bodies) != 2 {
		t.Fatalf("%d posts", len(bodies))
	}
	var first, second []detect.AMAlert
	if err := json.Unmarshal(bodies[0], &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(bodies[1], &second); err != nil {
		t.Fatal(err)
	}
	a := first[0]
	if a.Labels["alertname"] != "EarshotCrisis" || a.Labels["brand"] != "o2" || a.Labels["severity"] != "major" ||
		!a.StartsAt.Equal(inc.Onset) || !a.EndsAt.After(time.Now()) || a.Annotations["top_terms"] != "no signal (30)" {
		t.Errorf("alert %+v", a)
	}
	if len(second) != 2 || second[0].Labels["severity"] != "critical" || second[1].Labels["severity"] != "major" || second[1].EndsAt.After(time.Now()) {
		t.Errorf("escalation %+v", second)
	}
}

func TestDeliveryConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*detect.DeliveryConfig)
	}{
		{"alertmanager_url", func(c *detect.DeliveryConfig) { c.AlertmanagerURL = "localhost:9093" }},
		{"slack_webhook_url", func(c *detect.DeliveryConfig) { c.SlackWebhookURL = "ftp://x" }},
		{"timeout", func(c *detect.DeliveryConfig) { c.Timeout = 0 }},
		{"backoff_min", func(c *detect.DeliveryConfig) { c.BackoffMax = time.Millisecond }},
		{"rate_per_minute", func(c *detect.DeliveryConfig) { c.Burst = 0 }},
		{"queue_size", func(c *detect.DeliveryConfig) { c.QueueSize = 0 }},
	} {
		c := detect.DefaultDeliveryConfig()
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "detect.delivery."+tc.field) {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
}
