package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

// benchMention is an enriched mention like the sink writes, number i.
func benchMention(i int) *mention.Mention {
	m := fullMention()
	id := fmt.Sprintf("%d", 10_000_000+i)
	m.ID, m.NativeID, m.ConversationID, m.InReplyTo = "x:"+id, id, "x:"+id, ""
	m.CreatedAt = m.CreatedAt.Add(time.Duration(i) * time.Second)
	return m
}

func encodedMentions(b *testing.B, n int) [][]byte {
	b.Helper()
	out := make([][]byte, n)
	for i := range out {
		v, err := mention.Encode(benchMention(i))
		if err != nil {
			b.Fatal(err)
		}
		out[i] = v
	}
	return out
}

// BenchmarkDecodeAppend is the sink's per-record CPU work: decode and
// validate the JSON record, append it to the columns.
func BenchmarkDecodeAppend(b *testing.B) {
	recs := encodedMentions(b, 1000)
	var bytes int64
	for _, r := range recs {
		bytes += int64(len(r))
	}
	b.SetBytes(bytes / int64(len(recs)))
	b.ReportAllocs()
	var blk storage.MentionBlock
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if blk.Len() == 50_000 {
			blk.Reset()
		}
		m, err := mention.Decode(recs[i%len(recs)])
		if err != nil {
			b.Fatal(err)
		}
		if err := blk.Append(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsertMentions inserts whole blocks into the real server; the
// rows/s metric is the figure to compare with the sink's batch size.
func BenchmarkInsertMentions(b *testing.B) {
	for _, rows := range []int{1_000, 10_000, 50_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			cfg, conn := migrated(b)
			var blk storage.MentionBlock
			for i := 0; i < rows; i++ {
				if err := blk.Append(benchMention(i)); err != nil {
					b.Fatal(err)
				}
			}
			cols := blk.Columns()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := storage.InsertColumns(ctx, conn, cfg.Database, cols); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
