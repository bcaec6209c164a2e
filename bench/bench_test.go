package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/enrich/brands"
	"github.com/earshot-dev/earshot/enrich/sentiment"
	"github.com/earshot-dev/earshot/internal/embedded"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/registry"
)

func pipeline(t testing.TB) (*enrich.Pipeline, *registry.Registry) {
	t.Helper()
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	be, err := brands.New(reg, brands.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	se, err := sentiment.New(sentiment.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	p, err := enrich.NewPipeline(be, se)
	if err != nil {
		t.Fatal(err)
	}
	return p, reg
}

// reportLines parses the printed report, checking every line is
// name=value and no name repeats.
func reportLines(t *testing.T, r *Report) (map[string]string, []string) {
	t.Helper()
	var b bytes.Buffer
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	var order []string
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("line %q is not name=value", l)
		}
		if _, dup := m[k]; dup {
			t.Fatalf("%s printed twice", k)
		}
		m[k] = v
		order = append(order, k)
	}
	return m, order
}

func num(t *testing.T, m map[string]string, k string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(m[k], 64)
	if err != nil {
		t.Fatalf("%s=%q is not a number", k, m[k])
	}
	return v
}

func TestEnrich(t *testing.T) {
	pipe, reg := pipeline(t)
	twcs := ""
	if !testing.Short() {
		if dir, ok := datasets(t); ok {
			twcs = filepath.Join(dir, "twcs", "twcs_first5000.csv")
		}
	}
	corpus, err := EnrichCorpus(context.Background(), reg, twcs)
	if err != nil {
		t.Fatal(err)
	}
	if len(corpus.Records) < 10_000 {
		t.Fatalf("corpus of %d records, want the simulated week (> 10,000)", len(corpus.Records))
	}
	r, err := Enrich(context.Background(), EnrichConfig{Count: 2000, Warmup: 100}, pipe, corpus)
	if err != nil {
		t.Fatal(err)
	}
	m, order := reportLines(t, r)
	if last := order[len(order)-1]; last != "enrich_mentions_per_sec_per_core" {
		t.Errorf("last line %s, want enrich_mentions_per_sec_per_core", last)
	}
	for k, want := range map[string]string{"mentions": "2000", "one_core_mentions": "2000", "rejected": "0", "corpus_mentions": strconv.Itoa(len(corpus.Records))} {
		if m[k] != want {
			t.Errorf("%s=%s, want %s", k, m[k], want)
		}
	}
	for _, k := range []string{"seconds", "mentions_per_sec", "allocs_per_mention", "bytes_per_mention", "rss_bytes", "one_core_mentions_per_sec", "enrich_mentions_per_sec_per_core"} {
		if v := num(t, m, k); v <= 0 {
			t.Errorf("%s=%v, want > 0", k, v)
		}
	}
	share := num(t, m, "share_brands") + num(t, m, "share_sentiment")
	if share < 0.99 || share > 1.01 {
		t.Errorf("enricher shares sum to %v, want 1", share)
	}
	if twcs != "" && !strings.Contains(m["corpus"], "twcs_first5000.csv=") {
		t.Errorf("corpus=%s, want the twcs part", m["corpus"])
	}
}

func TestEnrichConfigValidate(t *testing.T) {
	for _, c := range []EnrichConfig{{}, {Duration: -1, Count: 5}, {Count: 1, Workers: -1}, {Count: 1, Warmup: -1}} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if err := DefaultEnrichConfig().Validate(); err != nil {
		t.Error(err)
	}
}

// datasets is ../shared/datasets when present: the corpus then includes
// the twcs sample, and the test still runs without it.
func datasets(t *testing.T) (string, bool) {
	t.Helper()
	dir := filepath.Join(filepath.Dir(testenv.RepoRoot(t)), "shared", "datasets")
	fi, err := os.Stat(dir)
	return dir, err == nil && fi.IsDir()
}

func TestInterleave(t *testing.T) {
	a := [][]byte{[]byte("a0"), []byte("a1"), []byte("a2"), []byte("a3"), []byte("a4"), []byte("a5")}
	b := [][]byte{[]byte("b0"), []byte("b1"), []byte("b2")}
	got := interleave(a, b)
	var s []string
	for _, x := range got {
		s = append(s, string(x))
	}
	if want := "b0 a0 a1 b1 a2 a3 b2 a4 a5"; strings.Join(s, " ") != want {
		t.Errorf("interleave = %s, want %s", strings.Join(s, " "), want)
	}
	if len(interleave(a, nil)) != 6 || len(interleave(nil, b)) != 3 {
		t.Error("interleave with an empty side lost records")
	}
}

