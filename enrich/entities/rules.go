package entities

import (
	"strings"

	"github.com/earshot-dev/earshot/internal/wordmap"
	"github.com/earshot-dev/earshot/mention"
)

// travelWords make a text a travel context: airport codes and flight
// numbers count only in one.
var travelWords = setOf("flight", "flights", "flt", "fly", "flying", "flew", "flown", "plane", "aircraft",
	"airport", "airports", "airline", "airlines", "boarding", "board", "boarded", "gate", "departure", "departures",
	"depart", "departs", "departed", "departing", "arrival", "arrivals", "arrive", "arrives", "arrived", "arriving",
	"landed", "landing", "land", "takeoff", "delayed", "delay", "delays", "cancelled", "canceled", "diverted",
	"layover", "connection", "connecting", "terminal", "runway", "baggage", "luggage", "bag", "bags", "seat",
	"seats", "upgrade", "check-in", "checkin", "lounge", "pilot", "crew", "route", "nonstop", "via")

// fillers may stand between a reference keyword and the reference.
var fillers = setOf("number", "numbers", "no", "nr", "num", "#", ":", "-", "id", "ref", "reference", "code",
	"is", "was", "of", ".", "=")

// refKeywords start a reference of a kind.
var refKeywords = wordmap.New(map[string]string{
	"order": TypeOrder, "orders": TypeOrder, "ordernumber": TypeOrder, "purchase": TypeOrder,
	"booking": TypeBooking, "bookings": TypeBooking, "reservation": TypeBooking, "confirmation": TypeBooking,
	"pnr": TypeBooking, "ticket": TypeBooking,
	"tracking": TypeTracking, "tracker": TypeTracking, "parcel": TypeTracking, "consignment": TypeTracking,
	"shipment": TypeTracking, "package": TypeTracking, "waybill": TypeTracking, "awb": TypeTracking,
})

// findIdentifiers appends the service identifiers of text (tokens toks,
// lower-case forms low) to dst: flight numbers, airport codes, order,
// booking and tracking references.
func findIdentifiers(dst []mention.Entity, text string, toks []Span, low []string) []mention.Entity {
	travel := false
	for _, l := range low {
		if travelWords.Has(l) {
			travel = true
			break
		}
	}
	shout := -1 // mostlyUpper(text), computed when first needed
	shouting := func() bool {
		if shout < 0 {
			shout = 0
			if mostlyUpper(text) {
				shout = 1
			}
		}
		return shout == 1
	}
	used := make([]bool, len(toks))
	add := func(i int, start, end int, typ string) {
		dst = append(dst, mention.Entity{Text: text[start:end], Type: typ, Start: start, End: end})
		used[i] = true
	}
	word := func(i int) string { return text[toks[i].Start:toks[i].End] }
	for i := range toks {
		w := word(i)
		// Carrier and shop formats, whatever the context.
		switch {
		case isUPS(w), isS10(w), isUSPS(w):
			add(i, toks[i].Start, toks[i].End, TypeTracking)
			continue
		case isAmazonOrder(w):
			add(i, toks[i].Start, toks[i].End, TypeOrder)
			continue
		}
		// A route written as one token: LHR-JFK, AMS/LHR.
		if len(w) == 7 && (w[3] == '-' || w[3] == '/') && isAirport(w[:3]) && isAirport(w[4:]) {
			dst = append(dst,
				mention.Entity{Text: w[:3], Type: TypeAirport, Start: toks[i].Start, End: toks[i].Start + 3},
				mention.Entity{Text: w[4:], Type: TypeAirport, Start: toks[i].Start + 4, End: toks[i].End})
			used[i] = true
			continue
		}
		if travel && isFlightNumber(w) && !(isAircraftType(w) && (i == 0 || !strings.HasPrefix(low[i-1], "fl"))) {
			add(i, toks[i].Start, toks[i].End, TypeFlight)
			continue
		}
		if travel && len(w) == 2 && airlines.Has(w) && i+1 < len(toks) && isDigits(word(i+1), 1, 4) &&
			toks[i+1].Start == toks[i].End+1 {
			dst = append(dst, mention.Entity{Text: text[toks[i].Start:toks[i+1].End], Type: TypeFlight, Start: toks[i].Start, End: toks[i+1].End})
			used[i], used[i+1] = true, true
			continue
		}
		if isAirport(w) && (routeNeighbour(text, toks, i) || (travel && !shouting())) {
			add(i, toks[i].Start, toks[i].End, TypeAirport)
			continue
		}
	}
	// References after a keyword ("order #123456", "booking ref: X7K2PQ").
	for i := 0; i < len(toks); i++ {
		typ, ok := refKeywords.GetString(low[i])
		if !ok {
			continue
		}
		for j, skipped := i+1, 0; j < len(toks) && skipped <= 3; j++ {
			if used[j] {
				break
			}
			w := word(j)
			start := toks[j].Start
			if len(w) > 1 && w[0] == '#' {
				w, start = w[1:], start+1
			}
			if isReference(w, typ) {
				add(j, start, toks[j].End, typ)
				i = j
				break
			}
			if !fillers.Has(low[j]) {
				break
			}
			skipped++
		}
	}
	return dst
}

