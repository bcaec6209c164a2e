package replyquality

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"testing"
	"time"
)

func BenchmarkZZTwcs(b *testing.B) {
	f, err := os.Open("/work/shared/datasets/twcs/twcs_first5000.csv")
	if err != nil {
		b.Skip()
	}
	recs, _ := csv.NewReader(f).ReadAll()
	var texts, brands []string
	for _, r := range recs[1:] {
		if r[3] == "False" {
			texts = append(texts, r[5])
			brands = append(brands, r[2])
		}
	}
	e := newTB(b, DefaultConfig())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m := reply(fmt.Sprint("x:", i), brands[i%len(texts)], texts[i%len(texts)], t0.Add(time.Duration(i)*time.Second))
		_ = e.Enrich(context.Background(), m)
	}
}
