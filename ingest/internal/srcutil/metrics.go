package srcutil

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/telemetry"
)

// Metrics are the connection-level metrics every network source exports,
// labelled by source. Published and rejected records are counted by the
// shared ingest.Metrics (earshot_ingest_records_published_total,
// earshot_ingest_records_rejected_total{reason}).
type Metrics struct {
	Received   *prometheus.CounterVec // earshot_ingest_events_received_total{source}
	Duplicates *prometheus.CounterVec // earshot_ingest_duplicates_total{source}
	Reconnects *prometheus.CounterVec // earshot_ingest_reconnects_total{source}
	Errors     *prometheus.CounterVec // earshot_ingest_source_errors_total{source,reason}
	LastEvent  *prometheus.GaugeVec   // earshot_ingest_last_event_timestamp_seconds{source}
	Connected  *prometheus.GaugeVec   // earshot_ingest_connected{source}
}

// NewMetrics registers the metrics on reg (nil: not registered). Several
// sources in one process share them; registering twice returns the
// metrics already registered.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "events_received_total",
			Help: "Events (posts, feed items, stream frames, pushed records) a source received, before de-duplication and validation.",
		}, []string{"source"}),
		Duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "duplicates_total",
			Help: "Records skipped because their platform id was already published (seen-set).",
		}, []string{"source"}),
		Reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "reconnects_total",
			Help: "Connections (re-)established after a failure, or polls retried after an error.",
		}, []string{"source"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "source_errors_total",
			Help: "Connection and protocol errors of a source, by reason (dial, status_401, status_429, timeout, malformed, …).",
		}, []string{"source", "reason"}),
		LastEvent: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "last_event_timestamp_seconds",
			Help: "Unix time at which the source last received an event.",
		}, []string{"source"}),
		Connected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "connected",
			Help: "1 while a streaming source holds a connection (or a polling source's last poll succeeded), 0 otherwise.",
		}, []string{"source"}),
	}
	if reg == nil {
		return m
	}
	m.Received = telemetry.Register(reg, m.Received)
	m.Duplicates = telemetry.Register(reg, m.Duplicates)
	m.Reconnects = telemetry.Register(reg, m.Reconnects)
	m.Errors = telemetry.Register(reg, m.Errors)
	m.LastEvent = telemetry.Register(reg, m.LastEvent)
	m.Connected = telemetry.Register(reg, m.Connected)
	return m
}

// For is the metrics of one source, curried.
type For struct {
	Received, Duplicates, Reconnects prometheus.Counter
	LastEvent, Connected             prometheus.Gauge
	errors                           *prometheus.CounterVec
}

// For curries m for source.
func (m *Metrics) For(source string) *For {
	return &For{
		Received:   m.Received.WithLabelValues(source),
		Duplicates: m.Duplicates.WithLabelValues(source),
		Reconnects: m.Reconnects.WithLabelValues(source),
		LastEvent:  m.LastEvent.WithLabelValues(source),
		Connected:  m.Connected.WithLabelValues(source),
		errors:     m.Errors.MustCurryWith(prometheus.Labels{"source": source}),
	}
}

// Error counts an error under reason.
func (f *For) Error(reason string) { f.errors.WithLabelValues(reason).Inc() }

// ErrorCounter returns the counter of reason (for tests).
func (f *For) ErrorCounter(reason string) prometheus.Counter { return f.errors.WithLabelValues(reason) }

// NewSkippedCounter registers earshot_ingest_skipped_total{source,reason}:
// posts a source received and deliberately did not publish (an X retweet,
// a removed Reddit comment).
func NewSkippedCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "skipped_total",
		Help: "Posts a source received and deliberately did not publish, by reason (retweet, removed, …).",
	}, []string{"source", "reason"})
	if reg == nil {
		return c
	}
	return telemetry.Register(reg, c)
}
