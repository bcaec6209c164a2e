package ingest

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/telemetry"
)

// Metrics are the ingest stage's Prometheus metrics, labelled by source.
// Several sources in one process share one Metrics.
type Metrics struct {
	Published     *prometheus.CounterVec   // earshot_ingest_records_published_total{source}
	Rejected      *prometheus.CounterVec   // earshot_ingest_records_rejected_total{source,reason}
	PublishedSize *prometheus.CounterVec   // earshot_ingest_published_bytes_total{source}
	BatchDuration *prometheus.HistogramVec // earshot_ingest_publish_batch_duration_seconds{source}
	BatchRecords  *prometheus.HistogramVec // earshot_ingest_publish_batch_records{source}
	WriteErrors   *prometheus.CounterVec   // earshot_ingest_publish_errors_total{source}
}

// NewMetrics registers the ingest metrics on reg (nil: not registered).
// Registering twice on the same registry returns the metrics already there.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "records_published_total",
			Help: "Mention records written to the raw topic and acknowledged by Kafka.",
		}, []string{"source"}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "records_rejected_total",
			Help: "Input records skipped because they could not be mapped or failed Mention validation, by reason.",
		}, []string{"source", "reason"}),
		PublishedSize: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "published_bytes_total",
			Help: "Encoded bytes of the Mention records written to the raw topic.",
		}, []string{"source"}),
		BatchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "publish_batch_duration_seconds",
			Help:    "Time to write one batch to Kafka, until every replica acknowledged it.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"source"}),
		BatchRecords: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "publish_batch_records",
			Help:    "Records per batch written to Kafka.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10),
		}, []string{"source"}),
		WriteErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "publish_errors_total",
			Help: "Batch writes to Kafka that failed after the writer's retries.",
		}, []string{"source"}),
	}
	if reg == nil {
		return m
	}
	m.Published = telemetry.Register(reg, m.Published)
	m.Rejected = telemetry.Register(reg, m.Rejected)
	m.PublishedSize = telemetry.Register(reg, m.PublishedSize)
	m.BatchDuration = telemetry.Register(reg, m.BatchDuration)
	m.BatchRecords = telemetry.Register(reg, m.BatchRecords)
	m.WriteErrors = telemetry.Register(reg, m.WriteErrors)
	return m
}
