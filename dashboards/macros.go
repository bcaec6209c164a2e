package dashboards

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Expansion is what Grafana and the ClickHouse data source plugin
// substitute into a query before it reaches ClickHouse.
type Expansion struct {
	From, To time.Time
	// IntervalS is $__interval_s, whole seconds (at least 1).
	IntervalS int64
	// Vars are the dashboard variables' values.
	Vars map[string]string
}

var (
	timeFilterRe = regexp.MustCompile(`\$__timeFilter\(([^()]*)\)`)
	varRe        = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)
)

// Expand substitutes the plugin's macros exactly as the plugin expands them
// (DESIGN.md):
//
//	$__timeFilter(c)  →  c >= toDateTime(F) AND c <= toDateTime(T)
//	$__fromTime       →  toDateTime(F)
//	$__toTime         →  toDateTime(T)
//	$__interval_s     →  whole seconds
//
// with F and T the range in seconds since the epoch, then the variables
// as Grafana formats them: ${x:sqlstring} quoted with ' and quotes doubled,
// ${x} and $x as they are. A macro or variable it does not know is an
// error: the query would fail in Grafana too.
func Expand(sql string, e Expansion) (string, error) {
	if e.IntervalS < 1 {
		return "", fmt.Errorf("dashboards: $__interval_s must be ≥ 1 s, got %d", e.IntervalS)
	}
	from := "toDateTime(" + strconv.FormatInt(e.From.Unix(), 10) + ")"
	to := "toDateTime(" + strconv.FormatInt(e.To.Unix(), 10) + ")"
	out := timeFilterRe.ReplaceAllStringFunc(sql, func(m string) string {
		c := strings.TrimSpace(timeFilterRe.FindStringSubmatch(m)[1])
		return c + " >= " + from + " AND " + c + " <= " + to
	})
	out = strings.NewReplacer("$__fromTime", from, "$__toTime", to, "$__interval_s", strconv.FormatInt(e.IntervalS, 10)).Replace(out)
	if i := strings.Index(out, "$__"); i >= 0 {
		return "", fmt.Errorf("dashboards: unknown macro at %q", snippet(out, i))
	}
	var bad error
	out = varRe.ReplaceAllStringFunc(out, func(m string) string {
		g := varRe.FindStringSubmatch(m)
		name, format := g[1], g[2]
		if name == "" {
			name = g[3]
		}
		v, ok := e.Vars[name]
		if !ok {
			bad = fmt.Errorf("dashboards: variable $%s has no value", name)
			return m
		}
		switch format {
		case "":
			return v
		case "sqlstring":
			return "'" + strings.ReplaceAll(v, "'", "''") + "'"
		}
		bad = fmt.Errorf("dashboards: variable format %q of $%s is not supported", format, name)
		return m
	})
	if bad != nil {
		return "", bad
	}
	return out, nil
}

func snippet(s string, i int) string {
	end := min(len(s), i+30)
	return s[i:end]
}

// Variables returns the names of the variables a query uses.
func Variables(sql string) []string {
	sql = timeFilterRe.ReplaceAllString(sql, "")
	sql = strings.NewReplacer("$__fromTime", "", "$__toTime", "", "$__interval_s", "", "$__rate_interval", "").Replace(sql)
	seen := map[string]bool{}
	var out []string
	for _, g := range varRe.FindAllStringSubmatch(sql, -1) {
		n := g[1]
		if n == "" {
			n = g[3]
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
