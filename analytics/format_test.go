package analytics_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/analytics"
)

func f(v float64) *float64 { return &v }

// Rows with hand-picked values: full, all undefined, and rounding edges.
var formatRows = []analytics.Row{
	{Brand: "alpha", Inbound: 14, Answered: 8, Pending: 3, ResponseRate: f(0.5), FRTMedianSeconds: f(750), FRTP90Seconds: f(90000), SLA15: f(4.0 / 13), SLA60: f(1.0 / 3)},
	{Brand: "british_airways", Inbound: 1, Pending: 1, SLA15: f(0), SLA60: f(0)},
	{Brand: "gamma", Inbound: 1, Answered: 1, ResponseRate: f(1), FRTMedianSeconds: f(400.3), FRTP90Seconds: f(3725.4), SLA15: f(1), SLA60: f(1)},
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := analytics.Write(&buf, "csv", formatRows); err != nil {
		t.Fatal(err)
	}
	want := `brand,inbound,answered,pending,response_rate,frt_median_s,frt_p90_s,sla15,sla60
alpha,14,8,3,0.5000,750.0,90000.0,0.3077,0.3333
british_airways,1,0,1,,,,0.0000,0.0000
gamma,1,1,0,1.0000,400.3,3725.4,1.0000,1.0000
`
	if buf.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := analytics.Write(&buf, "json", formatRows); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	if len(got) != 3 {
		t.Fatalf("%d objects", len(got))
	}
	keys := strings.Join(analytics.CSVHeader, ",")
	for i, o := range got {
		if len(o) != len(analytics.CSVHeader) {
			t.Errorf("object %d has keys %v, want %s", i, o, keys)
		}
	}
	if got[0]["sla15"] != 0.3077 || got[0]["frt_p90_s"] != 90000.0 || got[0]["inbound"] != 14.0 {
		t.Errorf("alpha = %v", got[0])
	}
	for _, k := range []string{"response_rate", "frt_median_s", "frt_p90_s"} {
		if v, ok := got[1][k]; !ok || v != nil {
			t.Errorf("british_airways %s = %v, want null", k, v)
		}
	}
	if got[1]["sla15"] != 0.0 {
		t.Errorf("british_airways sla15 = %v, want 0", got[1]["sla15"])
	}
	var empty bytes.Buffer
	if err := analytics.WriteJSON(&empty, nil); err != nil || strings.TrimSpace(empty.String()) != "[]" {
		t.Errorf("no rows: %q, %v", empty.String(), err)
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	if err := analytics.Write(&buf, "table", formatRows); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"BRAND            INBOUND  ANSWERED  PENDING  RESPONSE RATE  FRT MEDIAN  FRT P90  SLA 15M  SLA 60M\n" +
		"alpha                 14         8        3          50.0%      12m30s    1d01h    30.8%    33.3%\n" +
		"british_airways        1         0        1              -           -        -     0.0%     0.0%\n" +
		"gamma                  1         1        0         100.0%       6m40s    1h02m   100.0%   100.0%\n"
	if buf.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
	buf.Reset()
	if err := analytics.WriteTable(&buf, nil); err != nil || !strings.Contains(buf.String(), "no brand") {
		t.Errorf("no rows: %q, %v", buf.String(), err)
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	if err := analytics.Write(&bytes.Buffer{}, "xml", nil); err == nil || !strings.Contains(err.Error(), "table, csv, json") {
		t.Fatalf("err = %v", err)
	}
}
