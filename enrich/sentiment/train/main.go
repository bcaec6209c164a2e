// Command train trains the sentiment model that earshot ships
// (enrich/sentiment/weights.bin.gz) from the public data sets beside the
// repository (../shared/datasets, see its README for the licences):
//
//	go run ./enrich/sentiment/train            # from the repository root
//	go run ./enrich/sentiment/train -datasets /path/to/datasets -out /tmp/w.bin.gz
//
// It is reproducible: a fixed list of files, a fixed seed, a single
// goroutine and a deterministic file format, so the same data gives the
// same bytes.
//
// Data use, fixed in the code below:
//
//   - training: SemEval Task 4A twitter-2013train, 2013dev, 2015train,
//     2016train and 2016dev (research use), minus every row whose id or text
//     also occurs in an evaluation or development file;
//   - development (choices only, never trained on): SemEval
//     twitter-2016devtest for the hyper-parameters and the decision biases;
//     every third row of VADER's tweets_GroundTruth.txt (rows whose line
//     number is divisible by 3; MIT) for the blend of model and lexicon;
//   - held out (not read here except to drop duplicates from the training
//     rows): SemEval 2013test, 2014test, 2014sarcasm, 2015test, 2016test,
//     the Sentiment140 test set, the CrowdFlower SXSW brand-emotion file,
//     and the other two thirds of VADER's tweets.
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
	"strings"

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
	heldOut   = []file{
		{"sentiment/semeval_2013_2016/twitter-2013test-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2014test-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2014sarcasm-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2015test-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/semeval_2013_2016/twitter-2016test-A.tsv", eval.FormatSemEval, semevalLicence},
		{"sentiment/sentiment140_test/testdata.manual.2009.06.14.csv", eval.FormatS140, "research use"},
		{"sentiment/brand_emotion_sxsw/brand_product_emotion.csv", eval.FormatCrowdFlower, "unknown (CrowdFlower Data for Everyone)"},
		vaderFile,
	}
)

// IsVADERDev reports whether a row of VADER's tweets (by its line number)
// is in the development third.
func isVADERDev(line int) bool { return line%3 == 0 }

