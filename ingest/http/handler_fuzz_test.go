package httpingest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzHandler sends arbitrary requests — body, content type, method and
// Authorization header — through the whole push endpoint (authentication,
// body limits, splitting, decoding, publishing): it never panics, always
// answers a documented status with a JSON body, and its counts add up.
func FuzzHandler(f *testing.F) {
	for _, seed := range []struct {
		body, ct, auth string
		post           bool
	}{
		{record(1), "application/json", "Bearer " + tokenA, true},
		{"[" + record(1) + "," + record(2) + "]", "", "Bearer " + tokenA, true},
		{record(3) + "\n" + record(4) + "\n", "application/x-ndjson", "Bearer " + tokenB, true},
		{record(5), "application/json", "", true},
		{record(5), "application/json", "Bearer nope", true},
		{record(5), "application/json", "Basic dXNlcjpwYXNz", true},
		{"[1,2,", "application/json", "Bearer " + tokenA, true},
		{"", "text/plain", "Bearer " + tokenA, true},
		{"{}", "", "Bearer " + tokenA, false},
		{"\xff\xfe\x00", "application/json; charset=utf-16", "bearer " + tokenA, true},
	} {
		f.Add([]byte(seed.body), seed.ct, seed.auth, seed.post)
	}
	cfg := testConfig(f)
	cfg.RateLimit = 1e9 // the fuzzer is one very fast client
	cfg.Burst = 1 << 30
	cfg.MaxBodyBytes = 64 << 10
	cfg.MaxRecords = 20
	cfg.WaitForAck = false // the fuzzer tests the request path, not Kafka's acknowledgements
	e := start(f, cfg, nil)
	h := e.srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte, ct, auth string, post bool) {
		method := http.MethodPost
		if !post {
			method = http.MethodPut
		}
		req := httptest.NewRequest(method, "/v1/mentions", bytes.NewReader(body))
		if ct != "" {
			req.Header["Content-Type"] = []string{ct}
		}
		if auth != "" {
			req.Header["Authorization"] = []string{auth}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var r struct {
			Accepted   int    `json:"accepted"`
			Duplicates int    `json:"duplicates"`
			Rejected   int    `json:"rejected"`
			Errors     []any  `json:"errors"`
			Error      string `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatalf("status %d: body is not JSON: %q", rec.Code, rec.Body.Bytes())
		}
		switch rec.Code {
		case http.StatusAccepted:
			if r.Accepted+r.Duplicates == 0 {
				t.Fatalf("202 with nothing accepted: %+v", r)
			}
		case http.StatusUnprocessableEntity:
			if r.Accepted+r.Duplicates != 0 || r.Rejected == 0 {
				t.Fatalf("422 must reject every record: %+v", r)
			}
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusMethodNotAllowed,
			http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusNotFound:
			if r.Error == "" || r.Accepted != 0 {
				t.Fatalf("status %d without an error message or with accepted records: %+v", rec.Code, r)
			}
		default:
			t.Fatalf("undocumented status %d: %s", rec.Code, rec.Body.Bytes())
		}
		if r.Rejected > cfg.MaxRecords || r.Accepted+r.Duplicates > cfg.MaxRecords || len(r.Errors) > r.Rejected {
			t.Fatalf("counts exceed the request's %d records: %+v", cfg.MaxRecords, r)
		}
	})
}
