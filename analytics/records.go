package analytics

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
)

// recordsOf turns rows into their CSV fields, one record per row.
func recordsOf[T interface{ fields() []string }](rows []T) [][]string {
	records := make([][]string, len(rows))
	for i, r := range rows {
		records[i] = r.fields()
	}
	return records
}

// writeRecords writes a header and records as CSV.
func writeRecords(w io.Writer, header []string, records [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, rec := range records {
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeObjects writes records as an indented JSON array of objects keyed
// by header: the columns named in text as strings, the others as numbers
// (null when empty).
func writeObjects(w io.Writer, header []string, records [][]string, text ...string) error {
	out := make([]*object, 0, len(records))
	for _, rec := range records {
		o := &object{}
		for i, v := range rec {
			if slices.Contains(text, header[i]) {
				o.set(header[i], v)
			} else {
				o.set(header[i], rawNumber(v))
			}
		}
		out = append(out, o)
	}
	return encodeIndented(w, out)
}

// encodeIndented writes v as JSON indented by two spaces.
func encodeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
