package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/enrich"
	"github.com/earshot-dev/earshot/enrich/pii"
	"github.com/earshot-dev/earshot/enrich/reasons"
	"github.com/earshot-dev/earshot/enrich/sentiment"
	"github.com/earshot-dev/earshot/mention"
)

var evalReasonsFlags struct {
	Data   []string
	Errors bool
}

func init() {
	c := &cobra.Command{
		Use:   "reasons --data FILE [--data FILE …]",
		Short: "Measure the contact-reason enricher on twcs_labeled inbound files; last line macro_f1",
		Long: `eval reasons classifies every post of the twcs_labeled inbound files
(twcs-<Brand>-200-inbound.csv: AmazonHelp, AppleSupport, SpotifyCares) with
the contact-reason enricher as configured (section enrich.reasons), after
PII redaction and sentiment as in the pipeline, and compares with the
files' topic columns mapped onto the taxonomy (enrich/reasons/TAXONOMY.md,
"Evaluation data"). Topics with no counterpart are counted in
excluded_topics and left out. A reason is scored only on the files whose
topics cover it; a reason that a file covers only in part (Apple's Battery
for product_fault) gets recall alone.

Output: n, brands, excluded_topics, per reason support, predicted,
precision, recall and F1, and last macro_f1 (the mean F1 of the reasons
measured with precision and recall that have gold posts).`,
		Args: cobra.NoArgs,
		RunE: runEvalReasons,
	}
	f := c.Flags()
	f.StringArrayVar(&evalReasonsFlags.Data, "data", nil, "a twcs_labeled inbound CSV file (required; repeat for several)")
	f.BoolVar(&evalReasonsFlags.Errors, "errors", false, "list misclassified posts per reason (to stderr)")
	evalCmd.AddCommand(c)
}

func runEvalReasons(cmd *cobra.Command, _ []string) error {
	if len(evalReasonsFlags.Data) == 0 {
		return fmt.Errorf("eval reasons: --data FILE is required (a twcs_labeled twcs-<Brand>-200-inbound.csv)")
	}
	a, err := newApp("eval", false)
	if err != nil {
		return err
	}
	cfg := defaultEnrichSection()
	if err := a.File.Section("enrich", &cfg); err != nil {
		return err
	}
	rep, err := evalReasons(cmd.Context(), cfg, evalReasonsFlags.Data)
	if err != nil {
		return err
	}
	if evalReasonsFlags.Errors {
		for _, id := range reasons.IDs() {
			for _, e := range rep.Errors[id] {
				fmt.Fprintf(os.Stderr, "%s\t%s\n", id, e)
			}
		}
	}
	_, err = rep.WriteTo(cmd.OutOrStdout())
	return err
}

// evalReasons reads the files and runs pii → sentiment → reasons over every
// post, as the enrich pipeline does for an inbound post.
func evalReasons(ctx context.Context, cfg enrichSection, files []string) (*reasons.Report, error) {
	for _, err := range []error{cfg.PII.Validate(), cfg.Sentiment.Validate(), cfg.Reasons.Validate()} {
		if err != nil {
			return nil, fmt.Errorf("config enrich: %w", err)
		}
	}
	var ds *reasons.Dataset
	for _, name := range files {
		err := func() error {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			ds, err = reasons.ReadTwcsLabeled(io.Reader(f), ds)
			return err
		}()
		if err != nil {
			return nil, fmt.Errorf("eval reasons: %s: %w", name, err)
		}
	}
	pe, err := pii.New(cfg.PII, nil)
	if err != nil {
		return nil, err
	}
	se, err := sentiment.New(cfg.Sentiment)
	if err != nil {
		return nil, err
	}
	rc := cfg.Reasons
	rc.Enabled, rc.InboundOnly = true, false
	re, err := reasons.New(rc, nil)
	if err != nil {
		return nil, err
	}
	pipe, err := enrich.NewPipeline(pe, se, re)
	if err != nil {
		return nil, err
	}
	at := time.Date(2017, 10, 1, 0, 0, 0, 0, time.UTC)
	var perr error
	rep := reasons.Evaluate(ds, func(text string) map[string]bool {
		m := &mention.Mention{V: mention.Version, ID: "eval:1", Platform: "twcs", NativeID: "1", CreatedAt: at, IngestedAt: at,
			Source: "eval", Text: text, ConversationID: "eval:1", Direction: mention.DirectionInbound}
		if err := pipe.Enrich(ctx, m); err != nil && perr == nil {
			perr = err
		}
		out := make(map[string]bool, len(m.ContactReason))
		for _, r := range m.ContactReason {
			out[r.Reason] = true
		}
		return out
	})
	if perr != nil {
		return nil, fmt.Errorf("eval reasons: %w", perr)
	}
	return rep, nil
}
