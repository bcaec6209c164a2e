package reasons

// Reason ids: stable, lower-case snake_case. They are stored in ClickHouse
// (mentions.contact_reason) and read by the dashboards and by detect; never
// rename one.
const (
	Delay            = "delay"
	Cancellation     = "cancellation"
	Baggage          = "baggage"
	Booking          = "booking"
	Refund           = "refund"
	Return           = "return"
	Delivery         = "delivery"
	Billing          = "billing"
	Fraud            = "fraud"
	Outage           = "outage"
	AccountAccess    = "account_access"
	ProductFault     = "product_fault"
	Subscription     = "subscription"
	ServiceComplaint = "service_complaint"
	Praise           = "praise"
	Question         = "question"
)

// Cue is one weighted pattern of a reason (see package phrase for the
// pattern syntax). A mention's score for a reason is the sum of the weights
// of the distinct cues found; Negatable cues found after a negator in the
// same clause ("not delayed", "no complaints") do not count.
type Cue struct {
	Pattern   string
	Weight    float64
	Negatable bool
}

// Definition is one reason of the taxonomy: what TAXONOMY.md documents and
// what the classifier uses.
type Definition struct {
	ID         string
	Definition string
	Sectors    []string
	Examples   []string // phrasings that carry the reason
	Not        string   // what the reason is not, and where that goes
	Cues       []Cue
}

// Cue weights. A reason's confidence is 1 − e^(−score): one strong cue
// (1.2) gives 0.70, one medium cue (0.7) 0.50, one weak cue (0.35) 0.30,
// two weak cues 0.50.
const (
	strong = 1.2
	medium = 0.7
	weak   = 0.35
)

func s(p string) Cue  { return Cue{Pattern: p, Weight: strong} }
func md(p string) Cue { return Cue{Pattern: p, Weight: medium} }
func w(p string) Cue  { return Cue{Pattern: p, Weight: weak} }

// neg marks a cue that a negator cancels.
func neg(c Cue) Cue { c.Negatable = true; return c }

