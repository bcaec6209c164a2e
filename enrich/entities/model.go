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
	"math/bits"
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
	// OMargin is subtracted from the O label's score when tagging: a
	// margin > 0 trades precision for recall. The trainer picks it on
	// a held-out part of the training data.
	OMargin float64 `json:"o_margin,omitempty"`
	// Beam is the width of the beam search (beam.go) the weights were
	// trained for and tag with; 0 or 1: greedy.
	Beam int `json:"beam,omitempty"`
	// BeamGap (in the units of OMargin; 0: none) drops from the beam the
	// taggings whose score is more than BeamGap behind the best one's, so
	// that most tokens keep one tagging: a speed-for-accuracy trade that
	// the trainer picks on held-out training sentences.
	BeamGap float64 `json:"beam_gap,omitempty"`
	// TypeBias (empty, or one per type of Types, in the units of OMargin)
	// is added to the score of B-t for each type t: a per-type trade of
	// precision for recall on top of OMargin, picked by the trainer on
	// held-out training sentences.
	TypeBias []float64 `json:"type_bias,omitempty"`
	// Ext are the external lexicon's feature groups the model uses
	// (ExtToken | ExtSpan | ExtCtx; 0: none) and ExtMask the lexicon flags
	// they see (0: all); Lexicon the SHA-256 of the lexicon file trained
	// with (provenance).
	Ext     int    `json:"ext,omitempty"`
	ExtMask int    `json:"ext_mask,omitempty"`
	Lexicon string `json:"lexicon,omitempty"`
	// Clusters is the SHA-256 of the word clusters file trained with
	// (provenance), when Ext has ExtClus or ExtClusCtx.
	Clusters string `json:"clusters,omitempty"`
	// Labels names the labels in weight order.
	Labels []string `json:"labels"`

	// Provenance (not used for tagging).
	TrainedOn []TrainFile    `json:"trained_on"`
	Training  map[string]any `json:"training"`
	Licence   string         `json:"licence"`
	Gazetteer string         `json:"gazetteer"`
	// GazetteerNames is the file of brand gazetteer names trained with
	// and its SHA-256 ("train/gazetteer.txt sha256:…"; see
	// TrainOptions.Gazetteer).
	GazetteerNames string           `json:"gazetteer_names,omitempty"`
	Stats          map[string]int64 `json:"stats,omitempty"`
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
	// w holds the non-zero rows of the hashed table in row order, each as
	// rowBytes int8: a shift k (0..7), then the NumLabels weights divided
	// by 2^k and rounded (k is the least that makes them fit: rowShift);
	// rows that no k ≤ 7 fits (a few) have the flag -1 and the index of
	// their row in big (4 bytes, little-endian) instead. Then one row of
	// zeros (at zero) that features of an all-zero row are sent to. The
	// table is dense and small, and the zero row stays in cache.
	w   []int8
	big []int16
	// nz has, per 64 rows of the hashed table, a bit per row, set when
	// the row has a non-zero weight, and the count of the bits set in the
	// blocks before it: side by side, so that a feature's look-up reads
	// one cache line before its row.
	nz   []nzBlock
	zero int32
	// ctx and dyn are the summed weights of the context features of each
	// context key (see ctxKey) and of the tag features of each tag key
	// (see dynKey).
	ctx [][NumLabels]int32
	dyn [][NumLabels]int32
	// vocab holds the hashes of the words that the training text mostly
	// writes in lower case: a capitalised one is then less likely a name.
	vocab *hashSet
	// oMargin is subtracted from the O label's score (Info.OMargin in
	// weight units).
	oMargin int32
	// beam is the beam width (1: greedy), beamGap Info.BeamGap in
	// weight units.
	beam    int
	beamGap int32
	// typeBias is Info.TypeBias in weight units.
	typeBias [4]int32
	// xtab holds the summed weights of the external lexicon's token and
	// span features of each key (see extKey), when the model has them.
	xtab [][NumLabels]int32
	// ctab holds the summed weights of the word clusters' token features
	// of each key (see clusKey), when the model has them.
	ctab [][NumLabels]int32
	// tgaz is the gazetteer of the names of the training data.
	tgaz *gazetteer
	mask uint64
}

// Name is an entity name of the training data, in the weights file: its
// tokens and type (one of Types).
type Name struct {
	Words []string
	Type  string
}

