package detect

import (
	"math"
	"sort"
)

// median returns the median of xs (the mean of the two middle values when
// the length is even), 0 for none. It sorts xs.
func median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	sort.Float64s(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// medianMAD returns the median of xs and the median absolute deviation
// from it, using (and returning, grown if needed) scratch. xs is reordered.
func medianMAD(xs, scratch []float64) (med, mad float64, _ []float64) {
	med = median(xs)
	dev := scratch[:0]
	for _, x := range xs {
		dev = append(dev, math.Abs(x-med))
	}
	return med, median(dev), dev
}

// madScale turns a MAD into a standard deviation for normal data.
const madScale = 1.4826

// minRate is the least expected count of a window: a window that is
// empty in every past week still expects a little.
const minRate = 0.25

// countZ scores count x against a baseline level (a robust central value:
// the median or, for sparse counts, the trimmed mean) with MAD mad, both
// scaled by m (the market level). It is the smaller of two scores: the
// robust z (MAD with a Poisson floor, sqrt(expected + 1), so that a
// baseline whose MAD is zero does not turn one extra post into a storm) and
// the signed-root Poisson deviance with a continuity correction, which
// keeps sparse counts (a quiet brand at night) calibrated.
func countZ(x, level, mad, m float64) (expected, z float64) {
	expected = level * m
	sigma := math.Max(madScale*mad*m, math.Sqrt(expected+1))
	robust := (x - expected) / sigma
	return expected, math.Min(robust, poissonZ(x, expected))
}

// poissonZ is the signed root of the Poisson deviance of count x against
// rate lambda, with a half-count continuity correction towards lambda.
func poissonZ(x, lambda float64) float64 {
	lambda = math.Max(lambda, minRate)
	switch {
	case x > lambda+0.5:
		x -= 0.5
	case x < lambda-0.5:
		x += 0.5
	default:
		return 0
	}
	d := lambda - x
	if x > 0 {
		d = x*math.Log(x/lambda) - (x - lambda)
	}
	z := math.Sqrt(2 * math.Max(d, 0))
	if x < lambda {
		z = -z
	}
	return z
}

// level is the central value of count samples: the median, or the mean of
// the samples without their top fifth when that is larger (sparse counts,
// whose median is 0 although posts do come). xs must be sorted.
func level(xs []float64) float64 {
	med := median(xs)
	k := len(xs) - len(xs)/5
	if k == 0 {
		return med
	}
	sum := 0.0
	for _, x := range xs[:k] {
		sum += x
	}
	return math.Max(med, sum/float64(k))
}

// shareZ scores the share k/n against a baseline share p0, with the
// binomial deviation (floored) as the spread.
func shareZ(k, n, p0 float64) float64 {
	if n <= 0 {
		return 0
	}
	pc := math.Min(math.Max(p0, 0.02), 0.98)
	sd := math.Max(math.Sqrt(pc*(1-pc)/n), 0.02)
	return (k/n - p0) / sd
}
