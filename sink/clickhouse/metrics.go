package clickhouse

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/storage"
	"github.com/earshot-dev/earshot/telemetry"
)

// DLQ reason kinds (label "reason" of earshot_sink_dlq_total).
const (
	ReasonDecode   = "decode"   // not a JSON Mention record
	ReasonInvalid  = "invalid"  // a record that breaks the Mention contract or the schema's ranges
	ReasonRejected = "rejected" // a row ClickHouse itself refused
)

// Metrics are the sink's Prometheus metrics (namespace earshot, subsystem
// sink).
type Metrics struct {
	Messages       prometheus.Counter
	RowsInserted   prometheus.Counter
	Batches        prometheus.Counter
	BatchRows      prometheus.Histogram
	BatchBytes     prometheus.Histogram
	InsertDuration prometheus.Histogram
	InsertErrors   *prometheus.CounterVec
	DLQ            *prometheus.CounterVec
	CommitErrors   prometheus.Counter
	Committed      *prometheus.GaugeVec
	Retrying       prometheus.Gauge
	// Buffered is what the sink holds in memory: the records of the
	// current batch and those fetched for it. It stays ≤ BatchRows +
	// FetchBuffer.
	Buffered prometheus.Gauge
	// InsertSlots is sink.insert_concurrency, set by New: how full the
	// insert slots are is rate(InsertDuration's sum) ÷ InsertSlots.
	InsertSlots prometheus.Gauge
	// Set by GroupReader.
	Rebalances     prometheus.Counter
	StaleDropped   prometheus.Counter
	CommitsSkipped *prometheus.CounterVec
}

// NewMetrics registers the sink's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	const ns, sub = telemetry.Namespace, "sink"
	m := &Metrics{
		Messages: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "messages_total",
			Help: "Kafka records consumed from the enriched topic."}),
		RowsInserted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "rows_inserted_total",
			Help: "Mention rows ClickHouse confirmed (a redelivered record counts again; queries deduplicate)."}),
		Batches: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "batches_total",
			Help: "Batches flushed: inserted, dead-lettered and committed."}),
		BatchRows: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "batch_rows",
			Help:    "Rows per flushed batch.",
			Buckets: []float64{1, 10, 100, 1000, 5000, 10000, 20000, 50000, 100000}}),
		BatchBytes: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "batch_bytes",
			Help:    "Kafka record bytes per flushed batch.",
			Buckets: prometheus.ExponentialBuckets(4096, 4, 8)}),
		InsertDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "insert_duration_seconds",
			Help:    "Duration of one INSERT attempt into ClickHouse, successful or not.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10)}),
		InsertErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "insert_errors_total",
			Help: "Failed INSERT attempts by kind: transient (retried), schema (retried until fixed, e.g. by earshot migrate up), data (the batch is split to find the bad row)."},
			[]string{"kind"}),
		DLQ: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "dlq_total",
			Help: "Records sent to the dead-letter topic, by reason kind: decode, invalid, rejected."},
			[]string{"reason"}),
		CommitErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "commit_errors_total",
			Help: "Kafka offset commits that failed after retries (the records are redelivered and deduplicated)."}),
		Committed: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "committed_offset",
			Help: "Last offset committed per partition of the enriched topic (the next record to read)."},
			[]string{"partition"}),
		Retrying: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "retrying",
			Help: "1 while a write is being retried and consumption is paused."}),
		Buffered: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "buffered_records",
			Help: "Records held in memory: the current batch plus those fetched for it (≤ 2 × batch_rows + fetch_buffer + 1: the batch being inserted, the next one, the fetch buffer)."}),
		InsertSlots: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "insert_slots",
			Help: "Inserts this sink runs at once (sink.insert_concurrency); rate(earshot_sink_insert_duration_seconds_sum) ÷ this is how full they are: near 1, ClickHouse takes inserts no faster."}),
		Rebalances: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "rebalances_total",
			Help: "Consumer-group generations this sink joined."}),
		StaleDropped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "stale_records_dropped_total",
			Help: "Fetched records dropped because their generation ended before the sink took them (the partition's next owner reads them)."}),
		CommitsSkipped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "commits_skipped_total",
			Help: "Partition commits not sent: revoked (the partition belongs to another member now) or not_forward (at or below the committed offset)."},
			[]string{"reason"}),
	}
	for _, k := range []storage.ErrorKind{storage.ErrorTransient, storage.ErrorSchema, storage.ErrorData} {
		m.InsertErrors.WithLabelValues(string(k))
	}
	for _, r := range []string{ReasonDecode, ReasonInvalid, ReasonRejected} {
		m.DLQ.WithLabelValues(r)
	}
	for _, r := range []string{"revoked", "not_forward"} {
		m.CommitsSkipped.WithLabelValues(r)
	}
	reg.MustRegister(m.Messages, m.RowsInserted, m.Batches, m.BatchRows, m.BatchBytes, m.InsertDuration,
		m.InsertErrors, m.DLQ, m.CommitErrors, m.Committed, m.Retrying,
		m.Buffered, m.InsertSlots, m.Rebalances, m.StaleDropped, m.CommitsSkipped)
	return m
}
