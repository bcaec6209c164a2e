package ingest

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress modes.
const (
	ProgressAuto = "auto" // a bar when stderr is a terminal, log lines otherwise
	ProgressBar  = "bar"
	ProgressLog  = "log"
	ProgressNone = "none"
)

// ValidProgressMode reports whether s is a progress mode.
func ValidProgressMode(s string) bool {
	switch s {
	case ProgressAuto, ProgressBar, ProgressLog, ProgressNone:
		return true
	}
	return false
}

// Progress reports how far a bounded job is: a progress bar with rate and
// ETA on a terminal, or one log line per interval otherwise (never one per
// record).
type Progress struct {
	mu       sync.Mutex
	bar      *progressbar.ProgressBar
	log      *slog.Logger
	what     string
	total    int64
	done     int64
	start    time.Time
	last     time.Time
	interval time.Duration
}

// NewProgress reports on w (normally os.Stderr) in the given mode for a job
// of total units ("records"). interval spaces the log lines.
func NewProgress(w io.Writer, mode string, total int64, what string, log *slog.Logger, interval time.Duration) *Progress {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if interval <= 0 {
		interval = 10 * time.Second
	}
	now := time.Now()
	p := &Progress{log: log, what: what, total: total, start: now, last: now, interval: interval}
	if mode == ProgressAuto {
		mode = ProgressLog
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = ProgressBar
		}
	}
	switch mode {
	case ProgressBar:
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(what),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionClearOnFinish(),
		)
	case ProgressNone:
		p.log = nil
	}
	return p
}

// Add records n more units done.
func (p *Progress) Add(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += int64(n)
	if p.bar != nil {
		_ = p.bar.Add(n)
		return
	}
	if p.log == nil {
		return
	}
	if now := time.Now(); now.Sub(p.last) >= p.interval {
		p.last = now
		p.logLocked("progress", now)
	}
}

// Finish closes the bar (or logs the last line).
func (p *Progress) Finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		return
	}
}

func (p *Progress) logLocked(msg string, now time.Time) {
	el := now.Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.done) / el
	}
	attrs := []any{p.what, p.done, "total", p.total, "rate_per_s", fmt.Sprintf("%.0f", rate)}
	if p.total > 0 {
		attrs = append(attrs, "percent", fmt.Sprintf("%.1f", 100*float64(p.done)/float64(p.total)))
		if rate > 0 && p.done < p.total {
			attrs = append(attrs, "eta", (time.Duration(float64(p.total-p.done) / rate * float64(time.Second))).Round(time.Second).String())
		}
	}
	p.log.Info(msg, attrs...)
}
