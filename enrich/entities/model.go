package entities

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
	"sort"
	"sync"
)

// ModelInfo is the header of a weights file.
type ModelInfo struct {
	FeatureVersion int `json:"feature_version"`
	// HashBits: the hashed table has 1<<HashBits rows of NumLabels weights.
	HashBits int `json:"hash_bits"`
	// Scale converts the stored int16 weights to float: w = q · Scale.
	Scale float64 `json:"scale"`
	// Labels names the labels in weight order.
	Labels []string `json:"labels"`

	// Provenance (not used for tagging).
	TrainedOn []TrainFile      `json:"trained_on"`
	Training  map[string]any   `json:"training"`
	Licence   string           `json:"licence"`
	Gazetteer string           `json:"gazetteer"`
	Stats     map[string]int64 `json:"stats,omitempty"`
}

// TrainFile is one training file.
type TrainFile struct {
	Path      string `json:"path"`
	Scheme    string `json:"scheme"`
	SHA256    string `json:"sha256"`
	Sentences int    `json:"sentences"`
	Licence   string `json:"licence"`
}

// Model is an averaged-perceptron BIO tagger over hashed features.
type Model struct {
	Info ModelInfo
	// ID is the first 12 hex digits of the weights file's SHA-256.
	ID string
	w  []int16
	// vocab holds the words that the training text mostly writes in lower
	// case: a capitalised one is then less likely a name.
	vocab map[string]struct{}
	mask  uint64
}

const weightsMagic = "earshot-entities-weights\n"

//go:embed weights.bin.gz
var weightsFile []byte

var (
	defaultOnce  sync.Once
	defaultModel *Model
	defaultErr   error
)

// DefaultModel returns the shipped model (see train/).
func DefaultModel() (*Model, error) {
	defaultOnce.Do(func() {
		defaultModel, defaultErr = ReadModel(bytes.NewReader(weightsFile))
		if defaultErr != nil {
			defaultErr = fmt.Errorf("entities: the embedded weights.bin.gz: %w (regenerate with go run ./enrich/entities/train)", defaultErr)
		}
	})
	return defaultModel, defaultErr
}

// maxHashBits bounds the table (2^24 rows × 9 labels × 2 bytes = 288 MiB).
const maxHashBits = 24

