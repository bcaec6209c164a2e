package simulate

// The simulator's texts. Customer posts are written per sector and contact
// reason, in the register people use on X: angry, sarcastic, polite and —
// on purpose — lexically neutral complaints ("delivery was due between 8
// and 9, it's now 11:40") that a sentiment lexicon scores as neutral.
// Brand replies come in the styles earshot scores: personal and helpful,
// the brand's one canned text, and deflections to DMs, the phone, a web
// form or a store. Slots in braces are filled per conversation, so a reply
// talks about the flight or order the customer named.

// Contact reasons.
const (
	ReasonDelay          = "delay"
	ReasonCancellation   = "cancellation"
	ReasonBaggage        = "baggage"
	ReasonRefund         = "refund"
	ReasonDelivery       = "delivery"
	ReasonBilling        = "billing"
	ReasonOutage         = "outage"
	ReasonAccountAccess  = "account_access"
	ReasonProductFault   = "product_fault"
	ReasonStaffComplaint = "staff_complaint"
	ReasonPraise         = "praise"
	ReasonQuestion       = "question"
)

type weighted struct {
	reason string
	w      float64
}

// reasonMix is the share of each contact reason per template sector.
var reasonMix = map[string][]weighted{
	"airline": {{ReasonDelay, .22}, {ReasonCancellation, .12}, {ReasonBaggage, .16}, {ReasonRefund, .11}, {ReasonStaffComplaint, .07},
		{ReasonPraise, .08}, {ReasonQuestion, .15}, {ReasonAccountAccess, .05}, {ReasonBilling, .04}},
	"telecom": {{ReasonOutage, .22}, {ReasonBilling, .20}, {ReasonAccountAccess, .10}, {ReasonProductFault, .12}, {ReasonDelivery, .05},
		{ReasonRefund, .06}, {ReasonStaffComplaint, .07}, {ReasonPraise, .06}, {ReasonQuestion, .12}},
	"grocery": {{ReasonDelivery, .30}, {ReasonRefund, .12}, {ReasonProductFault, .15}, {ReasonStaffComplaint, .10}, {ReasonBilling, .05},
		{ReasonPraise, .10}, {ReasonQuestion, .13}, {ReasonAccountAccess, .05}},
	"retail": {{ReasonDelivery, .30}, {ReasonRefund, .20}, {ReasonProductFault, .12}, {ReasonStaffComplaint, .06}, {ReasonPraise, .08},
		{ReasonQuestion, .14}, {ReasonAccountAccess, .05}, {ReasonBilling, .05}},
	"bank": {{ReasonAccountAccess, .22}, {ReasonOutage, .15}, {ReasonBilling, .15}, {ReasonRefund, .12}, {ReasonStaffComplaint, .08},
		{ReasonPraise, .05}, {ReasonQuestion, .18}, {ReasonProductFault, .05}},
	"insurance": {{ReasonDelay, .17}, {ReasonBilling, .18}, {ReasonRefund, .15}, {ReasonStaffComplaint, .12}, {ReasonQuestion, .25},
		{ReasonAccountAccess, .08}, {ReasonPraise, .05}},
	"": {{ReasonProductFault, .20}, {ReasonAccountAccess, .15}, {ReasonBilling, .15}, {ReasonRefund, .10}, {ReasonDelivery, .10},
		{ReasonOutage, .10}, {ReasonStaffComplaint, .05}, {ReasonPraise, .05}, {ReasonQuestion, .10}},
}

