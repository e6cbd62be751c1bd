package lease

import (
	"context"
	"sync"
)

// Reservation is quota reserved for one call, shaped like
// golang.org/x/time/rate's: Settle it with what the call used, or Cancel it
// if the call did not happen. Cancel after Settle does nothing, so
// `defer r.Cancel()` is always safe. Reservation is safe for concurrent use.
type Reservation struct {
	b      *Budget
	tokens int64
	once   sync.Once
}

// Tokens returns how many tokens were reserved.
func (r *Reservation) Tokens() int64 { return r.tokens }

// Settle records that the call used used tokens: the difference with the
// reservation is refunded (or, when it used more, charged).
func (r *Reservation) Settle(_ context.Context, used int64) error {
	r.once.Do(func() { r.b.refund(r.tokens-used, 0) })
	return nil
}

// Cancel returns the whole reservation, request included: a call that did
// not happen, or was throttled, is not charged.
func (r *Reservation) Cancel() {
	r.once.Do(func() { r.b.refund(r.tokens, 1) })
}
