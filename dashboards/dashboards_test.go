package dashboards_test

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/dashboards"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/registry"
)

// The committed files are what `earshot dashboards generate` writes with
// the default registry and weights: regenerate into a temporary directory
// and compare (run `earshot dashboards generate` after changing the
// generator).
func TestGeneratedFilesUpToDate(t *testing.T) {
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	paths, err := dashboards.Generate(tmp, dashboards.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 8 {
		t.Fatalf("generated %d files, want 5 dashboards, 2 provisioning files and the README: %v", len(paths), paths)
	}
	for _, p := range paths {
		rel, _ := filepath.Rel(tmp, p)
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(rel) // the package directory is dashboards/
		if err != nil {
			t.Errorf("%s is not committed: run `earshot dashboards generate` (%v)", rel, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("dashboards/%s differs from the generator's output: run `earshot dashboards generate`", rel)
		}
	}
	// No stale dashboard is left behind.
	committed, _ := filepath.Glob(filepath.Join(dashboards.JSONDir, "*.json"))
	if len(committed) != 5 {
		t.Errorf("dashboards/json has %d files, want the 5 generated ones: %v", len(committed), committed)
	}
}

func TestLint(t *testing.T) {
	ds := build(t)
	if len(ds) != 5 {
		t.Fatalf("%d dashboards, want 5", len(ds))
	}
	uids := map[string]bool{}
	for _, d := range ds {
		for _, err := range dashboards.Lint(d) {
			t.Error(err)
		}
		if uids[d.UID] {
			t.Errorf("uid %s twice", d.UID)
		}
		uids[d.UID] = true
		if d.Readme() == "" {
			t.Errorf("%s has no README text", d.UID)
		}
	}
	// The lint catches each kind of mistake.
	tests := []struct {
		name   string
		break_ func(d *dashboards.Dashboard)
		want   string
	}{
		{"duplicate id", func(d *dashboards.Dashboard) { d.Panels[1].ID = d.Panels[0].ID }, "is also panel"},
		{"overlap", func(d *dashboards.Dashboard) { d.Panels[1].GridPos = d.Panels[0].GridPos }, "overlaps"},
		{"outside the grid", func(d *dashboards.Dashboard) { d.Panels[0].GridPos.X = 20 }, "outside the 24-column grid"},
		{"unknown data source", func(d *dashboards.Dashboard) {
			d.Panels[0].Targets[0].DataSource = &dashboards.DataSource{Type: dashboards.ClickHouseType, UID: "mine"}
		}, "not one of the provisioned"},
		{"undefined variable", func(d *dashboards.Dashboard) { d.Panels[0].Targets[0].RawSQL += " AND ${nosuch:sqlstring}" }, "$nosuch"},
		{"no query", func(d *dashboards.Dashboard) { d.Panels[0].Targets = nil }, "has no query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := build(t)[0]
			tt.break_(d)
			errs := dashboards.Lint(d)
			for _, err := range errs {
				if strings.Contains(err.Error(), tt.want) {
					return
				}
			}
			t.Fatalf("lint = %v, want an error containing %q", errs, tt.want)
		})
	}
}

// Every Prometheus metric a panel uses is defined in the code.
func TestPrometheusMetricsExistInCode(t *testing.T) {
	defined, err := dashboards.CodeMetrics(testenv.RepoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	// The scan finds metrics of every stage, built from constants.
	for _, m := range []string{"earshot_ingest_records_published_total", "earshot_enrich_records_in_total", "earshot_sink_insert_duration_seconds", "earshot_sink_retrying"} {
		if !defined[m] {
			t.Fatalf("the code scan did not find %s (found %d metrics)", m, len(defined))
		}
	}
	ds := build(t)
	if missing := dashboards.MissingMetrics(ds, defined); len(missing) > 0 {
		t.Fatalf("metrics used by panels but not defined in the code:\n%s", strings.Join(missing, "\n"))
	}
	used := 0
	for _, d := range ds {
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				used += len(dashboards.PromMetrics(tg.Expr))
			}
		}
	}
	if used < 15 {
		t.Fatalf("only %d metric references found in the pipeline dashboard", used)
	}
	// A made-up metric is reported.
	ds[4].Panels[0].Targets[0].Expr = "rate(earshot_sink_imaginary_total[5m])"
	if missing := dashboards.MissingMetrics(ds, defined); len(missing) != 1 || !strings.Contains(missing[0], "earshot_sink_imaginary_total") {
		t.Fatalf("missing = %v", missing)
	}
}

