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
}

// Model is a multinomial logistic regression over Features.
type Model struct {
	Info ModelInfo
	// ID is the first 12 hex digits of the weights file's SHA-256.
	ID   string
	w    []int16
	mask uint64
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
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, errors.New("sentiment: weights: trailing data after the table")
	}
	m.mask = uint64(1)<<m.Info.HashBits - 1
	return m, nil
}

// WriteModel writes info and the hashed table (NumClasses weights per row,
// 1<<info.HashBits rows), quantised to int16, gzip-compressed. It sets
// info.Scale.
func WriteModel(w io.Writer, info ModelInfo, table []float32) error {
	if len(table) != (1<<info.HashBits)*NumClasses {
		return fmt.Errorf("sentiment: table has %d weights, want %d", len(table), (1<<info.HashBits)*NumClasses)
	}
	maxAbs := 0.0
	for _, v := range table {
		maxAbs = max(maxAbs, math.Abs(float64(v)))
	}
	info.Scale = maxAbs / 32767
	if info.Scale == 0 {
		info.Scale = 1
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
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// Logits returns the class scores of f.
func (m *Model) Logits(f *Features) [NumClasses]float64 {
	var acc [NumClasses]int32
	for _, h := range f.Hashed {
		row := (h & m.mask) * NumClasses
		w := m.w[row : row+NumClasses : row+NumClasses]
		acc[0] += int32(w[0])
		acc[1] += int32(w[1])
		acc[2] += int32(w[2])
	}
	var z [NumClasses]float64
	for c := range z {
		z[c] = m.Info.Bias[c] + float64(acc[c])*m.Info.Scale
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
