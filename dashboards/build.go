package dashboards

import (
	"fmt"
	"strings"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/registry"
)

// Options configure the generated dashboards.
type Options struct {
	// Registry maps brands to sectors (inlined in the SQL).
	Registry *registry.Registry
	// Weights of the composite score.
	Weights analytics.Weights
}

// Reference lines: the customer expectation and the usual target.
const (
	expectSeconds = 15 * 60
	targetSeconds = 60 * 60
)

// Grafana variable conditions. ${x:sqlstring} is x quoted as an SQL
// string with quotes doubled.
const (
	platformCond = "(${platform:sqlstring} = 'all' OR platform = ${platform:sqlstring})"
	brandOne     = "brand = ${brand:sqlstring}"
	brandOrAll   = "(${brand:sqlstring} = 'all' OR brand = ${brand:sqlstring})"
)

func sectorCond(reg *registry.Registry) string {
	return "(${sector:sqlstring} = 'all' OR " + analytics.SectorSQL(reg, "brand") + " = ${sector:sqlstring})"
}

// bucket is the plugin-macro bucketing of a DateTime expression, in the
// form that runs on ClickHouse 18.16 ($__timeInterval needs
// toStartOfInterval).
func bucket(dt string) string {
	return "toDateTime(intDiv(toUInt32(" + dt + "), $__interval_s) * $__interval_s)"
}

// postTime is an inbound post's created time as DateTime.
const postTime = "toDateTime(intDiv(ts, 1000))"

// medianOf is the classical median of a sorted numeric array expression
// (NULL when empty).
func medianOf(a string) string {
	return fmt.Sprintf("if(length(%[1]s) = 0, NULL, if(length(%[1]s) %% 2 = 1, toFloat64(%[1]s[intDiv(length(%[1]s) + 1, 2)]), (toFloat64(%[1]s[intDiv(length(%[1]s), 2)]) + toFloat64(%[1]s[intDiv(length(%[1]s), 2) + 1])) / 2))", a)
}

func ratioSQL(num, den string) string {
	return fmt.Sprintf("if(%[2]s = 0, NULL, %[1]s / %[2]s)", num, den)
}

func must(s string, err error) string {
	if err != nil {
		panic(err) // the scopes are constants of this package
	}
	return s
}

// ordered fills ids (1, 2, …) in order.
func ordered(ps ...*Panel) []*Panel {
	for i, p := range ps {
		p.ID = i + 1
	}
	return ps
}

func base(uid, title, file, description, readme string) *Dashboard {
	return &Dashboard{
		UID: uid, Title: title, Description: description, Tags: []string{"earshot"}, Timezone: "utc",
		SchemaVersion: 39, Version: 1, Editable: true, GraphTooltip: 1, Refresh: "5m",
		Time: TimeRange{From: "now-7d", To: "now"},
		Annotations: Annotations{List: []*Annotation{{
			Name: "Annotations & Alerts", BuiltIn: 1, Type: "dashboard", Enable: true, Hide: true,
			IconColor: "rgba(0, 211, 255, 1)", DataSource: &DataSource{Type: "grafana", UID: "-- Grafana --"},
		}}},
		Links: []Link{{Title: "earshot", Type: "dashboards", Tags: []string{"earshot"}, AsDropdown: true, IncludeVars: false, KeepTime: true}},
		file:  file, readme: readme,
	}
}

func sectorVar(reg *registry.Registry) *Variable {
	q := "SELECT sector FROM (SELECT 'all' AS sector UNION ALL SELECT DISTINCT " + analytics.SectorSQL(reg, "brand") +
		" AS sector FROM mention_brands WHERE $__timeFilter(created_at)) AS s WHERE sector != '' ORDER BY sector != 'all', sector"
	return &Variable{Name: "sector", Label: "Sector", Type: "query", DataSource: chDS, Query: q, Definition: q, Refresh: 2,
		Current: &Current{Text: "all", Value: "all"}, Sample: "bank",
		Description: "A registry sector (the brands' sectors are inlined from the registry when the dashboards are generated), or all."}
}

func platformVar() *Variable {
	q := "SELECT platform FROM (SELECT 'all' AS platform UNION ALL SELECT DISTINCT platform FROM mentions WHERE $__timeFilter(created_at)) AS p ORDER BY platform != 'all', platform"
	return &Variable{Name: "platform", Label: "Platform", Type: "query", DataSource: chDS, Query: q, Definition: q, Refresh: 2,
		Current: &Current{Text: "all", Value: "all"}, Sample: "all", Description: "The platform of the inbound posts, or all."}
}

func brandVar(withAll bool) *Variable {
	q := "SELECT DISTINCT brand FROM mention_brands WHERE $__timeFilter(created_at) AND addressed = 1 ORDER BY brand"
	cur := &Current{}
	if withAll {
		q = "SELECT brand FROM (SELECT 'all' AS brand UNION ALL SELECT DISTINCT brand FROM mention_brands WHERE $__timeFilter(created_at) AND addressed = 1) AS b ORDER BY brand != 'all', brand"
		cur = &Current{Text: "all", Value: "all"}
	}
	return &Variable{Name: "brand", Label: "Brand", Type: "query", DataSource: chDS, Query: q, Definition: q, Refresh: 2,
		Current: cur, Sample: "bofa_help", Description: "A registry brand id with inbound posts in the time range."}
}

func periodVar() *Variable {
	return &Variable{Name: "period", Label: "Period", Type: "custom", Query: "day : 86400,week : 604800",
		Current: &Current{Text: "day", Value: "86400"}, Sample: "86400",
		Options:     []Option{{Text: "day", Value: "86400", Selected: true}, {Text: "week", Value: "604800"}},
		Description: "The length of the periods of the SLA trend panel."}
}

// refLines are threshold steps drawn as lines: the 15-minute customer
// expectation and the 60-minute threshold.
func refLines(unit string) map[string]any {
	return map[string]any{
		"defaults": map[string]any{
			"unit": unit,
			"thresholds": map[string]any{"mode": "absolute", "steps": []any{
				map[string]any{"color": "green", "value": nil},
				map[string]any{"color": "orange", "value": expectSeconds},
				map[string]any{"color": "red", "value": targetSeconds},
			}},
			"custom": map[string]any{"thresholdsStyle": map[string]any{"mode": "line+area"}},
		},
		"overrides": []any{},
	}
}

