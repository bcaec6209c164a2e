package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-03-10", time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC), true},
		{"2024-03-10T12:30:00Z", time.Date(2024, 3, 10, 12, 30, 0, 0, time.UTC), true},
		{"2024-03-10T14:30:00+02:00", time.Date(2024, 3, 10, 12, 30, 0, 0, time.UTC), true},
		{"2024-03-10T12:30:00.250Z", time.Date(2024, 3, 10, 12, 30, 0, 250e6, time.UTC), true},
		{"2024-03-10 12:30", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseTime("until", tt.in)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err == nil && got.Location() != time.UTC {
			t.Errorf("parseTime(%q) is in %s, want UTC", tt.in, got.Location())
		}
	}
}

func TestReasonWeeks(t *testing.T) {
	mon := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		since, until time.Time
		want         []time.Time
	}{
		{mon, mon.AddDate(0, 0, 7), []time.Time{mon}},
		{mon.Add(-time.Hour), mon.Add(time.Hour), []time.Time{mon.AddDate(0, 0, -7), mon}},
		{mon.Add(36 * time.Hour), mon.Add(40 * time.Hour), []time.Time{mon}},
		{mon, mon.AddDate(0, 0, 14).Add(time.Second), []time.Time{mon, mon.AddDate(0, 0, 7), mon.AddDate(0, 0, 14)}},
	}
	for _, tt := range tests {
		got := reasonWeeks(tt.since, tt.until)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("reasonWeeks(%v, %v) = %v, want %v", tt.since, tt.until, got, tt.want)
		}
	}
}

