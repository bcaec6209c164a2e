package eval

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/enrich/pii"
	"github.com/earshot-dev/earshot/enrich/replyquality"
	"github.com/earshot-dev/earshot/mention"
)

// Reply-quality data-set formats.
const (
	// FormatRepliesLabelled is earshot's own labelled set
	// (enrich/replyquality/testdata/labelled_replies.csv): tweet_id, brand,
	// created_at (RFC 3339), text, apology, acknowledgement, ownership,
	// next_step (0/1), deflection (dm, phone, email, web, store, none),
	// canned, personal (0/1), split (tune or holdout).
	FormatRepliesLabelled = "labelled"
	// FormatTwcsLabeled is the outbound agent-action files of twcs_labeled
	// (twcs-<Brand>-100-outbound.csv): text, created_at, author_id and one
	// 0/1 column per agent action, mapped by TwcsActionMap.
	FormatTwcsLabeled = "twcs_labeled"
)

// ReplyFormats lists the formats ReadReplies accepts.
var ReplyFormats = []string{FormatRepliesLabelled, FormatTwcsLabeled}

// Reply labels, in output order.
const (
	LabelApology         = "apology"
	LabelAcknowledgement = "acknowledgement"
	LabelOwnership       = "ownership"
	LabelNextStep        = "next_step"
	LabelDeflection      = "deflection"
	LabelCanned          = "canned"
	LabelPersonal        = "personal"
)

// ReplyLabels lists every label in output order.
var ReplyLabels = []string{LabelApology, LabelAcknowledgement, LabelOwnership, LabelNextStep, LabelDeflection, LabelCanned, LabelPersonal}

// TwcsActionMap maps the twcs_labeled agent actions to reply labels.
// Deflection actions name the channel the gold label stands for: in a file
// that annotates "Request DM", the deflection label is "the reply asks for a
// DM", predicted as Deflection == "dm". Actions not listed ("Provide URL",
// "Offer further help", "Request to not send personal details", "Refer to
// specialist team" — which mixes "I'll forward this to our team" with
// "contact our team here") are not mapped.
var TwcsActionMap = map[string]struct{ Label, Channel string }{
	"Apologize":                       {LabelApology, ""},
	"Request DM":                      {LabelDeflection, replyquality.DeflectDM},
	"Request username via DM":         {LabelDeflection, replyquality.DeflectDM},
	"Request email address via DM":    {LabelDeflection, replyquality.DeflectDM},
	"Request to call by phone":        {LabelDeflection, replyquality.DeflectPhone},
	"Request to reach out by chat":    {LabelDeflection, replyquality.DeflectPhone}, // "by phone or chat here: <link>"
	"Investigate issue":               {LabelNextStep, ""},
	"Investigate Issue":               {LabelNextStep, ""},
	"Request iOS version":             {LabelNextStep, ""},
	"Request device model":            {LabelNextStep, ""},
	"Request country":                 {LabelNextStep, ""},
	"Request device restart":          {LabelNextStep, ""},
	"Request exact issue description": {LabelNextStep, ""},
	"Request device and OS version":   {LabelNextStep, ""},
	"Request Spotify version":         {LabelNextStep, ""},
	"Request logout and login":        {LabelNextStep, ""},
	"Request error message":           {LabelNextStep, ""},
	"Provide delivery date":           {LabelNextStep, ""},
}

// ReplyExample is one labelled brand reply.
type ReplyExample struct {
	Line      int
	ID        string
	Brand     string
	CreatedAt time.Time
	Text      string
	// Gold holds the labels this file annotates.
	Gold map[string]bool
	// Channel is the gold deflection channel (labelled: dm … none) or, for
	// twcs_labeled, the channel its deflection label stands for.
	Channel string
	Split   string
}

// ReplyDataset is what ReadReplies read.
type ReplyDataset struct {
	Format   string
	Examples []ReplyExample
	// Labels are the labels the file annotates, in ReplyLabels order.
	Labels    []string
	Skipped   map[string]int
	FirstSkip map[string]string
}

