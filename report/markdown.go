package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/earshot-dev/earshot/analytics"
)

// WriteMarkdown writes the summary for chat tools (Slack, Teams,
// Mattermost): the rank, the headline numbers with arrows, the sentences,
// what changed in the contact reasons and the crises — lists rather than
// tables, which chat tools render poorly. link, when not empty, points to
// the full report.
func WriteMarkdown(w io.Writer, r *Report, link string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s — weekly customer-care report, %s*\n\n", r.Brand.Name, r.Week.Label())
	if r.Me.RankCompetitors > 0 {
		ranked := 0
		for _, p := range r.Peers {
			if p.RankCompetitors > 0 {
				ranked++
			}
		}
		fmt.Fprintf(&b, "*Rank %s of %d* among competitors · score %s", Ordinal(r.Me.RankCompetitors), ranked, Format(r.Me.Score, KindScore))
		if r.Me.ScoreChange != nil {
			fmt.Fprintf(&b, " (%s pts on last week)", signed(*r.Me.ScoreChange, "%+.0f"))
		}
		b.WriteString("\n\n")
	}
	for _, m := range r.Headline {
		fmt.Fprintf(&b, "• %s: *%s*", m.Label, m.Text())
		if a := m.Arrow(); a != "" {
			fmt.Fprintf(&b, " %s (last week %s)", a, m.PrevText())
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	for _, s := range r.Sentences {
		fmt.Fprintf(&b, "%s\n", s)
	}
	var changed []string
	for _, x := range r.Reasons {
		if x.Trend != analytics.TrendSteady {
			changed = append(changed, fmt.Sprintf("%s %s (%d → %d)", x.Reason, x.Trend, x.PrevCount, x.Count))
		}
	}
	if len(changed) > 0 {
		fmt.Fprintf(&b, "\n*Contact reasons that changed:* %s\n", strings.Join(changed, "; "))
	}
	if len(r.Products) > 0 {
		var ps []string
		for i, p := range r.Products {
			if i == 3 {
				break
			}
			ps = append(ps, fmt.Sprintf("%s %d (%s negative)", p.Product, p.Posts, Format(&p.NegativeShare, KindShare)))
		}
		fmt.Fprintf(&b, "\n*Products customers wrote about:* %s\n", strings.Join(ps, "; "))
	}
	if len(r.Crises) > 0 {
		b.WriteString("\n*Crises:*\n")
		for _, c := range r.Crises {
			end := "still open"
			if c.ResolvedAt != nil {
				end = "to " + c.ResolvedAt.Format("Mon 2 Jan 15:04")
			}
			fmt.Fprintf(&b, "• %s %s from %s UTC, %s: %s\n", c.Severity, c.Kind, c.Onset.Format("Mon 2 Jan 15:04"), end, c.Summary)
		}
	} else {
		b.WriteString("\nNo crisis incident stored for the week.\n")
	}
	if link != "" {
		fmt.Fprintf(&b, "\nFull report: %s\n", link)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
