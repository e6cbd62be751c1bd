package lease

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/internal/ddbretry"
)

// Release gives the slot back: it stops the heartbeat, cancels the lease's
// context (with ErrReleased, unless the lease was lost first) and removes
// this acquisition's entry in one conditional write, retried when DynamoDB
// did not apply it or may have, until ctx ends or the entry's expiry plus
// the skew margin passes (peers may replace it then anyway). It returns nil once the
// entry is removed (a second Release returns nil too); an error wrapping
// ErrNotHeld when the entry was already gone — unless an earlier attempt
// of this Release may have removed it — and the lease is then reported
// lost; and the last error when ctx ended first, the entry then left to
// expire. Call it in a defer, with a context that outlives the work's.
func (l *Lease) Release(ctx context.Context) error {
	l.mu.Lock()
	if l.released {
		l.mu.Unlock()
		return nil
	}
	if !l.stopped {
		l.stopped = true
		close(l.stop)
	}
	l.mu.Unlock()
	err := l.remove(ctx)
	if errors.Is(err, ErrNotHeld) {
		l.lose("released, but the entry was gone: the lease had been taken away")
	}
	l.cancel(ErrReleased)
	if err == nil || errors.Is(err, ErrNotHeld) {
		l.mu.Lock()
		l.released = true
		l.mu.Unlock()
	}
	return err
}

// remove deletes this acquisition's entry, on condition that it is still
// this acquisition's (whatever its expiry: the holder gives it up).
func (l *Lease) remove(ctx context.Context) error {
	in := &dynamodb.UpdateItemInput{
		TableName: aws.String(l.m.table), Key: scopeKey(l.scope),
		UpdateExpression:          aws.String("REMOVE #hs.#id"),
		ConditionExpression:       aws.String("#hs.#id.#f = :f"),
		ExpressionAttributeNames:  map[string]string{"#hs": "holders", "#id": l.holder, "#f": "fence"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":f": ddbattr.N(l.fence)},
	}
	b := ddbretry.Backoff()
	until := l.Expires().Add(l.m.skew)
	for {
		_, err := l.m.db.UpdateItem(ctx, in, ddbretry.NoSDKRetry)
		if err == nil {
			return nil
		}
		switch ddbretry.Classify(err) {
		case ddbretry.Refused:
			if !ddbretry.ConditionFailed(err, -1) {
				return fmt.Errorf("lease: release %s: %w", l.scope, err)
			}
			if l.removalUnknown() {
				return nil // an earlier attempt, applied although it failed
			}
			return fmt.Errorf("lease: release %s: %w", l.scope, ErrNotHeld)
		case ddbretry.Unknown:
			l.mu.Lock()
			l.releaseUnknown = true
			l.mu.Unlock()
		}
		d, _ := b.Next()
		if l.m.clock.Now().Add(d).After(until) {
			return fmt.Errorf("lease: release %s: gave up after the entry's expiry: %w", l.scope, err)
		}
		if werr := l.m.sleep(ctx, d); werr != nil {
			return fmt.Errorf("lease: release %s: %w", l.scope, errors.Join(err, werr))
		}
	}
}

func (l *Lease) removalUnknown() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.releaseUnknown
}
