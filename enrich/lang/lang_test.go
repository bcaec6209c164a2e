package lang

import (
	"testing"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

// tweets are short customer-care style texts written for this test (one
// to three per language).
var tweets = []struct{ lang, text string }{
	{"en", "my flight got delayed again and nobody at the desk can tell us anything"},
	{"en", "thanks so much for sorting my refund so quickly, great service"},
	{"en", "still waiting for my parcel, tracking says delivered but nothing here"},
	{"es", "mi vuelo lleva tres horas de retraso y nadie nos da información"},
	{"es", "gracias por la ayuda, ya me llegó el pedido"},
	{"es", "llevo una semana esperando el reembolso, qué vergüenza"},
	{"pt", "meu voo atrasou de novo e ninguém explica nada, que absurdo"},
	{"pt", "obrigado pelo atendimento, resolveram tudo muito rápido"},
	{"pt", "estou sem internet desde ontem e ninguém responde"},
	{"fr", "mon vol est encore en retard et personne ne nous informe"},
	{"fr", "merci pour votre aide, le colis est bien arrivé"},
	{"fr", "toujours pas de remboursement après trois semaines, c'est inadmissible"},
	{"de", "mein Zug hat schon wieder eine Stunde Verspätung, unglaublich"},
	{"de", "danke für die schnelle Hilfe, das Paket ist angekommen"},
	{"de", "seit gestern kein Internet und die Hotline ist nicht erreichbar"},
	{"it", "il mio volo è in ritardo di tre ore e nessuno ci dice niente"},
	{"it", "grazie mille per l'aiuto, il pacco è arrivato oggi"},
	{"it", "aspetto ancora il rimborso da due settimane, vergognoso"},
	{"nl", "mijn trein is weer vertraagd en niemand weet waarom"},
	{"nl", "bedankt voor de snelle hulp, het pakket is vandaag bezorgd"},
	{"nl", "al drie dagen geen internet en de klantenservice reageert niet"},
	{"sv", "mitt tåg är försenat igen och ingen säger något"},
	{"sv", "tack för hjälpen, paketet kom fram idag"},
	{"pl", "mój lot jest znowu opóźniony i nikt nic nie mówi"},
	{"pl", "dziękuję za szybką pomoc, paczka dotarła dzisiaj"},
	{"tr", "uçuşum yine rötar yaptı ve kimse bilgi vermiyor"},
	{"tr", "yardımınız için teşekkürler, kargo bugün geldi"},
	{"id", "penerbangan saya ditunda lagi dan tidak ada yang memberi informasi"},
	{"id", "terima kasih atas bantuannya, paket sudah sampai hari ini"},
	{"ru", "мой рейс снова задержали и никто ничего не объясняет"},
	{"ru", "спасибо за быструю помощь, посылка пришла сегодня"},
	{"ja", "フライトがまた遅延して、誰も何も説明してくれない"},
	{"ja", "迅速な対応ありがとうございます、荷物が今日届きました"},
	{"zh", "我的航班又延误了，没有人告诉我们任何消息"},
	{"zh", "谢谢你们的帮助，包裹今天已经到了"},
	{"ko", "비행기가 또 지연됐는데 아무도 설명해주지 않아요"},
	{"ko", "빠른 도움 감사합니다, 택배가 오늘 도착했어요"},
	{"ar", "تأخرت رحلتي مرة أخرى ولا أحد يخبرنا بأي شيء"},
	{"ar", "شكرا على المساعدة السريعة، وصل الطرد اليوم"},
	{"hi", "मेरी उड़ान फिर से लेट हो गई और कोई कुछ नहीं बता रहा"},
	{"hi", "जल्दी मदद के लिए धन्यवाद, पार्सल आज आ गया"},
	{"da", "mit tog er forsinket igen og ingen fortæller os noget"},
	{"no", "toget mitt er forsinket igjen og ingen forteller oss noe"},
	{"fi", "lentoni on taas myöhässä eikä kukaan kerro meille mitään"},
	{"ro", "zborul meu a întârziat din nou și nimeni nu ne spune nimic"},
	{"cs", "můj let má zase zpoždění a nikdo nám nic neřekne"},
	{"hu", "a járatom megint késik és senki nem mond semmit"},
	{"uk", "мій рейс знову затримали і ніхто нічого не пояснює"},
	{"el", "η πτήση μου καθυστέρησε ξανά και κανείς δεν μας λέει τίποτα"},
	{"he", "הטיסה שלי שוב מתעכבת ואף אחד לא אומר לנו כלום"},
	{"th", "เที่ยวบินของฉันล่าช้าอีกแล้ว ไม่มีใครบอกอะไรเลย"},
	{"en", "@united flight UA123 delayed 3 hours, no update #fail https://t.co/x"},
	{"es", "@Iberia ¿alguien me puede ayudar con mi reserva? #ayuda"},
	{"fr", "@SNCF toujours aucune réponse à ma réclamation #sncf #retard"},
	{"de", "@DB_Bahn warum fällt der ICE heute schon wieder aus?"},
}

func TestDetect(t *testing.T) {
	miss := 0
	for _, tc := range tweets {
		r := Detect(tc.text)
		if r.Lang != tc.lang {
			miss++
			t.Errorf("%q: %s (confidence %.3f), want %s", tc.text, r.Lang, r.Confidence, tc.lang)
		}
	}
	t.Logf("%d/%d correct", len(tweets)-miss, len(tweets))
}

func TestDetectEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		text, lang string
		byScript   bool
	}{
		{"", "", false},
		{"😀😀 !!! 123 https://t.co/abc @someone", "", false},
		{"ありがとう", "ja", true},
		{"谢谢", "zh", true},
		{"감사합니다", "ko", true},
		{"東京駅で待っています", "ja", true}, // Han with kana
		{"شکریہ، میرا پارسل کہاں ہے", "ur", true},
		{"\xff\xfe", "", false},
	} {
		r := Detect(tc.text)
		if r.Lang != tc.lang || r.ByScript != tc.byScript {
			t.Errorf("%q: %+v, want %s by script %v", tc.text, r, tc.lang, tc.byScript)
		}
	}
}

