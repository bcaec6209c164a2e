// Package bench measures earshot's stages on realistic data: the enrich
// chain in-process (`earshot bench enrich`) and the ClickHouse sink from
// Kafka against the clickhouse-client bulk load of the same rows (`earshot
// bench sink`). Each run prints name=value lines, the headline last.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/ingest/replay"
	"github.com/earshot-dev/earshot/ingest/simulate"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
)

// Report is a run's output: name=value lines, the headline last.
type Report struct {
	Lines []Line
}

// Line is one name=value line.
type Line struct{ Name, Value string }

func (r *Report) add(name, value string)   { r.Lines = append(r.Lines, Line{name, value}) }
func (r *Report) int(name string, v int64) { r.add(name, strconv.FormatInt(v, 10)) }
func (r *Report) float(name string, v float64, prec int) {
	r.add(name, strconv.FormatFloat(v, 'f', prec, 64))
}

// Value returns the named line's value.
func (r *Report) Value(name string) (string, bool) {
	for _, l := range r.Lines {
		if l.Name == name {
			return l.Value, true
		}
	}
	return "", false
}

// WriteTo writes one name=value line per line.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, l := range r.Lines {
		k, err := fmt.Fprintf(w, "%s=%s\n", l.Name, l.Value)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Corpus is a set of raw records, as the enrich stage reads them from
// earshot.mentions.raw.
type Corpus struct {
	Records [][]byte
	// Parts describes where the records came from, e.g. "simulated=25043".
	Parts []string
}

// Simulated returns the simulator's records for cfg (the default week when
// cfg is the zero value), generated in memory. A period that would end
// after now is simulated as of its end (every post of the period exists).
func Simulated(cfg simulate.Config, reg *registry.Registry) (*simulate.Simulation, error) {
	if cfg.Start == "" {
		cfg = simulate.DefaultConfig()
	}
	cfg.Progress = ingest.ProgressNone
	start, err := cfg.StartTime()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if until := start.AddDate(0, 0, cfg.Days); until.After(now) {
		now = until
	}
	return simulate.Generate(cfg, reg, now)
}

// EncodeAll encodes mentions as Mention v1 JSON.
func EncodeAll(ms []*mention.Mention) ([][]byte, error) {
	out := make([][]byte, len(ms))
	for i, m := range ms {
		v, err := mention.Encode(m)
		if err != nil {
			return nil, fmt.Errorf("bench: record %s: %w", m.ID, err)
		}
		out[i] = v
	}
	return out, nil
}

// captureWriter is a bus.Writer that keeps what is written, in memory.
type captureWriter struct {
	mu   sync.Mutex
	msgs [][]byte
}

func (w *captureWriter) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range msgs {
		w.msgs = append(w.msgs, append([]byte(nil), m.Value...))
	}
	return nil
}

func (w *captureWriter) Close() error { return nil }

// ReplayFile reads a file that `earshot ingest replay` reads (twcs CSV or
// JSONL) with the replay stage's own decoder, and returns the raw records
// it would publish.
func ReplayFile(ctx context.Context, path string) ([][]byte, error) {
	dir, err := os.MkdirTemp("", "earshot-bench-replay-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg := replay.DefaultConfig()
	cfg.Progress = ingest.ProgressNone
	cfg.StateDir = dir
	cfg.Checkpoint = filepath.Join(dir, "checkpoint.json")
	w := &captureWriter{}
	r, err := replay.New(cfg, replay.Options{Writer: w, Log: slog.New(slog.DiscardHandler), ProgressOut: io.Discard})
	if err != nil {
		return nil, err
	}
	if _, err := r.Run(ctx, path); err != nil {
		return nil, fmt.Errorf("bench: replay %s: %w", path, err)
	}
	return w.msgs, nil
}

// EnrichCorpus is the default corpus of `bench enrich`: the simulator's
// default week, plus the twcs sample when twcsPath names a readable file.
func EnrichCorpus(ctx context.Context, reg *registry.Registry, twcsPath string) (*Corpus, error) {
	sim, err := Simulated(simulate.Config{}, reg)
	if err != nil {
		return nil, err
	}
	recs, err := EncodeAll(sim.Mentions)
	if err != nil {
		return nil, err
	}
	c := &Corpus{Records: recs, Parts: []string{"simulated=" + strconv.Itoa(len(recs))}}
	if twcsPath != "" {
		if _, err := os.Stat(twcsPath); err == nil {
			tw, err := ReplayFile(ctx, twcsPath)
			if err != nil {
				return nil, err
			}
			c.Records = interleave(c.Records, tw)
			c.Parts = append(c.Parts, filepath.Base(twcsPath)+"="+strconv.Itoa(len(tw)))
		}
	}
	return c, nil
}

// interleave mixes b into a evenly, so that every stretch of the corpus has
// both kinds of text.
func interleave(a, b [][]byte) [][]byte {
	if len(b) == 0 {
		return a
	}
	n := len(a) + len(b)
	out := make([][]byte, 0, n)
	ia, ib := 0, 0
	for len(out) < n {
		// Take from b while its share so far is below its share of the whole.
		if ib < len(b) && (ia >= len(a) || ib*n <= len(out)*len(b)) {
			out = append(out, b[ib])
			ib++
		} else {
			out = append(out, a[ia])
			ia++
		}
	}
	return out
}

// describe joins the corpus parts.
func (c *Corpus) describe() string { return strings.Join(c.Parts, ",") }
