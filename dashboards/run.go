package dashboards

import (
	"context"
	"fmt"
	"reflect"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Column is a result column: its name and ClickHouse type.
type Column struct {
	Name, Type string
}

// Result is a query's result, the values as the driver scans them (a
// Nullable column gives pointers, nil for NULL).
type Result struct {
	Columns []Column
	Rows    [][]any
}

// Run runs an expanded panel query on conn.
func Run(ctx context.Context, conn driver.Conn, sql string) (*Result, error) {
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := &Result{}
	types := rows.ColumnTypes()
	for _, ct := range types {
		res.Columns = append(res.Columns, Column{Name: ct.Name(), Type: ct.DatabaseTypeName()})
	}
	for rows.Next() {
		ptrs := make([]any, len(types))
		for i, ct := range types {
			ptrs[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		row := make([]any, len(ptrs))
		for i, p := range ptrs {
			row[i] = reflect.ValueOf(p).Elem().Interface()
		}
		res.Rows = append(res.Rows, row)
	}
	return res, rows.Err()
}

// Index returns the position of column name, or -1.
func (r *Result) Index(name string) int {
	for i, c := range r.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}
