package pii

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshot-dev/earshot/mention"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in, want string
		kinds          Kinds
	}{
		// positives
		{"email", "mail me at jane.doe+cs@example.co.uk please", "mail me at [email] please", Email},
		{"email in parens", "(j_smith@mail.example.com).", "([email]).", Email},
		{"email digits", "it's 0770@test.io", "it's [email]", Email},
		{"phone uk mobile", "call me on 07700 900123 asap", "call me on [phone] asap", Phone},
		{"phone uk mobile tight", "my number is 07700900123", "my number is [phone]", Phone},
		{"phone uk landline dashes", "ring 020-7946-0000", "ring [phone]", Phone},
		{"phone intl", "reach me +44 20 7946 0000.", "reach me [phone].", Phone},
		{"phone intl paren", "+44 (0)20 7946 0000", "[phone]", Phone},
		{"phone 00", "0031 20 123 4567 is mine", "[phone] is mine", Phone},
		{"phone us paren", "Call (555) 123-4567 now", "Call [phone] now", Phone},
		{"phone us dashes", "it is 555-123-4567", "it is [phone]", Phone},
		{"phone us 1-800", "1-800-555-0199 was useless", "[phone] was useless", Phone},
		{"phone nl", "bel 06-12345678", "bel [phone]", Phone},
		{"phone de slash", "Tel. 030/1234567", "Tel. [phone]", Phone},
		{"phone fr dots", "06.12.34.56.78", "[phone]", Phone},
		{"phone 10 digits with context", "my phone is 5551234567", "my phone is [phone]", Phone},
		{"card spaced", "card 4111 1111 1111 1111 was charged", "card [card] was charged", Card},
		{"card dashes", "4111-1111-1111-1111", "[card]", Card},
		{"card tight", "my card 5500005555555559 declined", "my card [card] declined", Card},
		{"card amex", "3782 822463 10005", "[card]", Card},
		{"card after a number", "Customer 20 (4111 1111 1111 1111)", "Customer 20 ([card])", Card},
		{"phone after a number", "Customer 19 (0044 7700 900456)", "Customer 19 ([phone])", Phone},
		{"phone us after a number", "seat 10 555-123-4567", "seat 10 [phone]", Phone},
		{"card glued", "ref4111111111111111", "ref[card]", Card},
		{"postcode uk", "I live at SW1A 1AA in London", "I live at [postcode] in London", Postcode},
		{"postcode uk short", "delivered to M1 1AE today", "delivered to [postcode] today", Postcode},
		{"postcode uk lower", "postcode is sw1a 1aa", "postcode is [postcode]", Postcode},
		{"postcode uk tight caps", "EC1A1BB", "[postcode]", Postcode},
		{"postcode nl", "Damrak 1, 1012 LG Amsterdam", "Damrak 1, [postcode] Amsterdam", Postcode},
		{"postcode de", "Musterweg, 10115 Berlin", "Musterweg, [postcode] Berlin", Postcode},
		{"postcode us zip4", "zip code 94103-1234", "zip code [postcode]", Postcode},
		{"postcode us state", "Austin, TX 78701", "Austin, TX [postcode]", Postcode},
		{"address", "send it to 221B Baker Street please", "send it to [address] please", Address},
		{"address abbr", "at 1600 Pennsylvania Ave NW", "at [address] NW", Address},
		{"address st dot", "12 High St. is closed", "[address]. is closed", Address},
		{"address de", "Hauptstraße 5 in Köln", "[address] in Köln", Address},
		{"address nl", "Kerkstraat 12a", "[address]", Address},
		{"several", "jo@x.com / 07700 900123 / 4111 1111 1111 1111", "[email] / [phone] / [card]", Email | Phone | Card},

		// negatives
		{"flight", "flight KL1234 delayed again", "flight KL1234 delayed again", 0},
		{"flight spaced", "BA 283 to LAX", "BA 283 to LAX", 0},
		{"amazon order", "order #112-1234567-1234567 never came", "order #112-1234567-1234567 never came", 0},
		{"amazon order bare", "order 112-1234567-1234567 never came", "order 112-1234567-1234567 never came", 0},
		{"tracking ups", "tracking 1Z999AA10123456784 stuck", "tracking 1Z999AA10123456784 stuck", 0},
		{"price", "paid £12.99 for this", "paid £12.99 for this", 0},
		{"price dollars", "$1,299.00 phone", "$1,299.00 phone", 0},
		{"price eur", "EUR 1234567890", "EUR 1234567890", 0},
		{"time", "at 10:45 this morning", "at 10:45 this morning", 0},
		{"date iso", "since 2017-10-31", "since 2017-10-31", 0},
		{"date eu", "since 31/10/2017 10", "since 31/10/2017 10", 0},
		{"date dots", "01.11.2017 12:30", "01.11.2017 12:30", 0},
		{"handle numeric", "@115712 please DM us", "@115712 please DM us", 0},
		{"handle", "@AmazonHelp @sprintcare", "@AmazonHelp @sprintcare", 0},
		{"url", "see https://t.co/4111111111111111 and www.x.com/0770090012", "see https://t.co/4111111111111111 and www.x.com/0770090012", 0},
		{"status url", "https://twitter.com/x/status/925437475123456789", "https://twitter.com/x/status/925437475123456789", 0},
		{"hashtag", "#iOS11 #4111", "#iOS11 #4111", 0},
		{"version", "iOS 11.1.2 on iPhone 7", "iOS 11.1.2 on iPhone 7", 0},
		{"ip", "ping 192.168.100.200", "ping 192.168.100.200", 0},
		{"am pm", "at 5PM or 2 AM", "at 5PM or 2 AM", 0},
		{"storage", "B2 2GB plan", "B2 2GB plan", 0},
		{"nl unit", "1080 HD video", "1080 HD video", 0},
		{"plain 5 digits", "we had 12345 followers", "we had 12345 followers", 0},
		{"zip without context", "code 94103-1234", "code 94103-1234", 0},
		{"10 digits no context", "ref 5551234567", "ref 5551234567", 0},
		{"not luhn", "4111 1111 1111 1112", "4111 1111 1111 1112", 0},
		{"waited hours", "waited 3 hours on hold", "waited 3 hours on hold", 0},
		{"two numbers", "2 Days later still nothing", "2 Days later still nothing", 0},
		{"st name", "2 St Pancras trains", "2 St Pancras trains", 0},
		{"shortcode", "text STOP to 2020", "text STOP to 2020", 0},
		{"email-ish", "user@localhost and a@b", "user@localhost and a@b", 0},
		{"during year", "during 2017 nothing", "during 2017 nothing", 0},
		{"empty", "", "", 0},
	}
	r := NewRedactor(0)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, k := r.Redact(tc.in)
			if got != tc.want || k != tc.kinds {
				t.Errorf("Redact(%q)\n got %q %v\nwant %q %v", tc.in, got, k.Names(), tc.want, tc.kinds.Names())
			}
		})
	}
}

