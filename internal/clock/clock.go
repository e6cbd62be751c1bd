// Package clock tells the time to leases, budgets, claims and the pipeline,
// so that tests and benchmarks can run a minute of quota in a fraction of a
// second. Every instant those packages store or compare is read through a
// Clock; every wait on it goes through Clock.After.
//
// A Scaled clock runs faster than the wall clock. What crosses from one to
// the other — a context deadline, a timeout given to a network call — is
// converted by Wall and FromWall, the only two conversions there are.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and waits. Implementations must be safe for
// concurrent use.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed on this clock.
	After(d time.Duration) <-chan time.Time
}

// System is the wall clock.
var System Clock = system{}

type system struct{}

func (system) Now() time.Time                         { return time.Now() }
func (system) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Scaled runs Scale times faster than the wall clock, counting from Epoch:
// at wall time Epoch+d it reads Epoch+d×Scale. Every process that shares a
// budget must use the same Epoch and Scale (the benchmark passes them to
// the Lambda and the Bedrock emulator), so that quotas expressed per minute
// hold in scaled minutes. Scaled is a plain value, safe for concurrent use.
type Scaled struct {
	Epoch time.Time
	Scale float64
}

// Now returns the scaled time.
func (c Scaled) Now() time.Time {
	return c.Epoch.Add(time.Duration(float64(time.Since(c.Epoch)) * c.Scale))
}

// After waits d of scaled time, that is d/Scale of wall time.
func (c Scaled) After(d time.Duration) <-chan time.Time {
	out := make(chan time.Time, 1)
	time.AfterFunc(time.Duration(float64(d)/c.Scale), func() { out <- c.Now() })
	return out
}

// Wall converts a duration on c to wall time: what a timeout handed to a
// network call or a context must be for it to last d on c.
func Wall(c Clock, d time.Duration) time.Duration {
	return time.Duration(float64(d) / rate(c))
}

// FromWall converts a wall-clock duration, such as the time left before a
// Lambda deadline, to c's time.
func FromWall(c Clock, d time.Duration) time.Duration {
	return time.Duration(float64(d) * rate(c))
}

// Rate returns how many times faster than the wall clock c runs: Scale.
func (c Scaled) Rate() float64 { return c.Scale }

// rate is how many times faster than the wall clock c runs: its Rate when
// it has one (a Scaled clock, or a clock that wraps one), 1 otherwise.
func rate(c Clock) float64 {
	if r, ok := c.(interface{ Rate() float64 }); ok {
		return r.Rate()
	}
	return 1
}

// Sleep waits d on c, or until ctx ends, in which case it returns
// ctx.Err().
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.After(d):
		return nil
	}
}
