package enrich_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/enrich/brands"
	"github.com/earshot-dev/earshot/enrich/sentiment"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

const itRegistry = `
brands:
  - {id: applesupport, name: Apple Support, sector: tech, handles: {x: [AppleSupport]}, aliases: [Apple Support]}
  - {id: amazonhelp, name: Amazon Help, sector: retail, handles: {x: [AmazonHelp]}, aliases: [Amazon]}
  - {id: spotifycares, name: Spotify Cares, sector: tech, handles: {x: [SpotifyCares]}, aliases: [Spotify]}
  - id: next
    name: Next
    sector: retail
    handles: {x: [nextofficial]}
    aliases: [Next]
    ambiguous: true
    context: [order, ordered, delivery, parcel]
`

// pipeline builds the production pipeline (brands, sentiment) on the test
// registry.
func pipeline(tb testing.TB) *enrich.Pipeline {
	tb.Helper()
	reg, err := registry.Parse([]byte(itRegistry))
	if err != nil {
		tb.Fatal(err)
	}
	be, err := brands.New(reg, brands.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	se, err := sentiment.New(sentiment.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	p, err := enrich.NewPipeline(be, se)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

type expect struct {
	brands    string // "brand/how/addressed,…"
	author    string
	direction string
	label     string
}

func brandsString(bs []mention.BrandMatch) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, fmt.Sprintf("%s/%s/%v", b.Brand, b.How, b.Addressed))
	}
	return strings.Join(parts, ",")
}

// rawMention is a twcs-shaped raw record.
func rawMention(id, conv, inReplyTo, author, text string, at time.Time) *mention.Mention {
	m := &mention.Mention{V: 1, ID: "twcs:" + id, Platform: "twcs", NativeID: id, CreatedAt: at, IngestedAt: at,
		Source: "twcs", Author: mention.Author{ID: author}, Text: text, ConversationID: "twcs:" + conv}
	if inReplyTo != "" {
		m.InReplyTo = "twcs:" + inReplyTo
	}
	return m
}

