package urgency

// Cue ids, the values of mention.Urgency.Cues. Stable: stored in
// ClickHouse (mentions.urgency_cues).
const (
	CueSafety     = "safety"
	CueInjury     = "injury"
	CueDataBreach = "data_breach"
	CueLegal      = "legal"
	CuePress      = "press"
	CueOutage     = "outage"
	CueVirality   = "virality"
	CueUrgent     = "urgent"
)

// Term is one pattern of a cue (package phrase syntax) and the canonical
// crisis term it is recorded as in mention.Mention.CrisisTerms, so that
// "sue", "suing" and "lawsuit" count together on the crisis dashboard.
type Term struct {
	Pattern string
	Term    string
}

// Class is one cue: what it means, how much it weighs, and its terms.
type Class struct {
	ID         string
	Weight     float64 // 0..1, combined by noisy-or (see the package documentation)
	Definition string
	Terms      []Term
}

func t(pattern, term string) Term { return Term{Pattern: pattern, Term: term} }

// Classes is the documented cue list, heaviest first. Every term is
// negatable: "no injuries", "nobody was hurt", "not going to sue" do not
// count (a negator up to three tokens before, in the same clause).
var Classes = []Class{
	{
		ID: CueSafety, Weight: 0.75,
		Definition: "A danger to people: fire, smoke, explosions, electric shocks, gas or carbon monoxide, unsafe products or vehicles, recalls, emergencies in the air or on the road, threats of violence.",
		Terms: []Term{
			t("{caught,catching,catches,catch} fire", "fire"), t("burst into flames", "fire"), t("{in,on} flames", "fire"), t("fire hazard", "fire"),
			t("{smoke,smoking} {coming,pouring,came} {out,from}", "smoke"), t("{battery,phone,charger,laptop,device,tablet,car,engine} {exploded,exploding,blew up,melted,melting}", "explosion"),
			t("explosion{,s}", "explosion"), t("{is,was,went,set,sets} on fire", "fire"), t("{a,the} fire {at,in,on,broke out}", "fire"), t("{electric,electrical} shock", "electric shock"), t("electrocuted", "electric shock"), t("gas leak", "gas leak"),
			t("carbon monoxide", "carbon monoxide"), t("{unsafe,dangerous,hazardous}", "unsafe"), t("{safety,choking} hazard", "unsafe"), t("safety {issue,issues,concern,concerns,risk}", "unsafe"),
			t("{product,safety} recall", "recall"), t("{recalled,recalls}", "recall"), t("emergency landing", "emergency landing"), t("engine {failure,fire}", "engine failure"),
			t("{brakes,brake} {failed,failure}", "brake failure"), t("bomb {threat,scare}", "bomb threat"), t("{threatened,threatening} {me,us,my}", "threat"), t("{assaulted,attacked}", "assault"),
			t("{sexual,sexually} {harassment,harassed,assault,assaulted}", "assault"), t("{pulled,pointed,had,with,carrying} a {knife,gun,weapon}", "weapon"),
		},
	},
	{
		ID: CueInjury, Weight: 0.75,
		Definition: "Someone was hurt or made ill: injuries, burns, hospital, ambulance, food poisoning, allergic reactions, a death.",
		Terms: []Term{
			t("{injured,injury,injuries,injuring}", "injury"), t("{hurt,hurting} {me,my,myself,him,her,them,us,his,someone,a child,my son,my daughter}", "injury"),
			t("{got,was,were,been,badly,seriously} hurt", "injury"), t("{hospital,hospitalised,hospitalized,a and e,er visit}", "hospital"), t("ambulance", "ambulance"),
			t("bleeding", "bleeding"), t("{burned,burnt} {me,my,his,her}", "burn"), t("{burns,burn} {on,to} {my,his,her}", "burn"),
			t("broke{,n} {my,his,her} {arm,leg,wrist,ankle,nose,tooth,teeth,hand,foot,finger}", "injury"), t("food poisoning", "food poisoning"),
			t("{allergic,anaphylactic} {reaction,shock}", "allergic reaction"), t("{died,death,killed,dead body}", "death"), t("{nearly,almost,could have} {died,killed,dead}", "death"),
			t("{concussion,fracture,fractured,stitches}", "injury"), t("{fell,tripped,slipped} {on,over,down}", "fall"),
		},
	},
	{
		ID: CueDataBreach, Weight: 0.6,
		Definition: "Personal data exposed or accounts taken over: data breaches and leaks, hacked accounts, someone else's data shown, identity theft, privacy violations.",
		Terms: []Term{
			t("data breach{,es}", "data breach"), t("breach{,ed}", "data breach"), t("{data,details,information,info,passwords} {leak,leaked,leaking,exposed,stolen,compromised}", "data leak"),
			t("{leaked,exposed} {my,our,customer,customers,personal}", "data leak"),
			t("{data,details,information,info,passwords} {were,was,have been,has been,got} {leaked,exposed,stolen,compromised}", "data leak"), t("{hacked,hack,hacker,hackers}", "hacked"), t("compromised", "compromised"),
			t("{someone,somebody} {else,elses} {account,order,orders,details,data,information,address}", "someone else's data"), t("identity theft", "identity theft"),
			t("{privacy,gdpr,data protection} {breach,violation,violated,issue,concern,complaint}", "privacy"), t("{invasion of,violated my,violating my,violates my} privacy", "privacy"),
			t("personal {data,details,information} {leaked,exposed,shared,sold,stolen,visible,compromised}", "data leak"),
		},
	},
	{
		ID: CueLegal, Weight: 0.5,
		Definition: "A legal threat or a complaint to an authority: lawyers, suing, court, regulators and ombudsmen, trading standards, the police, class actions.",
		Terms: []Term{
			t("{lawyer,lawyers,solicitor,solicitors,attorney,attorneys,legal team}", "lawyer"), t("{sue,suing,sued,lawsuit,lawsuits}", "lawsuit"),
			t("legal action", "legal action"), t("take {you,this,it} to court", "court"), t("{court,courts,small claims}", "court"), t("class action", "class action"),
			t("trading standards", "regulator"), t("{ombudsman,ofcom,ofgem,ofwat,fca,ftc,fcc,cfpb,caa,bbb,accc}", "regulator"), t("{better business bureau,citizens advice}", "regulator"),
			t("{report,reported,reporting} {you,this,it} to", "report to authority"), t("{police,cops}", "police"), t("consumer rights", "consumer rights"),
			t("{breach of contract,illegal,unlawful}", "illegal"),
		},
	},
	{
		ID: CuePress, Weight: 0.45,
		Definition: "Press and media: journalists, newspapers, TV consumer programmes, going to the media.",
		Terms: []Term{
			t("{journalist,journalists,reporter,reporters}", "journalist"), t("{the,to the,contact the,contacting the,going to the} {press,media}", "press"),
			t("{newspaper,newspapers,tabloid,tabloids}", "newspaper"), t("{watchdog,rip off britain}", "tv consumer programme"), t("{bbc,cnn,fox news,sky news,daily mail}", "news outlet"),
			t("{in,on,to,contact,contacting} the news", "news"), t("{local,national} news", "news"), t("news {outlet,outlets,channel,station,story}", "news"),
		},
	},
	{
		ID: CueOutage, Weight: 0.35,
		Definition: "The service is down: outages, networks, sites or apps down, no signal or internet, payments or cards not working for everyone.",
		Terms: []Term{
			t("outage{,s}", "outage"), t("{down,offline} for {everyone,everybody,all,hours,days}", "outage"), t("{site,website,app,server,servers,network,service,system,systems,internet,broadband,wifi} {is,are,was,went,still,has been,been} {down,offline}", "down"),
			t("{is,are,everything,everythings} down", "down"), t("down again", "down"), t("{no,zero,lost} {signal,service,network,internet,broadband,wifi,connection,coverage,power,electricity,water}", "no service"),
			t("{power,electricity,water} {cut,outage}", "outage"), t("{cant,cannot,unable to} connect", "cannot connect"), t("{cards,payments,atms,atm,contactless} not working", "payments down"),
		},
	},
	{
		ID: CueVirality, Weight: 0.3,
		Definition: "The post asks to be spread or is spreading: calls to retweet or share, boycotts, going viral; and, from engagement, a post with many reposts or an author with many followers when the post is not positive.",
		Terms: []Term{
			t("{going,gone,goes,go} viral", "viral"), t("{retweet,rt,share} {this,if,please}", "share this"), t("{please,pls,plz} {retweet,rt,share}", "share this"),
			t("spread the word", "share this"), t("{everyone,everybody} {needs,should} {to know,know,see}", "share this"), t("{boycott,boycotting}", "boycott"),
			t("{tell,telling,warn,warning} {everyone,everybody,all my friends,my followers}", "share this"),
		},
	},
	{
		ID: CueUrgent, Weight: 0.2,
		Definition: "An explicit plea for speed or a person in a bind: urgent, emergency, ASAP, stranded, medication or medical needs.",
		Terms: []Term{
			t("{urgent,urgently,emergency}", "urgent"), t("asap", "urgent"), t("{stranded,stuck overnight}", "stranded"), t("{medication,medicine,insulin,medical}", "medical"),
			t("life or death", "urgent"),
		},
	},
}

