package sentiment

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"testing"
)

// tinyModel returns a weights file with a 2^10 hashed table and a word
// table of three words in three clusters.
func tinyModel(t testing.TB) ([]byte, []float32, *WordTable) {
	t.Helper()
	table := make([]float32, (1<<10)*NumClasses)
	for i := range table {
		table[i] = float32(i%7) / 10
	}
	words := &WordTable{Words: []string{"bad", "good", "the"}, Scores: []float32{1, 0, -1, -1, 0, 1, 0, 0.25, 0}, Clusters: []uint16{0, 1, 2}}
	info := ModelInfo{HashBits: 10, Clusters: 3, Bias: [NumClasses]float64{0.1, 0.2, 0.3}}
	var buf bytes.Buffer
	if err := WriteModel(&buf, info, table, words); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), table, words
}

func TestWordTableRoundTrip(t *testing.T) {
	data, table, words := tinyModel(t)
	m, err := ReadModel(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Info.Words != 3 || m.Info.Clusters != 3 || len(m.WordIndex()) != 3 {
		t.Fatalf("header %+v, index %v", m.Info, m.WordIndex())
	}
	for i, w := range words.Words {
		id, ok := m.WordIndex()[w]
		if !ok || int(id) != i || m.clusters[id] != words.Clusters[i] {
			t.Errorf("%q: id %d %v, cluster %d", w, id, ok, m.clusters[id])
		}
		for c := range NumClasses {
			if got := float64(m.scores[i*NumClasses+c]) * m.Info.WordScale; math.Abs(got-float64(words.Scores[i*NumClasses+c])) > 1e-4 {
				t.Errorf("%q class %d: score %v", w, c, got)
			}
		}
	}
	// Logits: the bias, the average of the words' scores and the hashed
	// rows of their clusters ("bad" in a negation scope).
	f := Features{Words: []int32{0<<2 | 2, 1 << 2}}
	z := m.Logits(&f)
	for c := range z {
		want := m.Info.Bias[c] + (float64(words.Scores[c])+float64(words.Scores[3+c]))/2
		for _, h := range []uint64{ClusterFeature(0, true), ClusterFeature(1, false)} {
			want += float64(table[(h&m.mask)*NumClasses+uint64(c)])
		}
		if math.Abs(z[c]-want) > 1e-3 {
			t.Errorf("class %d: logit %v, want %v", c, z[c], want)
		}
	}
	// Without words, only the bias.
	if z := m.Logits(&Features{}); math.Abs(z[0]-0.1) > 1e-9 {
		t.Errorf("empty text: %v", z)
	}
}

func TestWriteModelRejectsBadWordTables(t *testing.T) {
	table := make([]float32, (1<<10)*NumClasses)
	for name, tc := range map[string]struct {
		clusters int
		words    *WordTable
	}{
		"unsorted":           {0, &WordTable{Words: []string{"b", "a"}, Scores: make([]float32, 6)}},
		"duplicate":          {0, &WordTable{Words: []string{"a", "a"}, Scores: make([]float32, 6)}},
		"empty word":         {0, &WordTable{Words: []string{""}, Scores: make([]float32, 3)}},
		"short scores":       {0, &WordTable{Words: []string{"a"}, Scores: make([]float32, 2)}},
		"clusters, no count": {0, &WordTable{Words: []string{"a"}, Scores: make([]float32, 3), Clusters: []uint16{0}}},
		"cluster too large":  {2, &WordTable{Words: []string{"a"}, Scores: make([]float32, 3), Clusters: []uint16{2}}},
		"count, no clusters": {2, &WordTable{Words: []string{"a"}, Scores: make([]float32, 3)}},
		"clusters, no table": {2, nil},
	} {
		if err := WriteModel(&bytes.Buffer{}, ModelInfo{HashBits: 10, Clusters: tc.clusters}, table, tc.words); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestReadModelRejectsBadWordTables(t *testing.T) {
	data, _, _ := tinyModel(t)
	body := gunzip(t, data)
	header := func(words, clusters int, scale float64) string {
		return weightsMagic + fmt.Sprintf(`{"feature_version":%d,"hash_bits":10,"scale":1,"words":%d,"clusters":%d,"word_scale":%g}`, FeatureVersion, words, clusters, scale) + "\n"
	}
	hashed := string(make([]byte, (1<<10)*NumClasses*2))
	for name, s := range map[string]string{
		"truncated word table": string(body[:len(body)-3]),
		"trailing data":        string(body) + "x",
		"too many words":       header(maxWords+1, 0, 1) + hashed,
		"no word scale":        header(1, 0, 0) + hashed + "\x01a\x00\x00\x00\x00\x00\x00",
		"zero-length word":     header(1, 0, 1) + hashed + "\x00\x00\x00\x00\x00\x00\x00",
		"unsorted words":       header(2, 0, 1) + hashed + "\x01b\x01a" + string(make([]byte, 12)),
		"cluster out of range": header(1, 1, 1) + hashed + "\x01a" + string(make([]byte, 6)) + "\x01\x00",
	} {
		if _, err := ReadModel(bytes.NewReader(gz(t, s))); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := ReadModel(bytes.NewReader(gz(t, header(1, 1, 1)+hashed+"\x01a"+string(make([]byte, 6))+"\x00\x00"))); err != nil {
		t.Errorf("a valid hand-made file: %v", err)
	}
}

func gunzip(t testing.TB, data []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// FuzzReadModel feeds arbitrary (uncompressed) weights files to ReadModel:
// it must return an error or a model that scores any text without
// panicking.
func FuzzReadModel(f *testing.F) {
	data, _, _ := tinyModel(f)
	f.Add(gunzip(f, data))
	f.Add([]byte(weightsMagic + "{}\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ReadModel(bytes.NewReader(gz(t, string(body))))
		if err != nil {
			return
		}
		e, err := NewWithModel(DefaultConfig(), m)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{"the good and the bad", "not bad at all", ""} {
			e.Score(text)
		}
	})
}

func TestFeaturesWords(t *testing.T) {
	var f Features
	f.Index = map[string]int32{"service": 5, "good": 7, "the": 9}
	enr := newVADER(t)
	enr.Featurize("The service was not good!", &f)
	want := []int32{9 << 2, 5 << 2, 7<<2 | 2 | 1} // "good" negated and rated; "was" and "not" unknown
	if fmt.Sprint(f.Words) != fmt.Sprint(want) {
		t.Errorf("words %v, want %v", f.Words, want)
	}
	if f.Index == nil {
		t.Error("Featurize dropped the index")
	}
	f.Reset()
	if len(f.Words) != 0 || f.Index == nil {
		t.Errorf("after Reset: words %v, index %v", f.Words, f.Index)
	}
}
