package detect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"
)

// RunnerConfig configures `earshot detect`: the detector, how late a
// bucket is evaluated, how much history rebuilds the state, and delivery.
// In the configuration file it is the section detect.
type RunnerConfig struct {
	Detector Config         `yaml:"detector" json:"detector"`
	Delivery DeliveryConfig `yaml:"delivery" json:"delivery"`
	// Lag is how long after a bucket ends it is evaluated, so that late
	// posts (ingest, enrich and sink latency: seconds) are in (default 1m).
	// A bucket is evaluated once; posts later than this count in no
	// bucket's live evaluation (they do after a restart's rebuild).
	Lag time.Duration `yaml:"lag" json:"lag"`
	// History read at start to rebuild baselines and open incidents
	// (default: seasonal_weeks weeks and one day).
	History time.Duration `yaml:"history" json:"history"`
	// TextsPerBucket bounds the post texts read per brand and bucket for
	// term counting (default 500; counts are always exact).
	TextsPerBucket int `yaml:"texts_per_bucket" json:"texts_per_bucket"`
	// QueryTimeout bounds one ClickHouse query (default 2m).
	QueryTimeout time.Duration `yaml:"query_timeout" json:"query_timeout"`
	// Brands to watch besides those with posts (registry ids); the command
	// adds the whole registry.
	Brands []string `yaml:"-" json:"-"`
}

// DefaultRunnerConfig returns the defaults.
func DefaultRunnerConfig() RunnerConfig {
	return RunnerConfig{
		Detector:       DefaultConfig(),
		Delivery:       DefaultDeliveryConfig(),
		Lag:            time.Minute,
		TextsPerBucket: 500,
		QueryTimeout:   2 * time.Minute,
	}
}

// Validate names the first wrong field.
func (c RunnerConfig) Validate() error {
	var errs []error
	errs = append(errs, c.Detector.Validate(), c.Delivery.Validate())
	if c.Lag < 0 {
		errs = append(errs, fmt.Errorf("detect.lag: %s, want ≥ 0", c.Lag))
	}
	if c.History < 0 {
		errs = append(errs, fmt.Errorf("detect.history: %s, want ≥ 0 (0: seasonal_weeks weeks + 1 day)", c.History))
	}
	if c.TextsPerBucket < 1 {
		errs = append(errs, fmt.Errorf("detect.texts_per_bucket: %d, want ≥ 1", c.TextsPerBucket))
	}
	if c.QueryTimeout <= 0 {
		errs = append(errs, fmt.Errorf("detect.query_timeout: %s, want > 0", c.QueryTimeout))
	}
	return errors.Join(errs...)
}

func (c RunnerConfig) history() time.Duration {
	if c.History > 0 {
		return c.History
	}
	return time.Duration(c.Detector.SeasonalWeeks)*7*24*time.Hour + 24*time.Hour
}

// Source gives bucket aggregates of [from, to) keyed by bucket start.
type Source interface {
	Buckets(ctx context.Context, from, to time.Time) (map[int64][]*Bucket, error)
}

// Store keeps incident versions and gives back the open ones.
type Store interface {
	Save(ctx context.Context, evs []Event) error
	Open(ctx context.Context) ([]Incident, error)
}

// WindowClearer is a Store that can remove the versions stored for the
// buckets of a past window, so that a backfill replaces what an earlier
// run (other settings, another earshot version) stored there instead of
// adding to it. A version is the end of its bucket (Unix seconds): the
// buckets of [since, until) stored versions in (since, until].
type WindowClearer interface {
	// ClearWindow removes those versions, returns when they are gone,
	// and reports how many rows it removed.
	ClearWindow(ctx context.Context, since, until time.Time) (int, error)
}

// Runner evaluates every bucket as it completes: reads it from the
// source, steps the detector, stores the events, updates the metrics and
// notifies.
type Runner struct {
	cfg     RunnerConfig
	src     Source
	store   Store
	det     *Detector
	notify  *Notifier
	metrics *Metrics
	log     *slog.Logger
	// Now is the clock (tests move it).
	Now func() time.Time
	// pending are events not stored yet (ClickHouse was down).
	pending []Event
	ready   bool
}

