package srcutil

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText turns an HTML fragment (a Mastodon status, an RSS
// description) into plain text: entities decoded, tags dropped, <br> a
// line break, block elements (p, div, li, h1…, blockquote, pre) separated
// by a blank line, script and style dropped, runs of spaces collapsed.
// Link text is kept as written ("@user", "#tag", the shortened URL).
func HTMLToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0 // inside script/style
	pre := 0
	space := false // a space is owed before the next word
	newline := func(n int) {
		out := b.String()
		trail := len(out) - len(strings.TrimRight(out, "\n"))
		if len(strings.TrimSpace(out)) == 0 {
			return
		}
		for ; trail < n; trail++ {
			b.WriteByte('\n')
		}
		space = false
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			if skip > 0 {
				continue
			}
			text := string(z.Text())
			if pre > 0 {
				b.WriteString(text)
				continue
			}
			for i, f := range strings.FieldsFunc(text, unicode.IsSpace) {
				if (i > 0 || space || (len(text) > 0 && unicode.IsSpace(rune(text[0])))) && b.Len() > 0 && !endsWithNewline(&b) {
					b.WriteByte(' ')
				}
				b.WriteString(f)
				space = false
			}
			if len(text) > 0 && unicode.IsSpace(rune(text[len(text)-1])) {
				space = true
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case atom.Br:
				newline(1)
			case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Blockquote, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Tr, atom.Section, atom.Article, atom.Header, atom.Footer:
				newline(2)
			case atom.Pre:
				newline(2)
				if tt == html.StartTagToken {
					pre++
				} else if tt == html.EndTagToken && pre > 0 {
					pre--
				}
			case atom.Td, atom.Th:
				space = true
			}
		}
	}
}

func endsWithNewline(b *strings.Builder) bool {
	s := b.String()
	return len(s) > 0 && s[len(s)-1] == '\n'
}
