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
	in := l.m.removal(l.scope, l.holder, l.fence)
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

// ErrLive is returned by Evict for a holder that is still live by the
// manager's rule (Live) when force is not set.
var ErrLive = errors.New("lease: holder is live")

// ErrChanged is returned by Evict when the holder's entry is no longer the
// one read: it was renewed, replaced or released since.
var ErrChanged = errors.New("lease: holder entry changed since it was read")

// Evict removes holder h, as read by Holders, from scope: the operator's
// release of an entry whose invocation is gone. It is one conditional write
// on the entry's fence and, unless force, on its expiry as read (an entry
// renewed since is left alone) and on h being no longer live at now. A
// forced eviction of a live holder makes its next renewal or guarded write
// fail, so that it stops: it loses its lease.
func (m *Manager) Evict(ctx context.Context, scope string, h Holder, force bool) error {
	if !force && m.Live(h, m.clock.Now()) {
		return fmt.Errorf("lease: evict %s from %s: %w", h.ID, scope, ErrLive)
	}
	in := m.removal(scope, h.ID, h.Fence)
	if !force {
		in.ConditionExpression = aws.String(aws.ToString(in.ConditionExpression) + " AND #hs.#id.#e = :e")
		in.ExpressionAttributeNames["#e"], in.ExpressionAttributeValues[":e"] = "expires", ddbattr.N(micros(h.Expires))
	}
	_, err := m.db.UpdateItem(ctx, in)
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return fmt.Errorf("lease: evict %s from %s: %w", h.ID, scope, ErrChanged)
	case err != nil:
		return fmt.Errorf("lease: evict %s from %s: %w", h.ID, scope, err)
	}
	return nil
}

// removal is the write that removes holder id's entry from scope, on
// condition that the entry still has fence: the part that Release and
// Evict share.
func (m *Manager) removal(scope, id string, fence int64) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName: aws.String(m.table), Key: scopeKey(scope),
		UpdateExpression:          aws.String("REMOVE #hs.#id"),
		ConditionExpression:       aws.String("#hs.#id.#f = :f"),
		ExpressionAttributeNames:  map[string]string{"#hs": "holders", "#id": id, "#f": "fence"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":f": ddbattr.N(fence)},
	}
}
