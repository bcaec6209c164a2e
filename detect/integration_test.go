package detect_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	promconfig "github.com/earshot-dev/earshot/deploy/prometheus"
	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/ingest/simulate"
	"github.com/earshot-dev/earshot/localstack"
	"github.com/earshot-dev/earshot/storage"
)

// startServers starts a private Alertmanager (its webhook → amHook) and a
// Prometheus that loads earshot's rules, sends to that Alertmanager and
// scrapes target, all in temporary directories.
func startServers(t *testing.T, amHook, target string) (*localstack.Alertmanager, *localstack.Prometheus) {
	t.Helper()
	for _, bin := range []string{localstack.AlertmanagerBinary, localstack.PrometheusBinary} {
		if _, err := os.Stat(bin); err != nil {
			t.Skipf("%s not installed (Debian packages prometheus, prometheus-alertmanager)", bin)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	am, err := localstack.NewAlertmanager(localstack.AlertmanagerConfig{Dir: filepath.Join(t.TempDir(), "am"), WebhookURL: amHook, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := am.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = am.Stop(context.Background()) })
	prom, err := localstack.NewPrometheus(localstack.PrometheusConfig{Dir: filepath.Join(t.TempDir(), "prom"), AlertmanagerAddr: am.Addr(),
		ScrapeInterval: time.Second, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(prom.RulesDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prom.RulesDir(), "earshot.rules.yml"), promconfig.Rules, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := prom.SetTargets("detect", []string{target}, map[string]string{"service": "detect"}); err != nil {
		t.Fatal(err)
	}
	if err := prom.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = prom.Stop(context.Background()) })
	return am, prom
}

// getJSON GETs u and decodes the "data" of a Prometheus or the body of an
// Alertmanager answer into v.
func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s: %s", u, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// End to end: simulated posts with o2's outage in ClickHouse; earshot
// detect's runner rebuilds from the history, evaluates bucket after
// bucket (on a moved clock) and opens the crisis; the incident is stored
// in ClickHouse, posted to the real Alertmanager (and from there to a
// webhook) and to a generic webhook; Prometheus scrapes the detector's
// metrics and earshot's EarshotCrisis rule fires.
func TestIntegrationAlertmanagerPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and Alertmanager")
	}
	// Receivers: the detector's own webhook, and Alertmanager's.
	hook, hookSrv := newReceiver(t)
	amHook, amHookSrv := newReceiver(t)

	reg := prometheus.NewRegistry()
	metricsSrv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(metricsSrv.Close)
	mu, _ := url.Parse(metricsSrv.URL)
	am, prom := startServers(t, amHookSrv.URL+"/am", mu.Host)

	// Four days of four brands; o2's outage is on the third day, 07:00–13:00.
	c, m := migrated(t)
	ms := enriched4(t)
	var b storage.MentionBlock
	for _, x := range ms {
		if err := b.Append(x); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := storage.InsertMentions(ctx, m.Conn, c.Database, &b); err != nil {
		t.Fatal(err)
	}
	start, _ := simulate.DefaultConfig().StartTime()
	onset := start.Add(2*24*time.Hour + 7*time.Hour) // 07:00 London = UTC in November

	cfg := detect.DefaultRunnerConfig()
	cfg.Lag = 0
	cfg.History = 3 * 24 * time.Hour
	cfg.Delivery.AlertmanagerURL = am.URL()
	cfg.Delivery.WebhookURL = hookSrv.URL + "/hook"
	cfg.Delivery.BackoffMin, cfg.Delivery.BackoffMax = 10*time.Millisecond, 100*time.Millisecond
	met, err := detect.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n, err := detect.NewNotifier(cfg.Delivery, met, log)
	if err != nil {
		t.Fatal(err)
	}
	n.Start(ctx)
	src := &detect.ClickHouseSource{Conn: m.Conn, Database: c.Database, Bucket: cfg.Detector.Bucket, TextsPerBucket: cfg.TextsPerBucket}
	store := &detect.ClickHouseStore{Conn: m.Conn, Database: c.Database}
	r, err := detect.NewRunner(cfg, src, store, n, met, log)
	if err != nil {
		t.Fatal(err)
	}
	now := onset.Add(-time.Hour)
	r.Now = func() time.Time { return now }
	if err := r.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if open := r.Detector().Open(); len(open) != 0 {
		t.Fatalf("open before the outage: %v", open)
	}
	var opened *detect.Incident
	for now.Before(onset.Add(time.Hour)) && opened == nil {
		now = now.Add(cfg.Detector.Bucket)
		evs, err := r.Evaluate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Type == detect.EventOpen {
				if ev.Incident.Brand != "o2" || ev.Incident.Kind != detect.KindCrisis {
					t.Fatalf("unexpected incident %s: %s", ev.Incident.ID, ev.Incident.Summary)
				}
				opened = &ev.Incident
			}
		}
	}
	if opened == nil {
		t.Fatal("no crisis within an hour of the outage's onset")
	}
	t.Logf("opened %s at %s (%s after the onset): %s", opened.ID, opened.OpenedAt.Format(time.RFC3339), opened.OpenedAt.Sub(onset), opened.Summary)
	if got := testutil.ToFloat64(met.IncidentsOpen.WithLabelValues("o2", opened.Severity)); got != 1 {
		t.Errorf("earshot_detect_incidents_open{brand=o2,severity=%s} = %v", opened.Severity, got)
	}

	// Stored in ClickHouse.
	stored, err := store.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].ID != opened.ID {
		t.Fatalf("stored open incidents %+v", stored)
	}

	// The generic webhook got the opening.
	waitFor(t, "the webhook", 30*time.Second, func() bool { return len(hook.all()) > 0 })
	var p detect.WebhookPayload
	if err := json.Unmarshal(hook.all()[0], &p); err != nil {
		t.Fatal(err)
	}
	if p.Event != detect.EventOpen || p.Incident.ID != opened.ID || len(p.Incident.TopTerms) == 0 || len(p.Incident.Examples) == 0 {
		t.Errorf("webhook payload %+v", p)
	}

	// Alertmanager has the detector's alert (and, soon, Prometheus's).
	type amAlert struct {
		Labels      map[string]string      `json:"labels"`
		Annotations map[string]string      `json:"annotations"`
		Status      struct{ State string } `json:"status"`
	}
	hasAlert := func(pred func(amAlert) bool) bool {
		var alerts []amAlert
		getJSON(t, am.URL()+"/api/v2/alerts", &alerts)
		for _, a := range alerts {
			if pred(a) {
				return true
			}
		}
		return false
	}
	waitFor(t, "the detector's alert in Alertmanager", 30*time.Second, func() bool {
		return hasAlert(func(a amAlert) bool {
			return a.Labels["source"] == "earshot-detect" && a.Labels["incident_id"] == opened.ID && a.Labels["alertname"] == "EarshotCrisis" &&
				a.Status.State == "active" && strings.Contains(a.Annotations["summary"], "o2")
		})
	})

	// Prometheus scrapes the metrics and the EarshotCrisis rule fires.
	waitFor(t, "EarshotCrisis firing in Prometheus", 60*time.Second, func() bool {
		var res struct {
			Data struct {
				Alerts []struct {
					Labels map[string]string `json:"labels"`
					State  string            `json:"state"`
				} `json:"alerts"`
			} `json:"data"`
		}
		getJSON(t, prom.URL()+"/api/v1/alerts", &res)
		for _, a := range res.Data.Alerts {
			if a.Labels["alertname"] == "EarshotCrisis" && a.Labels["brand"] == "o2" && a.Labels["severity"] == opened.Severity && a.State == "firing" {
				return true
			}
		}
		return false
	})
	// …and reaches Alertmanager too.
	waitFor(t, "Prometheus's alert in Alertmanager", 30*time.Second, func() bool {
		return hasAlert(func(a amAlert) bool {
			return a.Labels["alertname"] == "EarshotCrisis" && a.Labels["source"] == "" && a.Labels["brand"] == "o2"
		})
	})
	// Alertmanager notifies its webhook receiver (group_wait 10s).
	waitFor(t, "Alertmanager's webhook notification", 45*time.Second, func() bool {
		for _, b := range amHook.all() {
			if strings.Contains(string(b), `"alertname":"EarshotCrisis"`) && strings.Contains(string(b), `"brand":"o2"`) {
				return true
			}
		}
		return false
	})
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := n.Shutdown(sctx); err != nil {
		t.Error(err)
	}
	if f := testutil.ToFloat64(met.DeliveryFailures.WithLabelValues(detect.SinkAlertmanager)); f != 0 {
		t.Errorf("%v failed deliveries to Alertmanager", f)
	}
}

// enriched4 is four days of o2, tesco, klm and giffgaff with o2's
// built-in outage on the third day.
func enriched4(tb testing.TB) []*mentionT {
	tb.Helper()
	return enrichedBrands(tb, 4, []string{"o2", "tesco", "klm", "giffgaff"})
}
