package faultproxy

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
func draw(seed, n uint64, k kind) float64 {
	h := mix(seed ^ mix(n+1) ^ mix(uint64(k)<<32))
	return float64(h>>11) / (1 << 53)
}

// mix is the splitmix64 finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
