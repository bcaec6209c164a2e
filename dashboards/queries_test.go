package dashboards_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/dashboards"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/registry"
	"github.com/earshot-dev/earshot/storage"
)

func build(t testing.TB) []*dashboards.Dashboard {
	t.Helper()
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := dashboards.Build(dashboards.Options{Registry: reg, Weights: analytics.DefaultWeights()})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// query is one SQL text of a dashboard, expanded for the seed.
type query struct {
	name    string // uid/panel title, uid/var:name, uid/annotation:name
	shape   dashboards.Shape
	columns []string
	sql     string // expanded
	alerts  bool   // reads the alerts table
}

// expansions: each dashboard's time range and variable values for the
// seed (the crisis monitor looks at the last two days, the contact
// reasons at two weeks, the others at the seed's week).
func expansion(uid string) dashboards.Expansion {
	e := dashboards.Expansion{From: until.Add(-7 * 24 * time.Hour), To: until, IntervalS: 3600,
		Vars: map[string]string{"sector": "bank", "platform": "all", "period": "86400", "brand": "bofa_help"}}
	switch uid {
	case "earshot-reasons":
		e.From = until.Add(-14 * 24 * time.Hour)
	case "earshot-crisis":
		e.From = until.Add(-48 * time.Hour)
		e.Vars["brand"] = "klm"
	}
	return e
}

func queries(t testing.TB, ds []*dashboards.Dashboard) []query {
	t.Helper()
	var out []query
	add := func(q query, raw string, e dashboards.Expansion) {
		sql, err := dashboards.Expand(raw, e)
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		q.sql = sql
		out = append(out, q)
	}
	for _, d := range ds {
		e := expansion(d.UID)
		for _, v := range d.Templating.List {
			if v.Type == "query" {
				add(query{name: d.UID + "/var:" + v.Name, shape: "variable"}, v.Query, e)
			}
		}
		for _, a := range d.Annotations.List {
			if a.Target != nil {
				add(query{name: d.UID + "/annotation:" + a.Name, shape: dashboards.ShapeAnnotation, alerts: d.NeedsAlerts()}, a.Target.RawSQL, e)
			}
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				if tg.DataSource.UID != dashboards.ClickHouseUID {
					continue
				}
				add(query{name: d.UID + "/" + p.Title, shape: p.Shape, columns: p.Columns}, tg.RawSQL, e)
			}
		}
	}
	return out
}

// table is a result as text: TSV-like values ("\N" for NULL), so that the
// test server's and chDB's results are checked by the same code.
type table struct {
	names, types []string
	rows         [][]string
}

