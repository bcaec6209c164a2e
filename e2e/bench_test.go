package e2e_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/internal/testenv"
)

// TestBenchE2EWarmup runs 'earshot bench e2e' small: the group-join record
// and the warm-up's records must go through the whole pipeline with the
// trial's, and neither set may be counted as the other.
func TestBenchE2EWarmup(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	ch := testenv.ClickHouse(t)
	conn := testenv.Conn(t, ch)
	bin := buildEarshot(t)
	prefix := ch.Database + "_bench"
	db := prefix + "_r1000"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
			t.Errorf("drop %s: %v", db, err)
		}
	})
	env := []string{"EARSHOT_CLICKHOUSE_ADDR=" + ch.Addr, "EARSHOT_KAFKA_BROKERS="}
	out := earshot(t, bin, env, "bench", "e2e", "--rate", "1000", "--duration", "3s", "--warmup", "2s", "--profile",
		"--ceiling-rows", "0", "--database", prefix, "--keep", "--dir", filepath.Join(t.TempDir(), "bench"))
	t.Logf("bench e2e:\n%s", out)

	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "e2e_mentions_per_sec=") || !strings.Contains(last, " p99_latency_ms=") {
		t.Errorf("last line %q, want the e2e_mentions_per_sec=… p99_latency_ms=… headline", last)
	}
	got := map[string]string{}
	for _, l := range lines {
		if k, v, ok := strings.Cut(l, "="); ok {
			got[k] = v
		}
	}
	for k, want := range map[string]string{
		"trial1_published":      "3000",
		"trial1_stored":         "3000",
		"trial1_dead_letters":   "0",
		"trial1_warmup_records": "2000",
	} {
		if got[k] != want {
			t.Errorf("%s=%s, want %s", k, got[k], want)
		}
	}

	// The latency by thirds of the trial: three positive figures each,
	// none above the trial's maximum.
	maxLat, _ := strconv.Atoi(got["trial1_max_latency_ms"])
	for _, k := range []string{"trial1_p50_by_third_ms", "trial1_p99_by_third_ms"} {
		parts := strings.Split(got[k], ",")
		for _, p := range parts {
			if ms, err := strconv.Atoi(p); err != nil || ms <= 0 || ms > maxLat {
				t.Errorf("%s=%q: %q is not a latency in (0, %d] ms", k, got[k], p, maxLat)
			}
		}
		if len(parts) != 3 {
			t.Errorf("%s=%q, want three figures", k, got[k])
		}
	}

	// --profile: a CPU profile (gzip'd protobuf) of each worker.
	profiles := strings.Split(got["trial1_cpu_profiles"], ",")
	if len(profiles) != 3 {
		t.Errorf("trial1_cpu_profiles=%q, want ingest's, enrich's and the sink's", got["trial1_cpu_profiles"])
	}
	for _, p := range profiles {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Error(err)
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err == nil {
			_, err = io.Copy(io.Discard, zr)
		}
		if err != nil || !strings.HasPrefix(filepath.Base(p), "cpu-") {
			t.Errorf("%s (%d bytes): not a CPU profile: %v", p, len(b), err)
		}
	}

	// The kept database holds both sets, apart: the trial's ids below the
	// warm-up's (the group-join record and 2 s × 1,000/s).
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var trial, warm, all uint64
	q := "SELECT uniqExactIf(id, id < 'sim:9000000000'), uniqExactIf(id, id >= 'sim:9000000000'), uniqExact(id) FROM " + db + ".mentions"
	if err := conn.QueryRow(ctx, q).Scan(&trial, &warm, &all); err != nil {
		t.Fatal(err)
	}
	if trial != 3000 || warm != 2001 || all != 5001 {
		t.Errorf("ClickHouse holds %d trial and %d warm-up mentions (%d in all), want 3000 and 2001 (5001)", trial, warm, all)
	}
}
