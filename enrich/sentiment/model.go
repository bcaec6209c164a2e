package sentiment

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/earshot-dev/earshot/internal/wordmap"
)

// Classes of the model, in weight order.
const (
	ClassNegative = iota
	ClassNeutral
	ClassPositive
	NumClasses
)

// ClassLabels are the mention labels of the classes, in weight order.
var ClassLabels = [NumClasses]string{"negative", "neutral", "positive"}

// ModelInfo is the header of a weights file: everything but the hashed
// weight table.
type ModelInfo struct {
	FeatureVersion int `json:"feature_version"`
	// HashBits: the hashed table has 1<<HashBits rows of NumClasses
	// weights.
	HashBits int `json:"hash_bits"`
	// Scale converts the stored int16 weights to float: w = q · Scale.
	Scale float64                       `json:"scale"`
	Bias  [NumClasses]float64           `json:"bias"`
	Dense [NumDense][NumClasses]float64 `json:"dense"`
	// DecisionBias is added to the logits before taking the label (chosen
	// on the development files for macro-F1; the class priors of the
	// training data are not those of a brand's mentions).
	DecisionBias [NumClasses]float64 `json:"decision_bias"`
	// InboundDecisionBias, when set, replaces DecisionBias for a
	// customer's mention addressed to a brand (direction inbound): the
	// customer-care tweets the model was not trained on, where a problem
	// told in neutral words is a complaint and a "thanks" closing a
	// request is not praise. Chosen like DecisionBias, on the tune split
	// of the project's labelled brand-directed tweets (InboundChoices).
	InboundDecisionBias *[NumClasses]float64 `json:"inbound_decision_bias,omitempty"`
	// InboundChoices records the rows InboundDecisionBias was chosen on.
	InboundChoices *ChoiceFile `json:"inbound_choices,omitempty"`
	// Words is the number of words in the word table that follows the
	// hashed table (0: none). Each has NumClasses scores, w = q ·
	// WordScale: a text's logits get the average of its words' scores
	// (the word-vector features folded per word, see train/). With
	// Clusters > 0, each word also has a cluster id < Clusters, a hashed
	// feature (ClusterFeature, marked in a negation scope).
	Words     int     `json:"words,omitempty"`
	WordScale float64 `json:"word_scale,omitempty"`
	Clusters  int     `json:"clusters,omitempty"`
	// Blend is VADER's share of the compound score:
	// compound = Blend·VADER + (1−Blend)·(P(positive) − P(negative)),
	// chosen on the development part of VADER's tweets.
	Blend float64 `json:"blend"`

	// Provenance (not used for scoring).
	TrainedOn []TrainFile        `json:"trained_on"`
	DevFiles  []string           `json:"dev_files"`
	Training  map[string]any     `json:"training"`
	DevScores map[string]float64 `json:"dev_scores"`
	Licence   string             `json:"licence"`
}

// TrainFile is one training file and what was used of it.
type TrainFile struct {
	Path     string `json:"path"`
	SHA256   string `json:"sha256"`
	Examples int    `json:"examples"`
	// Dropped are rows left out because their id or text also occurs in
	// an evaluation file.
	Dropped int    `json:"dropped"`
	Licence string `json:"licence"`
	// RowWeight is how many times each of the file's rows counts in the
	// training (0 or absent: once).
	RowWeight int `json:"row_weight,omitempty"`
	// Split is set when only part of the file was used (trained on, or
	// used for choices): an evaluation of the same file (same SHA256)
	// must score only the rows of the HeldOut parts.
	Split *Split `json:"split,omitempty"`
}

// Split is how a file was split into parts: the rule (eval.SplitRule:
// rows grouped by a normalised text, part = hash mod Parts), the parts
// used and the parts held out, and their row counts.
type Split struct {
	Rule  string `json:"rule"`
	Parts int    `json:"parts"`
	// Train are the parts trained on, Dev the parts the choices were made
	// on (then folded into the final training when DevFolded), HeldOut
	// the parts never used.
	Train     []int `json:"train"`
	Dev       []int `json:"dev"`
	DevFolded bool  `json:"dev_folded"`
	HeldOut   []int `json:"held_out"`
	// Rows are the row counts by part (rows the reader keeps: "I can't
	// tell" and empty rows excluded).
	Rows []int `json:"rows"`
}

