package bus

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/telemetry"
)

// LagMonitor exports a consumer group's lag on a topic as
// earshot_kafka_consumer_lag_records{group,topic}: the records written to
// the topic that the group has not committed yet (see Lag), measured every
// interval. A failed measurement is counted in
// earshot_kafka_lag_errors_total{group,topic} and leaves the gauge as it was.
type LagMonitor struct {
	cfg      Config
	group    string
	topic    string
	interval time.Duration
	log      *slog.Logger
	lag      prometheus.Gauge
	errs     prometheus.Counter
}

// NewLagMonitor registers the lag metrics on reg for group on topic.
func NewLagMonitor(c Config, group, topic string, interval time.Duration, reg prometheus.Registerer, log *slog.Logger) *LagMonitor {
	lag := telemetry.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: telemetry.Namespace, Subsystem: "kafka", Name: "consumer_lag_records",
		Help: "Records written to the topic that the consumer group has not committed yet (end offset − committed offset, summed over partitions).",
	}, []string{"group", "topic"}))
	errs := telemetry.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Subsystem: "kafka", Name: "lag_errors_total",
		Help: "Consumer-lag measurements that failed (broker unreachable, group unknown).",
	}, []string{"group", "topic"}))
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &LagMonitor{
		cfg: c, group: group, topic: topic, interval: interval, log: log,
		lag: lag.WithLabelValues(group, topic), errs: errs.WithLabelValues(group, topic),
	}
}

// Measure takes one measurement and updates the gauge.
func (m *LagMonitor) Measure(ctx context.Context) (int64, error) {
	mctx, cancel := context.WithTimeout(ctx, m.cfg.DialTimeout)
	defer cancel()
	lag, _, err := Lag(mctx, m.cfg, m.group, m.topic)
	if err != nil {
		m.errs.Inc()
		return 0, err
	}
	m.lag.Set(float64(lag))
	return lag, nil
}

// Run measures every interval until ctx ends. It logs the first failure of
// a run of failures, not each one.
func (m *LagMonitor) Run(ctx context.Context) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	failing := false
	for {
		if _, err := m.Measure(ctx); err != nil && ctx.Err() == nil {
			if !failing {
				m.log.Warn("cannot measure consumer lag", "group", m.group, "topic", m.topic, "err", err)
			}
			failing = true
		} else {
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
