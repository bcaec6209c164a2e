package main

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/report"
)

// TestExampleConfigReportSection: deploy/earshot.example.yaml documents the
// report section with every key the code reads, strictly decoded, valid,
// and equal to report.DefaultConfig — every key written out.
func TestExampleConfigReportSection(t *testing.T) {
	f, err := config.Load(filepath.Join("..", "..", "deploy", "earshot.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Has("report") {
		t.Fatal(`the example has no "report" section`)
	}
	// Decoded into the zero value: a key the example leaves out stays zero
	// and differs from the default.
	var got report.Config
	if err := f.Section("report", &got); err != nil {
		t.Fatal(err)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
	if want := report.DefaultConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("report differs from the defaults:\n got %+v\nwant %+v", got, want)
	}
}
