package srcutil

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff is capped exponential backoff with full jitter: the n-th wait is
// uniform in [Min/2, min(Max, Min·2ⁿ)], so that many clients reconnecting
// after one outage do not hit the server in step.
type Backoff struct {
	Min, Max time.Duration
	n        int
}

// Next returns the next wait and advances.
func (b *Backoff) Next() time.Duration {
	ceil := b.Min << min(b.n, 30)
	if ceil <= 0 || ceil > b.Max {
		ceil = b.Max
	}
	b.n++
	lo := b.Min / 2
	if ceil <= lo {
		return ceil
	}
	return lo + rand.N(ceil-lo+1)
}

// Reset starts over after a success.
func (b *Backoff) Reset() { b.n = 0 }

// Attempts is the number of waits since the last Reset.
func (b *Backoff) Attempts() int { return b.n }

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RetryAfter parses a Retry-After header (delta seconds or an HTTP date)
// and, failing that, the X-RateLimit-Reset / X-Ratelimit-Reset header
// (an epoch second or an ISO 8601 time, as Mastodon sends). ok is false
// when neither is usable.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
			return time.Duration(s) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil && s > 0 {
			return max(time.Unix(s, 0).Sub(now), 0), true
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	return 0, false
}
