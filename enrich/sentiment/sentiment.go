// Package sentiment is the first sentiment enricher: VADER (Hutto & Gilbert,
// 2014), a lexicon and rule-based model tuned on social-media text, through
// its Go port github.com/jonreiter/govader (MIT licence, the original VADER
// lexicon).
//
// # Score
//
// Compound is VADER's normalised compound score, −1 (most negative) to 1.
// Label uses VADER's standard thresholds: positive when compound ≥ t,
// negative when compound ≤ −t, neutral otherwise, with t = 0.05 by default
// (Config.Threshold).
//
// Before scoring, the text is cleaned the way VADER's own tweet studies
// prepare it: URLs and @mentions are removed (a handle such as "@united" or
// "@Lovehoney" would otherwise be read as a word), HTML entities are
// decoded ("&amp;" → "&"), and white space is collapsed (govader splits on
// single spaces only, and the reference implementation on any white space).
//
// # Confidence
//
// Confidence (0..1) says how far the score is from flipping the label, so
// that consumers can drop or down-weight weak calls:
//
//   - positive / negative: 0.5 + 0.5 · (|compound| − t) / (1 − t): 0.5 on the
//     threshold, 1 at ±1.
//   - neutral: 0.5 + 0.5 · (1 − |compound| / t) · neu, where neu is VADER's
//     share of neutral tokens: 1 for a text without any sentiment-bearing
//     word; lower when positive and negative words cancel out (a mixed text
//     is a weak neutral); 0.5 for a text with no scorable word at all.
//
// It is a margin, not a calibrated probability: the dataset test in this
// package reports the accuracy observed per confidence band.
package sentiment

import (
	"context"
	"fmt"
	"html"
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/jonreiter/govader"

	"github.com/earshot-dev/earshot/mention"
)

// Version is recorded in the pipeline's version string.
const Version = "vader-1"

// Config is the "sentiment" sub-section of the enrich configuration.
type Config struct {
	// Threshold is VADER's neutral band: |compound| < threshold is neutral.
	Threshold float64 `yaml:"threshold"`
}

// DefaultThreshold is VADER's standard threshold.
const DefaultThreshold = 0.05

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{Threshold: DefaultThreshold} }

// Validate names the field that is wrong and how to fix it.
func (c Config) Validate() error {
	if !(c.Threshold > 0 && c.Threshold < 1) {
		return fmt.Errorf("enrich.sentiment.threshold: %v, want 0 < threshold < 1 (VADER's standard is %v)", c.Threshold, DefaultThreshold)
	}
	return nil
}

// analyzer is built once per process (loading the lexicon takes ≈ 10 ms
// and a few MB) and shared: after construction govader only reads its maps
// and compiled regular expressions, so concurrent PolarityScores calls are
// safe (checked by TestConcurrent under the race detector).
var analyzer = sync.OnceValue(govader.NewSentimentIntensityAnalyzer)

// Enricher implements enrich.Enricher.
type Enricher struct {
	sia       *govader.SentimentIntensityAnalyzer
	threshold float64
}

// New returns the enricher, sharing the process's analyzer.
func New(cfg Config) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Enricher{sia: analyzer(), threshold: cfg.Threshold}, nil
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return "sentiment" }

// Version implements enrich.Versioned.
func (e *Enricher) Version() string { return Version }

// Enrich sets m.Sentiment.
func (e *Enricher) Enrich(_ context.Context, m *mention.Mention) error {
	s := e.Score(m.Text)
	m.Sentiment = &s
	return nil
}

// Score scores a text.
func (e *Enricher) Score(text string) mention.Sentiment {
	var b strings.Builder
	clean(&b, text)
	return e.fromScores(e.sia.PolarityScores(b.String()))
}

func (e *Enricher) fromScores(ps govader.Sentiment) mention.Sentiment {
	c := ps.Compound
	if math.IsNaN(c) {
		c = 0
	}
	c = max(-1, min(1, c))
	t := e.threshold
	s := mention.Sentiment{Compound: c}
	switch {
	case c >= t:
		s.Label = mention.SentimentPositive
		s.Confidence = 0.5 + 0.5*(c-t)/(1-t)
	case c <= -t:
		s.Label = mention.SentimentNegative
		s.Confidence = 0.5 + 0.5*(-c-t)/(1-t)
	default:
		s.Label = mention.SentimentNeutral
		neu := ps.Neutral
		if math.IsNaN(neu) {
			neu = 0
		}
		s.Confidence = 0.5 + 0.5*(1-math.Abs(c)/t)*max(0, min(1, neu))
	}
	s.Confidence = max(0, min(1, s.Confidence))
	return s
}

// clean writes text to b without URLs and @mentions, with HTML entities
// decoded and runs of white space collapsed to one space.
func clean(b *strings.Builder, text string) {
	if strings.IndexByte(text, '&') >= 0 {
		text = html.UnescapeString(text)
	}
	b.Grow(len(text))
	tokenStart, pendingSpace := true, false
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if unicode.IsSpace(r) {
			tokenStart, pendingSpace = true, b.Len() > 0
			i += size
			continue
		}
		if tokenStart { // skip URLs and @mentions
			tokenStart = false
			if j := skipToken(text, i); j > i {
				i = j
				continue
			}
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteString(text[i : i+size])
		i += size
	}
}

// skipToken returns the end of a URL or an @mention starting at i, or i.
func skipToken(text string, i int) int {
	rest := text[i:]
	isURL := hasPrefixFold(rest, "http://") || hasPrefixFold(rest, "https://") || hasPrefixFold(rest, "www.")
	isMention := len(rest) > 1 && rest[0] == '@' && isHandleByte(rest[1])
	if !isURL && !isMention {
		return i
	}
	j := i
	if isMention {
		j++
		for j < len(text) && isHandleByte(text[j]) {
			j++
		}
		return j // keeps punctuation after the handle ("@KLM:" → ":")
	}
	for j < len(text) {
		r, size := rune(text[j]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[j:])
		}
		if unicode.IsSpace(r) {
			break
		}
		j += size
	}
	return j
}

func isHandleByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for k := 0; k < len(prefix); k++ {
		c := s[k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[k] {
			return false
		}
	}
	return true
}
