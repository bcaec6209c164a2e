package entities

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// RawSentence is a sentence of a CoNLL file: its tokens and their BIO tags
// in the data set's own type set ("B-corporation", "I-PER", "O").
type RawSentence struct {
	Words []string
	Tags  []string
	Line  int // line number of the first token
}

// Limits of the CoNLL reader.
const (
	maxCoNLLLine     = 64 << 10
	maxSentenceWords = 4096
)

// ReadCoNLL reads a CoNLL NER file: one token per line, the token first
// and its BIO tag last (separated by tabs or spaces; columns between are
// ignored), a blank line between sentences, "-DOCSTART-" lines and empty tokens tagged O skipped.
// A tag must be O, B-type or I-type. An "@" token followed by a handle
// token ("@", "SportsCenter": how the Broad Twitter Corpus's CoNLL export
// writes "@SportsCenter") is joined into one token whose tag is the "@"'s
// when that is B-, else the handle's. Errors name the line.
func ReadCoNLL(r io.Reader) ([]RawSentence, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxCoNLLLine)
	var out []RawSentence
	var cur RawSentence
	flush := func() {
		if len(cur.Words) > 0 {
			joinHandles(&cur)
			out = append(out, cur)
		}
		cur = RawSentence{}
	}
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if line == 1 {
			s = strings.TrimPrefix(s, "\ufeff")
		}
		s = strings.TrimRight(s, "\r")
		if strings.TrimSpace(s) == "" {
			flush()
			continue
		}
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("line %d: not valid UTF-8", line)
		}
		fields := strings.FieldsFunc(s, func(r rune) bool { return r == '\t' || r == ' ' })
		if len(fields) == 1 && (s[0] == '\t' || s[0] == ' ') && fields[0] == "O" {
			// An empty token (the Broad Twitter Corpus has a few): nothing
			// to tag, nothing to score.
			continue
		}
		if fields[0] == "-DOCSTART-" {
			continue
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("line %d: want a token and a tag separated by a tab, got %q", line, s)
		}
		tag := fields[len(fields)-1]
		if !validTag(tag) {
			return nil, fmt.Errorf("line %d: tag %q, want O, B-type or I-type", line, tag)
		}
		if len(cur.Words) == 0 {
			cur.Line = line
		}
		if len(cur.Words) >= maxSentenceWords {
			return nil, fmt.Errorf("line %d: a sentence of more than %d tokens (missing blank lines?)", line, maxSentenceWords)
		}
		cur.Words = append(cur.Words, fields[0])
		cur.Tags = append(cur.Tags, tag)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	flush()
	return out, nil
}

func validTag(t string) bool {
	if t == "O" {
		return true
	}
	return len(t) > 2 && (t[0] == 'B' || t[0] == 'I') && t[1] == '-'
}

func isHandleWord(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func joinHandles(s *RawSentence) {
	j := 0
	for i := 0; i < len(s.Words); i++ {
		if s.Words[i] == "@" && i+1 < len(s.Words) && isHandleWord(s.Words[i+1]) {
			tag := s.Tags[i]
			if !strings.HasPrefix(tag, "B-") {
				tag = s.Tags[i+1]
				if strings.HasPrefix(tag, "I-") {
					// The "@" was O: the handle cannot continue an entity.
					tag = "B-" + tag[2:]
				}
			}
			s.Words[j], s.Tags[j] = "@"+s.Words[i+1], tag
			i++
		} else {
			s.Words[j], s.Tags[j] = s.Words[i], s.Tags[i]
		}
		j++
	}
	s.Words, s.Tags = s.Words[:j], s.Tags[:j]
}
