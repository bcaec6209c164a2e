package bus_test

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
)

func TestDefaultConfigValid(t *testing.T) {
	c := bus.DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v, want nil", err)
	}
	for name, got := range map[string]string{"raw": c.RawTopic, "enriched": c.EnrichedTopic, "dlq": c.DLQTopic} {
		if !strings.HasPrefix(got, "earshot.mentions.") {
			t.Errorf("default %s topic %q is not an earshot.mentions.* topic", name, got)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*bus.Config)
		field string // "" means valid
		also  string // another substring the error must carry
	}{
		{name: "defaults", edit: func(*bus.Config) {}},
		{name: "several brokers", edit: func(c *bus.Config) { c.Brokers = []string{"a:9092", "b.example.com:19092"} }},
		{name: "ipv6 broker", edit: func(c *bus.Config) { c.Brokers = []string{"[::1]:9092"} }},
		{name: "max port", edit: func(c *bus.Config) { c.Brokers = []string{"h:65535"} }},
		{name: "no brokers", edit: func(c *bus.Config) { c.Brokers = nil }, field: "kafka.brokers", also: "EARSHOT_KAFKA_BROKERS"},
		{name: "empty broker list", edit: func(c *bus.Config) { c.Brokers = []string{} }, field: "kafka.brokers"},
		{name: "broker without port", edit: func(c *bus.Config) { c.Brokers = []string{"localhost"} }, field: "kafka.brokers", also: `"localhost"`},
		{name: "broker with empty port", edit: func(c *bus.Config) { c.Brokers = []string{"localhost:"} }, field: "kafka.brokers", also: `"localhost:"`},
		{name: "port zero", edit: func(c *bus.Config) { c.Brokers = []string{"h:0"} }, field: "kafka.brokers", also: "bad port"},
		{name: "port too big", edit: func(c *bus.Config) { c.Brokers = []string{"h:65536"} }, field: "kafka.brokers", also: "bad port"},
		{name: "port not a number", edit: func(c *bus.Config) { c.Brokers = []string{"h:kafka"} }, field: "kafka.brokers", also: `"h:kafka"`},
		{name: "second broker bad", edit: func(c *bus.Config) { c.Brokers = []string{"h:9092", "x"} }, field: "kafka.brokers", also: `"x"`},
		{name: "raw topic empty", edit: func(c *bus.Config) { c.RawTopic = "" }, field: "kafka.raw_topic"},
		{name: "enriched topic empty", edit: func(c *bus.Config) { c.EnrichedTopic = "" }, field: "kafka.enriched_topic"},
		{name: "dlq topic empty", edit: func(c *bus.Config) { c.DLQTopic = "" }, field: "kafka.dlq_topic"},
		// With several fields wrong the first one in declaration order is
		// named, every time.
		{name: "all topics empty", edit: func(c *bus.Config) { c.RawTopic, c.EnrichedTopic, c.DLQTopic = "", "", "" }, field: "kafka.raw_topic"},
		{name: "enriched and dlq empty", edit: func(c *bus.Config) { c.EnrichedTopic, c.DLQTopic = "", "" }, field: "kafka.enriched_topic"},
		{name: "partitions zero", edit: func(c *bus.Config) { c.Partitions = 0 }, field: "kafka.partitions", also: "want ≥ 1"},
		{name: "partitions negative", edit: func(c *bus.Config) { c.Partitions = -3 }, field: "kafka.partitions", also: "-3"},
		{name: "replication zero", edit: func(c *bus.Config) { c.ReplicationFactor = 0 }, field: "kafka.replication_factor"},
		{name: "batch size zero", edit: func(c *bus.Config) { c.WriteBatchSize = 0 }, field: "kafka.write_batch_size"},
		{name: "batch timeout zero", edit: func(c *bus.Config) { c.WriteBatchTimeout = 0 }, field: "kafka.write_batch_timeout"},
		{name: "batch timeout negative", edit: func(c *bus.Config) { c.WriteBatchTimeout = -time.Second }, field: "kafka.write_batch_timeout", also: "-1s"},
		{name: "dial timeout zero", edit: func(c *bus.Config) { c.DialTimeout = 0 }, field: "kafka.dial_timeout"},
		{name: "compression none", edit: func(c *bus.Config) { c.Compression = "none" }},
		{name: "compression empty means none", edit: func(c *bus.Config) { c.Compression = "" }},
		{name: "compression zstd upper case", edit: func(c *bus.Config) { c.Compression = "ZSTD" }},
		{name: "compression unknown", edit: func(c *bus.Config) { c.Compression = "brotli" }, field: "kafka.compression", also: `"brotli"`},
		{name: "dial timeout negative", edit: func(c *bus.Config) { c.DialTimeout = -time.Second }, field: "kafka.dial_timeout", also: "-1s"},
		{name: "brokers reported before partitions", edit: func(c *bus.Config) { c.Brokers = nil; c.Partitions = 0 }, field: "kafka.brokers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := bus.DefaultConfig()
			tt.edit(&c)
			// Map-ordered checks would name a different field from run to
			// run: validate a few times.
			for range 5 {
				err := c.Validate()
				if tt.field == "" {
					if err != nil {
						t.Fatalf("Validate() = %v, want nil", err)
					}
					continue
				}
				if err == nil {
					t.Fatalf("Validate() = nil, want an error naming %s", tt.field)
				}
				if !strings.HasPrefix(err.Error(), tt.field+":") {
					t.Fatalf("Validate() = %q, want it to start with %q", err, tt.field+":")
				}
				if tt.also != "" && !strings.Contains(err.Error(), tt.also) {
					t.Fatalf("Validate() = %q, want it to contain %q", err, tt.also)
				}
			}
		})
	}
}

