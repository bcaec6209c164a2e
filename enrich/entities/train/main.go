// Command train trains the entities tagger's shipped weights
// (enrich/entities/weights.bin.gz) from the shared NER data sets.
//
//	go run ./enrich/entities/train            # from the repository root
//
// It reads only CC-BY-4.0 data (WNUT-17 train, Broad Twitter Corpus
// train), with a fixed seed and one goroutine, and writes gzip without a
// timestamp: two runs give the same bytes. It first trains on four fifths
// of the training sentences to pick the O margin on the last fifth, then
// on all of them. It then prints the held-out scores on the development
// files (never trained or tuned on) with -eval.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/earshot-dev/earshot/enrich/entities"
)

// trainFiles are the training files, relative to the data sets folder.
var trainFiles = []struct{ path, scheme string }{
	{"ner/wnut17/wnut17train.conll", "wnut17"},
	{"ner/broad_twitter_corpus/btc.train.conll", "btc"},
}

// oMargins are the O margins tried (see entities.ModelInfo.OMargin).
var oMargins = []float64{0, 2, 4, 6, 8, 10, 12, 16, 20}

// devFiles are held out: printed with -eval, never trained on.
var devFiles = []struct{ path, scheme string }{
	{"ner/wnut17/emerging.dev.conll", "wnut17"},
	{"ner/broad_twitter_corpus/btc.dev.conll", "btc"},
	{"ner/wnut16/dev.conll", "wnut16"},
}

func main() {
	data := flag.String("data", "../shared/datasets", "the shared data sets folder")
	out := flag.String("out", "enrich/entities/weights.bin.gz", "the weights file to write")
	epochs := flag.Int("epochs", 8, "training epochs")
	bits := flag.Int("bits", 20, "hash bits (table rows = 2^bits)")
	prune := flag.Float64("prune", 0.0005, "zero averaged weights below this share of the largest")
	minVocab := flag.Int("min-vocab", 3, "least lower-case occurrences of a common word")
	eval := flag.Bool("eval", true, "print held-out scores on the development files")
	flag.Parse()
	if err := run(*data, *out, *epochs, *bits, *prune, *minVocab, *eval); err != nil {
		slog.Error("train", "err", err)
		os.Exit(1)
	}
}

func run(data, out string, epochs, bits int, prune float64, minVocab int, eval bool) error {
	var sents []entities.Sentence
	var info entities.ModelInfo
	for _, tf := range trainFiles {
		raw, err := os.ReadFile(filepath.Join(data, tf.path))
		if err != nil {
			return err
		}
		rs, err := entities.ReadCoNLL(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("%s: %w", tf.path, err)
		}
		sc := entities.Schemes[tf.scheme]
		for _, r := range rs {
			s, err := entities.ToSentence(r, sc)
			if err != nil {
				return fmt.Errorf("%s: %w", tf.path, err)
			}
			sents = append(sents, s)
		}
		sum := sha256.Sum256(raw)
		info.TrainedOn = append(info.TrainedOn, entities.TrainFile{Path: tf.path, Scheme: tf.scheme,
			SHA256: hex.EncodeToString(sum[:]), Sentences: len(rs), Licence: sc.Licence})
	}
	opt := entities.TrainOptions{Epochs: epochs, HashBits: bits, Seed: 17, Prune: prune}
	// The O margin, picked on a fifth of the training data (never the
	// development files) with a model trained on the rest.
	var fit, held []entities.Sentence
	for i, s := range sents {
		if i%5 == 0 {
			held = append(held, s)
		} else {
			fit = append(fit, s)
		}
	}
	m80, _, err := entities.TrainTagger(fit, entities.LowerVocab(fit, minVocab), opt)
	if err != nil {
		return err
	}
	margin, bestF1 := 0.0, -1.0
	for _, mg := range oMargins {
		t, err := entities.NewTagger(m80.WithOMargin(mg), nil)
		if err != nil {
			return err
		}
		f1 := entities.ScoreSentences(t, held).F1()
		slog.Info("o margin", "margin", mg, "held_out_f1", fmt.Sprintf("%.4f", f1))
		if f1 > bestF1 {
			margin, bestF1 = mg, f1
		}
	}
	vocab := entities.LowerVocab(sents, minVocab)
	start := time.Now()
	m, tr, err := entities.TrainTagger(sents, vocab, opt)
	if err != nil {
		return err
	}
	slog.Info("trained", "sentences", len(sents), "vocab", len(vocab), "took", time.Since(start).Round(time.Millisecond), "updates_per_epoch", tr.Updates)
	info.HashBits = bits
	info.Scale = tr.Scale
	info.OMargin = margin
	info.Licence = "CC-BY-4.0 (trained only on CC-BY-4.0 data: WNUT-17 and the Broad Twitter Corpus; cite Derczynski et al. 2017 and 2016)"
	info.Gazetteer = "names, aliases and @handles of registry/default.yaml; the entity names of the training files (an entity at least half the times they occur, 5-fold jackknifed in training)"
	info.Training = map[string]any{"algorithm": "averaged perceptron, greedy left-to-right BIO", "o_margin_from": "every 5th training sentence held out, model trained on the rest", "epochs": epochs, "seed": 17, "prune": prune, "min_vocab": minVocab}
	nz := 0
	for _, w := range tr.Weights {
		if w != 0 {
			nz++
		}
	}
	info.Stats = map[string]int64{"nonzero_weights": int64(nz), "vocab": int64(len(vocab)), "names": int64(len(tr.Names))}
	var buf bytes.Buffer
	if err := entities.WriteModel(&buf, info, tr.Weights, vocab, tr.Names); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	slog.Info("wrote", "file", out, "bytes", buf.Len(), "nonzero_weights", nz)
	if !eval {
		return nil
	}
	m, err = entities.ReadModel(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return fmt.Errorf("reading back %s: %w", out, err)
	}
	t, err := entities.NewTagger(m, nil)
	if err != nil {
		return err
	}
	for _, df := range devFiles {
		f, err := os.Open(filepath.Join(data, df.path))
		if err != nil {
			return err
		}
		rs, err := entities.ReadCoNLL(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", df.path, err)
		}
		rep, err := entities.Evaluate(context.Background(), t, rs, entities.Schemes[df.scheme])
		if err != nil {
			return err
		}
		fmt.Printf("%s\tP=%.3f R=%.3f F1=%.3f", df.path, rep.Overall.Precision(), rep.Overall.Recall(), rep.Overall.F1())
		for _, ty := range entities.Types {
			fmt.Printf("  %s=%.3f", ty, rep.ByType[ty].F1())
		}
		fmt.Println()
	}
	return nil
}
