package lease

import "time"

// Clock tells the time and waits. Leases and budgets read every instant
// through a Clock so that tests and benchmarks can run a minute in
// milliseconds. Implementations must be safe for concurrent use.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed on this clock.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the wall clock.
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// ScaledClock runs Scale times faster than the wall clock, counting from
// Epoch: at wall time Epoch+d it reads Epoch+d×Scale. Every process that
// shares a budget must use the same Epoch and Scale (the benchmark passes
// them to the Lambda and the Bedrock emulator), so that quotas expressed per
// minute hold in scaled minutes. ScaledClock is safe for concurrent use.
type ScaledClock struct {
	Epoch time.Time
	Scale float64
}

// Now returns the scaled time.
func (c ScaledClock) Now() time.Time {
	real := time.Since(c.Epoch)
	return c.Epoch.Add(time.Duration(float64(real) * c.Scale))
}

// After waits d of scaled time, that is d/Scale of wall time.
func (c ScaledClock) After(d time.Duration) <-chan time.Time {
	out := make(chan time.Time, 1)
	time.AfterFunc(time.Duration(float64(d)/c.Scale), func() { out <- c.Now() })
	return out
}

// micros converts t to microseconds since the Unix epoch, the unit of every
// instant stored in the table.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is the inverse of micros.
func fromMicros(us int64) time.Time { return time.UnixMicro(us) }

// FromWall converts a wall-clock duration, such as the time left before a
// Lambda deadline, to this clock's time.
func (c ScaledClock) FromWall(d time.Duration) time.Duration {
	return time.Duration(float64(d) * c.Scale)
}

// wallToClock converts a wall-clock duration to clock c's time.
func wallToClock(c Clock, d time.Duration) time.Duration {
	if s, ok := c.(interface {
		FromWall(time.Duration) time.Duration
	}); ok {
		return s.FromWall(d)
	}
	return d
}
