package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/ingest/bluesky"
	httpingest "github.com/earshot-dev/earshot/ingest/http"
	"github.com/earshot-dev/earshot/ingest/mastodon"
	"github.com/earshot-dev/earshot/ingest/reddit"
	"github.com/earshot-dev/earshot/ingest/rss"
	"github.com/earshot-dev/earshot/ingest/x"
	chsink "github.com/earshot-dev/earshot/sink/clickhouse"

	"github.com/earshot-dev/earshot/config"
)

// TestExampleConfigIsCompleteAndDefault decodes deploy/earshot.example.yaml
// strictly through every section the subcommands read: every key it
// documents exists, every value validates, and every value is the default
// the code uses — so the example cannot drift from the code.
func TestExampleConfigIsCompleteAndDefault(t *testing.T) {
	for _, k := range []string{"EARSHOT_KAFKA_BROKERS", "EARSHOT_CLICKHOUSE_ADDR", "EARSHOT_CLICKHOUSE_DATABASE",
		"EARSHOT_CLICKHOUSE_USER", "EARSHOT_CLICKHOUSE_PASSWORD", "EARSHOT_REGISTRY", "EARSHOT_LOG_LEVEL", "EARSHOT_METRICS_ADDR"} {
		if v, ok := os.LookupEnv(k); ok {
			t.Setenv(k, v)
			os.Unsetenv(k)
		}
	}
	f, err := config.Load(filepath.Join("..", "..", "deploy", "earshot.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	common, err := f.Common()
	if err != nil {
		t.Fatal(err)
	}
	if err := common.Validate(); err != nil {
		t.Fatal(err)
	}
	if want := config.Defaults(); !reflect.DeepEqual(common, want) {
		t.Errorf("common sections differ from the defaults:\n got %+v\nwant %+v", common, want)
	}

	ing := defaultIngestSection()
	if err := f.Section("ingest", &ing); err != nil {
		t.Fatal(err)
	}
	if want := defaultIngestSection(); !reflect.DeepEqual(ing, want) {
		t.Errorf("ingest differs from the defaults:\n got %+v\nwant %+v", ing, want)
	}

	enr := defaultEnrichSection()
	if err := f.Section("enrich", &enr); err != nil {
		t.Fatal(err)
	}
	if err := enr.Validate(); err != nil {
		t.Fatal(err)
	}
	if want := defaultEnrichSection(); !reflect.DeepEqual(enr, want) {
		t.Errorf("enrich differs from the defaults:\n got %+v\nwant %+v", enr, want)
	}

	snk := chsink.DefaultConfig()
	if err := f.Section("sink", &snk); err != nil {
		t.Fatal(err)
	}
	if err := snk.Validate(); err != nil {
		t.Fatal(err)
	}
	if want := chsink.DefaultConfig(); !reflect.DeepEqual(snk, want) {
		t.Errorf("sink differs from the defaults:\n got %+v\nwant %+v", snk, want)
	}

	det := detect.DefaultRunnerConfig()
	if err := f.Section("detect", &det); err != nil {
		t.Fatal(err)
	}
	if err := det.Validate(); err != nil {
		t.Fatal(err)
	}
	if want := detect.DefaultRunnerConfig(); !reflect.DeepEqual(det, want) {
		t.Errorf("detect differs from the defaults:\n got %+v\nwant %+v", det, want)
	}

	// The live sources: every documented key exists and the example is valid.
	for name, cfg := range map[string]interface{ Validate() error }{
		"ingest_http":     ptr(httpingest.DefaultConfig()),
		"ingest_rss":      ptr(rss.DefaultConfig()),
		"ingest_bluesky":  ptr(bluesky.DefaultConfig()),
		"ingest_mastodon": ptr(mastodon.DefaultConfig()),
		"ingest_x":        ptr(x.DefaultConfig()),
		"ingest_reddit":   ptr(reddit.DefaultConfig()),
	} {
		if err := f.Section(name, cfg); err != nil {
			t.Error(err)
		} else if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	for _, name := range []string{"kafka", "clickhouse", "registry", "log", "metrics_addr", "pprof", "ingest", "enrich", "sink",
		"detect", "ingest_http", "ingest_rss", "ingest_bluesky", "ingest_mastodon", "ingest_x", "ingest_reddit"} {
		if !f.Has(name) {
			t.Errorf("the example has no %q section", name)
		}
	}
}

func ptr[T any](v T) *T { return &v }
