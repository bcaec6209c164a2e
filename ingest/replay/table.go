package replay

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

// A table is a CSV file whose rows map one to one to Mention records: the
// crowdflower and csv formats. Like twcs, the whole file is held in memory
// (measured: 1.2 KB a row live for the SXSW file) because a conversation's
// root is known only once every row is, and because the replay publishes
// in created_at order.

// Reasons a crowdflower or csv row is skipped, besides the twcs ones.
const (
	ReasonBadCount = "bad_count" // a count column (likes, retweet_count, …) that is not a whole number ≥ 0
)

// Content ids. A row without a native id (the CrowdFlower
// brands-and-products file has none) is named after its text:
// <platform>:<the first 16 hex digits of the SHA-256 of the text>, and the
// k-th row (k ≥ 2, in file order) with the same text gets "-k" appended.
//
// Why the text and an occurrence number, not the file's hash and the row
// number: the id must be the same on every replay of the same data (it is
// the idempotency key all the way into ClickHouse), also after the file
// was re-exported, re-sorted, converted to UTF-8 or had rows added or
// removed, which would renumber rows or change the file's hash. And
// identical texts are kept apart: in these files they are distinct posts
// (retweets whose author was anonymised to "@mention"), each labelled on
// its own row. The text hashed is the cell as read (after decodeCell), not
// the published text, so a better repair of the text in a later earshot
// does not change the ids. The labels are not hashed: re-labelling a row
// does not make it another post. 16 hex digits (64 bits) make a collision
// between different texts unlikely below billions of rows.
const contentIDHexDigits = 16

// contentIDs numbers the occurrences of each text.
type contentIDs map[[contentIDHexDigits / 2]byte]int32

// next returns the native id of the next row with text s.
func (c contentIDs) next(s string) string {
	sum := sha256.Sum256([]byte(s))
	var key [contentIDHexDigits / 2]byte
	copy(key[:], sum[:])
	c[key]++
	id := hex.EncodeToString(key[:])
	if n := c[key]; n > 1 {
		id += "-" + strconv.Itoa(int(n))
	}
	return id
}

// normalizeColumn makes header names comparable: no BOM or surrounding
// space, lower case, and ':' as '_' (the original CrowdFlower exports name
// "airline_sentiment:confidence" what Kaggle's copy calls
// "airline_sentiment_confidence").
func normalizeColumn(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), ":", "_")
}

// tableRow is one decoded row.
type tableRow struct {
	m *mention.Mention
	// hashText is set when the row has no native id: the content id is
	// derived from it (contentIDs) when the file is loaded.
	hashText string
	root     string // set by resolveTableConversations
	depth    int32
}

// tableData is a loaded crowdflower or csv file, in publishing order.
type tableData struct {
	source string
	rows   []tableRow
	now    func() time.Time
}

func (d *tableData) Len() int                  { return len(d.rows) }
func (d *tableData) CreatedAt(i int) time.Time { return d.rows[i].m.CreatedAt }
func (d *tableData) Source() string            { return d.source }
func (d *tableData) Close() error              { return nil }

// Mention returns row i (in publishing order), stamped with ingested_at.
func (d *tableData) Mention(i int) (*mention.Mention, error) {
	m := d.rows[i].m
	m.IngestedAt = d.now().UTC()
	return m, nil
}

// tableDecoder decodes the data rows of a table once its header is known.
type tableDecoder interface {
	// platform qualifies content ids.
	platform() string
	// decode maps one record. When the row cannot be mapped it returns the
	// reason (a metric label) and an error saying what was wrong.
	decode(rec []string) (tableRow, string, error)
}

// loadTable reads a CSV table: the header (given to header, which returns
// the row decoder or why the file is not of the format), then every row,
// skipping (and reporting through skip) the rows that cannot be mapped and
// the repeated ids, then resolves conversations and sorts by created_at.
func loadTable(r io.Reader, format, source string, delim rune, now func() time.Time,
	header func([]string) (tableDecoder, error), skip func(line int, reason string, err error)) (*tableData, error) {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: the file is empty (no header)", format)
		}
		return nil, fmt.Errorf("%s: header: %w", format, err)
	}
	dec, err := header(head)
	if err != nil {
		return nil, err
	}
	d := &tableData{source: source, now: now}
	index := map[string]int32{}
	ids := contentIDs{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				skip(pe.StartLine, ReasonBadCSV, pe)
				continue
			}
			return nil, fmt.Errorf("%s: %w", format, err)
		}
		line, _ := cr.FieldPos(0)
		row, reason, err := dec.decode(rec)
		if reason != "" {
			skip(line, reason, err)
			continue
		}
		m := row.m
		if m.NativeID == "" {
			m.NativeID = ids.next(row.hashText)
			m.ID = mention.QualifiedID(dec.platform(), m.NativeID)
			row.hashText = ""
		}
		if _, dup := index[m.ID]; dup {
			skip(line, ReasonDuplicateID, fmt.Errorf("id %s appears again; the first row is kept", m.ID))
			continue
		}
		if len(d.rows) == 1<<31-1 {
			return nil, fmt.Errorf("%s: more than 2³¹ rows; split the file", format)
		}
		if m.Extra == nil {
			m.Extra = map[string]any{}
		}
		m.Extra["line"] = line
		index[m.ID] = int32(len(d.rows))
		d.rows = append(d.rows, row)
	}
	resolveTableConversations(d.rows, index)
	sort.SliceStable(d.rows, func(i, j int) bool {
		a, b := &d.rows[i], &d.rows[j]
		if !a.m.CreatedAt.Equal(b.m.CreatedAt) {
			return a.m.CreatedAt.Before(b.m.CreatedAt)
		}
		return a.depth < b.depth
	})
	return d, nil
}