func namesGazetteer(names []Name) *gazetteer {
	toks := make([][]string, len(names))
	types := make([]byte, len(names))
	for i, n := range names {
		toks[i] = n.Words
		types[i] = byte(typeIndex(n.Type))
	}
	return newTokenGazetteer(toks, types)
}

// newModel returns a model of the weights w (1<<info.HashBits rows).
func newModel(info ModelInfo, w []int16, vocab []uint64, names []Name) *Model {
	rows := 1 << info.HashBits
	m := &Model{Info: info, mask: uint64(rows - 1), vocab: newHashSet(vocab), tgaz: namesGazetteer(names)}
	m.oMargin = int32(math.Round(info.OMargin / info.Scale))
	m.beam = max(1, info.Beam)
	m.beamGap = int32(math.Round(info.BeamGap / info.Scale))
	m.setTypeBias(info.TypeBias)
	m.nz = make([]nzBlock, (rows+63)/64)
	n := 0
	for r := 0; r < rows; r++ {
		if r&63 == 0 {
			m.nz[r>>6].rank = uint32(n)
		}
		if !zeroRow(w[r*NumLabels : (r+1)*NumLabels]) {
			m.nz[r>>6].bits |= 1 << (r & 63)
			n++
		}
	}
	m.w = make([]int8, 0, (n+1)*rowBytes)
	for r := 0; r < rows; r++ {
		if m.nz[r>>6].bits&(1<<(r&63)) == 0 {
			continue
		}
		row := w[r*NumLabels : (r+1)*NumLabels]
		shift, ok := rowShift(row)
		if !ok {
			var rec [rowBytes]int8
			rec[0] = -1
			k := uint32(len(m.big) / NumLabels)
			for i := 0; i < 4; i++ {
				rec[1+i] = int8(uint8(k >> (8 * i)))
			}
			m.w = append(m.w, rec[:]...)
			m.big = append(m.big, row...)
			continue
		}
		m.w = append(m.w, int8(shift))
		for _, v := range row {
			m.w = append(m.w, int8(shiftRound(v, shift)))
		}
	}
	m.zero = int32(len(m.w))
	m.w = append(m.w, make([]int8, rowBytes)...)
	m.ctx = make([][NumLabels]int32, numKeys)
	var g [numCtx]uint64
	for k := range m.ctx {
		ctxFeatures(k, &g)
		for _, h := range g {
			m.addRow(&m.ctx[k], m.row(h))
		}
	}
	if info.Ext&(ExtToken|ExtSpan) != 0 {
		m.xtab = make([][NumLabels]int32, numExtKeys)
		for k := range m.xtab {
			tok, span, hasTok, hasSpan := extFeatures(k, byte(info.Ext))
			if hasTok {
				m.addRow(&m.xtab[k], m.row(tok))
			}
			if hasSpan {
				m.addRow(&m.xtab[k], m.row(span))
			}
		}
	}
	if info.Ext&ExtClus != 0 {
		m.ctab = make([][NumLabels]int32, numClusKeys)
		var g [3]uint64
		for c := 0; c <= clusMark; c++ {
			v := uint16(0)
			if c > 0 {
				v = clusMark | uint16(c-1)
			}
			for cls := byte(0); cls < 11; cls++ {
				clusFeatures(v, cls, &g)
				row := &m.ctab[clusKey(v, cls)]
				for _, h := range g {
					m.addRow(row, m.row(h))
				}
			}
		}
	}
	m.dyn = make([][NumLabels]int32, numDynKeys)
	var d [numDynamic - 1]uint64
	for k := range m.dyn {
		tagFeatures(k, &d)
		for _, h := range d {
			m.addRow(&m.dyn[k], m.row(h))
		}
	}
	return m
}

// nzBlock is 64 rows' bits of Model.nz and the rank of its first row.
type nzBlock struct {
	bits uint64
	rank uint32
}

// rowBytes is the size of a row of Model.w.
const rowBytes = 1 + NumLabels

// maxShift is the largest shift of a compact row (see rowShift).
const maxShift = 7

