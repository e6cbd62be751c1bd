package budget

import "sync"

// Reservation is quota reserved for one call, shaped like
// golang.org/x/time/rate's: Settle it with what the call used, or Cancel it
// if the call did not happen. Only the first of the two counts, so
// `defer r.Cancel()` after Settle is always safe. Neither does I/O: the
// difference goes to the Budget's local pool, and back to the row with the
// next write or Flush. A nil *Reservation reserves nothing; its methods do
// nothing. Reservation is safe for concurrent use.
type Reservation struct {
	b      *Budget
	tokens int64
	once   sync.Once
}

// Tokens returns how many tokens were reserved.
func (r *Reservation) Tokens() int64 {
	if r == nil {
		return 0
	}
	return r.tokens
}

// Settle records that the call used used tokens: the difference with the
// reservation is refunded (or, when it used more, charged). The request
// stays charged.
func (r *Reservation) Settle(used int64) {
	if r == nil {
		return
	}
	r.once.Do(func() {
		r.b.counts.settled.Add(1)
		r.b.counts.spent.Add(used)
		r.b.refund(r.tokens, r.tokens-used, 0, true)
	})
}

// Cancel returns the whole reservation, request included: a call that did
// not happen, or was throttled, is not charged.
func (r *Reservation) Cancel() {
	if r == nil {
		return
	}
	r.once.Do(func() {
		r.b.counts.cancelled.Add(1)
		r.b.refund(r.tokens, r.tokens, 1, false)
	})
}