func TestExpand(t *testing.T) {
	from := time.Unix(1707523200, 0)
	to := time.Unix(1707696000, 0)
	e := dashboards.Expansion{From: from, To: to, IntervalS: 300, Vars: map[string]string{"sector": "it's", "period": "86400"}}
	tests := []struct{ in, want string }{
		{"WHERE $__timeFilter(created_at)", "WHERE created_at >= toDateTime(1707523200) AND created_at <= toDateTime(1707696000)"},
		{"$__fromTime, $__toTime", "toDateTime(1707523200), toDateTime(1707696000)"},
		{"intDiv(toUInt32(c), $__interval_s) * $__interval_s", "intDiv(toUInt32(c), 300) * 300"},
		{"x = ${sector:sqlstring}", "x = 'it''s'"},
		{"${period} + $period", "86400 + 86400"},
	}
	for _, tt := range tests {
		got, err := dashboards.Expand(tt.in, e)
		if err != nil || got != tt.want {
			t.Errorf("Expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"$__timeInterval(c)", "${nosuch}", "${sector:csv}"} {
		if _, err := dashboards.Expand(bad, e); err == nil {
			t.Errorf("Expand(%q) accepted", bad)
		}
	}
	e.IntervalS = 0
	if _, err := dashboards.Expand("1", e); err == nil {
		t.Error("interval 0 accepted")
	}
}

// The PNG decodes and has the size the chart asks for.
func TestRenderLeaderboard(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	r1, r2 := uint64(1), uint64(2)
	rows := []dashboards.LeaderRow{
		{Rank: &r1, Brand: "klm", Score: f(90.1), FRTMedianS: f(367), SLA60: f(0.9)},
		{Rank: &r2, Brand: "o2", Score: f(62), FRTMedianS: f(2227), SLA60: f(0.49)},
		{Brand: "quiet", Score: nil},
	}
	var buf bytes.Buffer
	if err := dashboards.RenderLeaderboard(&buf, rows, "test", time.Unix(0, 0), time.Unix(86400, 0)); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() != 520 {
		t.Fatalf("image %v", b)
	}
	if err := dashboards.RenderLeaderboard(&bytes.Buffer{}, rows[2:], "test", time.Unix(0, 0), time.Unix(86400, 0)); err == nil {
		t.Fatal("a chart without scores rendered")
	}
}

// The score the dashboards compute in SQL is the Go score of the CLI: the
// leaderboard panel's expected values above are Weights.Score of the
// hand-derived rows.
func TestScoreSQLMatchesGo(t *testing.T) {
	w := analytics.DefaultWeights()
	one, half, twoThirds := 1.0, 0.5, 2.0/3
	med1, med2 := 600.0, 3600.0
	for _, c := range []struct {
		row  analytics.Row
		want string
	}{
		{analytics.Row{SLA60: &one, ResponseRate: &one, FRTMedianSeconds: &med1}, "95.71428571428571"},
		{analytics.Row{SLA60: &half, ResponseRate: &twoThirds, FRTMedianSeconds: &med2}, "55"},
	} {
		got := w.Score(c.row)
		if got == nil || !sameCell(strconvF(*got), c.want) {
			t.Errorf("score %v, want %s", got, c.want)
		}
	}
	keys := make([]string, 0, len(wants))
	for k := range wants {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !strings.Contains(strings.Join(keys, ","), "earshot-leaderboard/Leaderboard") {
		t.Fatal("the leaderboard panel has no expected values")
	}
}

func strconvF(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
