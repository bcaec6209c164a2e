package eval

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestConfusion(t *testing.T) {
	type pair struct{ gold, pred string }
	rep := func(p pair, n int) []pair {
		out := make([]pair, n)
		for i := range out {
			out[i] = p
		}
		return out
	}
	cat := func(ps ...[]pair) []pair {
		var out []pair
		for _, p := range ps {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name    string
		classes []string
		pairs   []pair
		// hand-computed
		accuracy, macroF1, macroRecall, macroPrecision float64
		perClass                                       map[string][3]float64 // precision, recall, f1
		support                                        map[string]int
	}{
		{
			name:    "three classes",
			classes: []string{"positive", "neutral", "negative"},
			// gold positive: 3→positive 1→neutral; gold neutral: 1→positive 2→neutral 1→negative;
			// gold negative: 1→neutral 1→negative.
			pairs: cat(rep(pair{"positive", "positive"}, 3), rep(pair{"positive", "neutral"}, 1),
				rep(pair{"neutral", "positive"}, 1), rep(pair{"neutral", "neutral"}, 2), rep(pair{"neutral", "negative"}, 1),
				rep(pair{"negative", "neutral"}, 1), rep(pair{"negative", "negative"}, 1)),
			accuracy: 0.6,
			perClass: map[string][3]float64{
				"positive": {0.75, 0.75, 0.75},
				"neutral":  {0.5, 0.5, 0.5},
				"negative": {0.5, 0.5, 0.5}, // predicted twice (once from neutral), right once
			},
			support:        map[string]int{"positive": 4, "neutral": 4, "negative": 2},
			macroF1:        (0.75 + 0.5 + 0.5) / 3,
			macroRecall:    (0.75 + 0.5 + 0.5) / 3,
			macroPrecision: (0.75 + 0.5 + 0.5) / 3,
		},
		{
			name:     "a class never seen nor predicted counts as 0",
			classes:  []string{"a", "b", "c"},
			pairs:    []pair{{"a", "a"}, {"a", "b"}, {"b", "b"}},
			accuracy: 2.0 / 3,
			perClass: map[string][3]float64{
				"a": {1, 0.5, 2.0 / 3},
				"b": {0.5, 1, 2.0 / 3},
				"c": {0, 0, 0},
			},
			support:        map[string]int{"a": 2, "b": 1, "c": 0},
			macroF1:        (2.0/3 + 2.0/3) / 3,
			macroRecall:    1.5 / 3,
			macroPrecision: 1.5 / 3,
		},
		{
			name:     "perfect",
			classes:  []string{"x", "y"},
			pairs:    []pair{{"x", "x"}, {"y", "y"}, {"y", "y"}},
			accuracy: 1, macroF1: 1, macroRecall: 1, macroPrecision: 1,
			perClass: map[string][3]float64{"x": {1, 1, 1}, "y": {1, 1, 1}},
			support:  map[string]int{"x": 1, "y": 2},
		},
		{
			name:     "all wrong",
			classes:  []string{"x", "y"},
			pairs:    []pair{{"x", "y"}, {"y", "x"}},
			perClass: map[string][3]float64{"x": {0, 0, 0}, "y": {0, 0, 0}},
			support:  map[string]int{"x": 1, "y": 1},
		},
		{
			name:     "empty",
			classes:  []string{"x", "y"},
			perClass: map[string][3]float64{"x": {0, 0, 0}, "y": {0, 0, 0}},
			support:  map[string]int{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewConfusion(tt.classes...)
			for _, p := range tt.pairs {
				if err := c.Add(p.gold, p.pred); err != nil {
					t.Fatal(err)
				}
			}
			if c.N() != len(tt.pairs) {
				t.Errorf("N = %d, want %d", c.N(), len(tt.pairs))
			}
			if !near(c.Accuracy(), tt.accuracy) {
				t.Errorf("Accuracy = %v, want %v", c.Accuracy(), tt.accuracy)
			}
			if !near(c.MacroF1(), tt.macroF1) {
				t.Errorf("MacroF1 = %v, want %v", c.MacroF1(), tt.macroF1)
			}
			if !near(c.MacroRecall(), tt.macroRecall) {
				t.Errorf("MacroRecall = %v, want %v", c.MacroRecall(), tt.macroRecall)
			}
			if !near(c.MacroPrecision(), tt.macroPrecision) {
				t.Errorf("MacroPrecision = %v, want %v", c.MacroPrecision(), tt.macroPrecision)
			}
			for class, want := range tt.perClass {
				s, ok := c.Class(class)
				if !ok {
					t.Fatalf("class %s unknown", class)
				}
				if !near(s.Precision, want[0]) || !near(s.Recall, want[1]) || !near(s.F1, want[2]) {
					t.Errorf("%s: P/R/F1 = %v/%v/%v, want %v", class, s.Precision, s.Recall, s.F1, want)
				}
				if s.Support != tt.support[class] {
					t.Errorf("%s: support %d, want %d", class, s.Support, tt.support[class])
				}
			}
		})
	}
}

func TestConfusionMeanF1AndErrors(t *testing.T) {
	c := NewConfusion("positive", "neutral", "negative")
	for _, p := range [][2]string{{"positive", "positive"}, {"positive", "positive"}, {"positive", "positive"}, {"positive", "neutral"},
		{"neutral", "positive"}, {"neutral", "neutral"}, {"neutral", "neutral"}, {"neutral", "negative"},
		{"negative", "neutral"}, {"negative", "negative"}} {
		if err := c.Add(p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	pn, err := c.MeanF1("positive", "negative")
	if err != nil || !near(pn, (0.75+0.5)/2) {
		t.Errorf("MeanF1(positive, negative) = %v, %v; want %v", pn, err, (0.75+0.5)/2)
	}
	if _, err := c.MeanF1("mixed"); err == nil {
		t.Error("MeanF1 of an unknown class: no error")
	}
	if _, err := c.MeanF1(); err == nil {
		t.Error("MeanF1 of nothing: no error")
	}
	if err := c.Add("mixed", "positive"); err == nil {
		t.Error("Add with an unknown gold label: no error")
	}
	if err := c.Add("positive", ""); err == nil {
		t.Error("Add with an unknown prediction: no error")
	}
	if c.N() != 10 {
		t.Errorf("N = %d after rejected Adds, want 10", c.N())
	}
}

func TestPearson(t *testing.T) {
	tests := []struct {
		name    string
		x, y    []float64
		want    float64
		wantErr bool
	}{
		{"perfect", []float64{1, 2, 3}, []float64{2, 4, 6}, 1, false},
		{"inverse", []float64{1, 2, 3}, []float64{6, 4, 2}, -1, false},
		// dx = dy = ±1.5, ±0.5 with two swapped: Σdxdy = 4, Σdx² = Σdy² = 5.
		{"hand-computed 0.8", []float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}, 0.8, false},
		{"uncorrelated", []float64{1, 2, 3, 4}, []float64{1, -1, -1, 1}, 0, false},
		{"constant", []float64{1, 1, 1}, []float64{1, 2, 3}, 0, true},
		{"length mismatch", []float64{1, 2}, []float64{1, 2, 3}, 0, true},
		{"one pair", []float64{1}, []float64{1}, 0, true},
		{"NaN", []float64{1, math.NaN(), 3}, []float64{1, 2, 3}, 0, true},
		{"Inf", []float64{1, 2, 3}, []float64{1, math.Inf(1), 3}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Pearson(tt.x, tt.y)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !near(got, tt.want) {
				t.Errorf("r = %v, want %v", got, tt.want)
			}
		})
	}
}