func (d *ReplyDataset) skip(line int, reason, detail string) {
	if d.Skipped == nil {
		d.Skipped, d.FirstSkip = map[string]int{}, map[string]string{}
	}
	d.Skipped[reason]++
	if _, ok := d.FirstSkip[reason]; !ok {
		d.FirstSkip[reason] = fmt.Sprintf("line %d: %s", line, detail)
	}
}

// ReadReplies reads a reply-quality data set. Rows that cannot be used are
// skipped and counted; a file without the format's columns is an error.
func ReadReplies(r io.Reader, format string) (*ReplyDataset, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	d := &ReplyDataset{Format: format}
	switch format {
	case FormatRepliesLabelled:
		for _, c := range append([]string{"tweet_id", "brand", "created_at", "text"}, ReplyLabels...) {
			if _, ok := col[c]; !ok {
				return nil, fmt.Errorf("format %s: column %q missing (have %v)", format, c, header)
			}
		}
		d.Labels = ReplyLabels
	case FormatTwcsLabeled:
		for _, c := range []string{"tweet_id", "author_id", "created_at", "text"} {
			if _, ok := col[c]; !ok {
				return nil, fmt.Errorf("format %s: column %q missing (have %v)", format, c, header)
			}
		}
		have := map[string]bool{}
		for h := range col {
			if m, ok := TwcsActionMap[h]; ok {
				have[m.Label] = true
			}
		}
		for _, l := range ReplyLabels {
			if have[l] {
				d.Labels = append(d.Labels, l)
			}
		}
		if len(d.Labels) == 0 {
			return nil, fmt.Errorf("format %s: no agent-action column maps to a reply label (see TwcsActionMap)", format)
		}
	default:
		return nil, fmt.Errorf("unknown format %q, want one of %s", format, strings.Join(ReplyFormats, ", "))
	}
	line := 1
	for {
		rec, err := cr.Read()
		line++
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d.skip(line, SkipBadRow, err.Error())
			continue
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		ex := ReplyExample{Line: line, ID: get("tweet_id"), Text: get("text"), Gold: map[string]bool{}}
		if ex.Text == "" {
			d.skip(line, SkipEmptyText, "no text")
			continue
		}
		ct := get("created_at")
		for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05-07:00", "Mon Jan 02 15:04:05 -0700 2006"} {
			if t, err := time.Parse(layout, ct); err == nil {
				ex.CreatedAt = t.UTC()
				break
			}
		}
		bad := ""
		switch format {
		case FormatRepliesLabelled:
			ex.Brand, ex.Split = get("brand"), get("split")
			for _, l := range ReplyLabels {
				v := get(l)
				if l == LabelDeflection {
					if !validChannel(v) {
						bad = fmt.Sprintf("deflection %q is not one of %v", v, replyquality.Channels)
					}
					ex.Channel = v
					ex.Gold[l] = v != replyquality.DeflectNone
					continue
				}
				if v != "0" && v != "1" {
					bad = fmt.Sprintf("%s %q is not 0 or 1", l, v)
				}
				ex.Gold[l] = v == "1"
			}
		case FormatTwcsLabeled:
			ex.Brand = get("author_id")
			for _, l := range d.Labels {
				ex.Gold[l] = false
			}
			for h := range col {
				m, ok := TwcsActionMap[h]
				if !ok {
					continue
				}
				if m.Channel != "" {
					ex.Channel = m.Channel
				}
				switch v := get(h); v {
				case "1", "1.0":
					ex.Gold[m.Label] = true
				case "", "0", "0.0":
				default:
					bad = fmt.Sprintf("%s %q is not 0/1/empty", h, v)
				}
			}
		}
		if bad != "" {
			d.skip(line, SkipBadLabel, bad)
			continue
		}
		d.Examples = append(d.Examples, ex)
	}
	return d, nil
}

func validChannel(v string) bool {
	for _, c := range replyquality.Channels {
		if v == c {
			return true
		}
	}
	return false
}

