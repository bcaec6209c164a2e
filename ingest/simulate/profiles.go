package simulate

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/registry"
)

// DefaultBrands are the brands simulated when Config.Brands is empty, in
// order of preference; ids missing from the registry are skipped and the
// selection is topped up from FallbackBrands, then from the registry, to
// DefaultBrandCount.
var DefaultBrands = []string{"klm", "lufthansa", "british_airways", "o2", "giffgaff", "tesco", "ocado", "next", "barclays", "direct_line"}

// FallbackBrands top up the default selection.
var FallbackBrands = []string{"sainsburys", "air_france", "easyjet", "ee", "vodafone_uk", "asda", "lloyds", "aviva", "marksandspencer", "natwest"}

// DefaultBrandCount is the size of the default selection.
const DefaultBrandCount = 10

// profile is how a simulated brand's customers post and how its care team
// answers. The numbers are fiction shaped after what the field reports:
// a few brands answer within minutes around the clock, most take hours,
// several keep office hours, many deflect to DMs or the phone.
type profile struct {
	daily       float64       // inbound posts a day (mean, before seasonality)
	coverage    float64       // share of inbound posts answered
	medianFRT   time.Duration // median reply delay while the desk is open
	sigma       float64       // log-normal spread of the delay
	hours       *weekly       // when the desk replies (nil: the registry's, else always)
	backlog     time.Duration // median wait after the desk opens for a post that came in while closed
	canned      float64       // share of replies that are the brand's one canned text
	deflect     float64       // share of the other replies that push to another channel
	channels    []string      // deflection channels: dm, phone, web, store
	sig         string        // signature style: caret (^JS), dash (-JS), name (– Anna), regards (Regards, Anna), none
	followUp    float64       // P(the customer writes back after the first reply)
	secondReply float64       // P(the brand sends a second reply to the same post)
	replyFollow float64       // P(the brand answers the customer's follow-up)
	broadcasts  float64       // brand posts a day that are not replies
	other       float64       // posts a day about the brand that are not addressed to it
	noise       float64       // posts a day that use an ambiguous alias in another sense
	lang        string        // a second language of the brand's customers ("nl", "de")
	langShare   float64
	code        string // airline flight-number prefix
	program     string // loyalty scheme or account name
	phone       string // the number deflections send customers to (a UK drama number, not a real line)
	weekend     [7]float64
}

// weekly is a desk schedule in a time zone: open minute ranges per weekday.
type weekly struct {
	loc  *time.Location
	days [7][][2]int
}

// Open reports whether the desk is staffed at t.
func (w *weekly) Open(t time.Time) bool {
	lt := t.In(w.loc)
	m := lt.Hour()*60 + lt.Minute()
	for _, r := range w.days[lt.Weekday()] {
		if m >= r[0] && m < r[1] {
			return true
		}
	}
	return false
}

// hours builds a schedule: hours("Europe/London", "mon-fri 08:00-20:00", "sat 09:00-17:00").
func hours(tz string, specs ...string) *weekly {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		panic(err) // the profiles below are constants
	}
	w := &weekly{loc: loc}
	names := map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
	for _, s := range specs {
		var days, rng string
		if _, err := fmt.Sscan(s, &days, &rng); err != nil {
			panic(s)
		}
		var h1, m1, h2, m2 int
		if _, err := fmt.Sscanf(rng, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil {
			panic(s)
		}
		from, to := days, days
		if i := strings.IndexByte(days, '-'); i > 0 {
			from, to = days[:i], days[i+1:]
		}
		for d := names[from]; ; d = (d + 1) % 7 {
			w.days[d] = append(w.days[d], [2]int{h1*60 + m1, h2*60 + m2})
			if d == names[to] {
				break
			}
		}
	}
	return w
}

// Day-of-week volume factors, Sunday first.
var (
	travelWeek  = [7]float64{1.10, 1.00, 0.95, 0.95, 1.00, 1.15, 0.95}
	mobileWeek  = [7]float64{0.80, 1.05, 1.05, 1.05, 1.05, 1.00, 0.85}
	groceryWeek = [7]float64{0.90, 1.10, 1.00, 1.00, 1.00, 1.05, 1.10}
	retailWeek  = [7]float64{1.20, 1.15, 1.00, 0.95, 0.95, 0.95, 1.05}
	bankWeek    = [7]float64{0.55, 1.25, 1.10, 1.05, 1.05, 1.05, 0.65}
	insureWeek  = [7]float64{0.45, 1.30, 1.15, 1.10, 1.05, 1.00, 0.50}
)

