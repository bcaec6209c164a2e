package entities

import (
	"fmt"
	"testing"
)

func TestIdentifiers(t *testing.T) {
	tests := []struct {
		text string
		want []string // "type:text"
	}{
		{"My flight BA117 is delayed again", []string{"flight:BA117"}},
		{"flight KL 1234 cancelled, stuck at AMS", []string{"flight:KL 1234", "airport:AMS"}},
		{"LHR-JFK tomorrow", []string{"airport:LHR", "airport:JFK"}},
		{"going LHR to JFK next week", []string{"airport:LHR", "airport:JFK"}},
		{"BA117 is my favourite number", nil},                 // no travel context
		{"The A380 landed at DXB", []string{"airport:DXB"}},   // aircraft type, not Aegean A3 80
		{"flight A380 boarding now", []string{"flight:A380"}}, // after "flight" it is a flight
		{"I LOVE THE MAN WHO RUNS THIS FLIGHT DESK SO MUCH", nil},
		{"where is my order #123456789?", []string{"order:123456789"}},
		{"order number: 112-1234567-1234567", []string{"order:112-1234567-1234567"}},
		{"112-1234567-1234567 never came", []string{"order:112-1234567-1234567"}},
		{"booking ref X7K2PQ please help", []string{"booking:X7K2PQ"}},
		{"booking reference is ab12cd34", []string{"booking:ab12cd34"}},
		{"I want to order 2 pizzas", nil},
		{"booking ref FRIDAY", []string{"booking:FRIDAY"}}, // six capitals after a booking keyword is a PNR
		{"my booking for friday", nil},
		{"tracking number 1Z999AA10123456784 says delivered", []string{"tracking:1Z999AA10123456784"}},
		{"1Z999AA10123456784", []string{"tracking:1Z999AA10123456784"}},
		{"parcel RR123456785GB still not here", []string{"tracking:RR123456785GB"}},
		{"USPS 9400111899223197428490 stuck", []string{"tracking:9400111899223197428490"}},
		{"tracking no. 4455667788 @DHL", []string{"tracking:4455667788"}},
		{"my parcel came at 10am", nil},
		{"call me at [phone] about order [card]", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			toks := Tokenize(nil, tt.text)
			var low []string
			for _, s := range toks {
				low = append(low, string(appendLower(nil, tt.text[s.Start:s.End])))
			}
			got := findIdentifiers(nil, tt.text, toks, low)
			var gs []string
			for _, e := range got {
				if tt.text[e.Start:e.End] != e.Text {
					t.Errorf("span %d:%d is %q, text %q", e.Start, e.End, tt.text[e.Start:e.End], e.Text)
				}
				gs = append(gs, e.Type+":"+e.Text)
			}
			if fmt.Sprint(gs) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", gs, tt.want)
			}
		})
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"@KLM's flight KL1234 #fail https://t.co/x!", []string{"@KLM", "'s", "flight", "KL1234", "#fail", "https://t.co/x!"}},
		{"Coca-Cola & AT&T at 10:45, wow!!!", []string{"Coca-Cola", "&", "AT&T", "at", "10:45", ",", "wow", "!!!"}},
		{"call [phone] now", []string{"call", "[phone]", "now"}},
		{"Tesco’s app 😡😡", []string{"Tesco", "’s", "app", "😡😡"}},
		{"bad \xff byte", []string{"bad", "\xff", "byte"}},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range Tokenize(nil, tt.text) {
			got = append(got, tt.text[s.Start:s.End])
		}
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
