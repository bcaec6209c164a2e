package report_test

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
	"github.com/earshot-dev/earshot/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func buildSeeded(t *testing.T) (*report.Report, string, *registry.Registry, func() (string, error)) {
	t.Helper()
	db, conn := seeded(t)
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(context.Background(), conn, db, reg, report.Options{Brand: "klm", Week: seedWeek, Now: func() time.Time { return seedNow }})
	if err != nil {
		t.Fatal(err)
	}
	_ = conn
	return r, db, reg, nil
}

// TestGoldenHTML renders the seeded week's report and compares it with
// testdata/klm-2026-W47.html (go test ./report -run Golden -update
// rewrites it).
func TestGoldenHTML(t *testing.T) {
	r, _, _, _ := buildSeeded(t)
	var b bytes.Buffer
	if err := report.WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, r, ""); err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		file string
		got  []byte
	}{{"klm-2026-W47.html", b.Bytes()}, {"klm-2026-W47.md", md.Bytes()}} {
		path := filepath.Join("testdata", g.file)
		if *update {
			if err := os.WriteFile(path, g.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(g.got, want) {
			gotPath := filepath.Join(t.TempDir(), g.file)
			_ = os.WriteFile(gotPath, g.got, 0o644)
			t.Errorf("%s differs from the golden file; got written to %s (diff it; -update rewrites)", g.file, gotPath)
		}
	}
	// What the seed guarantees, whatever the golden says.
	html := b.String()
	for _, want := range []string{"klm-volume-20261118T1400", "escalated", "resolve", "the app is down", "Cut-and-paste replies",
		"We apologise for any inconvenience caused.", "acknowledgement &#43;25", "deflects to dm", "outage"} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "<link", "@import", "url("} {
		if strings.Contains(html, bad) {
			t.Errorf("the report references an external resource or script (%q)", bad)
		}
	}
	if m := regexp.MustCompile(`(?:src|href)="https?://`).FindString(html); m != "" {
		t.Errorf("the report loads an external resource: %s", m)
	}
}

var attrRe = regexp.MustCompile(`data-metric="([a-z0-9_]+)" data-value="([^"]*)"`)
var peerRe = regexp.MustCompile(`data-brand="([a-z0-9_]+)" data-score="([^"]*)" data-sla15="([^"]*)" data-frt-median="([^"]*)" data-inbound="([0-9]+)"`)