// brandProfiles are the hand-set profiles of the default and fallback
// brands.
var brandProfiles = map[string]profile{
	// KLM: the fast one, staffed around the clock (registry hours).
	"klm": {daily: 220, coverage: 0.95, medianFRT: 6 * time.Minute, sigma: 0.9, backlog: 10 * time.Minute,
		canned: 0.10, deflect: 0.45, channels: []string{"dm", "dm", "phone"}, sig: "regards",
		followUp: 0.30, secondReply: 0.08, replyFollow: 0.85, broadcasts: 3, other: 18, lang: "nl", langShare: 0.05,
		code: "KL", program: "Flying Blue", phone: "020 7946 0011", weekend: travelWeek},
	"lufthansa": {daily: 160, coverage: 0.78, medianFRT: 50 * time.Minute, sigma: 1.1,
		hours: hours("Europe/Berlin", "mon-sun 06:00-23:00"), backlog: 40 * time.Minute,
		canned: 0.30, deflect: 0.50, channels: []string{"dm", "web"}, sig: "dash",
		followUp: 0.25, secondReply: 0.06, replyFollow: 0.6, broadcasts: 2, other: 12, lang: "de", langShare: 0.08,
		code: "LH", program: "Miles & More", phone: "020 7946 0012", weekend: travelWeek},
	// British Airways: 24/7 (registry) but slow and often canned.
	"british_airways": {daily: 300, coverage: 0.70, medianFRT: 2 * time.Hour, sigma: 1.2, backlog: time.Hour,
		canned: 0.40, deflect: 0.60, channels: []string{"dm", "web", "phone"}, sig: "name",
		followUp: 0.30, secondReply: 0.05, replyFollow: 0.5, broadcasts: 3, other: 25,
		code: "BA", program: "Executive Club", phone: "020 7946 0013", weekend: travelWeek},
	"o2": {daily: 260, coverage: 0.82, medianFRT: 25 * time.Minute, sigma: 1.0,
		hours: hours("Europe/London", "mon-sun 08:00-22:00"), backlog: 45 * time.Minute,
		canned: 0.25, deflect: 0.35, channels: []string{"dm", "store"}, sig: "caret",
		followUp: 0.25, secondReply: 0.06, replyFollow: 0.7, broadcasts: 2, other: 15, noise: 8,
		program: "My O2", phone: "0808 157 0021", weekend: mobileWeek},
	"giffgaff": {daily: 80, coverage: 0.55, medianFRT: 3 * time.Hour, sigma: 1.3,
		hours: hours("Europe/London", "mon-fri 09:00-17:30", "sat 10:00-16:00"), backlog: 2 * time.Hour,
		canned: 0.50, deflect: 0.60, channels: []string{"web", "dm"}, sig: "none",
		followUp: 0.20, secondReply: 0.03, replyFollow: 0.4, broadcasts: 1, other: 6,
		program: "giffgaff account", phone: "0808 157 0022", weekend: mobileWeek},
	"tesco": {daily: 240, coverage: 0.86, medianFRT: 35 * time.Minute, sigma: 1.0,
		hours: hours("Europe/London", "mon-sun 07:00-23:00"), backlog: 30 * time.Minute,
		canned: 0.20, deflect: 0.30, channels: []string{"dm", "store", "phone"}, sig: "dash",
		followUp: 0.22, secondReply: 0.05, replyFollow: 0.75, broadcasts: 2, other: 15,
		program: "Clubcard", phone: "0808 157 0031", weekend: groceryWeek},
	"ocado": {daily: 90, coverage: 0.90, medianFRT: 20 * time.Minute, sigma: 0.9,
		hours: hours("Europe/London", "mon-sun 07:00-22:00"), backlog: 25 * time.Minute,
		canned: 0.10, deflect: 0.25, channels: []string{"dm", "phone"}, sig: "caret",
		followUp: 0.2, secondReply: 0.05, replyFollow: 0.8, broadcasts: 1, other: 6,
		program: "Ocado account", phone: "0808 157 0032", weekend: groceryWeek},
	"next": {daily: 110, coverage: 0.60, medianFRT: 4 * time.Hour, sigma: 1.2,
		hours: hours("Europe/London", "mon-sat 08:00-20:00", "sun 10:00-18:00"), backlog: 90 * time.Minute,
		canned: 0.45, deflect: 0.55, channels: []string{"phone", "web", "store"}, sig: "none",
		followUp: 0.2, secondReply: 0.03, replyFollow: 0.4, broadcasts: 2, other: 10, noise: 12,
		program: "Next account", phone: "0808 157 0041", weekend: retailWeek},
	"barclays": {daily: 180, coverage: 0.80, medianFRT: 90 * time.Minute, sigma: 1.1,
		hours: hours("Europe/London", "mon-fri 08:00-20:00", "sat 09:00-17:00"), backlog: time.Hour,
		canned: 0.50, deflect: 0.70, channels: []string{"phone", "dm", "web"}, sig: "name",
		followUp: 0.25, secondReply: 0.04, replyFollow: 0.6, broadcasts: 1, other: 10,
		program: "Barclays app", phone: "0808 157 0051", weekend: bankWeek},
	"direct_line": {daily: 60, coverage: 0.65, medianFRT: 5 * time.Hour, sigma: 1.1,
		hours: hours("Europe/London", "mon-fri 09:00-17:00"), backlog: 3 * time.Hour,
		canned: 0.60, deflect: 0.75, channels: []string{"phone", "web"}, sig: "none",
		followUp: 0.15, secondReply: 0.03, replyFollow: 0.5, broadcasts: 1, other: 4, noise: 3,
		program: "My Account", phone: "0808 157 0061", weekend: insureWeek},
	"sainsburys": {daily: 200, coverage: 0.80, medianFRT: 45 * time.Minute, sigma: 1.0,
		hours: hours("Europe/London", "mon-sun 08:00-22:00"), backlog: 40 * time.Minute,
		canned: 0.25, deflect: 0.35, channels: []string{"dm", "store"}, sig: "dash",
		followUp: 0.2, secondReply: 0.05, replyFollow: 0.7, broadcasts: 2, other: 12,
		program: "Nectar", phone: "0808 157 0033", weekend: groceryWeek},
}

