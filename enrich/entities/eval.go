package entities

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Counts are exact-span entity counts of one type.
type Counts struct {
	Gold, Predicted, Correct int
}

// Add adds o's counts to c.
func (c *Counts) Add(o Counts) {
	c.Gold += o.Gold
	c.Predicted += o.Predicted
	c.Correct += o.Correct
}

// Precision is Correct/Predicted (0 when nothing was predicted).
func (c Counts) Precision() float64 { return ratio(c.Correct, c.Predicted) }

// Recall is Correct/Gold (0 when there is no gold entity).
func (c Counts) Recall() float64 { return ratio(c.Correct, c.Gold) }

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Report is the result of Evaluate: CoNLL-style exact-span entity scores
// in earshot's types.
type Report struct {
	Scheme    string
	Sentences int
	Tokens    int
	// Ignored counts gold entities of types the scheme does not map.
	Ignored int
	// HandlesLeftOut counts predicted @handle entities left out because
	// the data set does not annotate handles.
	HandlesLeftOut int
	ByType         map[string]*Counts
	Overall        Counts
}

// Evaluate tags every sentence's words with t and compares the entities
// with the gold ones, both in earshot's types (sc maps the data set's).
// An entity is correct when its first token, last token and type all
// match.
func Evaluate(ctx context.Context, t *Tagger, sents []RawSentence, sc Scheme) (*Report, error) {
	return EvaluateWith(ctx, t, nil, sents, sc)
}

// EvaluateWith is Evaluate with the registry's products found as the
// enricher finds them (p nil: none): a product span replaces the tagger's
// spans it overlaps.
func EvaluateWith(ctx context.Context, t *Tagger, p *Products, sents []RawSentence, sc Scheme) (*Report, error) {
	rep := &Report{Scheme: sc.Name, ByType: map[string]*Counts{}}
	for _, ty := range Types {
		rep.ByType[ty] = &Counts{}
	}
	var labels []int
	var pred []WordSpan
	for i, s := range sents {
		if i%256 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		gold, err := spansFromTags(s.Tags, sc)
		if err != nil {
			return nil, fmt.Errorf("sentence at line %d: %w", s.Line, err)
		}
		rep.Sentences++
		rep.Tokens += len(s.Words)
		labels = t.TagWords(labels[:0], s.Words)
		pred = SpansFromLabels(pred[:0], labels)
		if p != nil {
			pred = p.overrideWords(pred, s.Words)
		}
		type key struct {
			start, end int
			typ        string
		}
		goldSet := map[key]bool{}
		ignored := map[[2]int]bool{}
		for _, g := range gold {
			if g.typ == "" {
				rep.Ignored++
				ignored[[2]int{g.start, g.end}] = true
				continue
			}
			goldSet[key{g.start, g.end, g.typ}] = true
			rep.ByType[g.typ].Gold++
			rep.Overall.Gold++
		}
		for _, p := range pred {
			if !sc.AnnotatesHandles && p.End == p.Start+1 && strings.HasPrefix(s.Words[p.Start], "@") {
				rep.HandlesLeftOut++
				continue
			}
			if ignored[[2]int{p.Start, p.End}] {
				continue
			}
			rep.ByType[p.Type].Predicted++
			rep.Overall.Predicted++
			if goldSet[key{p.Start, p.End, p.Type}] {
				rep.ByType[p.Type].Correct++
				rep.Overall.Correct++
			}
		}
	}
	return rep, nil
}

// WriteTo writes one name=value line per figure, entity_f1 last.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "scheme=%s\nsentences=%d\ntokens=%d\ngold_entities=%d\npredicted_entities=%d\ncorrect_entities=%d\nignored_gold_entities=%d\nhandles_left_out=%d\n",
		r.Scheme, r.Sentences, r.Tokens, r.Overall.Gold, r.Overall.Predicted, r.Overall.Correct, r.Ignored, r.HandlesLeftOut)
	for _, ty := range Types {
		c := r.ByType[ty]
		fmt.Fprintf(&b, "%s_support=%d\n%s_predicted=%d\n%s_precision=%.4f\n%s_recall=%.4f\n%s_f1=%.4f\n",
			ty, c.Gold, ty, c.Predicted, ty, c.Precision(), ty, c.Recall(), ty, c.F1())
	}
	fmt.Fprintf(&b, "precision=%.4f\nrecall=%.4f\nentity_f1=%.4f\n", r.Overall.Precision(), r.Overall.Recall(), r.Overall.F1())
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// ScoreSentences tags sents with t and counts exact-span entities against
// their labels; @handle predictions over Ignore tokens are left out (the
// data set did not annotate them).
func ScoreSentences(t *Tagger, sents []Sentence) Counts {
	var c Counts
	var labels []int
	var pred, gold []WordSpan
	for _, s := range sents {
		labels = t.TagWords(labels[:0], s.Words)
		pred = SpansFromLabels(pred[:0], labels)
		gold = SpansFromLabels(gold[:0], s.Labels)
		c.Gold += len(gold)
		for _, p := range pred {
			if s.Ignore != nil && p.End == p.Start+1 && s.Ignore[p.Start] && strings.HasPrefix(s.Words[p.Start], "@") {
				continue
			}
			c.Predicted++
			for _, g := range gold {
				if g == p {
					c.Correct++
					break
				}
			}
		}
	}
	return c
}