// ReadModel reads a gzip-compressed weights file: magic, header length
// (uint32), JSON header, vocabulary count (uint32) and words (uint8 length
// + bytes), then the weights: int16 little-endian, row-major, 1<<HashBits
// rows of NumLabels, stored sparsely as (row index uint32, NumLabels int16)
// for the non-zero rows, preceded by their count (uint32).
func ReadModel(r io.Reader) (*Model, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("not gzip: %w", err)
	}
	br := bufio.NewReader(io.LimitReader(zr, 512<<20))
	magic := make([]byte, len(weightsMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != weightsMagic {
		return nil, errors.New("not an entities weights file (bad magic)")
	}
	var n uint32
	if err := binary.Read(br, binary.LittleEndian, &n); err != nil || n > 1<<20 {
		return nil, fmt.Errorf("bad header length %d: %v", n, err)
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	m := &Model{ID: hex.EncodeToString(sum[:])[:12]}
	if err := json.Unmarshal(hdr, &m.Info); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if m.Info.FeatureVersion != FeatureVersion {
		return nil, fmt.Errorf("feature version %d, this build computes version %d", m.Info.FeatureVersion, FeatureVersion)
	}
	if m.Info.HashBits < 8 || m.Info.HashBits > maxHashBits {
		return nil, fmt.Errorf("hash_bits %d, want 8..%d", m.Info.HashBits, maxHashBits)
	}
	if len(m.Info.Labels) != NumLabels {
		return nil, fmt.Errorf("%d labels, want %d", len(m.Info.Labels), NumLabels)
	}
	for i, l := range m.Info.Labels {
		if l != LabelName(i) {
			return nil, fmt.Errorf("label %d is %q, want %q", i, l, LabelName(i))
		}
	}
	if !(m.Info.Scale > 0) || math.IsInf(m.Info.Scale, 0) {
		return nil, fmt.Errorf("scale %v, want > 0", m.Info.Scale)
	}
	var nv uint32
	if err := binary.Read(br, binary.LittleEndian, &nv); err != nil || nv > 1<<22 {
		return nil, fmt.Errorf("bad vocabulary size %d: %v", nv, err)
	}
	m.vocab = make(map[string]struct{}, nv)
	buf := make([]byte, 256)
	for i := uint32(0); i < nv; i++ {
		l, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("vocabulary: %w", err)
		}
		if _, err := io.ReadFull(br, buf[:l]); err != nil {
			return nil, fmt.Errorf("vocabulary: %w", err)
		}
		m.vocab[string(buf[:l])] = struct{}{}
	}
	rows := 1 << m.Info.HashBits
	m.mask = uint64(rows - 1)
	m.w = make([]int16, rows*NumLabels)
	var nz uint32
	if err := binary.Read(br, binary.LittleEndian, &nz); err != nil || int(nz) > rows {
		return nil, fmt.Errorf("bad row count %d: %v", nz, err)
	}
	rec := make([]byte, 4+2*NumLabels)
	for i := uint32(0); i < nz; i++ {
		if _, err := io.ReadFull(br, rec); err != nil {
			return nil, fmt.Errorf("weights: %w", err)
		}
		row := binary.LittleEndian.Uint32(rec)
		if int(row) >= rows {
			return nil, fmt.Errorf("weights: row %d out of range", row)
		}
		for c := 0; c < NumLabels; c++ {
			m.w[int(row)*NumLabels+c] = int16(binary.LittleEndian.Uint16(rec[4+2*c:]))
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, errors.New("trailing data after the weights")
	}
	return m, nil
}

// WriteModel writes a weights file (see ReadModel) with gzip at the best
// compression and no timestamp, so that the bytes depend only on the
// model.
func WriteModel(w io.Writer, info ModelInfo, weights []int16, vocab []string) error {
	rows := 1 << info.HashBits
	if len(weights) != rows*NumLabels {
		return fmt.Errorf("%d weights, want %d", len(weights), rows*NumLabels)
	}
	info.Labels = make([]string, NumLabels)
	for i := range info.Labels {
		info.Labels[i] = LabelName(i)
	}
	info.FeatureVersion = FeatureVersion
	hdr, err := json.Marshal(info)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	bw.WriteString(weightsMagic)
	binary.Write(bw, binary.LittleEndian, uint32(len(hdr)))
	bw.Write(hdr)
	vocab = append([]string(nil), vocab...)
	sort.Strings(vocab)
	var kept []string
	for _, v := range vocab {
		if len(v) > 0 && len(v) < 256 {
			kept = append(kept, v)
		}
	}
	binary.Write(bw, binary.LittleEndian, uint32(len(kept)))
	for _, v := range kept {
		bw.WriteByte(byte(len(v)))
		bw.WriteString(v)
	}
	var nz uint32
	for r := 0; r < rows; r++ {
		if !zeroRow(weights[r*NumLabels : (r+1)*NumLabels]) {
			nz++
		}
	}
	binary.Write(bw, binary.LittleEndian, nz)
	rec := make([]byte, 4+2*NumLabels)
	for r := 0; r < rows; r++ {
		row := weights[r*NumLabels : (r+1)*NumLabels]
		if zeroRow(row) {
			continue
		}
		binary.LittleEndian.PutUint32(rec, uint32(r))
		for c, v := range row {
			binary.LittleEndian.PutUint16(rec[4+2*c:], uint16(v))
		}
		bw.Write(rec)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

func zeroRow(r []int16) bool {
	for _, v := range r {
		if v != 0 {
			return false
		}
	}
	return true
}

// forcedO reports whether a token of class c is never part of a name:
// URLs and pii placeholders.
func forcedO(c byte) bool { return c == clsPlaceholder || c == clsURL }

// tag gives each word a label, greedily left to right, never I-t after
// anything but B-t or I-t. f must have been prepared for words.
func (m *Model) tag(f *featurizer) []int {
	n := len(f.toks)
	f.labels = f.labels[:0]
	prev, prev2 := 0, 0
	var dyn [4]uint64
	for i := 0; i < n; i++ {
		if forcedO(f.toks[i].cls) {
			f.labels = append(f.labels, 0)
			prev2, prev = prev, 0
			continue
		}
		var s [NumLabels]int32
		for _, h := range f.static[i*numStatic : (i+1)*numStatic] {
			row := m.w[(h&m.mask)*NumLabels : (h&m.mask)*NumLabels+NumLabels : (h&m.mask)*NumLabels+NumLabels]
			for c := range s {
				s[c] += int32(row[c])
			}
		}
		f.dynamic(i, prev, prev2, &dyn)
		for _, h := range dyn {
			row := m.w[(h&m.mask)*NumLabels : (h&m.mask)*NumLabels+NumLabels : (h&m.mask)*NumLabels+NumLabels]
			for c := range s {
				s[c] += int32(row[c])
			}
		}
		best := 0
		for c := 1; c < NumLabels; c++ {
			if isInside(c) && labelType(prev) != labelType(c) {
				continue
			}
			if s[c] > s[best] {
				best = c
			}
		}
		f.labels = append(f.labels, best)
		prev2, prev = prev, best
	}
	return f.labels
}