// earshot leaderboard --reasons against the real server: klm's billing
// posts 1 then 4 (growing: +3, ≥ +25 %), one answered; a card post only
// the week before (gone); the plain leaderboard's CSV is unchanged by
// the flag's existence.
func TestLeaderboardReasonsCommand(t *testing.T) {
	cfg, conn := migratedClickHouse(t)
	ctx := context.Background()
	mon := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	var b storage.MentionBlock
	add := func(id string, created time.Time, f func(*mention.Mention)) {
		mm := klmPost(id, created)
		f(mm)
		for i := 0; i < 2; i++ { // twice: duplicates change nothing
			if err := b.Append(mm); err != nil {
				t.Fatal(err)
			}
		}
	}
	reason := func(r string) func(*mention.Mention) {
		return func(mm *mention.Mention) { mm.ContactReason = []mention.Reason{{Reason: r, Confidence: 0.9}} }
	}
	add("b0", mon.AddDate(0, 0, -6), reason("billing"))
	add("c0", mon.AddDate(0, 0, -5), reason("card"))
	for i := 0; i < 4; i++ {
		add(fmt.Sprintf("b%d", i+1), mon.Add(time.Duration(24+i)*time.Hour), reason("billing"))
	}
	add("b1r", mon.Add(24*time.Hour+90*time.Second), func(mm *mention.Mention) {
		klmReply(mm, "x:b1")
		mm.Text = "@u1 Hi, we are sorry."
	})
	if err := storage.InsertMentions(ctx, conn, cfg.Database, &b); err != nil {
		t.Fatal(err)
	}

	out, err := runCLI(t, "leaderboard", "--since", "2024-03-04", "--until", "2024-03-11", "--brands", "klm", "--reasons", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	want := "week,brand,reason,trend,count,prev_count,trailing_mean,weeks_present,weeks_window,answered,answered_share,frt_median_s,top_reply,top_reply_count\n" +
		"2024-03-04,klm,billing,growing,4,1,0.25,2,8,1,0.2500,90.0,\"Hi, we are sorry.\",1\n" +
		"2024-03-04,klm,card,gone,0,1,0.25,1,8,0,,,,0\n"
	if out != want {
		t.Fatalf("--reasons csv:\n%s\nwant:\n%s", out, want)
	}
	out, err = runCLI(t, "leaderboard", "--since", "2024-03-04", "--until", "2024-03-11", "--brands", "klm", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	if want := "brand,inbound,answered,pending,response_rate,frt_median_s,frt_p90_s,sla15,sla60\nklm,4,1,0,0.2500,90.0,90.0,0.2500,0.2500\n"; out != want {
		t.Fatalf("leaderboard csv:\n%s\nwant:\n%s", out, want)
	}
	out, err = runCLI(t, "leaderboard", "--since", "2024-03-04", "--until", "2024-03-11", "--brands", "klm", "--reasons")
	if err != nil || !strings.Contains(out, "billing  growing") || !strings.Contains(out, "Hi, we are sorry. (1)") {
		t.Fatalf("--reasons table (%v):\n%s", err, out)
	}
	if _, err := runCLI(t, "leaderboard", "--reasons", "--by", "day"); err == nil {
		t.Fatal("--reasons --by day accepted")
	}
}

func TestLeaderboardProductsCommand(t *testing.T) {
	cfg, conn := migratedClickHouse(t)
	ctx := context.Background()
	mon := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	var b storage.MentionBlock
	add := func(id string, created time.Time, compound float64, label string, f func(*mention.Mention), products ...string) {
		mm := klmPost(id, created)
		mm.Sentiment = &mention.Sentiment{Compound: compound, Label: label, Confidence: 0.9}
		for _, p := range products {
			mm.Entities = append(mm.Entities, mention.Entity{Text: p, Type: "product", End: len(p)})
		}
		mm.Entities = append(mm.Entities, mention.Entity{Text: "Ann", Type: "person", End: 3})
		if f != nil {
			f(mm)
		}
		for i := 0; i < 2; i++ { // twice: duplicates change nothing
			if err := b.Append(mm); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("p1", mon.Add(24*time.Hour), -0.6, "negative", nil, "iPhone", "iPhone") // twice in one post: once
	add("p2", mon.Add(30*time.Hour), 0.4, "positive", nil, "iphone", "KLM")     // "KLM": the brand itself, left out
	add("p3", mon.Add(50*time.Hour), 0, "neutral", nil, "Sky Q")
	add("p0", mon.Add(-time.Hour), -1, "negative", nil, "iPhone")                                                 // before the period
	add("p1r", mon.Add(25*time.Hour), 0, "neutral", func(mm *mention.Mention) { klmReply(mm, "x:p1") }, "iPhone") // the brand's reply: not inbound
	if err := storage.InsertMentions(ctx, conn, cfg.Database, &b); err != nil {
		t.Fatal(err)
	}

	out, err := runCLI(t, "leaderboard", "--since", "2024-03-04", "--until", "2024-03-11", "--brands", "klm", "--products", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	// iPhone: p1 and p2 (of the spellings, one post each, the one with
	// capitals), −0.6 and +0.4.
	want := "brand,product,posts,negative_share,sentiment_mean\n" +
		"klm,iPhone,2,0.5000,-0.1000\n" +
		"klm,Sky Q,1,0.0000,0.0000\n"
	if out != want {
		t.Fatalf("--products csv:\n%s\nwant:\n%s", out, want)
	}
	out, err = runCLI(t, "leaderboard", "--since", "2024-03-04", "--until", "2024-03-11", "--products", "--format", "json")
	if err != nil || !strings.Contains(out, `"product": "iPhone",`) || !strings.Contains(out, `"negative_share": 0.5000`) {
		t.Fatalf("--products json (%v):\n%s", err, out)
	}
	out, err = runCLI(t, "leaderboard", "--since", "2024-03-04", "--until", "2024-03-11", "--products")
	if err != nil || !strings.Contains(out, "PRODUCT") || !strings.Contains(out, "Sky Q") {
		t.Fatalf("--products table (%v):\n%s", err, out)
	}
	if _, err := runCLI(t, "leaderboard", "--products", "--columns", "all"); err == nil {
		t.Fatal("--products --columns all accepted")
	}
}
