package analytics_test

import (
	"testing"
	"time"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/registry"
)

func TestBusinessClock(t *testing.T) {
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	bofa, _ := reg.ByID("bofa_help") // Mon–Fri 08:00–21:00, Sat 11:00–20:00 New York
	c, err := analytics.NewBusinessClock(bofa.SupportHours)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		from, to time.Time
		want     float64
	}{
		{"inside hours", nyTime(7, 10, 0), nyTime(7, 10, 5), 300},
		{"over the night", nyTime(7, 20, 50), nyTime(8, 8, 10), 1200},
		{"Friday evening to Saturday", nyTime(9, 20, 50), nyTime(10, 11, 10), 1200},
		{"all of Sunday", nyTime(11, 0, 0), nyTime(12, 0, 0), 0},
		{"a whole week", nyTime(5, 0, 0), nyTime(12, 0, 0), 5*13*3600 + 9*3600},
		{"reversed", nyTime(7, 10, 5), nyTime(7, 10, 0), 0},
		// 2024-03-10 is the spring-forward Sunday (closed): Sat 19:00–20:00
		// and Mon 08:00–09:00 local time.
		{"across daylight saving", time.Date(2024, 3, 9, 19, 0, 0, 0, ny), time.Date(2024, 3, 11, 9, 0, 0, 0, ny), 2 * 3600},
	}
	for _, tt := range tests {
		if got := c.Seconds(tt.from, tt.to); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	// Agreement with SupportHours.Open, minute by minute, for every brand
	// with stated hours over ten days that cross a daylight-saving change.
	from := time.Date(2024, 3, 5, 3, 17, 0, 0, time.UTC)
	to := from.Add(10 * 24 * time.Hour)
	for _, b := range reg.Brands {
		if b.SupportHours == nil {
			continue
		}
		c, err := analytics.NewBusinessClock(b.SupportHours)
		if err != nil {
			t.Fatal(err)
		}
		var want float64
		for m := from; m.Before(to); m = m.Add(time.Minute) {
			if b.SupportHours.Open(m) {
				want += 60
			}
		}
		if got := c.Seconds(from, to); got != want {
			t.Errorf("%s: %v business seconds, Open counts %v", b.ID, got, want)
		}
	}
	// No hours: always staffed.
	c, _ = analytics.NewBusinessClock(nil)
	if got := c.Seconds(nyTime(11, 0, 0), nyTime(11, 0, 1)); got != 60 {
		t.Errorf("no hours: %v, want 60", got)
	}
}

func TestMedianP90(t *testing.T) {
	if m, p := analytics.MedianP90(nil); m != nil || p != nil {
		t.Fatal("empty: want undefined")
	}
	m, p := analytics.MedianP90([]float64{1200, 0, 300})
	if *m != 300 || *p != 1200 {
		t.Fatalf("median %v p90 %v", *m, *p)
	}
	m, p = analytics.MedianP90([]float64{40, 10, 30, 20})
	if *m != 25 || *p != 40 {
		t.Fatalf("median %v p90 %v", *m, *p)
	}
}

func TestWeights(t *testing.T) {
	w, err := analytics.ParseWeights("sla60=1, frt=0, response_rate=0")
	if err != nil {
		t.Fatal(err)
	}
	half := 0.5
	if s := w.Score(analytics.Row{SLA60: &half}); s == nil || *s != 50 {
		t.Fatalf("score %v", s)
	}
	if s := analytics.DefaultWeights().Score(analytics.Row{}); s != nil {
		t.Fatalf("nothing judged: score %v, want undefined", *s)
	}
	for _, bad := range []string{"sla60=-1", "sla60=0,response_rate=0,frt=0", "speed=1", "frt_reference=0s", "sla60"} {
		if _, err := analytics.ParseWeights(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
