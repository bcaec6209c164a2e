package pii

import (
	"bytes"
	"strings"
)

// Kinds is a set of PII kinds.
type Kinds uint8

// The kinds of PII, as bits of Kinds.
const (
	Email Kinds = 1 << iota
	Phone
	Card
	Postcode
	Address
)

// Kind names, the values recorded in mention.PII.
const (
	KindEmail    = "email"
	KindPhone    = "phone"
	KindCard     = "card"
	KindPostcode = "postcode"
	KindAddress  = "address"
)

// AllKinds lists every kind name in the order mention.PII lists them.
var AllKinds = []string{KindEmail, KindPhone, KindCard, KindPostcode, KindAddress}

var kindBit = map[string]Kinds{KindEmail: Email, KindPhone: Phone, KindCard: Card, KindPostcode: Postcode, KindAddress: Address}

var kindOrder = [...]Kinds{Email, Phone, Card, Postcode, Address}

// Placeholders replace the redacted values, one per kind.
var placeholder = map[Kinds]string{Email: "[email]", Phone: "[phone]", Card: "[card]", Postcode: "[postcode]", Address: "[address]"}

// Names returns the kinds' names in AllKinds order (nil for none).
func (k Kinds) Names() []string {
	if k == 0 {
		return nil
	}
	out := make([]string, 0, 2)
	for i, b := range kindOrder {
		if k&b != 0 {
			out = append(out, AllKinds[i])
		}
	}
	return out
}

// placeholdersIn returns the kinds whose placeholder already occurs in s,
// so that redacting an already redacted text reports the same kinds.
func placeholdersIn(s string) Kinds {
	if strings.IndexByte(s, '[') < 0 {
		return 0
	}
	var k Kinds
	for _, b := range kindOrder {
		if strings.Contains(s, placeholder[b]) {
			k |= b
		}
	}
	return k
}

// placeholderAt returns the end of the placeholder starting at i, or i.
func placeholderAt(s string, i int) int {
	for _, b := range kindOrder {
		if p := placeholder[b]; strings.HasPrefix(s[i:], p) {
			return i + len(p)
		}
	}
	return i
}

type span struct {
	start, end int
	kind       Kinds
}

// Redactor finds PII in text and replaces it with placeholders. It is
// stateless and safe for concurrent use.
type Redactor struct {
	mask Kinds
}

// NewRedactor returns a redactor of the given kinds (0: every kind).
func NewRedactor(kinds Kinds) *Redactor {
	if kinds == 0 {
		kinds = Email | Phone | Card | Postcode | Address
	}
	return &Redactor{mask: kinds}
}

// Redact returns s with every value of the redactor's kinds replaced by
// its placeholder, and the kinds it replaced. It allocates only when it
// replaces something.
func (r *Redactor) Redact(s string) (string, Kinds) {
	out, found := r.once(s)
	if found == 0 {
		return out, 0
	}
	// A placeholder can change how the text around it reads ("A00AA[card]"
	// ends a word where digits went on). Redact again until nothing
	// changes, so that redacting a redacted text is a no-op; in practice
	// the second pass finds nothing.
	for range maxPasses - 1 {
		next, k := r.once(out)
		if k == 0 || next == out {
			break
		}
		out, found = next, found|k
	}
	return out, found
}

// maxPasses bounds Redact's passes over one text.
const maxPasses = 4

// once is one redaction pass.
func (r *Redactor) once(s string) (string, Kinds) {
	if !mayContain(s) {
		return s, 0
	}
	var buf [8]span
	sc := scanner{s: s, spans: buf[:0]}
	sc.run()
	var found Kinds
	var n int
	for _, sp := range sc.spans {
		if r.mask&sp.kind != 0 {
			found |= sp.kind
			n++
		}
	}
	if n == 0 {
		return s, 0
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range sc.spans {
		if r.mask&sp.kind == 0 || sp.start < last {
			continue
		}
		b.WriteString(s[last:sp.start])
		b.WriteString(placeholder[sp.kind])
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String(), found
}

// mayContain is the fast path: every kind needs a digit or an '@'.
func mayContain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '@' || (c >= '0' && c <= '9') {
			return true
		}
	}
	return false
}

