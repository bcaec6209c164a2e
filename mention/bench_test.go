package mention_test

import (
	"os"
	"testing"

	"github.com/earshot-dev/earshot/mention"
)

// benchFiles are a minimal raw record and a full enriched one.
var benchFiles = []string{"raw_twcs_inbound", "enriched_inbound"}

func BenchmarkDecode(b *testing.B) {
	for _, name := range benchFiles {
		data, err := os.ReadFile(goldenPath(name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := mention.Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, name := range benchFiles {
		m := goldenRecords()[name]
		data, err := mention.Encode(m)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := mention.Encode(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeParallel(b *testing.B) {
	data, err := os.ReadFile(goldenPath("enriched_inbound"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := mention.Decode(data); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