// TestNumbersEqualLeaderboard: every headline number and competitor figure
// printed in the HTML (its data-value attributes, next to the text) equals
// what analytics.Leaderboard and analytics.Extended compute for the same
// week and brands.
func TestNumbersEqualLeaderboard(t *testing.T) {
	db, conn := seeded(t)
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, err := report.Build(ctx, conn, db, reg, report.Options{Brand: "klm", Week: seedWeek, Now: func() time.Time { return seedNow }})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	klm, _ := reg.ByID("klm")
	peers := append([]string{"klm"}, klm.Competitors...)
	q := analytics.Query{Since: seedWeek.Since(), Until: seedWeek.Until(), Brands: peers}
	lb, err := analytics.Leaderboard(ctx, conn, db, q)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := analytics.Extended(ctx, conn, db, reg, q, analytics.ExtOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pq := analytics.Query{Since: seedWeek.Prev().Since(), Until: seedWeek.Prev().Until(), Brands: []string{"klm"}}
	prevExt, err := analytics.Extended(ctx, conn, db, reg, pq, analytics.ExtOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byBrand := map[string]analytics.Row{}
	for _, row := range lb {
		byBrand[row.Brand] = row
	}
	me, ok := byBrand["klm"]
	if !ok || len(prevExt) != 1 {
		t.Fatalf("the seed has no klm row this week or last: %v, %d", ok, len(prevExt))
	}
	var meExt analytics.ExtRow
	for _, e := range ext {
		if e.Brand == "klm" {
			meExt = e
		}
	}
	want := map[string]*float64{
		"frt_median": me.FRTMedianSeconds, "frt_p90": me.FRTP90Seconds, "sla15": me.SLA15, "response_rate": me.ResponseRate,
		"empathy": meExt.EmpathyMedian, "canned_rate": meExt.CannedRate, "deflection_rate": meExt.DeflectionRate,
		"net_sentiment": meExt.SentimentMean, "score": meExt.Score,
	}
	got := map[string]string{}
	for _, m := range attrRe.FindAllStringSubmatch(html, -1) {
		got[m[1]] = m[2]
	}
	for k, w := range want {
		if w == nil {
			t.Errorf("%s: the seed leaves it undefined; the test needs a value", k)
			continue
		}
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: not in the HTML", k)
			continue
		}
		if g != strconv.FormatFloat(*w, 'g', -1, 64) {
			t.Errorf("%s: the report says %s, the leaderboard %v", k, g, *w)
		}
	}
	if got["rank"] != strconv.Itoa(meExt.RankCompetitors) {
		t.Errorf("rank: the report says %s, the leaderboard %d", got["rank"], meExt.RankCompetitors)
	}
	// The printed text next to the value is the formatted leaderboard value.
	for _, m := range r.Headline {
		if !strings.Contains(html, `<div class="value">`+m.Text()) {
			t.Errorf("%s: %q not printed", m.Key, m.Text())
		}
	}
	// Every competitor line.
	rows := peerRe.FindAllStringSubmatch(html, -1)
	if len(rows) != len(lb) {
		t.Fatalf("%d competitor lines in the HTML, the leaderboard has %d brands", len(rows), len(lb))
	}
	scores := map[string]*float64{}
	for _, e := range ext {
		scores[e.Brand] = e.Score
	}
	for _, m := range rows {
		row := byBrand[m[1]]
		if m[2] != fnum(scores[m[1]]) || m[3] != fnum(row.SLA15) || m[4] != fnum(row.FRTMedianSeconds) || m[5] != strconv.FormatUint(row.Inbound, 10) {
			t.Errorf("%s: report score=%s sla15=%s frt=%s inbound=%s; leaderboard %s %s %s %d", m[1], m[2], m[3], m[4], m[5],
				fnum(scores[m[1]]), fnum(row.SLA15), fnum(row.FRTMedianSeconds), row.Inbound)
		}
	}
	// Week over week: last week's values are the previous week's leaderboard.
	if r.Prev == nil || fnum(r.Prev.FRTMedianSeconds) != fnum(prevExt[0].FRTMedianSeconds) || fnum(r.Prev.SLA15) != fnum(prevExt[0].SLA15) {
		t.Errorf("previous week differs from the leaderboard's: %+v vs %+v", r.Prev, prevExt[0])
	}
	// The daily counts add up to the week's inbound posts.
	sum := 0
	for _, d := range r.Days {
		sum += d.Inbound
	}
	if uint64(sum) != me.Inbound {
		t.Errorf("days add up to %d inbound posts, the leaderboard counts %d", sum, me.Inbound)
	}
}

func fnum(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

// needTool skips when a tool is missing, unless EARSHOT_REQUIRE_CHROMIUM=1.
func needTool(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("EARSHOT_REQUIRE_CHROMIUM") == "1" {
				t.Fatalf("%s not found and EARSHOT_REQUIRE_CHROMIUM=1", n)
			}
			t.Skipf("%s not found (install chromium and poppler-utils: scripts/install-deps.sh)", n)
		}
	}
}

