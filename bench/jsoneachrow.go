package bench

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/earshot-dev/earshot/storage"
)

// writeJSONEachRow writes the rows of a storage.MentionBlock's columns (in
// storage.MentionColumns order) as ClickHouse JSONEachRow: the exact values
// the sink inserts. DateTime values are written as quoted Unix seconds (no
// time-zone ambiguity on either server version); arrays are always [].
func writeJSONEachRow(w io.Writer, cols []any, rows int) error {
	if len(cols) != len(storage.MentionColumns) {
		return fmt.Errorf("bench: %d columns, want %d", len(cols), len(storage.MentionColumns))
	}
	buf := make([]byte, 0, 4096)
	for r := 0; r < rows; r++ {
		buf = append(buf[:0], '{')
		for i, c := range cols {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, storage.MentionColumns[i])
			buf = append(buf, ':')
			var err error
			if buf, err = appendValue(buf, c, r); err != nil {
				return fmt.Errorf("bench: column %s: %w", storage.MentionColumns[i], err)
			}
		}
		buf = append(buf, '}', '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

func appendValue(b []byte, col any, r int) ([]byte, error) {
	switch c := col.(type) {
	case []string:
		return appendString(b, c[r]), nil
	case []time.Time:
		b = append(b, '"')
		b = strconv.AppendInt(b, c[r].Unix(), 10)
		return append(b, '"'), nil
	case []uint8:
		return strconv.AppendUint(b, uint64(c[r]), 10), nil
	case []uint16:
		return strconv.AppendUint(b, uint64(c[r]), 10), nil
	case []uint64:
		return strconv.AppendUint(b, c[r], 10), nil
	case []int64:
		return strconv.AppendInt(b, c[r], 10), nil
	case []float64:
		return appendFloat(b, c[r]), nil
	case [][]string:
		b = append(b, '[')
		for i, v := range c[r] {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		return append(b, ']'), nil
	case [][]uint8:
		b = append(b, '[')
		for i, v := range c[r] {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, uint64(v), 10)
		}
		return append(b, ']'), nil
	case [][]int64:
		b = append(b, '[')
		for i, v := range c[r] {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, v, 10)
		}
		return append(b, ']'), nil
	case [][]float64:
		b = append(b, '[')
		for i, v := range c[r] {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, v)
		}
		return append(b, ']'), nil
	}
	return b, fmt.Errorf("unsupported column type %T", col)
}

func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "nan"...)
	case math.IsInf(v, 1):
		return append(b, "inf"...)
	case math.IsInf(v, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string (invalid UTF-8 replaced).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
