package lease

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// heartbeat renews the lease a heartbeat interval after its last renewal
// (its own, or one a Renewal carried in another write) until Release, and
// declares it lost when renewal is refused or when its expiry minus the
// skew margin passes without a successful renewal — for example after the
// process was frozen (a Lambda between invocations) and thawed.
func (l *Lease) heartbeat(parent context.Context) {
	defer l.beat.Done()
	wait := l.m.heartbeat
	for {
		select {
		case <-l.stop:
			return
		case <-l.ctx.Done():
			return
		case <-l.m.clock.After(wait):
		}
		if reason := l.renewOnce(parent); reason != "" {
			l.lose(reason)
			return
		}
		wait = l.nextBeat()
	}
}

// nextBeat is how long until the next renewal is due: a heartbeat after the
// last one, and at least a quarter heartbeat (the retry pace when renewal
// is late or failed).
func (l *Lease) nextBeat() time.Duration {
	due := l.Expires().Add(l.m.heartbeat - l.m.ttl)
	return max(due.Sub(l.m.clock.Now()), l.m.heartbeat/4)
}

// renewOnce makes one renewal attempt and returns why the lease is lost,
// or "" while it is still held.
func (l *Lease) renewOnce(parent context.Context) string {
	now := l.m.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return ""
	}
	if !now.Before(l.expires.Add(-l.m.skew)) {
		return fmt.Sprintf("not renewed before expiry %s minus skew %v (frozen, partitioned or too slow)", l.expires.UTC().Format(time.RFC3339Nano), l.m.skew)
	}
	if l.expires.Sub(now) > l.m.ttl-l.m.heartbeat+l.m.heartbeat/8 {
		return "" // renewed by a Renewal since this beat was planned (an eighth for timer slack)
	}
	next := l.m.capExpiry(parent, now.Add(l.m.ttl))
	if !next.After(l.expires) {
		return "" // already at the deadline cap: nothing to extend
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), clock.Wall(l.m.clock, l.m.heartbeat))
	defer cancel()
	err := l.renew(ctx, now, next)
	var refused *refusedError
	switch {
	case err == nil:
		l.expires = next
	case errors.As(err, &refused):
		return refused.reason
	}
	return "" // transient failure: the next beat tries again
}

type refusedError struct{ reason string }

func (e *refusedError) Error() string { return e.reason }

// renew extends the holder's expiry to next, on condition that the entry is
// still this acquisition and not expired. A refusal that shows next already
// written (a retried write that had been applied) counts as success.
func (l *Lease) renew(ctx context.Context, now, next time.Time) error {
	_, err := l.m.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(l.m.table), Key: scopeKey(l.scope),
		UpdateExpression:    aws.String("SET #hs.#id.#e = :next, #hs.#id.#r = :now"),
		ConditionExpression: aws.String("#hs.#id.#f = :f AND #hs.#id.#e > :now"),
		ExpressionAttributeNames: map[string]string{"#hs": "holders", "#id": l.holder,
			"#f": "fence", "#e": "expires", "#r": "renewed"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":f": ddbattr.N(l.fence), ":now": ddbattr.N(micros(now)), ":next": ddbattr.N(micros(next))},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	if !errors.As(err, &failed) {
		return err
	}
	rec, derr := decodeScope(failed.Item)
	if derr != nil {
		return derr
	}
	if h, ok := rec.Holders[l.holder]; ok && h.Fence == l.fence && h.Expires == micros(next) {
		return nil
	}
	return &refusedError{reason: "renewal refused: the entry expired, was replaced or was released by someone else"}
}

// lose marks the lease lost: Done closes and Context is cancelled.
func (l *Lease) lose(reason string) {
	l.cancel(&LostError{Scope: l.scope, Holder: l.holder, Fence: l.fence, Reason: reason})
}
