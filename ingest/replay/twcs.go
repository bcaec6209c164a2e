package replay

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/earshot-dev/earshot/mention"
)

// The Customer Support on Twitter data set ("twcs", Kaggle, CC BY-NC-SA 4.0):
//
//	tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
//
// The inbound column is not mapped: whether a post is addressed to a brand,
// or written by one, is decided by enrich from the brand registry, the same
// way for every source. response_tweet_id is the inverse of
// in_response_to_tweet_id and adds nothing.
//
// Exports of it often carry an extra leading unnamed index column (pandas)
// and write in_response_to_tweet_id as a float ("3.0"). Columns are found by
// name, so both shapes load. Customer author ids are anonymised numbers;
// brand author ids are the brand's handle ("AppleSupport").

// Platform and source of twcs records.
const (
	PlatformTWCS = "twcs"
	SourceTWCS   = "replay:twcs"
)

// Reasons a twcs row is skipped (metric label values).
const (
	ReasonBadCSV       = "bad_csv"
	ReasonBadID        = "bad_id"
	ReasonBadReplyID   = "bad_in_reply_to"
	ReasonBadDate      = "bad_date"
	ReasonEmptyText    = "empty_text"
	ReasonEmptyAuthor  = "empty_author"
	ReasonDuplicateID  = "duplicate_id"
	ReasonBadJSON      = "bad_json"
	ReasonLineTooLarge = "too_large"
)

// twcsTimeLayout is Twitter API v1.1's created_at: "Tue Oct 31 22:10:47 +0000 2017".
const twcsTimeLayout = "Mon Jan 02 15:04:05 -0700 2006"

// twcsColumns holds the index of each column used (-1: absent).
type twcsColumns struct {
	id, author, created, text, replyTo int
	n                                  int // columns in the header
}

// parseTWCSHeader finds the columns by name. An unnamed column (the index
// pandas writes) and unknown columns are ignored.
func parseTWCSHeader(rec []string) (twcsColumns, error) {
	c := twcsColumns{id: -1, author: -1, created: -1, text: -1, replyTo: -1, n: len(rec)}
	for i, name := range rec {
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF")
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "tweet_id":
			c.id = i
		case "author_id":
			c.author = i
		case "created_at":
			c.created = i
		case "text":
			c.text = i
		case "in_response_to_tweet_id":
			c.replyTo = i
		}
	}
	var missing []string
	for name, idx := range map[string]int{"tweet_id": c.id, "author_id": c.author, "created_at": c.created, "text": c.text} {
		if idx < 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return c, fmt.Errorf("twcs header %q lacks column(s) %s; is this the Customer Support on Twitter CSV? (else pass --format crowdflower, --format jsonl, or --format csv --map text=<column>,…)",
			strings.Join(rec, ","), strings.Join(missing, ", "))
	}
	return c, nil
}

// twcsRow is one mappable row, kept compact: the whole file is held in
// memory because a conversation's root can only be found once every row is
// known (≈ 250 bytes a row with its text; the full 2.8 M-row twcs.csv takes
// ≈ 0.7 GB).
type twcsRow struct {
	id      int64
	parent  int64 // 0: not a reply
	conv    int64 // root of the reply chain, set by resolveConversations
	created int64 // Unix seconds, UTC
	depth   int32 // replies between this row and its root within the file
	line    int32
	author  string
	text    string
}

// htmlUnescaper undoes the only escaping the X API applies to tweet text.
var htmlUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// decodeTWCSRow maps one CSV record. When the row cannot be mapped it
// returns the reason (a metric label) and an error saying what was wrong.
func decodeTWCSRow(c twcsColumns, rec []string) (twcsRow, string, error) {
	var row twcsRow
	if len(rec) != c.n {
		return row, ReasonBadCSV, fmt.Errorf("row has %d fields, the header has %d", len(rec), c.n)
	}
	var err error
	if row.id, err = parseTweetID(rec[c.id]); err != nil {
		return row, ReasonBadID, fmt.Errorf("tweet_id: %w", err)
	}
	if c.replyTo >= 0 && strings.TrimSpace(rec[c.replyTo]) != "" {
		if row.parent, err = parseTweetID(rec[c.replyTo]); err != nil {
			return row, ReasonBadReplyID, fmt.Errorf("in_response_to_tweet_id: %w", err)
		}
		if row.parent == row.id {
			return row, ReasonBadReplyID, fmt.Errorf("in_response_to_tweet_id: tweet %d replies to itself", row.id)
		}
	}
	row.author = strings.TrimSpace(rec[c.author])
	if row.author == "" {
		return row, ReasonEmptyAuthor, errors.New("author_id is empty")
	}
	if !utf8.ValidString(row.author) || strings.ContainsAny(row.author, " \t\r\n") {
		return row, ReasonEmptyAuthor, fmt.Errorf("author_id %q is not an account id", row.author)
	}
	t, err := parseTWCSTime(rec[c.created])
	if err != nil {
		return row, ReasonBadDate, err
	}
	row.created = t.Unix()
	text := rec[c.text]
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	text = htmlUnescaper.Replace(text)
	if strings.TrimSpace(text) == "" {
		return row, ReasonEmptyText, errors.New("text is empty")
	}
	row.text = text
	return row, "", nil
}

// parseTweetID accepts a positive integer, also written as a float with a
// zero fraction ("3.0"), as pandas writes a column with empty cells.
func parseTweetID(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if strings.Trim(s[i+1:], "0") != "" {
			return 0, fmt.Errorf("%q is not a whole number", s)
		}
		s = s[:i]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || s[0] == '+' {
		return 0, fmt.Errorf("%q is not a positive tweet id", s)
	}
	return n, nil
}