// TestPDFPages prints the seeded report with headless Chromium, renders
// every page with pdftoppm and checks the page count and that no page is
// blank (its share of non-white pixels).
func TestPDFPages(t *testing.T) {
	needTool(t, "chromium", "pdftoppm")
	r, _, _, _ := buildSeeded(t)
	dir := t.TempDir()
	files, err := report.WriteFiles(context.Background(), r, dir, []string{"pdf", "md"}, report.Chromium{Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if files["html"] == "" || files["md"] == "" {
		t.Fatalf("files: %v", files)
	}
	if out, err := exec.Command("pdftoppm", "-r", "30", "-png", files["pdf"], filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	sort.Strings(pages)
	if len(pages) < 3 || len(pages) > 8 {
		t.Errorf("%d pages; want 3–8 (page one, charts, sections, methodology)", len(pages))
	}
	for _, p := range pages {
		share := inkShare(t, p)
		t.Logf("%s: %.1f %% non-white", filepath.Base(p), share*100)
		if share < 0.01 {
			t.Errorf("%s is blank (%.2f %% non-white pixels)", filepath.Base(p), share*100)
		}
	}
}

// inkShare is the share of pixels of a PNG that are not (near) white.
func inkShare(t *testing.T, path string) float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return ink(img)
}

func ink(img image.Image) float64 {
	b := img.Bounds()
	var n, dark int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			n++
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				dark++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(dark) / float64(n)
}

// TestScreenshotArtifact saves a headless-Chromium screenshot of the
// seeded report's HTML as a CI artefact ($EARSHOT_ARTIFACTS, default
// .earshot/artifacts/report.png) and checks it is a non-blank PNG.
func TestScreenshotArtifact(t *testing.T) {
	needTool(t, "chromium")
	r, _, _, _ := buildSeeded(t)
	dir := t.TempDir()
	files, err := report.WriteFiles(context.Background(), r, dir, []string{"html"}, report.Chromium{})
	if err != nil {
		t.Fatal(err)
	}
	art := os.Getenv("EARSHOT_ARTIFACTS")
	if art == "" {
		art = filepath.Join(testenv.RepoRoot(t), ".earshot", "artifacts")
	}
	if err := os.MkdirAll(art, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(art, "report.png")
	if err := (report.Chromium{Timeout: 2 * time.Minute}).Screenshot(context.Background(), files["html"], out, 1000, 2400); err != nil {
		t.Fatal(err)
	}
	share := inkShare(t, out)
	t.Logf("screenshot %s: %.1f %% non-white", out, share*100)
	if share < 0.03 {
		t.Errorf("screenshot is nearly blank: %.2f %% non-white", share*100)
	}
}

// TestProductsMatchSeed: the product table equals what the seed's klm
// inbound posts give when counted in Go: posts per product (case-blind,
// once per post), last week's posts, negative share and mean sentiment.
func TestProductsMatchSeed(t *testing.T) {
	r, _, reg, _ := buildSeeded(t)
	type acc struct {
		posts, prev, neg int
		sum              float64
		spellings        map[string]int
	}
	want := map[string]*acc{}
	for _, m := range seedMentions() {
		if m.Direction != mention.DirectionInbound || len(m.Brands) == 0 || m.Brands[0].Brand != "klm" {
			continue
		}
		this := !m.CreatedAt.Before(seedWeek.Since()) && m.CreatedAt.Before(seedWeek.Until())
		last := !m.CreatedAt.Before(seedWeek.Prev().Since()) && m.CreatedAt.Before(seedWeek.Prev().Until())
		seen := map[string]bool{}
		for _, e := range m.Entities {
			k := strings.ToLower(e.Text)
			if e.Type != "product" || seen[k] {
				continue
			}
			seen[k] = true
			a := want[k]
			if a == nil {
				a = &acc{spellings: map[string]int{}}
				want[k] = a
			}
			switch {
			case this:
				a.posts++
				a.sum += m.Sentiment.Compound
				a.spellings[e.Text]++
				if m.Sentiment.Label == "negative" {
					a.neg++
				}
			case last:
				a.prev++
			}
		}
	}
	if len(r.Products) != 2 {
		t.Fatalf("products %+v, want 2 (Flying Blue, KLM app)", r.Products)
	}
	for i, p := range r.Products {
		a := want[strings.ToLower(p.Product)]
		if a == nil {
			t.Fatalf("product %q is not in the seed", p.Product)
		}
		best := ""
		for s, n := range a.spellings {
			caps := func(x string) bool { return x != strings.ToLower(x) }
			if best == "" || n > a.spellings[best] || n == a.spellings[best] && (caps(s) && !caps(best) || caps(s) == caps(best) && s > best) {
				best = s
			}
		}
		klm, _ := reg.ByID("klm")
		for _, name := range klm.Products { // the registry's spelling wins
			if strings.EqualFold(name, best) {
				best = name
			}
		}
		if p.Product != best || p.Posts != a.posts || p.PrevPosts != a.prev ||
			math.Abs(p.NegativeShare-float64(a.neg)/float64(a.posts)) > 1e-9 || math.Abs(p.SentimentMean-a.sum/float64(a.posts)) > 1e-9 {
			t.Errorf("product %d: %+v, want %s posts %d prev %d negative %d/%d mean %.4f", i, p, best, a.posts, a.prev, a.neg, a.posts, a.sum/float64(a.posts))
		}
		if i > 0 && p.Posts > r.Products[i-1].Posts {
			t.Errorf("products not sorted by posts: %+v", r.Products)
		}
	}
}
