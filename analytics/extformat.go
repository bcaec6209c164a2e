package analytics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// ExtColumns are the full leaderboard's columns after CSVHeader's nine.
var ExtColumns = []string{
	"sector", "score", "rank_sector", "rank_competitors",
	"frt_business_median_s", "frt_business_p90_s",
	"sentiment_mean", "negative_share",
	"deflection_rate", "canned_rate", "empathy_median",
	"active_hours", "platforms",
	"prev_inbound", "inbound_change", "prev_score", "score_change",
	"sentiment_recovery", "recovered_posts",
}

// PeriodColumns follow when the leaderboard is split into periods.
var PeriodColumns = []string{"period_start", "period_end"}

// Block is the full leaderboard of one period.
type Block struct {
	Since, Until time.Time
	Rows         []ExtRow
}

func decimals(v *float64, n int) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', n, 64)
}

func rankText(r int) string {
	if r == 0 {
		return ""
	}
	return strconv.Itoa(r)
}

func platformsText(ps []PlatformCount) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Platform + "=" + strconv.FormatUint(p.Inbound, 10)
	}
	return strings.Join(parts, ";")
}

func (r ExtRow) extFields() []string {
	prev := ""
	if r.PrevInbound != nil {
		prev = strconv.FormatUint(*r.PrevInbound, 10)
	}
	return []string{
		r.Sector, decimals(r.Score, 1), rankText(r.RankSector), rankText(r.RankCompetitors),
		secondsText(r.BusinessFRTMedianSeconds), secondsText(r.BusinessFRTP90Seconds),
		decimals(r.SentimentMean, 4), ratioText(r.NegativeShare),
		ratioText(r.DeflectionRate), ratioText(r.CannedRate), decimals(r.EmpathyMedian, 1),
		strconv.Itoa(r.ActiveHours), platformsText(r.Platforms),
		prev, ratioText(r.InboundChange), decimals(r.PrevScore, 1), decimals(r.ScoreChange, 1),
		decimals(r.SentimentRecovery, 4), strconv.FormatUint(r.RecoveredPosts, 10),
	}
}

// WriteExt writes blocks in format with every column: the nine columns of
// CSVHeader first and unchanged, then ExtColumns, then (when periods is
// true) PeriodColumns.
func WriteExt(w io.Writer, format string, blocks []Block, periods bool) error {
	return WriteBlocks(w, format, blocks, true, periods)
}

// WriteBlocks writes blocks in format: the nine columns of CSVHeader, then
// ExtColumns when all is true, then PeriodColumns when periods is true.
// In a table each period is a block of its own under a heading; in JSON
// periods make an array of {period_start, period_end, rows}.
func WriteBlocks(w io.Writer, format string, blocks []Block, all, periods bool) error {
	switch format {
	case "csv":
		return writeExtCSV(w, blocks, all, periods)
	case "json":
		return writeExtJSON(w, blocks, all, periods)
	case "table":
		return writeExtTable(w, blocks, all, periods)
	}
	return fmt.Errorf("leaderboard: format %q: want one of %s", format, strings.Join(Formats, ", "))
}

func writeExtCSV(w io.Writer, blocks []Block, all, periods bool) error {
	header := append([]string{}, CSVHeader...)
	if all {
		header = append(header, ExtColumns...)
	}
	if periods {
		header = append(header, PeriodColumns...)
	}
	var records [][]string
	for _, b := range blocks {
		for _, r := range b.Rows {
			rec := r.fields()
			if all {
				rec = append(rec, r.extFields()...)
			}
			if periods {
				rec = append(rec, b.Since.UTC().Format(time.RFC3339), b.Until.UTC().Format(time.RFC3339))
			}
			records = append(records, rec)
		}
	}
	return writeRecords(w, header, records)
}

// object is a JSON object that keeps its keys in order.
type object struct {
	keys []string
	vals map[string]any
}

