package lease

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/internal/ddbretry"
)

// heartbeat renews the lease a heartbeat after its last renewal (its own,
// or one a write carried) until Release, and declares it lost at its trust
// limit — the expiry last known to be written minus the skew margin — when
// no renewal succeeded by then, whatever the state of the renewal in
// flight (a request stalled in the network, a process frozen and thawed).
// Renewals run in their own goroutine, each bounded by the trust limit, so
// that the limit is kept on time; a failed one is tried again every
// quarter heartbeat, and a write carrying the renewal that has not landed
// a quarter heartbeat after it was due does not hold the heartbeat back.
// Once the expiry reaches the invocation's deadline cap, there is nothing
// left to renew: the heartbeat waits for the trust limit.
func (l *Lease) heartbeat(parent context.Context) {
	defer l.beat.Done()
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	defer cancel()
	done := make(chan renewal, 1)
	var inFlight, own bool // a renewal of the heartbeat's is in flight; it holds the lease's reservation
	var retryAt time.Time
	for {
		now, exp := l.m.clock.Now(), l.Expires()
		trust := exp.Add(-l.m.skew)
		capped := l.capped(parent, exp)
		if !now.Before(trust) {
			if capped {
				l.lose(fmt.Sprintf("expiry %s is the invocation's deadline plus grace %v, minus skew %v: the invocation is ending",
					exp.UTC().Format(time.RFC3339Nano), l.m.grace, l.m.skew))
			} else {
				l.lose(fmt.Sprintf("not renewed before expiry %s minus skew %v (frozen, partitioned or too slow)",
					exp.UTC().Format(time.RFC3339Nano), l.m.skew))
			}
			return
		}
		due := maxTime(exp.Add(l.m.heartbeat-l.m.ttl), retryAt)
		if capped {
			due = trust // nothing left to renew: wait for the end
		}
		if !inFlight && !now.Before(due) {
			// A write that carries the renewal and has not landed a quarter
			// heartbeat after it was due (stalled in the network) does not
			// keep the heartbeat from renewing: renewals never move the
			// expiry back, so two at once are safe.
			if own = l.beginRenewal(); own || !now.Before(due.Add(l.m.heartbeat/4)) {
				inFlight = true
				go func() { done <- l.renew(ctx, parent, now, trust) }()
			}
		}
		wait := trust.Sub(now)
		switch {
		case inFlight:
		case due.After(now):
			wait = min(wait, due.Sub(now))
		default: // a write carries a renewal: look again soon
			wait = min(wait, l.m.heartbeat/8)
		}
		select {
		case <-l.stop:
			return
		case <-l.ctx.Done():
			return
		case r := <-done:
			inFlight = false
			if own {
				l.endRenewal()
			}
			if r.refused != "" {
				l.lose(r.refused)
				return
			}
			if r.failed {
				retryAt = l.m.clock.Now().Add(l.m.heartbeat / 4)
			}
		case <-l.wake:
		case <-l.m.clock.After(wait):
		}
	}
}

// capped reports whether the expiry exp is within a quarter heartbeat of
// the invocation's deadline cap: no renewal can extend it by more, so the
// heartbeat has nothing left to renew and waits for the trust limit,
// instead of renewing in a loop that cannot move the expiry.
func (l *Lease) capped(ctx context.Context, exp time.Time) bool {
	enough := exp.Add(l.m.heartbeat / 4)
	return l.m.capExpiry(ctx, enough).Before(enough)
}

// renewal is the outcome of one heartbeat renewal: failed (try again
// later), refused (the lease is lost, with the reason), or neither.
type renewal struct {
	failed  bool
	refused string
}

// renew makes one renewal attempt, bounded by the trust limit.
func (l *Lease) renew(ctx, parent context.Context, now, trust time.Time) renewal {
	next := l.m.capExpiry(parent, now.Add(l.m.ttl))
	if !next.After(l.Expires()) {
		return renewal{} // at the deadline cap: nothing to extend
	}
	ctx, cancel := context.WithTimeout(ctx, clock.Wall(l.m.clock, trust.Sub(now)))
	defer cancel()
	_, err := l.m.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(l.m.table), Key: scopeKey(l.scope),
		UpdateExpression:    aws.String("SET #hs.#id.#e = :next, #hs.#id.#r = :now"),
		ConditionExpression: aws.String(renewCondition),
		ExpressionAttributeNames: map[string]string{"#hs": "holders", "#id": l.holder,
			"#f": "fence", "#e": "expires", "#r": "renewed"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":f": ddbattr.N(l.fence), ":now": ddbattr.N(micros(now)), ":next": ddbattr.N(micros(next))},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}, ddbretry.NoSDKRetry)
	switch {
	case err == nil:
		l.advance(next)
		return renewal{}
	case ddbretry.ConditionFailed(err, -1):
		return l.renewRefused(err, next)
	}
	return renewal{failed: true}
}

// renewCondition holds for this acquisition's entry while the renewal
// would not move its expiry back. It is checked by DynamoDB against the
// stored entry, never against the sender's clock: a renewal that lands
// late, after a peer has removed the entry, is refused, and a peer that
// removes an expired entry conditions that on the expiry it read, so a
// late renewal and a takeover cannot both succeed.
const renewCondition = "#hs.#id.#f = :f AND #hs.#id.#e <= :next"

// renewRefused decides a refused renewal from the entry as it was: one
// already at or past next (an earlier attempt of this holder that was
// applied although it reported a failure) is a success; anything else
// means the entry is gone or is no longer this acquisition.
func (l *Lease) renewRefused(err error, next time.Time) renewal {
	var failed *types.ConditionalCheckFailedException
	if !asConditional(err, &failed) {
		return renewal{failed: true}
	}
	rec, derr := decodeScope(failed.Item)
	if derr != nil {
		return renewal{failed: true}
	}
	if h, ok := rec.Holders[l.holder]; ok && h.Fence == l.fence && h.Expires >= micros(next) {
		l.advance(fromMicros(h.Expires))
		return renewal{}
	}
	return renewal{refused: "renewal refused: the entry expired and was replaced, or was released by someone else"}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