// sectorDefaults derive a profile for a brand without a hand-set one.
var sectorDefaults = map[string]profile{
	"airline": {daily: 150, coverage: 0.75, medianFRT: time.Hour, sigma: 1.1, backlog: time.Hour, canned: 0.3, deflect: 0.5,
		channels: []string{"dm", "web"}, sig: "caret", followUp: 0.25, secondReply: 0.05, replyFollow: 0.6, broadcasts: 2, other: 10,
		code: "XQ", program: "frequent flyer account", weekend: travelWeek},
	"telecom": {daily: 150, coverage: 0.75, medianFRT: 45 * time.Minute, sigma: 1.1, backlog: time.Hour, canned: 0.3, deflect: 0.4,
		channels: []string{"dm", "phone"}, sig: "caret", followUp: 0.25, secondReply: 0.05, replyFollow: 0.6, broadcasts: 2, other: 10,
		program: "online account", weekend: mobileWeek},
	"grocery": {daily: 150, coverage: 0.8, medianFRT: 45 * time.Minute, sigma: 1.0, backlog: 40 * time.Minute, canned: 0.25, deflect: 0.3,
		channels: []string{"dm", "store"}, sig: "dash", followUp: 0.2, secondReply: 0.05, replyFollow: 0.7, broadcasts: 2, other: 10,
		program: "loyalty card", weekend: groceryWeek},
	"retail": {daily: 120, coverage: 0.65, medianFRT: 2 * time.Hour, sigma: 1.2, backlog: time.Hour, canned: 0.4, deflect: 0.5,
		channels: []string{"phone", "web"}, sig: "none", followUp: 0.2, secondReply: 0.04, replyFollow: 0.5, broadcasts: 2, other: 8,
		program: "online account", weekend: retailWeek},
	"bank": {daily: 150, coverage: 0.75, medianFRT: 90 * time.Minute, sigma: 1.1, backlog: time.Hour, canned: 0.45, deflect: 0.65,
		channels: []string{"phone", "dm"}, sig: "name", followUp: 0.2, secondReply: 0.04, replyFollow: 0.6, broadcasts: 1, other: 8,
		program: "banking app", weekend: bankWeek},
	"insurance": {daily: 60, coverage: 0.65, medianFRT: 4 * time.Hour, sigma: 1.1, backlog: 2 * time.Hour, canned: 0.55, deflect: 0.7,
		channels: []string{"phone", "web"}, sig: "none", followUp: 0.15, secondReply: 0.03, replyFollow: 0.5, broadcasts: 1, other: 4,
		program: "online account", weekend: insureWeek},
	"": {daily: 100, coverage: 0.7, medianFRT: 90 * time.Minute, sigma: 1.1, backlog: time.Hour, canned: 0.35, deflect: 0.5,
		channels: []string{"dm", "web"}, sig: "caret", followUp: 0.2, secondReply: 0.04, replyFollow: 0.5, broadcasts: 1, other: 6,
		program: "account", weekend: [7]float64{0.85, 1.05, 1.05, 1.05, 1.05, 1.0, 0.85}},
}

// templateSector maps a registry sector to the template set used.
func templateSector(sector string) string {
	switch sector {
	case "airline", "telecom", "grocery", "retail", "bank", "insurance":
		return sector
	case "food":
		return "grocery"
	case "delivery":
		return "retail"
	case "payments":
		return "bank"
	}
	return ""
}

// profileFor returns the brand's hand-set profile, or its sector's default
// varied a little by a hash of its id (so that derived brands differ).
func profileFor(b *registry.Brand) profile {
	if p, ok := brandProfiles[b.ID]; ok {
		return p
	}
	p := sectorDefaults[templateSector(b.Sector)]
	h := fnv.New64a()
	h.Write([]byte(b.ID))
	v := h.Sum64()
	jitter := func(shift uint) float64 { return 0.75 + float64((v>>shift)%51)/100 } // 0.75..1.25
	p.daily *= jitter(0)
	p.coverage = min(0.97, p.coverage*jitter(8))
	p.medianFRT = time.Duration(float64(p.medianFRT) * jitter(16) * jitter(24))
	p.canned = min(0.9, p.canned*jitter(32))
	p.phone = fmt.Sprintf("0808 157 0%03d", 100+v%800)
	return p
}