func (o *object) set(k string, v any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// MarshalJSON writes the keys in insertion order.
func (o *object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// extJSON is an object keyed by the CSV header, in its order; numbers as
// in the CSV, undefined values null, platforms and the reply hours as
// arrays.
func extJSON(r ExtRow, all bool) *object {
	m := &object{}
	base := r.fields()
	for i, k := range CSVHeader {
		switch {
		case i == 0:
			m.set(k, base[i])
		default:
			m.set(k, rawNumber(base[i]))
		}
	}
	if !all {
		return m
	}
	ext := r.extFields()
	for i, k := range ExtColumns {
		switch k {
		case "sector":
			m.set(k, r.Sector)
		case "platforms":
			ps := r.Platforms
			if ps == nil {
				ps = []PlatformCount{}
			}
			m.set(k, ps)
		default:
			m.set(k, rawNumber(ext[i]))
		}
	}
	m.set("reply_hours", r.ReplyHours)
	return m
}

func writeExtJSON(w io.Writer, blocks []Block, all, periods bool) error {
	if !periods {
		out := []*object{}
		for _, b := range blocks {
			for _, r := range b.Rows {
				out = append(out, extJSON(r, all))
			}
		}
		return encodeIndented(w, out)
	}
	type block struct {
		Start string    `json:"period_start"`
		End   string    `json:"period_end"`
		Rows  []*object `json:"rows"`
	}
	out := []block{}
	for _, b := range blocks {
		bl := block{Start: b.Since.UTC().Format(time.RFC3339), End: b.Until.UTC().Format(time.RFC3339), Rows: []*object{}}
		for _, r := range b.Rows {
			bl.Rows = append(bl.Rows, extJSON(r, all))
		}
		out = append(out, bl)
	}
	return encodeIndented(w, out)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeExtTable(w io.Writer, blocks []Block, all, periods bool) error {
	for i, b := range blocks {
		if periods {
			if i > 0 {
				if _, err := fmt.Fprintln(w); err != nil {
					return err
				}
			}
			if _, err := fmt.Fprintf(w, "period %s → %s\n", b.Since.UTC().Format(time.RFC3339), b.Until.UTC().Format(time.RFC3339)); err != nil {
				return err
			}
		}
		var base bytes.Buffer
		rows := make([]Row, len(b.Rows))
		for j, r := range b.Rows {
			rows[j] = r.Row
		}
		if err := WriteTable(&base, rows); err != nil {
			return err
		}
		lines := strings.Split(strings.TrimSuffix(base.String(), "\n"), "\n")
		if len(b.Rows) == 0 || !all {
			if _, err := io.WriteString(w, base.String()); err != nil {
				return err
			}
			continue
		}
		var ext bytes.Buffer
		tw := tabwriter.NewWriter(&ext, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SECTOR\tSCORE\tRANK SECTOR\tRANK COMP\tBIZ FRT MEDIAN\tBIZ FRT P90\tSENTIMENT\tNEGATIVE\tDEFLECTION\tCANNED\tEMPATHY\tACTIVE HOURS\tPLATFORMS\tSCORE CHANGE\tRECOVERY\tRECOVERED\t")
		for _, r := range b.Rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%d\t\n",
				dash(r.Sector), dash(decimals(r.Score, 1)), dash(rankText(r.RankSector)), dash(rankText(r.RankCompetitors)),
				humanSeconds(r.BusinessFRTMedianSeconds), humanSeconds(r.BusinessFRTP90Seconds),
				dash(decimals(r.SentimentMean, 2)), percent(r.NegativeShare),
				percent(r.DeflectionRate), percent(r.CannedRate), dash(decimals(r.EmpathyMedian, 0)),
				r.ActiveHours, dash(platformsText(r.Platforms)), dash(signed(r.ScoreChange)),
				dash(signedDecimals(r.SentimentRecovery, 2)), r.RecoveredPosts)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		extLines := strings.Split(strings.TrimSuffix(ext.String(), "\n"), "\n")
		for j, l := range lines {
			e := ""
			if j < len(extLines) {
				e = strings.TrimRight(extLines[j], " ")
			}
			if _, err := fmt.Fprintf(w, "%s  %s\n", l, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// signedDecimals is v with n decimals and an explicit sign (+0.35).
func signedDecimals(v *float64, n int) string {
	if v == nil {
		return ""
	}
	s := strconv.FormatFloat(*v, 'f', n, 64)
	if *v >= 0 && s[0] != '-' {
		s = "+" + s
	}
	return s
}

func signed(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}
