// Package dashboards generates, lints and renders earshot's Grafana
// dashboards: provisioned JSON for the official ClickHouse data source
// plugin (grafana-clickhouse-datasource) and for Prometheus, built from the
// SQL of package analytics so that the dashboards, the CLI and the report
// compute every number the same way.
//
// `earshot dashboards generate` writes the files under dashboards/; a test
// regenerates them into a temporary directory and fails on drift.
package dashboards

// Data source UIDs the provisioning file declares and every panel uses.
const (
	ClickHouseUID  = "earshot-clickhouse"
	PrometheusUID  = "earshot-prometheus"
	ClickHouseType = "grafana-clickhouse-datasource"
	PrometheusType = "prometheus"
)

// Query formats of the ClickHouse plugin (its Format enum).
const (
	FormatTimeSeries = 0
	FormatTable      = 1
)

// Shape is what a panel needs from its query's result, checked by the
// tests on the real servers.
type Shape string

// Shapes.
const (
	// ShapeTimeSeries: a DateTime column named t first, then numeric
	// columns (and optionally one String series label column).
	ShapeTimeSeries Shape = "timeseries"
	// ShapeTable: named columns (the panel's Columns, in order).
	ShapeTable Shape = "table"
	// ShapeHeatmap: a day column and 24 numeric hour columns h00 … h23,
	// seven rows at most.
	ShapeHeatmap Shape = "heatmap"
	// ShapeAnnotation: time, timeEnd (DateTime), text and tags (String).
	ShapeAnnotation Shape = "annotation"
)

// Dashboard is a Grafana dashboard (JSON model, schemaVersion 39).
type Dashboard struct {
	UID           string      `json:"uid"`
	Title         string      `json:"title"`
	Description   string      `json:"description"`
	Tags          []string    `json:"tags"`
	Timezone      string      `json:"timezone"`
	SchemaVersion int         `json:"schemaVersion"`
	Version       int         `json:"version"`
	Editable      bool        `json:"editable"`
	GraphTooltip  int         `json:"graphTooltip"`
	Refresh       string      `json:"refresh"`
	Time          TimeRange   `json:"time"`
	Templating    Templating  `json:"templating"`
	Annotations   Annotations `json:"annotations"`
	Links         []Link      `json:"links"`
	Panels        []*Panel    `json:"panels"`
	file          string      // the file name under json/
	readme        string      // the README text of its purpose
	needsAlerts   bool        // an annotation reads the alerts table
}

// TimeRange is the default time range.
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Templating holds the variables.
type Templating struct {
	List []*Variable `json:"list"`
}

// Annotations holds the annotation queries.
type Annotations struct {
	List []*Annotation `json:"list"`
}

// Link is a dashboard link.
type Link struct {
	Title       string   `json:"title"`
	Type        string   `json:"type"`
	Tags        []string `json:"tags"`
	AsDropdown  bool     `json:"asDropdown"`
	IncludeVars bool     `json:"includeVars"`
	KeepTime    bool     `json:"keepTime"`
}

// DataSource references a provisioned data source by UID.
type DataSource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Variable is a dashboard variable.
type Variable struct {
	Name        string      `json:"name"`
	Label       string      `json:"label"`
	Type        string      `json:"type"` // query, custom
	Description string      `json:"description,omitempty"`
	DataSource  *DataSource `json:"datasource,omitempty"`
	Query       string      `json:"query"`
	Definition  string      `json:"definition,omitempty"`
	Refresh     int         `json:"refresh,omitempty"` // 2: on time range change
	Sort        int         `json:"sort,omitempty"`
	Multi       bool        `json:"multi"`
	IncludeAll  bool        `json:"includeAll"`
	Current     *Current    `json:"current,omitempty"`
	Options     []Option    `json:"options,omitempty"`
	// Sample is the value the tests substitute.
	Sample string `json:"-"`
}

// Current is a variable's current value.
type Current struct {
	Text  string `json:"text"`
	Value string `json:"value"`
}

// Option is a custom variable's option.
type Option struct {
	Text     string `json:"text"`
	Value    string `json:"value"`
	Selected bool   `json:"selected"`
}

// Annotation is an annotation query.
type Annotation struct {
	Name       string      `json:"name"`
	DataSource *DataSource `json:"datasource"`
	Enable     bool        `json:"enable"`
	Hide       bool        `json:"hide"`
	IconColor  string      `json:"iconColor"`
	BuiltIn    int         `json:"builtIn,omitempty"`
	Type       string      `json:"type,omitempty"`
	Target     *Target     `json:"target,omitempty"`
}

// GridPos places a panel on the 24-column grid.
type GridPos struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Panel is a dashboard panel.
type Panel struct {
	ID          int            `json:"id"`
	Type        string         `json:"type"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	GridPos     GridPos        `json:"gridPos"`
	DataSource  *DataSource    `json:"datasource,omitempty"`
	Targets     []*Target      `json:"targets,omitempty"`
	FieldConfig map[string]any `json:"fieldConfig,omitempty"`
	Options     map[string]any `json:"options,omitempty"`
	// Shape and Columns are what the tests check the query result against.
	Shape   Shape    `json:"-"`
	Columns []string `json:"-"`
}

// Target is a panel query: rawSql for ClickHouse, expr for Prometheus.
type Target struct {
	RefID        string      `json:"refId"`
	DataSource   *DataSource `json:"datasource"`
	EditorType   string      `json:"editorType,omitempty"`
	QueryType    string      `json:"queryType,omitempty"`
	Format       *int        `json:"format,omitempty"`
	RawSQL       string      `json:"rawSql,omitempty"`
	Expr         string      `json:"expr,omitempty"`
	LegendFormat string      `json:"legendFormat,omitempty"`
	Range        bool        `json:"range,omitempty"`
}

// File is the dashboard's file name under json/.
func (d *Dashboard) File() string { return d.file }

// Readme is the README text of the dashboard's purpose.
func (d *Dashboard) Readme() string { return d.readme }

// NeedsAlerts reports whether an annotation of d reads the alerts table.
func (d *Dashboard) NeedsAlerts() bool { return d.needsAlerts }

var (
	chDS   = &DataSource{Type: ClickHouseType, UID: ClickHouseUID}
	promDS = &DataSource{Type: PrometheusType, UID: PrometheusUID}
)

func intp(v int) *int { return &v }

func sqlTarget(ref string, format int, sql string) *Target {
	qt := "table"
	if format == FormatTimeSeries {
		qt = "timeseries"
	}
	return &Target{RefID: ref, DataSource: chDS, EditorType: "sql", QueryType: qt, Format: intp(format), RawSQL: sql}
}

func promTarget(ref, expr, legend string) *Target {
	return &Target{RefID: ref, DataSource: promDS, Expr: expr, LegendFormat: legend, Range: true}
}
