package lang

// functionWords are frequent, short words that tell languages apart in
// short texts better than trigrams learnt from formal prose: each
// occurrence lowers its languages' distance by wordBonus. Hand-made for
// this package.
var functionWords = map[string]string{
	"en": "the and is are was my i you it this that for but not with have has what why how when your our me we they will can just still",
	"es": "el la los las es y que de en un una por para con mi no pero muy gracias qué ya está estoy lo del al nos",
	"pt": "o a os as é e que de em um uma por para com meu minha não mas muito obrigado obrigada já está estou do da nos você",
	"fr": "le la les est et que de en un une pour avec mon ma pas mais très merci je vous nous il elle c'est du des au toujours",
	"de": "der die das ist und nicht ich du mit mein meine für aber sehr danke schon wieder ein eine auf den dem zu es wir ihr",
	"it": "il la lo gli è e che di in un una per con mio mia non ma molto grazie già sono ho del della ci",
	"nl": "de het is en niet ik je mijn met voor maar heel bedankt al weer een op van te we zijn",
	"sv": "och är inte jag du min mitt med för men mycket tack igen en ett på av till vi det som",
	"da": "og er ikke jeg du min mit med for men meget tak igen en et på af til vi det som",
	"no": "og er ikke jeg du min mitt med for men veldig takk igjen en et på av til vi det som",
	"fi": "ja on ei minä sinä minun kanssa mutta kiitos taas se että olen",
	"pl": "i jest nie ja ty mój moja z dla ale bardzo dziękuję już się to na w że",
	"tr": "ve bir bu için ama çok teşekkürler yine ben sen benim değil da de mi",
	"id": "dan yang di ini itu saya tidak untuk dengan tapi sangat terima kasih lagi sudah ada",
	"ro": "și este nu eu tu meu mea cu pentru dar foarte mulțumesc iar un o la de că",
	"cs": "a je není já ty můj moje s pro ale velmi děkuji zase se na to že",
	"hu": "és a az nem én te az én val vel de nagyon köszönöm megint egy hogy van",
	"tl": "at ang ng sa na hindi ako ikaw ko ko mo salamat po",
	"vi": "và là không tôi bạn của với cho nhưng rất cảm ơn lại một",
	"ru": "и в не я ты мой моя с для но очень спасибо снова это что на",
	"uk": "і в не я ти мій моя з для але дуже дякую знову це що на",
	"bg": "и в не аз ти моя с за но много благодаря отново това че на",
}

const wordBonus = 120
