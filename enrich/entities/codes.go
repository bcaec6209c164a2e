package entities

import "github.com/earshot-dev/earshot/internal/wordmap"

// airports are IATA codes of major airports (the busiest ones by
// passengers, and the hubs of the airlines in the default brand registry).
// A code counts only in a travel context (see findAirports).
var airports = setOf(
	// Europe
	"LHR", "LGW", "STN", "LTN", "LCY", "MAN", "BHX", "EDI", "GLA", "BRS", "NCL", "LPL", "BFS", "DUB", "ORK", "SNN",
	"AMS", "EIN", "RTM", "CDG", "ORY", "NCE", "LYS", "MRS", "TLS", "BOD", "NTE", "FRA", "MUC", "BER", "DUS", "HAM",
	"CGN", "STR", "HAJ", "NUE", "ZRH", "GVA", "BSL", "VIE", "BRU", "CRL", "LUX", "CPH", "ARN", "GOT", "OSL", "BGO",
	"HEL", "KEF", "MAD", "BCN", "PMI", "AGP", "ALC", "VLC", "SVQ", "BIO", "IBZ", "TFS", "LPA", "ACE", "FUE", "LIS",
	"OPO", "FAO", "FCO", "CIA", "MXP", "LIN", "BGY", "VCE", "NAP", "BLQ", "CTA", "PMO", "FLR", "PSA", "ATH", "HER",
	"SKG", "WAW", "KRK", "GDN", "PRG", "BUD", "OTP", "SOF", "ZAG", "SPU", "DBV", "BEG", "IST", "SAW", "AYT", "ESB",
	"ADB", "TLV", "MLA", "LCA", "PFO", "RIX", "VNO", "TLL", "KBP", "SVO", "DME", "LED",
	// North America
	"ATL", "LAX", "ORD", "DFW", "DEN", "JFK", "SFO", "SEA", "LAS", "MCO", "EWR", "CLT", "PHX", "IAH", "MIA", "BOS",
	"MSP", "FLL", "DTW", "PHL", "LGA", "BWI", "SLC", "SAN", "IAD", "DCA", "MDW", "TPA", "PDX", "HNL", "AUS", "BNA",
	"STL", "MSY", "RDU", "SJC", "OAK", "SMF", "SNA", "SAT", "MCI", "CLE", "PIT", "IND", "CMH", "CVG", "JAX", "RSW",
	"ANC", "YYZ", "YVR", "YUL", "YYC", "YOW", "YEG", "YHZ", "YWG", "MEX", "CUN", "GDL", "SJD", "PVR",
	// Latin America and Caribbean
	"GRU", "GIG", "BSB", "CNF", "EZE", "AEP", "SCL", "LIM", "BOG", "MDE", "UIO", "PTY", "SJO", "MBJ", "NAS", "SJU",
	"PUJ", "HAV", "AUA", "BGI",
	// Middle East and Africa
	"DXB", "DWC", "AUH", "DOH", "RUH", "JED", "DMM", "KWI", "BAH", "MCT", "AMM", "BEY", "CAI", "HRG", "SSH", "CMN",
	"RAK", "TUN", "ALG", "JNB", "CPT", "DUR", "NBO", "ADD", "LOS", "ABV", "ACC", "DAR", "ZNZ", "MRU", "SEZ",
	// Asia and Oceania
	"HND", "NRT", "KIX", "ITM", "NGO", "FUK", "CTS", "OKA", "ICN", "GMP", "PUS", "PEK", "PKX", "PVG", "SHA", "CAN",
	"SZX", "CTU", "KMG", "XIY", "HGH", "CKG", "HKG", "MFM", "TPE", "KHH", "SIN", "KUL", "BKK", "DMK", "HKT", "CNX",
	"CGK", "DPS", "MNL", "CEB", "SGN", "HAN", "DAD", "PNH", "REP", "RGN", "DEL", "BOM", "BLR", "MAA", "HYD", "CCU",
	"COK", "GOI", "AMD", "CMB", "MLE", "KTM", "DAC", "KHI", "LHE", "ISB", "TAS", "ALA",
	"SYD", "MEL", "BNE", "PER", "ADL", "OOL", "CNS", "CBR", "AKL", "WLG", "CHC", "ZQN", "NAN", "PPT",
)

// airlines are IATA airline designators (two characters) of large
// airlines: the prefix of a flight number.
var airlines = setOf(
	"BA", "VS", "EI", "KL", "AF", "LH", "LX", "OS", "SN", "SK", "AY", "IB", "VY", "UX", "TP", "AZ", "A3", "LO",
	"OK", "RO", "TK", "PC", "FR", "U2", "W6", "EW", "DY", "LS", "BE", "HV", "TO", "EN", "WK", "FI", "LG",
	"AA", "UA", "DL", "WN", "B6", "AS", "NK", "F9", "G4", "HA", "SY", "AC", "WS", "PD", "AM", "Y4", "VB",
	"LA", "JJ", "AV", "CM", "G3", "AD", "AR",
	"EK", "QR", "EY", "SV", "GF", "WY", "RJ", "ME", "MS", "ET", "KQ", "SA", "AT", "FZ", "G9", "J9", "LY",
	"SQ", "TR", "CX", "UO", "NH", "JL", "KE", "OZ", "CA", "MU", "CZ", "HU", "BR", "CI", "TG", "FD", "MH", "AK",
	"GA", "PR", "5J", "VN", "VJ", "AI", "6E", "UK", "SG", "UL", "QF", "JQ", "VA", "NZ", "FJ",
)

func setOf(xs ...string) *wordmap.Map[bool] {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return wordmap.New(m)
}
