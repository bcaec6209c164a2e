package enrich

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/telemetry"
)

const subsystem = "enrich"

// Dead-letter reason kinds, the values of the "reason" label of
// earshot_enrich_dlq_total.
const (
	KindDecode   = "decode"    // not a JSON Mention (malformed, wrong version, not UTF-8, too large)
	KindInvalid  = "invalid"   // decoded, but a field breaks the v1 contract
	KindRejected = "rejected"  // an enricher returned a permanent error
	KindPanic    = "panic"     // an enricher panicked on the record
	KindEncode   = "encode"    // the enriched record fails validation (an enricher bug)
	KindTooLarge = "too_large" // the broker refused the enriched record as too large
)

// Enricher error kinds, the values of the "kind" label of
// earshot_enrich_enricher_errors_total.
const (
	ErrKindPermanent = "permanent"
	ErrKindTransient = "transient"
	ErrKindPanic     = "panic"
)

type metrics struct {
	in, out        prometheus.Counter
	dlq            *prometheus.CounterVec
	enrichSeconds  prometheus.Histogram
	deliverSeconds prometheus.Histogram
	batchRecords   prometheus.Histogram
	enricherErrors *prometheus.CounterVec
	writeErrors    *prometheus.CounterVec
	commitErrors   prometheus.Counter
	dlqDropped     prometheus.Counter
	kafkaRetries   *prometheus.CounterVec
	kafkaRetrying  *prometheus.GaugeVec
}

// Kafka operations, the values of the "op" label of
// earshot_enrich_kafka_retries_total and earshot_enrich_kafka_retrying.
const (
	OpFetch         = "fetch"
	OpWriteEnriched = "write_enriched"
	OpWriteDLQ      = "write_dlq"
	OpCommit        = "commit"
)

func newMetrics(reg prometheus.Registerer, pipe *Pipeline) (*metrics, error) {
	m := &metrics{
		in: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "records_in_total",
			Help: "Records read from the raw topic and enriched or dead-lettered.",
		}),
		out: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "records_out_total",
			Help: "Enriched records written to the enriched topic (acknowledged by Kafka).",
		}),
		dlq: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "dlq_total",
			Help: "Records written to the dead-letter topic, by reason kind: decode, invalid, rejected, panic, encode, too_large.",
		}, []string{"reason"}),
		enrichSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "batch_enrich_duration_seconds",
			Help:    "Time to decode, enrich and encode one batch (all workers).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		deliverSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "batch_deliver_duration_seconds",
			Help:    "Time to write one batch to the enriched and dead-letter topics and commit its source offsets.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		batchRecords: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "batch_records",
			Help:    "Records per batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 9),
		}),
		enricherErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "enricher_errors_total",
			Help: "Errors returned by each enricher, by kind: permanent (record dead-lettered), transient (retried), panic.",
		}, []string{"enricher", "kind"}),
		writeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "write_errors_total",
			Help: "Failed writes of a batch to an output topic (the batch is retried and its offsets are not committed meanwhile).",
		}, []string{"topic"}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "commit_errors_total",
			Help: "Failed offset commits (the batch will be re-delivered; downstream deduplicates by id).",
		}),
		dlqDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "dlq_dropped_total",
			Help: "Dead letters the broker refused as too large even truncated to 512 KiB (logged, then dropped).",
		}),
		kafkaRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "kafka_retries_total",
			Help: "Kafka operations retried after a transient error (broker unreachable, no leader, not enough replicas, timeout), by op: fetch, write_enriched, write_dlq, commit.",
		}, []string{"op"}),
		kafkaRetrying: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "kafka_retrying",
			Help: "1 while a Kafka operation is failing and being retried (an outage), by op; /readyz is not ready meanwhile.",
		}, []string{"op"}),
	}
	cs := []prometheus.Collector{m.in, m.out, m.dlq, m.enrichSeconds, m.deliverSeconds, m.batchRecords, m.enricherErrors, m.writeErrors, m.commitErrors, m.dlqDropped, m.kafkaRetries, m.kafkaRetrying}
	for i, name := range pipe.Names() {
		i := i
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: telemetry.Namespace, Subsystem: subsystem, Name: "enricher_seconds_total",
			Help:        "Time spent in each enricher.",
			ConstLabels: prometheus.Labels{"enricher": name},
		}, func() float64 { return float64(pipe.nanos[i].Load()) / 1e9 }))
	}
	for _, kind := range []string{KindDecode, KindInvalid, KindRejected, KindPanic, KindEncode, KindTooLarge} {
		m.dlq.WithLabelValues(kind) // export zeros, so that rate() works from the start
	}
	for _, op := range []string{OpFetch, OpWriteEnriched, OpWriteDLQ, OpCommit} {
		m.kafkaRetries.WithLabelValues(op)
		m.kafkaRetrying.WithLabelValues(op)
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
