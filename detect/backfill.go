package detect

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// BackfillResult is what a backfill found and stored.
type BackfillResult struct {
	// Since and Until are the evaluated window, on bucket boundaries.
	Since, Until time.Time
	// Buckets is the number of bucket times evaluated in the window.
	Buckets int
	// Events stored (one alerts row each).
	Events int
	// Replaced is the number of rows an earlier run had stored for the
	// window's buckets, removed before the new ones were stored (0 when
	// the store is no WindowClearer).
	Replaced int
	// Incidents are the newest state of every incident with an event in
	// the window, by onset.
	Incidents []Incident
}

// Backfill detects the incidents of a past window [since, until): it
// feeds the detector the history before since (RunnerConfig.History,
// default seasonal_weeks weeks + 1 day; from the first bucket with posts)
// without storing anything, then
// steps every bucket of the window and stores its events, exactly as live
// detection would have stored them. Nothing is notified. Incident ids and
// versions depend only on the data, so a backfill run twice over the same
// window stores the same rows (the alerts table keeps one per version).
// A store that is a WindowClearer first loses the versions an earlier run
// stored for the window's buckets: after other settings or another
// detector, the window holds exactly this run's incidents, not a mix of
// both runs' timelines. Versions outside the window are kept, so an
// incident that began before since keeps its earlier versions.
// An incident still open at until is stored as open; a live `earshot
// detect` started later resolves it if its history does not show it.
//
// Use it on a runner fresh from NewRunner (not Run or Rebuild): the
// detector's state must start before the history.
func (r *Runner) Backfill(ctx context.Context, since, until time.Time) (BackfillResult, error) {
	b := r.cfg.Detector.Bucket
	res := BackfillResult{Since: BucketStart(since, b), Until: BucketStart(until.Add(b-time.Nanosecond), b)}
	if !res.Until.After(res.Since) {
		return res, fmt.Errorf("detect: backfill: the window %s – %s is empty", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	if last := r.lastComplete(r.Now()).Add(b); res.Until.After(last) {
		return res, fmt.Errorf("detect: backfill: the window ends at %s, after the last complete bucket (%s; detect.lag %s)",
			res.Until.Format(time.RFC3339), last.Format(time.RFC3339), r.cfg.Lag)
	}
	if !r.det.LastBucket().IsZero() {
		return res, errors.New("detect: backfill needs a fresh runner (this one has evaluated buckets already)")
	}
	from := BucketStart(res.Since.Add(-r.cfg.history()), b)
	var evs []Event
	// The history starts with the data: buckets before the first stored
	// post are not stepped, or the seasonal baseline would learn weeks of
	// zeros from a period nothing was collected in.
	started := false
	for day := from; day.Before(res.Until); day = day.Add(24 * time.Hour) {
		to := day.Add(24 * time.Hour)
		if to.After(res.Until) {
			to = res.Until
		}
		qctx, cancel := context.WithTimeout(ctx, r.cfg.QueryTimeout)
		bs, err := r.src.Buckets(qctx, day, to)
		cancel()
		if err != nil {
			return res, fmt.Errorf("detect: backfill: %w", err)
		}
		for at := day; at.Before(to); at = at.Add(b) {
			if !started && len(bs[at.Unix()]) == 0 && at.Before(res.Since) {
				continue
			}
			started = true
			got, err := r.det.Step(at, bs[at.Unix()])
			if err != nil {
				return res, err
			}
			if !at.Before(res.Since) {
				res.Buckets++
				evs = append(evs, got...)
			}
		}
	}
	if wc, ok := r.store.(WindowClearer); ok {
		cctx, cancel := context.WithTimeout(ctx, r.cfg.QueryTimeout)
		n, err := wc.ClearWindow(cctx, res.Since, res.Until)
		cancel()
		if err != nil {
			if r.metrics != nil {
				r.metrics.StoreErrors.Inc()
			}
			return res, fmt.Errorf("detect: backfill: %w", err)
		}
		res.Replaced = n
	}
	if err := r.store.Save(ctx, evs); err != nil {
		if r.metrics != nil {
			r.metrics.StoreErrors.Inc()
		}
		return res, fmt.Errorf("detect: backfill: %w", err)
	}
	res.Events = len(evs)
	newest := map[string]Incident{}
	for _, ev := range evs {
		if r.metrics != nil {
			r.metrics.Events.WithLabelValues(ev.Incident.Kind, ev.Type).Inc()
		}
		if old, ok := newest[ev.Incident.ID]; !ok || ev.Incident.Version >= old.Version {
			newest[ev.Incident.ID] = ev.Incident
		}
	}
	for _, inc := range newest {
		res.Incidents = append(res.Incidents, inc)
	}
	sort.Slice(res.Incidents, func(i, j int) bool {
		if !res.Incidents[i].Onset.Equal(res.Incidents[j].Onset) {
			return res.Incidents[i].Onset.Before(res.Incidents[j].Onset)
		}
		return res.Incidents[i].ID < res.Incidents[j].ID
	})
	r.log.Info("backfill done", "since", res.Since.Format(time.RFC3339), "until", res.Until.Format(time.RFC3339),
		"buckets", res.Buckets, "events", res.Events, "replaced", res.Replaced, "incidents", len(res.Incidents))
	return res, nil
}
