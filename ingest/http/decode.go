package httpingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/earshot-dev/earshot/mention"
)

// rawRecord is one record of a request body before validation.
type rawRecord struct {
	Index int // 0-based position in the request
	Line  int // 1-based line for NDJSON, 0 otherwise
	Data  []byte
}

// requestError is a request that cannot be read at all (400 or 413).
type requestError struct {
	Status int
	Msg    string
}

func (e *requestError) Error() string { return e.Msg }

// Body shapes.
const (
	shapeObject = "object"
	shapeArray  = "array"
	shapeNDJSON = "ndjson"
)

// splitBody splits a request body into records: a JSON object (one
// record), a JSON array of objects, or NDJSON (one object a line; blank
// lines are skipped). The Content-Type decides when it says
// application/x-ndjson, application/jsonl or application/json-seq-like
// types; otherwise the first non-space byte does ('[' array; '{' one
// object when the whole body is one JSON value, NDJSON otherwise).
//
// A broken NDJSON line rejects only that record; a syntax error inside an
// array or a single object rejects the request (there is no way to tell
// where the next record starts).
func splitBody(body []byte, contentType string, maxRecords int) (string, []rawRecord, error) {
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "", nil, &requestError{400, "empty body: send a JSON object, a JSON array of objects, or NDJSON"}
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	ndjson := false
	switch mt {
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines":
		ndjson = true
	}
	if !ndjson && trimmed[0] == '[' {
		recs, err := splitArray(trimmed, maxRecords)
		return shapeArray, recs, err
	}
	if !ndjson && trimmed[0] == '{' && json.Valid(trimmed) {
		return shapeObject, []rawRecord{{Index: 0, Data: trimmed}}, nil
	}
	if !ndjson && mt == "application/json" && trimmed[0] == '{' && bytes.IndexByte(trimmed, '\n') < 0 {
		return "", nil, &requestError{400, "body is not valid JSON: " + syntaxError(trimmed)}
	}
	recs, err := splitLines(body, maxRecords)
	return shapeNDJSON, recs, err
}

func splitArray(body []byte, maxRecords int) ([]rawRecord, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil { // '['
		return nil, &requestError{400, "body is not a JSON array: " + err.Error()}
	}
	var recs []rawRecord
	for dec.More() {
		if len(recs) >= maxRecords {
			return nil, &requestError{413, fmt.Sprintf("more than %d records in one request; split the batch", maxRecords)}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, &requestError{400, fmt.Sprintf("JSON array element %d: %v", len(recs), err)}
		}
		recs = append(recs, rawRecord{Index: len(recs), Data: raw})
	}
	if _, err := dec.Token(); err != nil { // ']'
		return nil, &requestError{400, "JSON array is not closed: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &requestError{400, "trailing data after the JSON array"}
	}
	if len(recs) == 0 {
		return nil, &requestError{400, "empty JSON array: nothing to ingest"}
	}
	return recs, nil
}

func splitLines(body []byte, maxRecords int) ([]rawRecord, error) {
	var recs []rawRecord
	line := 0
	for len(body) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			l, body = body[:i], body[i+1:]
		} else {
			l, body = body, nil
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		if len(recs) >= maxRecords {
			return nil, &requestError{413, fmt.Sprintf("more than %d records in one request; split the batch", maxRecords)}
		}
		recs = append(recs, rawRecord{Index: len(recs), Line: line, Data: l})
	}
	if len(recs) == 0 {
		return nil, &requestError{400, "no records in the body"}
	}
	return recs, nil
}

func syntaxError(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err.Error()
	}
	return "unknown"
}

// decodeRecord parses and validates one record as mention.Decode does,
// after filling ingested_at (the time the request arrived) and source
// (defaultSource) when the record leaves them out.
func decodeRecord(data []byte, received time.Time, defaultSource string) (*mention.Mention, error) {
	if len(data) > mention.MaxRecordBytes {
		return nil, fmt.Errorf("%w: record is %d bytes, the limit is %d", mention.ErrDecode, len(data), mention.MaxRecordBytes)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: record is not valid UTF-8", mention.ErrDecode)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, fmt.Errorf("%w: a record must be a JSON object", mention.ErrDecode)
	}
	var m mention.Mention
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", mention.ErrDecode, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", mention.ErrDecode)
	}
	if m.IngestedAt.IsZero() {
		m.IngestedAt = received.UTC()
	}
	if strings.TrimSpace(m.Source) == "" {
		m.Source = defaultSource
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// recordError is one rejected record in the response.
type recordError struct {
	Index int    `json:"index"`
	Line  int    `json:"line,omitempty"`
	ID    string `json:"id,omitempty"`
	Field string `json:"field,omitempty"`
	Error string `json:"error"`
}

// rejection describes err for the response and the metric label.
func rejection(r rawRecord, err error) (recordError, string) {
	re := recordError{Index: r.Index, Line: r.Line, Error: err.Error()}
	var fe *mention.FieldError
	if errors.As(err, &fe) {
		re.Field = fe.Field
		var probe struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(r.Data, &probe) == nil && utf8.ValidString(probe.ID) && len(probe.ID) <= 512 {
			re.ID = probe.ID
		}
		return re, reasonLabel(fe.Field)
	}
	return re, "malformed_json"
}

// reasonLabel turns a field path into a bounded metric label:
// "brands[3].brand" → "invalid_brands_brand".
func reasonLabel(field string) string {
	var b strings.Builder
	b.WriteString("invalid_")
	depth, dots := 0, 0
	for _, r := range field {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth > 0:
		case r == '.':
			if dots++; dots == 2 { // "reply_quality.parts.<any key>"
				return b.String()
			}
			b.WriteByte('_')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		}
	}
	return b.String()
}