func unitConfig(unit string, min, max any) map[string]any {
	d := map[string]any{"unit": unit}
	if min != nil {
		d["min"] = min
	}
	if max != nil {
		d["max"] = max
	}
	return map[string]any{"defaults": d, "overrides": []any{}}
}

func override(field string, props ...any) map[string]any {
	var ps []any
	for i := 0; i+1 < len(props); i += 2 {
		ps = append(ps, map[string]any{"id": props[i], "value": props[i+1]})
	}
	return map[string]any{"matcher": map[string]any{"id": "byName", "options": field}, "properties": ps}
}

func tablePanel(title, desc string, pos GridPos, sql string, cols []string) *Panel {
	return &Panel{Type: "table", Title: title, Description: desc, GridPos: pos, DataSource: chDS,
		Targets: []*Target{sqlTarget("A", FormatTable, sql)}, Shape: ShapeTable, Columns: cols,
		FieldConfig: map[string]any{"defaults": map[string]any{}, "overrides": []any{}},
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"}}
}

func seriesPanel(title, desc string, pos GridPos, sql string, fc map[string]any) *Panel {
	if fc == nil {
		fc = map[string]any{"defaults": map[string]any{}, "overrides": []any{}}
	}
	return &Panel{Type: "timeseries", Title: title, Description: desc, GridPos: pos, DataSource: chDS,
		Targets: []*Target{sqlTarget("A", FormatTimeSeries, sql)}, Shape: ShapeTimeSeries, FieldConfig: fc,
		Options: map[string]any{"legend": map[string]any{"displayMode": "table", "placement": "right", "calcs": []any{"mean", "max"}}, "tooltip": map[string]any{"mode": "multi"}}}
}

func barPanel(title, desc string, pos GridPos, sql string, cols []string, fc map[string]any) *Panel {
	if fc == nil {
		fc = map[string]any{"defaults": map[string]any{}, "overrides": []any{}}
	}
	return &Panel{Type: "barchart", Title: title, Description: desc, GridPos: pos, DataSource: chDS,
		Targets: []*Target{sqlTarget("A", FormatTable, sql)}, Shape: ShapeTable, Columns: cols, FieldConfig: fc,
		Options: map[string]any{"orientation": "horizontal", "xField": cols[0], "showValue": "auto", "legend": map[string]any{"displayMode": "list", "placement": "bottom"}}}
}

// Build returns the five dashboards.
func Build(o Options) ([]*Dashboard, error) {
	if o.Registry == nil {
		return nil, fmt.Errorf("dashboards: a registry is required")
	}
	if o.Weights == (analytics.Weights{}) {
		o.Weights = analytics.DefaultWeights()
	}
	if err := o.Weights.Validate(); err != nil {
		return nil, err
	}
	return []*Dashboard{leaderboard(o), drilldown(o), reasons(o), crisis(o), pipeline()}, nil
}

// statsColumns turns BrandStatsSQL's counts into the glossary's values.
const statsColumns = `brand,
        n_inbound AS inbound, n_answered AS answered, n_pending AS pending,
        if(rr_den = 0, NULL, rr_num / rr_den) AS response_rate,
        if(n_frt = 0, NULL, median_ms / 1000) AS frt_median_s,
        if(n_frt = 0, NULL, p90_ms / 1000) AS frt_p90_s,
        if(sla15_den = 0, NULL, sla15_num / sla15_den) AS sla15,
        if(sla60_den = 0, NULL, sla60_num / sla60_den) AS sla60,
        sentiment_mean, n_negative / n_inbound AS negative_share`

func leaderboard(o Options) *Dashboard {
	reg := o.Registry
	d := base("earshot-leaderboard", "earshot · Responsiveness leaderboard", "responsiveness-leaderboard.json",
		"Every brand's responsiveness to the customer posts addressed to it, ranked by the composite score, as of the end of the time range.",
		"**Responsiveness leaderboard** — every brand of a sector (or all) ranked by the composite "+
			"responsiveness score over the dashboard's time range, as of its end: inbound, answered, pending, "+
			"response rate, FRT median and p90, SLA 15/60 min, inbound sentiment and a sparkline of inbound posts "+
			"per day, with the FRT bar chart and "+
			"trend drawn against the 15-minute customer expectation and the 60-minute threshold. Variables: "+
			"sector, platform, and the period of the SLA trend (day or week).")
	d.Templating.List = []*Variable{sectorVar(reg), platformVar(), periodVar()}
	scope := analytics.GrafanaScope(sectorCond(reg), platformCond)
	stats := must(analytics.BrandStatsSQL("", scope))
	inbound := must(analytics.InboundPostsSQL("", scope))
	score := o.Weights.ScoreSQL("sla60", "response_rate", "frt_median_s")

	table := fmt.Sprintf(`SELECT
    if(isNull(score), NULL, arrayCount(x -> x > ifNull(score, -1), scores) + 1) AS rank,
    tupleElement(r, 1) AS brand, tupleElement(r, 2) AS sector, tupleElement(r, 3) AS score,
    tupleElement(r, 4) AS inbound, tupleElement(r, 5) AS answered, tupleElement(r, 6) AS pending,
    tupleElement(r, 7) AS response_rate, tupleElement(r, 8) AS frt_median_s, tupleElement(r, 9) AS frt_p90_s,
    tupleElement(r, 10) AS sla15, tupleElement(r, 11) AS sla60,
    tupleElement(r, 12) AS sentiment_mean, tupleElement(r, 13) AS negative_share,
    tupleElement(r, 14) AS inbound_trend
FROM
(
    SELECT
        groupArray(tuple(brand, sector, score, inbound, answered, pending, response_rate, frt_median_s, frt_p90_s,
                         sla15, sla60, sentiment_mean, negative_share, inbound_trend)) AS rows,
        groupArray(ifNull(score, -1)) AS scores
    FROM
    (
        SELECT *, %[3]s AS sector, %[2]s AS score
        FROM
        (
            SELECT %[4]s, inbound_trend
            FROM (%[1]s) AS stats
            ANY LEFT JOIN
            (%[5]s) AS trend USING (brand)
        ) AS v
    ) AS s
) AS all_rows
ARRAY JOIN rows AS r
ORDER BY isNull(rank), rank, brand`, stats, score, analytics.SectorSQL(reg, "brand"), statsColumns, inboundTrendSQL(inbound))
	lb := tablePanel("Leaderboard", "Ranked by the composite score (weights: "+weightsText(o.Weights)+
		"). FRT cells turn orange past 15 min and red past 60 min. The sparkline is the brand's inbound posts per day of the range (per N days beyond 90 days).", GridPos{0, 0, 24, 12}, table,
		[]string{"rank", "brand", "sector", "score", "inbound", "answered", "pending", "response_rate", "frt_median_s", "frt_p90_s", "sla15", "sla60", "sentiment_mean", "negative_share", "inbound_trend"})
	lb.FieldConfig = map[string]any{
		"defaults": map[string]any{"custom": map[string]any{"align": "auto"}},
		"overrides": []any{
			override("score", "unit", "none", "decimals", 1, "min", 0, "max", 100, "custom.cellOptions", map[string]any{"type": "gauge", "mode": "basic"}),
			override("response_rate", "unit", "percentunit", "custom.cellOptions", map[string]any{"type": "gauge", "mode": "lcd"}),
			override("sla15", "unit", "percentunit"),
			override("sla60", "unit", "percentunit", "custom.cellOptions", map[string]any{"type": "gauge", "mode": "basic"}),
			override("negative_share", "unit", "percentunit"),
			override("sentiment_mean", "decimals", 2),
			override("frt_median_s", "unit", "s", "custom.cellOptions", map[string]any{"type": "color-text"},
				"thresholds", refLines("s")["defaults"].(map[string]any)["thresholds"]),
			override("frt_p90_s", "unit", "s"),
			// The sparkline: the plugin hands an Array column to Grafana as
			// a JSON field, whose cell value is a plain array of numbers;
			// the table's sparkline cell draws such an array (evenly spaced)
			// as it draws a time series.
			override("inbound_trend", "displayName", "inbound per day", "custom.cellOptions",
				map[string]any{"type": "sparkline", "hideValue": true, "drawStyle": "line", "lineInterpolation": "smooth", "fillOpacity": 20, "showPoints": "never"},
				"custom.minWidth", 120),
		},
	}
	lb.Options["sortBy"] = []any{map[string]any{"displayName": "rank", "desc": false}}

	bars := barPanel("First response time by brand", "Median and p90 FRT; the lines are the 15-minute customer expectation and the 60-minute threshold.",
		GridPos{0, 12, 12, 10},
		"SELECT brand, if(n_frt = 0, NULL, median_ms / 1000) AS frt_median_s, if(n_frt = 0, NULL, p90_ms / 1000) AS frt_p90_s\nFROM ("+stats+") AS stats\nORDER BY isNull(frt_median_s), frt_median_s, brand",
		[]string{"brand", "frt_median_s", "frt_p90_s"}, refLines("s"))

	trend := seriesPanel("FRT median over time", "Median FRT of the posts created in each interval (answered by the end of the range), per brand, against 15 and 60 minutes.",
		GridPos{12, 12, 12, 10},
		fmt.Sprintf("SELECT t, brand, %s AS frt_median_s\nFROM\n(\n    SELECT %s AS t, brand, arraySort(groupArrayIf(frt, has_reply = 1)) AS frts\n    FROM (%s) AS posts\n    GROUP BY t, brand\n) AS b\nORDER BY t, brand",
			medianOf("frts")+" / 1000", bucket(postTime), inbound), refLines("s"))

	sla := seriesPanel("SLA 60 min by ${period}", "Share of each period's posts answered within 60 minutes (posts younger than 60 min at the end of the range are not judged).",
		GridPos{0, 22, 24, 8},
		fmt.Sprintf("SELECT toDateTime(intDiv(toUInt32(%[1]s), ${period}) * ${period}) AS t, brand,\n    %[2]s AS sla60\nFROM (%[3]s) AS posts\nGROUP BY t, brand\nORDER BY t, brand",
			postTime, ratioSQL(fmt.Sprintf("countIf(ts <= %[1]s - 3600000 AND has_reply = 1 AND frt <= 3600000)", scope.UntilMS), fmt.Sprintf("countIf(ts <= %s - 3600000)", scope.UntilMS)), inbound),
		unitConfig("percentunit", 0, 1))
	d.Panels = ordered(lb, bars, trend, sla)
	return d
}

// trendBuckets is the number of buckets of the leaderboard's sparkline at
// most: one per day up to 90 days, per N whole days beyond.
const trendBuckets = 90

// inboundTrendSQL is, per brand, its inbound posts per bucket of the
// dashboard's range (a day, or N days for ranges beyond trendBuckets
// days), from the range's start, as Array(Float64) with a 0 for a bucket
// without posts: brand String, inbound_trend Array(Float64). Grafana's
// table draws it as a sparkline cell (the ClickHouse plugin passes arrays
// as JSON values, which the sparkline cell takes as evenly spaced values);
// the alternative — a second, time-series query turned into a nested frame
// by the "Time series to table" transformation — needs one more query
// and a transformation the tests could not check.
func inboundTrendSQL(inbound string) string {
	span := "(toInt64(toUInt32($__toTime)) - toInt64(toUInt32($__fromTime)))"
	b := fmt.Sprintf("(86400 * (intDiv(greatest(%[1]s, 1) - 1, %[2]d) + 1))", span, 86400*trendBuckets)
	return fmt.Sprintf(`
                SELECT brand,
                    arrayMap(i -> toFloat64(if(indexOf(ks, i) = 0, 0, ns[indexOf(ks, i)])),
                             range(toUInt32(intDiv(greatest(%[1]s, 1) + %[2]s - 1, %[2]s)))) AS inbound_trend
                FROM
                (
                    SELECT brand, groupArray(k) AS ks, groupArray(n) AS ns
                    FROM
                    (
                        SELECT brand, toUInt32(intDiv(intDiv(ts, 1000) - toInt64(toUInt32($__fromTime)), %[2]s)) AS k, count() AS n
                        FROM (%[3]s) AS posts
                        GROUP BY brand, k
                    ) AS per_bucket
                    GROUP BY brand
                ) AS buckets
                -- Names ks and ns outside the lambda: ClickHouse 18.16 drops
                -- the subquery columns only a lambda uses ("Unknown
                -- identifier").
                WHERE length(ks) = length(ns)`, span, b, inbound)
}

func weightsText(w analytics.Weights) string {
	return fmt.Sprintf("SLA60 %g, response rate %g, FRT %g with reference %s", w.SLA60, w.ResponseRate, w.FRT, w.FRTReference)
}

var dayNames = "['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']"

func hourColumns() ([]string, string) {
	cols := []string{"day"}
	var sums []string
	for h := 0; h < 24; h++ {
		c := fmt.Sprintf("h%02d", h)
		cols = append(cols, c)
		sums = append(sums, fmt.Sprintf("sumIf(n, hour = %d) AS %s", h, c))
	}
	return cols, strings.Join(sums, ", ")
}

func drilldown(o Options) *Dashboard {
	d := base("earshot-brand", "earshot · Brand drill-down", "brand-drilldown.json",
		"One brand: how fast, when and how well it answers, and what its customers feel and write about.",
		"**Brand drill-down** — one brand over the time range: the headline numbers, the distribution of "+
			"first response times, SLA 15/60 over time, an hour-of-week heat map of its replies (its "+
			"inferred support hours), inbound sentiment, contact reasons, and — once enrich scores reply "+
			"quality — deflection, canned and empathy figures, the distribution of empathy, and its most "+
			"and least empathetic replies; the sentiment recovery of customers who wrote again after its reply; "+
			"and the products its customers name, with their negative share.")
	d.Templating.List = []*Variable{brandVar(false), platformVar()}
	scope := analytics.GrafanaScope(brandOne, platformCond)
	stats := must(analytics.BrandStatsSQL("", scope))
	inbound := must(analytics.InboundPostsSQL("", scope))
	replies := must(analytics.RepliesSQL("", analytics.GrafanaScope(brandOne, "1")))
	recoveryPosts := must(analytics.RecoveryPostsSQL("", scope))

	head := tablePanel("Headline", "The leaderboard's columns for the brand.", GridPos{0, 0, 24, 4},
		"SELECT "+statsColumns+"\nFROM ("+stats+") AS stats",
		[]string{"brand", "inbound", "answered", "pending", "response_rate", "frt_median_s", "frt_p90_s", "sla15", "sla60", "sentiment_mean", "negative_share"})
	head.Type = "stat"
	head.Options = map[string]any{"reduceOptions": map[string]any{"calcs": []any{"lastNotNull"}, "fields": "/^(inbound|answered|pending|response_rate|frt_median_s|frt_p90_s|sla15|sla60)$/", "values": false}, "textMode": "value_and_name", "colorMode": "value"}
	head.FieldConfig = map[string]any{"defaults": map[string]any{}, "overrides": []any{
		override("response_rate", "unit", "percentunit"), override("sla15", "unit", "percentunit"), override("sla60", "unit", "percentunit"),
		override("frt_median_s", "unit", "s"), override("frt_p90_s", "unit", "s"),
	}}

	dist := barPanel("First response time distribution", "Inbound posts by first response time (unanswered posts last).", GridPos{0, 4, 12, 9},
		`SELECT bucket, count() AS posts
FROM
(
    SELECT multiIf(has_reply = 0, '7 unanswered', frt <= 300000, '1 ≤ 5 min', frt <= 900000, '2 5–15 min',
                   frt <= 3600000, '3 15–60 min', frt <= 14400000, '4 1–4 h', frt <= 86400000, '5 4–24 h', '6 > 24 h') AS bucket
    FROM (`+inbound+`) AS posts
) AS b
GROUP BY bucket
ORDER BY bucket`, []string{"bucket", "posts"}, nil)

	slaSeries := seriesPanel("SLA 15 / 60 min over time", "Share of the posts of each interval answered within 15 and 60 minutes (posts too young to judge are left out).", GridPos{12, 4, 12, 9},
		fmt.Sprintf("SELECT %[1]s AS t,\n    %[2]s AS sla15,\n    %[3]s AS sla60\nFROM (%[4]s) AS posts\nGROUP BY t\nORDER BY t", bucket(postTime),
			ratioSQL(fmt.Sprintf("countIf(ts <= %[1]s - 900000 AND has_reply = 1 AND frt <= 900000)", scope.UntilMS), fmt.Sprintf("countIf(ts <= %s - 900000)", scope.UntilMS)),
			ratioSQL(fmt.Sprintf("countIf(ts <= %[1]s - 3600000 AND has_reply = 1 AND frt <= 3600000)", scope.UntilMS), fmt.Sprintf("countIf(ts <= %s - 3600000)", scope.UntilMS)),
			inbound), unitConfig("percentunit", 0, 1))

	cols, sums := hourColumns()
	heat := tablePanel("Replies by hour of week (UTC) — inferred support hours", "The brand's replies per weekday and hour (UTC); cells are coloured by count, so the staffed hours stand out.",
		GridPos{0, 13, 24, 9},
		fmt.Sprintf("SELECT day, %s\nFROM\n(\n    SELECT toUInt8((intDiv(toUInt32(t), 86400) + 3) %% 7 + 1) AS dow, %s[dow] AS day, toUInt8(intDiv(toUInt32(t) %% 86400, 3600)) AS hour, count() AS n\n    FROM (SELECT toDateTime(intDiv(rts, 1000)) AS t FROM (%s) AS r) AS rt\n    GROUP BY dow, day, hour\n) AS h\nGROUP BY dow, day\nORDER BY dow",
			sums, dayNames, replies), cols)
	heat.Shape = ShapeHeatmap
	heat.FieldConfig = map[string]any{
		"defaults":  map[string]any{"color": map[string]any{"mode": "continuous-GrYlRd"}, "custom": map[string]any{"cellOptions": map[string]any{"type": "color-background"}, "width": 44}},
		"overrides": []any{override("day", "custom.cellOptions", map[string]any{"type": "auto"}, "custom.width", 60)},
	}

	senti := seriesPanel("Inbound sentiment", "Mean compound sentiment (−1..1) and the share of inbound posts labelled negative.", GridPos{0, 22, 12, 8},
		fmt.Sprintf("SELECT %s AS t, avg(sentiment) AS sentiment_mean, countIf(sentiment_label = 'negative') / count() AS negative_share\nFROM (%s) AS posts\nGROUP BY t\nORDER BY t", bucket(postTime), inbound), nil)

	quality := tablePanel("Reply quality (first replies)", "Deflection, canned (similarity ≥ 0.9) and empathy of first replies; empty until enrich scores reply quality.", GridPos{12, 22, 12, 8},
		"SELECT n_quality AS scored_replies, if(n_quality = 0, NULL, n_deflected / n_quality) AS deflection_rate,\n    if(n_quality = 0, NULL, n_canned / n_quality) AS canned_rate, if(n_quality = 0, NULL, empathy_median) AS empathy_median\nFROM ("+stats+") AS stats",
		[]string{"scored_replies", "deflection_rate", "canned_rate", "empathy_median"})
	quality.Type = "stat"
	quality.Options = map[string]any{"reduceOptions": map[string]any{"calcs": []any{"lastNotNull"}, "fields": "", "values": false}, "textMode": "value_and_name"}

	reasonsBar := barPanel("Contact reasons", "Inbound posts by contact reason (unclassified until enrich adds reasons).", GridPos{0, 30, 12, 8},
		"SELECT reason, count() AS posts\nFROM (SELECT arrayJoin(if(empty(reasons), ['unclassified'], reasons)) AS reason FROM ("+inbound+") AS posts) AS r\nGROUP BY reason\nORDER BY posts DESC, reason\nLIMIT 15",
		[]string{"reason", "posts"}, nil)

	replyText := func(order string) string {
		return fmt.Sprintf(`SELECT toDateTime(intDiv(rts, 1000)) AS created, empathy, deflection, text
FROM
(
    SELECT id, rts, empathy, deflection FROM (%s) AS r WHERE has_quality = 1
) AS q
ANY LEFT JOIN
(
    SELECT id, argMax(text, version) AS text FROM mentions
    WHERE $__timeFilter(created_at) AND author_brand = ${brand:sqlstring}
    GROUP BY id
) AS m USING (id)
ORDER BY empathy %s, id
LIMIT 5`, replies, order)
	}
	best := tablePanel("Most empathetic replies", "Shown only when the data carries reply quality (enrich).", GridPos{12, 30, 12, 8}, replyText("DESC"), []string{"created", "empathy", "deflection", "text"})
	worst := tablePanel("Least empathetic replies", "Shown only when the data carries reply quality (enrich).", GridPos{0, 38, 24, 8}, replyText("ASC"), []string{"created", "empathy", "deflection", "text"})
	empathy := barPanel("Empathy distribution (first replies)", "First replies to the brand's inbound posts that carry reply quality, by empathy score in buckets of 10 (0–9 … 90–100); all zero until enrich scores reply quality.",
		GridPos{0, 46, 16, 8},
		`SELECT bucket, replies
FROM
(
    SELECT groupArray(toUInt8(least(9, intDiv(toUInt32(greatest(reply_empathy, 0)), 10)))) AS bs
    FROM (`+inbound+`) AS posts
    WHERE has_reply = 1 AND reply_has_quality = 1
) AS scored
ARRAY JOIN
    arrayMap(b -> concat(toString(b * 10), '–', toString(b * 10 + if(b = 9, 10, 9))), range(10)) AS bucket,
    arrayMap(b -> toUInt64(countEqual(bs, b)), range(10)) AS replies
ORDER BY bucket`, []string{"bucket", "replies"}, unitConfig("none", 0, nil))
	empathy.Options["orientation"] = "vertical"

	recovery := tablePanel("Sentiment recovery", "The customer's sentiment after the brand's reply minus before: for each answered inbound post, the customer's first later post in the conversation after the brand's first reply, its compound sentiment minus the post's (−2..2); the mean over the posts with such a follow-up, and their count.",
		GridPos{16, 46, 8, 8},
		"SELECT count() AS recovered_posts, if(count() = 0, NULL, avg(recovery)) AS sentiment_recovery\nFROM ("+recoveryPosts+") AS recovered",
		[]string{"recovered_posts", "sentiment_recovery"})
	recovery.Type = "stat"
	recovery.Options = map[string]any{"reduceOptions": map[string]any{"calcs": []any{"lastNotNull"}, "fields": "", "values": false}, "textMode": "value_and_name", "colorMode": "value"}
	recovery.FieldConfig = map[string]any{"defaults": map[string]any{}, "overrides": []any{
		override("sentiment_recovery", "decimals", 2, "thresholds", map[string]any{"mode": "absolute", "steps": []any{
			map[string]any{"color": "red", "value": nil}, map[string]any{"color": "green", "value": 0},
		}}),
		override("recovered_posts", "decimals", 0),
	}}
	products := tablePanel("Products in inbound posts", "Products named in the brand's inbound posts (entities of type product: the brand registry's products and the tagger's), with the posts' negative share and mean sentiment; a post naming a product twice counts once.",
		GridPos{0, 54, 24, 8},
		"SELECT product, posts, negative_share, sentiment_mean\nFROM ("+must(analytics.ProductsSQL("", scope, o.Registry))+") AS products\nORDER BY posts DESC, product\nLIMIT 15",
		[]string{"product", "posts", "negative_share", "sentiment_mean"})
	products.FieldConfig = map[string]any{"defaults": map[string]any{}, "overrides": []any{
		override("negative_share", "unit", "percentunit", "decimals", 0), override("sentiment_mean", "decimals", 2),
	}}
	d.Panels = ordered(head, dist, slaSeries, heat, senti, quality, reasonsBar, best, worst, empathy, recovery, products)
	return d
}

func reasons(o Options) *Dashboard {
	reg := o.Registry
	d := base("earshot-reasons", "earshot · Contact reasons and recurring issues", "contact-reasons.json",
		"Why customers contact each brand, which reasons keep coming back week after week, and how they are answered.",
		"**Contact reasons and recurring issues** — why customers write, per brand: volume by contact "+
			"reason over time, and the root-cause list: each (brand, reason) of the 7 days ending at the range's "+
			"end against the week before and the 4-week trailing mean, the weeks of the last 8 it was seen in, "+
			"its trend (new, growing, steady, shrinking, gone — the rules of `earshot leaderboard --reasons`), "+
			"and how those posts were answered: answered share, FRT median, the most common first reply. Posts enrich has not classified yet count as `unclassified`.")
	d.Templating.List = []*Variable{sectorVar(reg), platformVar()}
	scope := analytics.GrafanaScope(sectorCond(reg), platformCond)
	inbound := must(analytics.InboundPostsSQL("", scope))
	withReason := "SELECT *, arrayJoin(if(empty(reasons), ['" + analytics.UnclassifiedReason + "'], arrayDistinct(reasons))) AS reason FROM (" + inbound + ") AS posts"

	vol := seriesPanel("Inbound posts by contact reason", "Inbound posts per interval and reason.", GridPos{0, 0, 24, 9},
		fmt.Sprintf("SELECT %s AS t, reason, count() AS posts\nFROM (%s) AS r\nGROUP BY t, reason\nORDER BY t, reason", bucket(postTime), withReason), nil)

	recurring := must(analytics.RecurringReasonsSQL("", scope, "toInt64(toUInt32($__toTime))"))
	rec := tablePanel("Recurring contact reasons",
		fmt.Sprintf("The root-cause list, per brand and reason: the 7 days ending at the range's end (last_7d) against the 7 days before (prev_7d) and the mean of the %[1]d 7-day windows before (trailing_mean), whatever the range's start; "+
			"weeks_present is the number of the last %[2]d such windows the reason was seen in (%[2]d of %[2]d: it never goes away). "+
			"Trend: gone (none now, some the week before), new (none in the %[3]d weeks before), growing (≥ +%[4]d %% and ≥ +%[6]d posts on both the previous week and the trailing mean), "+
			"shrinking (≤ −%[5]d %% and ≤ −%[6]d posts on both), else steady. Answered share, FRT median and the most common first reply are those of the last 7 days' posts.",
			analytics.ReasonTrailingWeeks, analytics.ReasonWindowWeeks, analytics.ReasonWindowWeeks-1, analytics.ReasonGrowthPct, analytics.ReasonShrinkPct, analytics.ReasonMinChange),
		GridPos{0, 9, 24, 12},
		fmt.Sprintf(`SELECT brand, reason, trend, week_count AS last_7d, prev_count AS prev_7d, trailing_mean, weeks_present,
    if(week_count = 0, NULL, answered / week_count) AS answered_share,
    if(answered = 0, NULL, frt_median_ms / 1000) AS frt_median_s,
    top_reply, top_reply_count
FROM (%s) AS recurring
ORDER BY brand, last_7d DESC, reason
LIMIT 500`, recurring),
		[]string{"brand", "reason", "trend", "last_7d", "prev_7d", "trailing_mean", "weeks_present", "answered_share", "frt_median_s", "top_reply", "top_reply_count"})
	rec.FieldConfig = map[string]any{"defaults": map[string]any{}, "overrides": []any{
		override("answered_share", "unit", "percentunit"), override("frt_median_s", "unit", "s"),
		override("trailing_mean", "decimals", 2),
		override("weeks_present", "max", analytics.ReasonWindowWeeks, "min", 0, "custom.cellOptions", map[string]any{"type": "gauge", "mode": "basic"}),
		override("trend", "custom.cellOptions", map[string]any{"type": "color-text"}, "mappings", []any{map[string]any{"type": "value", "options": map[string]any{
			analytics.TrendNew:       map[string]any{"color": "purple", "index": 0},
			analytics.TrendGrowing:   map[string]any{"color": "red", "index": 1},
			analytics.TrendSteady:    map[string]any{"color": "text", "index": 2},
			analytics.TrendShrinking: map[string]any{"color": "green", "index": 3},
			analytics.TrendGone:      map[string]any{"color": "blue", "index": 4},
		}}}),
		override("top_reply", "custom.inspect", true, "custom.minWidth", 240),
	}}

	share := barPanel("Contact reasons, all brands", "Inbound posts per reason in the range.", GridPos{0, 21, 24, 8},
		"SELECT reason, count() AS posts, countIf(has_reply = 1) AS answered\nFROM ("+withReason+") AS r\nGROUP BY reason\nORDER BY posts DESC, reason\nLIMIT 20",
		[]string{"reason", "posts", "answered"}, nil)
	d.Panels = ordered(vol, rec, share)
	return d
}

// Crisis baseline: the median of the same hour in the previous weeks.
const baselineWeeks = 4

func crisis(o Options) *Dashboard {
	d := base("earshot-crisis", "earshot · Crisis monitor", "crisis-monitor.json",
		"Inbound volume against its seasonal baseline, the negative share, crisis terms, products and stored alerts.",
		"**Crisis monitor** — inbound volume per hour against its seasonal baseline (the median of the "+
			"same hour of the four previous weeks, computed in SQL), the negative share of inbound posts, the "+
			"crisis terms and the products customers name in the last 24 hours against the days before, and the alerts `earshot detect` "+
			"stored as annotations — for one brand or all.")
	d.Refresh = "1m"
	d.Time = TimeRange{From: "now-2d", To: "now"}
	d.Templating.List = []*Variable{brandVar(true)}
	back := baselineWeeks * 7 * 86400
	long := analytics.Scope{
		SinceMS:  fmt.Sprintf("((toInt64(toUInt32($__fromTime)) - %d) * 1000)", back),
		UntilMS:  "(toInt64(toUInt32($__toTime)) * 1000)",
		SinceDT:  fmt.Sprintf("($__fromTime - %d)", back),
		UntilDT:  "($__toTime + 1)",
		Brand:    brandOrAll,
		Platform: "1",
	}
	inboundLong := must(analytics.InboundPostsSQL("", long))
	inbound := must(analytics.InboundPostsSQL("", analytics.GrafanaScope(brandOrAll, "1")))

	vol := seriesPanel("Inbound volume vs baseline (hourly)", fmt.Sprintf("Inbound posts per hour; the baseline is the median of the same hour of the %d previous weeks (missing hours count 0).", baselineWeeks),
		GridPos{0, 0, 24, 10},
		fmt.Sprintf(`SELECT t, inbound, baseline
FROM
(
    SELECT t, sumIf(n, k = 0) AS inbound,
        arraySort(arrayResize(groupArrayIf(n, k > 0), %[3]d, toUInt64(0))) AS s,
        (s[%[4]d] + s[%[5]d]) / 2 AS baseline
    FROM
    (
        SELECT h + k * 604800 AS t, n, k
        FROM
        (
            SELECT toDateTime(intDiv(intDiv(ts, 1000), 3600) * 3600) AS h, count() AS n
            FROM (%[1]s) AS posts
            GROUP BY h
        ) AS hourly
        ARRAY JOIN %[2]s AS k
    ) AS shifted
    WHERE t >= toDateTime(intDiv(toUInt32($__fromTime), 3600) * 3600) AND t <= $__toTime
    GROUP BY t
) AS v
ORDER BY t`, inboundLong, weeksArray(), baselineWeeks, baselineWeeks/2, baselineWeeks/2+1), nil)

	neg := seriesPanel("Negative share of inbound posts", "Share of the inbound posts labelled negative, per interval, with the volume.", GridPos{0, 10, 12, 8},
		fmt.Sprintf("SELECT %s AS t, countIf(sentiment_label = 'negative') / count() AS negative_share, count() AS inbound\nFROM (%s) AS posts\nGROUP BY t\nORDER BY t", bucket(postTime), inbound),
		map[string]any{"defaults": map[string]any{}, "overrides": []any{override("negative_share", "unit", "percentunit", "max", 1, "min", 0), override("inbound", "custom.axisPlacement", "right", "custom.drawStyle", "bars")}})

	terms := tablePanel("Crisis terms: last 24 h vs before", "Crisis terms enrich found in customer posts about the brand: the last 24 hours of the range against the rest.", GridPos{12, 10, 12, 8},
		`SELECT term, countIf(created >= $__toTime - 86400) AS last_24h, countIf(created < $__toTime - 86400) AS before
FROM
(
    SELECT id, argMax(crisis_terms, version) AS terms, argMax(created_at, version) AS created,
        argMax(brands, version) AS bs, argMax(author_brand, version) AS by_brand
    FROM mentions
    WHERE $__timeFilter(created_at)
    GROUP BY id
) AS m
ARRAY JOIN terms AS term
WHERE by_brand = '' AND (${brand:sqlstring} = 'all' OR has(bs, ${brand:sqlstring}))
GROUP BY term
ORDER BY last_24h DESC, before DESC, term
LIMIT 20`, []string{"term", "last_24h", "before"})

	products := tablePanel("Products: last 24 h vs before", "Products named in customer posts about the brand (entities of type product; not the brands' own names): posts in the last 24 hours of the range against the rest, each post once per product.", GridPos{0, 18, 24, 8},
		`SELECT topK(1)(t)[1] AS product, uniqExactIf(id, created >= $__toTime - 86400) AS last_24h, uniqExactIf(id, created < $__toTime - 86400) AS before
FROM
(
    SELECT id, argMax(entity_text, version) AS et, argMax(entity_type, version) AS ety, argMax(created_at, version) AS created,
        argMax(brands, version) AS bs, argMax(author_brand, version) AS by_brand
    FROM mentions
    WHERE $__timeFilter(created_at) AND has(entity_type, 'product')
    GROUP BY id
) AS m
ARRAY JOIN et AS t, ety AS ty
WHERE ty = 'product' AND by_brand = '' AND (${brand:sqlstring} = 'all' OR has(bs, ${brand:sqlstring}))
    AND lower(t) NOT IN `+analytics.BrandNamesSQL(o.Registry)+`
GROUP BY lower(t)
ORDER BY last_24h DESC, before DESC, product
LIMIT 20`, []string{"product", "last_24h", "before"})

	alerts := &Annotation{Name: "Crisis alerts", DataSource: chDS, Enable: true, IconColor: "red",
		Target: sqlTarget("Anno", FormatTable, AlertsAnnotationSQL)}
	d.Annotations.List = append(d.Annotations.List, alerts)
	d.needsAlerts = true
	d.Panels = ordered(vol, neg, terms, products)
	return d
}

// AlertsAnnotationSQL reads the crisis detector's incidents (the alerts
// table of migration 0003; one row per version, the newest wins): one
// region per incident from its onset to its resolution (or its last
// update while open), for the selected brand or all.
const AlertsAnnotationSQL = `SELECT a_onset AS time, if(a_resolved = toDateTime(0), a_updated, a_resolved) AS timeEnd,
    concat(a_brand, ' · ', a_kind, ' · ', a_severity, ': ', a_summary) AS text,
    concat(a_kind, ',', a_severity, ',', a_status) AS tags
FROM
(
    SELECT incident_id,
        argMax(brand, version) AS a_brand, argMax(kind, version) AS a_kind, argMax(severity, version) AS a_severity,
        argMax(status, version) AS a_status, argMax(onset, version) AS a_onset, argMax(updated_at, version) AS a_updated,
        argMax(resolved_at, version) AS a_resolved, argMax(summary, version) AS a_summary
    FROM alerts
    WHERE onset <= $__toTime
    GROUP BY incident_id
) AS incidents
WHERE (${brand:sqlstring} = 'all' OR a_brand = ${brand:sqlstring})
    AND a_onset <= $__toTime AND (a_resolved = toDateTime(0) OR a_resolved >= $__fromTime)
ORDER BY time, incident_id`

func weeksArray() string {
	ks := make([]string, baselineWeeks+1)
	for i := range ks {
		ks[i] = fmt.Sprint(i)
	}
	return "[" + strings.Join(ks, ", ") + "]"
}

func promPanel(title, desc string, pos GridPos, unit string, targets ...*Target) *Panel {
	return &Panel{Type: "timeseries", Title: title, Description: desc, GridPos: pos, DataSource: promDS, Targets: targets,
		FieldConfig: unitConfig(unit, nil, nil),
		Options:     map[string]any{"legend": map[string]any{"displayMode": "list", "placement": "bottom"}, "tooltip": map[string]any{"mode": "multi"}}}
}

func pipeline() *Dashboard {
	d := base("earshot-pipeline", "earshot · Pipeline health", "pipeline-health.json",
		"The earshot processes from Prometheus: ingest, enrich and sink throughput, latency, dead letters and retries.",
		"**Pipeline health** (Prometheus) — records published per source and rejected by reason, live "+
			"sources' connections and the age of their last event, enrich in/out rate and batch latency, sink "+
			"rows inserted, batch size and insert latency (p50/p90), dead-lettered records by stage and "+
			"reason, whether the sink is retrying ClickHouse, consumer lag, and how saturated enrich and "+
			"the sink's ClickHouse inserts are.")
	d.Time = TimeRange{From: "now-6h", To: "now"}
	d.Refresh = "30s"
	r := "[$__rate_interval]"
	d.Panels = ordered(
		promPanel("Ingest: records published per source", "", GridPos{0, 0, 12, 8}, "ops",
			promTarget("A", "sum by (source) (rate(earshot_ingest_records_published_total"+r+"))", "{{source}}")),
		promPanel("Ingest: records rejected", "Rows a source could not map, by reason.", GridPos{12, 0, 12, 8}, "ops",
			promTarget("A", "sum by (source, reason) (rate(earshot_ingest_records_rejected_total"+r+"))", "{{source}} {{reason}}"),
			promTarget("B", "sum by (source) (rate(earshot_ingest_publish_errors_total"+r+"))", "{{source}} publish errors")),
		promPanel("Live sources: connected, seconds since last event", "", GridPos{0, 8, 12, 8}, "s",
			promTarget("A", "time() - max by (source) (earshot_ingest_last_event_timestamp_seconds)", "{{source}} age"),
			promTarget("B", "max by (source) (earshot_ingest_connected)", "{{source}} connected")),
		promPanel("Enrich: records in / out", "", GridPos{12, 8, 12, 8}, "ops",
			promTarget("A", "sum(rate(earshot_enrich_records_in_total"+r+"))", "in"),
			promTarget("B", "sum(rate(earshot_enrich_records_out_total"+r+"))", "out")),
		promPanel("Enrich: batch latency p90", "", GridPos{0, 16, 12, 8}, "s",
			promTarget("A", "histogram_quantile(0.9, sum by (le) (rate(earshot_enrich_batch_enrich_duration_seconds_bucket"+r+")))", "enrich p90"),
			promTarget("B", "histogram_quantile(0.9, sum by (le) (rate(earshot_enrich_batch_deliver_duration_seconds_bucket"+r+")))", "deliver p90")),
		promPanel("Sink: rows inserted", "", GridPos{12, 16, 12, 8}, "ops",
			promTarget("A", "sum(rate(earshot_sink_rows_inserted_total"+r+"))", "rows/s"),
			promTarget("B", "sum(rate(earshot_sink_messages_total"+r+"))", "messages/s")),
		promPanel("Sink: insert latency and batch size", "", GridPos{0, 24, 12, 8}, "s",
			promTarget("A", "histogram_quantile(0.5, sum by (le) (rate(earshot_sink_insert_duration_seconds_bucket"+r+")))", "insert p50"),
			promTarget("B", "histogram_quantile(0.9, sum by (le) (rate(earshot_sink_insert_duration_seconds_bucket"+r+")))", "insert p90"),
			promTarget("C", "sum(rate(earshot_sink_batch_rows_sum"+r+")) / sum(rate(earshot_sink_batch_rows_count"+r+"))", "rows per batch")),
		promPanel("Dead letters", "Records sent to earshot.mentions.dlq, by stage and reason.", GridPos{12, 24, 12, 8}, "ops",
			promTarget("A", "sum by (reason) (rate(earshot_enrich_dlq_total"+r+"))", "enrich {{reason}}"),
			promTarget("B", "sum by (reason) (rate(earshot_sink_dlq_total"+r+"))", "sink {{reason}}")),
		promPanel("Sink retrying, errors", "1 while the sink retries ClickHouse; insert and commit errors.", GridPos{0, 32, 12, 8}, "short",
			promTarget("A", "max(earshot_sink_retrying)", "retrying"),
			promTarget("B", "sum by (kind) (rate(earshot_sink_insert_errors_total"+r+"))", "insert errors {{kind}}"),
			promTarget("C", "sum(rate(earshot_sink_commit_errors_total"+r+")) + sum(rate(earshot_enrich_commit_errors_total"+r+"))", "commit errors")),
		promPanel("Consumer lag", "Records each consumer group has not committed yet (enrich on the raw topic, sink on the enriched topic).", GridPos{12, 32, 12, 8}, "short",
			promTarget("A", "max by (group, topic) (earshot_kafka_consumer_lag_records)", "{{group}} on {{topic}}")),
		promPanel("Stage saturation",
			"How full each worker is, per process: enrich, the fraction of time it spends enriching batches; sink, how full its insert slots are "+
				"(insert seconds per second ÷ sink.insert_concurrency). Near 100 % the stage has no time to spare and lag follows: "+
				"add enrich replicas or cores for enrich, ClickHouse cores or shards for the sink (alerts EarshotEnrichSaturated, "+
				"EarshotClickHouseInsertsSaturated; `earshot bench e2e` reports the same ratios).",
			GridPos{0, 40, 24, 8}, "percentunit",
			promTarget("A", "max by (instance) (rate(earshot_enrich_batch_enrich_duration_seconds_sum"+r+"))", "enrich {{instance}}"),
			promTarget("B", "max by (instance) (rate(earshot_sink_insert_duration_seconds_sum"+r+") / earshot_sink_insert_slots)", "sink inserts {{instance}}")),
	)
	return d
}
