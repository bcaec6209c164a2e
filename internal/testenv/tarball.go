package testenv

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"testing"
)

// Tarball returns a gzip-compressed tar (what `npm pack` writes) of the
// members given as name, body pairs, for tests of the readers of npm
// packages.
func Tarball(tb testing.TB, members ...string) []byte {
	tb.Helper()
	if len(members)%2 != 0 {
		tb.Fatalf("testenv.Tarball: %d arguments, want name, body pairs", len(members))
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i := 0; i < len(members); i += 2 {
		if err := tw.WriteHeader(&tar.Header{Name: members[i], Mode: 0o644, Size: int64(len(members[i+1])), Typeflag: tar.TypeReg}); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write([]byte(members[i+1])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