// customerTemplates: sector → reason → texts; sector "" is the fallback.
var customerTemplates = map[string]map[string][]string{
	"airline": {
		ReasonDelay: {
			"{h} flight {flight} to {city} delayed {hours} hours and counting. No food vouchers, no information, nothing. Shocking.",
			"{h} Sitting at gate {gate} in {airport}. {flight} was due out at {clock}. Any update?",
			"{h} {flight} was due out at {clock}, now it says {clock2}. I'll miss my connection in {hub}. What are my options?",
			"Third delay this month with {h}. {flight} again. I'm done.",
			"{h} we've been on the plane at {airport} for {minutes} minutes without moving and the crew can't tell us why",
			"{h} is {flight} actually going to leave today or should I book a hotel? 😩",
			"Captain just announced another hour on {flight}. Kids are exhausted. This is not OK {h}",
			"{h} Hi, the app says {flight} is on time but the board at {airport} says delayed. Which one is right?",
		},
		ReasonCancellation: {
			"{h} you cancelled {flight} with a text at {clock}. Booking {ref}. How do I get home?",
			"{h} {flight} cancelled and you rebooked me two days later. I start work tomorrow. Unacceptable.",
			"{h} My flight {flight} shows cancelled in the app but the website says on time. Which is it?",
			"{h} flight cancelled, queue at the transfer desk in {airport} is 300 people long and there are 2 staff. Great service 🙄",
			"{h} Booking {ref}: {flight} was cancelled this morning. Please advise on rebooking.",
			"Stuck in {hub} overnight because {h} cancelled {flight}. No hotel offered. Disgraceful.",
		},
		ReasonBaggage: {
			"{h} landed in {city} {days} days ago, still no sign of my suitcase. File reference {ref}.",
			"{h} my bag came off {flight} with a broken handle and a wheel missing. Who do I talk to?",
			"{h} the bag tracker has said 'located' for {days} days. Located where?",
			"{h} you lost my luggage with my medication in it. I need it back today.",
			"{h} Hi, my case didn't make the connection at {hub}. Ref {ref}. When will it be delivered to my hotel?",
			"Day {days} without my luggage. Thanks {h}, wearing the same clothes to a wedding tomorrow 🙃",
		},
		ReasonRefund: {
			"{h} still waiting for my refund for {flight}, cancelled {weeks} weeks ago. Ref {ref}.",
			"{h} I was told a refund takes 7 days. It's been {weeks} weeks. Where is my money?",
			"{h} I submitted the refund form for booking {ref} on {day}. Status has said 'in progress' ever since.",
			"{h} you charged me {amount} for a seat on {flight} I never got. Refund please.",
		},
		ReasonStaffComplaint: {
			"{h} the agent at the {airport} check-in desk was incredibly rude to my elderly mother this morning",
			"{h} cabin crew on {flight} laughed when I asked for help with my bag. Really disappointed.",
			"{h} the man at your transfer desk told me it was 'not his problem'. It's literally his job.",
		},
		ReasonPraise: {
			"Huge thanks to the crew of {flight} {h}, they looked after my nervous daughter all the way to {city} ❤️",
			"{h} smoothest trip ever, on time and the crew were lovely. Thank you!",
			"Shout out to {h}: rebooked me in five minutes after a missed connection in {hub}. Brilliant service.",
			"{h} landed early in {city} and my bag was first off. Who are you and what have you done with my usual airline 😂",
		},
		ReasonQuestion: {
			"{h} what's the hand luggage allowance on a light fare to {city}?",
			"{h} can I add a bag to booking {ref} after check-in?",
			"{h} Hi, is there wifi on {flight}?",
			"{h} do I need a visa for a transfer in {hub}?",
			"{h} how early does bag drop open at {airport}?",
			"{h} can I travel with my guitar as cabin baggage?",
		},
		ReasonAccountAccess: {
			"{h} can't log into my {program} account, the password reset email never arrives",
			"{h} the miles from my last 3 flights are missing from {program}",
		},
		ReasonBilling: {
			"{h} I was charged twice for booking {ref}, {amount} each time.",
			"{h} why was I charged {amount} for seat selection when I'm a {program} member?",
		},
	},
	"telecom": {
		ReasonOutage: {
			"{h} no signal in {town} since {clock}. Is there an outage?",
			"{h} is the network down? No data, no calls, nothing 😡",
			"{h} third day without broadband in {town}. I work from home. Please fix this.",
			"{h} your status page says no issues but my phone has said 'No service' since this morning",
			"{h} mobile data not working in {town}, restarted twice",
			"Anyone else on {h} with no signal? Can't even call 999 ffs",
		},
		ReasonBilling: {
			"{h} my bill this month is {amount}, normally it's {amount2}. Nothing changed. Explain?",
			"{h} why have I been charged {amount} for roaming? I haven't left the country.",
			"{h} you raised my price mid contract again. Not impressed.",
			"{h} my bill says I used 12GB of roaming data in {country}. I have never been to {country}.",
		},
		ReasonAccountAccess: {
			"{h} can't log into {program}, keeps saying 'something went wrong'",
			"{h} locked out of my account after the update and the reset link goes nowhere",
		},
		ReasonProductFault: {
			"{h} the new {item} you sent keeps dropping out every 10 minutes",
			"{h} my SIM stopped working after the upgrade: 'SIM not provisioned'",
			"{h} the {item} I got on contract {weeks} weeks ago won't charge anymore",
		},
		ReasonDelivery: {
			"{h} my new {item} was meant to arrive {day}. Tracking hasn't moved since.",
		},
		ReasonRefund: {
			"{h} you said you'd credit my account {amount} for the outage. Still nothing.",
		},
		ReasonStaffComplaint: {
			"{h} spent {minutes} minutes on hold and then the adviser hung up on me",
			"{h} the guy in your {town} store told me to 'just turn it off and on again' and walked off",
		},
		ReasonPraise: {
			"{h} fixed my issue in one chat, thank you!",
			"Just upgraded with {h} in the {town} store, really helpful staff 👍",
		},
		ReasonQuestion: {
			"{h} does my plan include EU roaming?",
			"{h} when will 5G be available in {town}?",
			"{h} how do I get my PAC code?",
		},
	},
	"grocery": {
		ReasonDelivery: {
			"{h} my delivery slot was {slot}. It's now {clock}. No van, no message.",
			"{h} order {order} arrived with 7 substitutions and no milk. What's the point?",
			"{h} the driver left my shopping on the doorstep in the rain without knocking",
			"{h} delivery was due {slot}, it's {clock} now. Any idea when it'll arrive?",
			"{h} half of order {order} is missing and the app says delivered",
			"{h} frozen food arrived fully defrosted. Order {order}.",
		},
		ReasonRefund: {
			"{h} I was told I'd get a refund for the missing items on order {order}. Still waiting {days} days later.",
			"{h} refund for the {item} still hasn't come through",
		},
		ReasonProductFault: {
			"{h} bought {item} at your {town} store yesterday, the use by date was last week",
			"{h} found mould on the {item} I bought this morning. Not happy.",
			"{h} the {item} in order {order} were past their date.",
		},
		ReasonStaffComplaint: {
			"{h} the security guard at your {town} store followed me round the whole shop. Humiliating.",
			"{h} asked a member of staff in {town} where the {item} were and got an eye roll",
		},
		ReasonBilling: {
			"{h} charged {amount} at self checkout for something I didn't buy",
		},
		ReasonAccountAccess: {
			"{h} my {program} points have disappeared from the app",
		},
		ReasonPraise: {
			"Big thanks to the driver from {h} who carried my shopping up four flights of stairs 🙏",
			"{h} the staff at your {town} store were so kind to my dad today. Thank you.",
			"{h} best {item} I've had in ages, well done",
		},
		ReasonQuestion: {
			"{h} are you open on Boxing Day in {town}?",
			"{h} do you still sell {item}? Can't find them anywhere",
			"{h} can I change my delivery slot after checkout?",
		},
	},
	"retail": {
		ReasonDelivery: {
			"{h} order {order} was meant to be next day delivery. It's been {days} days.",
			"{h} the courier says delivered, there is no parcel. Order {order}.",
			"{h} where is order {order}? Tracking hasn't changed since {day}.",
			"{h} ordered a {item} for my son's birthday, it's tomorrow and still nothing 😤",
		},
		ReasonRefund: {
			"{h} I returned my parcel {weeks} weeks ago, still no refund",
			"{h} you've refunded {amount} instead of {amount2} for order {order}.",
			"{h} returns label for order {order} doesn't work and the refund window closes {day}",
		},
		ReasonProductFault: {
			"{h} the {item} I bought fell apart after one wash",
			"{h} the zip broke on my new {item} the second time I wore it",
		},
		ReasonStaffComplaint: {
			"{h} staff at the {town} store refused my return even though I had the receipt",
		},
		ReasonPraise: {
			"{h} love my new {item}, fits perfectly 😍",
			"Ordered at 9pm, arrived next morning. Well done {h}",
		},
		ReasonQuestion: {
			"{h} will the {item} be back in stock in a size 12?",
			"{h} can I return an online order in store?",
		},
	},
	"bank": {
		ReasonAccountAccess: {
			"{h} the app says my account is locked. I can't pay rent today. Help.",
			"{h} can't log in to online banking, passcode not recognised",
			"{h} my new card hasn't arrived and the old one was cancelled {days} days ago",
		},
		ReasonOutage: {
			"{h} is the app down? Can't log in and card payments are being declined",
			"{h} card declined at the supermarket and the app won't load. What is going on?",
			"{h} payments have not gone through since {clock}",
		},
		ReasonBilling: {
			"{h} why have I been charged a {amount} fee on my account?",
			"{h} there's a payment of {amount} to a company I've never heard of on my statement",
		},
		ReasonRefund: {
			"{h} I reported a fraudulent transaction {weeks} weeks ago and still no money back",
		},
		ReasonStaffComplaint: {
			"{h} branch staff in {town} were dismissive and unhelpful today",
		},
		ReasonPraise: {
			"{h} your fraud team stopped a scam payment on my account today. Thank you so much",
		},
		ReasonQuestion: {
			"{h} what's the daily limit for transfers in the app?",
			"{h} is the {town} branch open on Saturday?",
		},
		ReasonProductFault: {
			"{h} contactless stopped working on my new card",
		},
	},
	"insurance": {
		ReasonDelay: {
			"{h} claim {ref} submitted {weeks} weeks ago, still no decision",
			"{h} my car has been at the garage for {weeks} weeks waiting for your assessor",
			"{h} claim {ref}: the last update I had was on {day}.",
		},
		ReasonBilling: {
			"{h} my renewal quote went up by {amount} with no claims. Why?",
			"{h} you've taken two payments this month",
		},
		ReasonRefund: {
			"{h} I cancelled my policy {weeks} weeks ago, still waiting for the refund",
		},
		ReasonStaffComplaint: {
			"{h} your claims handler keeps promising a call back that never happens",
		},
		ReasonQuestion: {
			"{h} does my home policy cover accidental damage?",
			"{h} can I add a named driver online?",
			"{h} is my car insurance valid if I drive in {country}?",
		},
		ReasonAccountAccess: {
			"{h} can't log in to see my policy documents",
		},
		ReasonPraise: {
			"{h} claim paid in 3 days, thank you, completely painless",
		},
	},
	"": {
		ReasonDelay: {
			"{h} I've been waiting {days} days for an update. Any news?",
		},
		ReasonCancellation: {
			"{h} you cancelled my order {order} without telling me why",
		},
		ReasonRefund: {
			"{h} still waiting for my refund of {amount}, {weeks} weeks now",
		},
		ReasonDelivery: {
			"{h} where is order {order}? Tracking hasn't moved since {day}.",
		},
		ReasonBilling: {
			"{h} I've been charged {amount} twice this month",
		},
		ReasonOutage: {
			"{h} is your service down? Nothing has worked since {clock}",
		},
		ReasonAccountAccess: {
			"{h} locked out of my account and the reset email never arrives",
		},
		ReasonProductFault: {
			"{h} it stopped working after {weeks} weeks and nobody replies to my emails",
		},
		ReasonStaffComplaint: {
			"{h} spent {minutes} minutes on the phone and the agent hung up on me",
		},
		ReasonPraise: {
			"{h} sorted my problem in minutes, thank you!",
		},
		ReasonQuestion: {
			"{h} quick question: do you deliver to Ireland?",
		},
	},
}

