package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/report"
	chsink "github.com/earshot-dev/earshot/sink/clickhouse"
)

// FuzzConfigSections: whatever the configuration file holds, every
// stage's section (ingest with its sources, enrich, sink, detect, report)
// decodes over its defaults and validates, or fails with an error — never
// a panic — and Validate is deterministic. config.FuzzLoad covers the
// file and the common sections; this covers the stages' own.
func FuzzConfigSections(f *testing.F) {
	for _, seed := range []string{
		"",
		"ingest:\n  publisher:\n    batch_size: 10\n  replay:\n    speed: 2\n    csv:\n      map: {text: body}\n",
		"ingest:\n  simulate:\n    days: 0\n    volume: -1\n",
		"enrich:\n  workers: 0\n  batch_size: 99999999\n  pii:\n    kinds: [email, nope]\n",
		"sink:\n  batch_rows: 0\n  flush_interval: -1s\n",
		"sink: {group: ''}\n",
		"detect:\n  bucket: 7m\n  min_volume: -3\n",
		"report:\n  formats: [pdf]\n",
		"enrich: [1, 2]\n",
		"ingest: &a\n  x: *a\n",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "earshot.yaml")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := config.Load(p)
		if err != nil {
			return
		}
		validate := func(name string, v interface{ Validate() error }) {
			if file.Section(name, v) != nil {
				return
			}
			e1, e2 := v.Validate(), v.Validate()
			if (e1 == nil) != (e2 == nil) {
				t.Fatalf("%s: Validate is not deterministic: %v then %v", name, e1, e2)
			}
		}
		ing := defaultIngestSection()
		validate("ingest", &ing)
		enr := defaultEnrichSection()
		validate("enrich", &enr)
		snk := chsink.DefaultConfig()
		validate("sink", &snk)
		det := detect.DefaultRunnerConfig()
		validate("detect", &det)
		rep := report.DefaultConfig()
		validate("report", &rep)
	})
}
