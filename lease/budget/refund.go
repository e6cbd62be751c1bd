package budget

import (
	"context"
	"time"
)

// What settled calls hand back serves this process's next calls at once,
// as Bedrock's bucket has it back at settlement. A call reserves its whole
// input and max_tokens and settles far lower (with prompt caching, at
// about 40 % of its reservation). Handed back to the row, the difference
// would pull its schedule back at the end, behind every write already
// waiting there at the price of whole reservations: the quota would run at
// the reservations' price until those writes have had their turn. Spent
// here, it serves the next call when Bedrock would admit it. Bedrock
// counts the same tokens either way, and so does the row's net.

// refund returns quota to the pool: spent again while the pool is fresh,
// else handed back to the row by the next write or Flush. What a settled
// call did not use stays spendable for a hold of its own (see take) and
// wakes the callers waiting for quota; a cancelled reservation's does not
// (a throttle, as a rule: its retry would go straight back into it).
func (b *Budget) refund(reserved, tokens, requests int64, settled bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.open--
	b.openTokens -= reserved
	b.pool.tokens += tokens
	b.pool.requests += requests
	if !settled || reserved <= 0 {
		return
	}
	if b.handBack == 0 {
		b.handBack = float64(max(tokens, 0)) / float64(reserved)
	}
	b.handBack = 0.8*b.handBack + 0.2*float64(max(tokens, 0))/float64(reserved)
	if tokens > 0 {
		b.pool.refunded += tokens
		b.pool.refundedAt = b.clock.Now().UnixMicro()
		close(b.settled) // wake the callers waiting for quota
		b.settled = make(chan struct{})
	}
}

// refundsExpire is when what settled calls handed back stops serving
// calls: a hold after the last refund. Called with b.mu held.
func (b *Budget) refundsExpire() time.Time {
	return time.UnixMicro(b.pool.refundedAt).Add(b.holdTime())
}

// spendable is what take could spend now. Called with b.mu held.
func (b *Budget) spendable() int64 {
	p := &b.pool
	now := b.clock.Now()
	switch {
	case now.Before(p.expires):
		return p.tokens
	case now.Before(b.refundsExpire()):
		return min(p.refunded, p.tokens)
	}
	return 0
}

// expected is what the open reservations will probably hand back when
// they settle: their tokens at nine tenths of the share settled calls
// handed back so far. Called with b.mu held.
func (b *Budget) expected() int64 {
	return int64(0.9 * b.handBack * float64(b.openTokens))
}

// awaitRefund waits, once per reservation, for a call of this process to
// settle instead of writing, when a write would wait for its turn anyway
// and what the open calls will hand back covers tokens: the refund serves
// the caller when it comes, before a turn behind the queue would. It
// reports whether it waited (for a refund, at most a hold, or until ctx
// ends). Called with b.mu held; it releases it while waiting.
func (b *Budget) awaitRefund(ctx context.Context, tokens int64) bool {
	if b.granting != nil || b.handBack == 0 || b.spendable()+b.expected() < tokens || !b.wouldWait(tokens) {
		return false
	}
	settled := b.settled
	b.mu.Unlock()
	defer b.mu.Lock()
	select {
	case <-settled:
	case <-ctx.Done():
	case <-b.clock.After(b.holdTime()):
	}
	return true
}
