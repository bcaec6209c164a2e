package eval

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/earshot-dev/earshot/mention"
)

// Sentiment data-set formats.
const (
	// FormatSemEval is SemEval Task 4A: TSV id, label, text (label
	// positive/neutral/negative; extra columns, such as 2016's date, are
	// ignored; the 2013 files escape commas and quotes as \u002c, \u2019).
	FormatSemEval = "semeval"
	// FormatVADER is the VADER paper's ground truth: TSV id, mean human
	// valence (−4..4), text; CRLF line ends.
	FormatVADER = "vader"
	// FormatS140 is the Sentiment140 CSV: polarity (0 negative, 2 neutral,
	// 4 positive), id, date, query, user, text (the last column).
	FormatS140 = "s140"
	// FormatCrowdFlower is a CrowdFlower / Figure Eight CSV with a header:
	// a text column (text or tweet_text) and a sentiment column
	// (airline_sentiment or sentiment: positive/neutral/negative, or
	// is_there_an_emotion_directed_at_a_brand_or_product: "Positive
	// emotion" / "Negative emotion" / "No emotion toward brand or product";
	// "I can't tell" rows are skipped and counted). An optional split
	// column (earshot's own labelled files: tune or holdout) fills
	// Example.Split.
	FormatCrowdFlower = "crowdflower"
)

// SentimentFormats lists the formats Read accepts.
var SentimentFormats = []string{FormatSemEval, FormatVADER, FormatS140, FormatCrowdFlower}

// Reasons a row is skipped (Dataset.Skipped keys).
const (
	SkipBadRow    = "bad_row"    // too few columns, or a CSV syntax error
	SkipBadLabel  = "bad_label"  // a label that is not one of the format's
	SkipBadScore  = "bad_score"  // vader: a mean that is not a number in −4..4
	SkipEmptyText = "empty_text" // no text after trimming
	SkipTooLong   = "too_long"   // a line longer than MaxLineBytes
	SkipCantTell  = "cant_tell"  // crowdflower: "I can't tell"
	// SkipTrained: a row of the part of the file the model was trained on
	// or made choices on (see SplitPart and Dataset.DropTrained).
	SkipTrained = "trained"
	// SkipOtherSplit: a row of another split than the one asked for
	// (Dataset.KeepSplit).
	SkipOtherSplit = "other_split"
)

// MaxLineBytes bounds one TSV line (a tweet is a few hundred bytes).
const MaxLineBytes = 1 << 20

// Example is one labelled item.
type Example struct {
	// Line is the 1-based line (TSV) or record (CSV, header included)
	// number in the file.
	Line int
	ID   string
	Text string
	// Label is mention.SentimentPositive, SentimentNeutral or
	// SentimentNegative (empty for FormatVADER).
	Label string
	// Score is FormatVADER's gold mean valence, −4..4.
	Score float64
	// Split is the row's split column (FormatCrowdFlower files that have
	// one, such as enrich/sentiment/testdata/brand_directed.csv), else "".
	Split string
}

// Dataset is what a reader read: the usable examples and a count of the
// rows it skipped, by reason, with the first such row's location.
type Dataset struct {
	Format   string
	Examples []Example
	Skipped  map[string]int
	// FirstSkip holds, per reason, "line N: detail" of the first skipped row.
	FirstSkip map[string]string
}

// SkippedTotal is the number of rows skipped for any reason.
func (d *Dataset) SkippedTotal() int {
	n := 0
	for _, v := range d.Skipped {
		n += v
	}
	return n
}

