package budget

import (
	"context"
	"errors"
	"math"
	"time"
)

// pool is quota taken from the row and not yet spent by a call.
type pool struct {
	tokens, requests int64
	expires          time.Time
	until            int64 // end of the slot its tokens were scheduled in, µs (see credit)
	untilEnv         int64 // the same on the environment's capped meter
	// Of tokens, what settled calls handed back and when, oldest first
	// (see refund.go).
	refunds []refundEntry
}

// credit is what of pool p may be handed back to the row at now: the part
// of its slot on the schedule still ahead of now, or that ended less than a
// burst ago (what a pool takes within its hold is already in the bound).
// Quota whose slot ended earlier lapses: crediting it would hand the
// current window tokens from a window gone, past the bound (a process
// flushing a minute after its call would add its whole pool to the
// schedule's end). A charge (a negative pool, from calls that used more
// than they reserved) always goes back. Called with b.mu held.
//
// The environment's capped meter is credited by the same rule on its own
// slot, which runs at the capped rate: a capped environment's refunds
// (what its settled calls did not use) would otherwise lapse on the quota
// meter that does not bind it, and it would fall short of its cap.
func (b *Budget) credit(p pool, now time.Time) cost {
	if p.tokens <= 0 {
		return cost{tokens: p.tokens, requests: max(p.requests, 0)}
	}
	rate, grace := b.tokenRate(now), b.rec.Burst*1000
	tok := lapse(p.tokens, p.until+grace, now, rate)
	c := cost{tokens: tok, requests: p.requests * tok / p.tokens}
	if capped := b.rec.Envs[b.env].Cap; capped > 0 && capped < 1 {
		c.env, c.envSet = lapse(p.tokens, p.untilEnv+grace, now, rate*capped), true
	}
	return c
}

// lapse is what of n tokens scheduled in a slot ending at until, at rate
// (per µs), is still ahead of now.
func lapse(n, until int64, now time.Time, rate float64) int64 {
	left := float64(until-now.UnixMicro()) * rate
	if left >= float64(n) {
		return n
	}
	return max(int64(left), 0)
}

// take spends from the local pool when it is large enough and fresh: its
// grant within the hold, or what settled calls handed back less than
// refundLife ago (see refund.go). The pool's requests bind only under
// a requests-per-minute quota: without one, the tokens settled calls
// handed back (what they reserved and did not use: with prompt caching,
// more than half) serve the next calls.
func (b *Budget) take(tokens int64) bool {
	b.lapseRefunds()
	p := &b.pool
	if p.tokens < tokens || (b.rec.RPM > 0 && p.requests < 1) {
		return false
	}
	switch now := b.clock.Now(); {
	case now.Before(p.expires): // the grant's tokens first: refunds stay spendable longer
		p.trim(p.tokens - tokens)
	case p.refunded() >= tokens:
		p.trim(p.refunded() - tokens)
	default:
		return false
	}
	p.tokens -= tokens
	if p.requests > 0 {
		p.requests--
	}
	return true
}

