package rss_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/internal/srctest"
	"github.com/earshot-dev/earshot/ingest/rss"
	"github.com/earshot-dev/earshot/internal/testenv"
)

// TestKafkaIntegration polls an RSS and an Atom feed twice (the second
// time with one new item) and restarts, against a real Kafka protocol
// server (the librdkafka mock cluster): the raw topic holds each item once.
func TestKafkaIntegration(t *testing.T) {
	kc := testenv.Kafka(t)
	kw := bus.NewWriter(kc, kc.RawTopic)
	defer kw.Close()
	fs := newFeedServer(t)
	fs.serve("/news.rss", "news.rss")
	fs.serve("/reviews.atom", "reviews.atom")
	cfg := config(t, t.TempDir(), fs.URL+"/news.rss", fs.URL+"/reviews.atom")
	poll := func() {
		t.Helper()
		reg := prometheus.NewRegistry()
		p, err := rss.New(cfg, rss.Options{Writer: kw, Metrics: ingest.NewMetrics(reg)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.PollAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		fs.serve("/news.rss", "news-updated.rss")
		if _, err := p.PollAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	poll()
	poll() // a restart: the persisted seen-set drops everything
	recs := srctest.Decode(t, srctest.ReadTopic(t, kc, kc.RawTopic, 5))
	if recs["rss:https://news.example.com/travel/2025/03/04/air-france-montreal"] == nil {
		t.Fatalf("the item added between polls is missing: %v", recs)
	}
}
