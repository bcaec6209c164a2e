package ingest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/earshot-dev/earshot/bus"
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
	Retries       *prometheus.CounterVec   // earshot_ingest_publish_retries_total{source}
	Retrying      *prometheus.GaugeVec     // earshot_ingest_publish_retrying{source}

	outages outages // of the publishers built with these metrics, for Ready
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
			Help: "Attempts at writing a batch to Kafka that failed (transient failures are retried, see publish_retries_total).",
		}, []string{"source"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "publish_retries_total",
			Help: "Batch writes to Kafka retried after a transient error (broker unreachable, no leader, not enough replicas, timeout).",
		}, []string{"source"}),
		Retrying: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: telemetry.Namespace, Subsystem: "ingest", Name: "publish_retrying",
			Help: "1 while a source's writes to Kafka are failing and being retried (an outage); /readyz is not ready meanwhile.",
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
	m.Retries = telemetry.Register(reg, m.Retries)
	m.Retrying = telemetry.Register(reg, m.Retrying)
	return m
}

// outages are the Kafka outages of the publishers sharing one Metrics,
// by source, for the error text of Ready.
type outages struct {
	mu  sync.Mutex
	by  map[string]*bus.Outage
	ref map[string]int
}

func (o *outages) add(source string, x *bus.Outage) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.by == nil {
		o.by, o.ref = map[string]*bus.Outage{}, map[string]int{}
	}
	o.by[source] = x
	o.ref[source]++
}

func (o *outages) remove(source string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ref[source]--; o.ref[source] <= 0 {
		delete(o.by, source)
		delete(o.ref, source)
	}
}

func (o *outages) err(source string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if x := o.by[source]; x != nil {
		return x.Err()
	}
	return nil
}

// Ready reports, for /readyz, whether the publishers of this process reach
// Kafka: it returns an error, naming the source, while the writes of one
// of them keep failing and are being retried
// (earshot_ingest_publish_retrying{source} = 1). Metrics registered on the
// same registry see the same publishers.
func (m *Metrics) Ready(context.Context) error {
	ch := make(chan prometheus.Metric, 16)
	go func() {
		m.Retrying.Collect(ch)
		close(ch)
	}()
	var errs []error
	for metric := range ch {
		var d dto.Metric
		if err := metric.Write(&d); err != nil || d.GetGauge().GetValue() == 0 {
			continue
		}
		source := ""
		for _, l := range d.GetLabel() {
			if l.GetName() == "source" {
				source = l.GetValue()
			}
		}
		if err := m.outages.err(source); err != nil {
			errs = append(errs, fmt.Errorf("ingest %s: %w", source, err))
		} else {
			errs = append(errs, fmt.Errorf("ingest %s: writes to Kafka failing and being retried", source))
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}
