package srcutil

import "testing"

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "  hello world ", "hello world"},
		{"entities", "fish &amp; chips &lt;3 &#x1F600;", "fish & chips <3 😀"},
		{"mastodon status",
			`<p><span class="h-card" translate="no"><a href="https://mastodon.social/@KLM" class="u-url mention">@<span>KLM</span></a></span> my bag is lost again <a href="https://mastodon.social/tags/klm" class="mention hashtag" rel="tag">#<span>klm</span></a></p><p>second <br />line</p>`,
			"@KLM my bag is lost again #klm\n\nsecond\nline"},
		{"link kept", `see <a href="https://x.example/abc"><span class="invisible">https://</span><span class="">x.example/abc</span></a> now`, "see https://x.example/abc now"},
		{"script dropped", `<p>a</p><script>alert(1)</script><style>p{}</style><p>b</p>`, "a\n\nb"},
		{"list", `<ul><li>one</li><li>two</li></ul>`, "one\n\ntwo"},
		{"broken html", `<p>unclosed <b>bold`, "unclosed bold"},
		{"words across tags", `in<b>side</b> out`, "inside out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTMLToText(tt.in); got != tt.want {
				t.Fatalf("HTMLToText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzHTMLToText(f *testing.F) {
	f.Add(`<p>@<span>KLM</span> hi &amp; bye<br/>x</p>`)
	f.Add(`<script>`)
	f.Fuzz(func(t *testing.T, s string) {
		_ = HTMLToText(s) // never panics
	})
}
