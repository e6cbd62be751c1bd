package lease

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// Quota names one of a budget's two limits.
type Quota int

const (
	QuotaTokens   Quota = iota // tokens per minute
	QuotaRequests              // requests per minute
)

func (q Quota) String() string {
	if q == QuotaRequests {
		return "requests"
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
func (b *Budget) Throttled(ctx context.Context, q Quota) {
	b.mu.Lock()
	now := b.clock.Now()
	f, at := b.rec.TFactor, b.rec.TFactorAt
	attr := "tfactor"
	if q == QuotaRequests {
		f, at, attr = b.rec.RFactor, b.rec.RFactorAt, "rfactor"
	}
	next := max(factorAt(f, at, micros(now), b.recovery)*b.decrease, minFactor)
	b.mu.Unlock()
	rec, _, err := b.update(ctx, &dynamodb.UpdateItemInput{
		UpdateExpression:         aws.String("SET #f = :f, #at = :now ADD throttles :one"),
		ConditionExpression:      aws.String("attribute_not_exists(#at) OR #at < :since"),
		ExpressionAttributeNames: map[string]string{"#f": attr, "#at": attr + "_at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":f": ddbattr.F(next), ":now": ddbattr.N(micros(now)), ":one": ddbattr.N(1),
			":since": ddbattr.N(micros(now.Add(-b.cooldown)))},
	})
	if err == nil {
		b.remember(rec)
	}
}

// Factor returns the current throttle-feedback factor of a quota as last
// seen: 1 when Bedrock has not throttled lately.
func (b *Budget) Factor(q Quota) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := micros(b.clock.Now())
	if q == QuotaRequests {
		return factorAt(b.rec.RFactor, b.rec.RFactorAt, now, b.recovery)
	}
	return factorAt(b.rec.TFactor, b.rec.TFactorAt, now, b.recovery)
}