type example struct {
	idx   []uint32 // hashed feature rows
	dense [sentiment.NumDense]float32
	y     int
	vader float64
	gold  float64 // VADER's human mean
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
	flag.Parse()
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
	featurize := func(ex eval.Example) example {
		enr.Featurize(ex.Text, &feats)
		e := example{idx: make([]uint32, len(feats.Hashed)), dense: feats.Dense, vader: feats.Vader.Compound, gold: ex.Score}
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

	// Ids and texts that must not be trained on.
	excludeID, excludeText := map[string]bool{}, map[string]bool{}
	for _, f := range append(append([]file{}, heldOut...), devFiles...) {
		d, _, err := read(ds, f)
		if err != nil {
			return err
		}
		for _, ex := range d.Examples {
			if f.format == eval.FormatSemEval {
				excludeID[ex.ID] = true
			}
			excludeText[key(ex.Text)] = true
		}
	}

	var train []example
	var info sentiment.ModelInfo
	seen := map[string]bool{}
	for _, f := range trainFiles {
		d, sum, err := read(ds, f)
		if err != nil {
			return err
		}
		tf := sentiment.TrainFile{Path: f.rel, SHA256: sum, Licence: f.licence}
		for _, ex := range d.Examples {
			k := key(ex.Text)
			if excludeID[ex.ID] || excludeText[k] || seen[k] {
				tf.Dropped++
				continue
			}
			seen[k] = true
			train = append(train, featurize(ex))
			tf.Examples++
		}
		info.TrainedOn = append(info.TrainedOn, tf)
		fmt.Printf("train %s: %d rows, %d dropped (duplicates of evaluation rows or of each other)\n", f.rel, tf.Examples, tf.Dropped)
	}
	var dev []example
	for _, f := range devFiles {
		dd, _, err := read(ds, f)
		if err != nil {
			return err
		}
		for _, ex := range dd.Examples {
			dev = append(dev, featurize(ex))
		}
		info.DevFiles = append(info.DevFiles, f.rel)
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
	fmt.Printf("train %d, dev %d, vader dev %d\n", len(train), len(dev), len(vdev))

	// Hyper-parameters: a small grid, chosen by macro-F1 on the dev file.
	var best struct {
		p      params
		table  []float32
		bias   [sentiment.NumClasses]float64
		dense  [sentiment.NumDense][sentiment.NumClasses]float64
		db     [sentiment.NumClasses]float64
		devF1  float64
		devRaw float64
	}
	best.devF1 = -1
	for _, epochs := range []int{1, 2, 3} {
		for _, l2 := range []float64{1e-6} {
			for _, cp := range []float64{0.5, 1} {
				p := params{l2: l2, lr: 0.05, classPower: cp, epochs: epochs}
				m := newLR(bits)
				m.fit(train, p, seed)
				raw := macroF1(dev, func(e example) int { return argmax(m.logits(e), [3]float64{}) })
				db, f1 := decisionBias(dev, m)
				fmt.Printf("epochs=%d l2=%g class_power=%g: dev macro-F1 %.4f, with decision biases %v %.4f\n", epochs, l2, cp, raw, db, f1)
				if f1 > best.devF1 {
					best.p, best.table, best.bias, best.dense, best.db, best.devF1, best.devRaw = p, m.w, m.b, m.d, db, f1, raw
				}
			}
		}
	}
	final := &lr{w: best.table, b: best.bias, d: best.dense, mask: mask}

	// Priors: fixed additions to the weights of the cue features, set by
	// hand before looking at any evaluation file. SemEval's tweets hold few
	// customer-service complaints and little marked sarcasm, so the
	// learnt weights of these cues are weak; the priors make a lexically
	// neutral complaint ("flight delayed 3 hours, no update") negative.
	// The dev figure with the priors is printed and recorded.
	for _, pr := range priors {
		final.d[pr.feature][pr.class] += pr.add
	}
	devPriors := macroF1(dev, func(e example) int { return argmax(final.logits(e), best.db) })
	fmt.Printf("dev macro-F1 with the priors: %.4f (without %.4f)\n", devPriors, best.devF1)

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
	info.DecisionBias = best.db
	info.Blend = blend
	info.Training = map[string]any{"algorithm": "multinomial logistic regression, AdaGrad SGD, L2 on touched weights",
		"l2": best.p.l2, "learning_rate": best.p.lr, "class_weight_power": best.p.classPower, "epochs": best.p.epochs, "seed": seed,
		"priors": "complaint→negative +1; complaint_quiet→negative +1, neutral −0.5; sarcasm→negative +1.5, positive −1.5; contrast→negative +1, positive −1"}
	info.DevScores = map[string]float64{"dev_macro_f1": round4(best.devF1),
		"dev_macro_f1_without_decision_bias": round4(best.devRaw), "vader_dev_pearson_r": round4(bestR), "dev_macro_f1_with_priors": round4(devPriors)}
	info.Licence = "derived from SemEval Task 4 data: research use only"

	var buf bytes.Buffer
	if err := sentiment.WriteModel(&buf, info, final.w); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d bytes): l2=%g class_power=%g decision_bias=%v blend=%.2f dev macro-F1 %.4f\n",
		out, buf.Len(), best.p.l2, best.p.classPower, best.db, blend, best.devF1)
	return nil
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
	d    [sentiment.NumDense][sentiment.NumClasses]float64
	mask uint64
}

func newLR(bits int) *lr {
	return &lr{w: make([]float32, (1<<bits)*sentiment.NumClasses), mask: uint64(1)<<bits - 1}
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
	var gb [sentiment.NumClasses]float64
	var gd [sentiment.NumDense][sentiment.NumClasses]float64
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
			pr := sentiment.Softmax(m.logits(e))
			var g [sentiment.NumClasses]float64
			for c := range g {
				g[c] = pr[c] * cw[e.y]
			}
			g[e.y] -= cw[e.y]
			for c := range g {
				gb[c] += g[c] * g[c]
				m.b[c] -= p.lr * g[c] / math.Sqrt(gb[c]+eps)
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
					gd[k][c] += gg * gg
					m.d[k][c] -= p.lr * gg / math.Sqrt(gd[k][c]+eps)
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
// (neutral's is 0) in −1..1 by macro-F1 on set.
func decisionBias(set []example, m *lr) ([sentiment.NumClasses]float64, float64) {
	z := make([][sentiment.NumClasses]float64, len(set))
	for i, e := range set {
		z[i] = m.logits(e)
	}
	var best [sentiment.NumClasses]float64
	bestF := -1.0
	for bn := -10; bn <= 10; bn++ {
		for bp := -10; bp <= 10; bp++ {
			b := [sentiment.NumClasses]float64{float64(bn) / 10, 0, float64(bp) / 10}
			i := 0
			f := macroF1(set, func(example) int { p := argmax(z[i], b); i++; return p })
			// Ties keep the first in grid order (deterministic).
			if f > bestF+1e-9 {
				best, bestF = b, f
			}
		}
	}
	return best, bestF
}
