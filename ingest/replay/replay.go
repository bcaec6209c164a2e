// Package replay publishes a file of posts to the raw topic: JSONL of
// Mention v1 records, the Customer Support on Twitter CSV ("twcs"), the
// CrowdFlower / Figure Eight labelled tweet CSVs ("crowdflower"), or any
// CSV through a column mapping ("csv").
//
// A replay publishes in created_at order (stable: file order breaks ties),
// as fast as possible or paced by created_at × a speed factor, checkpoints
// after every batch Kafka acknowledged, and resumes from the checkpoint
// with Config.Resume. Rows that cannot be mapped are skipped, counted by
// reason and summarised in the log; they never stop a replay.
//
// Memory: a twcs file is held in memory because a conversation's root is
// known only once every row is: ≈ 250 bytes a row live (measured: 142 MB
// for 560,000 rows), so the full 2.8 M-row twcs.csv needs ≈ 0.7 GB, and the
// Go heap may grow to about twice that between collections. crowdflower
// and csv files are held in memory too, as records (measured: 1.2 KB a row
// live for the SXSW file, texts of ≈ 100 bytes), so a million rows need
// ≈ 1.2 GB. A JSONL file is indexed (24 bytes a record) and read twice.
package replay

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/mention"
)

// Options are a Replayer's collaborators.
type Options struct {
	// Writer writes to the raw topic (bus.NewWriter(cfg, cfg.RawTopic)).
	Writer bus.Writer
	// Metrics are the ingest metrics (nil: not exported).
	Metrics *ingest.Metrics
	// Publisher bounds the batches (zero value: the defaults).
	Publisher ingest.PublisherConfig
	Log       *slog.Logger
	// ProgressOut receives the progress bar (default os.Stderr).
	ProgressOut io.Writer
	// Now stamps ingested_at on twcs records (default time.Now).
	Now func() time.Time
}

// Replayer replays files.
type Replayer struct {
	cfg            Config
	o              Options
	defaultCreated time.Time
	loc            *time.Location
	delim          rune
	readTime       timeReader
}

