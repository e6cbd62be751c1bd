package budget

import (
	"math"
	"time"
)

// The budget is a generic cell rate algorithm (GCRA), the token bucket
// written as one number per meter: the theoretical arrival time (TAT).
// Admitting n units at rate r pushes the TAT by n/r; the bucket holds at
// most tau of lead. An admission at time t fits when
//
//	max(TAT, t) + n/r ≤ t + tau
//
// so DynamoDB can check it with a condition on a stored number and apply it
// with a blind addition: no read before the write. A refund pulls the TAT
// back by n/r. Tokens held by an invocation that dies come back on their
// own: the TAT never moves faster than real time, so t catches up with it.

// meter is one GCRA counter of the budget row.
type meter struct {
	attr   string  // attribute holding the TAT, µs since the epoch
	rate   float64 // units per µs
	tau    int64   // burst tolerance, µs
	amount int64   // units the TAT moves by (negative: a refund)
	need   int64   // units that must fit (≥ amount; 0 for a pure refund)
	ahead  int64   // µs into the future an admission may be scheduled
	slack  int64   // µs behind now the TAT may lag and still be added to (see slackDivisor)
}

// step is how one meter takes part in an admission write. Its two
// branches overlap on [lo, top]: either is exact GCRA there.
type step struct {
	attr  string
	set   bool  // the reset branch: SET TAT = now + delta, for a TAT ≤ top
	lo    int64 // lowest TAT the add branch accepts: now minus the slack
	top   int64 // highest TAT the reset branch accepts: now
	delta int64 // µs to add (set=false) or to add to now (set=true)
	hi    int64 // highest TAT at which the admission may be scheduled
	check bool  // whether the write is conditional for this meter
}

// span is how long n units last at rate: n/rate µs, rounded up so that
// rounding never admits more than the rate.
func (m meter) span(n int64) int64 {
	return int64(math.Ceil(float64(n) / m.rate))
}

// plan decides, from the TAT last seen, how the meter takes part in an
// admission at now, or how long to wait before trying. Like
// golang.org/x/time/rate's Reserve, an admission may be scheduled up to
// ahead into the future: the writer then waits for its turn (delay) instead
// of racing everyone else for the next free slot, so contenders are served
// in the order their writes reach the row, and a waiter costs one write,
// not one per try. An admission that hands back an old pool in the same
// write must fit only its net amount (need), and moves the TAT by it.
//
// The reset branch (set) is planned for a TAT behind the slack; it is
// exact GCRA for any TAT up to now (max(TAT, now) is now), so its
// condition accepts TAT ≤ top, and a peer that reset the meter a moment
// earlier does not refuse a reset planned from an older view.
func (m meter) plan(tat, now int64) (step, time.Duration) {
	s := step{attr: m.attr, delta: m.span(m.amount)}
	if m.need <= 0 { // a refund always fits
		return s, 0
	}
	s.check = true
	s.hi = now + max(m.tau-m.span(m.need), 0) + m.ahead
	s.lo, s.top = now-m.slack, now
	if tat > s.hi {
		return s, time.Duration(tat-s.hi) * time.Microsecond
	}
	s.set = tat < s.lo
	return s, 0
}

// slackDivisor sets how far behind now a token meter's TAT may lag and
// still be added to rather than reset: a tenth of the burst. A meter near
// idle then does not flip between the two branches, whose writers would
// refuse each other; the lag (at most the slack) is admitted on top of the
// burst.
const slackDivisor = 10

// requestSlackDivisor is the same for the request meters: half the burst.
// A request meter rarely binds (a normalization call is thousands of
// tokens and one request), so it hovers just behind now, where a small
// slack would make writers guess the wrong branch; the price is at most
// half a burst of requests on top of RPM.
const requestSlackDivisor = 2

// delay is how long an admission written at now must wait for its turn,
// given the TAT it found (before).
func (m meter) delay(before, now int64) time.Duration {
	if m.need <= 0 {
		return 0
	}
	d := max(before, now-m.slack) + m.span(m.need) - m.tau - now
	return time.Duration(max(d, 0)) * time.Microsecond
}
