//go:build race

package ddbtest

const raceEnabled = true
