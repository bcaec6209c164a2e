package mention

// Eight bytes at a time (SWAR: SIMD within a register) for the encoder's
// string scan: most of a record is plain ASCII text, which it copies
// through unchanged once it knows where that ends. (The decoder's scan
// stays byte by byte: with a word-at-a-time run it cost more instructions
// per record, as most of its strings are keys, ids and labels of a few
// bytes.)

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// swarStop marks, with its high bit, each byte of x that a JSON string
// cannot hold as it is: a control character (< 0x20), '"' or '\\'. The
// lowest marked byte is exact (a mark above it may be spurious, from a
// borrow), so bits.TrailingZeros64(mark)/8 is the first such byte.
func swarStop(x uint64) uint64 {
	quote := x ^ ('"' * swarOnes)
	slash := x ^ ('\\' * swarOnes)
	return ((x-0x20*swarOnes)&^x | (quote-swarOnes)&^quote | (slash-swarOnes)&^slash) & swarHighs
}

// plainRun returns the length of the longest prefix of s[i:], in whole
// words of 8 bytes, whose bytes are printable ASCII other than '"' and
// '\\': what a JSON string holds as it is.
func plainRun(s string, i int) int {
	j := i
	for ; j+8 <= len(s); j += 8 {
		x := uint64(s[j]) | uint64(s[j+1])<<8 | uint64(s[j+2])<<16 | uint64(s[j+3])<<24 |
			uint64(s[j+4])<<32 | uint64(s[j+5])<<40 | uint64(s[j+6])<<48 | uint64(s[j+7])<<56
		if swarStop(x)|x&swarHighs != 0 {
			break
		}
	}
	return j - i
}
