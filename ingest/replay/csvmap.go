package replay

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/earshot-dev/earshot/mention"
)

// The csv format reads any CSV export through a column mapping
// (CSVConfig.Map, or --map field=column,…):
//
//   - text (required): the post, published as it is in the file (read as
//     Windows-1252 when it is not UTF-8; no entity or mojibake repair).
//   - id: the native id, qualified with CSVConfig.Platform ("x:123"); a
//     whole number written as a float ("123.0") loses its ".0". Without an
//     id column, a content id is derived from the text (see contentIDs).
//   - created_at: read with CSVConfig.TimeFormat; without the column, or
//     in an empty cell, Config.DefaultCreatedAt and
//     extra.created_at_default = true.
//   - author (id), author_handle, author_name (display name), followers:
//     the author; the handle serves as id when there is no author column;
//     "anonymous" when there is neither.
//   - in_reply_to, conversation_id, quoted_id: ids of other posts,
//     qualified with the platform unless they already start with
//     "<platform>:". Without a conversation_id column the conversation root
//     is found by following in_reply_to through the file (as for twcs).
//   - url, lang; likes, reposts, replies, quotes (whole numbers ≥ 0).
//   - extra.<name>: any column, copied as a string into extra.<name>.

// SourceCSV labels the records and metrics of a csv replay.
const SourceCSV = "replay:csv"

// csvColumns is a resolved mapping: the column index of each field.
type csvColumns struct {
	col            map[string]int
	extra          []csvExtra
	n              int
	platformName   string
	readTime       timeReader
	defaultCreated time.Time
}

type csvExtra struct {
	name string
	col  int
}

// parseCSVHeader resolves the mapping against the header: a column is
// found by its exact name, else ignoring case and surrounding space. A
// mapped column the header lacks is an error naming it.
func parseCSVHeader(rec []string, cfg CSVConfig, readTime timeReader, defaultCreated time.Time) (*csvColumns, error) {
	c := &csvColumns{col: map[string]int{}, n: len(rec), platformName: cfg.Platform, readTime: readTime, defaultCreated: defaultCreated}
	exact := map[string]int{}
	loose := map[string]int{}
	for i := len(rec) - 1; i >= 0; i-- { // the first of equal names wins
		name := strings.TrimPrefix(rec[i], "\uFEFF")
		exact[name] = i
		loose[normalizeColumn(name)] = i
	}
	fields := make([]string, 0, len(cfg.Map))
	for f := range cfg.Map {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		want := cfg.Map[f]
		i, ok := exact[want]
		if !ok {
			i, ok = loose[normalizeColumn(want)]
		}
		if !ok {
			return nil, fmt.Errorf("csv: the mapping %s=%s names a column the header lacks; the header has: %s",
				f, want, clip(strings.Join(rec, ", ")))
		}
		if name, isExtra := strings.CutPrefix(f, "extra."); isExtra {
			c.extra = append(c.extra, csvExtra{name, i})
		} else {
			c.col[f] = i
		}
	}
	if _, ok := c.col["text"]; !ok {
		return nil, errors.New("csv: the mapping has no text column; map one (e.g. text=body)")
	}
	return c, nil
}

func (c *csvColumns) platform() string { return c.platformName }

func (c *csvColumns) cell(rec []string, field string) string {
	i, ok := c.col[field]
	if !ok {
		return ""
	}
	return strings.TrimSpace(decodeCell(rec[i]))
}

// nativeID trims an id cell: no platform prefix, and a whole number
// written as a float ("123.0", as pandas writes a column with gaps) loses
// its fraction.
func (c *csvColumns) nativeID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, c.platformName+":")
	if i := strings.IndexByte(s, '.'); i > 0 && strings.Trim(s[i+1:], "0") == "" && strings.Trim(s[:i], "0123456789") == "" {
		s = s[:i]
	}
	return s
}

