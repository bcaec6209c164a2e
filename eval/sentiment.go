package eval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/mention"
)

// Line is one name=value line of a report.
type Line struct {
	Name  string
	Value string
}

// Report is an evaluation's output: name=value lines, the headline last.
type Report struct {
	Lines []Line
}

func (r *Report) int(name string, v int) { r.Lines = append(r.Lines, Line{name, strconv.Itoa(v)}) }
func (r *Report) frac(name string, v float64) {
	r.Lines = append(r.Lines, Line{name, strconv.FormatFloat(v, 'f', 4, 64)})
}

// Value returns the value of the named line.
func (r *Report) Value(name string) (string, bool) {
	for _, l := range r.Lines {
		if l.Name == name {
			return l.Value, true
		}
	}
	return "", false
}

// Float returns the named line's value as a number.
func (r *Report) Float(name string) (float64, error) {
	v, ok := r.Value(name)
	if !ok {
		return 0, fmt.Errorf("eval: report has no %s", name)
	}
	return strconv.ParseFloat(v, 64)
}

// WriteTo writes one name=value line per line.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, l := range r.Lines {
		k, err := fmt.Fprintf(w, "%s=%s\n", l.Name, l.Value)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// SentimentClasses are the three labels in report order.
var SentimentClasses = []string{mention.SentimentPositive, mention.SentimentNeutral, mention.SentimentNegative}

// Scorer scores a text's sentiment.
type Scorer interface {
	Score(ctx context.Context, text string) (mention.Sentiment, error)
}

// EnricherScorer scores texts with an enricher (the project's sentiment
// enricher, or a whole pipeline): each text becomes a minimal valid
// mention, and the enricher's Sentiment is read back.
type EnricherScorer struct {
	Enricher enrich.Enricher
	// Direction is every mention's direction: mention.DirectionInbound
	// scores each text as a customer's mention addressed to a brand, as
	// the pipeline does once the brands enricher has said so; empty
	// leaves it unset.
	Direction string
}

var evalTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Score implements Scorer.
func (s EnricherScorer) Score(ctx context.Context, text string) (mention.Sentiment, error) {
	m := &mention.Mention{V: mention.Version, ID: "eval:1", Platform: "eval", NativeID: "1", CreatedAt: evalTime,
		IngestedAt: evalTime, Source: "eval", Author: mention.Author{ID: "eval"}, Text: text, ConversationID: "eval:1", Direction: s.Direction}
	if err := s.Enricher.Enrich(ctx, m); err != nil {
		return mention.Sentiment{}, err
	}
	if m.Sentiment == nil {
		return mention.Sentiment{}, fmt.Errorf("eval: enricher %s set no sentiment", s.Enricher.Name())
	}
	return *m.Sentiment, nil
}

// Sentiment scores every example of d and reports:
//
//   - three-class formats (semeval, s140, crowdflower): n, the skipped
//     counts, accuracy, per class precision/recall/f1, f1_pn (the mean F1
//     of positive and negative, SemEval 2016's measure), macro_recall
//     (SemEval 2017's), and last macro_f1; s140 adds accuracy_pos_neg and
//     polarity_accuracy_pos_neg over the positive and negative rows (the
//     latter counting a compound ≥ 0 as positive, as binary VADER studies
//     do).
//   - vader: n, the skipped counts, sign_n (rows whose mean is not 0),
//     sign_accuracy (the share of those where the compound has the mean's
//     sign; a compound of 0 is a miss), neutral_predicted, and last
//     pearson_r between compound and the human mean.
//
// A texts the scorer fails on is counted in scorer_errors and left out;
// an error is returned when ctx ends or nothing could be scored.
func Sentiment(ctx context.Context, d *Dataset, s Scorer) (*Report, error) {
	r := &Report{}
	preds := make([]mention.Sentiment, 0, len(d.Examples))
	gold := make([]Example, 0, len(d.Examples))
	scorerErrors := 0
	for i := range d.Examples {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		p, err := s.Score(ctx, d.Examples[i].Text)
		if err != nil || !validLabel(p.Label) || math.IsNaN(p.Compound) {
			scorerErrors++
			continue
		}
		preds = append(preds, p)
		gold = append(gold, d.Examples[i])
	}
	if len(preds) == 0 {
		return nil, errors.New("eval: no example could be scored (empty file, or every row skipped: see the skipped counts)")
	}
	r.int("n", len(preds))
	r.int("skipped", d.SkippedTotal())
	for _, reason := range d.SkipReasons() {
		r.int("skipped_"+reason, d.Skipped[reason])
	}
	r.int("scorer_errors", scorerErrors)

	if d.Format == FormatVADER {
		x := make([]float64, len(preds))
		y := make([]float64, len(preds))
		signN, signOK, neutral := 0, 0, 0
		for i := range preds {
			x[i], y[i] = preds[i].Compound, gold[i].Score
			if preds[i].Label == mention.SentimentNeutral {
				neutral++
			}
			if gold[i].Score != 0 {
				signN++
				if preds[i].Compound != 0 && (preds[i].Compound > 0) == (gold[i].Score > 0) {
					signOK++
				}
			}
		}
		pr, err := Pearson(x, y)
		if err != nil {
			return nil, err
		}
		r.int("sign_n", signN)
		r.frac("sign_accuracy", ratio(signOK, signN))
		r.frac("neutral_predicted", ratio(neutral, len(preds)))
		r.frac("pearson_r", pr)
		return r, nil
	}

	c := NewConfusion(SentimentClasses...)
	pnN, pnOK, pnPolOK := 0, 0, 0
	for i := range preds {
		if err := c.Add(gold[i].Label, preds[i].Label); err != nil {
			return nil, err // readers and validLabel make this unreachable
		}
		if gold[i].Label != mention.SentimentNeutral {
			pnN++
			if preds[i].Label == gold[i].Label {
				pnOK++
			}
			if (preds[i].Compound >= 0) == (gold[i].Label == mention.SentimentPositive) {
				pnPolOK++
			}
		}
	}
	for _, cs := range c.PerClass() {
		r.int("support_"+cs.Class, cs.Support)
	}
	r.frac("accuracy", c.Accuracy())
	if d.Format == FormatS140 {
		r.int("n_pos_neg", pnN)
		r.frac("accuracy_pos_neg", ratio(pnOK, pnN))
		r.frac("polarity_accuracy_pos_neg", ratio(pnPolOK, pnN))
	}
	for _, cs := range c.PerClass() {
		r.frac("precision_"+cs.Class, cs.Precision)
		r.frac("recall_"+cs.Class, cs.Recall)
	}
	for _, cs := range c.PerClass() {
		r.frac("f1_"+cs.Class, cs.F1)
	}
	pn, _ := c.MeanF1(mention.SentimentPositive, mention.SentimentNegative)
	r.frac("f1_pn", pn)
	r.frac("macro_recall", c.MacroRecall())
	r.frac("macro_f1", c.MacroF1())
	return r, nil
}

func validLabel(l string) bool {
	return l == mention.SentimentPositive || l == mention.SentimentNeutral || l == mention.SentimentNegative
}
