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

// refundEntry is what one settled call handed back to the pool, and when
// (µs).
type refundEntry struct{ at, tokens int64 }

// refund returns quota to the pool: spent again while the pool is fresh,
// else handed back to the row by the next write or Flush. What a settled
// call did not use also serves calls on its own for refundLife (see take)
// and wakes the callers waiting for quota; a cancelled reservation's does not
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
		b.lapseRefunds()
		b.pool.refunds = append(b.pool.refunds, refundEntry{at: b.clock.Now().UnixMicro(), tokens: tokens})
		close(b.settled) // wake the callers waiting for quota
		b.settled = make(chan struct{})
	}
}

// lapseRefunds drops from the pool what settled calls handed back more
// than refundLife ago. Bedrock had those tokens back at settlement, into a
// bucket that holds only so much: while the schedule queues writes at the
// price of whole reservations, Bedrock's bucket can fill up and lose what
// comes back to it. Handed back to the row that late, they would be
// scheduled again for tokens Bedrock no longer has (30 invocations: 0.6-5 %
// of the calls throttled, each time after a flood of late credits).
// Called with b.mu held.
func (b *Budget) lapseRefunds() {
	p := &b.pool
	old := b.clock.Now().Add(-b.refundLife()).UnixMicro()
	i := 0
	for i < len(p.refunds) && p.refunds[i].at <= old {
		p.tokens -= p.refunds[i].tokens
		i++
	}
	p.refunds = p.refunds[i:]
}

// refundLife is how long what a settled call handed back serves this
// process's calls or may go back to the row: a burst and a half, about
// what Bedrock's bucket holds when the budget's burst is the default
// 10 s (Bedrock's is 15 s). Shorter, the refunds of calls that settle while
// their process's next write waits in the queue lapse before it is written
// (10 invocations: 84 % of the quota used with a hold, 98 % with this);
// longer, they are credited after Bedrock lost them. Called with b.mu
// held.
func (b *Budget) refundLife() time.Duration {
	return time.Duration(b.rec.Burst) * time.Millisecond * 3 / 2
}

// refunded is what of the pool settled calls handed back less than
// refundLife ago. Call it after lapseRefunds.
func (p *pool) refunded() int64 {
	var n int64
	for _, r := range p.refunds {
		n += r.tokens
	}
	return n
}

// trim keeps at most n of the refunds, the newest.
func (p *pool) trim(n int64) {
	for len(p.refunds) > 0 && p.refunded() > n {
		if drop := p.refunded() - n; drop < p.refunds[0].tokens {
			p.refunds[0].tokens -= drop
		} else {
			p.refunds = p.refunds[1:]
		}
	}
}

// spendable is what take could spend now. Called with b.mu held.
func (b *Budget) spendable() int64 {
	b.lapseRefunds()
	if p := &b.pool; b.clock.Now().Before(p.expires) {
		return p.tokens
	}
	return min(b.pool.refunded(), b.pool.tokens)
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
