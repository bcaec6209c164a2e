package reasons

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// TopicMapping maps one topic of the twcs_labeled inbound files (multi-label
// 0/1 columns per brand) onto a reason of the taxonomy.
type TopicMapping struct {
	Brand, Topic string
	// Reason is the taxonomy id, or "" when the topic has no counterpart
	// (it is reported and left out of the evaluation).
	Reason string
	// Partial is true when the topic covers only part of the reason (Apple's
	// "Battery" is one kind of product_fault): a mention the classifier
	// gives the reason but the file does not tag may be right, so only
	// recall is measured for the reason on that brand's file.
	Partial bool
	Why     string
}

// TwcsTopics is the documented mapping of the twcs_labeled topics
// (TAXONOMY.md, "Evaluation data"). Several topics may map to one reason
// (Amazon's Return and Replacement are both return): a mention is gold for
// the reason when any of them is set.
var TwcsTopics = []TopicMapping{
	{"AmazonHelp", "Delivery", Delivery, false, "delivery or shipment"},
	{"AmazonHelp", "Bad Support", ServiceComplaint, false, "the customer support is bad"},
	{"AmazonHelp", "Service Praise", Praise, true, "praise of the support only; praise of a product is praise too"},
	{"AmazonHelp", "Order Cancellation", Cancellation, false, "cancellation of an order"},
	{"AmazonHelp", "Return", Return, false, "returning an item"},
	{"AmazonHelp", "Replacement", Return, false, "a replacement item"},
	{"AmazonHelp", "Refund", Refund, false, "a refund"},
	{"AmazonHelp", "Account", AccountAccess, false, "about the account"},
	{"AmazonHelp", "Prime", "", false, "mentions the Prime brand (Prime Video shows, Prime Now, Prime delivery), not the membership as such"},
	{"AmazonHelp", "Alexa", "", false, "a product line, not a reason"},
	{"AmazonHelp", "Kindle", "", false, "a product line, not a reason"},
	{"AmazonHelp", "Echo", "", false, "a product line, not a reason"},
	{"AmazonHelp", "Fire TV", "", false, "a product line, not a reason"},
	{"AmazonHelp", "Packaging", "", false, "packaging size and waste; no reason of its own (damaged in transit is delivery or product_fault)"},

	{"AppleSupport", "Battery", ProductFault, true, "battery problems, one kind of product fault"},
	{"AppleSupport", "Unresponsive/Freezing Device", ProductFault, true, "a device that freezes, one kind of product fault"},
	{"AppleSupport", "Refund", Refund, false, "a refund"},
	{"AppleSupport", "Update", "", false, "mentions a software update, broken or not"},
	{"AppleSupport", "iPhone", "", false, "a product line, not a reason"},
	{"AppleSupport", "iPad", "", false, "a product line, not a reason"},
	{"AppleSupport", "Mac", "", false, "a product line, not a reason"},
	{"AppleSupport", "TV", "", false, "a product line, not a reason"},
	{"AppleSupport", "Watch", "", false, "a product line, not a reason"},
	{"AppleSupport", "iCloud", "", false, "a product line, not a reason"},
	{"AppleSupport", "Apple Pay", "", false, "a product line, not a reason"},
	{"AppleSupport", "iTunes", "", false, "a product line, not a reason"},

	{"SpotifyCares", "Account", AccountAccess, false, "about the account"},
	{"SpotifyCares", "Billing/Payment", Billing, false, "billing or payment"},
	{"SpotifyCares", "Premium", Subscription, false, "Premium, the paid plan"},
	{"SpotifyCares", "Student Subscription", Subscription, false, "the student plan"},
	{"SpotifyCares", "Family Subscription", Subscription, false, "the family plan"},
	{"SpotifyCares", "Song/Artist", "", false, "catalogue content, not a reason"},
	{"SpotifyCares", "App", "", false, "mentions the app, broken or not"},
	{"SpotifyCares", "Playlist", "", false, "catalogue feature, not a reason"},
	{"SpotifyCares", "Hulu", "", false, "a partner product"},
	{"SpotifyCares", "Advertisement", "", false, "mentions ads"},
}

