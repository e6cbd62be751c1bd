package budget

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// Quota names one of a budget's two limits, the one a throttle hit.
type Quota int

// The limits of a quota.
const (
	Tokens   Quota = iota // tokens per minute
	Requests              // requests per minute
	Day                   // tokens per day ("Too many tokens per day")
)

// String returns "tokens", "requests" or "tokens per day".
func (q Quota) String() string {
	switch q {
	case Requests:
		return "requests"
	case Day:
		return "tokens per day"
	}
	return "tokens"
}

// minFactor is the lowest throttle-feedback factor: the effective rate
// never drops below 5 % of the quota.
const minFactor = 0.05

// Throttled reports that Bedrock throttled a call that the budget had
// admitted (other applications share the account's quota, or the row's
// limits are above the real quota). It lowers the effective rate of that
// quota for every invocation (multiplicative decrease, at most once per
// cooldown across all of them); the rate recovers additively with time.
// A failed write is not reported: feedback is advisory.
//
// A throttle on the daily quota (Day) marks the day spent in the row
// instead: every invocation's next reservation then fails with a
// *DayExhaustedError until the day resets.
func (b *Budget) Throttled(ctx context.Context, q Quota) {
	if q == Day {
		b.daySpent(ctx)
		return
	}
	b.mu.Lock()
	// The pool was planned at the rate that was throttled: what is left of
	// it goes back with the next write, which plans at the lowered rate.
	// Spent at once, the refunds of the throttled calls would send their
	// retries straight back to Bedrock, into the same throttle. And the
	// throttle costs the meter one average call: the capacity the budget
	// counted on was taken (by another application, as a rule). The
	// reservation itself stays cancelled (Bedrock charged nothing); the
	// row's net tokens count the cost.
	b.pool.expires, b.pool.refunds = time.Time{}, nil
	if q == Tokens {
		b.pool.tokens -= int64(b.avg)
	}
	now := b.clock.Now()
	attr := "tfactor"
	if q == Requests {
		attr = "rfactor"
	}
	cur := b.rec.Factor(q, now)
	next := max(cur*b.decrease, minFactor)
	b.mu.Unlock()
	rec, cut, err := b.update(ctx, &dynamodb.UpdateItemInput{
		UpdateExpression:         aws.String("SET #f = :f, #at = :now ADD throttles :one"),
		ConditionExpression:      aws.String("attribute_not_exists(#at) OR #at < :since"),
		ExpressionAttributeNames: map[string]string{"#f": attr, "#at": attr + "_at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":f": ddbattr.F(next), ":now": ddbattr.N(now.UnixMicro()), ":one": ddbattr.N(1),
			":since": ddbattr.N(now.Add(-b.cooldown).UnixMicro())},
	})
	if err != nil {
		return
	}
	b.remember(rec)
	if cut && q == Tokens {
		b.slow(ctx, rec, now, cur, next)
	}
}

// Factor returns the current throttle-feedback factor of a quota as this
// Budget last saw it: 1 when Bedrock has not throttled lately.
func (b *Budget) Factor(q Quota) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rec.Factor(q, b.clock.Now())
}

// Factor returns the throttle-feedback factor of quota q at now: the
// stored factor recovered by Recovery (DefaultRecovery if zero) per second
// since it was set, at most 1, and 1 when none was set.
func (r Row) Factor(q Quota, now time.Time) float64 {
	v, at := r.TFactor, r.TFactorAt
	if q == Requests {
		v, at = r.RFactor, r.RFactorAt
	}
	recovery := r.Recovery
	if recovery == 0 {
		recovery = DefaultRecovery
	}
	return factorAt(v, at, now.UnixMicro(), recovery)
}

// factorAt returns a throttle-feedback factor recovered additively from
// value (set at instant at) by recovery per second, capped at 1.
func factorAt(value float64, at, now int64, recovery float64) float64 {
	if value <= 0 {
		return 1
	}
	f := value + float64(now-at)/1e6*recovery
	return min(f, 1)
}

// daySpent records that Bedrock found the day's quota spent: the row's day
// meter is set to the limit, for today, and the local pool is dropped (it
// is counted in the day already, and Bedrock would refuse it).
func (b *Budget) daySpent(ctx context.Context) {
	b.mu.Lock()
	now := b.clock.Now()
	limit, _ := b.rec.DayLimit()
	b.pool = pool{}
	b.mu.Unlock()
	rec, _, err := b.update(ctx, &dynamodb.UpdateItemInput{
		UpdateExpression:         aws.String("SET #day = :today, #du = :lim ADD throttles :one"),
		ExpressionAttributeNames: map[string]string{"#day": "day", "#du": "day_used"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":today": ddbattr.N(dayOf(now)), ":lim": ddbattr.N(int64(limit)), ":one": ddbattr.N(1)},
	})
	if err == nil {
		b.remember(rec)
	}
}