// rowShift returns the least shift k such that every weight of row,
// divided by 2^k and rounded, fits in an int8; ok is false when k would
// exceed maxShift (the row is then kept as int16).
func rowShift(row []int16) (k uint, ok bool) {
	for k = 0; k <= maxShift; k++ {
		fits := true
		for _, v := range row {
			q := shiftRound(v, k)
			if q < -128 || q > 127 {
				fits = false
				break
			}
		}
		if fits {
			return k, true
		}
	}
	return 0, false
}

// shiftRound is v / 2^k rounded to the nearest integer (halves away from
// zero).
func shiftRound(v int16, k uint) int32 {
	if k == 0 {
		return int32(v)
	}
	x := int32(v)
	half := int32(1) << (k - 1)
	if x >= 0 {
		return (x + half) >> k
	}
	return -((-x + half) >> k)
}

// row is the offset in m.w of feature h's weights.
func (m *Model) row(h uint64) int32 {
	r := h & m.mask
	b := &m.nz[r>>6]
	word := b.bits
	bit := uint64(1) << (r & 63)
	if word&bit == 0 {
		return m.zero
	}
	return int32(b.rank+uint32(bits.OnesCount64(word&(bit-1)))) * rowBytes
}

const weightsMagic = "earshot-entities-weights\n"

//go:embed weights.bin.gz
var weightsFile []byte

// DefaultModel returns the shipped model (see train/), loaded once.
var DefaultModel = sync.OnceValues(func() (*Model, error) {
	m, err := ReadModel(bytes.NewReader(weightsFile))
	if err != nil {
		return nil, fmt.Errorf("entities: the embedded weights.bin.gz: %w (regenerate with go run ./enrich/entities/train)", err)
	}
	return m, nil
})

// openGzip reads a gzip file of at most 64 MiB whole (its SHA-256 is the
// provenance a model or lexicon reports) and opens it.
func openGzip(r io.Reader) (*gzip.Reader, [sha256.Size]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, [sha256.Size]byte{}, err
	}
	sum := sha256.Sum256(raw)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, sum, fmt.Errorf("not gzip: %w", err)
	}
	return zr, sum, nil
}

// maxHashBits bounds the table (2^24 rows × 9 labels × 2 bytes = 288 MiB).
const maxHashBits = 24

// ReadModel reads a gzip-compressed weights file: magic, header length
// (uint32), JSON header, vocabulary count (uint32) and words (uint8 length
// + bytes), name count (uint32) and names (type index, word count, words
// as uint8 length + bytes), then the weights: int16 little-endian, row-major, 1<<HashBits
// rows of NumLabels, stored sparsely as (row index uint32, NumLabels int16)
// for the non-zero rows, preceded by their count (uint32).
func ReadModel(r io.Reader) (*Model, error) {
	zr, sum, err := openGzip(r)
	if err != nil {
		return nil, err
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
	if m.Info.FeatureVersion != FeatureVersion && !(m.Info.FeatureVersion == 5 && m.Info.Ext == 0) {
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
	if m.Info.Beam < 0 || m.Info.Beam > MaxBeam {
		return nil, fmt.Errorf("beam %d, want 0..%d", m.Info.Beam, MaxBeam)
	}
	if !(m.Info.BeamGap >= 0) || math.IsInf(m.Info.BeamGap, 0) {
		return nil, fmt.Errorf("beam_gap %v, want >= 0", m.Info.BeamGap)
	}
	if n := len(m.Info.TypeBias); n != 0 && n != len(Types) {
		return nil, fmt.Errorf("%d type biases, want 0 or %d", n, len(Types))
	}
	for _, b := range m.Info.TypeBias {
		if !(math.Abs(b) <= 1000) {
			return nil, fmt.Errorf("type bias %v, want -1000..1000", b)
		}
	}
	if m.Info.Ext < 0 || m.Info.Ext > extAll || m.Info.ExtMask < 0 || m.Info.ExtMask > 0xff {
		return nil, fmt.Errorf("ext %d, ext_mask %d: want 0..%d, 0..255", m.Info.Ext, m.Info.ExtMask, extAll)
	}
	var nv uint32
	if err := binary.Read(br, binary.LittleEndian, &nv); err != nil || nv > 1<<22 {
		return nil, fmt.Errorf("bad vocabulary size %d: %v", nv, err)
	}
	vocab := make([]uint64, 0, nv)
	buf := make([]byte, 256)
	for i := uint32(0); i < nv; i++ {
		l, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("vocabulary: %w", err)
		}
		if _, err := io.ReadFull(br, buf[:l]); err != nil {
			return nil, fmt.Errorf("vocabulary: %w", err)
		}
		vocab = append(vocab, hb(fnvOffset, buf[:l]))
	}
	var nn uint32
	if err := binary.Read(br, binary.LittleEndian, &nn); err != nil || nn > 1<<20 {
		return nil, fmt.Errorf("bad name count %d: %v", nn, err)
	}
	names := make([]Name, 0, nn)
	for i := uint32(0); i < nn; i++ {
		var hdr [2]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return nil, fmt.Errorf("names: %w", err)
		}
		if int(hdr[0]) >= len(Types) || hdr[1] == 0 || hdr[1] > maxGazTokens {
			return nil, fmt.Errorf("names: name %d: type %d, %d words", i, hdr[0], hdr[1])
		}
		n := Name{Type: Types[hdr[0]], Words: make([]string, hdr[1])}
		for k := range n.Words {
			l, err := br.ReadByte()
			if err != nil {
				return nil, fmt.Errorf("names: %w", err)
			}
			if _, err := io.ReadFull(br, buf[:l]); err != nil {
				return nil, fmt.Errorf("names: %w", err)
			}
			n.Words[k] = string(buf[:l])
		}
		names = append(names, n)
	}
	rows := 1 << m.Info.HashBits
	w := make([]int16, rows*NumLabels)
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
			w[int(row)*NumLabels+c] = int16(binary.LittleEndian.Uint16(rec[4+2*c:]))
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, errors.New("trailing data after the weights")
	}
	id := m.ID
	m = newModel(m.Info, w, vocab, names)
	m.ID = id
	return m, nil
}