func TestParseBrokers(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{",", nil},
		{" , ,, ", nil},
		{"a:1", []string{"a:1"}},
		{"a:1,b:2", []string{"a:1", "b:2"}},
		{" a:1 , b:2 ", []string{"a:1", "b:2"}},
		{"a:1,,b:2,", []string{"a:1", "b:2"}},
		{"\ta:1\n,b:2", []string{"a:1", "b:2"}},
		{"[::1]:9092,127.0.0.1:9093", []string{"[::1]:9092", "127.0.0.1:9093"}},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			got := bus.ParseBrokers(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseBrokers(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseBrokersValidates: whatever ParseBrokers keeps from a list of
// good addresses passes Validate (the env override path).
func TestParseBrokersValidates(t *testing.T) {
	c := bus.DefaultConfig()
	c.Brokers = bus.ParseBrokers(" kafka-1:9092, kafka-2:9092 ,")
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	c.Brokers = bus.ParseBrokers(" , ")
	if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "kafka.brokers:") {
		t.Fatalf("Validate() of an all-blank list = %v, want a kafka.brokers error", err)
	}
}

// deadAt parses the dead-letter time header and checks it lies in
// [before, after].
func deadAt(tb testing.TB, m kafka.Message, before, after time.Time) {
	tb.Helper()
	v := bus.Header(m, bus.HeaderTime)
	at, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		tb.Fatalf("%s header %q: %v", bus.HeaderTime, v, err)
	}
	if _, off := at.Zone(); off != 0 || !strings.HasSuffix(v, "Z") {
		tb.Fatalf("%s header %q is not UTC", bus.HeaderTime, v)
	}
	if at.Before(before.Round(0)) || at.After(after.Round(0)) {
		tb.Fatalf("%s header %s not within [%s, %s]", bus.HeaderTime, at, before, after)
	}
}

func headerKeys(m kafka.Message) []string {
	var ks []string
	for _, h := range m.Headers {
		ks = append(ks, h.Key)
	}
	return ks
}

func TestDeadLetterWithoutSource(t *testing.T) {
	key, value := []byte("conv-42"), []byte(`{"v":1,"id":"x:1"`)
	before := time.Now()
	m := bus.DeadLetter("ingest", "decode: unexpected end of JSON input", nil, key, value)
	after := time.Now()

	if !bytes.Equal(m.Key, key) || !bytes.Equal(m.Value, value) {
		t.Fatalf("key/value = %q/%q, want %q/%q", m.Key, m.Value, key, value)
	}
	if got := bus.Header(m, bus.HeaderReason); got != "decode: unexpected end of JSON input" {
		t.Errorf("reason header = %q", got)
	}
	if got := bus.Header(m, bus.HeaderStage); got != "ingest" {
		t.Errorf("stage header = %q", got)
	}
	deadAt(t, m, before, after)
	for _, k := range []string{bus.HeaderTopic, bus.HeaderPartition, bus.HeaderOffset} {
		for _, h := range m.Headers {
			if h.Key == k {
				t.Errorf("header %s present without a source message", k)
			}
		}
	}
	if len(m.Headers) != 3 {
		t.Errorf("headers %v, want reason, stage and time only", headerKeys(m))
	}
	if m.Topic != "" || m.Partition != 0 || m.Offset != 0 {
		t.Errorf("topic/partition/offset set on a new message: %q/%d/%d (the writer owns the topic)", m.Topic, m.Partition, m.Offset)
	}
}

func TestDeadLetterFromKafkaMessage(t *testing.T) {
	from := &kafka.Message{
		Topic:     bus.TopicRaw,
		Partition: 3,
		Offset:    1234567890123,
		Key:       []byte("conv-7"),
		Value:     []byte("not json"),
		Headers:   []kafka.Header{{Key: "traceparent", Value: []byte("00-abc")}},
	}
	before := time.Now()
	// key and value arguments are ignored when from is given: the DLQ keeps
	// the original bytes.
	m := bus.DeadLetter("enrich", "mention: v: missing", from, []byte("other"), []byte("other"))
	after := time.Now()

	if !bytes.Equal(m.Key, from.Key) || !bytes.Equal(m.Value, from.Value) {
		t.Fatalf("key/value = %q/%q, want the source's %q/%q", m.Key, m.Value, from.Key, from.Value)
	}
	want := map[string]string{
		bus.HeaderReason:    "mention: v: missing",
		bus.HeaderStage:     "enrich",
		bus.HeaderTopic:     bus.TopicRaw,
		bus.HeaderPartition: "3",
		bus.HeaderOffset:    "1234567890123",
	}
	for k, v := range want {
		if got := bus.Header(m, k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	deadAt(t, m, before, after)
	if len(m.Headers) != len(want)+1 {
		t.Errorf("headers %v, want exactly %d", headerKeys(m), len(want)+1)
	}
	if m.Topic != "" {
		t.Errorf("Topic = %q, want empty (the DLQ writer sets it)", m.Topic)
	}
	// The source message is left as it was.
	if len(from.Headers) != 1 || string(from.Key) != "conv-7" {
		t.Errorf("source message changed: %+v", from)
	}
}

func TestDeadLetterEmptyInput(t *testing.T) {
	m := bus.DeadLetter("ingest", "", nil, nil, nil)
	if m.Key != nil || m.Value != nil {
		t.Fatalf("key/value = %q/%q, want nil", m.Key, m.Value)
	}
	// An empty reason is still carried as a header (present, empty).
	found := false
	for _, h := range m.Headers {
		found = found || h.Key == bus.HeaderReason
	}
	if !found {
		t.Fatalf("no %s header", bus.HeaderReason)
	}
}

func TestHeader(t *testing.T) {
	m := kafka.Message{Headers: []kafka.Header{
		{Key: "a", Value: []byte("1")},
		{Key: "b", Value: nil},
		{Key: "a", Value: []byte("2")},
		{Key: "C", Value: []byte("upper")},
	}}
	tests := []struct{ key, want string }{
		{"a", "1"}, // the first one wins
		{"b", ""},
		{"C", "upper"},
		{"c", ""}, // keys are case sensitive
		{"missing", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := bus.Header(m, tt.key); got != tt.want {
			t.Errorf("Header(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	if got := bus.Header(kafka.Message{}, "a"); got != "" {
		t.Errorf("Header on a message without headers = %q", got)
	}
}

func BenchmarkDeadLetter(b *testing.B) {
	value := bytes.Repeat([]byte(`{"v":1,"text":"my flight was cancelled"}`), 20)
	from := &kafka.Message{Topic: bus.TopicRaw, Partition: 5, Offset: 987654, Key: []byte("twcs:119238"), Value: value}
	b.Run("from-kafka", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(value)))
		for b.Loop() {
			m := bus.DeadLetter("enrich", "mention: created_at: missing", from, nil, nil)
			if len(m.Headers) != 6 {
				b.Fatal(len(m.Headers))
			}
		}
	})
	b.Run("no-source", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(value)))
		for b.Loop() {
			m := bus.DeadLetter("ingest", "decode: bad json", nil, from.Key, value)
			if len(m.Headers) != 3 {
				b.Fatal(len(m.Headers))
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(value)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = bus.DeadLetter("enrich", "poison", from, nil, nil)
			}
		})
	})
}
