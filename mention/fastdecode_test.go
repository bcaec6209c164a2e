package mention

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"
)

// stdDecode is Decode's encoding/json path, without validation.
func stdDecode(data []byte) (*Mention, error) {
	var m Mention
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errTrailing
	}
	return &m, nil
}

var errTrailing = &FieldError{Field: "record", Reason: "trailing data"}

func fastSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no golden files: %v", err)
	}
	var out [][]byte
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, data, bytes.TrimSpace(data))
	}
	return out
}

// checkSame fails when decodeFast accepts data and encoding/json decodes
// it differently or not at all.
func checkSame(t *testing.T, data []byte) (accepted bool) {
	t.Helper()
	if !utf8.Valid(data) {
		return false // Decode refuses it before either path
	}
	fast, ok := decodeFast(data)
	if !ok {
		return false
	}
	std, err := stdDecode(data)
	if err != nil {
		t.Fatalf("fast path accepted what encoding/json refuses (%v):\n%q", err, data)
	}
	if !reflect.DeepEqual(fast, std) {
		t.Fatalf("fast path and encoding/json differ on\n%q\nfast %+v\nstd  %+v", data, fast, std)
	}
	return true
}

// TestDecodeFastGolden: every golden record, and every record Encode
// writes for the golden set, takes the fast path with encoding/json's
// result.
func TestDecodeFastGolden(t *testing.T) {
	for _, data := range fastSeeds(t) {
		if !checkSame(t, data) {
			t.Errorf("golden record not taken by the fast path:\n%s", data)
		}
	}
}

// TestDecodeFastEdges: inputs the fast path must accept with encoding/json's
// meaning, and inputs it must leave to encoding/json.
func TestDecodeFastEdges(t *testing.T) {
	base := `"v":1,"id":"x:1","platform":"x","native_id":"1","created_at":"2017-10-31T22:10:47+01:00","ingested_at":"2017-10-31T22:10:48Z","source":"s","author":{"id":"a"},"conversation_id":"x:1"`
	accept := []string{
		`{` + base + `,"text":"a \"q\" \\ \n \u00e9 \ud83d\ude00 \ud800 \/"}`,
		" \n{ " + base + ` , "text" : "t" , "brands" : [ ] , "pii":[], "reply_quality":{"parts":{},"empathy":1e2,"canned":-0.0}} ` + "\n",
		`{` + base + `,"text":"t","engagement":{},"sentiment":{"compound":-0,"label":"neutral","confidence":1E-3},"entities":[{"text":"a","type":"b","start":-0,"end":9007199254740993}]}`,
		`{` + base + `,"text":"t","reply_quality":{"parts":{"a":1,"a":2}},"enriched_at":"2024-05-01T10:00:01.75+00:00"}`,
		`{` + base + `,"text":"t","extra":{"a":[1,"x",null,true,{"b":[]},[]],"\u0061":2,"n":-1.5e-3,"e":{}}}`,
	}
	for _, s := range accept {
		if !checkSame(t, []byte(s)) {
			t.Errorf("fast path refused\n%s", s)
		}
	}
	refuse := []string{
		`{` + base + `,"text":"t","extra":null}`,
		`{` + base + `,"text":"t","extra":{"a":1e999}}`,
		`{` + base + `,"text":"t","extra":{"a":1},"extra":{"b":2}}`,
		`{` + base + `,"text":"t","Text":"u"}`,
		`{` + base + `,"text":"t","text":"u"}`,
		`{` + base + `,"text":null}`,
		`{` + base + `,"text":"t","unknown":1}`,
		`{` + base + `,"\u0074ext":"t"}`,
		`{` + base + `,"text":"t","v":1.0}`,
		`{` + base + `,"text":"t"} x`,
		`{` + base + `,"text":"t",}`,
		`{` + base + `,"text":"t","sentiment":{"compound":01}}`,
		`{` + base + `,"text":"t","author":{"id":"a","followers":1e3}}`,
		`{` + base + `,"text":"t","created_at":"2017-13-31T22:10:47Z"}`,
		`[]`, `null`, ``,
	}
	for _, s := range refuse {
		if checkSame(t, []byte(s)) {
			t.Errorf("fast path accepted\n%s", s)
		}
	}
}

// FuzzDecodeFast: whatever the fast path accepts, encoding/json decodes to
// an equal record.
func FuzzDecodeFast(f *testing.F) {
	for _, data := range fastSeeds(f) {
		f.Add(data)
	}
	f.Add([]byte(`{"v":1,"id":"x:1","platform":"x","native_id":"1","created_at":"2017-10-31T22:10:47+01:00","ingested_at":"2017-10-31T22:10:48Z","source":"s","author":{"id":"a","followers":3},"text":"\ud800 <&>","conversation_id":"x:1","reply_quality":{"parts":{"x":1.5}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSame(t, data)
	})
}

func BenchmarkDecodeStd(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "enriched_inbound.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := stdDecode(data); err != nil {
			b.Fatal(err)
		}
	}
}
