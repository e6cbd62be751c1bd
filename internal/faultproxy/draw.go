package faultproxy

import "github.com/vectora/ingest-normalize/internal/seeded"

// kind names one independent draw per request.
type kind uint64

const (
	kindBefore kind = iota + 1
	kindSpike
	kindApplied
	kindConflict     // Conflict and ItemConflict (disjoint operations)
	kindConflictItem // which item of a transaction conflicts
	kindThrottle
	kindHold
)

// draw returns a uniform number in [0,1) for request n and kind, fixed by
// seed: the same seed gives the same faults to the same request numbers.
func draw(seed, n uint64, k kind) float64 { return seeded.Uniform(seed, n, uint64(k)) }
