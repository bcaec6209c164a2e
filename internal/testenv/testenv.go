// Package testenv gives tests of other packages the real servers they run
// against: a ClickHouse database of their own on the local stack's
// ClickHouse server (or on EARSHOT_TEST_CLICKHOUSE_ADDR), an in-process
// Kafka broker (the librdkafka mock cluster) with earshot's topics, the
// repository root and the shared data sets.
package testenv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/earshot-dev/earshot/localstack"
)

// RepoRoot returns the repository root (the directory of earshot's go.mod
// above the test's working directory).
func RepoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("testenv: working directory: %v", err)
	}
	root, ok := localstack.RepoRoot(wd)
	if !ok {
		t.Fatalf("testenv: no go.mod above %s", wd)
	}
	return root
}

// Datasets returns the shared data sets directory, ../shared/datasets
// beside the repository root, and skips the test when it is absent (the
// data is never copied into the repository).
func Datasets(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(filepath.Dir(RepoRoot(t)), "shared", "datasets")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("testenv: data sets not found at %s", dir)
	}
	return dir
}