// TestKafkaEndToEnd runs the Processor against a real Kafka protocol
// server (the librdkafka mock cluster): valid records are enriched exactly
// once with the expected brands and direction, poison records are
// dead-lettered with reasons naming the field, offsets are committed, and a
// restarted processor in the same group re-processes nothing.
func TestKafkaEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("joins consumer groups on the mock cluster (≈3 s each)")
	}
	kc := testenv.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	t0 := time.Date(2017, 10, 11, 12, 53, 29, 0, time.UTC)
	type rec struct {
		m    *mention.Mention
		want expect
	}
	// The thread is published in order; a brand post precedes the reply to it.
	recs := []rec{
		{rawMention("119256", "119256", "", "105840", "@SpotifyCares Please help! Spotify Premium skipping through songs constantly on android tablet &amp; bluetooth speaker. Tried everything!", t0),
			expect{"spotifycares/handle/true", "", "inbound", ""}},
		{rawMention("119254", "119256", "119256", "SpotifyCares", "@105840 Hi there! What device is this happening on? If you could also let us know the Android and Spotify versions you're using, that'd be great /AY", t0.Add(48*time.Minute)),
			expect{"spotifycares/author/false", "spotifycares", "outbound", ""}},
		{rawMention("119255", "119256", "119254", "105840", "Samsung Galaxy Tab A (2016) Model SM-T280 Does distance from speaker matter?", t0.Add(52*time.Minute)),
			expect{"spotifycares/reply/true", "", "inbound", "neutral"}},
		{rawMention("2001", "2001", "", "105900", "@AmazonHelp @AppleSupport terrible service, my order never arrived and the watch is broken", t0),
			expect{"amazonhelp/handle/true,applesupport/handle/true", "", "inbound", "negative"}},
		{rawMention("2002", "2002", "", "105901", "Ordered a coat from Next on Monday and the delivery still hasn't arrived", t0),
			expect{"next/alias/false", "", "other", "negative"}}, // a complaint without sentiment words
		{rawMention("2003", "2003", "", "105902", "I'll sort the delivery out next week, love a lie-in", t0),
			expect{"", "", "other", ""}},
	}
	// Filler: many small conversations, so that batches span partitions.
	for i := range 300 {
		id := fmt.Sprint(300000 + i)
		recs = append(recs, rec{rawMention(id, id, "", fmt.Sprint(200000+i), fmt.Sprintf("@AppleSupport my phone #%d will not charge", i), t0),
			expect{"applesupport/handle/true", "", "inbound", ""}})
	}
	var msgs []kafka.Message
	for _, r := range recs {
		v, err := mention.Encode(r.m)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, kafka.Message{Key: r.m.PartitionKey(), Value: v})
	}
	badField := rawMention("666", "666", "", "1", "x", t0)
	bad, _ := mention.Encode(badField)
	bad = []byte(strings.Replace(string(bad), `"created_at":"2017-10-11T12:53:29Z",`, "", 1))
	poison := []struct {
		value  string
		reason string
	}{
		{"{this is not JSON", "undecodable record"},
		{string(bad), "created_at: is missing"},
	}
	for _, p := range poison {
		msgs = append(msgs, kafka.Message{Key: []byte("poison"), Value: []byte(p.value)})
	}
	w := bus.NewWriter(kc, kc.RawTopic)
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	w.Close()

	cfg := enrich.DefaultConfig()
	cfg.GroupID = "it-enrich"
	cfg.Workers = 2
	cfg.BatchSize = 64
	cfg.FlushInterval = 50 * time.Millisecond
	reg1 := prometheus.NewRegistry()
	p1, err := enrich.New(cfg, kc, pipeline(t), reg1, log)
	if err != nil {
		t.Fatal(err)
	}
	stop1 := start(t, p1)

	enriched := readTopic(t, ctx, kc, kc.EnrichedTopic, len(recs))
	dlq := readTopic(t, ctx, kc, kc.DLQTopic, len(poison))
	waitFor(t, "the commits", func() bool {
		lag, end, err := bus.Lag(ctx, kc, cfg.GroupID, kc.RawTopic)
		return err == nil && lag == 0 && end == int64(len(msgs))
	})
	if err := stop1(); err != nil {
		t.Fatalf("first processor: %v", err)
	}

	byID := map[string]*mention.Mention{}
	for _, m := range enriched {
		rec, err := mention.Decode(m.Value)
		if err != nil {
			t.Fatalf("enriched record does not decode: %v", err)
		}
		if _, dup := byID[rec.ID]; dup {
			t.Errorf("%s enriched twice", rec.ID)
		}
		byID[rec.ID] = rec
		if string(m.Key) != rec.ConversationID {
			t.Errorf("%s: key %q, want the conversation %q", rec.ID, m.Key, rec.ConversationID)
		}
	}
	for _, r := range recs {
		got, ok := byID[r.m.ID]
		if !ok {
			t.Errorf("%s was not enriched", r.m.ID)
			continue
		}
		if b := brandsString(got.Brands); b != r.want.brands || got.AuthorBrand != r.want.author || got.Direction != r.want.direction {
			t.Errorf("%s %q: brands %q author %q direction %q, want %q %q %q", got.ID, got.Text, b, got.AuthorBrand, got.Direction, r.want.brands, r.want.author, r.want.direction)
		}
		if got.Sentiment == nil || r.want.label != "" && got.Sentiment.Label != r.want.label {
			t.Errorf("%s %q: sentiment %+v, want %s", got.ID, got.Text, got.Sentiment, r.want.label)
		}
		if got.EnrichedAt == nil || !strings.Contains(got.Enricher, "brands/1") || !strings.Contains(got.Enricher, "sentiment/") {
			t.Errorf("%s: enriched_at %v, enricher %q", got.ID, got.EnrichedAt, got.Enricher)
		}
		if got.Text != r.m.Text || !got.CreatedAt.Equal(r.m.CreatedAt) || got.InReplyTo != r.m.InReplyTo {
			t.Errorf("%s: source fields changed", got.ID)
		}
	}
	for i, m := range dlq {
		if string(m.Value) != poison[i].value {
			t.Errorf("dlq %d: value %q, want the original %q", i, m.Value, poison[i].value)
		}
		if reason := bus.Header(m, bus.HeaderReason); !strings.Contains(reason, poison[i].reason) {
			t.Errorf("dlq %d: reason %q, want it to name %q", i, reason, poison[i].reason)
		}
		if bus.Header(m, bus.HeaderTopic) != kc.RawTopic || bus.Header(m, bus.HeaderStage) != "enrich" {
			t.Errorf("dlq %d: headers %v", i, m.Headers)
		}
	}
	checkMetric(t, reg1, "earshot_enrich_records_in_total", nil, float64(len(msgs)))
	checkMetric(t, reg1, "earshot_enrich_records_out_total", nil, float64(len(recs)))
	checkMetric(t, reg1, "earshot_enrich_dlq_total", map[string]string{"reason": "decode"}, 1)
	checkMetric(t, reg1, "earshot_enrich_dlq_total", map[string]string{"reason": "invalid"}, 1)

	// A restarted processor in the same group starts after the committed
	// offsets: it sees only the record published after the restart.
	reg2 := prometheus.NewRegistry()
	p2, err := enrich.New(cfg, kc, pipeline(t), reg2, log)
	if err != nil {
		t.Fatal(err)
	}
	stop2 := start(t, p2)
	late := rawMention("9999", "9999", "", "105999", "@AmazonHelp where is my parcel?", t0)
	v, _ := mention.Encode(late)
	w = bus.NewWriter(kc, kc.RawTopic)
	if err := w.WriteMessages(ctx, kafka.Message{Key: late.PartitionKey(), Value: v}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	waitFor(t, "the late record", func() bool {
		lag, end, err := bus.Lag(ctx, kc, cfg.GroupID, kc.RawTopic)
		return err == nil && lag == 0 && end == int64(len(msgs)+1)
	})
	if err := stop2(); err != nil {
		t.Fatalf("second processor: %v", err)
	}
	checkMetric(t, reg2, "earshot_enrich_records_in_total", nil, 1)
	// Exactly once on the enriched topic: every valid record and the late one.
	if _, end, err := bus.Lag(ctx, kc, "nobody", kc.EnrichedTopic); err != nil || end != int64(len(recs)+1) {
		t.Errorf("enriched topic holds %d records (%v), want %d", end, err, len(recs)+1)
	}
}

// start runs p and returns a function that stops it and returns Run's error.
func start(tb testing.TB, p *enrich.Processor) func() error {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			tb.Fatal("processor did not stop")
			return nil
		}
	}
}

// readTopic reads every partition of topic from the start until it has
// want messages, without a consumer group. Messages of a partition are in
// order; partitions follow one another.
func readTopic(tb testing.TB, ctx context.Context, kc bus.Config, topic string, want int) []kafka.Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	parts := make([][]kafka.Message, kc.Partitions)
	total := 0
	var wg sync.WaitGroup
	for p := range kc.Partitions {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: kc.Brokers, Topic: topic, Partition: p, MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 100 * time.Millisecond})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.Close()
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					return
				}
				mu.Lock()
				parts[p] = append(parts[p], m)
				total++
				if total >= want {
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var out []kafka.Message
	for _, ms := range parts {
		out = append(out, ms...)
	}
	if len(out) != want {
		tb.Fatalf("%s: read %d messages, want %d", topic, len(out), want)
	}
	return out
}
