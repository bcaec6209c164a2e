package analytics_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/analytics"
)

func extBlocks() []analytics.Block {
	f := func(v float64) *float64 { return &v }
	prev := uint64(3)
	r := analytics.ExtRow{
		Row:    analytics.RowFromCounts("klm", 4, 3, 0, 2, 3, 1, 4, 2, 4, 3, 3600000, 51600000),
		Sector: "airline", Score: f(55), RankSector: 2, RankCompetitors: 1,
		SentimentMean: f(-0.1), NegativeShare: f(0.5), ActiveHours: 3,
		Platforms:   []analytics.PlatformCount{{Platform: "bluesky", Inbound: 1}, {Platform: "x", Inbound: 3, Answered: 3}},
		PrevInbound: &prev, ScoreChange: f(-4.25), SentimentRecovery: f(0.15), RecoveredPosts: 2,
	}
	mon := time.Date(2024, 2, 5, 0, 0, 0, 0, time.UTC)
	return []analytics.Block{
		{Since: mon, Until: mon.AddDate(0, 0, 7), Rows: []analytics.ExtRow{r}},
		{Since: mon.AddDate(0, 0, 7), Until: mon.AddDate(0, 0, 14)},
	}
}

func TestWriteBlocks(t *testing.T) {
	var buf bytes.Buffer
	if err := analytics.WriteBlocks(&buf, "csv", extBlocks(), true, true); err != nil {
		t.Fatal(err)
	}
	want := "brand,inbound,answered,pending,response_rate,frt_median_s,frt_p90_s,sla15,sla60,sector,score,rank_sector,rank_competitors,frt_business_median_s,frt_business_p90_s,sentiment_mean,negative_share,deflection_rate,canned_rate,empathy_median,active_hours,platforms,prev_inbound,inbound_change,prev_score,score_change,sentiment_recovery,recovered_posts,period_start,period_end\n" +
		"klm,4,3,0,0.6667,3600.0,51600.0,0.2500,0.5000,airline,55.0,2,1,,,-0.1000,0.5000,,,,3,bluesky=1;x=3,3,,,-4.2,0.1500,2,2024-02-05T00:00:00Z,2024-02-12T00:00:00Z\n"
	if buf.String() != want {
		t.Fatalf("csv\n got:\n%s\nwant:\n%s", buf.String(), want)
	}

	buf.Reset()
	if err := analytics.WriteBlocks(&buf, "json", extBlocks(), true, true); err != nil {
		t.Fatal(err)
	}
	var blocks []struct {
		Start string            `json:"period_start"`
		Rows  []json.RawMessage `json:"rows"`
	}
	if err := json.Unmarshal(buf.Bytes(), &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || len(blocks[0].Rows) != 1 || len(blocks[1].Rows) != 0 || blocks[1].Start != "2024-02-12T00:00:00Z" {
		t.Fatalf("json %s", buf.String())
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, blocks[0].Rows[0]); err != nil {
		t.Fatal(err)
	}
	row := compact.String()
	// Keys in the CSV's order, undefined values null.
	for _, frag := range []string{`"brand":"klm","inbound":4`, `"sla60":0.5000,"sector":"airline","score":55.0`, `"deflection_rate":null`, `"score_change":-4.2,"sentiment_recovery":0.1500,"recovered_posts":2,"reply_hours":[0,`} {
		if !strings.Contains(row, frag) {
			t.Errorf("json row lacks %s: %s", frag, row)
		}
	}

	buf.Reset()
	if err := analytics.WriteBlocks(&buf, "table", extBlocks(), true, true); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, frag := range []string{"period 2024-02-05T00:00:00Z → 2024-02-12T00:00:00Z", "SCORE", "airline", "55.0", "bluesky=1;x=3", "RECOVERY", "+0.15", "(no brand has an inbound post in the period)"} {
		if !strings.Contains(out, frag) {
			t.Errorf("table lacks %q:\n%s", frag, out)
		}
	}

	// Without --columns all, the CSV is the nine columns (and the period).
	buf.Reset()
	if err := analytics.WriteBlocks(&buf, "csv", extBlocks(), false, false); err != nil {
		t.Fatal(err)
	}
	if want := "brand,inbound,answered,pending,response_rate,frt_median_s,frt_p90_s,sla15,sla60\nklm,4,3,0,0.6667,3600.0,51600.0,0.2500,0.5000\n"; buf.String() != want {
		t.Fatalf("default columns\n got:\n%s\nwant:\n%s", buf.String(), want)
	}
}