// parseTWCSTime reads Twitter's created_at, or RFC 3339.
func parseTWCSTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(twcsTimeLayout, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return time.Time{}, fmt.Errorf("created_at %q is not a date like %q", s, "Tue Oct 31 22:10:47 +0000 2017")
}

// twcsData is a loaded twcs file, in publishing order.
type twcsData struct {
	rows []twcsRow
	now  func() time.Time
}

// loadTWCS reads every row, skipping (and reporting through skip) the rows
// that cannot be mapped, resolves conversation roots and sorts by created_at.
// Only a file it cannot read at all (no header, an I/O error) is an error.
func loadTWCS(r io.Reader, now func() time.Time, skip func(line int, reason string, err error)) (*twcsData, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("twcs: the file is empty (no header)")
		}
		return nil, fmt.Errorf("twcs: header: %w", err)
	}
	cols, err := parseTWCSHeader(header)
	if err != nil {
		return nil, err
	}
	d := &twcsData{now: now}
	index := map[int64]int32{}     // tweet id → row
	authors := map[string]string{} // interned author ids: brands write thousands of rows
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
			return nil, fmt.Errorf("twcs: %w", err)
		}
		line, _ := cr.FieldPos(0)
		row, reason, err := decodeTWCSRow(cols, rec)
		if reason != "" {
			skip(line, reason, err)
			continue
		}
		if _, dup := index[row.id]; dup {
			skip(line, ReasonDuplicateID, fmt.Errorf("tweet_id %d appears again; the first row is kept", row.id))
			continue
		}
		if len(d.rows) == 1<<31-1 {
			return nil, errors.New("twcs: more than 2³¹ rows; split the file")
		}
		index[row.id] = int32(len(d.rows))
		// The csv reader's fields share one string per record: copy out what
		// is kept so the rest of the line can be freed.
		row.text = strings.Clone(row.text)
		if a, ok := authors[row.author]; ok {
			row.author = a
		} else {
			row.author = strings.Clone(row.author)
			authors[row.author] = row.author
		}
		row.line = int32(min(line, 1<<31-1))
		d.rows = append(d.rows, row)
	}
	authors = nil
	resolveConversations(d.rows, index)
	index = nil
	// Publishing order: created_at, a parent before its replies posted in the
	// same second, then file order.
	sort.SliceStable(d.rows, func(i, j int) bool {
		a, b := &d.rows[i], &d.rows[j]
		if a.created != b.created {
			return a.created < b.created
		}
		return a.depth < b.depth
	})
	return d, nil
}

// resolveConversations sets each row's conversation root: follow
// in_response_to_tweet_id through the rows of the file; a row that replies
// to nothing is a root; when the chain leaves the file, the last referenced
// id is the root (the file does not know what lies beyond it). A cycle
// (corrupt data) is rooted at its smallest id.
func resolveConversations(rows []twcsRow, index map[int64]int32) {
	const visiting = -1
	var path []int32
	for i := range rows {
		if rows[i].conv != 0 {
			continue
		}
		path = path[:0]
		cur := int32(i)
		var root int64
		var depth int32 // depth of the node where the walk stopped
		for {
			r := &rows[cur]
			if r.conv > 0 {
				root, depth = r.conv, r.depth
				break
			}
			if r.conv == visiting { // a cycle: root it at its smallest id
				root = r.id
				for k := len(path) - 1; k >= 0 && path[k] != cur; k-- {
					root = min(root, rows[path[k]].id)
				}
				depth = -1
				break
			}
			r.conv = visiting
			path = append(path, cur)
			if r.parent == 0 {
				root, depth = r.id, -1
				break
			}
			j, ok := index[r.parent]
			if !ok {
				root, depth = r.parent, 0 // the parent is outside the file
				break
			}
			cur = j
		}
		for k := len(path) - 1; k >= 0; k-- {
			depth++
			rows[path[k]].conv = root
			rows[path[k]].depth = depth
		}
	}
}

func (d *twcsData) Len() int                  { return len(d.rows) }
func (d *twcsData) CreatedAt(i int) time.Time { return time.Unix(d.rows[i].created, 0).UTC() }
func (d *twcsData) Source() string            { return SourceTWCS }
func (d *twcsData) Close() error              { return nil }

// Mention maps row i (in publishing order).
func (d *twcsData) Mention(i int) (*mention.Mention, error) {
	r := &d.rows[i]
	native := strconv.FormatInt(r.id, 10)
	m := &mention.Mention{
		V:        mention.Version,
		ID:       mention.QualifiedID(PlatformTWCS, native),
		Platform: PlatformTWCS,
		NativeID: native,
		// URL stays empty: twcs ids are anonymised and do not resolve to
		// real posts, so a twitter.com/i/web/status/<id> link would point at
		// somebody else's tweet or at nothing.
		CreatedAt:      time.Unix(r.created, 0).UTC(),
		IngestedAt:     d.now().UTC(),
		Source:         SourceTWCS,
		Author:         mention.Author{ID: r.author, Handle: r.author},
		Text:           r.text,
		ConversationID: mention.QualifiedID(PlatformTWCS, strconv.FormatInt(r.conv, 10)),
	}
	if r.parent != 0 {
		m.InReplyTo = mention.QualifiedID(PlatformTWCS, strconv.FormatInt(r.parent, 10))
	}
	return m, nil
}