// ChoiceFile is a labelled file whose rows of one split a choice was made
// on (never trained on): an evaluation of the same file (same SHA256) must
// leave that split out.
type ChoiceFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	// Split is the value of the file's split column whose rows were used.
	Split   string `json:"split"`
	Rows    int    `json:"rows"`
	Licence string `json:"licence"`
}

// UsedFile returns the header's record of the file whose SHA-256 is sum
// (hex), if the model was trained on it, wholly or in part.
func (m *Model) UsedFile(sum string) (TrainFile, bool) {
	for _, tf := range m.Info.TrainedOn {
		if tf.SHA256 == sum {
			return tf, true
		}
	}
	return TrainFile{}, false
}

// WordTable is the per-word part of a weights file: for each word, its
// NumClasses scores and (when the model has clusters) its cluster.
type WordTable struct {
	Words    []string
	Scores   []float32 // NumClasses per word
	Clusters []uint16  // one per word, or nil
}

// maxWords bounds a weights file's word table.
const maxWords = 1 << 20

// Model is a multinomial logistic regression over Features.
type Model struct {
	Info ModelInfo
	// ID is the first 12 hex digits of the weights file's SHA-256.
	ID   string
	w    []int16
	mask uint64
	// The word table: index maps a word to its row in scores
	// (NumClasses per word) and clusters (nil without clusters).
	index    map[string]int32
	scores   []int16
	clusters []uint16
	// lexicon merges index with the cue table, built on first use.
	lexicon func() *lexicon
}

// lexEntry is what extract needs to know of a word: its cues (cue > 0:
// lexicon.cues[cue-1]) and, when indexed, its row in the model's word
// table. Eight bytes, so that the merged table is small (wordmap).
type lexEntry struct {
	id      int32
	cue     uint16
	indexed bool
}

// lexicon is a word index merged with the cue table: one look-up per word
// gives the answers a look-up in each would give (get).
type lexicon struct {
	words *wordmap.Map[lexEntry]
	cues  []wordCue
}

// mergeLexicon merges a word index with the cue table.
func mergeLexicon(index map[string]int32, cues *cueTable) *lexicon {
	words := make(map[string]lexEntry, len(index)+len(cues.words))
	l := &lexicon{cues: make([]wordCue, 0, len(cues.words))}
	for w, wc := range cues.words {
		if wc == (wordCue{}) {
			words[w] = lexEntry{}
			continue
		}
		l.cues = append(l.cues, wc)
		words[w] = lexEntry{cue: uint16(len(l.cues))}
	}
	if len(l.cues) > math.MaxUint16 {
		panic("sentiment: more than 65,535 cue words")
	}
	for w, id := range index {
		e := words[w]
		e.id, e.indexed = id, true
		words[w] = e
	}
	l.words = wordmap.New(words)
	return l
}

// get returns the cues of w, its row in the word table and whether it has
// one.
func (l *lexicon) get(w []byte) (wc wordCue, id int32, indexed bool) {
	e, _ := l.words.Get(w)
	if e.cue > 0 {
		wc = l.cues[e.cue-1]
	}
	return wc, e.id, e.indexed
}

const weightsMagic = "earshot-sentiment-weights\n"

// weightsFile is the shipped model; see train/ for how it is made.
//
//go:embed weights.bin.gz
var weightsFile []byte

// embedded loads the shipped model once.
var embedded = sync.OnceValues(func() (*Model, error) {
	if len(weightsFile) == 0 {
		return nil, errors.New("sentiment: no weights were embedded (run go run ./enrich/sentiment/train)")
	}
	return ReadModel(bytes.NewReader(weightsFile))
})

// EmbeddedModel returns the model shipped in the binary.
func EmbeddedModel() (*Model, error) { return embedded() }

