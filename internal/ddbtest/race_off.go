//go:build !race

package ddbtest

const raceEnabled = false