type scanner struct {
	s     string
	spans []span
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool  { return c >= 'a' && c <= 'z' }
func isLetter(c byte) bool { return isUpper(c) || isLower(c) }

// isWord: letters, digits, '_' and any non-ASCII byte (letters of other
// scripts, accented letters).
func isWord(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' || c >= 0x80 }

// wordBefore: a byte that, before a token, glues it to what precedes;
// ']' counts, so that redacting a redacted text changes nothing (every
// placeholder ends in ']' and every redacted value in a word byte).
func wordBefore(c byte) bool { return isWord(c) || c == ']' }

func isLocal(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func (sc *scanner) add(start, end int, k Kinds) {
	sc.spans = append(sc.spans, span{start, end, k})
}

func (sc *scanner) run() {
	s := sc.s
	for i := 0; i < len(s); {
		c := s[i]
		if c == '@' {
			if e := sc.emailAround(i); e > i {
				i = e
				continue
			}
			if i == 0 || !wordBefore(s[i-1]) { // a handle: an identifier, never PII (but see skipWord)
				i = sc.skipWord(i + 1)
				continue
			}
			i++
			continue
		}
		boundary := i == 0 || !wordBefore(s[i-1])
		if !boundary {
			if isDigit(c) { // digits glued to letters: an identifier (KL1234, 1Z999AA1…)
				i = sc.skipRun(i)
				continue
			}
			i++
			continue
		}
		switch {
		case c == 'h' || c == 'H' || c == 'w' || c == 'W':
			if e := urlEnd(s, i); e > i {
				i = e
				continue
			}
		case c == '#': // a tag: an identifier (order #112-…)
			i = sc.skipWord(i + 1)
			continue
		}
		if isDigit(c) || ((c == '+' || c == '(') && i+1 < len(s) && isDigit(s[i+1])) {
			if isPrice(s, i) {
				i = sc.skipAmount(i)
				continue
			}
			i = sc.number(i)
			continue
		}
		if isLetter(c) {
			if e := ukPostcode(s, i); e > i {
				sc.add(i, e, Postcode)
				i = e
				continue
			}
			if isUpper(c) {
				if e := streetFirst(s, i); e > i {
					sc.add(i, e, Address)
					i = e
					continue
				}
			}
		}
		i++
	}
}

// skipRun skips a run of digits; a 13–19 digit Luhn-valid run is a card
// number whatever surrounds it.
func (sc *scanner) skipRun(i int) int {
	j := i
	for j < len(sc.s) && isDigit(sc.s[j]) {
		j++
	}
	if n := j - i; n >= 13 && n <= 19 && luhn(sc.s[i:j]) {
		sc.add(i, j, Card)
	}
	return j
}

// skipWord skips a handle or tag body (word bytes and '-'), checking its
// digit runs for card numbers.
func (sc *scanner) skipWord(i int) int {
	for i < len(sc.s) {
		if sc.s[i] == '[' {
			// a placeholder inside the word ("#[card]-123") is part of
			// it, as the digits it replaced were
			if e := placeholderAt(sc.s, i); e > i {
				i = e
				continue
			}
			break
		}
		if !isWord(sc.s[i]) && sc.s[i] != '-' {
			break
		}
		if isDigit(sc.s[i]) {
			i = sc.skipRun(i)
			continue
		}
		i++
	}
	return i
}

// skipAmount skips a price's digits, '.' and ','.
func (sc *scanner) skipAmount(i int) int {
	if !isDigit(sc.s[i]) {
		i++ // "$(40)", "$+5"
	}
	for i < len(sc.s) && (isDigit(sc.s[i]) || sc.s[i] == '.' || sc.s[i] == ',') {
		if isDigit(sc.s[i]) {
			i = sc.skipRun(i)
			continue
		}
		i++
	}
	return i
}

// isPrice: the number follows a currency sign ("£12.99", "$ 5", "€10", "EUR 10").
func isPrice(s string, i int) bool {
	j := i
	if j > 0 && s[j-1] == ' ' {
		j--
	}
	switch {
	case j >= 1 && (s[j-1] == '$'):
		return true
	case j >= 2 && s[j-2:j] == "£":
		return true
	case j >= 3 && (s[j-3:j] == "€" || s[j-3:j] == "₹"):
		return true
	case j >= 3 && (s[j-3:j] == "EUR" || s[j-3:j] == "GBP" || s[j-3:j] == "USD"):
		return true
	}
	return false
}

// urlEnd returns the end of a URL starting at i (http://, https://, www.),
// or i.
func urlEnd(s string, i int) int {
	rest := s[i:]
	if !(hasPrefixFold(rest, "http://") || hasPrefixFold(rest, "https://") || hasPrefixFold(rest, "www.")) {
		return i
	}
	j := i
	for j < len(s) && s[j] > ' ' {
		j++
	}
	return j
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// emailAround checks for an e-mail address around the '@' at at: the
// local part before it (not before the last span found, and taking back
// spans found inside it, such as a digit run), the domain after it. It
// records the span and returns its end, or at.
func (sc *scanner) emailAround(at int) int {
	s := sc.s
	// the domain: labels of letters, digits and '-' joined by '.'; it ends
	// after the last label, from the second on, that is a top-level domain
	// (two or more letters)
	k, labels, end := at+1, 0, 0
	for {
		ls := k
		letters, lead := true, 0 // lead: the label's leading letters
		for k < len(s) && (isLetter(s[k]) || isDigit(s[k]) || s[k] == '-') {
			if !isLetter(s[k]) {
				letters = false
			} else if letters {
				lead++
			}
			k++
		}
		if k == ls {
			break
		}
		labels++
		if labels >= 2 && letters && k-ls >= 2 {
			end = k
		}
		if k+1 < len(s) && s[k] == '.' && (isLetter(s[k+1]) || isDigit(s[k+1])) {
			k++
			continue
		}
		// the last label glued to more text ("jo@x.com4111…"): the
		// address ends with the top-level domain's letters
		if labels >= 2 && !letters && lead >= 2 {
			end = ls + lead
		}
		break
	}
	if end == 0 {
		return at
	}
	k = end
	st := at
	for st > 0 && at-st < 64 && isLocal(s[st-1]) {
		st--
	}
	// spans inside the local part are taken back; one that straddles its
	// start bounds it
	n := len(sc.spans)
	for n > 0 && sc.spans[n-1].end > st {
		if sc.spans[n-1].start < st {
			st = sc.spans[n-1].end
			break
		}
		n--
	}
	for st < at && (s[st] == '.' || s[st] == '-' || s[st] == '+') { // not a local part's first byte
		st++
	}
	if st == at {
		return at
	}
	sc.spans = sc.spans[:n]
	sc.add(st, k, Email)
	return k
}

// numGroup is a run of digits with single separators between digit groups:
// "+44 (0)20 7946 0000", "4111-1111-1111-1111", "2017-10-31".
type numGroup struct {
	start, end int
	digits     int
	n          int // groups
	lens       [8]uint8
	starts     [8]int
	seps       uint8
	plus       bool
	first      byte // first digit
	second     byte
}

const (
	sepSpace = 1 << iota
	sepDash
	sepDot
	sepSlash
	sepParen
)

func sepBit(c byte) uint8 {
	switch c {
	case ' ':
		return sepSpace
	case '-':
		return sepDash
	case '.':
		return sepDot
	case '/':
		return sepSlash
	case '(', ')':
		return sepParen
	}
	return 0
}

func parseGroup(s string, i int) numGroup {
	g := numGroup{start: i}
	j := i
	if s[j] == '+' {
		g.plus = true
		j++
	}
	if s[j] == '(' {
		g.seps |= sepParen
		j++
	}
	for j < len(s) && g.n < len(g.lens) {
		st := j
		for j < len(s) && isDigit(s[j]) {
			if g.digits == 0 {
				g.first = s[j]
			} else if g.digits == 1 {
				g.second = s[j]
			}
			g.digits++
			j++
		}
		g.lens[g.n] = uint8(min(j-st, 255))
		g.starts[g.n] = st
		g.n++
		g.end = j
		k := j
		var seps uint8
		for k < len(s) && k-j < 2 {
			b := sepBit(s[k])
			if b == 0 {
				break
			}
			seps |= b
			k++
		}
		if k == j || k >= len(s) || !isDigit(s[k]) || g.n == len(g.lens) {
			break
		}
		g.seps |= seps
		j = k
	}
	return g
}

func (g *numGroup) lensAre(want ...uint8) bool {
	if g.n != len(want) {
		return false
	}
	for i, w := range want {
		if g.lens[i] != w {
			return false
		}
	}
	return true
}

// dateLike: 31/10/2017, 2017-10-31, 31.10.17 (also as the start of a group).
func (g *numGroup) dateLike() bool {
	if g.n < 3 || g.seps&(sepDash|sepDot|sepSlash) == 0 {
		return false
	}
	a, b, c := g.lens[0], g.lens[1], g.lens[2]
	if g.n > 3 && c != 4 && a != 4 {
		return false // 06.12.34.56.78
	}
	return (a <= 2 && b <= 2 && (c == 2 || c == 4)) || (a == 4 && b <= 2 && c <= 2)
}

// number classifies the digit group at i and returns where scanning goes on.
func (sc *scanner) number(i int) int {
	s := sc.s
	g := parseGroup(s, i)
	end := g.end
	// the group is glued to a letter: an identifier ("1Z999AA1…", "4K"),
	// unless it is a house number or a Dutch postcode written tightly
	after := byte(' ')
	if end < len(s) {
		after = s[end]
	}
	if end < len(s) && end > 0 && s[end-1] != ')' && g.n == 1 && g.digits == 4 && !g.plus && g.seps == 0 {
		if e := nlPostcode(s, g.start, end); e > end {
			sc.add(g.start, e, Postcode)
			return e
		}
	}
	if g.n > 1 && (isLetter(after) || after == '_' || after >= 0x80 || after == '@') {
		// the last run is glued to a word or an address ("… 0@x.com"):
		// it belongs to that; the runs before it are a group of their
		// own, as they are once that is redacted
		sc.prefix(&g, g.n-1)
		return g.starts[g.n-1]
	}
	if isLetter(after) || after == '_' || after >= 0x80 {
		if g.n == 1 && !g.plus && g.seps == 0 && g.digits <= 4 {
			if e := numberFirstAddress(s, g.start, end); e > end {
				sc.add(g.start, e, Address)
				return e
			}
		}
		return sc.skipGroupRuns(&g)
	}
	if after == '@' || (after == '.' && end+1 < len(s) && isLetter(s[end+1])) {
		return sc.skipGroupRuns(&g)
	}
	if k := sc.classify(&g); k != 0 {
		sc.add(g.start, end, k)
		return end
	}
	if g.n == 1 && !g.plus && g.seps == 0 {
		if g.digits <= 5 {
			if e := numberFirstAddress(s, g.start, end); e > end {
				sc.add(g.start, e, Address)
				return e
			}
		}
		if (g.digits == 5) && dePostcode(s, g.start, end) {
			sc.add(g.start, end, Postcode)
			return end
		}
	}
	return sc.skipGroupRuns(&g)
}

// skipGroupRuns checks each digit run of a group that is not PII as a whole
// for a card number, and returns the group's end.
func (sc *scanner) skipGroupRuns(g *numGroup) int {
	for k := 0; k < g.n; k++ {
		if l := int(g.lens[k]); l >= 13 && l <= 19 && luhn(sc.s[g.starts[k]:g.starts[k]+l]) {
			// the runs before the card are classified as a group of their
			// own (as they are once the card is redacted), and scanning
			// goes on after the card
			sc.prefix(g, k)
			sc.add(g.starts[k], g.starts[k]+l, Card)
			return g.starts[k] + l
		}
	}
	// A number in front can glue itself to the PII: "Customer 20 (4111 1111
	// 1111 1111)", "room 12 +44 20 7946 0000" read as one group. Try the
	// group without its leading runs, longest first.
	// An opening parenthesis right before a run is tried as part of the
	// number too: "(555) 123-4567".
	for k := 1; k < g.n; k++ {
		starts := [2]int{g.starts[k], -1}
		if g.starts[k]-1 > g.start && sc.s[g.starts[k]-1] == '(' {
			starts[1] = g.starts[k] - 1
		}
		for _, st := range starts {
			if st < 0 {
				continue
			}
			sub := parseGroup(sc.s[:g.end], st)
			if sub.end != g.end {
				continue
			}
			if kind := sc.classify(&sub); kind != 0 {
				// the runs before it are classified as a group of their
				// own, as they are once it is redacted (idempotence)
				sc.prefix(g, k)
				sc.add(sub.start, sub.end, kind)
				return g.end
			}
		}
	}
	return g.end
}

// prefix classifies the runs of g before run k as a group of their own,
// as they are read once what starts at run k is redacted, so that
// redacting twice gives what redacting once gave.
func (sc *scanner) prefix(g *numGroup, k int) {
	if k == 0 {
		return
	}
	pe := g.starts[k-1] + int(g.lens[k-1])
	pg := parseGroup(sc.s[:pe], g.start)
	if pg.end != pe {
		return
	}
	if kind := sc.classify(&pg); kind != 0 {
		sc.add(pg.start, pg.end, kind)
		return
	}
	sc.skipGroupRuns(&pg)
}

func (sc *scanner) classify(g *numGroup) Kinds {
	s := sc.s
	d := g.digits
	// payment card: 13–19 digits, spaces or dashes, Luhn; not an Amazon order id (3-7-7)
	if !g.plus && d >= 13 && d <= 19 && g.seps&^(sepSpace|sepDash) == 0 && !g.lensAre(3, 7, 7) && cardGroups(g) && luhn(s[g.start:g.end]) {
		return Card
	}
	if g.dateLike() {
		return 0
	}
	// phone numbers
	slashes := strings.Count(s[g.start:g.end], "/")
	if slashes <= 1 {
		switch {
		case g.plus && d >= 9 && d <= 15:
			return Phone
		case g.first == '0' && g.second == '0' && d >= 11 && d <= 15:
			return Phone
		case g.first == '0' && g.second != '0' && g.seps&sepDot == 0 && ((d >= 10 && d <= 11) || (g.n > 1 && d >= 9 && d <= 12)):
			return Phone
		case g.first == '0' && g.second != '0' && d >= 10 && d <= 11 && g.seps == sepDot && g.n >= 3:
			return Phone // 06.12.34.56.78 (French style)
		case slashes == 0 && (g.lensAre(3, 3, 4) || (g.lensAre(1, 3, 3, 4) && g.first == '1')) && g.first != '0':
			return Phone // (555) 123-4567, 1-800-123-4567
		case slashes == 0 && g.first != '0' && ((g.n == 1 && (d == 10 || (d == 11 && g.first == '1'))) || g.lensAre(3, 4)) && phoneContext(s, g.start):
			return Phone
		}
	}
	// US ZIP / ZIP+4 only with a label or a state code before it
	if (g.n == 1 && d == 5) || (g.lensAre(5, 4) && g.seps == sepDash) {
		if zipContext(s, g.start) {
			return Postcode
		}
	}
	return 0
}

// cardGroups: unseparated, or groups of at least 4 digits (4-4-4-4,
// 4-6-5) with a shorter last group allowed.
func cardGroups(g *numGroup) bool {
	if g.n == 1 {
		return true
	}
	for k := 0; k < g.n-1; k++ {
		if g.lens[k] < 4 {
			return false
		}
	}
	return g.lens[g.n-1] >= 1
}

// luhn checks the Luhn digit of the digits of s (other bytes ignored).
func luhn(s string) bool {
	sum, double, n := 0, false, 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if !isDigit(c) {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
		n++
	}
	return n > 0 && sum%10 == 0
}

// before returns up to n bytes before i, lower-cased into buf.
func before(s string, i, n int, buf []byte) []byte {
	st := max(0, i-n)
	if st > 0 && s[st-1] == '[' {
		st-- // keep a placeholder's bracket: "[postcode]" is not a label
	}
	buf = buf[:0]
	for k := st; k < i; k++ {
		c := s[k]
		if isUpper(c) {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

var phoneWords = [][]byte{[]byte("call"), []byte("phone"), []byte("tel"), []byte("ring"), []byte("number"),
	[]byte("mobile"), []byte("cell"), []byte("text"), []byte("whatsapp"), []byte("contact"), []byte("fax"), []byte("no.")}

func phoneContext(s string, i int) bool {
	var a [32]byte
	return containsWord(before(s, i, 24, a[:]), phoneWords)
}

// containsWord reports whether w contains one of the words, not as part of
// a placeholder ("[phone]", "[postcode]"), so that redacting a redacted
// text finds nothing new.
func containsWord(w []byte, words [][]byte) bool {
	for _, p := range words {
		for off := 0; ; {
			x := bytes.Index(w[off:], p)
			if x < 0 {
				break
			}
			if off+x == 0 || w[off+x-1] != '[' {
				return true
			}
			off += x + 1
		}
	}
	return false
}

var zipWords = [][]byte{[]byte("zip"), []byte("postal code"), []byte("postcode"), []byte("post code")}

var usStates = func() map[string]bool {
	m := map[string]bool{}
	for _, st := range strings.Fields("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR") {
		m[st] = true
	}
	return m
}()

func zipContext(s string, i int) bool {
	var a [32]byte
	if containsWord(before(s, i, 16, a[:]), zipWords) {
		return true
	}
	// "Austin, TX 78701": an upper-case state code right before
	j := i
	if j > 0 && s[j-1] == ' ' {
		j--
	}
	if j > 0 && s[j-1] == ',' {
		j--
	}
	return j >= 2 && isUpper(s[j-1]) && isUpper(s[j-2]) && (j == 2 || !isWord(s[j-3])) && usStates[s[j-2:j]]
}

// nlPostcode: "1234 AB" / "1234AB" (first digit 1–9, two capitals that are
// not a unit or a common word). It returns the end, or end when it is not.
func nlPostcode(s string, start, end int) int {
	if s[start] == '0' {
		return end
	}
	k := end
	if k < len(s) && s[k] == ' ' {
		k++
	}
	if k+2 > len(s) || !isUpper(s[k]) || !isUpper(s[k+1]) || (k+2 < len(s) && isWord(s[k+2])) {
		return end
	}
	if nlNot[s[k:k+2]] {
		return end
	}
	return k + 2
}

var nlNot = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields("SA SD SS AM PM HD MB GB KB TB UK US EU ID OK TV PC CD DJ MP GT XL UP AD BC GO IN AT ON OR TO NO IS IT BE BY MY OF SO WE HE ME AN AS DO IF HI VS FT KM MM CM KG LB MG ML HZ GHZ UX UI QA CV XP MK ST ND RD TH") {
		m[w] = true
	}
	return m
}()

// dePostcode: "10115 Berlin" after ", ", "D-" or at the start of the text.
func dePostcode(s string, start, end int) bool {
	if end+4 > len(s) || s[end] != ' ' || !isUpper(s[end+1]) || !(isLower(s[end+2]) || s[end+2] >= 0x80) {
		return false
	}
	switch {
	case start == 0:
		return true
	case start >= 2 && (s[start-2:start] == ", " || s[start-2:start] == "D-"):
		return true
	case start >= 4 && strings.EqualFold(s[start-4:start], "plz "):
		return true
	}
	return false
}

var streetWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields("street st st. road rd rd. avenue ave ave. av lane ln drive dr dr. close way boulevard blvd place pl court ct crescent cres terrace tce gardens gdns square sq grove mews row parade highway hwy parkway pkwy circle cir") {
		m[w] = true
	}
	return m
}()

// numberFirstAddress: "221B Baker Street", "1600 Pennsylvania Ave": 1–5
// digits, an optional letter, then one to three capitalised words and a
// street word. It returns the end, or end when it is not.
func numberFirstAddress(s string, start, end int) int {
	k := end
	if k < len(s) && isLetter(s[k]) && (k+1 >= len(s) || s[k+1] == ' ') {
		k++
	}
	names := 0
	for w := 0; w < 4; w++ {
		if k >= len(s) || s[k] != ' ' {
			return end
		}
		k++
		ws := k
		for k < len(s) && (isLetter(s[k]) || s[k] == '\'' || s[k] >= 0x80) {
			k++
		}
		if k == ws {
			return end
		}
		word := s[ws:k]
		if names >= 1 && len(word) <= 10 {
			var a [12]byte
			lw := a[:0]
			for x := 0; x < len(word); x++ {
				c := word[x]
				if isUpper(c) {
					c += 'a' - 'A'
				}
				lw = append(lw, c)
			}
			wk := k
			if k < len(s) && s[k] == '.' {
				lw = append(lw, '.')
				wk = k + 1
			}
			if streetWords[string(lw)] || (lw[len(lw)-1] == '.' && streetWords[string(lw[:len(lw)-1])]) {
				if wk < len(s) && isWord(s[wk]) {
					return end
				}
				return k // without a final dot
			}
		}
		if !isUpper(word[0]) {
			return end
		}
		names++
	}
	return end
}

var streetSuffixes = []string{"straße", "strasse", "str.", "weg", "platz", "gasse", "allee", "damm", "straat", "laan", "gracht", "plein", "kade", "singel"}

// streetFirst: "Hauptstraße 5", "Kerkstraat 12a": a capitalised word ending
// in a street suffix, a space and a house number.
func streetFirst(s string, i int) int {
	k := i
	for k < len(s) && (isLetter(s[k]) || s[k] >= 0x80) && k-i < 40 {
		k++
	}
	if k < len(s) && s[k] == '.' {
		k++
	}
	if k-i < 5 || k+2 > len(s) || s[k] != ' ' || !isDigit(s[k+1]) {
		return i
	}
	word := s[i:k]
	ok := false
	for _, suf := range streetSuffixes {
		if len(word) > len(suf)+1 && strings.EqualFold(word[len(word)-len(suf):], suf) {
			ok = true
			break
		}
	}
	if !ok {
		return i
	}
	j := k + 1
	for j < len(s) && isDigit(s[j]) && j-k <= 4 {
		j++
	}
	if j-k > 4 {
		return i
	}
	if j < len(s) && isLetter(s[j]) && (j+1 >= len(s) || !isWord(s[j+1])) {
		j++
	}
	if j < len(s) && isWord(s[j]) {
		return i
	}
	return j
}

// ukPostcode: "SW1A 1AA", "M1 1AE", "EC1A1BB" (upper case without the
// space): outward A9, A99, AA9, AA99, A9A or AA9A, inward 9AA (the inward
// letters are never C, I, K, M, O or V, so "5PM" and "2AM" are not one).
// It returns the end, or i.
func ukPostcode(s string, i int) int {
	if i+4 > len(s) || !(isDigit(s[i+1]) || isDigit(s[i+2])) {
		return i
	}
	upper := isUpper(s[i])
	for _, form := range ukForms {
		k := i
		ok := true
		for x := 0; x < len(form) && ok; x++ {
			if k >= len(s) {
				ok = false
				break
			}
			if form[x] == 'D' {
				ok = isDigit(s[k])
			} else {
				ok = isLetter(s[k]) && isUpper(s[k]) == upper
			}
			k++
		}
		if !ok {
			continue
		}
		if k < len(s) && s[k] == ' ' {
			k++
		} else if !upper {
			continue
		}
		if k+3 > len(s) || !isDigit(s[k]) || !isLetter(s[k+1]) || !isLetter(s[k+2]) || (k+3 < len(s) && isWord(s[k+3])) {
			continue
		}
		if isUpper(s[k+1]) != upper || isUpper(s[k+2]) != upper {
			continue
		}
		bad := false
		for _, c := range []byte{s[k+1] | 0x20, s[k+2] | 0x20} {
			switch c {
			case 'c', 'i', 'k', 'm', 'o', 'v':
				bad = true
			}
		}
		if in := s[k+1 : k+3]; bad || strings.EqualFold(in, "gb") || strings.EqualFold(in, "tb") {
			continue
		}
		return k + 3
	}
	return i
}

var ukForms = []string{"AADA", "AADD", "ADA", "AAD", "ADD", "AD"}