// ReadModel reads a weights file written by WriteModel.
func ReadModel(r io.Reader) (*Model, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("sentiment: read weights: %w", err)
	}
	sum := sha256.Sum256(raw)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("sentiment: weights: %w", err)
	}
	br := bufio.NewReader(zr)
	magic := make([]byte, len(weightsMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != weightsMagic {
		return nil, errors.New("sentiment: not an earshot sentiment weights file")
	}
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("sentiment: weights header: %w", err)
	}
	m := &Model{ID: hex.EncodeToString(sum[:6])}
	if err := json.Unmarshal(line, &m.Info); err != nil {
		return nil, fmt.Errorf("sentiment: weights header: %w", err)
	}
	if m.Info.FeatureVersion != FeatureVersion {
		return nil, fmt.Errorf("sentiment: weights were trained with feature version %d, this code extracts version %d: retrain", m.Info.FeatureVersion, FeatureVersion)
	}
	if m.Info.HashBits < 10 || m.Info.HashBits > 24 {
		return nil, fmt.Errorf("sentiment: weights: hash_bits %d out of range 10..24", m.Info.HashBits)
	}
	n := (1 << m.Info.HashBits) * NumClasses
	m.w = make([]int16, n)
	if err := binary.Read(br, binary.LittleEndian, m.w); err != nil {
		return nil, fmt.Errorf("sentiment: weights table: %w", err)
	}
	if err := m.readWords(br); err != nil {
		return nil, fmt.Errorf("sentiment: weights word table: %w", err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, errors.New("sentiment: weights: trailing data after the tables")
	}
	m.mask = uint64(1)<<m.Info.HashBits - 1
	if idx := m.index; idx != nil {
		m.lexicon = sync.OnceValue(func() *lexicon { return mergeLexicon(idx, loadCues()) })
	}
	return m, nil
}

// lex is the merged word table, nil when the model has no word index.
func (m *Model) lex() *lexicon {
	if m.lexicon == nil {
		return nil
	}
	return m.lexicon()
}

// readWords reads the word table: Info.Words words (each a uvarint
// length and its bytes, strictly increasing), then NumClasses int16 scores
// per word, then (with Info.Clusters > 0) a uint16 cluster per word.
func (m *Model) readWords(br *bufio.Reader) error {
	n, k := m.Info.Words, m.Info.Clusters
	if n == 0 && k == 0 {
		return nil
	}
	if n < 0 || n > maxWords || k < 0 || k > 1<<16 || !(m.Info.WordScale > 0) || math.IsInf(m.Info.WordScale, 0) {
		return fmt.Errorf("words %d, clusters %d, word_scale %v out of range", n, k, m.Info.WordScale)
	}
	m.index = make(map[string]int32, n)
	prev := ""
	for i := range n {
		l, err := binary.ReadUvarint(br)
		if err != nil {
			return err
		}
		if l == 0 || l > 256 {
			return fmt.Errorf("word %d has length %d", i, l)
		}
		b := make([]byte, l)
		if _, err := io.ReadFull(br, b); err != nil {
			return err
		}
		w := string(b)
		if i > 0 && w <= prev {
			return fmt.Errorf("word %d %q is not after %q", i, w, prev)
		}
		m.index[w] = int32(i)
		prev = w
	}
	m.scores = make([]int16, n*NumClasses)
	if err := binary.Read(br, binary.LittleEndian, m.scores); err != nil {
		return err
	}
	if k > 0 {
		m.clusters = make([]uint16, n)
		if err := binary.Read(br, binary.LittleEndian, m.clusters); err != nil {
			return err
		}
		for i, c := range m.clusters {
			if int(c) >= k {
				return fmt.Errorf("word %d: cluster %d, want < %d", i, c, k)
			}
		}
	}
	return nil
}

// WriteModel writes info, the hashed table (NumClasses weights per row,
// 1<<info.HashBits rows) and the word table (nil for none; its words must
// be strictly increasing), quantised to int16, gzip-compressed. It sets
// info.Scale, info.Words and info.WordScale (info.Clusters is the
// caller's: the number of clusters when words has them).
func WriteModel(w io.Writer, info ModelInfo, table []float32, words *WordTable) error {
	if len(table) != (1<<info.HashBits)*NumClasses {
		return fmt.Errorf("sentiment: table has %d weights, want %d", len(table), (1<<info.HashBits)*NumClasses)
	}
	info.Scale = quantScale(table)
	info.Words, info.WordScale = 0, 0
	if words != nil {
		n := len(words.Words)
		if n == 0 || n > maxWords || len(words.Scores) != n*NumClasses || (words.Clusters != nil) != (info.Clusters > 0) ||
			(words.Clusters != nil && len(words.Clusters) != n) {
			return fmt.Errorf("sentiment: word table of %d words, %d scores, %d clusters (of %d)", n, len(words.Scores), len(words.Clusters), info.Clusters)
		}
		for i, wd := range words.Words {
			if len(wd) == 0 || len(wd) > 256 || i > 0 && wd <= words.Words[i-1] {
				return fmt.Errorf("sentiment: word table: word %d %q empty, too long or not after the previous one", i, wd)
			}
		}
		for _, c := range words.Clusters {
			if int(c) >= info.Clusters {
				return fmt.Errorf("sentiment: word table: cluster %d, want < %d", c, info.Clusters)
			}
		}
		info.Words, info.WordScale = n, quantScale(words.Scores)
	} else if info.Clusters != 0 {
		return errors.New("sentiment: clusters without a word table")
	}
	info.FeatureVersion = FeatureVersion
	header, err := json.Marshal(info)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	bw.WriteString(weightsMagic)
	bw.Write(header)
	bw.WriteByte('\n')
	q := make([]int16, len(table))
	for i, v := range table {
		q[i] = int16(math.Round(float64(v) / info.Scale))
	}
	if err := binary.Write(bw, binary.LittleEndian, q); err != nil {
		return err
	}
	if words != nil {
		var lb [binary.MaxVarintLen64]byte
		for _, wd := range words.Words {
			bw.Write(lb[:binary.PutUvarint(lb[:], uint64(len(wd)))])
			bw.WriteString(wd)
		}
		qs := make([]int16, len(words.Scores))
		for i, v := range words.Scores {
			qs[i] = int16(math.Round(float64(v) / info.WordScale))
		}
		if err := binary.Write(bw, binary.LittleEndian, qs); err != nil {
			return err
		}
		if words.Clusters != nil {
			if err := binary.Write(bw, binary.LittleEndian, words.Clusters); err != nil {
				return err
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// quantScale is the int16 quantisation step of values.
func quantScale(values []float32) float64 {
	maxAbs := 0.0
	for _, v := range values {
		maxAbs = max(maxAbs, math.Abs(float64(v)))
	}
	if maxAbs == 0 {
		return 1
	}
	return maxAbs / 32767
}

// WordIndex returns the model's word table (word → row), nil when it has
// none. Featurize sets it as Features.Index. The map must not be changed.
func (m *Model) WordIndex() map[string]int32 { return m.index }

// Logits returns the class scores of f. With a word table, f.Words must
// have been filled with the model's WordIndex.
func (m *Model) Logits(f *Features) [NumClasses]float64 {
	var acc [NumClasses]int32
	for _, h := range f.Hashed {
		row := (h & m.mask) * NumClasses
		w := m.w[row : row+NumClasses : row+NumClasses]
		acc[0] += int32(w[0])
		acc[1] += int32(w[1])
		acc[2] += int32(w[2])
	}
	var wacc [NumClasses]int32
	if m.index != nil {
		for _, v := range f.Words {
			id := int(v >> 2)
			s := m.scores[id*NumClasses : id*NumClasses+NumClasses : id*NumClasses+NumClasses]
			wacc[0] += int32(s[0])
			wacc[1] += int32(s[1])
			wacc[2] += int32(s[2])
			if m.clusters != nil {
				row := (ClusterFeature(int32(m.clusters[id]), v&2 != 0) & m.mask) * NumClasses
				w := m.w[row : row+NumClasses : row+NumClasses]
				acc[0] += int32(w[0])
				acc[1] += int32(w[1])
				acc[2] += int32(w[2])
			}
		}
	}
	var z [NumClasses]float64
	for c := range z {
		z[c] = m.Info.Bias[c] + float64(acc[c])*m.Info.Scale
	}
	if n := len(f.Words); n > 0 && m.index != nil {
		for c := range z {
			z[c] += float64(wacc[c]) * m.Info.WordScale / float64(n)
		}
	}
	for d, v := range f.Dense {
		if v != 0 {
			for c := range z {
				z[c] += float64(v) * m.Info.Dense[d][c]
			}
		}
	}
	return z
}

// Softmax turns logits into probabilities.
func Softmax(z [NumClasses]float64) [NumClasses]float64 {
	mx := max(z[0], z[1], z[2])
	var p [NumClasses]float64
	sum := 0.0
	for c := range z {
		p[c] = math.Exp(z[c] - mx)
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
	return p
}
