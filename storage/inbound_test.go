package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/storage"
)

func TestInboundOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  storage.InboundOptions
		err  string
	}{
		{"defaults", storage.InboundOptions{}, ""},
		{"set", storage.InboundOptions{Lookback: time.Hour, Settle: time.Minute, Margin: time.Second}, ""},
		{"negative lookback", storage.InboundOptions{Lookback: -time.Hour}, "must not be negative"},
		{"negative settle", storage.InboundOptions{Settle: -time.Minute}, "must not be negative"},
		{"negative margin", storage.InboundOptions{Margin: -time.Second}, "must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opt.Validate()
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.err)
			}
		})
	}
}

// The database name goes into SQL: anything but a plain identifier is
// refused before a statement is built.
func TestInboundBadDatabase(t *testing.T) {
	ctx := context.Background()
	if _, err := storage.RollupInboundPosts(ctx, nil, "x; DROP", storage.InboundOptions{}); err == nil || !strings.Contains(err.Error(), "plain identifier") {
		t.Fatalf("RollupInboundPosts = %v, want a refused database name", err)
	}
	if _, err := storage.ReadInboundState(ctx, nil, "a.b", time.Time{}, time.Time{}); err == nil {
		t.Fatal("ReadInboundState accepted database a.b")
	}
	if _, _, err := storage.CountInboundChanges(ctx, nil, "", time.Time{}); err == nil {
		t.Fatal("CountInboundChanges accepted an empty database name")
	}
}
