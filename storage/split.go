package storage

import "strings"

// SplitStatements splits a SQL script into statements. A statement ends at
// a ';' that is the last thing on its line (trailing blanks and a "--"
// comment may follow it) and that is outside a quoted string, a quoted
// identifier and a comment; a ';' in the middle of a line never splits. The
// last statement needs no ';'. Comment-only and empty statements are
// dropped; the returned statements keep their inner comments and lose the
// final ';'.
func SplitStatements(script string) []string {
	var (
		out   []string
		start int
		quote byte // 0, '\'', '"' or '`' while inside a quoted token
	)
	emit := func(end int) {
		if s := strings.TrimSpace(script[start:end]); !commentOnly(s) {
			out = append(out, s)
		}
	}
	for i := 0; i < len(script); i++ {
		c := script[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++ // an escaped character, whatever it is
			} else if c == quote {
				if i+1 < len(script) && script[i+1] == quote {
					i++ // a doubled quote stands for itself
				} else {
					quote = 0
				}
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '-' && i+1 < len(script) && script[i+1] == '-':
			i = lineEnd(script, i) - 1
		case c == '/' && i+1 < len(script) && script[i+1] == '*':
			if j := strings.Index(script[i+2:], "*/"); j >= 0 {
				i += 2 + j + 1
			} else {
				i = len(script)
			}
		case c == ';' && atLineEnd(script, i+1):
			emit(i)
			i = lineEnd(script, i) // the rest of the line is blank or a comment
			start = i + 1
		}
	}
	if start < len(script) {
		emit(len(script))
	}
	return out
}

// lineEnd returns the index of the '\n' ending the line that holds i, or
// len(s).
func lineEnd(s string, i int) int {
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(s)
}

// atLineEnd reports whether only blanks, then optionally a "--" comment,
// come between i and the end of the line.
func atLineEnd(s string, i int) bool {
	for ; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r':
		case '\n':
			return true
		case '-':
			return i+1 < len(s) && s[i+1] == '-'
		default:
			return false
		}
	}
	return true
}

// commentOnly reports whether s holds nothing but blanks and comments.
func commentOnly(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "--") {
			return false
		}
	}
	return true
}
