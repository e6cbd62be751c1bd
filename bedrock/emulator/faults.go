package emulator

import (
	"math"

	"github.com/vectora/ingest-normalize/internal/seeded"
)

// fault is one kind of injected fault.
type fault int

const (
	faultNone fault = iota
	faultUnavailable
	faultInternal
	faultNotJSON
	faultFenced
	faultSlow
)

// draw returns a uniform number in [0,1) for call n and fault kind, fixed
// by seed: the same seed gives the same faults to the same call numbers.
func draw(seed, n uint64, kind fault) float64 { return seeded.Uniform(seed, n, uint64(kind)) }

// choose returns the fault of the range u falls in when [0, 1) is cut
// into ranges of the given rates, one per fault, or faultNone.
func choose(u float64, faults []fault, rates ...float64) fault {
	if i := seeded.Pick(u, rates...); i >= 0 {
		return faults[i]
	}
	return faultNone
}

// serverFault decides whether call n fails with a 5xx before admission.
// One draw is split into disjoint ranges, so each kind fires at its rate.
func (f Faults) serverFault(seed, n uint64) fault {
	return choose(draw(seed, n, faultUnavailable), []fault{faultUnavailable, faultInternal}, f.Unavailable, f.Internal)
}

// answerFault decides how call n's answer is spoiled: not JSON, fenced,
// or neither, each at its rate.
func (f Faults) answerFault(seed, n uint64) fault {
	return choose(draw(seed, n, faultNotJSON), []fault{faultNotJSON, faultFenced}, f.NotJSON, f.Fenced)
}

// slowFactor returns the latency factor of call n: SlowFactor (3 when
// unset) for a slow call, else 1.
func (f Faults) slowFactor(seed, n uint64) float64 {
	if draw(seed, n, faultSlow) >= f.Slow {
		return 1
	}
	if f.SlowFactor <= 0 {
		return 3
	}
	return math.Max(f.SlowFactor, 1)
}
