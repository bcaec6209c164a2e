package dashboards

import (
	"fmt"
	"strings"
)

// Lint checks a dashboard's JSON model: a uid and title, panel ids unique
// and positive, every data source reference a provisioned UID (and a
// target's the same as its panel's), grid positions inside the 24 columns
// and not overlapping, variable names unique, and every variable a query
// uses defined. It returns every problem found.
func Lint(d *Dashboard) []error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("dashboard %s: "+format, append([]any{d.UID}, a...)...))
	}
	if d.UID == "" || d.Title == "" {
		bad("uid and title are required")
	}
	if len(d.UID) > 40 {
		bad("uid %q is longer than Grafana's 40 characters", d.UID)
	}
	known := map[string]string{ClickHouseUID: ClickHouseType, PrometheusUID: PrometheusType}
	checkDS := func(where string, ds *DataSource) {
		if ds == nil {
			bad("%s has no data source", where)
			return
		}
		if ds.Type == "grafana" && ds.UID == "-- Grafana --" {
			return
		}
		if t, ok := known[ds.UID]; !ok || t != ds.Type {
			bad("%s uses data source %s/%s, not one of the provisioned %s/%s, %s/%s", where, ds.Type, ds.UID, ClickHouseType, ClickHouseUID, PrometheusType, PrometheusUID)
		}
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		if vars[v.Name] {
			bad("variable %q is defined twice", v.Name)
		}
		vars[v.Name] = true
		if v.Type == "query" {
			checkDS("variable "+v.Name, v.DataSource)
			if strings.TrimSpace(v.Query) == "" {
				bad("variable %q has no query", v.Name)
			}
		}
	}
	checkVars := func(where, q string) {
		for _, n := range Variables(q) {
			if !vars[n] {
				bad("%s uses variable $%s that the dashboard does not define", where, n)
			}
		}
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			checkVars("variable "+v.Name, v.Query)
		}
	}
	for _, a := range d.Annotations.List {
		checkDS("annotation "+a.Name, a.DataSource)
		if a.Target != nil {
			checkVars("annotation "+a.Name, a.Target.RawSQL)
		}
	}
	ids := map[int]string{}
	for i, p := range d.Panels {
		where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if p.ID <= 0 {
			bad("%s: id must be positive", where)
		}
		if other, ok := ids[p.ID]; ok {
			bad("%s: id %d is also panel %q's", where, p.ID, other)
		}
		ids[p.ID] = p.Title
		if p.Title == "" {
			bad("panel %d has no title", p.ID)
		}
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			bad("%s: gridPos %+v is outside the 24-column grid", where, g)
		}
		for _, q := range d.Panels[:i] {
			h := q.GridPos
			if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
				bad("%s overlaps panel %d %q (%+v and %+v)", where, q.ID, q.Title, g, h)
			}
		}
		checkDS(where, p.DataSource)
		if len(p.Targets) == 0 {
			bad("%s has no query", where)
		}
		refs := map[string]bool{}
		for _, t := range p.Targets {
			checkDS(where+" target "+t.RefID, t.DataSource)
			if t.DataSource != nil && p.DataSource != nil && *t.DataSource != *p.DataSource {
				bad("%s: target %s uses another data source than its panel", where, t.RefID)
			}
			if refs[t.RefID] {
				bad("%s: refId %s twice", where, t.RefID)
			}
			refs[t.RefID] = true
			switch {
			case t.DataSource != nil && t.DataSource.UID == ClickHouseUID:
				if strings.TrimSpace(t.RawSQL) == "" || t.Format == nil {
					bad("%s: target %s has no rawSql or format", where, t.RefID)
				}
				checkVars(where, t.RawSQL)
			case t.DataSource != nil && t.DataSource.UID == PrometheusUID:
				if strings.TrimSpace(t.Expr) == "" {
					bad("%s: target %s has no expr", where, t.RefID)
				}
				checkVars(where, t.Expr)
			}
		}
	}
	return errs
}
