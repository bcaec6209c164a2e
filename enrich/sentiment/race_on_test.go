//go:build race

package sentiment

// raceEnabled: the race detector slows scoring ≈ 10×.
const raceEnabled = true