// NewRunner wires a runner. notify may be nil (no delivery).
func NewRunner(cfg RunnerConfig, src Source, store Store, notify *Notifier, m *Metrics, log *slog.Logger) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	det, err := New(cfg.Detector)
	if err != nil {
		return nil, err
	}
	det.AddBrands(cfg.Brands...)
	if log == nil {
		log = slog.Default()
	}
	return &Runner{cfg: cfg, src: src, store: store, det: det, notify: notify, metrics: m, log: log, Now: time.Now}, nil
}

// Detector returns the runner's detector.
func (r *Runner) Detector() *Detector { return r.det }

// Ready reports whether the start-up rebuild is done.
func (r *Runner) Ready(context.Context) error {
	if !r.ready {
		return errors.New("detect: rebuilding state from ClickHouse")
	}
	return nil
}

// lastComplete is the start of the last bucket that can be evaluated now.
func (r *Runner) lastComplete(now time.Time) time.Time {
	b := r.cfg.Detector.Bucket
	return BucketStart(now.Add(-r.cfg.Lag), b).Add(-b)
}

// Rebuild feeds the detector the history up to the last complete bucket,
// a day at a time, without notifying, then reconciles with the incidents
// stored as open: one still open carries on silently (Alertmanager gets it
// again), one the history shows resolved is resolved now, one opened while
// earshot was down is notified.
func (r *Runner) Rebuild(ctx context.Context) error {
	began := time.Now()
	b := r.cfg.Detector.Bucket
	last := r.lastComplete(r.Now())
	from := BucketStart(last.Add(-r.cfg.history()), b)
	var events int
	for day := from; !day.After(last); day = day.Add(24 * time.Hour) {
		to := day.Add(24 * time.Hour)
		if to.After(last.Add(b)) {
			to = last.Add(b)
		}
		qctx, cancel := context.WithTimeout(ctx, r.cfg.QueryTimeout)
		bs, err := r.src.Buckets(qctx, day, to)
		cancel()
		if err != nil {
			return fmt.Errorf("detect: rebuild: %w", err)
		}
		for at := day; at.Before(to); at = at.Add(b) {
			evs, err := r.det.Step(at, bs[at.Unix()])
			if err != nil {
				return err
			}
			events += len(evs)
		}
	}
	stored, err := r.store.Open(ctx)
	if err != nil {
		return fmt.Errorf("detect: rebuild: %w", err)
	}
	open := map[string]Incident{}
	for _, inc := range r.det.Open() {
		open[inc.ID] = inc
	}
	var recon []Event
	seen := map[string]bool{}
	for _, s := range stored {
		seen[s.ID] = true
		if inc, ok := open[s.ID]; ok {
			recon = append(recon, Event{Type: EventUpdate, Incident: inc})
			continue
		}
		// Stored open, but the history no longer shows it: resolve it now.
		end := last.Add(b)
		s.Status, s.ResolvedAt, s.UpdatedAt, s.Version = StatusResolved, end, end, uint64(end.Unix())
		recon = append(recon, Event{Type: EventResolve, Incident: s})
	}
	for _, inc := range r.det.Open() {
		if !seen[inc.ID] {
			recon = append(recon, Event{Type: EventOpen, Incident: inc})
		}
	}
	sort.SliceStable(recon, func(i, j int) bool { return recon[i].Incident.ID < recon[j].Incident.ID })
	r.emit(ctx, recon)
	if r.metrics != nil {
		r.metrics.RebuildSeconds.Set(time.Since(began).Seconds())
		r.metrics.observe(r.det)
		r.metrics.LastBucket.Set(float64(last.Add(b).Unix()))
	}
	r.ready = true
	r.log.Info("detector state rebuilt from ClickHouse", "from", from.Format(time.RFC3339), "to", last.Add(b).Format(time.RFC3339),
		"brands", len(r.det.Brands()), "history_events", events, "open", len(r.det.Open()), "stored_open", len(stored),
		"took", time.Since(began).Round(time.Millisecond))
	return nil
}