// resolveTableConversations sets the conversation id of each row that has
// none (a csv mapping without conversation_id): follow in_reply_to through
// the rows of the file; a row that replies to nothing is a root; when the
// chain leaves the file, the last referenced id is the root; a cycle is
// rooted at its smallest id. It also sets each row's depth (replies
// between it and its root within the file), which orders a parent before
// its replies posted in the same second.
func resolveTableConversations(rows []tableRow, index map[string]int32) {
	const (
		unresolved = iota
		visiting
		resolved
	)
	state := make([]uint8, len(rows))
	var path []int
	for i := range rows {
		if state[i] == resolved {
			continue
		}
		path = path[:0]
		cur := i
		var (
			root  string
			depth int32
		)
		for {
			r := &rows[cur]
			if state[cur] == resolved {
				root, depth = r.root, r.depth
				break
			}
			if state[cur] == visiting {
				root = r.m.ID
				for k := len(path) - 1; k >= 0 && path[k] != cur; k-- {
					root = min(root, rows[path[k]].m.ID)
				}
				depth = -1
				break
			}
			state[cur] = visiting
			path = append(path, cur)
			if r.m.InReplyTo == "" {
				root, depth = r.m.ID, -1
				break
			}
			j, ok := index[r.m.InReplyTo]
			if !ok {
				root, depth = r.m.InReplyTo, 0
				break
			}
			cur = int(j)
		}
		for k := len(path) - 1; k >= 0; k-- {
			depth++
			r := &rows[path[k]]
			r.root, r.depth = root, depth
			state[path[k]] = resolved
		}
	}
	for i := range rows {
		if rows[i].m.ConversationID == "" {
			rows[i].m.ConversationID = rows[i].root
		}
		rows[i].root = ""
	}
}

// parseCount reads a non-negative whole number; empty is 0; a float with a
// zero fraction ("3.0", as pandas writes a column with gaps) is accepted.
func parseCount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if i := strings.IndexByte(s, '.'); i > 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || s[0] == '+' {
		return 0, fmt.Errorf("%q is not a whole number ≥ 0", clip(s))
	}
	return n, nil
}

// clip shortens a cell quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}

// timeReader reads one date cell.
type timeReader func(s string) (time.Time, error)

// newTimeReader returns the reader of a csv time_format: rfc3339, unix,
// unix_ms, or a Go layout (dates without an offset are read in loc).
func newTimeReader(format string, loc *time.Location) (timeReader, error) {
	switch format {
	case TimeRFC3339, "":
		return func(s string) (time.Time, error) {
			t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
			if err != nil {
				return t, fmt.Errorf("%q is not an RFC 3339 time like 2017-10-31T22:10:47Z", clip(s))
			}
			return t.UTC(), nil
		}, nil
	case TimeUnix, TimeUnixMS:
		scale := 1.0
		if format == TimeUnixMS {
			scale = 1e-3
		}
		return func(s string) (time.Time, error) {
			s = strings.TrimSpace(s)
			v, err := strconv.ParseFloat(s, 64)
			// Beyond ±1e12 s (31,000 years) the value is not a date; the
			// bound also keeps the conversion to nanoseconds in range.
			if err != nil || v != v || v*scale > 1e11 || v*scale < -1e11 || strings.ContainsAny(s, "eEinfINFxXpP_") {
				return time.Time{}, fmt.Errorf("%q is not a Unix time in %s", clip(s), map[bool]string{true: "milliseconds", false: "seconds"}[format == TimeUnixMS])
			}
			sec := v * scale
			whole := int64(sec)
			return time.Unix(whole, int64((sec-float64(whole))*1e9)).Round(time.Millisecond).UTC(), nil
		}, nil
	}
	ref := time.Date(2017, 10, 31, 22, 10, 47, 0, time.UTC)
	back, err := time.ParseInLocation(format, ref.Format(format), time.UTC)
	if err != nil || back.Year() != 2017 || back.Month() != 10 || back.Day() != 31 {
		return nil, fmt.Errorf("%q is neither rfc3339, unix, unix_ms nor a Go layout with a year, month and day (such as \"2006-01-02 15:04:05 -0700\")", format)
	}
	return func(s string) (time.Time, error) {
		t, err := time.ParseInLocation(format, strings.TrimSpace(s), loc)
		if err != nil {
			return t, fmt.Errorf("%q does not match the layout %q", clip(s), format)
		}
		return t.UTC(), nil
	}, nil
}