// Taxonomy is the contact-reason taxonomy, in display order.
var Taxonomy = []Definition{
	{
		ID:         Delay,
		Definition: "A scheduled service runs late: a delayed or late flight, train, bus or ferry, a late departure or arrival, waiting on the tarmac or platform, a missed connection caused by lateness.",
		Sectors:    []string{"airlines", "rail", "transport"},
		Examples:   []string{"flight delayed 3 hours", "still sat on the tarmac", "train running 40 minutes late", "missed my connection because of the delay"},
		Not:        "a parcel that is late (delivery); a slow reply from support (service_complaint); an app that is slow (product_fault).",
		Cues: []Cue{
			neg(s("{flight,train,plane,bus,ferry,departure,arrival,service} {is,was,has been,got,now} delayed")),
			neg(s("delayed {flight,flights,train,trains,departure,again}")),
			neg(s("{flight,train,plane,bus} {is,was} late")), neg(s("{running,arrived,departed,landed,left} * {hours,hour,mins,minutes} late")),
			neg(s("{hour,hours,hr,hrs,min,mins,minute,minutes} delay")), neg(s("{hour,hours,hr,hrs,min,mins,minute,minutes} delayed")),
			s("on the tarmac"), s("missed {my,our} connection"), s("missed connecting flight"), md("missed {my,our,the} connecting"),
			neg(md("delay{,s,ed}")), neg(w("late{,r}")), w("tarmac"), w("gate"), md("waiting {at,on} the platform"),
			Cue{Pattern: "{delivery,deliveries,order,orders,package,packages,parcel,parcels,shipment,shipping} {is,are,was,were,has been,got,getting,} delayed", Weight: -strong},
			Cue{Pattern: "delayed {delivery,deliveries,order,orders,package,parcel,shipment,shipping}", Weight: -strong},
			md("departure board"), md("still not boarded"), md("not boarded"),
		},
	},
	{
		ID:         Cancellation,
		Definition: "Something was cancelled, or the customer wants to cancel it: a cancelled flight, train, order, booking, appointment or event; a request to cancel an order, a plan or a membership.",
		Sectors:    []string{"airlines", "rail", "retail", "delivery", "telecoms", "subscriptions", "events"},
		Examples:   []string{"my flight got cancelled", "you cancelled my order without telling me", "how do I cancel my order", "I want to cancel my membership"},
		Not:        "a refund for a cancellation (also refund); noise-cancelling headphones; changing a booking (booking).",
		Cues: []Cue{
			s("cancel{,l}ed {my,our,the,his,her} {flight,flights,order,orders,booking,train,trip,reservation,appointment,holiday,membership,subscription,account,plan}"),
			s("{flight,flights,order,booking,train,trip,reservation,appointment,holiday,event,show,concert} {is,was,were,got,has been,been} cancel{,l}ed"),
			s("cancel {my,an,the,this,our} {order,orders,flight,booking,reservation,subscription,membership,plan,account,contract,item,purchase,preorder,pre order,appointment}"),
			s("cancel{,l}ation"), s("cancel{,l}ations"), md("cancel{,l}ed"), md("cancel{,l}ing"), md("cancel"), md("cancels"),
			Cue{Pattern: "noise cancel{,l}{ing,ation}", Weight: -strong},
		},
	},
	{
		ID:         Baggage,
		Definition: "Luggage handled by a carrier: lost, delayed, damaged or mishandled bags, baggage allowance and fees, the baggage desk and reclaim.",
		Sectors:    []string{"airlines", "rail", "transport"},
		Examples:   []string{"you lost my luggage", "bag didn't arrive at baggage claim", "my suitcase came back broken", "how much is checked baggage"},
		Not:        "a parcel (delivery); a shopping bag in a store.",
		Cues: []Cue{
			s("baggage"), s("luggage"), s("suitcase{,s}"), s("lost {my,our} bag{,s}"), s("bag{,s} {didnt,never,did not} arrive"),
			s("{checked,hold,carry on,carryon} bag{,s}"), s("bag drop"), s("{baggage,bag} claim"), s("reclaim"), md("bag{,s} {lost,missing,damaged,delayed}"),
			md("my bag{,s} {is,are,was,were,has,have}"), s("guitar {was,is} {broken,smashed,damaged}"),
		},
	},
	{
		ID:         Booking,
		Definition: "Making, changing or using a reservation: booking a flight, seat, room, table, ticket or appointment; seats, upgrades, check-in and boarding passes; name changes; a booking the system lost.",
		Sectors:    []string{"airlines", "rail", "hotels", "travel", "events", "retail"},
		Examples:   []string{"can I change my booking", "can't check in online", "seat assignment disappeared", "tickets for the lounge"},
		Not:        "a cancelled booking (cancellation); a late flight (delay); an order of goods (delivery).",
		Cues: []Cue{
			s("booking"), s("bookings"), s("reservation{,s}"), md("book{,ed} {a,my,the,our,another} {flight,seat,seats,room,table,ticket,tickets,trip,hotel,holiday,appointment}"),
			md("booked"), s("check {in,in online}"), s("checkin"), s("online check in"), s("boarding pass{,es}"), s("seat {assignment,selection,allocation,map,upgrade}"),
			md("{change,changed,changing,move} my {flight,seat,booking,ticket,tickets,date}"), md("upgrade {to,my} {business,first,premium}"),
			md("ticket{,s}"), w("seat{,s}"), w("itinerary"), w("lounge"),
			Cue{Pattern: "support ticket{,s}", Weight: -medium},
		},
	},
	{
		ID:         Refund,
		Definition: "Money back: asking for, chasing or disputing a refund, a reimbursement, compensation or a voucher owed; money not returned after a return or cancellation.",
		Sectors:    []string{"airlines", "retail", "delivery", "telecoms", "banking", "tech", "subscriptions"},
		Examples:   []string{"still waiting for my refund", "I want my money back", "no compensation for the delay", "when will I get reimbursed"},
		Not:        "an unknown charge or a wrong bill (billing); returning the item itself (return).",
		Cues: []Cue{
			s("refund{,s,ed,ing}"), s("money back"), s("reimburse{,d,ment,ments}"), s("compensation"), s("compensate{,d}"), s("chargeback"),
			md("{get,got,want,need,give,return} {my,me my,the,our} money"), md("credited back"), md("cash back"), md("cashback"),
			md("not {received,got,get} {my,the,any} money"), w("voucher"), md("{money,amount} {not,never} {returned,credited}"),
		},
	},
	{
		ID:         Return,
		Definition: "Sending goods back, exchanging or replacing them: return labels, pick-ups, return windows, exchanges, replacements for faulty or wrong items.",
		Sectors:    []string{"retail", "delivery", "tech"},
		Examples:   []string{"how do I return this", "requested a return pick-up", "can I exchange it for another size", "they won't send a replacement"},
		Not:        "the money back after a return (also refund); a return flight or journey (booking).",
		Cues: []Cue{
			s("return {this,it,the,my,an,a,them,these,one,product,item,order}"), s("return{,s} {label,policy,window,request,pickup,pick up,process}"),
			s("returned {it,the,my,an,a,them,this}"), md("returned"), md("returning {it,the,my,this,them,an,a}"),
			s("exchange {it,this,the,my,them,for}"), md("exchange"), s("replacement"), s("replace {it,this,the,my,them}"), md("send {it,them,this} back"),
			md("sent {it,them,this} back"), md("send back"), md("return"), md("returns"),
			Cue{Pattern: "return {flight,flights,journey,trip,ticket,tickets,leg}", Weight: -strong}, Cue{Pattern: "in return", Weight: -medium},
			Cue{Pattern: "{return,returns} {empty,nothing,no,an error,error}", Weight: -medium},
		},
	},
	{
		ID:         Delivery,
		Definition: "Getting an order to the customer: parcels late, missing, lost, stolen or left in the wrong place; tracking; couriers and drivers; delivery slots, dates, fees and instructions; wrong or empty boxes delivered.",
		Sectors:    []string{"retail", "delivery", "groceries", "telecoms"},
		Examples:   []string{"my package says delivered but it isn't here", "where is my order", "out for delivery for 3 days", "the driver left it in the rain"},
		Not:        "an item that arrived but does not work (product_fault); sending it back (return); a late flight (delay).",
		Cues: []Cue{
			s("deliver{,ed,y,ies,ing}"), s("undelivered"), s("{package,packages,parcel,parcels,shipment,shipments,courier,couriers}"), s("tracking"),
			s("where is my {order,package,parcel,stuff,item,items,delivery}"), md("{not,never,havent,hasnt,didnt} {arrived,received,arrive,come,came,shipped}"),
			s("still {not,hasnt,hasnt been,havent} {arrived,received,here,shipped,dispatched}"), s("out for {delivery,dispatch}"), s("in transit"),
			md("{shipping,shipped,dispatch,dispatched}"), md("{driver,carrier}"), md("arriv{e,ed,es,ing,al}"), md("expected by"),
			md("{left,dropped} {it,them,my,the} {at,outside,in,on,by}"), md("{empty,wrong} {box,item,order,parcel,package}"),
			md("{next,same,one,two,2} day delivery"), md("{1,one,2,two} day shipping"), w("order{,s,ed}"), w("{ups,usps,fedex,dhl,hermes,evri,royal mail}"),
		},
	},
	{
		ID:         Billing,
		Definition: "Charges and payments: unexpected, wrong or double charges, bills and invoices, direct debits, fees, price not as shown, a payment that failed or was declined, money taken from an account.",
		Sectors:    []string{"telecoms", "utilities", "banking", "retail", "subscriptions", "tech"},
		Examples:   []string{"you charged me twice", "why is my bill so high", "payment keeps getting declined", "took £55 out of my account"},
		Not:        "money back (refund); a charge nobody made, a scam (fraud); changing plan (subscription); charging a phone battery (product_fault).",
		Cues: []Cue{
			s("charged {me,my,twice,again,for,us,extra,double,the,an,a,me twice}"), s("double charged"), s("overcharged"), s("bill{,s,ed,ing}"),
			s("invoice{,s}"), s("direct debit"), s("payment{,s}"), s("{card,payment,transaction} {declined,failed,rejected}"), s("declined"),
			md("{took,taken,take,taking} {money,*} out of {my,me,your,our} account"), md("{charge,charges}"),
			md("{pay,paid,paying}"), md("{price,prices,pricing}"), md("{fee,fees}"), md("{credit,debit} card"), md("{billed,debited}"), md("statement"),
			w("{money,cost,costs,dollars,pounds}"),
			Cue{Pattern: "{wont,doesnt,not,wouldnt,didnt} charge", Weight: -strong}, Cue{Pattern: "{not,stopped} charging", Weight: -strong},
			Cue{Pattern: "in charge", Weight: -medium}, Cue{Pattern: "charge {my,the,it,its,to}", Weight: -medium}, Cue{Pattern: "fast charg{e,ing}", Weight: -strong},
		},
	},
	{
		ID:         Fraud,
		Definition: "Scams and unauthorised use: transactions or purchases the customer did not make, phishing messages, fake sellers, a stolen card, an account used by someone else to spend money.",
		Sectors:    []string{"banking", "retail", "telecoms", "tech", "subscriptions"},
		Examples:   []string{"charges I never made", "is this text a scam", "fraudulent transaction on my card", "someone used my card"},
		Not:        "losing access to an account (account_access, also fraud when money was taken); a bill that is higher than expected (billing).",
		Cues: []Cue{
			s("fraud{,ulent,ster,sters}"), s("scam{,s,med,mer,mers}"), s("phishing"), s("unauthori{s,z}ed {purchase,purchases,transaction,transactions,charge,charges,payment,payments,access}"),
			s("{never,didnt,did not} {purchased,purchase,buy,bought,order,ordered,authorise,authorize,make,made}"), s("someone used my {card,account}"),
			md("stolen card"), md("card {was,has been} stolen"), md("identity theft"), md("fake {seller,email,text,sms,website}"), md("suspicious {email,text,call,transaction,activity}"),
		},
	},
	{
		ID:         Outage,
		Definition: "The service is not there: an outage, a network, broadband, Wi-Fi or mobile signal that is down, an app, website or platform that is down or unreachable for everyone or a whole area, calls and data that do not connect.",
		Sectors:    []string{"telecoms", "tech", "banking", "subscriptions", "utilities"},
		Examples:   []string{"no signal all day", "is the site down", "broadband has been down since Monday", "can't connect to the store", "calls keep dropping"},
		Not:        "one device or app that is buggy for one customer (product_fault); being locked out of one account (account_access).",
		Cues: []Cue{
			s("outage{,s}"), s("{no,lost,losing,zero,bad,poor,weak} {signal,service,network,coverage,reception,internet,connection,wifi,data,broadband}"),
			s("{is,was,are,been,still,site,website,app,server,servers,network,service,internet,broadband,wifi,system,systems,everything} down"),
			s("down again"), s("{cant,cannot,unable to,couldnt} connect"), s("{wont,doesnt,not} connect{,ing}"), s("connection {issue,issues,problem,problems,error,lost}"),
			s("{calls,call} {keep,keeps,kept} dropping"), s("dropp{ed,ing} calls"), s("{cant,cannot} {make,receive} calls"), s("{server,servers} {error,issue,issues}"),
			md("{signal,coverage,reception,connectivity,broadband,wifi,network}"), md("{offline,unreachable}"), md("{internet,connection}"), md("{is,are} there {issues,problems} with"),
			md("not loading"), md("{wont,doesnt,not} load"),
		},
	},
	{
		ID:         AccountAccess,
		Definition: "Getting into and managing an account: cannot log in or sign in, password resets, verification codes, two-factor, a locked, disabled or hacked account, changing the e-mail, name or details on an account, merging or recovering accounts.",
		Sectors:    []string{"tech", "subscriptions", "banking", "retail", "telecoms", "airlines"},
		Examples:   []string{"can't log into my account", "password reset email never comes", "my account was hacked", "how do I change the email on my account"},
		Not:        "an app that crashes once you are in (product_fault); money taken from a bank account (billing or fraud).",
		Cues: []Cue{
			s("{cant,cannot,couldnt,unable to,wont let me,not able to} {log,sign} {in,into,on,back in}"), s("{login,log in,sign in,logging in,signing in} {issue,issues,problem,problems,page,error}"),
			s("password"), s("passcode"), s("{verification,security,2fa,otp} code{,s}"), s("{two,2} factor"), s("hacked"), s("{account,acct} {is,was,got,has been,been} {locked,disabled,suspended,blocked,hacked,closed,deleted}"),
			s("{locked,locked me} out"), s("{recover,access,reactivate,unlock,delete,merge,change,update} my {account,acct,email,username,apple id}"), s("apple id"),
			s("{account,acct}"), md("{username,user name,email address,e mail address}"), md("{log,logged,logging,sign,signed,signing} {in,out}"), md("{login,logon,signin}"),
			md("my profile"), md("access my"),
		},
	},
	{
		ID:         ProductFault,
		Definition: "The product does not work as it should: a device, app or software that crashes, freezes, lags, drains its battery, overheats, will not charge or turn on, has a bug or glitch, or arrived broken, damaged or defective; an update that broke something.",
		Sectors:    []string{"tech", "telecoms", "retail", "automotive", "subscriptions"},
		Examples:   []string{"my phone keeps freezing since the update", "battery drains in an hour", "the app crashes when I open it", "it arrived broken", "this glitch needs fixing"},
		Not:        "a service that is down for everyone (outage); a parcel that never came (delivery); asking how a feature works (question).",
		Cues: []Cue{
			s("{crash,crashes,crashed,crashing}"), s("{freeze,freezes,freezing,froze,frozen}"), s("{glitch,glitches,glitchy,bug,bugs,buggy}"), s("battery"),
			s("{lag,lags,lagging,laggy}"), s("unresponsive"), s("{not,isnt,stopped,stop,wont,doesnt} {working,work,responding,turning on,turn on,charging,charge}"),
			s("{broken,defective,faulty,damaged}"), s("{overheat,overheating,overheats}"), s("{restarts,reboots,rebooting,restarting,keeps restarting}"), s("{drain,drains,draining,drained}"),
			s("{dies,died,dead,dying} {at,on}"), s("since {updating,upgrading,i updated,the update,the new update,the upgrade,the last update,ios}"), s("after {the,this} {update,upgrade}"), md("{fix,fixed,fixing} {this,it,the,your,my}"),
			md("{update,updated,updating,upgrade,upgraded}"), md("{error,errors,issue,issues,problem,problems}"), md("{slow,slower}"), md("{stuck,hangs,hang}"), md("{fix,fixed}"),
			md("{messed,screwed,fucked} up"), md("keeps {turning,switching,closing,shutting}"), md("{wont,doesnt,cant} {open,play,download,install,update,sync,type}"),
			md("{broke,breaking,breaks}"), md("{flicker,flickering}"), w("{screen,keyboard,camera,speaker,speakers,bluetooth,touchscreen,charger}"),
		},
	},
	{
		ID:         Subscription,
		Definition: "A plan, membership or subscription: signing up, trials, renewals, upgrading or downgrading a plan, family, student or premium tiers, contract ends and plan benefits.",
		Sectors:    []string{"subscriptions", "telecoms", "tech", "retail"},
		Examples:   []string{"my premium expired", "how do I switch to the family plan", "student discount renewal", "free trial turned into a full subscription"},
		Not:        "a wrong charge for it (also billing); cancelling it (also cancellation); a plan's service being down (outage).",
		Cues: []Cue{
			s("subscri{be,bed,bing,ption,ptions}"), s("membership{,s}"), s("premium"), s("{free,month,monthly} trial"), s("trial"),
			s("{family,student,duo,individual} {plan,account,subscription,membership,discount}"), s("{renew,renewal,renewed,auto renew,autorenew}"),
			s("{upgrade,downgrade} {my,to}"), md("{plan,plans,tier,tariff,contract,bundle}"), md("{student,family}"), md("member"), md("unsubscribe"),
			md("prime {member,members,membership,subscription,trial}"),
		},
	},
	{
		ID:         ServiceComplaint,
		Definition: "How the customer was treated by staff or the support channel: rude, unhelpful or incompetent staff or agents, no reply, being passed around, long waits on hold or in queues, automated answers, broken promises.",
		Sectors:    []string{"airlines", "retail", "delivery", "telecoms", "banking", "tech", "subscriptions"},
		Examples:   []string{"your customer service is useless", "on hold for an hour", "nobody replies to my DMs", "the agent was so rude", "third time I've contacted you"},
		Not:        "the product failing (product_fault); the reason they contacted support in the first place (its own reason); praise for an agent (praise).",
		Cues: []Cue{
			md("{customer,cust} {service,services,care,support}"), md("{your,the} {support,service} {team,is,was,staff,agent,agents}"), s("{rude,unhelpful,useless,incompetent,clueless} {staff,agent,agents,rep,reps,employee,employees,people,support,service,manager}"),
			s("{on hold,on the phone} for"), s("{no,zero,not a} {reply,replies,response,responses,answer,help,one helping,one is helping}"), s("no one {helps,replies,responds,answers,cares}"),
			s("nobody {helps,replies,responds,answers,cares}"), s("{pathetic,worst,terrible,poor,bad,awful,horrible,atrocious,shocking,appalling} {service,support,experience}"),
			s("{automated,generic,canned,copy paste} {answers,answer,reply,replies,response,responses}"), s("passed {around,on,me on}"), s("{no,any} {apology,apologies}"),
			md("{still waiting,waiting} for {a,an,your} {reply,response,answer,call}"), md("{third,fourth,fifth,3rd,4th,5th} time"), w("{rep,reps,agent,agents,staff,employee,manager,advisor}"),
			md("{hung,hang} up on"), md("{ignored,ignoring,ignore} {me,my,us}"), md("{fed up,sick of,tired of}"), w("{service,support}"), md("{complaint,complain,complained}"),
			md("{rude,unhelpful,useless,incompetent}"), w("{worst,terrible,pathetic,awful,disgrace,disgraceful,joke,shambles}"), w("{contact,contacted,contacting,called,call,calling,tried}"),
		},
	},
	{
		ID:         Praise,
		Definition: "The customer thanks or praises the brand, its staff, product or service: thanks for help, a great experience, a named agent who did well, love for a product.",
		Sectors:    []string{"airlines", "retail", "delivery", "telecoms", "banking", "tech", "subscriptions"},
		Examples:   []string{"thanks so much for sorting it", "your support team is awesome", "shout out to Anna at the desk", "love my new phone"},
		Not:        "sarcasm (\"thanks for nothing\", \"great, another delay\") and negated praise (\"not happy\"), which are complaints; a question that ends in a polite thanks alone.",
		Cues: []Cue{
			neg(s("{thank you,thanks,thank u,thx,ty} {so much,for the,for your,for helping,for sorting,for fixing,for resolving,again,guys,team}")),
			neg(s("{great,excellent,amazing,awesome,fantastic,brilliant,outstanding,superb,wonderful,top notch,superior,exceptional,best} {service,support,customer,experience,job,team,staff,help,crew}")),
			neg(s("{love,loved,loving} {my,the,your,it,this,these,that,those,you,being}")), neg(s("shout out")), neg(s("shoutout")), neg(s("kudos")), neg(s("well done")),
			neg(s("{made,making} my day")), neg(s("came in clutch")), neg(s("{so,very,really,super} {helpful,happy,impressed,pleased,grateful}")), neg(s("appreciate{,d}")),
			neg(md("{awesome,amazing,excellent,fantastic,brilliant,wonderful,superb,outstanding,perfect,impressed,grateful}")), neg(md("{great,helpful,happy,pleased,best}")),
			neg(w("{love,loved,loving,thank,thanks,thx,glad,nice}")),
			Cue{Pattern: "{thanks,thank you} for nothing", Weight: -4}, Cue{Pattern: "{great,fantastic,brilliant,awesome,nice,perfect} {another,now,so,just}", Weight: -medium},
			Cue{Pattern: "{thanks,thank you} {in advance,in advanced}", Weight: -strong}, Cue{Pattern: "{thanks,thank you} but", Weight: -strong},
			Cue{Pattern: "would love", Weight: -medium}, Cue{Pattern: "{love,loved,loving} {how,that} {you,your}", Weight: -medium},
		},
	},
	{
		ID:         Question,
		Definition: "The customer asks for information or how to do something: how-to, availability, eligibility, policy and status questions.",
		Sectors:    []string{"airlines", "retail", "delivery", "telecoms", "banking", "tech", "subscriptions"},
		Examples:   []string{"how do I turn off autoplay?", "is there a way to download my playlist", "do you ship to Canada", "can I use my voucher online?"},
		Not:        "a rhetorical or angry question (\"what is wrong with you?!\") is still counted when it has a question mark — the other reasons say what it is about.",
		Cues: []Cue{
			s("how {do,can,would,should} {i,we,you}"), s("how to"), s("is there {a,any} way"), s("is it possible"), s("{can,could} {i,we,you} {please,}"),
			s("{do,does} {you,your,this,it}"), s("{when,where,what,which,why,how} {is,are,will,can,do,does,did,should,would}"), s("any {idea,ideas,advice,suggestions,tips}"),
			s("?"), md("{question,questions,wondering,wonder}"), md("{is,are} there"),
		},
	},
}

// Guards are patterns that are never a cue of any reason: a guard's match
// suppresses every cue that overlaps it.
var Guards = []string{
	"killing it", "kill it", "sick beat{,s}", "{play,playing,played} {this,the,that} song on repeat", "on repeat", "freeze frame",
	"prime video", "prime now app", "bag of", "carrier bag", "charge {my,the,it,its,to} {phone,iphone,ipad,battery,device,watch,laptop}",
	"battery {case,pack}", "customer for life", "loyal customer",
}
