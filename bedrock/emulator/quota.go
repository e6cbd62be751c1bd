package emulator

import "time"

// bucket is one quota (tokens or requests per minute) as a token bucket
// refilled continuously, or as fixed windows when window > 0. Its methods
// take the emulated time as an argument and are not safe for concurrent
// use: the Server guards them.
//
// Other applications on the account (the other tenant, drawing a share
// s of the rate between its start and stop) use the quota continuously, so
// the bucket refills at (1-s) × rate while they run (an idle bucket still
// fills up: the others use less than the refill) and each fixed window
// starts with (1-s) of its share. The level goes negative when a call
// settles above its reservation.
type bucket struct {
	perMinute float64 // the quota
	capacity  float64 // burst × perMinute, or the window's share
	other     Tenant  // another application drawing on the quota
	window    time.Duration
	epoch     time.Time // start of window 0, and the time the tenant's start and stop count from
	level     float64
	last      time.Time
	used      float64 // consumed by the other tenant since the epoch
}

// newBucket returns a full bucket for a quota of perMinute.
func newBucket(perMinute, burstMinutes float64, other Tenant, window time.Duration, now time.Time) *bucket {
	b := &bucket{perMinute: perMinute, other: other, window: window, epoch: now, last: now}
	b.capacity = perMinute * burstMinutes
	b.level = b.capacity
	if window > 0 {
		b.capacity = perMinute * window.Minutes()
		b.level = b.capacity * (1 - b.otherShare(now))
	}
	return b
}

// otherShare is the share of the rate the other tenant draws at t.
func (b *bucket) otherShare(t time.Time) float64 {
	d := t.Sub(b.epoch)
	if d < time.Duration(b.other.Start) || (b.other.Stop > 0 && d >= time.Duration(b.other.Stop)) {
		return 0
	}
	return b.other.Share
}

// otherMinutes is how many minutes of [from, to) the other tenant draws.
func (b *bucket) otherMinutes(from, to time.Time) float64 {
	start := b.epoch.Add(time.Duration(b.other.Start))
	stop := to
	if b.other.Stop > 0 {
		stop = b.epoch.Add(time.Duration(b.other.Stop))
	}
	lo, hi := maxTime(from, start), minTime(to, stop)
	if b.other.Share == 0 || !hi.After(lo) {
		return 0
	}
	return hi.Sub(lo).Minutes()
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
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
			share := b.otherShare(now)
			b.used += b.capacity * share
			b.level = b.capacity * (1 - share)
		}
		b.last = now
		return
	}
	dt, other := now.Sub(b.last).Minutes(), b.other.Share*b.otherMinutes(b.last, now)
	b.used += b.perMinute * other
	b.level = min(b.capacity, b.level+b.perMinute*(dt-other))
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
	perDay   float64 // tokens per day
	day      int64   // the emulated UTC day dayUsed counts
	dayUsed  float64
}

// quotaKind names the quota that throttled a call.
type quotaKind int

const (
	quotaOK quotaKind = iota
	quotaRequests
	quotaTokens
	quotaDay
)

func newQuota(q Quota, s *Settings, now time.Time) *quota {
	other := s.OtherTenant
	if other.Share == 0 {
		other = Tenant{Share: s.Faults.Background}
	}
	out := &quota{tokens: newBucket(float64(q.TPM), s.BurstMinutes, other, time.Duration(s.Window), now),
		perDay: float64(q.TPD)}
	if q.TPD == 0 {
		out.perDay = float64(q.TPM) * 1440
	}
	if q.RPM > 0 {
		out.requests = newBucket(float64(q.RPM), s.BurstMinutes, other, time.Duration(s.Window), now)
	}
	return out
}

// dayOf is the UTC day of t, in days since the epoch.
func dayOf(t time.Time) int64 { return t.Unix() / 86400 }

// admit charges one request and reserve tokens at now, or charges nothing
// and reports which quota is exhausted (requests first, when there is a
// requests-per-minute quota).
func (q *quota) admit(reserve float64, now time.Time) quotaKind {
	if q.day != dayOf(now) {
		q.day, q.dayUsed = dayOf(now), 0
	}
	if q.dayUsed+reserve > q.perDay {
		return quotaDay
	}
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
	if q.day == dayOf(now) {
		q.dayUsed += used
	}
	if used < reserved {
		q.tokens.give(reserved-used, now)
		return
	}
	q.tokens.take(used-reserved, now)
}
