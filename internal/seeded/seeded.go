// Package seeded draws the reproducible numbers of fault injection: the
// same seed gives the same draws to the same request numbers, whatever
// the order requests arrive in, so a failing run can be replayed.
package seeded

// Uniform returns a number in [0, 1) for request n and draw kind, fixed
// by seed. Draws of different kinds for one request are independent.
func Uniform(seed, n, kind uint64) float64 {
	return Fraction(seed ^ mix(n+1) ^ mix(kind<<32))
}

// Fraction maps a 64-bit value, a hash for instance, to a number in
// [0, 1), well spread even when the values are close.
func Fraction(x uint64) float64 { return float64(mix(x)>>11) / (1 << 53) }

// Pick returns the index of the range of u when [0, 1) is cut into
// consecutive ranges of the given widths, or -1 when u falls beyond them:
// one draw chooses among exclusive faults, each at its rate.
func Pick(u float64, widths ...float64) int {
	var end float64
	for i, w := range widths {
		if end += w; u < end {
			return i
		}
	}
	return -1
}

// mix is the splitmix64 finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
