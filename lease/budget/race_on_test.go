//go:build race

package budget_test

// raceEnabled slows the simulated clock: the race detector makes the
// in-process server several times slower.
const raceEnabled = true
