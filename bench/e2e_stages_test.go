package bench

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/internal/proc"
	"github.com/earshot-dev/earshot/telemetry"
)

func TestStagesAndBottleneck(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	at := func(d time.Duration, enrich, write, inserts float64) StageSample {
		return StageSample{At: t0.Add(d), EnrichBusy: enrich, EnrichWrite: write, SinkInserts: inserts, EnrichOK: true, SinkOK: true}
	}
	cases := []struct {
		name     string
		from, to StageSample
		want     StageUsage
		conc     int
		keptUp   bool
		neck     string
	}{
		{"enrich saturated", at(0, 5, 1, 3), at(10*time.Second, 14.8, 2, 8), StageUsage{EnrichBusy: 0.98, EnrichWrite: 0.1, SinkInFlight: 0.5, OK: true}, 2, false, "enrich"},
		{"clickhouse saturated", at(0, 0, 0, 0), at(10*time.Second, 6, 1, 19), StageUsage{EnrichBusy: 0.6, EnrichWrite: 0.1, SinkInFlight: 1.9, OK: true}, 2, false, "clickhouse"},
		{"both saturated, the fuller named", at(0, 0, 0, 0), at(10*time.Second, 9.2, 1, 19.8), StageUsage{EnrichBusy: 0.92, EnrichWrite: 0.1, SinkInFlight: 1.98, OK: true}, 2, false, "clickhouse"},
		{"one insert slot, full", at(0, 0, 0, 0), at(10*time.Second, 5, 1, 9.5), StageUsage{EnrichBusy: 0.5, EnrichWrite: 0.1, SinkInFlight: 0.95, OK: true}, 1, true, "clickhouse"},
		{"keeping up", at(0, 0, 0, 0), at(10*time.Second, 3.3, 0.5, 4), StageUsage{EnrichBusy: 0.33, EnrichWrite: 0.05, SinkInFlight: 0.4, OK: true}, 2, true, "none"},
		{"fell behind, neither ≥ 90 %: the fuller", at(0, 0, 0, 0), at(10*time.Second, 8.9, 0.5, 15), StageUsage{EnrichBusy: 0.89, EnrichWrite: 0.05, SinkInFlight: 1.5, OK: true}, 2, false, "enrich"},
		{"kept up but enrich ≥ 90 %", at(0, 0, 0, 0), at(10*time.Second, 9.5, 0.5, 4), StageUsage{EnrichBusy: 0.95, EnrichWrite: 0.05, SinkInFlight: 0.4, OK: true}, 2, true, "enrich"},
		{"a worker not read", at(0, 0, 0, 0), StageSample{At: t0.Add(time.Second), EnrichOK: true}, StageUsage{}, 2, false, "unknown"},
		{"no time between", at(0, 0, 0, 0), at(0, 1, 1, 1), StageUsage{}, 2, true, "unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := Stages(tc.from, tc.to)
			near := func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
			if u.OK != tc.want.OK || !near(u.EnrichBusy, tc.want.EnrichBusy) || !near(u.EnrichWrite, tc.want.EnrichWrite) || !near(u.SinkInFlight, tc.want.SinkInFlight) {
				t.Fatalf("Stages = %+v, want %+v", u, tc.want)
			}
			if got := u.Bottleneck(tc.conc, tc.keptUp); got != tc.neck {
				t.Fatalf("Bottleneck(%d, %t) = %q, want %q", tc.conc, tc.keptUp, got, tc.neck)
			}
		})
	}
}

// TestSampleStages serves the three histograms the way a worker does
// (telemetry.Listen, its log line in the worker's log file) and reads
// them back through MetricsAddr and SampleStages.
func TestSampleStages(t *testing.T) {
	dir := t.TempDir()
	serve := func(name string, hists map[string]float64) {
		reg := prometheus.NewRegistry()
		for metric, v := range hists {
			h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: metric, Help: "test"})
			reg.MustRegister(h)
			h.Observe(v / 2)
			h.Observe(v / 2)
		}
		logPath := filepath.Join(dir, name+".log")
		f, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		// An earlier start's line first: the last one counts.
		f.WriteString(`time=2026-11-23T08:00:00Z level=INFO msg="serving /metrics /healthz /readyz" cmd=` + name + " addr=127.0.0.1:1\n")
		srv, err := telemetry.Listen("127.0.0.1:0", reg, telemetry.NewHealth(), slog.New(slog.NewTextHandler(f, nil)).With("cmd", name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Shutdown(context.Background()) })
	}
	serve(WorkerEnrich, map[string]float64{metricEnrichBusy: 7.5, metricEnrichWrite: 1.25})
	serve(WorkerSink, map[string]float64{metricSinkInsert: 3})
	p := &Pipeline{workers: map[string]*proc.Child{
		WorkerEnrich: {Name: WorkerEnrich, LogPath: filepath.Join(dir, WorkerEnrich+".log")},
		WorkerSink:   {Name: WorkerSink, LogPath: filepath.Join(dir, WorkerSink+".log")},
	}}
	s := p.SampleStages(context.Background())
	if s.Err != nil || !s.EnrichOK || !s.SinkOK {
		t.Fatalf("SampleStages: %+v", s)
	}
	if s.EnrichBusy != 7.5 || s.EnrichWrite != 1.25 || s.SinkInserts != 3 {
		t.Fatalf("sums %.2f %.2f %.2f, want 7.5 1.25 3", s.EnrichBusy, s.EnrichWrite, s.SinkInserts)
	}

	// A worker without the histogram, or not serving, is an error.
	p.workers[WorkerSink] = &proc.Child{Name: WorkerSink, LogPath: filepath.Join(dir, WorkerEnrich+".log")}
	if s := p.SampleStages(context.Background()); s.SinkOK || s.Err == nil || !strings.Contains(s.Err.Error(), metricSinkInsert) {
		t.Fatalf("a sink without %s: %+v", metricSinkInsert, s)
	}
	os.WriteFile(filepath.Join(dir, "silent.log"), []byte("level=INFO msg=starting\n"), 0o644)
	p.workers[WorkerSink] = &proc.Child{Name: WorkerSink, LogPath: filepath.Join(dir, "silent.log")}
	if _, err := p.MetricsAddr(WorkerSink); err == nil || !strings.Contains(err.Error(), "metrics address") {
		t.Fatalf("MetricsAddr of a worker that logged none: %v", err)
	}
}
