package embedded

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/storage"
)

func env(kv map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
}

func TestPointedAt(t *testing.T) {
	tests := []struct {
		env       map[string]string
		ch, kafka bool
	}{
		{nil, false, false},
		{map[string]string{config.EnvClickHouseAddr: "10.0.0.1:9000"}, true, false},
		{map[string]string{config.EnvKafkaBrokers: "k:9092"}, false, true},
		{map[string]string{config.EnvClickHouseAddr: "", config.EnvKafkaBrokers: ""}, false, false},
	}
	for _, tt := range tests {
		o := Options{LookupEnv: env(tt.env)}
		if PointedAtClickHouse(o) != tt.ch || PointedAtKafka(o) != tt.kafka {
			t.Errorf("env %v: pointed at ClickHouse %v, Kafka %v; want %v, %v", tt.env, PointedAtClickHouse(o), PointedAtKafka(o), tt.ch, tt.kafka)
		}
	}
}

func TestConfiguredServersAreUsedAsTheyAre(t *testing.T) {
	c := config.Defaults()
	c.ClickHouse.Addr = "192.0.2.1:9000"
	c.Kafka.Brokers = []string{"192.0.2.1:9092"}
	var out bytes.Buffer
	e, err := Start(context.Background(), Options{ClickHouse: true, Kafka: true, Common: c, Out: &out,
		LookupEnv: env(map[string]string{config.EnvClickHouseAddr: c.ClickHouse.Addr, config.EnvKafkaBrokers: "192.0.2.1:9092"})})
	if err != nil {
		t.Fatal(err)
	}
	if e.StartedClickHouse || e.Broker != nil || e.ClickHouse.Addr != c.ClickHouse.Addr || e.Kafka.Brokers[0] != c.Kafka.Brokers[0] {
		t.Errorf("configured servers not used as they are: %+v", e)
	}
	if !strings.Contains(out.String(), "configured") {
		t.Errorf("progress %q does not say the servers are configured", out.String())
	}
	if err := e.Stop(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestDevBrokerStartedAndStopped(t *testing.T) {
	e, err := Start(context.Background(), Options{Kafka: true, Common: config.Defaults(), LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if e.Broker == nil || len(e.Kafka.Brokers) == 0 || e.Kafka.Brokers[0] != e.Broker.BootstrapServers()[0] {
		t.Fatalf("no dev broker started: %+v", e)
	}
	kc := e.Kafka
	kc.Partitions = 2
	kc.DialTimeout = 5 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.CreateTopics(ctx, kc); err != nil {
		t.Fatal(err)
	}
	if _, end, err := bus.Lag(ctx, kc, "g", kc.EnrichedTopic); err != nil || end != 0 {
		t.Fatalf("topic on the dev broker: end %d, %v", end, err)
	}
	b := e.Broker
	if err := e.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if e.Broker != nil {
		t.Error("Stop kept the broker")
	}
	if err := b.CreateTopic("x", 1, 1); err == nil {
		t.Error("the dev broker still works after Stop")
	}
	if err := e.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// TestRunningLocalClickHouseIsNotStopped: when the local stack's ClickHouse
// already runs, Start uses it and Stop leaves it running.
func TestRunningLocalClickHouseIsNotStopped(t *testing.T) {
	if os.Getenv(testenv.EnvClickHouseAddr) != "" {
		t.Skip("tests use an external ClickHouse")
	}
	chc := testenv.ClickHouse(t) // starts the local server if needed
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := Start(ctx, Options{ClickHouse: true, Common: config.Defaults(), LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if e.StartedClickHouse {
		t.Error("StartedClickHouse for a server that was running")
	}
	if e.ClickHouse.Addr != chc.Addr {
		t.Errorf("addr %s, want the local server %s", e.ClickHouse.Addr, chc.Addr)
	}
	if err := e.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	c := e.ClickHouse
	c.Database = "default"
	conn, err := storage.Open(ctx, c)
	if err != nil {
		t.Fatalf("the local ClickHouse is gone after Stop: %v", err)
	}
	conn.Close()
}
