package analytics

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// ReasonColumns is the recurring-reasons CSV header (and the JSON keys),
// in order.
var ReasonColumns = []string{
	"week", "brand", "reason", "trend", "count", "prev_count", "trailing_mean", "weeks_present", "weeks_window",
	"answered", "answered_share", "frt_median_s", "top_reply", "top_reply_count",
}

// answeredShare is Answered / Count, nil when Count is 0.
func (r ReasonTrend) answeredShare() *float64 { return ratio(r.Answered, r.Count) }

// frtMedian is FRTMedianSec, nil without an answered post.
func (r ReasonTrend) frtMedian() *float64 {
	if r.Answered == 0 {
		return nil
	}
	v := r.FRTMedianSec
	return &v
}

func (r ReasonTrend) fields() []string {
	return []string{
		r.Week.UTC().Format("2006-01-02"), r.Brand, r.Reason, r.Trend,
		strconv.FormatUint(r.Count, 10), strconv.FormatUint(r.PrevCount, 10),
		strconv.FormatFloat(r.TrailingMean, 'f', 2, 64),
		strconv.Itoa(r.WeeksPresent), strconv.Itoa(r.WeeksWindow),
		strconv.FormatUint(r.Answered, 10), ratioText(r.answeredShare()), secondsText(r.frtMedian()),
		r.TopReply, strconv.FormatUint(r.TopReplyCount, 10),
	}
}

// WriteReasons writes the recurring reasons in format (table, csv or
// json). CSV has the columns of ReasonColumns; JSON is an array of
// objects with those keys (numbers as in the CSV, null where undefined:
// answered_share without posts, frt_median_s without answered posts).
func WriteReasons(w io.Writer, format string, rows []ReasonTrend) error {
	records := recordsOf(rows)
	switch format {
	case "csv":
		return writeRecords(w, ReasonColumns, records)
	case "json":
		return writeObjects(w, ReasonColumns, records, "week", "brand", "reason", "trend", "top_reply")
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "WEEK\tBRAND\tREASON\tTREND\tCOUNT\tPREV\tTRAILING\tWEEKS\tANSWERED\tFRT MEDIAN\tTOP REPLY")
		for _, r := range rows {
			top := "-"
			if r.TopReply != "" {
				top = fmt.Sprintf("%s (%d)", clip(r.TopReply, 60), r.TopReplyCount)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%.2f\t%d/%d\t%s\t%s\t%s\n",
				r.Week.UTC().Format("2006-01-02"), r.Brand, r.Reason, r.Trend, r.Count, r.PrevCount, r.TrailingMean,
				r.WeeksPresent, r.WeeksWindow, percent(r.answeredShare()), humanSeconds(r.frtMedian()), top)
		}
		return tw.Flush()
	}
	return fmt.Errorf("recurring reasons: format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// clip shortens s to n runes, with an ellipsis, on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