// refill fills the pool with one write, or waits for the write another
// caller has in flight. Called with b.mu held; it releases it while waiting.
func (b *Budget) refill(ctx context.Context, tokens int64) error {
	if ch := b.granting; ch != nil {
		settled := b.settled
		b.mu.Unlock()
		defer b.mu.Lock()
		select {
		case <-ch:
			return nil
		case <-settled: // a refund may serve the caller before the grant
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ch := make(chan struct{})
	b.granting = ch
	defer func() { b.granting = nil; close(ch) }()
	if err := b.ensure(ctx); err != nil {
		return err
	}
	return b.grant(ctx, tokens)
}

// grant takes a batch of quota into the pool. What is left in the pool is
// handed back in the same write, so the new pool starts fresh. Called with
// b.mu held; it releases it during the write and the wait for its turn.
func (b *Budget) grant(ctx context.Context, tokens int64) error {
	gTok, gReq := b.batchSize(tokens)
	b.lapseRefunds()
	back := b.pool
	b.pool = pool{}
	credit := b.credit(back, b.clock.Now())
	b.mu.Unlock()
	adm, err := b.admit(ctx, cost{tokens: gTok, requests: gReq}, credit)
	if err != nil {
		b.mu.Lock()
		if errors.Is(err, errUnwritten) { // back, not the credit: nothing lapsed
			b.pool.tokens += back.tokens
			b.pool.requests += back.requests
			b.pool.expires = back.expires
			b.pool.until, b.pool.untilEnv = back.until, back.untilEnv
			b.pool.refunds = append(back.refunds, b.pool.refunds...)
		} // else the write may have been applied: dropping back errs on the safe side
		return err
	}
	if adm.wait > 0 {
		err = b.wait(ctx, adm.wait)
	}
	b.mu.Lock()
	b.pool.tokens += gTok
	b.pool.requests += gReq
	b.pool.until, b.pool.untilEnv = adm.until, adm.untilEnv
	if err != nil {
		// Admitted, but its turn had not come when ctx ended: the pool
		// expires now, so that the next write or Flush hands it back
		// instead of letting it be spent early, or lost.
		b.pool.expires = time.Time{}
		return err
	}
	b.pool.expires = b.clock.Now().Add(b.holdTime())
	return nil
}

// batchSize is how much one write takes, in tokens and requests: a whole
// number of calls, so that no part of a grant too small for a call sits
// charged in the pool until it is handed back to the schedule's end. It is
// one call for each of this process's callers (those waiting in Reserve
// and those holding a reservation), at most batch: a pool larger than the
// local concurrency would sit idle while charged and peers wait for it.
// A call counts as the average reservation seen so far, so that grants of
// equal size keep contenders with different calls fair. The write stays near a quarter of this environment's burst
// (poolShare, rounded to whole calls).
//
// While the quota is saturated (the token meter's TAT, as last seen, is
// ahead of now) a write takes at least busyCalls calls: the pool outlives
// the calls in flight and serves their next reservations without a write.
// But a write that would wait more than a quarter of a burst for its turn
// takes one call: every process keeps one write in that queue, scheduled
// at the price of whole reservations while the calls settle far below
// them, and grants of several calls each make it long enough that what
// the calls hand back comes to its end seconds late (10 invocations: the
// quota at a third of its rate for the first 20 s of a run).
func (b *Budget) batchSize(tokens int64) (int64, int64) {
	if b.avg == 0 {
		b.avg = float64(tokens)
	}
	b.avg = 0.8*b.avg + 0.2*float64(tokens)
	now := b.clock.Now()
	burstTok := float64(b.rec.tau(b.env)) * b.tokenRate(now)
	burstReq := float64(b.rec.tau(b.env)) * b.requestRate(now)
	calls := float64(max(b.inside+b.open, 1))
	if b.rec.TATs[tokenAttr("")] > now.UnixMicro() {
		calls = max(calls, busyCalls)
	}
	n := min(float64(b.batch), calls, burstTok/(poolShare*b.avg))
	if burstReq > 0 {
		n = min(n, burstReq)
	}
	n = max(math.Round(n), 1)
	if n > 1 && float64(b.queue(now))*b.tokenRate(now)+n*b.avg > queueLimit*burstTok {
		n = 1
	}
	// Never more than the day has left, if this call fits in it.
	return min(max(int64(n*b.avg), tokens), max(b.rec.DayLeft(now), tokens)), int64(n)
}

// busyCalls is the smallest write, in calls, while the quota is saturated.
const busyCalls = 3

// poolShare bounds a write to about 1/poolShare of the burst. A call
// reserves its whole input and max_tokens and settles far lower (with
// prompt caching, at about 40 % of its reservation), so the calls in flight
// already hold much of the burst in tokens they will hand back; pools of a
// whole burst on top of that left every contender waiting for its turn.
const poolShare = 4

// queueLimit is how far ahead of now, in bursts, a write of several calls
// may schedule the quota's token meter (see batchSize): its turn then
// comes at most a quarter of a burst later.
const queueLimit = 1.25

// queue is how far ahead of now the quota's token meter probably is, µs:
// as far as when it was last seen, if it was ahead then (a saturated quota
// keeps its queue: every writer waiting in it writes again after its turn),
// else where it was seen.
func (b *Budget) queue(now time.Time) int64 {
	tat := b.rec.TATs[tokenAttr("")]
	if b.rec.seen > 0 && tat > b.rec.seen {
		return tat - b.rec.seen
	}
	return b.rec.guess(tokenAttr(""), now.UnixMicro()) - now.UnixMicro()
}

// wouldWait reports whether a write for tokens would wait for its turn,
// as far as the row was last seen.
func (b *Budget) wouldWait(tokens int64) bool {
	now := b.clock.Now()
	rate := b.tokenRate(now)
	return float64(b.queue(now))*rate+float64(tokens) > float64(b.rec.tau(b.env))*rate
}

// holdTime is how long pooled quota may wait for a call: WithHold, or half
// the burst.
func (b *Budget) holdTime() time.Duration {
	if b.hold > 0 {
		return b.hold
	}
	return time.Duration(b.rec.Burst) * time.Millisecond / 2
}

// tokenRate and requestRate are the row's rates in units per µs, lowered
// by throttle feedback.
func (b *Budget) tokenRate(now time.Time) float64 {
	return b.rec.TPM / 60e6 * b.rec.Factor(Tokens, now)
}

func (b *Budget) requestRate(now time.Time) float64 {
	return b.rec.RPM / 60e6 * b.rec.Factor(Requests, now)
}
