package mention_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/earshot-dev/earshot/mention"
)

// FuzzDecode: Decode never panics; every error is classified (ErrDecode or
// a *FieldError); whatever decodes re-encodes, and that encoding decodes to
// an equal record and encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden files to seed from: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(bytes.TrimSpace(data))
	}
	f.Add([]byte(`null`))
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":1,"id":"x:1","platform":"x","native_id":"1","created_at":"2017-10-31T22:10:47+01:00","ingested_at":"2017-10-31T22:10:48Z","source":"s","author":{"id":"a"},"text":"\ud800 <&>","conversation_id":"x:1","extra":{"n":1e308,"z":-0,"s":"\u2028"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := mention.Decode(data)
		if err != nil {
			var fe *mention.FieldError
			if !errors.Is(err, mention.ErrDecode) && !errors.As(err, &fe) {
				t.Fatalf("unclassified error %T: %v", err, err)
			}
			if m != nil {
				t.Fatalf("Decode returned a record and an error: %v", err)
			}
			return
		}
		enc, err := mention.Encode(m)
		if err != nil {
			t.Fatalf("a decoded record does not encode: %v\ninput: %q", err, data)
		}
		m2, err := mention.Decode(enc)
		if err != nil {
			t.Fatalf("an encoded record does not decode: %v\nencoded: %s", err, enc)
		}
		if !reflect.DeepEqual(canonical(m), canonical(m2)) {
			t.Fatalf("round trip changed the record:\n%+v\n%+v", m, m2)
		}
		enc2, err := mention.Encode(m2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable:\n%s\n%s", enc, enc2)
		}
	})
}

// canonical copies a record without the differences JSON cannot carry:
// times in UTC (an offset of +00:00 may decode as the Local zone and
// re-decode as UTC, the same instant), and empty lists and maps as nil
// (omitempty writes neither).
func canonical(m *mention.Mention) mention.Mention {
	c := *m
	c.CreatedAt = c.CreatedAt.UTC()
	c.IngestedAt = c.IngestedAt.UTC()
	if c.EnrichedAt != nil {
		e := c.EnrichedAt.UTC()
		c.EnrichedAt = &e
	}
	c.Brands = nilIfEmpty(c.Brands)
	c.Entities = nilIfEmpty(c.Entities)
	c.ContactReason = nilIfEmpty(c.ContactReason)
	c.CrisisTerms = nilIfEmpty(c.CrisisTerms)
	c.PII = nilIfEmpty(c.PII)
	if len(c.Extra) == 0 {
		c.Extra = nil
	}
	if c.Urgency != nil {
		u := *c.Urgency
		u.Cues = nilIfEmpty(u.Cues)
		c.Urgency = &u
	}
	if c.ReplyQuality != nil {
		q := *c.ReplyQuality
		if len(q.Parts) == 0 {
			q.Parts = nil
		}
		c.ReplyQuality = &q
	}
	return c
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
