package mastodon_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srctest"
	"github.com/earshot-dev/earshot/ingest/mastodon"
	"github.com/earshot-dev/earshot/internal/testenv"
)

// TestKafkaIntegration streams, loses the connection, back-fills, and
// publishes into a real Kafka protocol server (the librdkafka mock
// cluster): each status once, replies keyed by their thread.
func TestKafkaIntegration(t *testing.T) {
	kc := testenv.Kafka(t)
	kw := bus.NewWriter(kc, kc.RawTopic)
	defer kw.Close()
	reply := func(id, parent int) string {
		return update(id, map[string]any{"in_reply_to_id": fmt.Sprint(parent)})
	}
	in := newInstance(t,
		plan{mode: modeClose, events: []string{update(1, nil), reply(2, 1)}},
		plan{mode: modeHold, events: []string{update(5, nil), update(6, nil)}},
	)
	in.post(1, 2, 3, 4, 5) // 3 and 4 were posted while disconnected
	reg := prometheus.NewRegistry()
	src, err := mastodon.New(config(t, in, t.TempDir()), mastodon.Options{Writer: kw, Metrics: ingest.NewMetrics(reg), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	srctest.WaitFor(t, "the cursor of the last status", func() bool { return src.LastID() == "6" })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	recs := srctest.Decode(t, srctest.ReadTopic(t, kc, kc.RawTopic, 6))
	host := in.host()
	if r := recs[fmt.Sprintf("mastodon:%s/2", host)]; r == nil || r.ConversationID != fmt.Sprintf("mastodon:%s/1", host) {
		t.Fatalf("the reply is missing or not in its thread: %+v", r)
	}
}