// SkipReasons returns the reasons that occurred, sorted.
func (d *Dataset) SkipReasons() []string {
	out := make([]string, 0, len(d.Skipped))
	for k := range d.Skipped {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (d *Dataset) skip(line int, reason, detail string) {
	if d.Skipped == nil {
		d.Skipped, d.FirstSkip = map[string]int{}, map[string]string{}
	}
	if d.Skipped[reason] == 0 {
		if len(detail) > 120 {
			detail = detail[:120] + "…"
		}
		d.FirstSkip[reason] = fmt.Sprintf("line %d: %s", line, strings.ToValidUTF8(detail, "?"))
	}
	d.Skipped[reason]++
}

// Read reads a sentiment data set in one of SentimentFormats. Bad rows are
// skipped and counted in Dataset.Skipped, never fatal; the error is for an
// unknown format, a read failure, or a CrowdFlower header without the
// columns needed.
func Read(r io.Reader, format string) (*Dataset, error) {
	d := &Dataset{Format: format, Skipped: map[string]int{}, FirstSkip: map[string]string{}}
	var err error
	switch format {
	case FormatSemEval:
		err = readTSV(r, d, semevalRow)
	case FormatVADER:
		err = readTSV(r, d, vaderRow)
	case FormatS140:
		err = readCSV(r, d, s140Rows())
	case FormatCrowdFlower:
		err = readCSV(r, d, crowdflowerRows())
	default:
		return nil, fmt.Errorf("eval: unknown format %q; want one of %s", format, strings.Join(SentimentFormats, ", "))
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// readTSV calls row for every non-blank line, without its line end.
func readTSV(r io.Reader, d *Dataset, row func(d *Dataset, line int, fields []string)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte // a line longer than the buffer, assembled
	for line := 1; ; line++ {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], b...)
			for errors.Is(err, bufio.ErrBufferFull) {
				b, err = br.ReadSlice('\n')
				if len(long) <= MaxLineBytes {
					long = append(long, b...)
				}
			}
			b = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("eval: read line %d: %w", line, err)
		}
		if len(b) > MaxLineBytes {
			d.skip(line, SkipTooLong, fmt.Sprintf("%d bytes or more", len(b)))
		} else if s := strings.TrimRight(string(b), "\r\n"); strings.TrimSpace(s) != "" {
			row(d, line, strings.Split(s, "\t"))
		}
		if err != nil { // io.EOF
			return nil
		}
	}
}

func semevalRow(d *Dataset, line int, f []string) {
	if len(f) < 3 {
		d.skip(line, SkipBadRow, fmt.Sprintf("%d tab-separated columns, want id, label, text", len(f)))
		return
	}
	label, ok := semevalLabel(f[1])
	if !ok {
		d.skip(line, SkipBadLabel, fmt.Sprintf("label %q, want positive, neutral or negative", f[1]))
		return
	}
	text := cleanText(unescapeU(f[2]))
	if text == "" {
		d.skip(line, SkipEmptyText, "no text")
		return
	}
	d.Examples = append(d.Examples, Example{Line: line, ID: strings.TrimSpace(f[0]), Text: text, Label: label})
}

func semevalLabel(s string) (string, bool) {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(s), `"`)) {
	case "positive":
		return mention.SentimentPositive, true
	case "negative":
		return mention.SentimentNegative, true
	case "neutral", "objective", "objective-or-neutral":
		return mention.SentimentNeutral, true
	}
	return "", false
}

func vaderRow(d *Dataset, line int, f []string) {
	if len(f) < 3 {
		d.skip(line, SkipBadRow, fmt.Sprintf("%d tab-separated columns, want id, mean, text", len(f)))
		return
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(f[1]), 64)
	if err != nil || math.IsNaN(v) || v < -4 || v > 4 {
		d.skip(line, SkipBadScore, fmt.Sprintf("mean %q, want a number in -4..4", f[1]))
		return
	}
	text := cleanText(strings.Join(f[2:], " "))
	if text == "" {
		d.skip(line, SkipEmptyText, "no text")
		return
	}
	d.Examples = append(d.Examples, Example{Line: line, ID: strings.TrimSpace(f[0]), Text: text, Score: v})
}

// csvRows handles the records of a CSV file; header is called with the
// first record and returns false when that record is data, not a header.
type csvRows struct {
	header func(d *Dataset, rec []string) (isHeader bool, err error)
	row    func(d *Dataset, line int, rec []string)
}

func readCSV(r io.Reader, d *Dataset, h csvRows) error {
	cr := csv.NewReader(r)
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	first := true
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			if first && h.header != nil {
				if _, err := h.header(d, nil); err != nil {
					return err
				}
			}
			return nil
		}
		line := n
		if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
			d.skip(pe.StartLine, SkipBadRow, "CSV: "+pe.Err.Error())
			continue
		} else if err != nil {
			return fmt.Errorf("eval: read record %d: %w", n, err)
		}
		if l, _ := cr.FieldPos(0); l > 0 {
			line = l
		}
		if first {
			first = false
			isHeader, err := h.header(d, rec)
			if err != nil {
				return err
			}
			if isHeader {
				continue
			}
		}
		h.row(d, line, rec)
	}
}

func s140Rows() csvRows {
	return csvRows{
		header: func(_ *Dataset, rec []string) (bool, error) {
			if rec == nil {
				return false, nil
			}
			_, err := strconv.Atoi(strings.TrimSpace(rec[0]))
			return err != nil, nil // a first record that does not start with a number is a header
		},
		row: func(d *Dataset, line int, rec []string) {
			if len(rec) < 2 {
				d.skip(line, SkipBadRow, fmt.Sprintf("%d columns, want polarity, …, text", len(rec)))
				return
			}
			var label string
			switch strings.TrimSpace(rec[0]) {
			case "0":
				label = mention.SentimentNegative
			case "2":
				label = mention.SentimentNeutral
			case "4":
				label = mention.SentimentPositive
			default:
				d.skip(line, SkipBadLabel, fmt.Sprintf("polarity %q, want 0, 2 or 4", rec[0]))
				return
			}
			text := cleanText(rec[len(rec)-1])
			if text == "" {
				d.skip(line, SkipEmptyText, "no text")
				return
			}
			id := ""
			if len(rec) > 2 {
				id = strings.TrimSpace(rec[1])
			}
			d.Examples = append(d.Examples, Example{Line: line, ID: id, Text: text, Label: label})
		},
	}
}