// Evaluate steps the detector over every complete bucket not evaluated
// yet (normally one). It returns the events.
func (r *Runner) Evaluate(ctx context.Context) ([]Event, error) {
	b := r.cfg.Detector.Bucket
	last := r.lastComplete(r.Now())
	next := r.det.LastBucket().Add(b)
	if r.det.LastBucket().IsZero() {
		next = last
	}
	if next.After(last) {
		r.emit(ctx, nil) // retry pending stores
		return nil, nil
	}
	qctx, cancel := context.WithTimeout(ctx, r.cfg.QueryTimeout)
	bs, err := r.src.Buckets(qctx, next, last.Add(b))
	cancel()
	if err != nil {
		if r.metrics != nil {
			r.metrics.EvaluationErrors.Inc()
		}
		return nil, err
	}
	var all []Event
	for at := next; !at.After(last); at = at.Add(b) {
		evs, err := r.det.Step(at, bs[at.Unix()])
		if err != nil {
			if r.metrics != nil {
				r.metrics.EvaluationErrors.Inc()
			}
			return all, err
		}
		if r.metrics != nil {
			r.metrics.Evaluations.Inc()
			r.metrics.LastBucket.Set(float64(at.Add(b).Unix()))
		}
		all = append(all, evs...)
	}
	if r.metrics != nil {
		r.metrics.observe(r.det)
	}
	r.emit(ctx, all)
	return all, nil
}

// emit stores events (keeping them for the next try when ClickHouse
// fails), counts and logs them, and notifies.
func (r *Runner) emit(ctx context.Context, evs []Event) {
	for _, ev := range evs {
		if r.metrics != nil {
			r.metrics.Events.WithLabelValues(ev.Incident.Kind, ev.Type).Inc()
		}
		if ev.Type != EventUpdate || ev.Escalated {
			r.log.Info("incident "+ev.Type, "incident", ev.Incident.ID, "brand", ev.Incident.Brand, "kind", ev.Incident.Kind,
				"severity", ev.Incident.Severity, "summary", ev.Incident.Summary)
		}
		if r.notify != nil {
			r.notify.Notify(ev)
		}
	}
	r.pending = append(r.pending, evs...)
	if len(r.pending) == 0 {
		return
	}
	if err := r.store.Save(ctx, r.pending); err != nil {
		if r.metrics != nil {
			r.metrics.StoreErrors.Inc()
		}
		const keep = 10000
		if len(r.pending) > keep {
			r.pending = r.pending[len(r.pending)-keep:]
		}
		r.log.Warn("storing incidents failed; will retry", "pending", len(r.pending), "err", err)
		return
	}
	r.pending = r.pending[:0]
}

// Run rebuilds, then evaluates every bucket Lag after it ends, until ctx
// is cancelled. Open incidents are re-sent to Alertmanager at every
// evaluation (Alertmanager forgets alerts that are not refreshed).
func (r *Runner) Run(ctx context.Context) error {
	if !r.ready {
		if err := r.Rebuild(ctx); err != nil {
			return err
		}
	}
	b := r.cfg.Detector.Bucket
	for {
		evs, err := r.Evaluate(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("evaluation failed; retrying at the next bucket", "err", err)
		}
		if r.notify != nil {
			r.refresh(evs)
		}
		next := BucketStart(r.Now().Add(-r.cfg.Lag), b).Add(b + r.cfg.Lag)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Until(next)):
		}
	}
}

// refresh re-sends open incidents that had no event in this evaluation
// (Alertmanager only: the other targets deduplicate updates away).
func (r *Runner) refresh(evs []Event) {
	had := map[string]bool{}
	for _, ev := range evs {
		had[ev.Incident.ID] = true
	}
	for _, inc := range r.det.Open() {
		if !had[inc.ID] {
			r.notify.Notify(Event{Type: EventUpdate, Incident: inc})
		}
	}
}
