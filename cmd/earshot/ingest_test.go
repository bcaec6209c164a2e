package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/earshot-dev/earshot/internal/testenv"
)

// runCLI runs the earshot command line in-process and returns its stdout.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	resetFlags(rootCmd)
	var out, errOut bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errOut)
	rootCmd.SetArgs(args)
	defer rootCmd.SetArgs(nil)
	err := rootCmd.ExecuteContext(context.Background())
	if err != nil {
		t.Logf("earshot %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), err
}

// resetFlags puts every flag back to its default: cobra keeps the values
// of an earlier Execute in the same process.
func resetFlags(c *cobra.Command) {
	reset := func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			sv.Replace(nil)
		} else {
			f.Value.Set(f.DefValue)
		}
		f.Changed = false
	}
	c.Flags().VisitAll(reset)
	c.PersistentFlags().VisitAll(reset)
	for _, sub := range c.Commands() {
		resetFlags(sub)
	}
}

func TestIngestHelpListsSources(t *testing.T) {
	out, err := runCLI(t, "ingest", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"replay", "simulate"} {
		if !regexp.MustCompile(`(?m)^\s+` + want + `\s`).MatchString(out) {
			t.Errorf("ingest --help does not list %q:\n%s", want, out)
		}
	}
}

// TestIngestSimulateThenReplay runs the two commands as a user would: a
// simulated day to files, then a replay of the JSONL into Kafka, then a
// resumed replay that publishes nothing.
func TestIngestSimulateThenReplay(t *testing.T) {
	dir := t.TempDir()
	jsonl, truth, truthCSV := filepath.Join(dir, "day.jsonl"), filepath.Join(dir, "truth.json"), filepath.Join(dir, "truth.csv")
	t.Setenv("EARSHOT_CONFIG", "")
	out, err := runCLI(t, "ingest", "simulate", "--days", "1", "--brands", "klm,o2", "--seed", "5",
		"--out", jsonl, "--truth", truth, "--truth-csv", truthCSV, "--log-level", "warn")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^records=(\d+) published=0 brands=2 since=2026-11-09T00:00:00Z until=2026-11-10T00:00:00Z\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("simulate printed %q", out)
	}
	data, err := os.ReadFile(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines == 0 || m[1] != strconv.Itoa(lines) {
		t.Fatalf("%d lines in the JSONL, summary says %s", lines, m[1])
	}
	csv, err := os.ReadFile(truthCSV)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(csv), "brand,inbound,answered,pending,response_rate,frt_median_s,frt_p90_s,sla15,sla60\nklm,") {
		t.Fatalf("truth CSV:\n%s", csv)
	}

	kc := testenv.Kafka(t)
	t.Setenv("EARSHOT_KAFKA_BROKERS", strings.Join(kc.Brokers, ","))
	cp := filepath.Join(dir, "cp.json")
	out, err = runCLI(t, "ingest", "replay", jsonl, "--checkpoint", cp, "--progress", "none", "--log-level", "warn", "--metrics-addr", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "published="+m[1]+" skipped=0 first_created_at=2026-11-09T") {
		t.Fatalf("replay printed %q, want published=%s", out, m[1])
	}
	out, err = runCLI(t, "ingest", "replay", jsonl, "--checkpoint", cp, "--resume", "--progress", "none", "--log-level", "warn")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "published=0 skipped=0 resumed_from="+m[1]+" ") {
		t.Fatalf("resumed replay printed %q", out)
	}
}

// TestIngestSimulatePublish publishes a simulated day straight to Kafka.
func TestIngestSimulatePublish(t *testing.T) {
	kc := testenv.Kafka(t)
	t.Setenv("EARSHOT_CONFIG", "")
	t.Setenv("EARSHOT_KAFKA_BROKERS", strings.Join(kc.Brokers, ","))
	out, err := runCLI(t, "ingest", "simulate", "--days", "1", "--brands", "ocado", "--publish", "--progress", "none", "--log-level", "warn", "--metrics-addr", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^records=(\d+) published=(\d+) `).FindStringSubmatch(out)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("simulate --publish printed %q; want every record published", out)
	}
	var onTopic int64
	for p := 0; p < kc.Partitions; p++ {
		conn, err := kafka.DialLeader(context.Background(), "tcp", kc.Brokers[0], kc.RawTopic, p)
		if err != nil {
			t.Fatal(err)
		}
		last, err := conn.ReadLastOffset()
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		onTopic += last
	}
	if strconv.FormatInt(onTopic, 10) != m[2] {
		t.Fatalf("%d records on the raw topic, the summary says %s", onTopic, m[2])
	}
}

// TestIngestSimulateCrisisScenario: --scenario crisis writes the six-week
// scenario and its events (the crisis ground truth); --events alone is
// refused.
func TestIngestSimulateCrisisScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("generates six weeks of traffic")
	}
	dir := t.TempDir()
	out, events := filepath.Join(dir, "crisis.jsonl"), filepath.Join(dir, "events.json")
	if _, err := runCLI(t, "ingest", "simulate", "--scenario", "crisis", "--brands", "o2,tesco,klm,lufthansa", "--out", out, "--events", events); err != nil {
		t.Fatal(err)
	}
	var evs []struct {
		Name, Kind, Brand string
		Peak              float64
	}
	data, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &evs); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, e := range evs {
		kinds[e.Name] = e.Kind + "/" + e.Brand
	}
	want := map[string]string{"outage": "crisis/o2", "slow_burn": "crisis/tesco", "viral": "viral_positive/klm", "holiday": "seasonal/"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("events %v, want %v", kinds, want)
	}
	if n, err := countLines(out); err != nil || n < 10_000 {
		t.Errorf("scenario wrote %d records (%v), want six weeks of traffic", n, err)
	}
	if _, err := runCLI(t, "ingest", "simulate", "--events", events); err == nil {
		t.Error("--events without --scenario was accepted")
	}
}
