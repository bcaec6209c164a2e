// Package e2e_test runs the earshot binary end to end against the real
// local ClickHouse server and the dev Kafka broker: the simulated week must
// come out of the leaderboard exactly as the simulator's ground truth says,
// the twcs sample as an independent computation from the file says, and a
// second replay of the same input must change no number.
package e2e_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/internal/testenv"
)

// buildEarshot compiles the binary once per test run.
func buildEarshot(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "earshot")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/earshot")
	cmd.Dir = testenv.RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// earshot runs the binary with the test's ClickHouse database and returns
// its standard output.
func earshot(t testing.TB, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("earshot %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), tail(stderr.String(), 4000))
	}
	t.Logf("earshot %s: %s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return stdout.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

type lbRow map[string]string

// readLeaderboardCSV reads a leaderboard CSV keyed by brand and checks the
// header is exactly the documented one.
func readLeaderboardCSV(t testing.TB, path string) map[string]lbRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	const header = "brand,inbound,answered,pending,response_rate,frt_median_s,frt_p90_s,sla15,sla60"
	if len(recs) == 0 || strings.Join(recs[0], ",") != header {
		t.Fatalf("%s: header %q, want %q", path, recs[0], header)
	}
	out := map[string]lbRow{}
	prev := ""
	for _, r := range recs[1:] {
		row := lbRow{}
		for i, h := range recs[0] {
			row[h] = r[i]
		}
		if row["brand"] <= prev {
			t.Fatalf("%s: rows not sorted by brand: %q after %q", path, row["brand"], prev)
		}
		prev = row["brand"]
		out[row["brand"]] = row
	}
	return out
}

func num(t testing.TB, s string) float64 {
	t.Helper()
	if s == "" {
		return math.NaN()
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return v
}

func TestDemoSimulatedWeekRecoversGroundTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	ch := testenv.ClickHouse(t)
	bin := buildEarshot(t)
	dir := t.TempDir()
	env := []string{
		"EARSHOT_CLICKHOUSE_ADDR=" + ch.Addr,
		"EARSHOT_CLICKHOUSE_DATABASE=" + ch.Database,
		"EARSHOT_KAFKA_BROKERS=", // the demo starts its own dev broker
	}
	first := filepath.Join(dir, "first.csv")
	out := earshot(t, bin, env, "demo", "--dir", dir, "--leaderboard-csv", first)
	t.Logf("demo output:\n%s", out)

	truth := readLeaderboardCSV(t, filepath.Join(dir, "sample-week.truth.csv"))
	got := readLeaderboardCSV(t, first)
	if len(truth) < 8 {
		t.Fatalf("ground truth has %d brands, want the simulator's ~10", len(truth))
	}
	compareLeaderboards(t, got, truth)

	// A second replay of the same week into the same database changes nothing.
	second := filepath.Join(dir, "second.csv")
	out2 := earshot(t, bin, env, "demo", "--dir", dir, "--leaderboard-csv", second)
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	if !bytes.Equal(a, b) {
		t.Errorf("replaying the same week twice changed the leaderboard:\nfirst:\n%s\nsecond:\n%s", a, b)
	}
	// The crisis backfill: the sample week's one outage both times; the
	// second run replaces the first run's rows instead of adding to them.
	ev1, rep1, inc1 := backfillSummary(t, out)
	ev2, rep2, inc2 := backfillSummary(t, out2)
	if inc1 != "1" || inc2 != "1" || rep1 != "0" || ev1 != ev2 || rep2 != ev1 {
		t.Errorf("backfill summaries: first events=%s replaced=%s incidents=%s, second events=%s replaced=%s incidents=%s; "+
			"want one incident each time, nothing replaced first, then the first run's rows", ev1, rep1, inc1, ev2, rep2, inc2)
	}
}

var backfillRe = regexp.MustCompile(`backfill since=\S+ until=\S+ buckets=\d+ events=(\d+) replaced=(\d+) incidents=(\d+)`)

// backfillSummary returns the events, replaced and incidents figures of
// the demo's crisis-detector line.
func backfillSummary(t *testing.T, out string) (events, replaced, incidents string) {
	t.Helper()
	m := backfillRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no backfill summary in the demo output:\n%s", out)
	}
	return m[1], m[2], m[3]
}

