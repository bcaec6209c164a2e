package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/storage"
)

// FuzzLoad: whatever bytes the configuration file holds, Load and Common
// return values or errors, never panic, and Common is deterministic.
func FuzzLoad(f *testing.F) {
	clearEnv(f)
	for _, seed := range []string{
		"",
		fullFile,
		"kafka:\n  brokers: [a:1]\n  partitions: 3\n",
		"kafka:\n  brokerz: [a:1]\n",
		"kafka: ~\n",
		"kafka:\n  write_batch_timeout: 10\n",
		"x: &d\n  partitions: 3\nkafka:\n  <<: *d\n",
		"a: &a [*a]\nkafka: *a\n",
		"x: &x {dial_timeout: 1s}\nkafka: *x\nclickhouse: *x\nlog: *x\n",
		"kafka: {brokers: [a:1\n",
		"- a\n- b\n",
		"~\n",
		"---\nkafka: {}\n---\nlog: {level: debug}\n",
		"metrics_addr: {a: b}\nregistry: !!binary aGVsbG8=\n",
		"log:\n  level: !!int 3\n  json: yes\n",
		"clickhouse:\n  retention_months: 99999999999999999999\n",
		"kafka:\n  brokers: &b [x:1]\nclickhouse:\n  addr: *b\n",
		"\xef\xbb\xbfkafka: {}\n",
		"? [a, b]\n: c\n",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.yaml")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := config.Load(p)
		if err != nil {
			return
		}
		// Common reads clickhouse.password_file: do not let generated
		// input make it read a device or a huge file.
		var ch storage.Config
		if file.Section("clickhouse", &ch) == nil && ch.PasswordFile != "" && ch.Password == "" {
			if fi, err := os.Stat(ch.PasswordFile); err == nil && (!fi.Mode().IsRegular() || fi.Size() > 1<<20) {
				return
			}
		}
		c1, err1 := file.Common()
		c2, err2 := file.Common()
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("Common() is not deterministic: %v then %v", err1, err2)
		}
		if err1 == nil {
			if !reflect.DeepEqual(c1, c2) {
				t.Fatalf("Common() is not deterministic: %+v then %+v", c1, c2)
			}
			_ = c1.Validate()
		}
		for _, name := range []string{"kafka", "enrich", ""} {
			var v struct {
				A int               `yaml:"a"`
				B map[string]string `yaml:"b"`
			}
			_ = file.Section(name, &v)
			_ = file.Has(name)
		}
	})
}