// New checks cfg and returns a Replayer.
func New(cfg Config, o Options) (*Replayer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Writer == nil {
		return nil, errors.New("replay: no Kafka writer")
	}
	if o.Publisher == (ingest.PublisherConfig{}) {
		o.Publisher = ingest.DefaultPublisherConfig()
	}
	if err := o.Publisher.Validate(); err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.ProgressOut == nil {
		o.ProgressOut = os.Stderr
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &Replayer{cfg: cfg, o: o}
	var err error
	if r.defaultCreated, err = cfg.defaultCreatedAt(); err != nil {
		return nil, err
	}
	if r.loc, err = cfg.location(); err != nil {
		return nil, err
	}
	if r.delim, err = parseDelimiter(cfg.CSV.Delimiter); err != nil {
		return nil, fmt.Errorf("ingest.replay.csv.delimiter: %w", err)
	}
	if r.readTime, err = newTimeReader(cfg.CSV.TimeFormat, r.loc); err != nil {
		return nil, fmt.Errorf("ingest.replay.csv.time_format: %w", err)
	}
	return r, nil
}

// options describes the settings that shape the records of a format, for
// the checkpoint: a run with other settings publishes other records (or
// in another order), so it does not resume a checkpoint written with
// these.
func (r *Replayer) options(format string) string {
	var b strings.Builder
	switch format {
	case FormatCrowdFlower:
		fmt.Fprintf(&b, "default_created_at=%s time_zone=%s repair_mojibake=%v", r.defaultCreated.Format(time.RFC3339), r.loc, r.cfg.CrowdFlower.RepairMojibake)
	case FormatCSV:
		fields := make([]string, 0, len(r.cfg.CSV.Map))
		for f := range r.cfg.CSV.Map {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		b.WriteString("map=")
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s=%s", f, r.cfg.CSV.Map[f])
		}
		fmt.Fprintf(&b, " platform=%s time_format=%s delimiter=%q default_created_at=%s time_zone=%s",
			r.cfg.CSV.Platform, r.cfg.CSV.TimeFormat, r.delim, r.defaultCreated.Format(time.RFC3339), r.loc)
	}
	return b.String()
}

// Summary is what one replay run did.
type Summary struct {
	Input  string
	Format string
	// Records is the number of publishable records in the input.
	Records int
	// Published were written and acknowledged by this run.
	Published int64
	// Skipped counts, by reason, the input rows that cannot be mapped
	// (checked on every run, resumed or not) and the records that failed
	// Mention validation.
	Skipped map[string]int64
	// Resumed is the position this run started from (records a previous
	// run settled), 0 without --resume.
	Resumed    int
	Checkpoint string
	Elapsed    time.Duration
	// FirstCreatedAt and LastCreatedAt span the input's publishable
	// records (zero when there are none).
	FirstCreatedAt, LastCreatedAt time.Time
}

// SkippedTotal sums Skipped.
func (s Summary) SkippedTotal() int64 {
	var n int64
	for _, v := range s.Skipped {
		n += v
	}
	return n
}

// String is the one-line summary the command prints:
// "published=N skipped=N", then each skip reason ("skipped_bad_date=1"), then
// "resumed_from=N" on a resumed run, then first_created_at= and
// last_created_at= (RFC 3339, UTC) of the input's records.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "published=%d skipped=%d", s.Published, s.SkippedTotal())
	reasons := make([]string, 0, len(s.Skipped))
	for r := range s.Skipped {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(&b, " skipped_%s=%d", r, s.Skipped[r])
	}
	if s.Resumed > 0 {
		fmt.Fprintf(&b, " resumed_from=%d", s.Resumed)
	}
	if !s.FirstCreatedAt.IsZero() {
		fmt.Fprintf(&b, " first_created_at=%s last_created_at=%s", s.FirstCreatedAt.UTC().Format(time.RFC3339), s.LastCreatedAt.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// dataset is a loaded input, in publishing order.
type dataset interface {
	Len() int
	CreatedAt(i int) time.Time
	Mention(i int) (*mention.Mention, error)
	Source() string
	Close() error
}

// skips collects the rows skipped while loading.
type skips struct {
	log     *slog.Logger
	counts  map[string]int64
	example map[string]string
}

func (s *skips) add(line int, reason string, err error) {
	s.counts[reason]++
	if _, ok := s.example[reason]; !ok {
		s.example[reason] = fmt.Sprintf("line %d: %v", line, err)
	}
}

func (s *skips) logSummary() {
	if len(s.counts) == 0 {
		return
	}
	var total int64
	var attrs []any // the logger already carries the input
	reasons := make([]string, 0, len(s.counts))
	for r, c := range s.counts {
		reasons = append(reasons, r)
		total += c
	}
	sort.Strings(reasons)
	attrs = append(attrs, "skipped", total)
	for _, r := range reasons {
		attrs = append(attrs, slog.Group(r, "count", s.counts[r], "example", s.example[r]))
	}
	s.log.Warn("skipped input rows that cannot be mapped to a mention", attrs...)
}

// DetectFormat tells the formats apart by the first line: a JSON object
// is jsonl; a CSV header with tweet_id and author_id is twcs; one with a
// CrowdFlower text and sentiment column (text or tweet_text, and
// airline_sentiment, is_there_an_emotion_directed_at_a_brand_or_product or
// sentiment) is crowdflower. Then by the extension (.jsonl, .ndjson,
// .json). Any other CSV needs --format csv and a column mapping.
func DetectFormat(path string, head []byte) (string, error) {
	return detectFormat(path, head, false)
}

// detectFormat is DetectFormat; haveMap (a csv mapping is configured)
// makes an unrecognised CSV header csv.
func detectFormat(path string, head []byte, haveMap bool) (string, error) {
	head = bytes.TrimPrefix(head, []byte("\uFEFF"))
	first := bytes.TrimSpace(head)
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	if bytes.HasPrefix(first, []byte("{")) {
		return FormatJSONL, nil
	}
	readHeader := func(comma rune) []string {
		cr := csv.NewReader(bytes.NewReader(first))
		cr.Comma, cr.LazyQuotes = comma, true
		rec, _ := cr.Read()
		return rec
	}
	// twcs and CrowdFlower files are comma-separated.
	header := readHeader(',')
	cols := map[string]bool{}
	for _, h := range header {
		cols[normalizeColumn(h)] = true
	}
	switch {
	case cols["tweet_id"] && cols["author_id"]:
		return FormatTWCS, nil
	case isCrowdFlowerHeader(header):
		return FormatCrowdFlower, nil
	case haveMap:
		return FormatCSV, nil
	}
	if len(header) <= 1 { // perhaps tab-separated: name its columns in the error
		if tab := readHeader('\t'); len(tab) > 1 {
			header = tab
		}
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL, nil
	case ".csv", ".tsv", ".txt":
		if len(header) > 1 {
			return "", fmt.Errorf("cannot tell the format of %s: its header (%s) is neither twcs (tweet_id, author_id, created_at, text) nor CrowdFlower (text or tweet_text, and a sentiment column); pass --format csv --map text=<column>,created_at=<column>,id=<column>,…",
				path, clip(strings.Join(header, ", ")))
		}
	}
	return "", fmt.Errorf("cannot tell the format of %s (neither a JSON record nor a known CSV header on its first line); pass --format %s (csv with --map)", path, strings.Join(Formats, ", --format "))
}

// Run replays one file. It returns when every record is published and
// acknowledged, or when ctx ends (then what is buffered is flushed and
// checkpointed first, and the error is ctx's).
func (r *Replayer) Run(ctx context.Context, path string) (Summary, error) {
	started := time.Now()
	sum := Summary{Input: path, Skipped: map[string]int64{}}
	f, err := os.Open(path)
	if err != nil {
		return sum, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return sum, fmt.Errorf("replay: %w", err)
	}
	if st.IsDir() {
		return sum, fmt.Errorf("replay: %s is a directory; pass a file", path)
	}

	format := r.cfg.Format
	if format == FormatAuto {
		head := make([]byte, 4096)
		n, err := io.ReadFull(f, head)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return sum, fmt.Errorf("replay: %w", err)
		}
		if format, err = detectFormat(path, head[:n], len(r.cfg.CSV.Map) > 0); err != nil {
			return sum, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return sum, fmt.Errorf("replay: %w", err)
		}
	}
	sum.Format = format
	log := r.o.Log.With("input", path, "format", format)

	// Load (and hash) the whole input.
	sk := &skips{log: log, counts: map[string]int64{}, example: map[string]string{}}
	h := sha256.New()
	in := io.TeeReader(bufio.NewReaderSize(ctxReader{ctx, f}, 1<<20), h)
	loadStart := time.Now()
	var ds dataset
	switch format {
	case FormatTWCS:
		ds, err = loadTWCS(in, r.o.Now, sk.add)
	case FormatCrowdFlower:
		ds, err = loadTable(in, format, SourceCrowdFlower, ',', r.o.Now, func(h []string) (tableDecoder, error) {
			return parseCrowdFlowerHeader(h, r.defaultCreated, r.loc, r.cfg.CrowdFlower.RepairMojibake)
		}, sk.add)
	case FormatCSV:
		ds, err = loadTable(in, format, SourceCSV, r.delim, r.o.Now, func(h []string) (tableDecoder, error) {
			return parseCSVHeader(h, r.cfg.CSV, r.readTime, r.defaultCreated)
		}, sk.add)
	default:
		ds, err = loadJSONL(in, f, sk.add)
	}
	if err != nil {
		return sum, fmt.Errorf("replay %s: %w", path, err)
	}
	defer ds.Close()
	if _, err := io.Copy(io.Discard, in); err != nil { // hash what a parser left unread
		return sum, fmt.Errorf("replay: %w", err)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	sum.Records = ds.Len()
	if n := ds.Len(); n > 0 {
		sum.FirstCreatedAt, sum.LastCreatedAt = ds.CreatedAt(0), ds.CreatedAt(n-1)
	}
	var skipped int64
	for _, n := range sk.counts {
		skipped += n
	}
	log.Info("input loaded", "records", ds.Len(), "skipped", skipped, "bytes", st.Size(), "took", time.Since(loadStart).Round(time.Millisecond))
	sk.logSummary()

	// Checkpoint.
	cpPath := r.cfg.Checkpoint
	if cpPath == "" {
		cpPath = DefaultCheckpointPath(r.cfg.StateDir, path)
	}
	sum.Checkpoint = cpPath
	abs, _ := filepath.Abs(path)
	opts := r.options(format)
	cp := &Checkpoint{Version: checkpointVersion, Input: abs, Format: format, Options: opts, Size: st.Size(), SHA256: sha, Total: ds.Len()}
	if r.cfg.Resume {
		prev, err := readCheckpoint(cpPath)
		if err != nil {
			return sum, err
		}
		switch {
		case prev == nil:
			log.Info("no checkpoint yet; replaying from the start", "checkpoint", cpPath)
		case prev.mismatch(format, opts, st.Size(), sha) != "":
			return sum, fmt.Errorf("replay: cannot resume from checkpoint %s: %s; delete it or run without --resume", cpPath, prev.mismatch(format, opts, st.Size(), sha))
		default:
			cp.Position = min(prev.Position, ds.Len())
			cp.Published = prev.Published
			log.Info("resuming", "checkpoint", cpPath, "position", cp.Position, "of", ds.Len())
		}
	}
	sum.Resumed = cp.Position

	// Publish.
	pub, err := ingest.NewPublisher(r.o.Publisher, ingest.PublisherOptions{
		Source: ds.Source(), Writer: r.o.Writer, Metrics: r.o.Metrics, Log: log,
		OnAck: func(_ context.Context, a ingest.Ack) error {
			cp.Position = int(a.Cursor)
			cp.Published += int64(a.Records)
			cp.UpdatedAt = time.Now().UTC()
			return writeCheckpoint(cpPath, cp)
		},
	})
	if err != nil {
		return sum, err
	}
	for reason, n := range sk.counts {
		pub.CountRejected(reason, n)
	}

	prog := ingest.NewProgress(r.o.ProgressOut, r.cfg.Progress, int64(ds.Len()-cp.Position), "records", log, r.cfg.ProgressInterval)
	runErr := r.publishAll(ctx, ds, pub, cp.Position, prog, log)
	prog.Finish()

	// Flush what is buffered even when ctx ended (Ctrl-C): it is written
	// and checkpointed, so a resumed run does not publish it again.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.o.Publisher.WriteTimeout)
	defer cancel()
	closeErr := pub.Close(cctx)

	st2 := pub.Stats()
	sum.Published = st2.Published
	for reason, n := range st2.Rejected {
		sum.Skipped[reason] = n
	}
	sum.Elapsed = time.Since(started)
	if err := errors.Join(runErr, closeErr); err != nil {
		log.Warn("replay stopped", "published", sum.Published, "position", cp.Position, "of", ds.Len(), "checkpoint", cpPath, "err", err)
		return sum, err
	}
	log.Info("replay done", "published", sum.Published, "skipped", sum.SkippedTotal(), "checkpoint", cpPath,
		"took", sum.Elapsed.Round(time.Millisecond), "rate_per_s", fmt.Sprintf("%.0f", float64(sum.Published)/max(sum.Elapsed.Seconds(), 1e-9)))
	return sum, nil
}

// ctxReader stops reading when ctx ends, so that loading a large input can
// be interrupted.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// PacingMessage is what a paced replay (Speed > 0) logs as it publishes
// its first record, with "start": the wall-clock time its schedule counts
// from (RFC 3339, nanoseconds). Record i is due at start + (created_at of
// i − created_at of the first) ÷ speed; 'bench e2e' measures latency from
// there, so that the time a record waits in the publisher's batch counts.
const PacingMessage = "pacing"

var pacingLine = regexp.MustCompile(`msg=` + regexp.QuoteMeta(PacingMessage) + ` .*\bstart=(\S+)`)

// PacingStart reads the schedule's start from a log line of a paced replay
// (PacingMessage, in slog's text format); ok is false for any other line.
func PacingStart(line []byte) (start time.Time, ok bool) {
	m := pacingLine.FindSubmatch(line)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(m[1]))
	return t, err == nil
}

// publishAll publishes records [start, Len) in order, paced by Speed.
func (r *Replayer) publishAll(ctx context.Context, ds dataset, pub *ingest.Publisher, start int, prog *ingest.Progress, log *slog.Logger) error {
	var (
		t0    time.Time
		base  time.Time
		timer *time.Timer
	)
	for i := start; i < ds.Len(); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.cfg.Speed > 0 {
			created := ds.CreatedAt(i)
			if i == start {
				t0, base = time.Now(), created
				log.Info(PacingMessage, "start", t0.UTC().Format(time.RFC3339Nano), "first_created_at", created.UTC().Format(time.RFC3339Nano), "speed", r.cfg.Speed)
			}
			due := t0.Add(time.Duration(float64(created.Sub(base)) / r.cfg.Speed))
			if wait := time.Until(due); wait > paceStep {
				if timer == nil {
					timer = time.NewTimer(wait)
					defer timer.Stop()
				} else {
					timer.Reset(wait)
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-timer.C:
				}
			}
		}
		if err := publishOne(ctx, ds, pub, i); err != nil {
			return err
		}
		prog.Add(1)
	}
	return nil
}

// encodedDataset is a dataset that holds its records encoded (JSONL): they
// are published as they are, not encoded again.
type encodedDataset interface {
	Record(i int) (*mention.Mention, []byte, error)
}

func publishOne(ctx context.Context, ds dataset, pub *ingest.Publisher, i int) error {
	if e, ok := ds.(encodedDataset); ok {
		m, data, err := e.Record(i)
		if err != nil {
			return err
		}
		return pub.PublishEncoded(ctx, m, data, int64(i+1))
	}
	m, err := ds.Mention(i)
	if err != nil {
		return err
	}
	return pub.Publish(ctx, m, int64(i+1))
}

// paceStep is how far ahead of its schedule a paced replay may run before
// it sleeps: records due within it are published at once. Waking up for
// every record (every 50 µs at 20,000/s) costs a paced replay more CPU
// than publishing does; 10 ms keeps the schedule far finer than any
// latency a pipeline reports.
const paceStep = 10 * time.Millisecond
