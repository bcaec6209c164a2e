package storage_test

import (
	"reflect"
	"testing"

	"github.com/earshot-dev/earshot/storage"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"comments only", "-- a\n-- b;\n\n", nil},
		{"one without semicolon", "SELECT 1", []string{"SELECT 1"}},
		{"two", "SELECT 1;\nSELECT 2;\n", []string{"SELECT 1", "SELECT 2"}},
		{"trailing blanks and comment", "SELECT 1;  -- first\nSELECT 2;\t\r\n", []string{"SELECT 1", "SELECT 2"}},
		{"mid-line semicolon does not split", "SELECT 1; SELECT 2;\n", []string{"SELECT 1; SELECT 2"}},
		{"semicolon at line end inside a string", "SELECT 'a;\nb';\nSELECT 2", []string{"SELECT 'a;\nb'", "SELECT 2"}},
		{"escaped quote in a string", "SELECT 'it\\'s;\n';\nSELECT 2", []string{"SELECT 'it\\'s;\n'", "SELECT 2"}},
		{"doubled quote in a string", "SELECT 'it''s;\n';\nSELECT 2", []string{"SELECT 'it''s;\n'", "SELECT 2"}},
		{"backquoted identifier", "SELECT 1 AS `a;\n`;\nSELECT 2", []string{"SELECT 1 AS `a;\n`", "SELECT 2"}},
		{"semicolon in a line comment", "SELECT 1 -- not here;\n+ 1;\n", []string{"SELECT 1 -- not here;\n+ 1"}},
		{"semicolon in a block comment", "SELECT /* x;\n */ 1;\n", []string{"SELECT /* x;\n */ 1"}},
		{"leading comment kept with its statement", "-- head\nCREATE TABLE t (a UInt8);\n", []string{"-- head\nCREATE TABLE t (a UInt8)"}},
		{"multi-line statement", "CREATE TABLE t\n(\n  a UInt8\n)\nENGINE = Memory;\n", []string{"CREATE TABLE t\n(\n  a UInt8\n)\nENGINE = Memory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := storage.SplitStatements(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SplitStatements(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}
