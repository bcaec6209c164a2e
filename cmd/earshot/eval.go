package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/enrich/sentiment"
	"github.com/earshot-dev/earshot/eval"
	"github.com/earshot-dev/earshot/mention"
)

var evalFlags struct {
	Data    string
	Format  string
	Split   string
	Inbound bool
}

// evalCmd is the parent of the eval tasks.
var evalCmd = &cobra.Command{
	Use:   "eval",
	Short: "Measure an enricher on a labelled data set",
	Long: `eval runs one of earshot's enrichers in-process over a labelled data set and
prints one name=value line per figure (scores as fractions between 0 and 1),
the headline figure last. It needs no Kafka and no ClickHouse.`,
	Args: cobra.NoArgs,
}

func init() {
	c := &cobra.Command{
		Use:   "sentiment --data FILE --format semeval|vader|s140|crowdflower",
		Short: "Measure the sentiment enricher; last line macro_f1 (pearson_r for vader)",
		Long: `eval sentiment scores every text of FILE with the sentiment enricher as
configured (section enrich.sentiment) and compares with the gold labels.

Formats:
  semeval      TSV id, label, text (SemEval 2013–2017 Task 4A; extra columns ignored)
  vader        TSV id, mean valence −4..4, text (VADER's tweets_GroundTruth.txt)
  s140         Sentiment140 CSV: polarity 0/2/4, id, date, query, user, text
  crowdflower  CSV with a header: text or tweet_text, and airline_sentiment,
               sentiment or is_there_an_emotion_directed_at_a_brand_or_product
               ("I can't tell" rows are skipped and counted); an optional split
               column, for --split (earshot's labelled brand-directed tweets,
               enrich/sentiment/testdata/brand_directed.csv)

A file the hybrid model was trained on (its SHA-256 is in the weights
header) is scored only on its held-out part: for a file the model used in
part, the rows of the other parts (the same split function, eval.SplitPart,
as the trainer) are skipped and counted as skipped_trained; a file it was
wholly trained on is refused. Trained-on rows are never scored.

Output: n, skipped counts (skipped_<reason>), accuracy, per-class precision,
recall and F1, f1_pn, macro_recall, and last macro_f1. For vader: sign_n,
sign_accuracy, neutral_predicted, and last pearson_r. Rows that cannot be read
are skipped and counted, never fatal.`,
		Args: cobra.NoArgs,
		RunE: runEvalSentiment,
	}
	f := c.Flags()
	f.StringVar(&evalFlags.Data, "data", "", "the labelled data set (required)")
	f.StringVar(&evalFlags.Format, "format", "", "data set format: "+strings.Join(eval.SentimentFormats, ", ")+" (required)")
	f.StringVar(&evalFlags.Split, "split", "", "crowdflower with a split column: only rows of this split (e.g. holdout); default all")
	f.BoolVar(&evalFlags.Inbound, "inbound", false, "score every row as a customer's mention addressed to a brand (direction inbound), as the pipeline does for those")
	evalCmd.AddCommand(c)
	rootCmd.AddCommand(evalCmd)
}

func runEvalSentiment(cmd *cobra.Command, _ []string) error {
	if evalFlags.Data == "" || evalFlags.Format == "" {
		return fmt.Errorf("eval sentiment: --data FILE and --format (%s) are required", strings.Join(eval.SentimentFormats, ", "))
	}
	a, err := newApp("eval", false)
	if err != nil {
		return err
	}
	cfg := defaultEnrichSection()
	if err := a.File.Section("enrich", &cfg); err != nil {
		return err
	}
	if err := cfg.Sentiment.Validate(); err != nil {
		return fmt.Errorf("config enrich: %w", err)
	}
	se, err := sentiment.New(cfg.Sentiment)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(evalFlags.Data)
	if err != nil {
		return fmt.Errorf("eval sentiment: %w", err)
	}
	ds, err := eval.Read(bytes.NewReader(data), evalFlags.Format)
	if err != nil {
		return fmt.Errorf("eval sentiment: %s: %w", evalFlags.Data, err)
	}
	if err := dropTrained(ds, se.Model(), data); err != nil {
		return fmt.Errorf("eval sentiment: %s: %w", evalFlags.Data, err)
	}
	if evalFlags.Split != "" {
		if _, err := ds.KeepSplit(evalFlags.Split); err != nil {
			return fmt.Errorf("eval sentiment: %s: %w", evalFlags.Data, err)
		}
	}
	for _, reason := range ds.SkipReasons() {
		a.Log.Warn("rows skipped", "file", evalFlags.Data, "reason", reason, "count", ds.Skipped[reason], "first", ds.FirstSkip[reason])
	}
	sc := eval.EnricherScorer{Enricher: se}
	if evalFlags.Inbound {
		sc.Direction = mention.DirectionInbound
	}
	rep, err := eval.Sentiment(cmd.Context(), ds, sc)
	if err != nil {
		return fmt.Errorf("eval sentiment: %s: %w", evalFlags.Data, err)
	}
	_, err = rep.WriteTo(cmd.OutOrStdout())
	return err
}

// dropTrained removes from ds the rows m was trained on or made choices
// on, found by the file's SHA-256 in m's header (nothing for VADER alone,
// m nil): for a file split into parts, the rows outside its held-out
// parts (skipped_trained); for the file the inbound decision biases were
// chosen on, the rows of that split (skipped_trained); a file used whole
// is an error.
func dropTrained(ds *eval.Dataset, m *sentiment.Model, data []byte) error {
	if m == nil {
		return nil
	}
	raw := sha256.Sum256(data)
	sum := hex.EncodeToString(raw[:])
	if cf := m.Info.InboundChoices; cf != nil && cf.SHA256 == sum {
		ds.DropTrained(func(ex eval.Example) bool { return ex.Split == cf.Split })
	}
	tf, ok := m.UsedFile(sum)
	if !ok {
		return nil
	}
	if tf.Split == nil {
		return fmt.Errorf("the sentiment model (%s) was trained on this file (%s): it has no held-out rows to score", m.ID, tf.Path)
	}
	_, err := ds.KeepParts(tf.Split.Rule, tf.Split.Parts, tf.Split.HeldOut)
	return err
}
