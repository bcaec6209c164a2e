package replyquality

import (
	"strings"
	"unicode/utf8"
)

// Deflection channels, the values of mention.ReplyQuality.Deflection.
const (
	DeflectNone  = "none"
	DeflectDM    = "dm"
	DeflectPhone = "phone"
	DeflectEmail = "email"
	DeflectWeb   = "web"
	DeflectStore = "store"
)

// Channels lists every deflection value.
var Channels = []string{DeflectDM, DeflectPhone, DeflectEmail, DeflectWeb, DeflectStore, DeflectNone}

// Features are what the rules find in one reply's text.
type Features struct {
	Apology        bool
	CannedApology  bool // only formulaic apologies ("sorry for any inconvenience")
	Acknowledgment bool
	Ownership      bool
	NextStep       bool
	Deflection     string
	Blame          bool
	Name           string // the customer's name, when the reply uses it
	Signature      string // the agent's signature ("^JS", "-Anna", "/AB")
}

// normalise lower-cases text, drops @handles, replaces URLs by " <url> ",
// straightens quotes, decodes the HTML entities Twitter escapes and
// collapses white space; the result is padded with a space at both ends so
// that " word " finds whole words.
func normalise(text string, b *strings.Builder) string {
	b.Reset()
	b.Grow(len(text) + 2)
	b.WriteByte(' ')
	space := true
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '@' && (i == 0 || !isWordByte(text[i-1])):
			j := i + 1
			for j < len(text) && isWordByte(text[j]) {
				j++
			}
			i = j
			continue
		case (c == 'h' || c == 'H') && (strings.HasPrefix(text[i:], "http://") || strings.HasPrefix(text[i:], "https://")):
			j := i
			for j < len(text) && text[j] > ' ' {
				j++
			}
			if !space {
				b.WriteByte(' ')
			}
			b.WriteString("<url> ")
			space = true
			i = j
			continue
		case c == '&':
			if r, n := entity(text[i:]); n > 0 {
				b.WriteByte(r)
				space = false
				i += n
				continue
			}
		case c <= ' ':
			if !space {
				b.WriteByte(' ')
				space = true
			}
			i++
			continue
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(text[i:])
			switch r {
			case '\u2019', '\u2018':
				b.WriteByte('\'')
			case '\u201c', '\u201d':
				b.WriteByte('"')
			case '\u2026':
				b.WriteString("...")
			default:
				b.WriteString(text[i : i+n])
			}
			space = false
			i += n
			continue
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
		space = false
		i++
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

func entity(s string) (byte, int) {
	for _, e := range [...]struct {
		s string
		r byte
	}{{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}} {
		if strings.HasPrefix(s, e.s) {
			return e.r, len(e.s)
		}
	}
	return 0, 0
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// Phrase lists, matched on the normalised text. A leading or trailing space
// makes a phrase match on a word boundary.
var (
	apologyPhrases = []string{"sorry", "apolog", "apologis", "my bad"}
	cannedApology  = []string{"for any inconvenience", "for the inconvenience", "frustrations or inconvenience",
		"for any confusion", "sorry for the trouble", "apologize for the trouble", "apologise for the trouble",
		"apologies for any", "sorry to hear that.", "sorry to hear this.", "sorry to hear that!", "sorry to hear this!"}
	ackPhrases = []string{"oh no", "oh, no", " i understand", " we understand", "how frustrating", "so frustrating", "frustrating",
		"you're frustrated", "your frustration", "disappointed", "disappointing", " odd", "not good", "your concerns and",
		"can imagine", "sorry to hear about your", "sorry to hear about the", "sorry to hear you", "sorry to hear your",
		"sorry your ", "sorry you ", "sorry the ", "sorry about the ", "not what we", "not the experience", "upsetting", "sadden",
		"we hear you", "we know how", "annoying", "not ideal", "your delay", "this experience", "having an issue",
		"having issues", "having trouble", "issues huh", "sad,", "sad.", "yikes", "don't like to hear", "do not like to hear",
		"hate to hear", "not sound", "not acceptable", "sorry to hear this process", "negative experience", "poor experience"}
	ownershipPhrases = []string{" i'll ", " we'll ", " i will ", " we will ", " let me ", " let's ", " i've ", " we've ",
		" i have ", " we have forwarded", " we have shared", " we have responded", " we have replied", " we have sent",
		" i'm going to", " we're going to", " i am going to", " will be following up", " have forwarded", " have responded",
		" have asked", " have shared", " we reply to", "we received and have", "we has respond", " we can pass", " will get back to",
		" i can clarify", " we emailed", " let us take a look", " i can see "}
	ownershipNot = []string{" we'll be happy to help via", " let's continue this", " let's carry on", " we'll continue there",
		" we'll go from there", " let's chat", " we've responded to your dm, so please", " we'll be able", " i will need",
		" i will be happy to", " we will be happy to", " i'll be happy to", " we'll be happy to"}
	nextStepPhrases = []string{" try ", " please go to", " you can ", " you'll need", " you will need", " you may need", " please allow",
		" please check ", " check out", " make sure", " reset", " restart", " update the", " turn off", " turning ", " power cycle",
		" click ", " tap ", " go to ", " here's how", " how here", " log in", " select ", " you'll receive", " will be ",
		" please bring", " is available", " are available", " should help", " might help", " may help", " documentation",
		" look into ", " take a look", " review ", " will follow up", " follow up with", " we advise", " please visit", " once ", " expected ",
		" we have some", " no longer ", " is the version", " appear to be", " is taking place", " delayed by",
		" in place", " is between", " doesn't have", " isn't ", " we can't ", " cannot ", " sadly "}
	questionNot = []string{"anything else", "anything we can", "can we help", "can i help", "if we can help",
		"issue i can help", "help you with?", "anything i can", "happy to"}
	blamePhrases = []string{"you should have", "your responsibility", "not our fault", "as per our policy", "per our terms",
		"is between you and", "comparable to other", "we're unaware of any issues", "can't make any promises"}

	dmPhrases = []string{" dm ", " dm.", " dm,", " dm!", " dm's", " dms ", " dm?", " dm-", " dm:", "direct message", "private message",
		"message us", "send us a message", "send me a message", "private link", "your inbox", "check your inbox",
		" pm us", " pm me", "private secured link", "secure one on one chat", " dm)", " dm\n"}
	phonePhrases = []string{"call us", "give us a call", "phone us", "ring us", "call our ", "phone support", "please call",
		"[phone]", "call me on", "contact us on 0", "contact us by phone", "phone our", "call the number", "us by phone",
		"a call back", "call option", "phone or chat"}
	emailPhrases = []string{"email us", "e-mail us", "via email", "via e-mail", "by email", "by e-mail", "drop us an email",
		"[email]", "send an email to", "emailed to"}
	webPhrases = []string{"reach us at", "reach us here", "reach out to us here", "contact us here", "here for more help",
		"fill out", "fill in", "web form", "live chat", "via chat", "report this to", "report it as", "make a report",
		"send us a note", "community forum", "answer desk", "contact us for help in", "our website", "click here to send",
		"click here to provide", "provide us with more information here", "please go to <url> log in", "log full details",
		"please reach us", "reach out to us via", "go to the link", "please go to the link", "click on the option below",
		"below and reply", "get in touch with our", "this link to reach", "contact our", "on the link provided", "team here",
		"please reach out to us here", "by chat"}
	storePhrases = []string{"back to store", "back to the store", "pop into", "pop in to", "visit your local", "local branch",
		"your nearest store", "in store with", "cafe management", "genius bar", "apple store", "visit a store",
		"visit one of our stores", "speak to station staff"}
)

var phrases = newMatcher([nLists][]string{
	lApology: apologyPhrases, lCannedApology: cannedApology, lAck: ackPhrases, lOwnership: ownershipPhrases,
	lOwnershipNot: ownershipNot, lNextStep: nextStepPhrases, lNextStepStrong: nextStepStrong, lQuestionNot: questionNot,
	lBlame: blamePhrases, lDM: dmPhrases, lPhone: phonePhrases, lEmail: emailPhrases, lWeb: webPhrases, lStore: storePhrases,
})

// detect finds the features of a normalised reply (see normalise).
func detect(n string) Features {
	var f Features
	m := phrases.scan(n)
	f.Apology = m.has(lApology)
	f.CannedApology = f.Apology && m.has(lCannedApology)
	f.Acknowledgment = m.has(lAck)
	f.Ownership = m.has(lOwnership) && !m.has(lOwnershipNot)
	f.Blame = m.has(lBlame)
	switch {
	case m.has(lDM):
		f.Deflection = DeflectDM
	case m.has(lPhone):
		f.Deflection = DeflectPhone
	case m.has(lEmail):
		f.Deflection = DeflectEmail
	case m.has(lWeb):
		f.Deflection = DeflectWeb
	case m.has(lStore):
		f.Deflection = DeflectStore
	default:
		f.Deflection = DeflectNone
	}
	f.NextStep = m.has(lNextStep) || m.has(lNextStepStrong) || (strings.IndexByte(n, '?') >= 0 && !m.has(lQuestionNot))
	if f.Deflection != DeflectNone && f.NextStep && !m.has(lNextStepStrong) {
		// "DM us so we can look into this": the request is the deflection,
		// not a step the customer can take in the open
		f.NextStep = false
	}
	return f
}

// nextStepStrong are steps that stand even beside a deflection.
var nextStepStrong = []string{" try ", " reset", " restart", " turn off", " power cycle", " you'll need", " please allow",
	" please bring", " you can ", " will be following up", " they will follow up", "report it as", "make a report"}

// greetingWords precede a customer's name: "Hi Sarah", "Thanks, Eric".
var greetingWords = map[string]bool{"hi": true, "hello": true, "hey": true, "dear": true, "morning": true, "afternoon": true,
	"evening": true, "thanks": true, "thank": true, "sorry": true, "welcome": true, "congrats": true, "night": true, "again": true}

// notNames are capitalised words that follow a greeting but are not names.
var notNames = map[string]bool{"there": true, "again": true, "all": true, "team": true, "guys": true, "everyone": true,
	"folks": true, "friend": true, "you": true, "so": true, "for": true, "we": true, "i": true, "the": true, "this": true,
	"that": true, "it": true, "very": true, "much": true, "and": true, "a": true, "to": true, "please": true, "our": true,
	"thanks": true, "thank": true, "hi": true, "hello": true, "hey": true, "yes": true, "no": true, "oh": true, "us": true,
	"twitter": true, "ty": true, "sir": true, "madam": true, "about": true, "in": true, "what": true, "is": true, "can": true,
	"just": true, "let": true, "do": true, "good": true, "great": true, "as": true, "if": true, "be": true, "happy": true}

// findName returns the customer's name when the reply greets or thanks
// them by name ("Hi Sarah", "Hello, Kerrie", "…, Eric!", "Sorry Rach").
func findName(text string) string {
	var buf [64]string
	words := blankFields(buf[:0], text)
	for i, w := range words {
		if strings.HasPrefix(w, "@") || strings.HasPrefix(w, "http") {
			continue
		}
		clean := strings.TrimRight(w, ",.!?:;")
		if inLower(greetingWords, clean) && i+1 < len(words) {
			if n := nameWord(words[i+1]); n != "" {
				return n
			}
		}
		// ", Eric!" / ", Eric." / "…, Wael." — a capitalised word after a comma, ending a clause
		if i > 0 && strings.HasSuffix(words[i-1], ",") && len(w) > 1 && strings.ContainsAny(w[len(w)-1:], "!.?,") {
			if n := nameWord(w); n != "" && !strings.HasSuffix(words[i-1], "),") {
				return n
			}
		}
		// "Martel, who's …", "Shadi, I can …": a name opening the reply after the handles
		if i > 0 && strings.HasPrefix(words[i-1], "@") && strings.HasSuffix(w, ",") {
			if n := nameWord(w); n != "" && !inLower(greetingWords, n) {
				return n
			}
		}
	}
	return ""
}

// blankFields appends to dst the fields of s between spaces, tabs and
// newlines (strings.FieldsFunc with those three, without allocating when
// dst has room).
func blankFields(dst []string, s string) []string {
	start := -1
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || c == '\n' || c == '\t' {
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// maxSetWord is the longest word inLower looks up (longer ones are in
// neither greetingWords nor notNames).
const maxSetWord = 16

// inLower reports whether set holds w in lower case (strings.ToLower for
// the ASCII letters), without allocating.
func inLower(set map[string]bool, w string) bool {
	if len(w) > maxSetWord {
		return false
	}
	var b [maxSetWord]byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return set[strings.ToLower(w)]
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return set[string(b[:len(w)])]
}

func nameWord(w string) string {
	w = strings.TrimRight(w, ",.!?:;)")
	if len(w) < 2 || len(w) > 20 || w[0] < 'A' || w[0] > 'Z' {
		return ""
	}
	for i := 1; i < len(w); i++ {
		c := w[i]
		if !(c >= 'a' && c <= 'z' || c == '-' || c == '\'' || c >= utf8.RuneSelf) {
			return ""
		}
	}
	if inLower(notNames, w) {
		return ""
	}
	return w
}

// findSignature returns the agent's signature that ends a reply: "^JS",
// "^Clarissa", "*TMT", "/KB", "-Sara", "- Anwar", "--JV", "~ Ellen",
// "TY - Eilish", "Thanks - Kirsty", "Marc" or "Phil." after a sentence.
// Trailing URLs, "1/2" markers and emoji are skipped.
func findSignature(text string) string {
	words := strings.Fields(text)
	// drop trailing URLs, part markers and symbols
	for len(words) > 0 {
		w := words[len(words)-1]
		if strings.HasPrefix(w, "http") || isPartMarker(w) || !hasASCIILetter(w) {
			words = words[:len(words)-1]
			continue
		}
		break
	}
	if len(words) == 0 {
		return ""
	}
	last := words[len(words)-1]
	// a signature glued to the text: "…us.^Jo", "sorry.^SB", "…!-Nick"
	for _, sep := range []string{"^", "*", "--", "-", "~"} {
		if k := strings.LastIndex(last, sep); k > 0 && isSigBody(last[k+len(sep):]) && !isWordByte(last[k-1]) {
			return sep + strings.TrimRight(last[k+len(sep):], ".")
		}
		if k := strings.LastIndex(last, sep); k > 0 && sep == "^" && isSigBody(last[k+1:]) {
			return "^" + strings.TrimRight(last[k+1:], ".")
		}
	}
	switch last[0] {
	case '^', '*', '~':
		if isSigBody(last[1:]) {
			return last[:1] + strings.TrimRight(last[1:], ".")
		}
	case '/':
		if b := last[1:]; len(b) >= 2 && len(b) <= 3 && isUpperWord(b) {
			return last
		}
	case '-':
		b := strings.TrimLeft(last, "-")
		if isSigBody(b) {
			return "-" + strings.TrimRight(b, ".")
		}
	}
	if len(words) >= 2 {
		prev := words[len(words)-2]
		if (prev == "-" || prev == "~" || prev == "^" || prev == "--") && isSigBody(last) {
			return prev + strings.TrimRight(last, ".")
		}
		// "Thanks. Marc", "… for you. Marc", "… Phil.", "Rgds, Amruta"
		if p := prev[len(prev)-1]; (p == '.' || p == '!' || p == '?' || strings.EqualFold(prev, "regards,") || strings.EqualFold(prev, "rgds,")) && nameWord(last) != "" && !closers[strings.ToLower(strings.TrimRight(last, ".!"))] {
			return strings.TrimRight(last, ".")
		}
		// "TY Andrew", "Thanks Reid" — no: too ambiguous without punctuation, except after "ty"
		if strings.EqualFold(prev, "ty") && nameWord(last) != "" {
			return strings.TrimRight(last, ".")
		}
	}
	return ""
}

// closers end a reply but are not names.
var closers = map[string]bool{"thanks": true, "cheers": true, "enjoy": true, "yes": true, "no": true, "regards": true,
	"care": true, "team": true, "support": true, "soon": true, "today": true, "tomorrow": true, "sorry": true,
	"apologies": true, "success": true, "help": true, "thank": true, "welcome": true, "there": true}

func isPartMarker(w string) bool {
	w = strings.Trim(w, "().")
	if k := strings.IndexByte(w, '/'); k > 0 && k < len(w)-1 {
		for _, c := range []byte(w[:k] + w[k+1:]) {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	return false
}

func hasASCIILetter(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// isSigBody: initials or a name, 1–20 letters (with '.' between initials).
func isSigBody(s string) bool {
	s = strings.TrimRight(s, ".")
	if len(s) < 1 || len(s) > 20 {
		return false
	}
	if s[0] < 'A' || s[0] > 'Z' {
		// some teams sign in lower case: "^nw", "^sp"
		if len(s) > 3 {
			return false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.') {
			return false
		}
	}
	return true
}

func isUpperWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}