func TestAppendString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":             `"plain"`,
		`q"b\`:              `"q\"b\\"`,
		"n\nr\rt\t\x01\x7f": `"n\nr\rt\t\u0001\u007f"`,
		"café 😀":            `"café 😀"`,
		"bad\xffutf8":       `"bad\ufffdutf8"`,
	} {
		if got := string(appendString(nil, in)); got != want {
			t.Errorf("appendString(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestSink runs the sink benchmark with 20,000 rows against the test
// ClickHouse and a dev broker, prefilled and paced, and checks that both
// tables hold the same rows.
func TestSink(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	for _, paced := range []bool{false, true} {
		t.Run(map[bool]string{false: "prefilled", true: "paced"}[paced], func(t *testing.T) { testSink(t, paced) })
	}
}

// sinkEnv gives what Sink runs against: the test ClickHouse, a dev broker
// (its Kafka configuration edited by edit, when not nil) and the enrich
// pipeline, and the database for the benchmark: the test database's name
// + suffix. It and its _ceiling twin are dropped at the end.
func sinkEnv(tb testing.TB, suffix string, edit func(*bus.Config)) (env SinkEnv, conn driver.Conn, db string) {
	tb.Helper()
	pipe, reg := pipeline(tb)
	chc := testenv.ClickHouse(tb)
	db = chc.Database + suffix
	b := testenv.KafkaBroker(tb, 1)
	kc := bus.DefaultConfig()
	kc.Brokers = b.BootstrapServers()
	kc.DialTimeout = 5 * time.Second
	if edit != nil {
		edit(&kc)
	}
	conn = testenv.Conn(tb, chc)
	tb.Cleanup(func() {
		for _, d := range []string{db, db + "_ceiling"} {
			conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+d)
		}
	})
	e := &embedded.Env{ClickHouse: chc, Kafka: kc, Broker: b}
	return SinkEnv{Env: e, Pipeline: pipe, Registry: reg}, conn, db
}

func testSink(t *testing.T, paced bool) {
	env, conn, db := sinkEnv(t, "_bench", nil)
	cfg := DefaultSinkConfig()
	cfg.N = 20_000
	cfg.Database = db
	cfg.Keep = true
	cfg.Partitions = 4
	cfg.MaxAhead = 1 << 20 // small: the flow control must work
	cfg.Stall = 30 * time.Second
	cfg.Prefill = !paced
	var progress bytes.Buffer
	env.Progress = &progress
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := Sink(ctx, cfg, env)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	m, order := reportLines(t, r)
	if last := order[len(order)-1]; last != "sink_rows_per_sec" {
		t.Errorf("last line %s, want sink_rows_per_sec", last)
	}
	if order[len(order)-2] != "ceiling_rows_per_sec" {
		t.Errorf("second to last line %s, want ceiling_rows_per_sec", order[len(order)-2])
	}
	if m["n"] != "20000" {
		t.Errorf("n=%s, want 20000", m["n"])
	}
	for _, k := range []string{"sink_rows_per_sec", "ceiling_rows_per_sec", "ratio", "sink_seconds", "ceiling_seconds"} {
		if v := num(t, m, k); v <= 0 {
			t.Errorf("%s=%v, want > 0", k, v)
		}
	}
	if waits := num(t, m, "publish_waits"); paced && waits < 1 {
		t.Errorf("publish_waits=%s: with 1 MiB ahead per partition the publisher must have waited for the sink", m["publish_waits"])
	} else if !paced && (waits != 0 || num(t, m, "publish_seconds") <= 0) {
		t.Errorf("prefilled: publish_waits=%s publish_seconds=%s, want 0 and > 0", m["publish_waits"], m["publish_seconds"])
	}
	// Both tables hold the same rows: the same ids, times, texts, brands,
	// sentiment and versions.
	q := func(db string) string {
		var s string
		err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT concat(toString(uniqExact(id)), '/', toString(sum(toUInt64(created_at))), '/',
			toString(sum(created_ms)), '/', toString(sum(length(text))), '/', toString(sum(length(brands))), '/',
			toString(sum(arraySum(brand_addressed))), '/', toString(round(sum(sentiment_compound), 6)), '/',
			toString(sum(version)), '/', toString(sum(toUInt64(enriched_at))), '/', toString(uniqExact(text))) FROM %s.mentions`, db)).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sinkSum, ceilSum := q(cfg.Database), q(cfg.Database+"_ceiling")
	if sinkSum != ceilSum {
		t.Errorf("the sink's and the ceiling's tables differ:\n sink    %s\n ceiling %s", sinkSum, ceilSum)
	}
	if !strings.HasPrefix(sinkSum, "20000/") {
		t.Errorf("summary %s, want 20000 distinct ids", sinkSum)
	}
	var fan uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+cfg.Database+".mention_brands").Scan(&fan); err != nil || fan == 0 {
		t.Errorf("mention_brands holds %d rows (%v): the materialized views did not run", fan, err)
	}
}

// A prefilled run fails, naming the fix, when the dev broker could not
// hold every record (it keeps ≈5 MiB per partition): here 8,000
// uncompressed records of ≈1 KiB on one partition.
func TestSinkPrefillDetectsDroppedRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	env, _, db := sinkEnv(t, "_bench_drop", func(kc *bus.Config) { kc.Compression = "none" })
	cfg := DefaultSinkConfig()
	cfg.N = 8_000
	cfg.Database = db
	cfg.Partitions = 1
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := Sink(ctx, cfg, env)
	if err == nil || !strings.Contains(err.Error(), "dropped the first") || !strings.Contains(err.Error(), "--partitions") {
		t.Fatalf("err = %v, want the broker's dropped records named, with the fix", err)
	}
}

func TestSinkConfigValidate(t *testing.T) {
	bad := []func(*SinkConfig){
		func(c *SinkConfig) { c.N = 0 },
		func(c *SinkConfig) { c.Database = "earshot" },
		func(c *SinkConfig) { c.Database = "bench; DROP" },
		func(c *SinkConfig) { c.Partitions = 0 },
		func(c *SinkConfig) { c.MaxAhead = 10 },
		func(c *SinkConfig) { c.ClickHouseClient = "" },
		func(c *SinkConfig) { c.Settle = 0 },
		func(c *SinkConfig) { c.Sink.BatchRows = 0 },
	}
	for i, f := range bad {
		c := DefaultSinkConfig()
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
	if err := DefaultSinkConfig().Validate(); err != nil {
		t.Error(err)
	}
}
