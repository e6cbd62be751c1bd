package emulator

import "time"

// bucket is one quota (tokens or requests per minute) as a token bucket
// refilled continuously, or as fixed windows when window > 0. Its methods
// take the emulated time as an argument and are not safe for concurrent
// use: the Server guards them.
//
// Other applications on the account (the background share b) use the
// quota continuously, so the bucket refills at (1-b) × rate (an idle
// bucket still fills up: the others use less than the refill) and each
// fixed window starts with (1-b) of its share. The level goes negative
// when a call settles above its reservation.
type bucket struct {
	perMinute  float64 // the quota
	capacity   float64 // burst × perMinute, or the window's share
	background float64 // share used by other applications
	window     time.Duration
	epoch      time.Time // start of window 0
	level      float64
	last       time.Time
	used       float64 // consumed by the background since the epoch
}

// newBucket returns a full bucket for a quota of perMinute.
func newBucket(perMinute, burstMinutes, background float64, window time.Duration, now time.Time) *bucket {
	b := &bucket{perMinute: perMinute, background: background, window: window, epoch: now, last: now}
	b.capacity = perMinute * burstMinutes
	b.level = b.capacity
	if window > 0 {
		b.capacity = perMinute * window.Minutes()
		b.level = b.capacity * (1 - background)
	}
	return b
}

// refill brings the level up to now.
func (b *bucket) refill(now time.Time) {
	if !now.After(b.last) {
		return
	}
	if b.window > 0 {
		if b.windowOf(now) != b.windowOf(b.last) {
			b.used += b.capacity * b.background
			b.level = b.capacity * (1 - b.background)
		}
		b.last = now
		return
	}
	dt := now.Sub(b.last).Minutes()
	b.used += b.perMinute * b.background * dt
	b.level = min(b.capacity, b.level+b.perMinute*(1-b.background)*dt)
	b.last = now
}

func (b *bucket) windowOf(t time.Time) int64 {
	return int64(t.Sub(b.epoch) / b.window)
}

// allows reports whether n can be taken at now.
func (b *bucket) allows(n float64, now time.Time) bool {
	b.refill(now)
	return b.level >= n
}

// take removes n at now, even below zero.
func (b *bucket) take(n float64, now time.Time) {
	b.refill(now)
	b.level -= n
}

// give returns n at now, capped at capacity.
func (b *bucket) give(n float64, now time.Time) {
	b.refill(now)
	b.level = min(b.capacity, b.level+n)
}

// quota is the buckets of one model; requests is nil when the model has
// no requests-per-minute quota.
type quota struct {
	requests *bucket
	tokens   *bucket
}

// quotaKind names the quota that throttled a call.
type quotaKind int

const (
	quotaOK quotaKind = iota
	quotaRequests
	quotaTokens
)

func newQuota(q Quota, s *Settings, now time.Time) *quota {
	out := &quota{tokens: newBucket(float64(q.TPM), s.BurstMinutes, s.Faults.Background, time.Duration(s.Window), now)}
	if q.RPM > 0 {
		out.requests = newBucket(float64(q.RPM), s.BurstMinutes, s.Faults.Background, time.Duration(s.Window), now)
	}
	return out
}

// admit charges one request and reserve tokens at now, or charges nothing
// and reports which quota is exhausted (requests first, when there is a
// requests-per-minute quota).
func (q *quota) admit(reserve float64, now time.Time) quotaKind {
	if q.requests != nil && !q.requests.allows(1, now) {
		return quotaRequests
	}
	if !q.tokens.allows(reserve, now) {
		return quotaTokens
	}
	if q.requests != nil {
		q.requests.take(1, now)
	}
	q.tokens.take(reserve, now)
	return quotaOK
}

// settle replaces a reservation by the tokens actually used: the
// difference is refunded (capped at capacity) or charged.
func (q *quota) settle(reserved, used float64, now time.Time) {
	if used < reserved {
		q.tokens.give(reserved-used, now)
		return
	}
	q.tokens.take(used-reserved, now)
}