// compareLeaderboards: counts exact, seconds within 1 s, ratios within
// 1e-4 (the CSV's precision), undefined where the truth is undefined.
func compareLeaderboards(t *testing.T, got, want map[string]lbRow) {
	t.Helper()
	for brand, w := range want {
		g, ok := got[brand]
		if !ok {
			t.Errorf("brand %s: missing from the leaderboard", brand)
			continue
		}
		for _, col := range []string{"inbound", "answered", "pending"} {
			if g[col] != w[col] {
				t.Errorf("brand %s: %s = %s, ground truth %s", brand, col, g[col], w[col])
			}
		}
		for col, tol := range map[string]float64{"frt_median_s": 1, "frt_p90_s": 1, "response_rate": 1e-4, "sla15": 1e-4, "sla60": 1e-4} {
			gv, wv := num(t, g[col]), num(t, w[col])
			if math.IsNaN(wv) != math.IsNaN(gv) || math.Abs(gv-wv) > tol {
				t.Errorf("brand %s: %s = %q, ground truth %q", brand, col, g[col], w[col])
			}
		}
	}
	for brand := range got {
		if _, ok := want[brand]; !ok {
			t.Errorf("brand %s: in the leaderboard but not in the ground truth", brand)
		}
	}
}

func TestDemoTWCSMatchesIndependentComputation(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	file := filepath.Join(testenv.Datasets(t), "twcs", "twcs_first5000.csv")
	oracle := computeTWCSOracle(t, file)
	ch := testenv.ClickHouse(t)
	bin := buildEarshot(t)
	dir := t.TempDir()
	env := []string{
		"EARSHOT_CLICKHOUSE_ADDR=" + ch.Addr,
		"EARSHOT_CLICKHOUSE_DATABASE=" + ch.Database,
		"EARSHOT_KAFKA_BROKERS=",
	}
	csvPath := filepath.Join(dir, "twcs.csv")
	out := earshot(t, bin, env, "demo", "--dir", dir, "--replay", file, "--leaderboard-csv", csvPath)
	t.Logf("demo output:\n%s", out)
	got := readLeaderboardCSV(t, csvPath)
	checkAgainstOracle(t, got, oracle)

	// The same numbers through the separate leaderboard subcommand, and
	// after a second replay of the file.
	since, until := periodOf(t, out)
	again := filepath.Join(dir, "again.csv")
	earshot(t, bin, env, "demo", "--dir", filepath.Join(dir, "second"), "--replay", file, "--leaderboard-csv", again)
	separate := earshot(t, bin, env, "leaderboard", "--since", since, "--until", until, "--format", "csv")
	a, _ := os.ReadFile(csvPath)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Errorf("replaying twcs twice changed the leaderboard:\nfirst:\n%s\nsecond:\n%s", a, b)
	}
	if separate != string(a) {
		t.Errorf("earshot leaderboard differs from the demo's CSV:\n%s\nvs\n%s", separate, a)
	}
}

func checkAgainstOracle(t *testing.T, got map[string]lbRow, o twcsOracle) {
	t.Helper()
	if len(o.Answered) < 50 {
		t.Fatalf("oracle found %d answering brand accounts, want the file's ~70", len(o.Answered))
	}
	for brand, n := range o.Answered {
		g, ok := got[brand]
		if !ok {
			t.Errorf("brand account %s answered %d posts but is not on the leaderboard", brand, n)
			continue
		}
		if g["answered"] != strconv.Itoa(n) {
			t.Errorf("brand %s: answered = %s, the file says %d", brand, g["answered"], n)
		}
		if m := num(t, g["frt_median_s"]); math.Abs(m-o.Median[brand]) > 1 {
			t.Errorf("brand %s: frt_median_s = %s, the file says %.1f", brand, g["frt_median_s"], o.Median[brand])
		}
	}
	for brand, g := range got {
		if _, ok := o.Answered[brand]; !ok && g["answered"] != "0" {
			t.Errorf("brand %s: answered = %s on the leaderboard, none in the file", brand, g["answered"])
		}
	}
}

// periodOf finds the leaderboard period the demo printed.
func periodOf(t *testing.T, out string) (since, until string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, "leaderboard "); i >= 0 && strings.Contains(line, "→") {
			f := strings.Fields(line[i+len("leaderboard "):])
			if len(f) >= 3 {
				return f[0], f[2]
			}
		}
	}
	t.Fatalf("no leaderboard period in the demo output:\n%s", out)
	return "", ""
}
