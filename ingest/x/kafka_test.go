package x_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srctest"
	"github.com/earshot-dev/earshot/ingest/x"
	"github.com/earshot-dev/earshot/internal/testenv"
)

// TestKafkaIntegration streams, loses the connection, back-fills from
// recent search, and publishes into a real Kafka protocol server (the
// librdkafka mock cluster): each post once, replies keyed by their thread.
func TestKafkaIntegration(t *testing.T) {
	kc := testenv.Kafka(t)
	kw := bus.NewWriter(kc, kc.RawTopic)
	defer kw.Close()
	reply := line(2, map[string]any{"conversation_id": "1", "referenced_tweets": []any{map[string]any{"type": "replied_to", "id": "1"}}})
	a := newAPI(t,
		plan{mode: modeClose, lines: []string{line(1, nil), reply}},
		plan{mode: modeHold, lines: []string{line(5, nil), line(6, nil)}},
	)
	a.post(1, 3, 4, 5) // 3 and 4 were made while disconnected
	reg := prometheus.NewRegistry()
	src, err := x.New(config(t, a, t.TempDir()), x.Options{Writer: kw, Metrics: ingest.NewMetrics(reg), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	srctest.WaitFor(t, "the cursor of the last post", func() bool { return src.LastID() == "6" })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	recs := srctest.Decode(t, srctest.ReadTopic(t, kc, kc.RawTopic, 6))
	if r := recs["x:2"]; r == nil || r.ConversationID != "x:1" || r.InReplyTo != "x:1" {
		t.Fatalf("the reply is missing or not in its thread: %+v", r)
	}
}