// WriteModel writes a weights file (see ReadModel) with gzip at the best
// compression and no timestamp, so that the bytes depend only on the
// model.
func WriteModel(w io.Writer, info ModelInfo, weights []int16, vocab []string, names []Name) error {
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
	var keptNames []Name
	for _, n := range names {
		k := typeIndex(n.Type)
		ok := k >= 0 && len(n.Words) > 0 && len(n.Words) <= maxGazTokens
		for _, w := range n.Words {
			ok = ok && len(w) > 0 && len(w) < 256
		}
		if ok {
			keptNames = append(keptNames, n)
		}
	}
	binary.Write(bw, binary.LittleEndian, uint32(len(keptNames)))
	for _, n := range keptNames {
		bw.WriteByte(byte(typeIndex(n.Type)))
		bw.WriteByte(byte(len(n.Words)))
		for _, w := range n.Words {
			bw.WriteByte(byte(len(w)))
			bw.WriteString(w)
		}
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

// cannotBegin reports whether a token after an O is taken to be O
// without scoring it (in training as in tagging): punctuation, and a
// common lower-case word that no gazetteer marks. Most tokens of a post
// are such; the held-out scores are the same within noise with and
// without the rule.
func cannotBegin(t *tokInfo) bool {
	return t.cls == clsPunct || (t.cls == clsLower && t.common == 1 && t.gaz == 0 && t.tgaz == 0 && t.lex&lexExt == 0)
}

// bias applies the O margin and the type biases to a token's scores.
// staticScores sums token i's context row and the rows of its static
// features (those that do not depend on the previous labels).
func (m *Model) staticScores(f *featurizer, i int) [NumLabels]int32 {
	var key int
	f.static, key = f.features(f.static[:0], i, false)
	s := m.ctx[key]
	for _, h := range f.static {
		m.addRow(&s, m.row(h))
	}
	if m.xtab != nil {
		t := &f.toks[i]
		x := &m.xtab[extKey(t.ext&f.xmask, t.xspan, t.cls)]
		for c := range s {
			s[c] += x[c]
		}
	}
	if m.ctab != nil {
		t := &f.toks[i]
		x := &m.ctab[clusKey(t.clus, t.cls)]
		for c := range s {
			s[c] += x[c]
		}
	}
	return s
}

// addLabelContext completes token t's static scores s, in place, with what
// depends on the two labels before it, and the per-type biases.
func (m *Model) addLabelContext(s *[NumLabels]int32, t *tokInfo, prev2, prev int) {
	d := &m.dyn[dynKey(prev2, prev, int(t.cls))]
	for c := range s {
		s[c] += d[c]
	}
	m.addRow(s, m.row(wid(t.low, slotPrevTag+prev)))
	m.bias(s)
}

func (m *Model) bias(s *[NumLabels]int32) {
	s[0] -= m.oMargin
	s[1] += m.typeBias[0]
	s[3] += m.typeBias[1]
	s[5] += m.typeBias[2]
	s[7] += m.typeBias[3]
}

func (m *Model) setTypeBias(b []float64) {
	m.typeBias = [4]int32{}
	for k, v := range b {
		if k < len(m.typeBias) {
			m.typeBias[k] = int32(math.Round(v / m.Info.Scale))
		}
	}
}

// WithTypeBias returns a copy of m that adds bias[k] (in the units of
// the averaged weights) to the score of B-Types[k].
func (m *Model) WithTypeBias(bias []float64) *Model {
	c := *m
	c.Info.TypeBias = append([]float64(nil), bias...)
	c.setTypeBias(bias)
	return &c
}

// WithOMargin returns a copy of m that subtracts margin (in the units of
// the averaged weights) from the O label's score.
func (m *Model) WithOMargin(margin float64) *Model {
	c := *m
	c.Info.OMargin = margin
	c.oMargin = int32(math.Round(margin / m.Info.Scale))
	return &c
}

// unscored reports whether token t after the tag prev is O without
// being scored: forcedO, or cannotBegin after an O.
func unscored(t *tokInfo, prev int) bool {
	return forcedO(t.cls) || (prev == 0 && cannotBegin(t))
}

// forcedO reports whether a token of class c is never part of a name:
// URLs and pii placeholders.
func forcedO(c byte) bool { return c == clsPlaceholder || c == clsURL }

// WithBeam returns a copy of m that tags with a beam of width (1:
// greedy) and drops the taggings more than gap behind the best (0: none;
// in the units of the averaged weights, see ModelInfo.BeamGap).
func (m *Model) WithBeam(width int, gap float64) *Model {
	c := *m
	c.beam = min(MaxBeam, max(1, width))
	c.Info.Beam = c.beam
	c.Info.BeamGap = gap
	c.beamGap = int32(math.Round(gap / m.Info.Scale))
	return &c
}

// tag gives each word a label, never I-t after anything but B-t or I-t:
// with a beam search (see tagBeam), or greedily left to right for a width
// of 1. f must have been prepared for words.
func (m *Model) tag(f *featurizer) []int {
	if m.beam > 1 {
		return m.tagBeam(f)
	}
	return m.tagGreedy(f)
}

// tagGreedy gives each word a label, greedily left to right.
func (m *Model) tagGreedy(f *featurizer) []int {
	n := len(f.toks)
	f.labels = f.labels[:0]
	prev, prev2 := 0, 0
	for i := 0; i < n; i++ {
		t := &f.toks[i]
		if forcedO(t.cls) || (prev == 0 && cannotBegin(t)) {
			f.labels = append(f.labels, 0)
			prev2, prev = prev, 0
			continue
		}
		s := m.staticScores(f, i)
		m.addLabelContext(&s, t, prev2, prev)
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

// addRow adds the weights of the row at w[b:] to s.
func (m *Model) addRow(s *[NumLabels]int32, b int32) {
	row := m.w[b : b+rowBytes : b+rowBytes]
	if row[0] < 0 {
		k := int(uint8(row[1])) | int(uint8(row[2]))<<8 | int(uint8(row[3]))<<16 | int(uint8(row[4]))<<24
		big := m.big[k*NumLabels : k*NumLabels+NumLabels : k*NumLabels+NumLabels]
		s[0] += int32(big[0])
		s[1] += int32(big[1])
		s[2] += int32(big[2])
		s[3] += int32(big[3])
		s[4] += int32(big[4])
		s[5] += int32(big[5])
		s[6] += int32(big[6])
		s[7] += int32(big[7])
		s[8] += int32(big[8])
		return
	}
	k := uint8(row[0]) & 7
	s[0] += int32(row[1]) << k
	s[1] += int32(row[2]) << k
	s[2] += int32(row[3]) << k
	s[3] += int32(row[4]) << k
	s[4] += int32(row[5]) << k
	s[5] += int32(row[6]) << k
	s[6] += int32(row[7]) << k
	s[7] += int32(row[8]) << k
	s[8] += int32(row[9]) << k
}