// foreignTemplates are posts in the brand's customers' second language.
var foreignTemplates = map[string][]string{
	"nl": {
		"{h} mijn koffer is na {days} dagen nog steeds niet aangekomen. Referentie {ref}.",
		"{h} vlucht {flight} heeft al {hours} uur vertraging en niemand vertelt ons iets",
		"{h} bedankt voor de snelle hulp vandaag!",
	},
	"de": {
		"{h} Flug {flight} wurde gestrichen, wie komme ich jetzt nach {city}?",
		"{h} mein Koffer ist seit {days} Tagen verschwunden. Vorgang {ref}.",
		"{h} Danke an die Crew von {flight}, super Service!",
	},
}

// multiTemplates address two brands of one sector at once.
var multiTemplates = map[string][]string{
	"airline": {"{h} {h2} which one of you lost my bag on the connection in {hub}? Ref {ref}",
		"Codeshare hell: {h} says ask {h2}, {h2} says ask {h}. Flight {flight}, booking {ref}."},
	"telecom": {"{h} {h2} no signal on either network in {town}. Is it a mast problem?",
		"Leaving {h} for {h2}. Can you match {amount} a month?"},
	"grocery": {"{h} {h2} both of you out of {item} in {town} today, is there a shortage?"},
	"":        {"{h} {h2} who is actually responsible for my order {order}?"},
}

