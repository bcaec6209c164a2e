package dashboards_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/dashboards"
	"github.com/earshot-dev/earshot/localstack"
)

// prometheusURL is EARSHOT_PROMETHEUS_URL, or the local stack's
// Prometheus (started if needed and left running, like the test
// ClickHouse server: make test and earshot stack down stop it).
func prometheusURL(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("EARSHOT_PROMETHEUS_URL"); u != "" {
		return u
	}
	st, err := localstack.New(localstack.Config{
		Root:    localstack.DefaultRoot(),
		Only:    []string{localstack.ServerPrometheus},
		Install: true,
		Log:     slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ep, err := st.Up(ctx)
	if err != nil {
		t.Fatalf("cannot start the local Prometheus (or set EARSHOT_PROMETHEUS_URL): %v", err)
	}
	return ep.PrometheusURL
}

// Every Prometheus query of the pipeline dashboard is valid PromQL for the
// real Prometheus server (with Grafana's $__rate_interval as 1m).
func TestPromQLOnPrometheus(t *testing.T) {
	base := prometheusURL(t)
	client := &http.Client{Timeout: 30 * time.Second}
	n := 0
	for _, d := range build(t) {
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				if tg.DataSource.UID != dashboards.PrometheusUID {
					continue
				}
				n++
				expr := strings.ReplaceAll(tg.Expr, "$__rate_interval", "1m")
				resp, err := client.Get(base + "/api/v1/query?query=" + url.QueryEscape(expr))
				if err != nil {
					t.Fatal(err)
				}
				var body struct {
					Status string `json:"status"`
					Error  string `json:"error"`
				}
				err = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if err != nil || body.Status != "success" {
					t.Errorf("%s / %s: %q: status %q %s (%v)", d.UID, p.Title, expr, body.Status, body.Error, err)
				}
			}
		}
	}
	if n < 15 {
		t.Fatalf("%d Prometheus queries checked", n)
	}
}
