package httpingest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	httpingest "github.com/earshot-dev/earshot/ingest/http"
	"github.com/earshot-dev/earshot/ingest/internal/srctest"
	"github.com/earshot-dev/earshot/internal/testenv"
)

// TestKafkaIntegration pushes through the endpoint into a real Kafka
// protocol server (the librdkafka mock cluster) with earshot's writer, and
// reads the raw topic back: every accepted record once, keyed by its
// conversation, and a 202 only after Kafka acknowledged.
func TestKafkaIntegration(t *testing.T) {
	kc := testenv.Kafka(t)
	w := bus.NewWriter(kc, kc.RawTopic)
	defer w.Close()
	cfg := testConfig(t)
	cfg.FlushInterval = 20 * time.Millisecond
	reg := prometheus.NewRegistry()
	s, err := httpingest.New(cfg, httpingest.Options{Writer: w, Metrics: ingest.NewMetrics(reg), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: s, reg: reg}
	addr, _, _ := serveWith(t, s)
	url := "http://" + addr + "/v1/mentions"

	reply := strings.Replace(record(2), `"conversation_id":"x:2"`, `"in_reply_to":"x:1","conversation_id":"x:1"`, 1)
	bad := strings.Replace(record(3), `"v":1`, `"v":7`, 1)
	r := post(t, nil, url, tokenA, "application/x-ndjson", []byte(record(1)+"\n"+reply+"\n"+bad+"\n"))
	if r.Status != 202 || r.Accepted != 2 || r.Rejected != 1 {
		t.Fatalf("push: %d accepted=%d rejected=%d (%s)", r.Status, r.Accepted, r.Rejected, r.Error)
	}
	if got := e.value("earshot_ingest_records_published_total"); got != 2 {
		t.Fatalf("published metric %v at the time of the 202, want 2 (acknowledged before answering)", got)
	}
	// A retry of the same batch publishes nothing new.
	if r := post(t, nil, url, tokenA, "application/x-ndjson", []byte(record(1)+"\n"+reply+"\n")); r.Duplicates != 2 {
		t.Fatalf("retry: duplicates %d, want 2", r.Duplicates)
	}
	recs := srctest.Decode(t, srctest.ReadTopic(t, kc, kc.RawTopic, 2))
	if recs["x:1"] == nil || recs["x:2"] == nil || recs["x:2"].ConversationID != "x:1" {
		t.Fatalf("raw topic holds %v, want x:1 and its reply x:2 in conversation x:1", recs)
	}
}

// serveWith runs Serve for s on a free port until the test ends.
func serveWith(tb testing.TB, s *httpingest.Server) (string, context.CancelFunc, <-chan error) {
	tb.Helper()
	ln, err := listen()
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		done <- s.Serve(ctx, ln)
		close(finished)
	}()
	tb.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(30 * time.Second):
			tb.Error("Serve did not return")
		}
	})
	return ln.Addr().String(), cancel, done
}