// Example is one labelled inbound post.
type Example struct {
	Brand, ID, Text string
	Gold            map[string]bool // mapped reasons set for this post
}

// Dataset is a set of labelled inbound posts, with what the evaluation
// covers per brand.
type Dataset struct {
	Examples []Example
	// Full and Partial are, per brand, the reasons the brand's file covers
	// fully (precision and recall) or partly (recall only).
	Full, Partial map[string]map[string]bool
	// Excluded counts, per "Brand/Topic", the posts tagged with a topic
	// that has no counterpart in the taxonomy (or that the file has but
	// the mapping does not know).
	Excluded map[string]int
}

// ReadTwcsLabeled reads a twcs_labeled inbound file
// (twcs-<Brand>-200-inbound.csv: …, text, company, then one 0/1 column per
// topic; an empty cell is 0) into ds (a new Dataset when ds is nil).
func ReadTwcsLabeled(r io.Reader, ds *Dataset) (*Dataset, error) {
	if ds == nil {
		ds = &Dataset{Full: map[string]map[string]bool{}, Partial: map[string]map[string]bool{}, Excluded: map[string]int{}}
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	ti, ci, idi := -1, -1, -1
	for i, h := range header {
		switch strings.TrimSpace(h) {
		case "text":
			ti = i
		case "company":
			ci = i
		case "tweet_id":
			idi = i
		}
	}
	if ti < 0 || ci < 0 || ci+1 >= len(header) {
		return nil, errors.New("not a twcs_labeled inbound file: want columns text, company and topic columns after company")
	}
	topics := header[ci+1:]
	line := 1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(rec) <= ci {
			return nil, fmt.Errorf("line %d: %d columns, want at least %d", line, len(rec), ci+1)
		}
		brand := rec[ci]
		if _, ok := ds.Full[brand]; !ok {
			full, part := map[string]bool{}, map[string]bool{}
			known := false
			for _, tm := range TwcsTopics {
				if tm.Brand != brand {
					continue
				}
				known = true
				if tm.Reason == "" {
					continue
				}
				if tm.Partial {
					part[tm.Reason] = true
				} else {
					full[tm.Reason] = true
				}
			}
			if !known {
				return nil, fmt.Errorf("line %d: no topic mapping for company %q (known: AmazonHelp, AppleSupport, SpotifyCares)", line, brand)
			}
			for r := range full {
				delete(part, r)
			}
			ds.Full[brand], ds.Partial[brand] = full, part
		}
		ex := Example{Brand: brand, Text: rec[ti], Gold: map[string]bool{}}
		if idi >= 0 && idi < len(rec) {
			ex.ID = rec[idi]
		}
		for k, topic := range topics {
			i := ci + 1 + k
			if i >= len(rec) {
				break
			}
			v := strings.TrimSpace(rec[i])
			if v == "" || v == "0" || v == "0.0" {
				continue
			}
			if f, err := strconv.ParseFloat(v, 64); err != nil || f == 0 {
				if err != nil {
					return nil, fmt.Errorf("line %d: topic %q: %q is not 0 or 1", line, topic, v)
				}
				continue
			}
			reason := ""
			for _, tm := range TwcsTopics {
				if tm.Brand == brand && tm.Topic == topic {
					reason = tm.Reason
					break
				}
			}
			if reason == "" {
				ds.Excluded[brand+"/"+topic]++
				continue
			}
			ex.Gold[reason] = true
		}
		ds.Examples = append(ds.Examples, ex)
	}
	return ds, nil
}

// LabelScores are one reason's figures. For a reason measured on partial
// topics only, Precision and F1 are NaN.
type LabelScores struct {
	Reason                string
	TP, FP, FN            int
	Support, Predicted    int
	Precision, Recall, F1 float64
	RecallOnly            bool
}

