package bluesky_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/bluesky"
	"github.com/earshot-dev/earshot/ingest/internal/srctest"
	"github.com/earshot-dev/earshot/internal/testenv"
)

// TestKafkaIntegration streams through a disconnect into a real Kafka
// protocol server (the librdkafka mock cluster): every post lands on the
// raw topic once, replies keyed by their thread's root, and the saved
// cursor is the last post's time_us once Kafka acknowledged it.
func TestKafkaIntegration(t *testing.T) {
	kc := testenv.Kafka(t)
	kw := bus.NewWriter(kc, kc.RawTopic)
	defer kw.Close()
	root := postFrame(1, alice, "3lkroot", nil)
	frames := []frame{root}
	for i := 2; i <= 8; i++ {
		frames = append(frames, postFrame(i, bob, fmt.Sprintf("3lk%02d", i), map[string]any{
			"reply": map[string]any{
				"root":   map[string]any{"uri": uri(alice, "3lkroot"), "cid": "c"},
				"parent": map[string]any{"uri": uri(alice, "3lkroot"), "cid": "c"},
			},
		}))
	}
	js := newJetstream(t, frames, plan{limit: 4, mode: modeClose}, plan{mode: modeHold})
	reg := prometheus.NewRegistry()
	src, err := bluesky.New(config(t, js, t.TempDir()), bluesky.Options{Writer: kw, Metrics: ingest.NewMetrics(reg), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	srctest.WaitFor(t, "the cursor of the last post", func() bool { return src.Cursor() == us(8) })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	recs := srctest.Decode(t, srctest.ReadTopic(t, kc, kc.RawTopic, 8))
	rootID := "bluesky:" + uri(alice, "3lkroot")
	for id, rec := range recs {
		if rec.ConversationID != rootID {
			t.Fatalf("%s in conversation %q, want the thread root %s", id, rec.ConversationID, rootID)
		}
	}
}
