package report

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoChromium is returned when no headless Chromium is found.
var ErrNoChromium = errors.New("report: headless Chromium not found; install the Debian package chromium (scripts/install-deps.sh) or set report.chromium.path")

// Chromium runs headless Chromium: PDF printing and screenshots of the
// HTML report.
type Chromium struct {
	Path    string        // "" looks on PATH (chromium, chromium-browser, google-chrome)
	Timeout time.Duration // per run (default 60s)
}

// FindChromium returns the browser's path: path when set, else the first
// of chromium, chromium-browser, google-chrome, google-chrome-stable on
// PATH.
func FindChromium(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("%w (%s: %v)", ErrNoChromium, path, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// PDF prints htmlPath to pdfPath (A4, the page rules of the style sheet).
func (c Chromium) PDF(ctx context.Context, htmlPath, pdfPath string) error {
	out, err := filepath.Abs(pdfPath)
	if err != nil {
		return err
	}
	if err := c.run(ctx, htmlPath, "--no-pdf-header-footer", "--print-to-pdf="+out); err != nil {
		return err
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		return fmt.Errorf("report: chromium wrote no PDF to %s", out)
	}
	return nil
}

// Screenshot saves a PNG of the HTML's top width×height pixels.
func (c Chromium) Screenshot(ctx context.Context, htmlPath, pngPath string, width, height int) error {
	out, err := filepath.Abs(pngPath)
	if err != nil {
		return err
	}
	if err := c.run(ctx, htmlPath, "--hide-scrollbars", fmt.Sprintf("--window-size=%d,%d", width, height), "--screenshot="+out); err != nil {
		return err
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		return fmt.Errorf("report: chromium wrote no screenshot to %s", out)
	}
	return nil
}

// run runs Chromium headless on the file with a fresh profile directory
// (removed afterwards) and the timeout.
func (c Chromium) run(ctx context.Context, htmlPath string, args ...string) error {
	bin, err := FindChromium(c.Path)
	if err != nil {
		return err
	}
	in, err := filepath.Abs(htmlPath)
	if err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "earshot-chromium-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
		"--user-data-dir=" + profile}, args...)
	all = append(all, "file://"+in)
	cmd := exec.CommandContext(ctx, bin, all...)
	cmd.Env = append(os.Environ(), "HOME="+profile) // chromium writes caches under $HOME
	cmd.WaitDelay = 5 * time.Second
	outb, err := cmd.CombinedOutput()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("report: chromium did not finish within %s (report.chromium.timeout)", timeout)
	}
	if err != nil {
		return fmt.Errorf("report: chromium %s: %w: %s", strings.Join(args, " "), err, lastLines(string(outb), 5))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