// Brand reply templates. {sig} is the agent signature (may be empty).
var helpfulReplies = map[string][]string{
	ReasonDelay: {"{c} Hi {name}, I'm really sorry about the wait. I've checked and the new departure time is {clock2}; your onward connection has been protected. {sig}",
		"{c} So sorry for the delay, {name}. It's caused by a technical check on the aircraft, and you should be boarding in about {minutes} minutes. {sig}"},
	ReasonCancellation: {"{c} I'm so sorry your flight was cancelled, {name}. I've rebooked you on {flight2} tomorrow at {clock2} and emailed you the details. {sig}"},
	ReasonBaggage:      {"{c} Hi {name}, I'm sorry your bag hasn't arrived. It's been traced to {hub} and will be delivered to your address tomorrow. {sig}"},
	ReasonRefund:       {"{c} Hi {name}, I've checked: the refund of {amount} was approved today and should reach your account in 3–5 working days. Sorry it took so long. {sig}"},
	ReasonDelivery: {"{c} Hi {name}, I'm sorry your order is late. The driver is running about {minutes} minutes behind and will be with you shortly. {sig}",
		"{c} Sorry about this, {name}. I've refunded the missing items and added a £5 voucher to your account for the trouble. {sig}"},
	ReasonBilling:        {"{c} Hi {name}, sorry about that. The extra charge was our mistake and I've credited {amount} back to your account. {sig}"},
	ReasonOutage:         {"{c} Hi {name}, sorry for the trouble. There's a fault affecting customers in {town}; our engineers are on site and we expect service back by {clock2}. {sig}"},
	ReasonAccountAccess:  {"{c} Hi {name}, sorry you're locked out. I've reset the lock on our side, so please try logging in again now. {sig}"},
	ReasonProductFault:   {"{c} That's not what we expect, {name}, and I'm sorry. I've arranged a replacement which will be with you in 2 working days. {sig}"},
	ReasonStaffComplaint: {"{c} I'm really sorry to hear this, {name}. That's not how we want anyone to be treated; I've passed your feedback to the team manager. {sig}"},
	ReasonPraise: {"{c} Thank you so much, {name}! We'll make sure the team hears this 😊 {sig}",
		"{c} This made our day, {name}, thanks for taking the time to tell us! {sig}"},
	ReasonQuestion: {"{c} Hi {name}, good question: yes, you can, under 'My account' in the app. Let us know if you get stuck. {sig}",
		"{c} Hi {name}, yes it does. You'll find the details in your {program} under 'My plan'. {sig}"},
	// Sector-specific variants, looked up first as "reason/sector" (sector
	// "" is the generic set).
	ReasonCancellation + "/": {"{c} Sorry {name}, the order was cancelled because a payment check failed. Your money is back on your card within 3 days. {sig}"},
	ReasonDelay + "/":        {"{c} Sorry for the wait, {name}. I've chased this for you and you'll have an update by tomorrow. {sig}"},
	ReasonDelay + "/insurance": {"{c} I'm sorry for the wait on claim {ref}, {name}. I've chased the assessor and you'll get a call tomorrow with a decision. {sig}",
		"{c} Hi {name}, sorry this is taking so long. Your claim {ref} is with our engineers and I've asked them to prioritise it. {sig}"},
	ReasonQuestion + "/airline": {"{c} Hi {name}, on that fare you can bring one cabin bag of up to 12kg plus a small personal item. Have a great trip! {sig}",
		"{c} Hi {name}, yes: you can add a bag in 'My trip' up to 3 hours before departure. {sig}"},
	ReasonRefund + "/bank":          {"{c} Hi {name}, I'm sorry. I've checked your fraud claim and the {amount} has been refunded to your account today. {sig}"},
	ReasonDelivery + "/retail":      {"{c} Hi {name}, sorry your parcel is late. The courier has it on the van today, and I've refunded your delivery charge. {sig}"},
	ReasonPraise + "/airline":       {"{c} Thank you, {name}! We'll share this with the crew of {flight} 💙 {sig}"},
	ReasonOutage + "/bank":          {"{c} Sorry {name}, some customers had trouble logging in this morning. It's fixed now, so please try again. {sig}"},
	ReasonProductFault + "/grocery": {"{c} I'm so sorry about this, {name}. I've refunded the {item} and passed the details to the {town} store so they can check their shelves. {sig}"},
}

