package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/eval"
)

var evalRepliesFlags struct {
	Data, Format, Split, Corpus string
	Errors                      bool
}

func init() {
	c := &cobra.Command{
		Use:   "replies --data FILE --format labelled|twcs_labeled",
		Short: "Measure the reply-quality enricher; last line macro_f1",
		Long: `eval replies scores every brand reply of FILE with the reply-quality enricher
as configured (section enrich.reply_quality), after PII redaction as in the
pipeline, and compares with the gold labels.

Formats:
  labelled      earshot's hand-labelled set (enrich/replyquality/testdata/
                labelled_replies.csv, rubric in RUBRIC.md): apology,
                acknowledgement, ownership, next_step, deflection channel,
                canned, personal
  twcs_labeled  a twcs_labeled outbound file (twcs-<Brand>-100-outbound.csv):
                agent actions mapped to labels (Apologize → apology; Request
                DM / username via DM / email address via DM → deflection=dm;
                Request to call by phone / reach out by chat → deflection=
                phone; Investigate issue and the Request <detail> actions →
                next_step; other actions are not mapped)

Canned: every reply of FILE (all splits) and of --corpus feeds the brand
windows; a reply is canned when it has at least canned_min_dups
near-duplicates among the brand's other replies within the window before or
after it.

Output: n, per label support, predicted, precision, recall and F1,
deflection_channel_accuracy (labelled), and last macro_f1 (the mean F1 of
the labels the file annotates).`,
		Args: cobra.NoArgs,
		RunE: runEvalReplies,
	}
	f := c.Flags()
	f.StringVar(&evalRepliesFlags.Data, "data", "", "the labelled data set (required)")
	f.StringVar(&evalRepliesFlags.Format, "format", "", "data set format: "+strings.Join(eval.ReplyFormats, ", ")+" (required)")
	f.StringVar(&evalRepliesFlags.Split, "split", "", "labelled: only rows of this split (tune or holdout); default all")
	f.StringVar(&evalRepliesFlags.Corpus, "corpus", "", "a twcs CSV whose brand replies also feed the canned windows (e.g. twcs_first5000.csv)")
	f.BoolVar(&evalRepliesFlags.Errors, "errors", false, "list misclassified examples per label (to stderr)")
	evalCmd.AddCommand(c)
}

func runEvalReplies(cmd *cobra.Command, _ []string) error {
	fl := evalRepliesFlags
	if fl.Data == "" || fl.Format == "" {
		return fmt.Errorf("eval replies: --data FILE and --format (%s) are required", strings.Join(eval.ReplyFormats, ", "))
	}
	if fl.Split != "" && fl.Split != "tune" && fl.Split != "holdout" {
		return fmt.Errorf("eval replies: --split %q, want tune or holdout (or leave it out for all rows)", fl.Split)
	}
	a, err := newApp("eval", false)
	if err != nil {
		return err
	}
	cfg := defaultEnrichSection()
	if err := a.File.Section("enrich", &cfg); err != nil {
		return err
	}
	if err := cfg.ReplyQuality.Validate(); err != nil {
		return fmt.Errorf("config enrich: %w", err)
	}
	f, err := os.Open(fl.Data)
	if err != nil {
		return fmt.Errorf("eval replies: %w", err)
	}
	defer f.Close()
	ds, err := eval.ReadReplies(f, fl.Format)
	if err != nil {
		return fmt.Errorf("eval replies: %s: %w", fl.Data, err)
	}
	for reason, n := range ds.Skipped {
		a.Log.Warn("rows skipped", "file", fl.Data, "reason", reason, "count", n, "first", ds.FirstSkip[reason])
	}
	opt := eval.ReplyOptions{Config: cfg.ReplyQuality, Split: fl.Split}
	if fl.Corpus != "" {
		cf, err := os.Open(fl.Corpus)
		if err != nil {
			return fmt.Errorf("eval replies: %w", err)
		}
		opt.Corpus, err = eval.ReadTwcsReplies(cf)
		cf.Close()
		if err != nil {
			return fmt.Errorf("eval replies: %s: %w", fl.Corpus, err)
		}
	}
	rep, err := eval.EvalReplies(cmd.Context(), ds, opt)
	if err != nil {
		return fmt.Errorf("eval replies: %s: %w", fl.Data, err)
	}
	if fl.Errors {
		for _, l := range eval.ReplyLabels {
			for _, e := range rep.Errors[l] {
				fmt.Fprintf(os.Stderr, "%s\t%s\n", l, e)
			}
		}
	}
	_, err = rep.WriteTo(cmd.OutOrStdout())
	return err
}
