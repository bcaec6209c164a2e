package replay

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/earshot-dev/earshot/mention"
)

func TestRepairMojibake(t *testing.T) {
	tests := []struct {
		in, want string
		changed  bool
	}{
		{"plain ascii", "plain ascii", false},
		{"‰ÛÏquoted‰Û", "“quoted”", true},
		{"we‰Ûªll", "we’ll", true},
		{"‰Û÷#SmartCover‰Ûª", "‘#SmartCover’", true},
		{"Now‰ÛÒand", "Now–and", true},
		{"long ‰ÛÓ wait", "long — wait", true},
		{"smile ‰÷¼", "smile ☺", true},
		{"nbsp åÊ here", "nbsp \u00a0 here", true},
		{"caf\u00cc\u00a9", "café", true},
		{"‰Û‰ÛÏ", "”“", true},                   // a lost last byte, then a full sequence
		{"lost ‰÷ byte", "lost ‰÷ byte", false}, // a lost byte that cannot be guessed
		{"café naïve Größe", "café naïve Größe", false},
		{"emoji 😤 and ☺", "emoji 😤 and ☺", false},
		{"日本語", "日本語", false},
		{"‰", "‰", false},
	}
	for _, tt := range tests {
		got, changed := repairMojibake(tt.in)
		if got != tt.want || changed != tt.changed {
			t.Errorf("repairMojibake(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.changed)
		}
	}
}

func TestDecodeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"valid ’ utf-8", "valid ’ utf-8"},
		{"caf\xe9", "café"},
		{"\x89\xdb\xaa", "‰Ûª"}, // the SXSW file as published: Windows-1252 bytes
		{"\x93q\x94 \x81", "“q” \u0081"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := decodeCell(tt.in); got != tt.want {
			t.Errorf("decodeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCrowdFlowerWindows1252: the same file in Windows-1252 (as the SXSW
// file is published) and in UTF-8 gives the same records and ids.
func TestCrowdFlowerWindows1252(t *testing.T) {
	utf, err := os.ReadFile(filepath.Join("testdata", "crowdflower_brand_emotion.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var cp bytes.Buffer
	for _, r := range string(utf) {
		switch b, ok := cp1252Rev[r]; {
		case r < 0x80:
			cp.WriteByte(byte(r))
		case ok:
			cp.WriteByte(b)
		default:
			t.Fatalf("fixture rune %q has no Windows-1252 byte", r)
		}
	}
	if utf8.Valid(cp.Bytes()) {
		t.Fatal("the Windows-1252 copy is valid UTF-8; the test would prove nothing")
	}
	load := func(data []byte) []string {
		now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
		d, err := loadTable(bytes.NewReader(data), FormatCrowdFlower, SourceCrowdFlower, ',', now, func(h []string) (tableDecoder, error) {
			return parseCrowdFlowerHeader(h, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC, true)
		}, func(int, string, error) {})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for i := 0; i < d.Len(); i++ {
			m, _ := d.Mention(i)
			out = append(out, m.ID+" "+m.Text)
		}
		return out
	}
	a, b := load(utf), load(cp.Bytes())
	if strings.Join(a, "\n") != strings.Join(b, "\n") || len(a) != 9 {
		t.Errorf("UTF-8:\n%s\nWindows-1252:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}

func TestContentIDs(t *testing.T) {
	ids := contentIDs{}
	sum := sha256.Sum256([]byte("RT @mention Win an iPad"))
	h := hex.EncodeToString(sum[:])[:16]
	got := []string{ids.next("RT @mention Win an iPad"), ids.next("other"), ids.next("RT @mention Win an iPad"), ids.next("RT @mention Win an iPad")}
	if got[0] != h || got[2] != h+"-2" || got[3] != h+"-3" || got[1] == h || len(got[1]) != 16 {
		t.Errorf("ids = %v (hash %s)", got, h)
	}
	if again := (contentIDs{}).next("RT @mention Win an iPad"); again != h {
		t.Errorf("a second file gives %s, want %s", again, h)
	}
}

func TestParseCrowdFlowerHeader(t *testing.T) {
	def := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, header string
		check        func(t *testing.T, c *cfColumns)
		wantErr      string
	}{
		{"kaggle airline", "tweet_id,airline_sentiment,airline_sentiment_confidence,negativereason,negativereason_confidence,airline,airline_sentiment_gold,name,negativereason_gold,retweet_count,text,tweet_coord,tweet_created,tweet_location,user_timezone",
			func(t *testing.T, c *cfColumns) {
				if c.tweetID != 0 || c.label != 1 || c.labelConf != 2 || c.reason != 3 || c.reasonConf != 4 || c.target != 5 || c.labelGold != 6 ||
					c.name != 7 || c.reasonGold != 8 || c.retweets != 9 || c.text != 10 || c.coord != 11 || c.created != 12 || c.location != 13 || c.timezone != 14 {
					t.Errorf("columns = %+v", c)
				}
			}, ""},
		{"crowdflower original", "_unit_id,_golden,_unit_state,airline_sentiment,airline_sentiment:confidence,negativereason,negativereason:confidence,airline,name,text,tweet_created,tweet_id",
			func(t *testing.T, c *cfColumns) {
				if c.unitID != 0 || c.labelConf != 4 || c.reasonConf != 6 || c.tweetID != 11 {
					t.Errorf("columns = %+v", c)
				}
			}, ""},
		{"sxsw with BOM", "\uFEFFtweet_text,emotion_in_tweet_is_directed_at,is_there_an_emotion_directed_at_a_brand_or_product",
			func(t *testing.T, c *cfColumns) {
				if c.text != 0 || c.target != 1 || c.label != 2 || c.tweetID != -1 || c.created != -1 || c.name != -1 {
					t.Errorf("columns = %+v", c)
				}
			}, ""},
		{"no label", "tweet_text,brand", nil, "lacks a label column"},
		{"no text", "id,sentiment", nil, "lacks a text column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseCrowdFlowerHeader(strings.Split(tt.header, ","), def, time.UTC, true)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

var airlineHeader = strings.Split("tweet_id,airline_sentiment,airline_sentiment_confidence,negativereason,negativereason_confidence,airline,name,retweet_count,text,tweet_created", ",")

func testCFColumns(tb testing.TB) *cfColumns {
	tb.Helper()
	c, err := parseCrowdFlowerHeader(airlineHeader, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC, true)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestDecodeCrowdFlowerRow(t *testing.T) {
	c := testCFColumns(t)
	row := func(id, label, conf, reason, name, rts, text, created string) []string {
		return []string{id, label, conf, reason, "", "United", name, rts, text, created}
	}
	const when = "2015-02-24 11:35:52 -0800"
	tests := []struct {
		name       string
		rec        []string
		wantReason string
		check      func(t *testing.T, m *mention.Mention, r tableRow)
	}{
		{"tweet", row("570306133677760513", "negative", "1.0", "Bad Flight", "cairdin", "3", "@united &amp; you", when), "", func(t *testing.T, m *mention.Mention, r tableRow) {
			if m.ID != "x:570306133677760513" || m.Platform != "x" || m.ConversationID != m.ID || m.Author.Handle != "cairdin" || m.Text != "@united & you" ||
				!m.CreatedAt.Equal(time.Date(2015, 2, 24, 19, 35, 52, 0, time.UTC)) || m.Engagement.Reposts != 3 || r.hashText != "" {
				t.Errorf("m = %+v", m)
			}
			if m.Extra["label"] != "negative" || m.Extra["label_confidence"] != 1.0 || m.Extra["negative_reason"] != "Bad Flight" || m.Extra["target"] != "United" {
				t.Errorf("extra = %v", m.Extra)
			}
		}},
		{"no tweet id", row("", "positive", "", "", "jo", "", "hi", when), "", func(t *testing.T, m *mention.Mention, r tableRow) {
			if m.Platform != PlatformCrowdFlower || m.ID != "" || r.hashText != "hi" || m.URL != "" {
				t.Errorf("m = %+v, hash %q", m, r.hashText)
			}
		}},
		{"no date", row("1", "neutral", "", "", "jo", "", "hi", " "), "", func(t *testing.T, m *mention.Mention, _ tableRow) {
			if m.CreatedAt.Year() != 2000 || m.Extra["created_at_default"] != true {
				t.Errorf("created %s extra %v", m.CreatedAt, m.Extra)
			}
		}},
		{"display name", row("1", "neutral", "", "", "Jo Bloggs", "", "hi", when), "", func(t *testing.T, m *mention.Mention, _ tableRow) {
			if m.Author.ID != "Jo Bloggs" || m.Author.Handle != "" || m.Author.DisplayName != "Jo Bloggs" {
				t.Errorf("author = %+v", m.Author)
			}
		}},
		{"unknown label kept raw", row("1", "meh", "", "", "jo", "", "hi", when), "", func(t *testing.T, m *mention.Mention, _ tableRow) {
			if _, ok := m.Extra["label"]; ok || m.Extra["label_raw"] != "meh" {
				t.Errorf("extra = %v", m.Extra)
			}
		}},
		{"us date", row("1", "neutral", "", "", "jo", "", "hi", "2/24/15 11:35"), "", func(t *testing.T, m *mention.Mention, _ tableRow) {
			if !m.CreatedAt.Equal(time.Date(2015, 2, 24, 11, 35, 0, 0, time.UTC)) {
				t.Errorf("created = %s", m.CreatedAt)
			}
		}},
		{"empty text", row("1", "neutral", "", "", "jo", "", " \r\n", when), ReasonEmptyText, nil},
		{"bad date", row("1", "neutral", "", "", "jo", "", "hi", "yesterday"), ReasonBadDate, nil},
		{"scientific id", row("5.70306E+17", "neutral", "", "", "jo", "", "hi", when), ReasonBadID, nil},
		{"bad id", row("abc", "neutral", "", "", "jo", "", "hi", when), ReasonBadID, nil},
		{"bad confidence", row("1", "neutral", "1.2", "", "jo", "", "hi", when), "bad_label_confidence", nil},
		{"bad retweets", row("1", "neutral", "", "", "jo", "-1", "hi", when), ReasonBadCount, nil},
		{"field count", []string{"1", "2"}, ReasonBadCSV, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, reason, err := c.decode(tt.rec)
			if reason != tt.wantReason || (err != nil) != (reason != "") {
				t.Fatalf("reason = %q (%v), want %q", reason, err, tt.wantReason)
			}
			if tt.check != nil {
				tt.check(t, r.m, r)
			}
		})
	}
}

func TestNewTimeReader(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip(err)
	}
	tests := []struct {
		format, in string
		loc        *time.Location
		want       time.Time
		ok         bool
	}{
		{TimeRFC3339, "2017-10-31T22:10:47Z", time.UTC, time.Date(2017, 10, 31, 22, 10, 47, 0, time.UTC), true},
		{TimeRFC3339, "2017-10-31T23:10:47.5+01:00", time.UTC, time.Date(2017, 10, 31, 22, 10, 47, 5e8, time.UTC), true},
		{TimeRFC3339, "2017-10-31 22:10:47", time.UTC, time.Time{}, false},
		{TimeUnix, "1509487847", time.UTC, time.Date(2017, 10, 31, 22, 10, 47, 0, time.UTC), true},
		{TimeUnix, "1509487847.25", time.UTC, time.Date(2017, 10, 31, 22, 10, 47, 25e7, time.UTC), true},
		{TimeUnix, "1e9", time.UTC, time.Time{}, false},
		{TimeUnix, "NaN", time.UTC, time.Time{}, false},
		{TimeUnix, "99999999999999999", time.UTC, time.Time{}, false},
		{TimeUnixMS, "1509487847123", time.UTC, time.Date(2017, 10, 31, 22, 10, 47, 123e6, time.UTC), true},
		{"2006-01-02 15:04:05 -0700", "2015-02-24 11:35:52 -0800", time.UTC, time.Date(2015, 2, 24, 19, 35, 52, 0, time.UTC), true},
		{"02/01/2006 15:04", "24/02/2015 11:35", la, time.Date(2015, 2, 24, 19, 35, 0, 0, time.UTC), true},
		{"02/01/2006 15:04", "2015-02-24", time.UTC, time.Time{}, false},
	}
	for _, tt := range tests {
		read, err := newTimeReader(tt.format, tt.loc)
		if err != nil {
			t.Fatalf("%s: %v", tt.format, err)
		}
		got, err := read(tt.in)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("%s %q = %s, %v; want %s ok=%v", tt.format, tt.in, got, err, tt.want, tt.ok)
		}
	}
	for _, bad := range []string{"15:04", "nonsense", "unix_s"} {
		if _, err := newTimeReader(bad, time.UTC); err == nil {
			t.Errorf("newTimeReader(%q) accepted it", bad)
		}
	}
}

func TestParseMap(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr string
	}{
		{"id=tweet_id, text=body,created_at=date,extra.label=sentiment", map[string]string{"id": "tweet_id", "text": "body", "created_at": "date", "extra.label": "sentiment"}, ""},
		{"text=Tweet Text", map[string]string{"text": "Tweet Text"}, ""},
		{"text", nil, `"text" is not field=column`},
		{"text=a,text=b", nil, "mapped twice"},
		{"body=a", nil, `unknown field "body"`},
		{" , ", nil, "empty"},
	}
	for _, tt := range tests {
		got, err := ParseMap(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseMap(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("ParseMap(%q) = %v, %v", tt.in, got, err)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("ParseMap(%q)[%s] = %q, want %q", tt.in, k, got[k], v)
			}
		}
	}
}

func TestParseDelimiter(t *testing.T) {
	for in, want := range map[string]rune{"": ',', ",": ',', ";": ';', `\t`: '\t', "tab": '\t', "\t": '\t', "|": '|', "¦": '¦'} {
		if got, err := parseDelimiter(in); err != nil || got != want {
			t.Errorf("parseDelimiter(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`"`, "\n", ";;", "\xff"} {
		if _, err := parseDelimiter(bad); err == nil {
			t.Errorf("parseDelimiter(%q) accepted it", bad)
		}
	}
}

func testCSVColumns(tb testing.TB) *csvColumns {
	tb.Helper()
	read, err := newTimeReader(TimeRFC3339, time.UTC)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := CSVConfig{Platform: "x", Map: map[string]string{"id": "ID", "text": "Text", "created_at": "When", "author_handle": "User",
		"in_reply_to": "Parent", "conversation_id": "Thread", "likes": "Likes", "lang": "Lang", "extra.label": "Label"}}
	c, err := parseCSVHeader([]string{"\uFEFFid", "text", "when", "user", "parent", "thread", "likes", "lang", "label"}, cfg, read, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestDecodeCSVRow(t *testing.T) {
	c := testCSVColumns(t)
	const when = "2024-05-01T10:00:00Z"
	tests := []struct {
		name       string
		rec        []string
		wantReason string
		check      func(t *testing.T, m *mention.Mention)
	}{
		{"full", []string{"12.0", "hello", when, "jo", "x:11", "", "4", "EN", "pos"}, "", func(t *testing.T, m *mention.Mention) {
			if m.ID != "x:12" || m.InReplyTo != "x:11" || m.ConversationID != "" || m.Author.ID != "jo" || m.Author.Handle != "jo" ||
				m.Engagement.Likes != 4 || m.Lang != "en" || m.Extra["label"] != "pos" {
				t.Errorf("m = %+v", m)
			}
		}},
		{"thread given", []string{"12", "hello", when, "", "", "10", "", "", ""}, "", func(t *testing.T, m *mention.Mention) {
			if m.ConversationID != "x:10" || m.Author.ID != AnonymousAuthor || m.Engagement != nil || m.Extra != nil {
				t.Errorf("m = %+v", m)
			}
		}},
		{"empty date", []string{"12", "hello", "", "", "", "", "", "", ""}, "", func(t *testing.T, m *mention.Mention) {
			if m.CreatedAt.Year() != 2000 || m.Extra["created_at_default"] != true {
				t.Errorf("m = %+v", m)
			}
		}},
		{"not utf-8", []string{"12", "caf\xe9", when, "", "", "", "", "", ""}, "", func(t *testing.T, m *mention.Mention) {
			if m.Text != "café" {
				t.Errorf("text = %q", m.Text)
			}
		}},
		{"empty id", []string{" ", "hello", when, "", "", "", "", "", ""}, ReasonBadID, nil},
		{"empty text", []string{"1", "  ", when, "", "", "", "", "", ""}, ReasonEmptyText, nil},
		{"bad date", []string{"1", "hello", "2024-05-01", "", "", "", "", "", ""}, ReasonBadDate, nil},
		{"bad likes", []string{"1", "hello", when, "", "", "", "1.5", "", ""}, ReasonBadCount, nil},
		{"self reply", []string{"7", "hello", when, "", "7", "", "", "", ""}, ReasonBadReplyID, nil},
		{"field count", []string{"7"}, ReasonBadCSV, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, reason, err := c.decode(tt.rec)
			if reason != tt.wantReason || (err != nil) != (reason != "") {
				t.Fatalf("reason = %q (%v), want %q", reason, err, tt.wantReason)
			}
			if tt.check != nil {
				tt.check(t, r.m)
			}
		})
	}
}

func TestParseCSVHeaderMissingColumn(t *testing.T) {
	read, _ := newTimeReader(TimeRFC3339, time.UTC)
	_, err := parseCSVHeader([]string{"id", "body"}, CSVConfig{Platform: "x", Map: map[string]string{"text": "body", "author": "user"}}, read, time.Now())
	if err == nil || !strings.Contains(err.Error(), "author=user names a column the header lacks; the header has: id, body") {
		t.Errorf("err = %v", err)
	}
}

func TestResolveTableConversations(t *testing.T) {
	mk := func(id, parent string) tableRow {
		return tableRow{m: &mention.Mention{ID: id, InReplyTo: parent}}
	}
	rows := []tableRow{mk("p:3", "p:2"), mk("p:2", "p:1"), mk("p:1", ""), mk("p:5", "p:404"), mk("p:6", "p:7"), mk("p:7", "p:6")}
	rows[2].m.ConversationID = "p:given"
	index := map[string]int32{}
	for i, r := range rows {
		index[r.m.ID] = int32(i)
	}
	resolveTableConversations(rows, index)
	want := map[string]struct {
		conv  string
		depth int32
	}{"p:1": {"p:given", 0}, "p:2": {"p:1", 1}, "p:3": {"p:1", 2}, "p:5": {"p:404", 1}, "p:6": {"p:6", 1}, "p:7": {"p:6", 0}}
	for _, r := range rows {
		w := want[r.m.ID]
		if r.m.ConversationID != w.conv || (r.m.ID != "p:6" && r.m.ID != "p:7" && r.depth != w.depth) {
			t.Errorf("%s: conversation %s depth %d, want %s %d", r.m.ID, r.m.ConversationID, r.depth, w.conv, w.depth)
		}
	}
}

// FuzzRepairMojibake: the repair never panics, keeps valid UTF-8 valid,
// leaves ASCII alone, and never grows the text.
func FuzzRepairMojibake(f *testing.F) {
	for _, s := range []string{"‰ÛÏquoted‰Û", "we‰Ûªll", "‰÷¼", "åÊ", "‰Û‰ÛÏ", "café", "日本語 ‹Û‹â", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, changed := repairMojibake(s)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("repairMojibake(%q) = %q is not UTF-8", s, got)
		}
		if !changed && got != s {
			t.Fatalf("unchanged but %q != %q", got, s)
		}
		if len(got) > len(s) {
			t.Fatalf("grew: %q → %q", s, got)
		}
		if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 }) && changed {
			t.Fatalf("changed an ASCII text %q", s)
		}
	})
}

// FuzzCrowdFlowerRow: the row decoder never panics on any fields, and a
// row it accepts maps to a record that validates once its id is set.
func FuzzCrowdFlowerRow(f *testing.F) {
	f.Add("570306133677760513", "negative", "0.6842", "Late Flight", "cairdin", "2", "@united &amp; ‰Ûªs", "2015-02-24 11:35:52 -0800")
	f.Add("", "Positive emotion", "", "", "", "", "RT @mention ‰ÛÏ #SXSW", "")
	f.Add("5.7E+17", "I can't tell", "x", "", "a b", "-1", " ", "2/24/15 11:35")
	c := testCFColumns(f)
	f.Fuzz(func(t *testing.T, id, label, conf, reason, name, rts, text, created string) {
		r, why, err := c.decode([]string{id, label, conf, reason, "", "United", name, rts, text, created})
		if why != "" {
			if err == nil {
				t.Fatalf("reason %q without an error", why)
			}
			return
		}
		m := r.m
		if m.ID == "" {
			if r.hashText == "" && strings.TrimSpace(text) != "" {
				t.Fatalf("no id and nothing to hash")
			}
			m.NativeID = (contentIDs{}).next(r.hashText)
			m.ID = mention.QualifiedID(PlatformCrowdFlower, m.NativeID)
			m.ConversationID = m.ID
		}
		m.IngestedAt = time.Now()
		if m.CreatedAt.Year() < 2000 || m.CreatedAt.After(time.Now()) || len(m.Text) > mention.MaxTextBytes {
			return // Validate rejects these; the publisher counts them
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("accepted a row that maps to an invalid record: %v\n%+v", err, m)
		}
	})
}

// FuzzCSVRow: the same for the csv mapping.
func FuzzCSVRow(f *testing.F) {
	f.Add("12.0", "hello", "2024-05-01T10:00:00Z", "jo", "x:11", "", "4", "EN", "pos")
	f.Add("", "  ", "", "", "", "", "", "", "")
	f.Add("7", "caf\xe9", "2024-05-01", "a b", "7", "x:", "1.5", "", "")
	c := testCSVColumns(f)
	f.Fuzz(func(t *testing.T, id, text, created, user, parent, thread, likes, lang, label string) {
		r, why, err := c.decode([]string{id, text, created, user, parent, thread, likes, lang, label})
		if why != "" {
			if err == nil {
				t.Fatalf("reason %q without an error", why)
			}
			return
		}
		m := r.m
		if m.ID == "" || m.NativeID == "" || !strings.HasPrefix(m.ID, "x:") {
			t.Fatalf("accepted a row without an id: %+v", m)
		}
		if m.ConversationID == "" {
			m.ConversationID = m.ID
		}
		m.IngestedAt = time.Now()
		if m.CreatedAt.Year() < 2000 || m.CreatedAt.After(time.Now()) || len(m.Text) > mention.MaxTextBytes {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("accepted a row that maps to an invalid record: %v\n%+v", err, m)
		}
	})
}

// FuzzCrowdFlowerFile feeds arbitrary bytes to the crowdflower loader:
// never a panic; every record it keeps has a unique id and is in order.
func FuzzCrowdFlowerFile(f *testing.F) {
	for _, name := range []string{"crowdflower_airline.csv", "crowdflower_brand_emotion.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("text,sentiment\n\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
		d, err := loadTable(bytes.NewReader(data), FormatCrowdFlower, SourceCrowdFlower, ',', now, func(h []string) (tableDecoder, error) {
			return parseCrowdFlowerHeader(h, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC, true)
		}, func(int, string, error) {})
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for i := 0; i < d.Len(); i++ {
			m, _ := d.Mention(i)
			if seen[m.ID] || m.ID == "" || m.ConversationID == "" {
				t.Fatalf("record %d: id %q conversation %q (seen before: %v)", i, m.ID, m.ConversationID, seen[m.ID])
			}
			seen[m.ID] = true
			if i > 0 && d.CreatedAt(i).Before(d.CreatedAt(i-1)) {
				t.Fatalf("not sorted at %d", i)
			}
		}
	})
}

func BenchmarkDecodeCrowdFlowerRow(b *testing.B) {
	c := testCFColumns(b)
	rec := []string{"570301130888122002", "negative", "0.6842", "Late Flight", "0.3548", "United", "late_larry", "2",
		"@united 3 hours on the tarmac &amp; counting. ‰ÛÏSoon‰Û they say", "2015-02-24 11:15:59 -0800"}
	b.ReportAllocs()
	for b.Loop() {
		if _, reason, err := c.decode(rec); reason != "" {
			b.Fatal(err)
		}
	}
}
