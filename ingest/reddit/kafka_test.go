package reddit_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srctest"
	"github.com/earshot-dev/earshot/ingest/reddit"
	"github.com/earshot-dev/earshot/internal/testenv"
)

// TestKafkaIntegration polls a post and its comments twice (the second
// round finds nothing new) into a real Kafka protocol server (the
// librdkafka mock cluster): each item once, comments keyed by their post.
func TestKafkaIntegration(t *testing.T) {
	kc := testenv.Kafka(t)
	kw := bus.NewWriter(kc, kc.RawTopic)
	defer kw.Close()
	s := newSite(t)
	s.addPosts(1, 2)
	s.comments = []string{comment(10, 1, "t3_"+b36(1), nil), comment(11, 1, "t1_"+b36(10), nil)}
	cfg := config(t, s, t.TempDir())
	cfg.Comments = true
	reg := prometheus.NewRegistry()
	p, err := reddit.New(cfg, reddit.Options{Writer: kw, Metrics: ingest.NewMetrics(reg), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if res := p.Round(context.Background()); res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs := srctest.Decode(t, srctest.ReadTopic(t, kc, kc.RawTopic, 4))
	if r := recs["reddit:t1_"+b36(11)]; r == nil || r.ConversationID != "reddit:t3_"+b36(1) || r.InReplyTo != "reddit:t1_"+b36(10) {
		t.Fatalf("the reply is missing or not in its thread: %+v", r)
	}
}