// ReplyOptions configure a reply-quality evaluation.
type ReplyOptions struct {
	Config replyquality.Config
	// Split keeps only examples of that split ("tune", "holdout"); empty
	// keeps all. Every example still feeds the canned index.
	Split string
	// Corpus are further brand replies for the canned index (e.g. every
	// brand reply of twcs_first5000.csv), besides the data set's own.
	Corpus []replyquality.Reply
}

// BinaryScores are one label's figures.
type BinaryScores struct {
	Label              string
	TP, FP, FN, TN     int
	Precision, Recall  float64
	F1                 float64
	Support, Predicted int
}

// ReplyReport is the result of EvalReplies.
type ReplyReport struct {
	N       int
	Labels  []BinaryScores
	Channel struct{ N, Correct int } // labelled format: gold vs predicted channel over all rows
	MacroF1 float64
	Elapsed time.Duration
	// Errors lists up to 20 misclassified examples per label (for --errors).
	Errors map[string][]string
}

// EvalReplies scores every example with the reply-quality enricher (after
// PII redaction, as in the pipeline) and compares with the gold labels.
// The canned index holds every example of the data set (all splits) and
// opt.Corpus; each example is compared with the others, never itself.
func EvalReplies(ctx context.Context, ds *ReplyDataset, opt ReplyOptions) (*ReplyReport, error) {
	rq, err := replyquality.New(opt.Config, nil)
	if err != nil {
		return nil, err
	}
	red := pii.NewRedactor(0)
	all := make([]replyquality.Reply, 0, len(ds.Examples)+len(opt.Corpus))
	seen := map[string]bool{}
	for _, ex := range ds.Examples {
		text, _ := red.Redact(ex.Text)
		all = append(all, replyquality.Reply{ID: ex.ID, Brand: ex.Brand, CreatedAt: ex.CreatedAt, Text: text})
		seen[ex.Brand+"\x00"+ex.ID] = true
	}
	for _, r := range opt.Corpus {
		if !seen[r.Brand+"\x00"+r.ID] {
			text, _ := red.Redact(r.Text)
			r.Text = text
			all = append(all, r)
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].CreatedAt.Before(all[j].CreatedAt) })
	start := time.Now()
	// Two passes over the replies in time order: forward, each example is
	// compared with the brand's replies of the preceding window (what the
	// streaming enricher sees); backward, with time mirrored, with the
	// replies of the following window. The gold "canned" label says the
	// brand repeats the template, before or after, so the prediction is
	// the near-duplicates of both passes.
	type result struct {
		q          mention.ReplyQuality
		futureDups int
		futureBest float64
	}
	res := make(map[string]*result, len(ds.Examples))
	for _, ex := range ds.Examples {
		res[ex.Brand+"\x00"+ex.ID] = nil
	}
	back, err := replyquality.New(opt.Config, nil)
	if err != nil {
		return nil, err
	}
	for i, r := range all {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		k := r.Brand + "\x00" + r.ID
		if _, ok := res[k]; ok {
			res[k] = &result{q: rq.Assess(r.Brand, r.ID, r.CreatedAt, r.Text)}
		}
		rq.Add(r)
	}
	for i := len(all) - 1; i >= 0; i-- {
		r := all[i]
		r.CreatedAt = time.Unix(-r.CreatedAt.Unix(), 0)
		if x := res[r.Brand+"\x00"+r.ID]; x != nil {
			q := back.Assess(r.Brand, r.ID, r.CreatedAt, r.Text)
			x.futureDups, x.futureBest = q.CannedDups, q.Canned
		}
		back.Add(r)
	}
	rep := &ReplyReport{Errors: map[string][]string{}}
	scores := map[string]*BinaryScores{}
	for _, l := range ds.Labels {
		scores[l] = &BinaryScores{Label: l}
	}
	for _, ex := range ds.Examples {
		if opt.Split != "" && ex.Split != opt.Split {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x := res[ex.Brand+"\x00"+ex.ID]
		q := x.q
		q.CannedDups += x.futureDups
		q.Canned = max(q.Canned, x.futureBest)
		pred := map[string]bool{
			LabelApology:         q.Parts[replyquality.PartApology] > 0,
			LabelAcknowledgement: q.Parts[replyquality.PartAcknowledgement] > 0,
			LabelOwnership:       q.Parts[replyquality.PartOwnership] > 0,
			LabelNextStep:        q.Parts[replyquality.PartNextStep] > 0,
			LabelDeflection:      q.Deflection != replyquality.DeflectNone,
			LabelCanned:          q.CannedDups >= opt.Config.CannedMinDups,
			LabelPersonal:        q.Personal,
		}
		if ds.Format == FormatTwcsLabeled && ex.Channel != "" {
			pred[LabelDeflection] = q.Deflection == ex.Channel
		}
		rep.N++
		if ds.Format == FormatRepliesLabelled {
			rep.Channel.N++
			if q.Deflection == ex.Channel {
				rep.Channel.Correct++
			}
		}
		for _, l := range ds.Labels {
			s, g, p := scores[l], ex.Gold[l], pred[l]
			switch {
			case g && p:
				s.TP++
			case !g && p:
				s.FP++
			case g && !p:
				s.FN++
			default:
				s.TN++
			}
			if g != p && len(rep.Errors[l]) < 20 {
				rep.Errors[l] = append(rep.Errors[l], fmt.Sprintf("gold=%t pred=%t deflection=%s canned=%.2f dups=%d line %d %s: %s",
					g, p, q.Deflection, q.Canned, q.CannedDups, ex.Line, ex.Brand, oneLine(ex.Text)))
			}
		}
	}
	sum := 0.0
	for _, l := range ds.Labels {
		s := scores[l]
		s.Support, s.Predicted = s.TP+s.FN, s.TP+s.FP
		s.Precision, s.Recall = ratio(s.TP, s.Predicted), ratio(s.TP, s.Support)
		s.F1 = f1(s.Precision, s.Recall)
		rep.Labels = append(rep.Labels, *s)
		sum += s.F1
	}
	if len(rep.Labels) > 0 {
		rep.MacroF1 = sum / float64(len(rep.Labels))
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// WriteTo prints one name=value line per figure, macro_f1 last.
func (r *ReplyReport) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	p := func(name string, v any) {
		switch x := v.(type) {
		case float64:
			b.WriteString(name + "=" + strconv.FormatFloat(x, 'f', 4, 64) + "\n")
		default:
			fmt.Fprintf(&b, "%s=%v\n", name, x)
		}
	}
	p("n", r.N)
	for _, s := range r.Labels {
		p(s.Label+"_support", s.Support)
		p(s.Label+"_predicted", s.Predicted)
		p(s.Label+"_precision", s.Precision)
		p(s.Label+"_recall", s.Recall)
		p(s.Label+"_f1", s.F1)
	}
	if r.Channel.N > 0 {
		p("deflection_channel_accuracy", ratio(r.Channel.Correct, r.Channel.N))
	}
	p("macro_f1", r.MacroF1)
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// ReadTwcsReplies reads the brand replies of a twcs.csv file (tweet_id,
// author_id, inbound, created_at, text, in_response_to_tweet_id; an extra
// leading index column is fine) for ReplyOptions.Corpus: rows with inbound
// False and an in_response_to_tweet_id. Unusable rows are skipped.
func ReadTwcsReplies(r io.Reader) ([]replyquality.Reply, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, c := range []string{"tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id"} {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("twcs: column %q missing (have %v)", c, header)
		}
	}
	var out []replyquality.Reply
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || len(rec) < len(header) {
			continue
		}
		if !strings.EqualFold(rec[col["inbound"]], "false") || rec[col["in_response_to_tweet_id"]] == "" {
			continue
		}
		t, err := time.Parse("Mon Jan 02 15:04:05 -0700 2006", rec[col["created_at"]])
		if err != nil {
			continue
		}
		out = append(out, replyquality.Reply{ID: rec[col["tweet_id"]], Brand: rec[col["author_id"]], CreatedAt: t.UTC(), Text: rec[col["text"]]})
	}
	return out, nil
}