// deflectReplies move the customer to another channel.
var deflectReplies = map[string][]string{
	"dm": {"{c} Sorry to hear this, {name}. Please send us a DM with your reference and we'll take a look. {sig}",
		"{c} Hi {name}, we'd like to help with this. Can you DM us your full name and postcode? {sig}",
		"{c} Please follow and DM us so we can look into this privately. {sig}"},
	"phone": {"{c} Hi {name}, please call our team on {phone} (8am–8pm) so they can look into this for you. {sig}",
		"{c} Sorry for the trouble. For security we can't discuss this here, please give us a call on {phone}. {sig}"},
	"web":   {"{c} Hi {name}, please fill in the form on the Help page of our website and the right team will get back to you. {sig}"},
	"store": {"{c} Hi {name}, please pop into your nearest store with your receipt and they'll sort this out for you. {sig}"},
}

// cannedTexts: each brand picks one and sends it, unchanged, to everyone.
var cannedTexts = []string{
	"{c} We're sorry to hear about this. Please send us a DM with more details and we'll look into it for you.",
	"{c} Hi there, we're sorry for any inconvenience caused. Please DM us your details so that we can investigate.",
	"{c} Thanks for getting in touch. We understand your frustration. Please contact our customer service team via our website.",
	"{c} We apologise for any inconvenience. Please call us on {phone} and a member of our team will be happy to help.",
}

