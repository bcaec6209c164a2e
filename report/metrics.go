package report

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics of the report command (namespace earshot, subsystem report).
type Metrics struct {
	Builds        *prometheus.CounterVec // result: ok, error, no_data
	BuildSeconds  prometheus.Histogram
	Deliveries    *prometheus.CounterVec // channel: smtp, slack; result: ok, error
	LastSuccess   prometheus.Gauge
	NextRunUnixTS prometheus.Gauge
}

// NewMetrics registers the metrics with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Builds: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earshot", Subsystem: "report", Name: "builds_total",
			Help: "Reports built, by result (ok, error, no_data)."}, []string{"result"}),
		BuildSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "earshot", Subsystem: "report", Name: "build_duration_seconds",
			Help: "Time to build one brand's report (queries and rendering, PDF included).", Buckets: prometheus.ExponentialBuckets(0.25, 2, 10)}),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earshot", Subsystem: "report", Name: "deliveries_total",
			Help: "Report deliveries, by channel (smtp, slack) and result (ok, error)."}, []string{"channel", "result"}),
		LastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "earshot", Subsystem: "report", Name: "last_success_timestamp_seconds",
			Help: "Unix time of the last run that built and delivered every report."}),
		NextRunUnixTS: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "earshot", Subsystem: "report", Name: "next_run_timestamp_seconds",
			Help: "Unix time of the next scheduled run (--schedule)."}),
	}
	for _, c := range []prometheus.Collector{m.Builds, m.BuildSeconds, m.Deliveries, m.LastSuccess, m.NextRunUnixTS} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