func TestRedactOnlyConfiguredKinds(t *testing.T) {
	r := NewRedactor(Email)
	got, k := r.Redact("a@b.com 07700 900123")
	if got != "[email] 07700 900123" || k != Email {
		t.Errorf("got %q %v", got, k.Names())
	}
}

func TestEnricher(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	e, err := New(DefaultConfig(), reg)
	if err != nil {
		t.Fatal(err)
	}
	m := &mention.Mention{Text: "@AmazonHelp my email is jo@x.com and card 4111 1111 1111 1111"}
	if err := e.Enrich(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if want := "@AmazonHelp my email is [email] and card [card]"; m.Text != want {
		t.Errorf("text %q, want %q", m.Text, want)
	}
	if got := strings.Join(m.PII, ","); got != "email,card" {
		t.Errorf("pii %q", got)
	}
	// idempotent
	if err := e.Enrich(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.PII, ","); got != "email,card" || m.Text != "@AmazonHelp my email is [email] and card [card]" {
		t.Errorf("second run: %q %q", m.Text, got)
	}
	if v := testutil.ToFloat64(e.redacted.WithLabelValues(KindEmail)); v != 2 {
		t.Errorf("redacted email counter %v, want 2", v)
	}
	if v := testutil.ToFloat64(e.mentioned); v != 2 {
		t.Errorf("mentions counter %v, want 2", v)
	}
	// The display name and the strings in Extra are redacted too; the
	// handle is an identifier and stays.
	m3 := &mention.Mention{
		Text:   "hello",
		Author: mention.Author{Handle: "jo_42", DisplayName: "Jo (call 07700 900123)"},
		Extra: map[string]any{
			"bio":   "reach me: jo@x.com",
			"tags":  []any{"ok", "card 4111 1111 1111 1111"},
			"inner": map[string]any{"n": 3.0, "note": "fine"},
		},
	}
	if err := e.Enrich(context.Background(), m3); err != nil {
		t.Fatal(err)
	}
	if m3.Author.DisplayName != "Jo (call [phone])" || m3.Author.Handle != "jo_42" {
		t.Errorf("author %+v", m3.Author)
	}
	if m3.Extra["bio"] != "reach me: [email]" || m3.Extra["tags"].([]any)[1] != "card [card]" || m3.Extra["inner"].(map[string]any)["note"] != "fine" || m3.Extra["inner"].(map[string]any)["n"] != 3.0 {
		t.Errorf("extra %v", m3.Extra)
	}
	if got := strings.Join(m3.PII, ","); got != "email,phone,card" {
		t.Errorf("pii %q for display name and extra", got)
	}
	m2 := &mention.Mention{Text: "nothing here"}
	_ = e.Enrich(context.Background(), m2)
	if m2.PII != nil {
		t.Errorf("PII %v for a clean text", m2.PII)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		kinds   []string
		wantErr string
	}{
		{nil, ""},
		{[]string{"email"}, ""},
		{[]string{"email", "ssn"}, `unknown kind "ssn"`},
		{[]string{"card", "card"}, "listed twice"},
	}
	for _, tc := range tests {
		err := Config{Kinds: tc.kinds}.Validate()
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Validate(%v) = %v, want %q", tc.kinds, err, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "enrich.pii.kinds") {
			t.Errorf("error %q does not name the field", err)
		}
	}
	e, err := New(Config{Kinds: []string{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := &mention.Mention{Text: "a@b.com"}
	_ = e.Enrich(context.Background(), m)
	if m.Text != "a@b.com" || m.PII != nil {
		t.Errorf("with no kinds configured: %q %v", m.Text, m.PII)
	}
}

var (
	emailRE  = regexp.MustCompile(`[A-Za-z0-9_%][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}([^A-Za-z0-9-]|$)`)
	digitsRE = regexp.MustCompile(`[0-9]+`)
)

// leaks reports a Luhn-valid run of exactly 16 digits, or an e-mail
// address, outside URLs.
func leaks(out string) string {
	for _, tok := range strings.Fields(out) {
		if hasPrefixFold(tok, "http://") || hasPrefixFold(tok, "https://") || hasPrefixFold(tok, "www.") {
			continue
		}
		if emailRE.MatchString(tok) {
			return "email " + emailRE.FindString(tok)
		}
		for _, run := range digitsRE.FindAllString(tok, -1) {
			if len(run) == 16 && luhn(run) {
				return "card " + run
			}
		}
	}
	return ""
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"call 07700 900123", "4111 1111 1111 1111", "jo@x.com", "SW1A 1AA", "221B Baker Street",
		"@4111111111111111", "#112-1234567-1234567", "+44 (0)20 7946 0000", "£12.99", "a@b.co@c.dd",
		"1234 AB", "Hauptstraße 5", "x4111111111111111y", "(((((1", "+", "0", "TX 78701",
	} {
		f.Add(s)
	}
	r := NewRedactor(0)
	f.Fuzz(func(t *testing.T, s string) {
		out, k := r.Redact(s)
		if k == 0 && out != s {
			t.Fatalf("changed without a kind: %q → %q", s, out)
		}
		if leak := leaks(out); leak != "" {
			t.Fatalf("Redact(%q) = %q leaks %s", s, out, leak)
		}
		out2, _ := r.Redact(out)
		if out2 != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, out2)
		}
	})
}

var benchTexts = []string{
	"@AmazonHelp my order #112-1234567-1234567 still hasn't arrived, tracking says delivered at 10:45 but nothing here",
	"@British_Airways flight BA283 delayed 3 hours and no update, call me on 07700 900123 please",
	"@115712 We'd like to help. Please send us a DM with your email address and we'll look into it ^JS https://t.co/abc",
	"@sprintcare my phone has had no signal since 2017-10-31, paid £12.99 for nothing",
	"Loving the new update from @SpotifyCares, works great on iOS 11.1",
	"@Tesco delivery to 221B Baker Street, NW1 6XE never came. Card 4111 1111 1111 1111 charged twice",
}

func BenchmarkRedact(b *testing.B) {
	r := NewRedactor(0)
	var n int64
	for _, s := range benchTexts {
		n += int64(len(s))
	}
	b.SetBytes(n / int64(len(benchTexts)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Redact(benchTexts[i%len(benchTexts)])
	}
}

func BenchmarkEnricher(b *testing.B) {
	e, err := New(DefaultConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m := mention.Mention{Text: benchTexts[i%len(benchTexts)]}
		_ = e.Enrich(ctx, &m)
	}
}