// Guards suppress every cue they overlap: hyperbole and praise that share
// words with the cues.
var Guards = []string{
	"killing it", "killed it", "kill it", "killing me", "kills me", "dying to", "dying for", "to die for", "die for", "im dead", "i died", "i just died",
	"literally died", "dead {tired,funny,serious,good}", "bomb {ass,af}", "the bomb", "da bomb", "{you,they,we,team,guys,staff,crew,squad,this,album,song,game,support,service} {is,are,was,were,} on fire", "{youre,theyre} on fire",
	"fire {stick,tv,tablet,sale}", "kindle fire", "hot {stuff,deal,deals,sale}", "press {the,a,any,home,power,and,on,it,enter,button,play,send}",
	"social media", "media {player,files,library}", "{good,great,bad,the} news {is,that}", "break a leg", "hurt my feelings", "injury time",
	"hack {for,to}", "life hack{,s}", "food court", "{tennis,basketball} court", "dead {zone,zones,battery}", "sue me", "viral {video,marketing,ad}",
	"{phone,battery,iphone,ipad,laptop,car,it,charger,device,screen,headphones,airpods,mac,tv,app,kindle,echo,watch} {died,dies,dead,is dead,just died,has died,keeps dying}",
	"died on me", "{killed,killing,kills} {my,the} battery", "fell on deaf ears", "{glue,nerf,water,heat} gun", "legal guardian",
}
