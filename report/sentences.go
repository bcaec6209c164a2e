package report

import (
	"fmt"
	"strings"
)

// Sentences writes page one's plain sentences from the report's numbers:
// volume, rank and score, SLA15 against the best competitor, FRT,
// response rate, reply quality and sentiment. Every figure is formatted
// with Format, so a sentence and the table beside it agree. A sentence
// whose numbers are undefined is left out.
func Sentences(r *Report) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	me, name := r.Me, r.Brand.Name
	if name == "" {
		name = r.Brand.ID
	}

	// Volume.
	vol := fmt.Sprintf("%s received %s customer posts this week", name, Thousands(int64(me.Inbound)))
	if r.Prev != nil && r.Prev.Inbound > 0 {
		ch := float64(me.Inbound)/float64(r.Prev.Inbound) - 1
		switch pc := Format(&ch, KindShare); {
		case pc == "0 %":
			vol += ", as many as the week before"
		case ch > 0:
			vol += fmt.Sprintf(", %s more than the week before (%s)", pc, Thousands(int64(r.Prev.Inbound)))
		default:
			abs := -ch
			vol += fmt.Sprintf(", %s fewer than the week before (%s)", Format(&abs, KindShare), Thousands(int64(r.Prev.Inbound)))
		}
	}
	out = append(out, vol+".")

	// Rank and score.
	var mine *Peer
	var ranked []*Peer
	for i := range r.Peers {
		if r.Peers[i].Me {
			mine = &r.Peers[i]
		}
		if r.Peers[i].RankCompetitors > 0 {
			ranked = append(ranked, &r.Peers[i])
		}
	}
	if mine != nil && mine.Score != nil && mine.RankCompetitors > 0 {
		s := fmt.Sprintf("%s ranked %s of %d against its competitors with a responsiveness score of %s",
			name, Ordinal(mine.RankCompetitors), len(ranked), Format(mine.Score, KindScore))
		if len(ranked) == 1 {
			s = fmt.Sprintf("%s was the only brand of its competitor set with customer posts this week; its responsiveness score was %s",
				name, Format(mine.Score, KindScore))
		}
		if r.Prev != nil && r.Prev.Score != nil {
			s += fmt.Sprintf(" (last week %s", Format(r.Prev.Score, KindScore))
			if mine.PrevRank > 0 && len(ranked) > 1 {
				s += ", " + Ordinal(mine.PrevRank)
			}
			s += ")"
		}
		if mine.RankCompetitors > 1 {
			for _, p := range ranked {
				if p.RankCompetitors == 1 {
					s += fmt.Sprintf("; %s led with %s", p.Name, Format(p.Score, KindScore))
					break
				}
			}
		}
		out = append(out, s+".")
	}

	// SLA15 against the best competitor.
	if m := metric(r.Headline, "sla15"); m.Value != nil {
		s := fmt.Sprintf("You answered %s of customer posts within 15 minutes%s", m.Text(), changePhrase(m, "up from %s", "down from %s", "the same as last week"))
		if m.Best != nil {
			if *m.Best > *m.Value && m.BestText() != m.Text() {
				s += fmt.Sprintf("; %s answered %s", m.BestBrand, m.BestText())
			} else {
				s += fmt.Sprintf("; no competitor did better (%s: %s)", m.BestBrand, m.BestText())
			}
		}
		out = append(out, s+".")
	}

	// First response time.
	med, p90 := metric(r.Headline, "frt_median"), metric(r.Headline, "frt_p90")
	switch {
	case med.Value != nil && p90.Value != nil:
		s := fmt.Sprintf("Half of your first replies came within %s and 90 %% within %s%s", med.Text(), p90.Text(),
			changePhrase(med, "slower than last week's median of %s", "faster than last week's median of %s", "the same median as last week"))
		if med.Best != nil {
			if *med.Best < *med.Value && med.BestText() != med.Text() {
				s += fmt.Sprintf("; %s was faster, with a median of %s", med.BestBrand, med.BestText())
			} else {
				s += fmt.Sprintf("; no competitor was faster (%s: %s)", med.BestBrand, med.BestText())
			}
		}
		out = append(out, s+".")
	case me.Inbound > 0:
		add("You answered none of the %s customer posts of the week.", Thousands(int64(me.Inbound)))
	}

	// Response rate.
	if m := metric(r.Headline, "response_rate"); m.Value != nil {
		add("You answered %s of the posts at least a day old within 24 hours%s.", m.Text(),
			changePhrase(m, "up from %s", "down from %s", "the same as last week"))
	}

	// Reply quality.
	defl, canned, emp := metric(r.Headline, "deflection_rate"), metric(r.Headline, "canned_rate"), metric(r.Headline, "empathy")
	if defl.Value != nil && canned.Value != nil && emp.Value != nil {
		add("%s of your first replies moved the customer to another channel%s; %s were cut-and-paste%s; the median empathy score was %s of 100%s.",
			defl.Text(), lastWeek(defl), canned.Text(), lastWeek(canned), emp.Text(), lastWeek(emp))
	}

	// Sentiment.
	if m := metric(r.Headline, "net_sentiment"); m.Value != nil {
		s := fmt.Sprintf("Customers' net sentiment was %s on a scale from −1 to +1%s", m.Text(),
			changePhrase(m, "better than last week's %s", "worse than last week's %s", "as last week"))
		if me.NegativeShare != nil {
			s += fmt.Sprintf("; %s of their posts were negative", Format(me.NegativeShare, KindShare))
		}
		if me.SentimentRecovery != nil && me.RecoveredPosts > 0 {
			s += fmt.Sprintf("; when customers wrote again after your reply, their sentiment had changed by %s on average (%d posts)",
				Format(me.SentimentRecovery, KindSentiment), me.RecoveredPosts)
		}
		out = append(out, s+".")
	}
	return out
}

// changePhrase is ", up from 33 %" (up has the previous value for %s),
// ", down from …", ", the same as last week", or "" without a previous
// value.
func changePhrase(m Metric, up, down, same string) string {
	switch m.Direction() {
	case "up":
		return ", " + fmt.Sprintf(up, m.PrevText())
	case "down":
		return ", " + fmt.Sprintf(down, m.PrevText())
	case "same":
		if strings.Contains(same, "%s") {
			return ", " + fmt.Sprintf(same, m.PrevText())
		}
		return ", " + same
	}
	return ""
}

// lastWeek is " (last week 33 %)", or "" without a previous value.
func lastWeek(m Metric) string {
	if m.Value == nil || m.Prev == nil {
		return ""
	}
	return " (last week " + m.PrevText() + ")"
}
