package replay

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

// countingReaderAt counts ReadAt calls.
type countingReaderAt struct {
	r     io.ReaderAt
	reads int
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	return c.r.ReadAt(p, off)
}

// jsonlFile returns n encoded records (≈ 600 bytes each), one per line,
// with created_at from order (record k is created order[k] minutes after
// a base time).
func jsonlFile(t testing.TB, order []int) ([]byte, [][]byte) {
	t.Helper()
	base := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	var file bytes.Buffer
	lines := make([][]byte, len(order))
	for k, o := range order {
		m := &mention.Mention{V: 1, ID: fmt.Sprintf("sim:%d", k), Platform: "sim", NativeID: fmt.Sprint(k),
			CreatedAt: base.Add(time.Duration(o) * time.Minute), IngestedAt: base.Add(time.Hour * 24 * 30), Source: "simulate",
			Author: mention.Author{ID: "u1", Handle: "jess"}, Text: fmt.Sprintf("@KLM post %d %s", k, strings.Repeat("x", 480)), ConversationID: "sim:1"}
		data, err := mention.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		lines[k] = data
		file.Write(data)
		file.WriteString("\r\n")
	}
	return file.Bytes(), lines
}

// TestJSONLRecordReadAhead: records come back byte for byte in created_at
// order whether the file is in that order (few reads: one per readAhead
// bytes) or shuffled (a read wherever the window misses), and a file that
// changed or shrank since it was loaded is an error, not a wrong record.
func TestJSONLRecordReadAhead(t *testing.T) {
	const n = 4000 // ≈ 2.4 MB: more than two windows
	inOrder := make([]int, n)
	for k := range inOrder {
		inOrder[k] = k
	}
	shuffled := rand.New(rand.NewPCG(1, 2)).Perm(n)
	for _, tt := range []struct {
		name     string
		order    []int
		maxReads int
	}{
		{"file order", inOrder, 4},
		{"shuffled", shuffled, n},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file, lines := jsonlFile(t, tt.order)
			ra := &countingReaderAt{r: bytes.NewReader(file)}
			d, err := loadJSONL(bytes.NewReader(file), ra, func(line int, reason string, err error) {
				t.Fatalf("line %d skipped: %s %v", line, reason, err)
			})
			if err != nil || d.Len() != n {
				t.Fatalf("loaded %d, err %v", d.Len(), err)
			}
			byTime := make([]int, n) // record k is created order[k] minutes in
			for k, o := range tt.order {
				byTime[o] = k
			}
			for i := range n {
				m, line, err := d.Record(i)
				if err != nil {
					t.Fatal(err)
				}
				k := byTime[i]
				if !bytes.Equal(line, lines[k]) || m.ID != fmt.Sprintf("sim:%d", k) {
					t.Fatalf("record %d: id %s line %.60q…, want sim:%d", i, m.ID, line, k)
				}
			}
			if ra.reads > tt.maxReads {
				t.Errorf("%d reads for %d records, want at most %d", ra.reads, n, tt.maxReads)
			}
		})
	}
	t.Run("changed or truncated", func(t *testing.T) {
		file, _ := jsonlFile(t, inOrder[:10])
		d, err := loadJSONL(bytes.NewReader(file), bytes.NewReader(file), func(int, string, error) {})
		if err != nil {
			t.Fatal(err)
		}
		changed := bytes.Replace(file, []byte(`"text":"@KLM post 3`), []byte(`"text":["@KLM pos 3`), 1)
		d.r, d.win = bytes.NewReader(changed), nil
		if _, _, err := d.Record(3); err == nil || !strings.Contains(err.Error(), "no longer decodes") {
			t.Errorf("changed file: err = %v", err)
		}
		d.r, d.win = bytes.NewReader(file[:len(file)/2]), nil
		if _, _, err := d.Record(9); err == nil || !strings.Contains(err.Error(), "did the file change") {
			t.Errorf("truncated file: err = %v", err)
		}
		if _, _, err := d.Record(0); err != nil {
			t.Errorf("a record still in the truncated file: %v", err)
		}
	})
}

// BenchmarkJSONLRecord reads every record of a file in created_at order
// from a file (the replay's read, decode and validation, without
// publishing).
func BenchmarkJSONLRecord(b *testing.B) {
	order := make([]int, 5000)
	for k := range order {
		order[k] = k
	}
	file, _ := jsonlFile(b, order)
	path := filepath.Join(b.TempDir(), "week.jsonl")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	d, err := loadJSONL(bytes.NewReader(file), f, func(int, string, error) {})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(file)) / int64(len(order)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := d.Record(i); err != nil {
			b.Fatal(err)
		}
		i = (i + 1) % len(order)
	}
}