var secondReplies = []string{
	"{c} Just following up, {name}: we've escalated this to our specialist team and they'll be in touch within 24 hours. {sig}",
	"{c} Hi again {name}, I can see this is now resolved on our side. Please let us know if that's not the case. {sig}",
	"{c} Update for you, {name}: everything is back to normal now. Thanks for your patience. {sig}",
}

// followUp is a customer's answer to a brand reply and the brand's answer
// to that. A text without {h} is a bare reply, addressed to the brand only
// by replying to its post.
type followUp struct{ text, reply string }

const (
	ackDM   = "{c} Thanks {name}, we've got your message and will reply there shortly. {sig}"
	sorry   = "{c} Sorry {name}, I'll pass this to the team now and come back to you today. {sig}"
	sorry2  = "{c} I'm sorry to hear that, {name}. I've escalated it to a team leader, who will contact you today. {sig}"
	welcome = "{c} You're welcome, {name}! {sig}"
	glad    = "{c} Glad we could help, {name}. Have a lovely day! {sig}"
)

var (
	// followUpsAfterDeflect answer a canned or deflecting reply.
	followUpsAfterDeflect = []followUp{
		{"{h} DM sent", ackDM},
		{"{h} I've sent you a DM, please reply", ackDM},
		{"done, sent you a DM", ackDM},
		{"{h} I have already DM'd you twice and nobody replies", sorry},
		{"{h} I've been on hold for {minutes} minutes already, that's why I'm tweeting", sorry2},
		{"{h} that's a copy and paste answer. Please actually read my tweet.", sorry2},
		{"{h} I called {phone}, they told me to tweet you. Round in circles.", sorry},
		{"still waiting…", sorry},
	}
	// followUpsAfterHelp answer a helpful reply.
	followUpsAfterHelp = []followUp{
		{"{h} brilliant, thank you!", welcome},
		{"{h} thanks, that's sorted it", glad},
		{"thanks, appreciate it", welcome},
		{"{h} that doesn't answer my question though", sorry},
		{"{h} still not working I'm afraid", sorry2},
	}
)

// broadcastTemplates are brand posts that are not replies.
var broadcastTemplates = map[string][]string{
	"airline": {"Our winter timetable is live, with new routes to {city}. Book now.",
		"Travelling this week? Check in online up to 30 hours before departure and skip the queue.",
		"Strong winds at {airport} today may cause delays. Please check your flight status before you leave home."},
	"telecom": {"Planned maintenance tonight between 00:00 and 04:00 may affect some customers in {town}.",
		"Unlimited data for {amount} a month. Limited time only."},
	"grocery": {"Christmas delivery slots are now open! Book yours in the app.",
		"This week's offers: half price on {item}."},
	"retail": {"New season, new styles. Shop the collection online now.",
		"Free next-day delivery this weekend on orders over {amount}."},
	"bank": {"Never share your one-time passcode with anyone, not even us. Stay safe from scams.",
		"Our app will be unavailable tonight 01:00–03:00 for essential maintenance."},
	"insurance": {"Heading off on a winter break? Make sure your travel cover is up to date.",
		"Storm warning this weekend: here's how to make a claim if your home is damaged."},
	"": {"We're here to help: tweet us any time."},
}

