package dashboards

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// CodeMetrics returns the Prometheus metric names the Go code under root
// defines: every composite literal with Namespace, Subsystem and Name
// fields (prometheus.CounterOpts, GaugeOpts, HistogramOpts, …), with
// string constants resolved within their package and across packages by
// package name (telemetry.Namespace). Test files are skipped.
func CodeMetrics(root string) (map[string]bool, error) {
	fset := token.NewFileSet()
	type file struct {
		pkgDir string
		f      *ast.File
	}
	var files []file
	consts := map[string]map[string]ast.Expr{} // package dir → name → value
	pkgDirs := map[string][]string{}           // package name → dirs
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			return nil // a file being edited elsewhere; its metrics are not counted
		}
		dir := filepath.Dir(path)
		files = append(files, file{dir, f})
		if consts[dir] == nil {
			consts[dir] = map[string]ast.Expr{}
			pkgDirs[f.Name.Name] = append(pkgDirs[f.Name.Name], dir)
		}
		collectConsts(f, consts[dir])
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Constants local to a function (const ns, sub = …) are collected too.
	var resolve func(dir string, e ast.Expr, depth int) (string, bool)
	resolve = func(dir string, e ast.Expr, depth int) (string, bool) {
		if depth > 8 {
			return "", false
		}
		switch x := e.(type) {
		case *ast.BasicLit:
			if x.Kind == token.STRING {
				s, err := strconv.Unquote(x.Value)
				return s, err == nil
			}
		case *ast.Ident:
			if v, ok := consts[dir][x.Name]; ok {
				return resolve(dir, v, depth+1)
			}
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok {
				for _, d := range pkgDirs[id.Name] {
					if v, ok := consts[d][x.Sel.Name]; ok {
						return resolve(d, v, depth+1)
					}
				}
			}
		}
		return "", false
	}
	out := map[string]bool{}
	for _, fl := range files {
		ast.Inspect(fl.f, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			fields := map[string]ast.Expr{}
			for _, el := range cl.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					if k, ok := kv.Key.(*ast.Ident); ok {
						fields[k.Name] = kv.Value
					}
				}
			}
			name, ok := fields["Name"]
			if !ok {
				return true
			}
			if _, ok := fields["Help"]; !ok {
				if _, ok := fields["Namespace"]; !ok {
					return true
				}
			}
			var parts []string
			for _, k := range []string{"Namespace", "Subsystem"} {
				if e, ok := fields[k]; ok {
					v, ok := resolve(fl.pkgDir, e, 0)
					if !ok {
						return true
					}
					if v != "" {
						parts = append(parts, v)
					}
				}
			}
			v, ok := resolve(fl.pkgDir, name, 0)
			if !ok || v == "" {
				return true
			}
			out[strings.Join(append(parts, v), "_")] = true
			return true
		})
	}
	return out, nil
}

func collectConsts(f *ast.File, into map[string]ast.Expr) {
	ast.Inspect(f, func(n ast.Node) bool {
		gd, ok := n.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			return true
		}
		for _, sp := range gd.Specs {
			vs, ok := sp.(*ast.ValueSpec)
			if !ok {
				continue
			}
			for i, name := range vs.Names {
				if i < len(vs.Values) {
					into[name.Name] = vs.Values[i]
				}
			}
		}
		return true
	})
}

var promMetricRe = regexp.MustCompile(`\bearshot_[a-zA-Z0-9_]+`)

// PromMetrics returns the earshot metric names a PromQL expression uses.
func PromMetrics(expr string) []string {
	return promMetricRe.FindAllString(expr, -1)
}

// MissingMetrics returns the metrics the dashboards' Prometheus queries use
// that the code does not define (a histogram's _bucket, _sum and _count
// series count as its name).
func MissingMetrics(ds []*Dashboard, defined map[string]bool) []string {
	var missing []string
	seen := map[string]bool{}
	for _, d := range ds {
		for _, p := range d.Panels {
			for _, t := range p.Targets {
				for _, m := range PromMetrics(t.Expr) {
					base := m
					for _, suf := range []string{"_bucket", "_sum", "_count"} {
						if b, ok := strings.CutSuffix(m, suf); ok && defined[b] {
							base = b
						}
					}
					if !defined[base] && !seen[m] {
						seen[m] = true
						missing = append(missing, fmt.Sprintf("%s (dashboard %s, panel %q)", m, d.UID, p.Title))
					}
				}
			}
		}
	}
	sort.Strings(missing)
	return missing
}