// CrowdFlower column names.
var (
	crowdflowerTextColumns      = []string{"text", "tweet_text"}
	crowdflowerSentimentColumns = []string{"airline_sentiment", "is_there_an_emotion_directed_at_a_brand_or_product", "sentiment"}
	crowdflowerIDColumns        = []string{"tweet_id", "_unit_id", "id"}
	crowdflowerSplitColumns     = []string{"split"}
)

func crowdflowerRows() csvRows {
	textCol, labelCol, idCol, splitCol := -1, -1, -1, -1
	find := func(rec []string, names []string) int {
		for _, name := range names {
			for i, h := range rec {
				if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), name) {
					return i
				}
			}
		}
		return -1
	}
	return csvRows{
		header: func(_ *Dataset, rec []string) (bool, error) {
			textCol, labelCol, idCol = find(rec, crowdflowerTextColumns), find(rec, crowdflowerSentimentColumns), find(rec, crowdflowerIDColumns)
			splitCol = find(rec, crowdflowerSplitColumns)
			var missing []string
			if textCol < 0 {
				missing = append(missing, "a text column ("+strings.Join(crowdflowerTextColumns, " or ")+")")
			}
			if labelCol < 0 {
				missing = append(missing, "a sentiment column ("+strings.Join(crowdflowerSentimentColumns, " or ")+")")
			}
			if len(missing) > 0 {
				return true, fmt.Errorf("eval: crowdflower: the header has no %s", strings.Join(missing, " and no "))
			}
			return true, nil
		},
		row: func(d *Dataset, line int, rec []string) {
			if textCol >= len(rec) || labelCol >= len(rec) {
				d.skip(line, SkipBadRow, fmt.Sprintf("%d columns, want at least %d", len(rec), max(textCol, labelCol)+1))
				return
			}
			label, ok := crowdflowerLabel(rec[labelCol])
			if !ok {
				if strings.Contains(strings.ToLower(rec[labelCol]), "can't tell") || strings.Contains(strings.ToLower(rec[labelCol]), "cannot tell") {
					d.skip(line, SkipCantTell, rec[labelCol])
				} else {
					d.skip(line, SkipBadLabel, fmt.Sprintf("sentiment %q", rec[labelCol]))
				}
				return
			}
			text := cleanText(rec[textCol])
			if text == "" {
				d.skip(line, SkipEmptyText, "no text")
				return
			}
			id, split := "", ""
			if idCol >= 0 && idCol < len(rec) {
				id = strings.TrimSpace(rec[idCol])
			}
			if splitCol >= 0 && splitCol < len(rec) {
				split = strings.TrimSpace(rec[splitCol])
			}
			d.Examples = append(d.Examples, Example{Line: line, ID: id, Text: text, Label: label, Split: split})
		},
	}
}

func crowdflowerLabel(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "positive", "positive emotion":
		return mention.SentimentPositive, true
	case "negative", "negative emotion":
		return mention.SentimentNegative, true
	case "neutral", "no emotion toward brand or product":
		return mention.SentimentNeutral, true
	}
	return "", false
}

// cleanText trims white space and one pair of enclosing double quotes
// (SemEval's files quote texts with commas, sometimes without the closing
// quote), and makes the text valid UTF-8: a text that is not UTF-8 is read
// as Latin-1, the usual encoding of older tweet CSVs.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = latin1(s)
	}
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	} else if len(s) >= 1 && s[0] == '"' && strings.IndexByte(s[1:], '"') < 0 {
		s = s[1:]
	} else if len(s) >= 1 && s[len(s)-1] == '"' && strings.IndexByte(s[:len(s)-1], '"') < 0 {
		s = s[:len(s)-1]
	}
	return strings.TrimSpace(s)
}

