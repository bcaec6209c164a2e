package eval

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRead(t *testing.T) {
	type ex struct{ id, label, text string }
	tests := []struct {
		name    string
		format  string
		input   string
		want    []ex
		scores  []float64 // vader
		splits  []string  // crowdflower with a split column
		skipped map[string]int
	}{
		{
			name:   "semeval basic, escapes, quotes, extra column, CRLF",
			format: FormatSemEval,
			input: "1\tpositive\tGas hit $3.39\\u002c I\\u2019m happy :)\n" +
				"2\tnegative\t\"Theo Walcott is still shit, watch Rafa\"\t\n" +
				"3\tneutral\t\"unclosed quote at start\r\n" +
				"4\tobjective-OR-neutral\tplain\tWed Jul 29 12:01:22 +0000 2015\n" +
				"\n" +
				"5\tmixed\tunknown label\n" +
				"6\tpositive\n" +
				"7\tpositive\t  \"\"  \n" +
				"8\tpositive\temoji \\ud83d\\ude00 and bad \\uZZZZ and lone \\ud83d end",
			want: []ex{
				{"1", "positive", "Gas hit $3.39, I’m happy :)"},
				{"2", "negative", "Theo Walcott is still shit, watch Rafa"},
				{"3", "neutral", "unclosed quote at start"},
				{"4", "neutral", "plain"},
				{"8", "positive", "emoji 😀 and bad \\uZZZZ and lone \uFFFD end"},
			},
			skipped: map[string]int{SkipBadLabel: 1, SkipBadRow: 1, SkipEmptyText: 1},
		},
		{
			name:   "vader",
			format: FormatVADER,
			input: "1\t2.726315789\tSo lucky.\r\n" +
				"2\t-2.154639175\tDie die die\r\n" +
				"3\tabc\tnot a number\r\n" +
				"4\t9.5\tout of range\r\n" +
				"5\tNaN\tnan\r\n" +
				"6\t0.5\n" +
				"7\t0\ttab\tinside\r\n",
			want:    []ex{{"1", "", "So lucky."}, {"2", "", "Die die die"}, {"7", "", "tab inside"}},
			scores:  []float64{2.726315789, -2.154639175, 0},
			skipped: map[string]int{SkipBadScore: 3, SkipBadRow: 1},
		},
		{
			name:   "s140",
			format: FormatS140,
			input: `"4","3","Mon May 11 03:17:40 UTC 2009","kindle2","tpryan","@stellargirl I loooooooovvvvvveee my Kindle2."` + "\n" +
				`"0","5","date","q","u","this sucks, really"` + "\n" +
				`"2","6","date","q","u","a neutral, ""quoted"" one"` + "\n" +
				`"3","7","date","q","u","bad polarity"` + "\n" +
				`"4"` + "\n" +
				"\"0\",\"8\",\"d\",\"q\",\"u\",\"caf\xe9 latin-1\"\n",
			want: []ex{{"3", "positive", "@stellargirl I loooooooovvvvvveee my Kindle2."}, {"5", "negative", "this sucks, really"},
				{"6", "neutral", `a neutral, "quoted" one`}, {"8", "negative", "café latin-1"}},
			skipped: map[string]int{SkipBadLabel: 1, SkipBadRow: 1},
		},
		{
			name:   "s140 with a header",
			format: FormatS140,
			input:  "polarity,id,date,query,user,text\n4,1,d,q,u,great\n",
			want:   []ex{{"1", "positive", "great"}},
		},
		{
			name:   "crowdflower brand emotion",
			format: FormatCrowdFlower,
			input: "\ufefftweet_text,emotion_in_tweet_is_directed_at,is_there_an_emotion_directed_at_a_brand_or_product\r\n" +
				"\".@wesley83 I have a 3G iPhone. After 3 hrs, it was dead!\",iPhone,Negative emotion\r\n" +
				"Awesome iPad app,iPad,Positive emotion\r\n" +
				"Google Maps at #SXSW,,No emotion toward brand or product\r\n" +
				"who knows,,I can't tell\r\n" +
				",,Negative emotion\r\n" +
				"weird,,Angry\r\n" +
				"short\r\n",
			want: []ex{{"", "negative", ".@wesley83 I have a 3G iPhone. After 3 hrs, it was dead!"}, {"", "positive", "Awesome iPad app"},
				{"", "neutral", "Google Maps at #SXSW"}},
			skipped: map[string]int{SkipCantTell: 1, SkipEmptyText: 1, SkipBadLabel: 1, SkipBadRow: 1},
		},
		{
			name:   "crowdflower airline",
			format: FormatCrowdFlower,
			input: "tweet_id,airline_sentiment,airline_sentiment_confidence,text\n" +
				"570306133677760513,neutral,1.0,@VirginAmerica What @dhepburn said.\n" +
				"570301130888122368,positive,0.3486,@VirginAmerica plus you've added commercials\n" +
				"570301083672813571,negative,0.6837,\"@united flight delayed 3 hours, no update\"\n",
			want: []ex{{"570306133677760513", "neutral", "@VirginAmerica What @dhepburn said."},
				{"570301130888122368", "positive", "@VirginAmerica plus you've added commercials"},
				{"570301083672813571", "negative", "@united flight delayed 3 hours, no update"}},
		},
		{
			name:   "earshot's labelled file: sentiment and split columns",
			format: FormatCrowdFlower,
			input: "tweet_id,brand,created_at,text,sentiment,split\n" +
				"281,AdobeCare,2017-10-31T22:00:00Z,\"Please tell me why my @115769 has expired, but I’m still being charged????\",negative,holdout\n" +
				"234,ATVIAssist,2017-10-31T21:00:00Z,@ATVIAssist i pre ordered wwii but how do i get the code?,neutral,tune\n" +
				"235,ATVIAssist,2017-10-31T21:00:00Z,short row\n",
			want: []ex{{"281", "negative", "Please tell me why my @115769 has expired, but I’m still being charged????"},
				{"234", "neutral", "@ATVIAssist i pre ordered wwii but how do i get the code?"}},
			splits:  []string{"holdout", "tune"},
			skipped: map[string]int{SkipBadRow: 1},
		},
		{
			name:   "empty input",
			format: FormatSemEval,
			input:  "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Read(strings.NewReader(tt.input), tt.format)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Examples) != len(tt.want) {
				t.Fatalf("%d examples %+v, want %d", len(d.Examples), d.Examples, len(tt.want))
			}
			for i, w := range tt.want {
				g := d.Examples[i]
				if g.ID != w.id || g.Label != w.label || g.Text != w.text {
					t.Errorf("example %d = {%q %q %q}, want {%q %q %q}", i, g.ID, g.Label, g.Text, w.id, w.label, w.text)
				}
				wantSplit := ""
				if tt.splits != nil {
					wantSplit = tt.splits[i]
				}
				if g.Split != wantSplit {
					t.Errorf("example %d split %q, want %q", i, g.Split, wantSplit)
				}
				if tt.scores != nil && g.Score != tt.scores[i] {
					t.Errorf("example %d score %v, want %v", i, g.Score, tt.scores[i])
				}
			}
			total := 0
			for reason, n := range tt.skipped {
				total += n
				if d.Skipped[reason] != n {
					t.Errorf("skipped[%s] = %d, want %d (all: %v, first: %v)", reason, d.Skipped[reason], n, d.Skipped, d.FirstSkip)
				}
				if n > 0 && !strings.HasPrefix(d.FirstSkip[reason], "line ") {
					t.Errorf("FirstSkip[%s] = %q, want a line reference", reason, d.FirstSkip[reason])
				}
			}
			if d.SkippedTotal() != total {
				t.Errorf("SkippedTotal = %d (%v), want %d", d.SkippedTotal(), d.Skipped, total)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	if _, err := Read(strings.NewReader("x"), "json"); err == nil || !strings.Contains(err.Error(), "semeval") {
		t.Errorf("unknown format: err = %v, want one naming the formats", err)
	}
	_, err := Read(strings.NewReader("id,label,body\n1,positive,x\n"), FormatCrowdFlower)
	if err == nil || !strings.Contains(err.Error(), "tweet_text") || !strings.Contains(err.Error(), "airline_sentiment") {
		t.Errorf("header without columns: err = %v, want one naming the missing columns", err)
	}
	if _, err := Read(strings.NewReader(""), FormatCrowdFlower); err == nil {
		t.Error("crowdflower without a header: no error")
	}
}

func TestReadLongLine(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("1\tpositive\tok\n2\tpositive\t")
	b.Write(bytes.Repeat([]byte("a"), MaxLineBytes+10))
	b.WriteString("\n3\tnegative\t" + strings.Repeat("b", 100<<10) + "\n")
	d, err := Read(&b, FormatSemEval)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Examples) != 2 || d.Skipped[SkipTooLong] != 1 || d.Examples[1].ID != "3" || len(d.Examples[1].Text) != 100<<10 {
		t.Errorf("examples %d, skipped %v; want 2 (the 100 KiB line kept) and one too_long", len(d.Examples), d.Skipped)
	}
}

// checkDataset is the invariant every reader keeps on any input.
func checkDataset(t *testing.T, d *Dataset, input []byte) {
	t.Helper()
	lines := bytes.Count(input, []byte("\n")) + 1
	if len(d.Examples)+d.SkippedTotal() > lines+1 {
		t.Fatalf("%d examples + %d skipped from %d lines", len(d.Examples), d.SkippedTotal(), lines)
	}
	for _, e := range d.Examples {
		if e.Text == "" || !utf8.ValidString(e.Text) {
			t.Fatalf("example at line %d has an empty or invalid text %q", e.Line, e.Text)
		}
		if d.Format != FormatVADER && !validLabel(e.Label) {
			t.Fatalf("example at line %d has label %q", e.Line, e.Label)
		}
		if d.Format == FormatVADER && !(e.Score >= -4 && e.Score <= 4) {
			t.Fatalf("example at line %d has score %v", e.Line, e.Score)
		}
	}
}

func fuzzFormat(f *testing.F, format string, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Read(bytes.NewReader(data), format)
		if err != nil {
			if format == FormatCrowdFlower {
				return // a missing header is an error, not a crash
			}
			t.Fatalf("Read: %v", err)
		}
		checkDataset(t, d, data)
	})
}

func FuzzReadSemEval(f *testing.F) {
	fuzzFormat(f, FormatSemEval, "1\tpositive\thi \\u002c there\n2\tneutral\t\"q\n", "1\tnegative\t\\ud83d\\ude00\r\n", "\t\t\t\n", "x")
}

func FuzzReadVADER(f *testing.F) {
	fuzzFormat(f, FormatVADER, "1\t2.7\tSo lucky.\r\n2\t-4\tno\r\n", "1\t1e308\tx\n", "1\t-0\t\"\"\n")
}

func FuzzReadS140(f *testing.F) {
	fuzzFormat(f, FormatS140, `"4","3","d","q","u","text"`+"\n", "0,1,\"unterminated\n", "polarity,text\n2,ok\n", "\"\"\"\n")
}

func FuzzReadCrowdFlower(f *testing.F) {
	fuzzFormat(f, FormatCrowdFlower,
		"tweet_text,x,is_there_an_emotion_directed_at_a_brand_or_product\nhi,,Positive emotion\nq,,I can't tell\n",
		"text,airline_sentiment\n\"a,b\",negative\n", "text,airline_sentiment\n\"open\n")
}
