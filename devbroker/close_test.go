package devbroker

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestCloseBounded: Close calls the cluster's destroy once, returns when it
// does, and gives up on one that never returns after CloseWait.
func TestCloseBounded(t *testing.T) {
	defer func(w time.Duration) { CloseWait = w }(CloseWait)
	CloseWait = 100 * time.Millisecond
	block := make(chan struct{})
	defer close(block)
	for _, tc := range []struct {
		name    string
		destroy func()
		maxWait time.Duration
	}{
		{"destroy returns", func() {}, time.Second},
		{"destroy blocks for good", func() { <-block }, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			b := &Broker{destroy: func() { calls.Add(1); tc.destroy() }}
			start := time.Now()
			b.Close()
			if d := time.Since(start); d > tc.maxWait {
				t.Errorf("Close took %v, want ≤ %v", d, tc.maxWait)
			}
			b.Close() // twice is safe and destroys nothing more
			if n := calls.Load(); n != 1 {
				t.Errorf("destroy called %d times, want 1", n)
			}
			if err := b.call(1, nil); err == nil {
				t.Error("a closed broker accepted a call")
			}
		})
	}
}
