package mention

import (
	"math/rand/v2"
	"testing"
)

// runReference is plainRun byte by byte.
func runReference(s []byte, i int) int {
	j := i
	for j < len(s) {
		c := s[j]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			break
		}
		j++
	}
	return (j - i) &^ 7 // whole words only, as the runs report
}

func checkRuns(t *testing.T, s []byte) {
	t.Helper()
	for i := 0; i <= len(s); i++ {
		if got, want := plainRun(string(s), i), min(runReference(s, i), (len(s)-i)&^7); got != want {
			t.Fatalf("plainRun(%q, %d) = %d, want %d", s, i, got, want)
		}
	}
}

// TestSWARRuns puts every byte value at every position of a word and of
// the word after it, beside every other kind of neighbour, and checks the
// runs against the byte-by-byte scan.
func TestSWARRuns(t *testing.T) {
	fill := []byte{'a', ' ', '~', 0x80, 0xff, 0x1f, '"', '\\', '!', '#', ']'}
	for _, f := range fill {
		for pos := 0; pos < 17; pos++ {
			for b := 0; b < 256; b++ {
				s := make([]byte, 17)
				for k := range s {
					s[k] = 'x'
				}
				if pos > 0 {
					s[pos-1] = f
				}
				s[pos] = byte(b)
				checkRuns(t, s)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("abc \"\\\x00\x1f\x20\x7f\x80\xc3\xa9\xff!~")
	for n := 0; n < 20000; n++ {
		s := make([]byte, r.IntN(40))
		for k := range s {
			if r.IntN(4) == 0 {
				s[k] = alphabet[r.IntN(len(alphabet))]
			} else {
				s[k] = byte('a' + r.IntN(26))
			}
		}
		checkRuns(t, s)
	}
}