func isAirport(w string) bool { return len(w) == 3 && airports.Has(w) }

// routeNeighbour reports whether token i is next to another airport code
// across "-", "to", "→", ">", "/" or "via" (LHR to JFK).
func routeNeighbour(text string, toks []Span, i int) bool {
	link := func(s string) bool {
		switch strings.ToLower(s) {
		case "-", "to", "→", ">", "/", "via", "->", "–", "—":
			return true
		}
		return false
	}
	w := func(k int) string { return text[toks[k].Start:toks[k].End] }
	if i+2 < len(toks) && link(w(i+1)) && isAirport(w(i+2)) {
		return true
	}
	return i >= 2 && link(w(i-1)) && isAirport(w(i-2))
}

// isFlightNumber: an airline designator then 1–4 digits and an optional
// suffix letter (BA117, KL1234, U21234, AA100A), in capitals.
func isFlightNumber(w string) bool {
	if len(w) < 3 || len(w) > 7 || !airlines.Has(w[:2]) {
		return false
	}
	rest := w[2:]
	if c := rest[len(rest)-1]; 'A' <= c && c <= 'Z' {
		rest = rest[:len(rest)-1]
	}
	return isDigits(rest, 1, 4)
}

// isAircraftType: A318–A380 and B707–B787 look like flight numbers of
// Aegean (A3) and are common in travel talk.
func isAircraftType(w string) bool {
	return len(w) == 4 && (strings.HasPrefix(w, "A3") || strings.HasPrefix(w, "B7")) && isDigits(w[2:], 2, 2)
}

func isDigits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isReference: 4–40 letters, digits and dashes with at least one digit
// (or, for a booking, a 6-character code in capitals, as airline PNRs
// are).
func isReference(w, typ string) bool {
	if len(w) < 4 || len(w) > 40 {
		return false
	}
	digits, upper, lower := 0, 0, 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case '0' <= c && c <= '9':
			digits++
		case 'A' <= c && c <= 'Z':
			upper++
		case 'a' <= c && c <= 'z':
			lower++
		case c == '-' && i > 0 && i < len(w)-1:
		default:
			return false
		}
	}
	if digits > 0 {
		// "2nd", "10am", "24hrs" are not references.
		return digits >= 3 || upper >= 2
	}
	return typ == TypeBooking && len(w) == 6 && upper == 6
}

// isUPS: 1Z and 16 letters and digits.
func isUPS(w string) bool {
	if len(w) != 18 || w[0] != '1' || w[1] != 'Z' {
		return false
	}
	for i := 2; i < len(w); i++ {
		c := w[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// isS10: the UPU S10 form of postal items (Royal Mail, PostNL, La Poste…):
// two letters, 9 digits, two letters (the country), e.g. RR123456785GB.
func isS10(w string) bool {
	if len(w) != 13 {
		return false
	}
	for i := 0; i < 13; i++ {
		c := w[i]
		letter := 'A' <= c && c <= 'Z'
		if (i < 2 || i > 10) != letter || (!letter && !('0' <= c && c <= '9')) {
			return false
		}
	}
	return true
}

// isUSPS: 22 digits starting 92–95.
func isUSPS(w string) bool {
	return len(w) == 22 && w[0] == '9' && w[1] >= '2' && w[1] <= '5' && isDigits(w, 22, 22)
}

// isAmazonOrder: 3-7-7 digits (112-1234567-1234567).
func isAmazonOrder(w string) bool {
	return len(w) == 19 && w[3] == '-' && w[11] == '-' && isDigits(w[:3], 3, 3) && isDigits(w[4:11], 7, 7) && isDigits(w[12:], 7, 7)
}

// mostlyUpper reports whether most letters of text are capitals (a
// shouted text, in which any three-letter word looks like a code).
func mostlyUpper(text string) bool {
	up, letters := 0, 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case 'A' <= c && c <= 'Z':
			up++
			letters++
		case 'a' <= c && c <= 'z':
			letters++
		}
	}
	return letters >= 12 && up*2 > letters
}
