package emulator

import "math"

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
func draw(seed, n uint64, kind fault) float64 {
	h := mix(seed ^ mix(n+1) ^ mix(uint64(kind)<<32))
	return float64(h>>11) / (1 << 53)
}

// mix is the splitmix64 finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// serverFault decides whether call n fails with a 5xx before admission.
// One draw is split into disjoint ranges, so each kind fires at its rate.
func (f Faults) serverFault(seed, n uint64) fault {
	u := draw(seed, n, faultUnavailable)
	switch {
	case u < f.Unavailable:
		return faultUnavailable
	case u < f.Unavailable+f.Internal:
		return faultInternal
	}
	return faultNone
}

// answerFault decides how call n's answer is spoiled: not JSON, fenced,
// or neither, each at its rate.
func (f Faults) answerFault(seed, n uint64) fault {
	u := draw(seed, n, faultNotJSON)
	switch {
	case u < f.NotJSON:
		return faultNotJSON
	case u < f.NotJSON+f.Fenced:
		return faultFenced
	}
	return faultNone
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