func latin1(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// unescapeU replaces the \uXXXX escapes of the SemEval 2013 files
// (\u002c for a comma, \u2019 for an apostrophe; surrogate pairs joined).
// Malformed escapes are kept as they are.
func unescapeU(s string) string {
	if !strings.Contains(s, `\u`) {
		return s
	}
	var b bytes.Buffer
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if r, n := hex4(s, i); n > 0 {
			if r >= 0xD800 && r < 0xDC00 {
				if r2, n2 := hex4(s, i+n); n2 > 0 && r2 >= 0xDC00 && r2 < 0xE000 {
					b.WriteRune((r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000)
					i += n + n2
					continue
				}
				b.WriteRune(utf8.RuneError)
				i += n
				continue
			}
			if r >= 0xDC00 && r < 0xE000 {
				r = utf8.RuneError
			}
			b.WriteRune(r)
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// hex4 parses \uXXXX at s[i:]; n is 6 on success, 0 otherwise.
func hex4(s string, i int) (rune, int) {
	if i+6 > len(s) || s[i] != '\\' || s[i+1] != 'u' {
		return 0, 0
	}
	v, err := strconv.ParseUint(s[i+2:i+6], 16, 32)
	if err != nil {
		return 0, 0
	}
	return rune(v), 6
}

// SplitRule names the rule of SplitKey and SplitPart. A model trained on
// part of a file records it (with the file's SHA-256, the number of parts
// and the parts it used), so that an evaluation can apply the same rule
// and score only the held-out part. Change the name if the rule changes.
const SplitRule = "earshot-split-v1: part = FNV-64a(SplitKey(text)) mod parts"

// SplitKey is the text that groups rows for a split: lower-cased, without
// @mentions, URLs, "{link}", "&amp;"-style entities, a retweet marker
// "rt", punctuation and symbols, white space collapsed. Retweets and
// near-duplicates of a text share its key, so they land in the same part.
func SplitKey(text string) string {
	s := strings.ToLower(text)
	s = strings.ReplaceAll(s, "{link}", " ")
	for _, ent := range []string{"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"} {
		s = strings.ReplaceAll(s, ent, " ")
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, tok := range strings.Fields(s) {
		if strings.HasPrefix(tok, "@") || strings.HasPrefix(tok, ".@") || strings.Contains(tok, "http://") ||
			strings.Contains(tok, "https://") || strings.HasPrefix(tok, "www.") {
			continue
		}
		b.WriteByte(' ')
		for _, r := range tok {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		}
	}
	words := strings.Fields(b.String())
	kept := words[:0]
	for _, w := range words {
		if w != "rt" {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}

// SplitPart returns the part (0..parts−1) of a text: FNV-64a of its
// SplitKey modulo parts (SplitRule).
func SplitPart(text string, parts int) int {
	h := fnv.New64a()
	h.Write([]byte(SplitKey(text)))
	return int(h.Sum64() % uint64(parts))
}

// DropTrained removes the examples for which trained is true and counts
// them as skipped (SkipTrained, reported as skipped_trained); it returns
// how many it removed.
func (d *Dataset) DropTrained(trained func(Example) bool) int {
	return d.drop(trained, SkipTrained, "in a part of the file the model was trained on or made choices on")
}

// KeepSplit keeps the examples whose Split is name and drops the others,
// counted as SkipOtherSplit; it returns how many it dropped. It is an error
// when no example has a split (the file has no split column).
func (d *Dataset) KeepSplit(name string) (int, error) {
	has := false
	for _, ex := range d.Examples {
		if ex.Split != "" {
			has = true
			break
		}
	}
	if !has {
		return 0, fmt.Errorf("eval: split %q asked for, but no row has a split (the file needs a split column)", name)
	}
	return d.drop(func(ex Example) bool { return ex.Split != name }, SkipOtherSplit, "not in split "+name), nil
}

// drop removes the examples for which out is true, each counted under
// reason.
func (d *Dataset) drop(out func(Example) bool, reason, detail string) int {
	kept := d.Examples[:0]
	n := 0
	for _, ex := range d.Examples {
		if out(ex) {
			d.skip(ex.Line, reason, detail)
			n++
			continue
		}
		kept = append(kept, ex)
	}
	clear(d.Examples[len(kept):])
	d.Examples = kept
	return n
}

// KeepParts keeps the examples whose SplitPart(text, parts) is one of
// keep (the held-out parts a model recorded for this file) and drops the
// others as SkipTrained; it returns how many it dropped. rule must be
// SplitRule: a split made by another rule cannot be reproduced here.
func (d *Dataset) KeepParts(rule string, parts int, keep []int) (int, error) {
	if rule != SplitRule {
		return 0, fmt.Errorf("eval: the model split this file by %q; this build applies only %q", rule, SplitRule)
	}
	if parts <= 0 {
		return 0, fmt.Errorf("eval: split into %d parts", parts)
	}
	return d.DropTrained(func(ex Example) bool {
		p := SplitPart(ex.Text, parts)
		for _, k := range keep {
			if p == k {
				return false
			}
		}
		return true
	}), nil
}
