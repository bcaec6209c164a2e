package replay

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

var testCols = twcsColumns{id: 1, author: 2, created: 4, text: 5, replyTo: 7, n: 8}

func TestParseTWCSHeader(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		want    twcsColumns
		wantErr string
	}{
		{"with pandas index", ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id", testCols, ""},
		{"official sample", "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id", twcsColumns{0, 1, 3, 4, 6, 7}, ""},
		{"BOM and case", "\uFEFFTweet_ID,Author_ID,Created_At,Text", twcsColumns{0, 1, 2, 3, -1, 4}, ""},
		{"missing text", "tweet_id,author_id,created_at", twcsColumns{}, "lacks column(s) text"},
		{"not twcs", "a,b,c", twcsColumns{}, "author_id, created_at, text, tweet_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTWCSHeader(strings.Split(tt.header, ","))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("columns = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseTweetID(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"3", 3, true}, {"3.0", 3, true}, {" 119238 ", 119238, true}, {"12.000", 12, true},
		{"3.5", 0, false}, {"0", 0, false}, {"-4", 0, false}, {"+4", 0, false}, {"", 0, false},
		{"abc", 0, false}, {".0", 0, false}, {"1e5", 0, false}, {"99999999999999999999", 0, false},
		{"9223372036854775807", 9223372036854775807, true},
	}
	for _, tt := range tests {
		got, err := parseTweetID(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseTweetID(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestDecodeTWCSRow(t *testing.T) {
	row := func(id, author, created, text, reply string) []string {
		return []string{"0", id, author, "True", created, text, "", reply}
	}
	const when = "Tue Oct 31 22:10:47 +0000 2017"
	tests := []struct {
		name       string
		rec        []string
		wantReason string
		check      func(t *testing.T, r twcsRow)
	}{
		{"plain", row("1", "sprintcare", when, "@115712 I understand.", "3.0"), "", func(t *testing.T, r twcsRow) {
			if r.id != 1 || r.parent != 3 || r.author != "sprintcare" || r.text != "@115712 I understand." {
				t.Errorf("row = %+v", r)
			}
			if want := time.Date(2017, 10, 31, 22, 10, 47, 0, time.UTC).Unix(); r.created != want {
				t.Errorf("created = %d, want %d", r.created, want)
			}
		}},
		{"no reply", row("8", "115712", when, "@sprintcare is the worst customer service", ""), "", func(t *testing.T, r twcsRow) {
			if r.parent != 0 {
				t.Errorf("parent = %d, want 0", r.parent)
			}
		}},
		{"offset converted to UTC", row("8", "a", "Wed Nov 01 08:30:00 +0100 2017", "x", ""), "", func(t *testing.T, r twcsRow) {
			if got := time.Unix(r.created, 0).UTC().Format(time.RFC3339); got != "2017-11-01T07:30:00Z" {
				t.Errorf("created = %s", got)
			}
		}},
		{"html entities", row("8", "a", when, "a &lt;3 b &amp;amp; c &gt;", ""), "", func(t *testing.T, r twcsRow) {
			if r.text != "a <3 b &amp; c >" {
				t.Errorf("text = %q", r.text)
			}
		}},
		{"invalid utf-8 repaired", row("8", "a", when, "bad \xff byte", ""), "", func(t *testing.T, r twcsRow) {
			if r.text != "bad \uFFFD byte" {
				t.Errorf("text = %q", r.text)
			}
		}},
		{"bad date", row("1", "a", "yesterday", "x", ""), ReasonBadDate, nil},
		{"empty date", row("1", "a", "", "x", ""), ReasonBadDate, nil},
		{"empty text", row("1", "a", when, " \n ", ""), ReasonEmptyText, nil},
		{"bad id", row("x1", "a", when, "x", ""), ReasonBadID, nil},
		{"float id with fraction", row("1.5", "a", when, "x", ""), ReasonBadID, nil},
		{"bad reply id", row("1", "a", when, "x", "nan"), ReasonBadReplyID, nil},
		{"self reply", row("7", "a", when, "x", "7.0"), ReasonBadReplyID, nil},
		{"empty author", row("1", " ", when, "x", ""), ReasonEmptyAuthor, nil},
		{"author with space", row("1", "a b", when, "x", ""), ReasonEmptyAuthor, nil},
		{"field count", []string{"1", "2"}, ReasonBadCSV, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, reason, err := decodeTWCSRow(testCols, tt.rec)
			if reason != tt.wantReason {
				t.Fatalf("reason = %q (%v), want %q", reason, err, tt.wantReason)
			}
			if (err != nil) != (reason != "") {
				t.Fatalf("reason %q but err %v", reason, err)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestResolveConversations(t *testing.T) {
	// id → parent; the expected root and depth.
	tests := []struct {
		name  string
		rows  [][2]int64
		roots map[int64]int64
		depth map[int64]int32
	}{
		{"chain in file", [][2]int64{{1, 3}, {2, 1}, {3, 4}, {4, 5}, {5, 0}},
			map[int64]int64{1: 5, 2: 5, 3: 5, 4: 5, 5: 5}, map[int64]int32{5: 0, 4: 1, 3: 2, 1: 3, 2: 4}},
		{"chain leaves the file", [][2]int64{{10, 11}, {11, 999}},
			map[int64]int64{10: 999, 11: 999}, map[int64]int32{11: 1, 10: 2}},
		{"roots and branches", [][2]int64{{20, 0}, {21, 20}, {22, 20}, {23, 22}},
			map[int64]int64{20: 20, 21: 20, 22: 20, 23: 20}, map[int64]int32{20: 0, 21: 1, 22: 1, 23: 2}},
		{"cycle", [][2]int64{{31, 32}, {32, 33}, {33, 31}, {34, 33}},
			map[int64]int64{31: 31, 32: 31, 33: 31, 34: 31}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows []twcsRow
			for _, r := range tt.rows {
				rows = append(rows, twcsRow{id: r[0], parent: r[1]})
			}
			index := map[int64]int32{}
			for i, r := range rows {
				index[r.id] = int32(i)
			}
			resolveConversations(rows, index)
			for _, r := range rows {
				if r.conv != tt.roots[r.id] {
					t.Errorf("root of %d = %d, want %d", r.id, r.conv, tt.roots[r.id])
				}
				if d, ok := tt.depth[r.id]; ok && r.depth != d {
					t.Errorf("depth of %d = %d, want %d", r.id, r.depth, d)
				}
			}
		})
	}
}

func TestDecodeJSONLLine(t *testing.T) {
	good := `{"v":1,"id":"x:1","platform":"x","native_id":"1","created_at":"2025-01-02T03:04:05Z","ingested_at":"2025-01-02T03:04:06Z","source":"t","author":{"id":"a"},"text":"hi","conversation_id":"x:1"}`
	tests := []struct {
		name       string
		line       string
		wantBlank  bool
		wantReason string
	}{
		{"good", good, false, ""},
		{"good CRLF", good + "\r\n", false, ""},
		{"blank", "   \r\n", true, ""},
		{"truncated", good[:40], false, ReasonBadJSON},
		{"two objects", good + good, false, ReasonBadJSON},
		{"missing text", strings.Replace(good, `"text":"hi"`, `"text":""`, 1), false, "invalid_text"},
		{"bad version", strings.Replace(good, `"v":1`, `"v":2`, 1), false, "invalid_v"},
		{"not utf-8", strings.Replace(good, "hi", "h\xffi", 1), false, ReasonBadJSON},
		{"too large", `{"text":"` + strings.Repeat("x", 1<<20) + `"}`, false, ReasonLineTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, blank, reason, err := decodeJSONLLine([]byte(tt.line))
			if blank != tt.wantBlank || reason != tt.wantReason {
				t.Fatalf("blank=%v reason=%q err=%v; want blank=%v reason=%q", blank, reason, err, tt.wantBlank, tt.wantReason)
			}
			if reason == "" && !blank && (m == nil || m.ID != "x:1") {
				t.Fatalf("m = %+v", m)
			}
		})
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		path, head, want string
	}{
		{"a.csv", ",tweet_id,author_id\n0,1,a", FormatTWCS},
		{"a.txt", "\uFEFFtweet_id,author_id\n", FormatTWCS},
		{"a.txt", "  \n{\"v\":1}\n", FormatJSONL},
		{"dump.jsonl", "", FormatJSONL},
		{"x.ndjson", "garbage", FormatJSONL},
		{"x.csv", "a,b,c", ""},
		{"Tweets.csv", "tweet_id,airline_sentiment,airline_sentiment_confidence,negativereason,airline,name,text,tweet_created\r\n", FormatCrowdFlower},
		{"sxsw.csv", "tweet_text,emotion_in_tweet_is_directed_at,is_there_an_emotion_directed_at_a_brand_or_product\r\n\".@w I have\"", FormatCrowdFlower},
		{"orig.csv", "_unit_id,_golden,airline_sentiment,airline_sentiment:confidence,text", FormatCrowdFlower},
		{"x.tsv", "id\ttext\tsentiment\n", ""}, // CrowdFlower files are comma-separated: a TSV needs --format csv
		{"x.bin", "garbage", ""},
	}
	for _, tt := range tests {
		got, err := DetectFormat(tt.path, []byte(tt.head))
		if tt.want == "" {
			if err == nil || !strings.Contains(err.Error(), "--format") {
				t.Errorf("DetectFormat(%s) = %q, %v; want an error", tt.path, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("DetectFormat(%s, %q) = %q, %v; want %q", tt.path, tt.head, got, err, tt.want)
		}
	}
}

// FuzzTWCS feeds arbitrary bytes to the twcs loader (header, CSV parsing,
// row decoding, conversation roots): it must never panic, and every row it
// keeps must map to a record that validates.
func FuzzTWCS(f *testing.F) {
	f.Add([]byte(",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n0,1,sprintcare,False,Tue Oct 31 22:10:47 +0000 2017,@115712 hi,2,3.0\n1,3,115712,True,Tue Oct 31 22:08:27 +0000 2017,\"@sprintcare a\nb\",1,\n"))
	f.Add([]byte("tweet_id,author_id,created_at,text,in_response_to_tweet_id\r\n5,a,2017-11-01T09:00:00Z,\"x \"\"y\"\"\",6\r\n6,b,Wed Nov 01 08:30:00 +0100 2017,z,5\r\n"))
	f.Add([]byte("tweet_id,author_id,created_at,text\n1,a,bad,\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
		d, err := loadTWCS(bytes.NewReader(data), now, func(int, string, error) {})
		if err != nil {
			return
		}
		for i := 0; i < d.Len(); i++ {
			m, err := d.Mention(i)
			if err != nil {
				t.Fatal(err)
			}
			if m.CreatedAt.Year() < 2000 || m.CreatedAt.After(time.Now()) {
				continue // Validate rejects these dates; the publisher counts them
			}
			if err := m.Validate(); err != nil && !strings.HasPrefix(err.Error(), "text:") {
				t.Fatalf("row %d maps to an invalid record: %v\n%+v", i, err, m)
			}
			if i > 0 && d.CreatedAt(i).Before(d.CreatedAt(i-1)) {
				t.Fatalf("not sorted at %d", i)
			}
		}
	})
}

// FuzzTWCSRow: the row decoder never panics on any fields, and a row it
// accepts has a positive id, a parent other than itself, an author, a text.
func FuzzTWCSRow(f *testing.F) {
	f.Add("119238", "ChaseSupport", "Wed Oct 11 13:25:49 +0000 2017", "@105835 Your business means a lot to us.", "119239.0")
	f.Add("3", "115712", "Tue Oct 31 22:08:27 +0000 2017", "@sprintcare I have sent several private messages", "")
	f.Add("1.0", " ", "2017-11-01T09:00:00Z", "&amp;", "1")
	f.Fuzz(func(t *testing.T, id, author, created, text, reply string) {
		row, reason, err := decodeTWCSRow(testCols, []string{"0", id, author, "True", created, text, "", reply})
		if reason != "" {
			if err == nil {
				t.Fatalf("reason %q without an error", reason)
			}
			return
		}
		if err != nil || row.id <= 0 || row.parent < 0 || row.parent == row.id || row.author == "" || strings.TrimSpace(row.text) == "" {
			t.Fatalf("accepted a bad row: %+v (%v)", row, err)
		}
	})
}

// FuzzJSONLLine: the JSONL line decoder never panics, and what it accepts
// is a valid record.
func FuzzJSONLLine(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"x:1","platform":"x","native_id":"1","created_at":"2025-01-02T03:04:05Z","ingested_at":"2025-01-02T03:04:06Z","source":"t","author":{"id":"a"},"text":"hi","conversation_id":"x:1"}`))
	f.Add([]byte("{}\r\n"))
	f.Add([]byte(`{"v":1,"brands":[{"brand":""}]}`))
	f.Add([]byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, line []byte) {
		m, blank, reason, err := decodeJSONLLine(line)
		switch {
		case blank:
			if m != nil || reason != "" || err != nil {
				t.Fatalf("blank line with a result")
			}
		case reason != "":
			if err == nil || m != nil {
				t.Fatalf("reason %q without an error", reason)
			}
		default:
			if m == nil || err != nil {
				t.Fatalf("accepted line without a record: %v", err)
			}
			if verr := m.Validate(); verr != nil {
				t.Fatalf("accepted an invalid record: %v", verr)
			}
		}
	})
}

func BenchmarkDecodeTWCSRow(b *testing.B) {
	rec := []string{"0", "119238", "ChaseSupport", "False", "Wed Oct 11 13:25:49 +0000 2017",
		"@105835 Your business means a lot to us. Please DM your name, zip code and additional details about your concern. ^RR https://t.co/znUu1VJn9r", "", "119239.0"}
	b.ReportAllocs()
	for b.Loop() {
		if _, reason, err := decodeTWCSRow(testCols, rec); reason != "" {
			b.Fatal(err)
		}
	}
}

func ExampleSummary_String() {
	s := Summary{Published: 4998, Skipped: map[string]int64{"empty_text": 1, "bad_date": 1}}
	fmt.Println(s)
	// Output: published=4998 skipped=2 skipped_bad_date=1 skipped_empty_text=1
}
