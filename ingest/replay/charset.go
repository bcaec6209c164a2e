package replay

import (
	"strings"
	"unicode/utf8"
)

// Character-set repairs for CSV exports of tweets.
//
// Two faults are common in the CrowdFlower / Figure Eight files:
//
//   - The file is not UTF-8 but Windows-1252 (pandas needs
//     encoding="latin-1" to read the original brands-and-products file).
//     decodeCell reads such a cell as Windows-1252, so the original file
//     and a copy converted to UTF-8 give the same text and the same ids.
//   - The tweets were mis-decoded twice before the export: the UTF-8 of
//     "’" (E2 80 99) was read as Windows-1252 ("â€™"), that was written as
//     Mac Roman (89 DB AA), and that was read as Windows-1252 again
//     ("‰Ûª"). repairMojibake reverses the chain wherever the result is
//     valid UTF-8. The right double quote (E2 80 9D) lost its last byte on
//     the way (9D is not a Windows-1252 character) and shows as "‰Û"
//     followed by no continuation: that pair is read as "”" (in the SXSW
//     file 202 such pairs close 209 "“"). Other sequences whose last byte
//     was lost cannot be recovered and are kept as they are.

// cp1252High maps the bytes 0x80–0x9F of Windows-1252 to runes. The five
// bytes Windows-1252 leaves undefined map to the C1 control of the same
// value, as Windows' own conversion does, so no byte is lost.
var cp1252High = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

// macRomanHigh maps the bytes 0x80–0xFF of Mac Roman (with the euro sign
// at 0xDB) to runes.
var macRomanHigh = [128]rune{
	0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1,
	0x00E0, 0x00E2, 0x00E4, 0x00E3, 0x00E5, 0x00E7, 0x00E9, 0x00E8,
	0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF, 0x00F1, 0x00F3,
	0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9, 0x00FB, 0x00FC,
	0x2020, 0x00B0, 0x00A2, 0x00A3, 0x00A7, 0x2022, 0x00B6, 0x00DF,
	0x00AE, 0x00A9, 0x2122, 0x00B4, 0x00A8, 0x2260, 0x00C6, 0x00D8,
	0x221E, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x00B5, 0x2202, 0x2211,
	0x220F, 0x03C0, 0x222B, 0x00AA, 0x00BA, 0x03A9, 0x00E6, 0x00F8,
	0x00BF, 0x00A1, 0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB,
	0x00BB, 0x2026, 0x00A0, 0x00C0, 0x00C3, 0x00D5, 0x0152, 0x0153,
	0x2013, 0x2014, 0x201C, 0x201D, 0x2018, 0x2019, 0x00F7, 0x25CA,
	0x00FF, 0x0178, 0x2044, 0x20AC, 0x2039, 0x203A, 0xFB01, 0xFB02,
	0x2021, 0x00B7, 0x201A, 0x201E, 0x2030, 0x00C2, 0x00CA, 0x00C1,
	0x00CB, 0x00C8, 0x00CD, 0x00CE, 0x00CF, 0x00CC, 0x00D3, 0x00D4,
	0xF8FF, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0x0131, 0x02C6, 0x02DC,
	0x00AF, 0x02D8, 0x02D9, 0x02DA, 0x00B8, 0x02DD, 0x02DB, 0x02C7,
}

// cp1252Rev inverts Windows-1252 for the runes of bytes ≥ 0x80.
var cp1252Rev = func() map[rune]byte {
	cp := make(map[rune]byte, 128)
	for i, r := range cp1252High {
		if r >= 0x100 { // the C1 stand-ins are not characters a text shows
			cp[r] = byte(0x80 + i)
		}
	}
	for b := 0xA0; b <= 0xFF; b++ {
		cp[rune(b)] = byte(b)
	}
	return cp
}()

// decodeCell returns s when it is valid UTF-8, else s read as
// Windows-1252.
func decodeCell(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case c < 0xA0:
			b.WriteRune(cp1252High[c-0x80])
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

// repairMojibake undoes the UTF-8 → Windows-1252 → Mac Roman →
// Windows-1252 mis-decoding described above, run by run of non-ASCII
// characters, and reports whether it changed anything.
func repairMojibake(s string) (string, bool) {
	first := -1
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			first = i
			break
		}
	}
	if first < 0 {
		return s, false
	}
	var (
		b       strings.Builder
		changed bool
		spans   []string // the run's runes as they are in s
		bytes   []byte
		ok      []bool
	)
	b.Grow(len(s))
	b.WriteString(s[:first])
	for i := first; i < len(s); {
		if s[i] < 0x80 {
			b.WriteByte(s[i])
			i++
			continue
		}
		// A run of non-ASCII runes: map each back to the byte it was.
		spans, bytes, ok = spans[:0], bytes[:0], ok[:0]
		for i < len(s) && s[i] >= 0x80 {
			r, n := utf8.DecodeRuneInString(s[i:])
			spans = append(spans, s[i:i+n])
			i += n
			var orig byte
			good := false
			if b1, found := cp1252Rev[r]; found {
				if b2, found := cp1252Rev[macRomanHigh[b1-0x80]]; found {
					orig, good = b2, true
				}
			}
			bytes = append(bytes, orig)
			ok = append(ok, good)
		}
		for k := 0; k < len(spans); {
			end := k
			for end < len(spans) && ok[end] {
				end++
			}
			if end-k >= 2 {
				if r, n := utf8.DecodeRune(bytes[k:end]); r != utf8.RuneError && n >= 2 {
					b.WriteRune(r)
					k += n
					changed = true
					continue
				}
				if bytes[k] == 0xE2 && bytes[k+1] == 0x80 { // "‰Û": a ” whose last byte was lost
					b.WriteRune('”')
					k += 2
					changed = true
					continue
				}
			}
			b.WriteString(spans[k])
			k++
		}
	}
	if !changed {
		return s, false
	}
	return b.String(), true
}

// entityUnescaper undoes the HTML escaping of tweet texts: the X API
// escapes &, < and >; the CrowdFlower exports also escape double quotes.
// One pass, so "&amp;lt;" becomes "&lt;".
var entityUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&apos;", "'")