func fromResult(r *dashboards.Result) table {
	var tb table
	for _, c := range r.Columns {
		tb.names = append(tb.names, c.Name)
		tb.types = append(tb.types, c.Type)
	}
	for _, row := range r.Rows {
		var cells []string
		for _, v := range row {
			cells = append(cells, cellText(v))
		}
		tb.rows = append(tb.rows, cells)
	}
	return tb
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return `\N`
	case *float64:
		if x == nil {
			return `\N`
		}
		return cellText(*x)
	case *uint64:
		if x == nil {
			return `\N`
		}
		return cellText(*x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05")
	case []string:
		return "[" + strings.Join(x, ",") + "]"
	case []float64:
		parts := make([]string, len(x))
		for i, f := range x {
			parts[i] = strconv.FormatFloat(f, 'f', -1, 64)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprint(v)
}

func numericType(t string) bool {
	t = strings.TrimSuffix(strings.TrimPrefix(t, "Nullable("), ")")
	return strings.HasPrefix(t, "UInt") || strings.HasPrefix(t, "Int") || strings.HasPrefix(t, "Float") || strings.HasPrefix(t, "Decimal")
}

// checkShape asserts the columns a panel type needs.
func checkShape(t *testing.T, q query, tb table) {
	t.Helper()
	switch q.shape {
	case "variable":
		if len(tb.names) != 1 || tb.types[0] != "String" {
			t.Errorf("%s: a variable query must return one String column, got %v %v", q.name, tb.names, tb.types)
		}
	case dashboards.ShapeTimeSeries:
		if len(tb.names) < 2 || tb.names[0] != "t" || tb.types[0] != "DateTime" {
			t.Errorf("%s: a time series needs a DateTime column t first, got %v %v", q.name, tb.names, tb.types)
			return
		}
		labels := 0
		for i, ty := range tb.types[1:] {
			switch {
			case numericType(ty):
			case ty == "String":
				labels++
			default:
				t.Errorf("%s: column %s is %s: a time series takes numbers (and one series label)", q.name, tb.names[i+1], ty)
			}
		}
		if labels > 1 || labels == len(tb.names)-1 {
			t.Errorf("%s: %d label columns of %d: want numeric values and at most one label", q.name, labels, len(tb.names)-1)
		}
	case dashboards.ShapeTable:
		if strings.Join(tb.names, ",") != strings.Join(q.columns, ",") {
			t.Errorf("%s: columns %v, want %v", q.name, tb.names, q.columns)
		}
	case dashboards.ShapeHeatmap:
		if len(tb.names) != 25 || tb.names[0] != "day" || tb.types[0] != "String" || len(tb.rows) > 7 {
			t.Errorf("%s: a heat map needs day + 24 hour columns, at most 7 rows: got %v (%d rows)", q.name, tb.names, len(tb.rows))
		}
		for i, ty := range tb.types[1:] {
			if !numericType(ty) || tb.names[i+1] != fmt.Sprintf("h%02d", i) {
				t.Errorf("%s: column %s %s", q.name, tb.names[i+1], ty)
			}
		}
	case dashboards.ShapeAnnotation:
		if strings.Join(tb.names, ",") != "time,timeEnd,text,tags" || tb.types[0] != "DateTime" || tb.types[1] != "DateTime" {
			t.Errorf("%s: an annotation needs time, timeEnd, text, tags: got %v %v", q.name, tb.names, tb.types)
		}
	default:
		t.Errorf("%s: unknown shape %q", q.name, q.shape)
	}
}

// want is what the seed implies for a query: its rows' count, and cells
// of the row whose first column is key (numbers compared to 1e-9).
type want struct {
	rows  int // -1: not checked
	cells map[string]map[string]string
	order []string // the first column, in order
	// types are the ClickHouse types of some columns, where the panel
	// needs one (a sparkline cell needs an array of numbers).
	types map[string]string
}

// wants are derived by hand from buildSeed.
//
// Leaderboard, sector bank, the week [Feb 5, Feb 12): ask_wellsfargo has
// one post answered in 600 s: sla60 1, rate 1, FRT part 3600/(3600+600),
// score 100·(0.4 + 0.3 + 0.3·6/7) = 95.714…; bofa_help has p1 p2 p3 p4,
// answered p1 (51600 s) p2 (300 s) p3 (3600 s): median 3600, p90 51600;
// rate 2/3 (p3 is younger than 24 h), sla15 1/4, sla60 2/4; score
// 100·(0.4·0.5 + 0.3·2/3 + 0.3·0.5) = 55; sentiment (−0.6 −0.2 +0.4 +0)/4,
// negative 2/4.
var wants = map[string]want{
	"earshot-leaderboard/var:sector":   {rows: 3, order: []string{"all", "airline", "bank"}},
	"earshot-leaderboard/var:platform": {rows: 3, order: []string{"all", "bluesky", "x"}},
	//
	// The sparkline, inbound posts per day from Mon Feb 5 (UTC):
	// ask_wellsfargo w1 Mon; bofa_help p4 Tue, p2 Wed, p1 Sat 01:50, p3
	// Sun.
	"earshot-leaderboard/Leaderboard": {rows: 2, order: []string{"1", "2"}, cells: map[string]map[string]string{
		"1": {"brand": "ask_wellsfargo", "score": "95.71428571428571", "inbound": "1", "frt_median_s": "600", "sla60": "1",
			"inbound_trend": "[1,0,0,0,0,0,0]"},
		"2": {"brand": "bofa_help", "sector": "bank", "score": "55", "inbound": "4", "answered": "3", "pending": "0",
			"response_rate": "0.6666666666666666", "frt_median_s": "3600", "frt_p90_s": "51600", "sla15": "0.25", "sla60": "0.5",
			"sentiment_mean": "-0.1", "negative_share": "0.5", "inbound_trend": "[0,1,1,0,0,1,1]"},
	}, types: map[string]string{"inbound_trend": "Array(Float64)", "brand": "String", "rank": "Nullable(UInt64)"}},
	"earshot-leaderboard/First response time by brand": {rows: 2, order: []string{"ask_wellsfargo", "bofa_help"}},
	// Drill-down, bofa_help.
	"earshot-brand/var:brand": {rows: 3, order: []string{"ask_wellsfargo", "bofa_help", "klm"}},
	"earshot-brand/First response time distribution": {rows: 4, cells: map[string]map[string]string{
		"1 ≤ 5 min": {"posts": "1"}, "3 15–60 min": {"posts": "1"}, "5 4–24 h": {"posts": "1"}, "7 unanswered": {"posts": "1"},
	}},
	// Replies (UTC): p2r Wed 15:05, p1r Sat 16:10, p3r Sun 15:00.
	"earshot-brand/Replies by hour of week (UTC) — inferred support hours": {rows: 3, order: []string{"Wed", "Sat", "Sun"}, cells: map[string]map[string]string{
		"Wed": {"h15": "1", "h16": "0"}, "Sat": {"h16": "1", "h15": "0"}, "Sun": {"h15": "1"},
	}},
	"earshot-brand/Reply quality (first replies)": {rows: 1, cells: map[string]map[string]string{
		"2": {"deflection_rate": "0.5", "canned_rate": "0.5", "empathy_median": "60"},
	}},
	// First replies with reply quality: p1r 80, p2r 40.
	"earshot-brand/Empathy distribution (first replies)": {rows: 10,
		order: []string{"0–9", "10–19", "20–29", "30–39", "40–49", "50–59", "60–69", "70–79", "80–89", "90–100"},
		cells: map[string]map[string]string{
			"0–9": {"replies": "0"}, "40–49": {"replies": "1"}, "80–89": {"replies": "1"}, "90–100": {"replies": "0"},
		}},
	// The customers' first posts after bofa_help's replies (seed_test.go):
	// p1 −0.6 → −0.4 (+0.2; the −0.9 before the reply does not count), p2
	// −0.2 → +0.6 (+0.8); p3 has no follow-up: 2 posts, mean 0.5.
	"earshot-brand/Sentiment recovery":       {rows: 1, cells: map[string]map[string]string{"2": {"sentiment_recovery": "0.5"}}},
	"earshot-brand/Most empathetic replies":  {rows: 2, order: []string{"2024-02-10 16:10:00", "2024-02-07 15:05:00"}, cells: map[string]map[string]string{"2024-02-10 16:10:00": {"empathy": "80", "deflection": "dm", "text": "So sorry, Ann: please DM us your account details"}}},
	"earshot-brand/Least empathetic replies": {rows: 2, order: []string{"2024-02-07 15:05:00", "2024-02-10 16:10:00"}},
	"earshot-brand/Contact reasons": {rows: 3, order: []string{"billing", "card", "unclassified"}, cells: map[string]map[string]string{
		"billing": {"posts": "2"}, "card": {"posts": "1"}, "unclassified": {"posts": "1"},
	}},
	// Products of bofa_help's inbound posts: Zelle in p1 (twice: once),
	// p2 and p3 ("zelle"; the reply p1r's does not count), the mobile app
	// in p4 (and "BofA", bofa_help's own alias: left out).
	"earshot-brand/Products in inbound posts": {rows: 2, order: []string{"Zelle", "Mobile Banking App"}, cells: map[string]map[string]string{
		"Zelle":              {"posts": "3", "negative_share": "0.6666666666666666", "sentiment_mean": "-0.13333333333333333"},
		"Mobile Banking App": {"posts": "1", "negative_share": "0", "sentiment_mean": "0"},
	}},
	"earshot-brand/Headline": {rows: 1, cells: map[string]map[string]string{"bofa_help": {"inbound": "4", "answered": "3", "sla60": "0.5"}}},
	// Recurring contact reasons, sector bank, the 7 days ending Mon Feb 12
	// against the 7-day windows before: bofa_help billing p1 p2 this week,
	// q0 the week before (prev 1, trailing mean 1/4): +1 post is below
	// ReasonMinChange → steady, seen in 2 of 8 weeks; p1 and p2 answered
	// (FRT 51600 and 300 s: median 25950), one reply each, the tie going
	// to the alphabetically first text. card (p4, unanswered) and the
	// unclassified posts p3 and w1 are new.
	"earshot-reasons/Recurring contact reasons": {rows: 4,
		order: []string{"ask_wellsfargo", "bofa_help", "bofa_help", "bofa_help"},
		cells: map[string]map[string]string{
			"ask_wellsfargo|unclassified": {"trend": "new", "last_7d": "1", "prev_7d": "0", "weeks_present": "1", "answered_share": "1", "frt_median_s": "600", "top_reply": "text of w1r", "top_reply_count": "1"},
			"bofa_help|billing": {"trend": "steady", "last_7d": "2", "prev_7d": "1", "trailing_mean": "0.25", "weeks_present": "2", "answered_share": "1",
				"frt_median_s": "25950", "top_reply": "So sorry, Ann: please DM us your account details", "top_reply_count": "1"},
			"bofa_help|card":         {"trend": "new", "last_7d": "1", "answered_share": "0", "frt_median_s": `\N`, "top_reply": "", "top_reply_count": "0"},
			"bofa_help|unclassified": {"trend": "new", "last_7d": "1", "answered_share": "1", "frt_median_s": "3600"},
		},
		types: map[string]string{"trend": "String", "last_7d": "UInt64", "weeks_present": "UInt64", "trailing_mean": "Float64", "answered_share": "Nullable(Float64)", "frt_median_s": "Nullable(Float64)"}},
	// Crisis, klm, [Feb 10, Feb 12): 5 posts at Sat 13:00 against 1 2 3 4
	// in the same hour of the four weeks before (median 2.5); 1 post Sun
	// 20:00 (no history: baseline 0).
	"earshot-crisis/var:brand": {rows: 3, order: []string{"all", "bofa_help", "klm"}},
	"earshot-crisis/Inbound volume vs baseline (hourly)": {rows: 2, order: []string{"2024-02-10 13:00:00", "2024-02-11 20:00:00"}, cells: map[string]map[string]string{
		"2024-02-10 13:00:00": {"inbound": "5", "baseline": "2.5"},
		"2024-02-11 20:00:00": {"inbound": "1", "baseline": "0"},
	}},
	"earshot-crisis/Negative share of inbound posts": {rows: 2, cells: map[string]map[string]string{
		"2024-02-10 13:00:00": {"negative_share": "0.8", "inbound": "5"},
		"2024-02-11 20:00:00": {"negative_share": "0", "inbound": "1"},
	}},
	// The alert seed: incident i1 for klm, opened at Sat 13:00, updated,
	// resolved Sat 15:00 (its newest version); i2 for bofa_help (filtered
	// out); i3 for klm resolved before the range (out).
	"earshot-crisis/annotation:Crisis alerts": {rows: 1, order: []string{"2024-02-10 13:00:00"}, cells: map[string]map[string]string{
		"2024-02-10 13:00:00": {"timeEnd": "2024-02-10 15:00:00", "text": "klm · volume · high: volume 5 vs 2.5 expected", "tags": "volume,high,resolved"},
	}},
	// Products: "KLM app" in kb0 and kb1 (twice each: once per post) and
	// as "klm app" in ks; Flying Blue in ks; "KLM" (kb2) is the brand.
	"earshot-crisis/Products: last 24 h vs before": {rows: 2, order: []string{"KLM app", "Flying Blue"}, cells: map[string]map[string]string{
		"KLM app": {"last_24h": "1", "before": "2"}, "Flying Blue": {"last_24h": "1", "before": "0"},
	}},
	"earshot-crisis/Crisis terms: last 24 h vs before": {rows: 2, order: []string{"outage", "refund"}, cells: map[string]map[string]string{
		"outage": {"last_24h": "1", "before": "2"}, "refund": {"last_24h": "1", "before": "0"},
	}},
}

func sameCell(got, want string) bool {
	if got == want {
		return true
	}
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	return err1 == nil && err2 == nil && (g-w < 1e-9 && w-g < 1e-9)
}

func checkValues(t *testing.T, server string, q query, tb table) {
	t.Helper()
	w, ok := wants[q.name]
	if !ok {
		return
	}
	if w.rows >= 0 && len(tb.rows) != w.rows {
		t.Errorf("%s on %s: %d rows, want %d: %v", q.name, server, len(tb.rows), w.rows, tb.rows)
	}
	for c, ty := range w.types {
		if i := indexOf(tb.names, c); i < 0 || tb.types[i] != ty {
			t.Errorf("%s on %s: column %s should be %s: columns %v, types %v", q.name, server, c, ty, tb.names, tb.types)
		}
	}
	for i, key := range w.order {
		if i >= len(tb.rows) || tb.rows[i][0] != key {
			t.Errorf("%s on %s: row %d should start with %q: %v", q.name, server, i, key, tb.rows)
		}
	}
	for key, cells := range w.cells {
		// The key is the first column, or the first two joined by "|".
		var row []string
		for _, r := range tb.rows {
			if r[0] == key || (len(r) > 1 && r[0]+"|"+r[1] == key) {
				row = r
			}
		}
		if row == nil {
			t.Errorf("%s on %s: no row %q in %v", q.name, server, key, tb.rows)
			continue
		}
		cols := make([]string, 0, len(cells))
		for c := range cells {
			cols = append(cols, c)
		}
		sort.Strings(cols)
		for _, c := range cols {
			i := indexOf(tb.names, c)
			if i < 0 {
				t.Errorf("%s on %s: no column %s", q.name, server, c)
				continue
			}
			if !sameCell(row[i], cells[c]) {
				t.Errorf("%s on %s: row %q column %s = %s, want %s", q.name, server, key, c, row[i], cells[c])
			}
		}
	}
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// Every panel, variable and annotation query runs on the real ClickHouse
// 18.16 server, as the read-only user Grafana uses, over the seed, with
// the macros and variables expanded as Grafana and the plugin expand them;
// each returns the columns its panel type needs and the values the seed
// implies.
func TestPanelQueriesOnClickHouse(t *testing.T) {
	ctx := context.Background()
	cfg := testenv.ClickHouse(t)
	admin := testenv.Conn(t, cfg)
	m, err := storage.NewMigrator(admin, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	block := seedBlock(t)
	for i := 0; i < 2; i++ { // twice: duplicates change nothing
		if err := storage.InsertMentions(ctx, admin, cfg.Database, block); err != nil {
			t.Fatal(err)
		}
	}
	// The local stack's read-only user, as in the provisioned data source
	// (a server given by EARSHOT_TEST_CLICKHOUSE_ADDR is used as given).
	conn := admin
	if os.Getenv(testenv.EnvClickHouseAddr) == "" {
		ro := cfg
		ro.User, ro.Password = "grafana", ""
		conn = testenv.Conn(t, ro)
		if err := conn.Exec(ctx, "CREATE TABLE ro_probe (x UInt8) ENGINE = Memory"); err == nil {
			t.Fatal("the grafana user could create a table: it must be read-only")
		}
	}
	var leaderboardTable table
	alertsExist := tableExists(t, admin, cfg.Database, "alerts")
	if alertsExist {
		if err := admin.Exec(ctx, alertsInsert(cfg.Database)); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range queries(t, build(t)) {
		if q.alerts && !alertsExist {
			t.Logf("%s: skipped, the alerts table (migration 0003) does not exist yet", q.name)
			continue
		}
		res, err := dashboards.Run(ctx, conn, q.sql)
		if err != nil {
			t.Errorf("%s: %v\n%s", q.name, err, q.sql)
			continue
		}
		tb := fromResult(res)
		checkShape(t, q, tb)
		checkValues(t, "ClickHouse 18.16", q, tb)
		if q.name == "earshot-leaderboard/Leaderboard" {
			leaderboardTable = tb
		}
	}

	// The dashboard's SQL score and rank are the CLI's (analytics.Extended,
	// computed in Go from the leaderboard rows) on the same data.
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := expansion("earshot-leaderboard")
	rows, err := analytics.Extended(ctx, admin, cfg.Database, reg, analytics.Query{Since: e.From, Until: e.To}, analytics.ExtOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range rows {
		if r.Sector != e.Vars["sector"] {
			continue
		}
		checked++
		var row []string
		for _, tr := range leaderboardTable.rows {
			if tr[indexOf(leaderboardTable.names, "brand")] == r.Brand {
				row = tr
			}
		}
		if row == nil || r.Score == nil {
			t.Fatalf("%s: not in the dashboard's leaderboard %v, or no Go score", r.Brand, leaderboardTable.rows)
		}
		if s := row[indexOf(leaderboardTable.names, "score")]; !sameCell(s, strconvF(*r.Score)) {
			t.Errorf("%s: dashboard score %s, CLI score %v", r.Brand, s, *r.Score)
		}
		if rk := row[indexOf(leaderboardTable.names, "rank")]; rk != strconv.Itoa(r.RankSector) {
			t.Errorf("%s: dashboard rank %s, CLI rank in sector %d", r.Brand, rk, r.RankSector)
		}
	}
	if checked != 2 {
		t.Fatalf("%d brands of the sector compared, want 2", checked)
	}
}

func tableExists(t *testing.T, conn driver.Conn, db, name string) bool {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM system.tables WHERE database = ? AND name = ?", db, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func seedBlock(t testing.TB) *storage.MentionBlock {
	t.Helper()
	var b storage.MentionBlock
	for _, m := range buildSeed().ms {
		if err := m.Validate(); err != nil {
			t.Fatalf("%s: %v", m.ID, err)
		}
		if err := b.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	return &b
}

// alertsInsert is the alert seed (see wants), as INSERT … SELECT: the
// native protocol takes no inline VALUES from Exec.
func alertsInsert(db string) string {
	prefix := ""
	if db != "" {
		prefix = db + "."
	}
	row := func(id string, version int, brand, kind, severity, status, onset, opened, updated, resolved, summary string) string {
		ts := func(s string) string {
			if s == "" {
				return "toDateTime(0)"
			}
			return "toDateTime('" + s + "', 'UTC')"
		}
		return fmt.Sprintf("SELECT '%s', toUInt64(%d), '%s', '%s', '%s', '%s', %s, %s, %s, %s, '%s'",
			id, version, brand, kind, severity, status, ts(onset), ts(opened), ts(updated), ts(resolved), summary)
	}
	rows := []string{
		row("i1", 1, "klm", "volume", "high", "open", "2024-02-10 13:00:00", "2024-02-10 14:00:00", "2024-02-10 14:00:00", "", "volume 5 vs 2.5 expected"),
		row("i1", 3, "klm", "volume", "high", "resolved", "2024-02-10 13:00:00", "2024-02-10 14:00:00", "2024-02-10 15:00:00", "2024-02-10 15:00:00", "volume 5 vs 2.5 expected"),
		row("i2", 1, "bofa_help", "negative", "medium", "open", "2024-02-10 02:00:00", "2024-02-10 03:00:00", "2024-02-10 03:00:00", "", "negative share 0.8"),
		row("i3", 1, "klm", "volume", "high", "resolved", "2024-02-01 13:00:00", "2024-02-01 14:00:00", "2024-02-01 15:00:00", "2024-02-01 16:00:00", "old"),
	}
	return "INSERT INTO " + prefix + "alerts (incident_id, version, brand, kind, severity, status, onset, opened_at, updated_at, resolved_at, summary)\n" +
		strings.Join(rows, "\nUNION ALL\n")
}