// broadcastReplies are customers answering a brand's broadcast.
var broadcastReplies = []string{
	"{h} any chance of a discount for existing customers?",
	"{h} great, now maybe answer my emails",
	"will this apply in {town} too?",
}

// otherTemplates talk about a brand without addressing it ({brand} is its
// display name; no @handle).
var otherTemplates = map[string][]string{
	"airline": {"Flying {brand} to {city} tomorrow, any tips for {airport}?",
		"{brand} lost my bag again. Never flying with them again.",
		"Just landed in {city}, {brand} were great today"},
	"telecom": {"{brand} signal in {town} is awful today",
		"Thinking of switching my phone contract from {brand} to {competitor}. Thoughts?"},
	"grocery": {"{brand} delivery came early today, result",
		"Is it just me or has {brand} stopped selling {item}?"},
	"retail": {"{brand} sale starts tomorrow 👀 need new clothes",
		"Ordered a dress from {brand} online, delivery in 2 days, very impressed"},
	"bank": {"{brand} app down again?",
		"Opened a bank account with {brand} today, easy enough"},
	"insurance": {"Renewal quote from {brand} insurance went up 40%. Shopping around.",
		"Just made a claim with {brand}, fingers crossed"},
	"": {"Anyone used {brand} recently?"},
}

// noiseTemplates use a brand's ambiguous name in its everyday sense; they
// are about no brand.
var noiseTemplates = map[string][]string{
	"o2":          {"Saw an amazing gig at the O2 last night", "Need more O2 in this office, it's stuffy", "Queue for the O2 arena is insane"},
	"next":        {"Can't wait for next weekend", "Next time I'm bringing snacks", "What's next for the team after that result?"},
	"direct_line": {"I have a direct line to the head teacher now, apparently", "There's no direct line from here to the coast"},
}

// Slot values.
var (
	firstNames = []string{"Jess", "Tom", "Sarah", "Dave", "Priya", "Mohammed", "Emma", "Liam", "Chloe", "James", "Aisha", "Ben",
		"Sophie", "Ryan", "Hannah", "Daniel", "Zoe", "Kwame", "Lucy", "Oliver", "Grace", "Jack", "Amelia", "Harry", "Fatima",
		"Noah", "Isla", "Sam", "Ella", "Luca", "Maya", "Ciaran", "Niamh", "Rhys", "Megan", "Tariq", "Anna", "Pieter", "Sanne",
		"Jonas", "Lena", "Marco", "Giulia", "Kate", "Rob", "Ellie", "Mark", "Leah", "Adam", "Olivia"}
	lastNames = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
		"Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan",
		"Lewis", "Harris", "Murphy", "O'Brien", "de Vries", "Bakker", "Muller", "Schmidt", "Rossi", "Nowak", "Ali", "Hughes"}
	agentNames = []string{"Anna", "Chris", "Sam", "Kate", "Mark", "Priya", "Tom", "Lisa", "Joe", "Rachel", "Dan", "Helen"}
	cities     = []string{"Amsterdam", "Barcelona", "New York", "Rome", "Edinburgh", "Lisbon", "Berlin", "Dubai", "Nairobi", "Oslo", "Toronto", "Singapore"}
	airports   = []string{"AMS", "LHR", "FRA", "MUC", "CDG", "JFK", "BCN", "MAN", "EDI", "DUB", "LGW", "BHX"}
	hubs       = map[string]string{"KL": "Schiphol", "LH": "Frankfurt", "BA": "Heathrow"}
	towns      = []string{"Leeds", "Croydon", "Bristol", "Glasgow", "Cardiff", "Norwich", "Leicester", "Brighton", "Sheffield", "Reading", "Coventry", "Belfast"}
	countries  = []string{"Spain", "France", "Portugal", "Turkey", "Greece", "Italy"}
	days       = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "yesterday", "last week"}
	items      = map[string][]string{
		"grocery": {"milk", "bread", "chicken breasts", "strawberries", "eggs", "bananas", "salmon fillets", "yoghurts", "mince pies", "salad bags"},
		"retail":  {"jacket", "school shoes", "jeans", "winter coat", "dress", "trainers", "jumper", "duvet cover"},
		"telecom": {"router", "phone", "tablet", "smartwatch"},
		"":        {"order", "parcel"},
	}
)
