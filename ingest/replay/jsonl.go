package replay

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/mention"
)

// A JSONL input holds one Mention v1 record per line (what `earshot ingest
// simulate --out` writes, or a dump of the raw topic). Records are replayed
// as they are: their source and ingested_at are kept.
//
// The file is read twice: a first pass decodes and validates every line and
// keeps only (created_at, offset, length) per record — 24 bytes, so a file
// of millions of records sorts in little memory — and the replay reads each
// record again at its offset in created_at order.

// SourceJSONL labels the metrics of a JSONL replay.
const SourceJSONL = "replay:jsonl"

// jsonlEntry locates one valid record.
type jsonlEntry struct {
	created int64 // Unix nanoseconds
	off     int64
	n       int32
}

// jsonlData is a loaded JSONL file, in publishing order.
type jsonlData struct {
	r       io.ReaderAt
	entries []jsonlEntry
	// win holds the file's bytes from winOff on: a replay in file order
	// (what a simulator or a topic dump writes) reads the file in
	// readAhead chunks instead of one read per record.
	win    []byte
	winOff int64
}

// readAhead is how much of the file one read brings in.
const readAhead = 1 << 20

// decodeJSONLLine decodes one line (without its newline). blank is true for
// an empty or white-space line, which is not a record. When the line is not
// a valid record it returns the reason (a metric label) and the error.
func decodeJSONLLine(line []byte) (m *mention.Mention, blank bool, reason string, err error) {
	line = bytes.TrimRight(line, "\r\n")
	if len(bytes.TrimSpace(line)) == 0 {
		return nil, true, "", nil
	}
	if len(line) > mention.MaxRecordBytes {
		return nil, false, ReasonLineTooLarge, fmt.Errorf("line is %d bytes, the limit is %d", len(line), mention.MaxRecordBytes)
	}
	m, err = mention.Decode(line)
	if err != nil {
		var fe *mention.FieldError
		if errors.As(err, &fe) {
			return nil, false, ingest.RejectReason(err), err
		}
		return nil, false, ReasonBadJSON, err
	}
	return m, false, "", nil
}

// loadJSONL indexes the valid records of r (which the replay reads again
// through ra) and sorts them by created_at, file order breaking ties.
func loadJSONL(r io.Reader, ra io.ReaderAt, skip func(line int, reason string, err error)) (*jsonlData, error) {
	br := bufio.NewReaderSize(r, mention.MaxRecordBytes+4096)
	d := &jsonlData{r: ra}
	var off int64
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadSlice('\n')
		n := int64(len(line))
		if errors.Is(err, bufio.ErrBufferFull) {
			// Longer than any valid record: skip to the end of the line.
			for errors.Is(err, bufio.ErrBufferFull) {
				var more []byte
				more, err = br.ReadSlice('\n')
				n += int64(len(more))
			}
			skip(lineNo, ReasonLineTooLarge, fmt.Errorf("line is %d bytes, the limit is %d", n, mention.MaxRecordBytes))
			off += n
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("jsonl: line %d: %w", lineNo, err)
			}
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("jsonl: line %d: %w", lineNo, err)
		}
		if len(line) > 0 {
			m, blank, reason, derr := decodeJSONLLine(line)
			switch {
			case blank:
			case reason != "":
				skip(lineNo, reason, derr)
			default:
				d.entries = append(d.entries, jsonlEntry{created: m.CreatedAt.UnixNano(), off: off, n: int32(len(line))})
			}
		}
		off += n
		if errors.Is(err, io.EOF) {
			break
		}
	}
	sort.SliceStable(d.entries, func(i, j int) bool { return d.entries[i].created < d.entries[j].created })
	return d, nil
}

func (d *jsonlData) Len() int                  { return len(d.entries) }
func (d *jsonlData) CreatedAt(i int) time.Time { return time.Unix(0, d.entries[i].created).UTC() }
func (d *jsonlData) Source() string            { return SourceJSONL }
func (d *jsonlData) Close() error              { return nil }

// Mention reads record i (in publishing order) again from the file.
func (d *jsonlData) Mention(i int) (*mention.Mention, error) {
	m, _, err := d.Record(i)
	return m, err
}

// Record reads record i (in publishing order) again from the file and
// returns it decoded and as its line, without the line end. The bytes are
// valid until the next call.
func (d *jsonlData) Record(i int) (*mention.Mention, []byte, error) {
	e := d.entries[i]
	line, err := d.at(e.off, int(e.n))
	if err != nil {
		return nil, nil, fmt.Errorf("jsonl: read the record at byte %d again: %w (did the file change during the replay?)", e.off, err)
	}
	line = bytes.TrimRight(line, "\r\n")
	m, _, _, err := decodeJSONLLine(line)
	if err != nil || m == nil {
		return nil, nil, fmt.Errorf("jsonl: the record at byte %d no longer decodes (did the file change during the replay?): %v", e.off, err)
	}
	return m, line, nil
}

// at returns the n bytes of the file at off, from the read-ahead window,
// which it refills from off when they are not all in it.
func (d *jsonlData) at(off int64, n int) ([]byte, error) {
	if off >= d.winOff && off+int64(n) <= d.winOff+int64(len(d.win)) {
		s := off - d.winOff
		return d.win[s : s+int64(n)], nil
	}
	size := max(n, readAhead)
	if cap(d.win) < size {
		d.win = make([]byte, size)
	}
	got, err := d.r.ReadAt(d.win[:size], off)
	if got < n {
		d.win, d.winOff = d.win[:0], 0
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	d.win, d.winOff = d.win[:got], off
	return d.win[:n], nil
}
