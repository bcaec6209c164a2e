package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Files are the paths written by WriteFiles, by format.
type Files map[string]string

// BaseName is the file name of a report without extension:
// earshot-report-klm-2026-W47.
func BaseName(r *Report) string { return fmt.Sprintf("earshot-report-%s-%s", r.Brand.ID, r.Week) }

// WriteFiles writes the report to dir in the formats (html, pdf, md). The
// PDF is printed from the HTML, which is written as well (it is the PDF's
// source and the e-mail attachment).
func WriteFiles(ctx context.Context, r *Report, dir string, formats []string, ch Chromium) (Files, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	want := map[string]bool{}
	for _, f := range formats {
		if err := checkFormat(f); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		want[f] = true
	}
	out := Files{}
	base := filepath.Join(dir, BaseName(r))
	if want["html"] || want["pdf"] {
		var b bytes.Buffer
		if err := WriteHTML(&b, r); err != nil {
			return nil, err
		}
		if err := writeFile(base+".html", b.Bytes()); err != nil {
			return nil, err
		}
		out["html"] = base + ".html"
	}
	if want["pdf"] {
		if err := ch.PDF(ctx, base+".html", base+".pdf"); err != nil {
			return out, err
		}
		out["pdf"] = base + ".pdf"
	}
	if want["md"] {
		var b bytes.Buffer
		if err := WriteMarkdown(&b, r, ""); err != nil {
			return nil, err
		}
		if err := writeFile(base+".md", b.Bytes()); err != nil {
			return nil, err
		}
		out["md"] = base + ".md"
	}
	return out, nil
}

// writeFile writes atomically (temporary file, rename).
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
