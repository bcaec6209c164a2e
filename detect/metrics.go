package detect

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the detector's Prometheus metrics (namespace earshot,
// subsystem detect).
type Metrics struct {
	IncidentsOpen     *prometheus.GaugeVec   // {brand, severity}: open crises
	ViralOpen         *prometheus.GaugeVec   // {brand}: open positive viral spikes
	Score             *prometheus.GaugeVec   // {brand, signal}
	Evaluations       prometheus.Counter     // buckets evaluated
	EvaluationErrors  prometheus.Counter     // failed evaluations (source or store)
	LastBucket        prometheus.Gauge       // end of the last evaluated bucket, Unix seconds
	Events            *prometheus.CounterVec // {kind, event}
	Deliveries        *prometheus.CounterVec // {sink}: notifications delivered
	DeliveryFailures  *prometheus.CounterVec // {sink}: failed attempts
	DeliveryDropped   *prometheus.CounterVec // {sink, reason}: notifications given up
	DeliveryDeduped   *prometheus.CounterVec // {sink}: duplicates not sent
	DeliveryQueue     *prometheus.GaugeVec   // {sink}
	DeliverySeconds   *prometheus.HistogramVec
	StoreErrors       prometheus.Counter
	RebuildSeconds    prometheus.Gauge
	incidentsOpenSeen map[[2]string]bool
	viralSeen         map[string]bool
}

// NewMetrics registers the metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	const ns, sub = "earshot", "detect"
	m := &Metrics{
		IncidentsOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "incidents_open",
			Help: "Open crisis incidents by brand and severity (1 while open)."}, []string{"brand", "severity"}),
		ViralOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "viral_open",
			Help: "Open positive viral spikes by brand (1 while open; never a crisis)."}, []string{"brand"}),
		Score: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "score",
			Help: "Last evaluated scores per brand: crisis, viral, volume_z, negative_z, negative_share_z, term."}, []string{"brand", "signal"}),
		Evaluations: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "evaluations_total",
			Help: "Buckets evaluated (all brands at once)."}),
		EvaluationErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "evaluation_errors_total",
			Help: "Evaluations that failed (reading ClickHouse or stepping the detector)."}),
		LastBucket: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "last_evaluated_bucket_timestamp_seconds",
			Help: "End of the last evaluated bucket, Unix seconds."}),
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "incident_events_total",
			Help: "Incident events by kind (crisis, viral_positive) and event (open, update, resolve)."}, []string{"kind", "event"}),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "deliveries_total",
			Help: "Notifications delivered, by sink (alertmanager, webhook, slack)."}, []string{"sink"}),
		DeliveryFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "delivery_failures_total",
			Help: "Failed delivery attempts, by sink (each retry counts)."}, []string{"sink"}),
		DeliveryDropped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "delivery_dropped_total",
			Help: "Notifications given up, by sink and reason (queue_full, retries_exhausted, rejected, shutdown)."}, []string{"sink", "reason"}),
		DeliveryDeduped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "delivery_deduplicated_total",
			Help: "Notifications not sent because the same one was sent already, by sink."}, []string{"sink"}),
		DeliveryQueue: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "delivery_queue_length",
			Help: "Notifications waiting, by sink."}, []string{"sink"}),
		DeliverySeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "delivery_seconds",
			Help: "Time of one delivery attempt, by sink.", Buckets: prometheus.ExponentialBuckets(0.005, 4, 7)}, []string{"sink"}),
		StoreErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "store_errors_total",
			Help: "Failed writes of incidents to ClickHouse (retried at the next evaluation)."}),
		RebuildSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "rebuild_seconds",
			Help: "How long the last start-up rebuild from ClickHouse history took."}),
		incidentsOpenSeen: map[[2]string]bool{},
		viralSeen:         map[string]bool{},
	}
	for _, c := range []prometheus.Collector{m.IncidentsOpen, m.ViralOpen, m.Score, m.Evaluations, m.EvaluationErrors, m.LastBucket,
		m.Events, m.Deliveries, m.DeliveryFailures, m.DeliveryDropped, m.DeliveryDeduped, m.DeliveryQueue, m.DeliverySeconds,
		m.StoreErrors, m.RebuildSeconds} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe sets the gauges from the detector's state after a step.
func (m *Metrics) observe(d *Detector) {
	open := map[[2]string]bool{}
	viral := map[string]bool{}
	for _, inc := range d.Open() {
		if inc.Kind == KindViral {
			viral[inc.Brand] = true
		} else {
			open[[2]string{inc.Brand, inc.Severity}] = true
		}
	}
	for k := range m.incidentsOpenSeen {
		if !open[k] {
			m.IncidentsOpen.WithLabelValues(k[0], k[1]).Set(0)
		}
	}
	for k := range open {
		m.IncidentsOpen.WithLabelValues(k[0], k[1]).Set(1)
		m.incidentsOpenSeen[k] = true
	}
	for b := range m.viralSeen {
		if !viral[b] {
			m.ViralOpen.WithLabelValues(b).Set(0)
		}
	}
	for b := range viral {
		m.ViralOpen.WithLabelValues(b).Set(1)
		m.viralSeen[b] = true
	}
	for _, b := range d.Brands() {
		s, ok := d.Signals(b)
		if !ok {
			continue
		}
		for sig, v := range map[string]float64{
			"crisis": s.CrisisScore, "viral": s.ViralScore, "volume_z": s.VolumeZ,
			"negative_z": s.NegativeZ, "negative_share_z": s.NegativeShareZ, "term": s.TermScore,
		} {
			m.Score.WithLabelValues(b, sig).Set(v)
		}
	}
}
