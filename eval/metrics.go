// Package eval measures earshot's enrichers on labelled public data: the
// metrics (confusion matrix, per-class precision, recall and F1, macro
// averages, accuracy, Pearson correlation), the readers of the data-set
// formats, and the evaluation runs behind `earshot eval`.
//
// Conventions, the same as scikit-learn's with zero_division=0: a class
// that is never predicted has precision 0, a class that never occurs in the
// gold labels has recall 0, and F1 is 0 when precision + recall is 0. Macro
// averages are unweighted means over every class of the task (a class
// absent from a small file still counts), so that figures on different
// files are comparable.
package eval

import (
	"fmt"
	"math"
)

// Confusion is a confusion matrix over a fixed list of classes.
// Counts[g][p] is the number of items of gold class g predicted as p.
type Confusion struct {
	Classes []string
	Counts  [][]int
	index   map[string]int
}

// NewConfusion returns an empty matrix over classes (distinct, non-empty).
func NewConfusion(classes ...string) *Confusion {
	c := &Confusion{Classes: append([]string(nil), classes...), index: make(map[string]int, len(classes))}
	c.Counts = make([][]int, len(classes))
	for i, name := range classes {
		if name == "" {
			panic("eval: empty class name")
		}
		if _, dup := c.index[name]; dup {
			panic("eval: duplicate class " + name)
		}
		c.index[name] = i
		c.Counts[i] = make([]int, len(classes))
	}
	return c
}

// Add counts one item. It returns an error, and counts nothing, when gold
// or predicted is not one of the matrix's classes.
func (c *Confusion) Add(gold, predicted string) error {
	g, ok := c.index[gold]
	if !ok {
		return fmt.Errorf("eval: gold label %q is not one of %v", gold, c.Classes)
	}
	p, ok := c.index[predicted]
	if !ok {
		return fmt.Errorf("eval: predicted label %q is not one of %v", predicted, c.Classes)
	}
	c.Counts[g][p]++
	return nil
}

// N is the number of items counted.
func (c *Confusion) N() int {
	n := 0
	for _, row := range c.Counts {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// Accuracy is the share of items predicted correctly (0 when empty).
func (c *Confusion) Accuracy() float64 {
	n, ok := c.N(), 0
	for i := range c.Counts {
		ok += c.Counts[i][i]
	}
	return ratio(ok, n)
}

// ClassScores are one class's figures.
type ClassScores struct {
	Class     string
	Support   int // gold items of the class
	Predicted int // items predicted as the class
	Precision float64
	Recall    float64
	F1        float64
}

// Class returns the scores of one class; ok is false for an unknown class.
func (c *Confusion) Class(name string) (s ClassScores, ok bool) {
	i, ok := c.index[name]
	if !ok {
		return ClassScores{}, false
	}
	tp := c.Counts[i][i]
	s.Class = name
	for j := range c.Counts {
		s.Support += c.Counts[i][j]
		s.Predicted += c.Counts[j][i]
	}
	s.Precision = ratio(tp, s.Predicted)
	s.Recall = ratio(tp, s.Support)
	s.F1 = f1(s.Precision, s.Recall)
	return s, true
}

// PerClass returns every class's scores in class order.
func (c *Confusion) PerClass() []ClassScores {
	out := make([]ClassScores, len(c.Classes))
	for i, name := range c.Classes {
		out[i], _ = c.Class(name)
	}
	return out
}

// MacroF1 is the unweighted mean F1 over all classes.
func (c *Confusion) MacroF1() float64 {
	return c.macro(func(s ClassScores) float64 { return s.F1 })
}

// MacroRecall is the unweighted mean recall over all classes (SemEval
// 2017's primary measure, "AvgRec").
func (c *Confusion) MacroRecall() float64 {
	return c.macro(func(s ClassScores) float64 { return s.Recall })
}

// MacroPrecision is the unweighted mean precision over all classes.
func (c *Confusion) MacroPrecision() float64 {
	return c.macro(func(s ClassScores) float64 { return s.Precision })
}

// MeanF1 is the mean F1 of the named classes (SemEval's F1^PN is
// MeanF1("positive", "negative")). Unknown classes are an error.
func (c *Confusion) MeanF1(classes ...string) (float64, error) {
	if len(classes) == 0 {
		return 0, fmt.Errorf("eval: MeanF1 of no class")
	}
	sum := 0.0
	for _, name := range classes {
		s, ok := c.Class(name)
		if !ok {
			return 0, fmt.Errorf("eval: class %q is not one of %v", name, c.Classes)
		}
		sum += s.F1
	}
	return sum / float64(len(classes)), nil
}

func (c *Confusion) macro(f func(ClassScores) float64) float64 {
	if len(c.Classes) == 0 {
		return 0
	}
	sum := 0.0
	for _, s := range c.PerClass() {
		sum += f(s)
	}
	return sum / float64(len(c.Classes))
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// Pearson returns Pearson's correlation coefficient of x and y. It returns
// an error when the lengths differ, there are fewer than two pairs, a value
// is not finite, or either series is constant (r is undefined).
func Pearson(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		return 0, fmt.Errorf("eval: Pearson of %d and %d values", len(x), len(y))
	}
	n := len(x)
	if n < 2 {
		return 0, fmt.Errorf("eval: Pearson needs at least 2 pairs, got %d", n)
	}
	var mx, my float64
	for i := range x {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) || math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			return 0, fmt.Errorf("eval: Pearson: pair %d (%v, %v) is not finite", i, x[i], y[i])
		}
		mx += x[i]
		my += y[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0, fmt.Errorf("eval: Pearson undefined: a series is constant")
	}
	r := sxy / math.Sqrt(sxx*syy)
	return max(-1, min(1, r)), nil
}