// Report is the result of Evaluate.
type Report struct {
	N      int
	Brands []string
	Labels []LabelScores
	// MacroF1 is the mean F1 over the reasons measured with precision and
	// recall that have at least one gold post.
	MacroF1  float64
	Excluded map[string]int
	// Errors lists, per reason, up to 10 misclassified posts ("FP …", "FN …").
	Errors map[string][]string
}

// Evaluate classifies every example with predict and compares with the
// gold reasons. A reason counts on an example only when the example's
// brand file covers it (Dataset.Full / Partial).
func Evaluate(ds *Dataset, predict func(text string) map[string]bool) *Report {
	rep := &Report{N: len(ds.Examples), Excluded: ds.Excluded, Errors: map[string][]string{}}
	for b := range ds.Full {
		rep.Brands = append(rep.Brands, b)
	}
	slices.Sort(rep.Brands)
	stats := map[string]*LabelScores{}
	partialOnly := map[string]bool{}
	for _, b := range rep.Brands {
		for r := range ds.Partial[b] {
			if _, ok := partialOnly[r]; !ok {
				partialOnly[r] = true
			}
		}
	}
	for _, b := range rep.Brands {
		for r := range ds.Full[b] {
			partialOnly[r] = false
		}
	}
	note := func(r, kind, text string) {
		if len(rep.Errors[r]) < 10 {
			rep.Errors[r] = append(rep.Errors[r], kind+" "+strings.Join(strings.Fields(text), " "))
		}
	}
	for _, ex := range ds.Examples {
		pred := predict(ex.Text)
		for _, r := range IDs() {
			full, part := ds.Full[ex.Brand][r], ds.Partial[ex.Brand][r]
			if !full && !part {
				continue
			}
			s := stats[r]
			if s == nil {
				s = &LabelScores{Reason: r, RecallOnly: partialOnly[r]}
				stats[r] = s
			}
			g, p := ex.Gold[r], pred[r]
			switch {
			case g && p:
				s.TP++
			case g && !p:
				s.FN++
				note(r, "FN", ex.Text)
			case !g && p && full:
				s.FP++
				note(r, "FP", ex.Text)
			}
			if g {
				s.Support++
			}
			if p {
				s.Predicted++
			}
		}
	}
	sum, n := 0.0, 0
	for _, r := range IDs() {
		s := stats[r]
		if s == nil {
			continue
		}
		s.Recall = ratio(s.TP, s.TP+s.FN)
		if s.RecallOnly {
			s.Precision, s.F1 = math.NaN(), math.NaN()
		} else {
			s.Precision = ratio(s.TP, s.TP+s.FP)
			if s.Precision+s.Recall > 0 {
				s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
			}
			if s.Support > 0 {
				sum += s.F1
				n++
			}
		}
		rep.Labels = append(rep.Labels, *s)
	}
	if n > 0 {
		rep.MacroF1 = sum / float64(n)
	}
	return rep
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// WriteTo prints the report as name=value lines (fractions with four
// decimals), macro_f1 last.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	fmt.Fprintf(&b, "n=%d\n", r.N)
	fmt.Fprintf(&b, "brands=%s\n", strings.Join(r.Brands, ","))
	var ex []string
	for k := range r.Excluded {
		ex = append(ex, k)
	}
	slices.Sort(ex)
	for i, k := range ex {
		ex[i] = fmt.Sprintf("%s:%d", k, r.Excluded[k])
	}
	fmt.Fprintf(&b, "excluded_topics=%s\n", strings.Join(ex, ","))
	for _, s := range r.Labels {
		fmt.Fprintf(&b, "%s_support=%d\n%s_predicted=%d\n", s.Reason, s.Support, s.Reason, s.Predicted)
		if s.RecallOnly {
			fmt.Fprintf(&b, "%s_recall=%s\n", s.Reason, f(s.Recall))
			continue
		}
		fmt.Fprintf(&b, "%s_precision=%s\n%s_recall=%s\n%s_f1=%s\n", s.Reason, f(s.Precision), s.Reason, f(s.Recall), s.Reason, f(s.F1))
	}
	fmt.Fprintf(&b, "macro_f1=%s\n", f(r.MacroF1))
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
