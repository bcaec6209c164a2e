package analytics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// CSVHeader is the leaderboard's CSV header, exactly.
var CSVHeader = []string{"brand", "inbound", "answered", "pending", "response_rate", "frt_median_s", "frt_p90_s", "sla15", "sla60"}

// Formats the leaderboard can be written in.
var Formats = []string{"table", "csv", "json"}

// Write writes rows in format ("table", "csv" or "json").
func Write(w io.Writer, format string, rows []Row) error {
	switch format {
	case "table":
		return WriteTable(w, rows)
	case "csv":
		return WriteCSV(w, rows)
	case "json":
		return WriteJSON(w, rows)
	}
	return fmt.Errorf("leaderboard: format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// ratioText is a ratio as a fraction with 4 decimals, "" when undefined.
func ratioText(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 4, 64)
}

// secondsText is a duration in seconds with 1 decimal, "" when undefined.
func secondsText(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

func (r Row) fields() []string {
	return []string{
		r.Brand,
		strconv.FormatUint(r.Inbound, 10),
		strconv.FormatUint(r.Answered, 10),
		strconv.FormatUint(r.Pending, 10),
		ratioText(r.ResponseRate),
		secondsText(r.FRTMedianSeconds),
		secondsText(r.FRTP90Seconds),
		ratioText(r.SLA15),
		ratioText(r.SLA60),
	}
}

// WriteCSV writes the header and one line per row: ratios as fractions
// with 4 decimals, seconds with 1 decimal, undefined values empty.
func WriteCSV(w io.Writer, rows []Row) error {
	records := recordsOf(rows)
	return writeRecords(w, CSVHeader, records)
}

// jsonRow has the CSV's keys and values; undefined values are null.
type jsonRow struct {
	Brand        string          `json:"brand"`
	Inbound      uint64          `json:"inbound"`
	Answered     uint64          `json:"answered"`
	Pending      uint64          `json:"pending"`
	ResponseRate json.RawMessage `json:"response_rate"`
	FRTMedian    json.RawMessage `json:"frt_median_s"`
	FRTP90       json.RawMessage `json:"frt_p90_s"`
	SLA15        json.RawMessage `json:"sla15"`
	SLA60        json.RawMessage `json:"sla60"`
}

func rawNumber(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

// WriteJSON writes an array of objects keyed like the CSV header, with the
// CSV's rounding, and null for undefined values.
func WriteJSON(w io.Writer, rows []Row) error {
	out := make([]jsonRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, jsonRow{
			Brand: r.Brand, Inbound: r.Inbound, Answered: r.Answered, Pending: r.Pending,
			ResponseRate: rawNumber(ratioText(r.ResponseRate)),
			FRTMedian:    rawNumber(secondsText(r.FRTMedianSeconds)),
			FRTP90:       rawNumber(secondsText(r.FRTP90Seconds)),
			SLA15:        rawNumber(ratioText(r.SLA15)),
			SLA60:        rawNumber(ratioText(r.SLA60)),
		})
	}
	return encodeIndented(w, out)
}

// WriteTable writes an aligned table for people: ratios as percentages,
// response times as durations, "-" where a value is undefined.
func WriteTable(w io.Writer, rows []Row) error {
	// tabwriter aligns every cell right; padding the brands to one width
	// keeps them left-aligned.
	width := len("BRAND")
	for _, r := range rows {
		width = max(width, len(r.Brand))
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\tINBOUND\tANSWERED\tPENDING\tRESPONSE RATE\tFRT MEDIAN\tFRT P90\tSLA 15M\tSLA 60M\t\n", width, "BRAND")
	for _, r := range rows {
		fmt.Fprintf(tw, "%-*s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", width, r.Brand, r.Inbound, r.Answered, r.Pending,
			percent(r.ResponseRate), humanSeconds(r.FRTMedianSeconds), humanSeconds(r.FRTP90Seconds), percent(r.SLA15), percent(r.SLA60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// AlignRight pads the first column on its left too.
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if _, err := io.WriteString(w, strings.TrimPrefix(line, "  ")); err != nil {
			return err
		}
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "(no brand has an inbound post in the period)")
		return err
	}
	return nil
}

func percent(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
}

// humanSeconds writes a response time as 42.0s, 12m05s, 3h04m or 2d03h.
func humanSeconds(v *float64) string {
	if v == nil {
		return "-"
	}
	s := *v
	switch {
	case s < 60:
		return strconv.FormatFloat(s, 'f', 1, 64) + "s"
	case s < 3600:
		t := int64(math.Round(s))
		return fmt.Sprintf("%dm%02ds", t/60, t%60)
	case s < 86400:
		t := int64(math.Round(s / 60))
		return fmt.Sprintf("%dh%02dm", t/60, t%60)
	}
	d := time.Duration(math.Round(s/3600)) * time.Hour
	return fmt.Sprintf("%dd%02dh", int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour))
}
