package reasons

import (
	"fmt"
	"io"
	"strings"
)

// WriteTaxonomy writes TAXONOMY.md from Taxonomy, Guards and TwcsTopics:
// the document is generated so that it cannot drift from the table
// (TestTaxonomyDocIsCurrent; `go test ./enrich/reasons -update` rewrites
// it).
func WriteTaxonomy(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`# Contact-reason taxonomy

<!-- Generated from enrich/reasons/taxonomy.go and eval.go by
     ` + "`go test ./enrich/reasons -update`" + `; do not edit by hand. -->

Why a customer wrote to or about a brand. A mention may carry several reasons,
each with a confidence 0..1 (` + "`contact_reason`" + ` and ` + "`contact_reason_confidence`" + ` in
ClickHouse); reasons below ` + "`enrich.reasons.threshold`" + ` (default 0.5) are dropped, at most
` + "`enrich.reasons.max_reasons`" + ` (default 3) are kept, highest first. Ids are stable
lower-case snake_case: dashboards and crisis detection group by them.

Only customer posts are classified (never a brand's own post or reply). The
text read is the PII-redacted text.

## Summary

| id | definition | sectors |
|---|---|---|
`)
	for _, d := range Taxonomy {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", d.ID, cell(d.Definition), strings.Join(d.Sectors, ", "))
	}
	b.WriteString(`
## How a reason is scored

Each reason has weighted cues (phrase patterns over normalised tokens:
lower case, apostrophes dropped, @handles and URLs skipped; ` + "`{a,b}`" + ` are
alternatives, ` + "`*`" + ` is any one word). A reason's score is the sum of the
weights of its distinct cues found (of overlapping cues, the heaviest);
negative weights are context guards; cues marked *negatable* do not count
after a negator (no, not, never, without, don't, …) up to three words before
them in the same clause. The confidence is 1 − e^(−score): one strong cue
(1.2) gives 0.70, one medium cue (0.7) 0.50, one weak cue (0.35) 0.30.
Tone: on a post whose sentiment compound is ≥ 0.3 the service_complaint score
is halved; on one whose compound is ≤ −0.3 the praise score is cut to 30 %.

Guard phrases, which suppress every cue they overlap:
`)
	for _, g := range Guards {
		fmt.Fprintf(&b, "`%s` ", g)
	}
	b.WriteString("\n\n## Reasons\n")
	for _, d := range Taxonomy {
		fmt.Fprintf(&b, "\n### `%s`\n\n%s\n\n", d.ID, d.Definition)
		fmt.Fprintf(&b, "- **Sectors:** %s\n", strings.Join(d.Sectors, ", "))
		q := make([]string, len(d.Examples))
		for i, e := range d.Examples {
			q[i] = "“" + e + "”"
		}
		fmt.Fprintf(&b, "- **Example phrasings:** %s\n", strings.Join(q, "; "))
		fmt.Fprintf(&b, "- **Not:** %s\n", d.Not)
		b.WriteString("- **Cues** (weight):")
		for _, c := range d.Cues {
			neg := ""
			if c.Negatable {
				neg = ", negatable"
			}
			fmt.Fprintf(&b, " `%s` (%g%s);", c.Pattern, c.Weight, neg)
		}
		b.WriteString("\n")
	}
	b.WriteString(`
## Evaluation data

` + "`earshot eval reasons`" + ` maps the topic columns of the twcs_labeled inbound files
(Customer Support on Twitter, 200 inbound tweets each of AmazonHelp,
AppleSupport and SpotifyCares, multi-label 0/1) onto the taxonomy. A topic
without a counterpart is counted in ` + "`excluded_topics`" + ` and left out. A reason
is scored only on the files whose topics cover it. *Partial* means the topic
is one kind of the reason, so a post the classifier gives the reason but the
file does not tag may be right: only recall is measured.

| brand | topic | reason | partial | why |
|---|---|---|---|---|
`)
	for _, tm := range TwcsTopics {
		r := "—"
		if tm.Reason != "" {
			r = "`" + tm.Reason + "`"
		}
		p := ""
		if tm.Partial {
			p = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", tm.Brand, tm.Topic, r, p, cell(tm.Why))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