func (c *csvColumns) qualify(s string) string {
	if s = c.nativeID(s); s == "" {
		return ""
	}
	return mention.QualifiedID(c.platformName, s)
}

// decode maps one row.
func (c *csvColumns) decode(rec []string) (tableRow, string, error) {
	var row tableRow
	if len(rec) != c.n {
		return row, ReasonBadCSV, fmt.Errorf("row has %d fields, the header has %d", len(rec), c.n)
	}
	raw := decodeCell(rec[c.col["text"]])
	if strings.TrimSpace(raw) == "" {
		return row, ReasonEmptyText, errors.New("the text is empty")
	}
	m := &mention.Mention{V: mention.Version, Platform: c.platformName, Source: SourceCSV, Text: raw}
	if _, ok := c.col["id"]; ok {
		m.NativeID = c.nativeID(c.cell(rec, "id"))
		if m.NativeID == "" {
			return row, ReasonBadID, errors.New("the id is empty")
		}
		m.ID = mention.QualifiedID(c.platformName, m.NativeID)
	} else {
		row.hashText = raw
	}

	if _, ok := c.col["created_at"]; ok && c.cell(rec, "created_at") != "" {
		t, err := c.readTime(c.cell(rec, "created_at"))
		if err != nil {
			return row, ReasonBadDate, fmt.Errorf("created_at: %w", err)
		}
		m.CreatedAt = t
	} else {
		m.CreatedAt = c.defaultCreated
		m.Extra = map[string]any{"created_at_default": true}
	}

	m.Author = mention.Author{ID: c.cell(rec, "author"), Handle: c.cell(rec, "author_handle"), DisplayName: c.cell(rec, "author_name")}
	if m.Author.ID == "" {
		m.Author.ID = m.Author.Handle
	}
	if m.Author.ID == "" {
		m.Author.ID = AnonymousAuthor
	}
	var eng mention.Engagement
	for _, f := range []struct {
		field string
		dst   *int64
	}{{"followers", &m.Author.Followers}, {"likes", &eng.Likes}, {"reposts", &eng.Reposts}, {"replies", &eng.Replies}, {"quotes", &eng.Quotes}} {
		n, err := parseCount(c.cell(rec, f.field))
		if err != nil {
			return row, ReasonBadCount, fmt.Errorf("%s: %w", f.field, err)
		}
		*f.dst = n
	}
	if eng != (mention.Engagement{}) {
		m.Engagement = &eng
	}

	m.InReplyTo = c.qualify(c.cell(rec, "in_reply_to"))
	m.ConversationID = c.qualify(c.cell(rec, "conversation_id"))
	m.QuotedID = c.qualify(c.cell(rec, "quoted_id"))
	if m.ID != "" && m.InReplyTo == m.ID {
		return row, ReasonBadReplyID, fmt.Errorf("in_reply_to: post %s replies to itself", m.ID)
	}
	m.URL = c.cell(rec, "url")
	m.Lang = strings.ToLower(c.cell(rec, "lang"))
	for _, e := range c.extra {
		if s := strings.TrimSpace(decodeCell(rec[e.col])); s != "" {
			if m.Extra == nil {
				m.Extra = map[string]any{}
			}
			m.Extra[e.name] = s
		}
	}
	if !utf8.ValidString(m.Text) { // decodeCell made it valid; a guard for the fuzzer
		m.Text = strings.ToValidUTF8(m.Text, "\uFFFD")
	}
	row.m = m
	return row, "", nil
}

// parseDelimiter reads CSVConfig.Delimiter: one character, or "\t" / "tab".
func parseDelimiter(s string) (rune, error) {
	switch s {
	case "":
		return ',', nil
	case `\t`, "tab", "\t":
		return '\t', nil
	}
	r, n := utf8.DecodeRuneInString(s)
	if n != len(s) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' || r == 0 {
		return 0, fmt.Errorf("%q, want one character other than a quote or a line break (e.g. \",\", \";\", \"\\t\")", s)
	}
	return r, nil
}