func TestEnrich(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tc := range []struct {
		name, given, text, want string
	}{
		{"missing", "", "mi vuelo lleva tres horas de retraso y nadie nos da información", "es"},
		{"undetermined", "und", "mon vol est encore en retard et personne ne nous informe", "fr"},
		{"platform's kept", "en", "mon vol est encore en retard et personne ne nous informe", "en"},
		{"too short", "", "ok merci", ""},
		{"no letters", "", "👍👍 https://t.co/abc", ""},
		{"short but by script", "", "감사합니다", "ko"},
	} {
		m := &mention.Mention{ID: "x:1", CreatedAt: now, Text: tc.text, Lang: tc.given}
		if err := e.Enrich(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		if m.Lang != tc.want {
			t.Errorf("%s: lang %q, want %q", tc.name, m.Lang, tc.want)
		}
		// idempotent
		if err := e.Enrich(t.Context(), m); err != nil || m.Lang != tc.want {
			t.Errorf("%s: second run lang %q, %v", tc.name, m.Lang, err)
		}
	}

	over, err := New(Config{Enabled: true, Overwrite: true, MinLetters: 10, MinConfidence: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	m := &mention.Mention{Text: "mon vol est encore en retard et personne ne nous informe", Lang: "en"}
	if over.Enrich(t.Context(), m); m.Lang != "fr" {
		t.Errorf("overwrite: %q", m.Lang)
	}
	off, err := New(Config{Enabled: false, MinLetters: 10})
	if err != nil {
		t.Fatal(err)
	}
	m = &mention.Mention{Text: "mon vol est encore en retard et personne ne nous informe"}
	if off.Enrich(t.Context(), m); m.Lang != "" {
		t.Errorf("disabled: %q", m.Lang)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		c     Config
		field string
	}{
		{DefaultConfig(), ""},
		{Config{MinLetters: 0, MinConfidence: 0.1}, "enrich.lang.min_letters"},
		{Config{MinLetters: 10, MinConfidence: 1}, "enrich.lang.min_confidence"},
		{Config{MinLetters: 10, MinConfidence: -0.1}, "enrich.lang.min_confidence"},
	} {
		err := tc.c.Validate()
		if (err == nil) != (tc.field == "") || (err != nil && !contains(err.Error(), tc.field)) {
			t.Errorf("%+v: %v, want an error naming %q", tc.c, err, tc.field)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func FuzzDetect(f *testing.F) {
	for _, tc := range tweets[:5] {
		f.Add(tc.text)
	}
	f.Add("\xff#@http://")
	f.Fuzz(func(t *testing.T, s string) {
		r := Detect(s)
		if r.Confidence < 0 || r.Confidence > 1 {
			t.Fatalf("%q: %+v", s, r)
		}
	})
}

func BenchmarkDetect(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Detect(tweets[i%len(tweets)].text)
	}
}
