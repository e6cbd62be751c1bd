package lease

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// Lease is one holder's slot in a scope. It is renewed in the background
// until Release; when it can no longer be trusted, Done is closed and
// Context is cancelled with a *LostError. Lease is safe for concurrent use.
type Lease struct {
	m        *Manager
	scope    string
	holder   string
	fence    int64
	acquired time.Time

	ctx    context.Context
	cancel context.CancelCauseFunc
	stop   chan struct{} // closed by Release to end the heartbeat
	beat   sync.WaitGroup

	mu       sync.Mutex
	expires  time.Time
	released bool
}

func (m *Manager) newLease(ctx context.Context, scope, holder string, h holderRecord) *Lease {
	lctx, cancel := context.WithCancelCause(ctx)
	l := &Lease{m: m, scope: scope, holder: holder, fence: h.Fence,
		acquired: fromMicros(h.Acquired), expires: fromMicros(h.Expires),
		ctx: lctx, cancel: cancel, stop: make(chan struct{})}
	l.beat.Add(1)
	go l.heartbeat(ctx)
	return l
}

// Scope returns the scope this lease is a slot of.
func (l *Lease) Scope() string { return l.scope }

// Holder returns the holder id: the caller's name plus random hex.
func (l *Lease) Holder() string { return l.holder }

// Fence returns the fencing number: it strictly increases per scope over
// every holder ever.
func (l *Lease) Fence() int64 { return l.fence }

// Acquired returns when the lease was taken.
func (l *Lease) Acquired() time.Time { return l.acquired }

// Expires returns the absolute expiry last written to the table.
func (l *Lease) Expires() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expires
}

// Done is closed when the lease is lost or released.
func (l *Lease) Done() <-chan struct{} { return l.ctx.Done() }

// Context returns a context cancelled when the lease is lost or released;
// context.Cause tells which (*LostError or ErrReleased).
func (l *Lease) Context() context.Context { return l.ctx }

// Err returns nil while the lease is held, else why it is not.
func (l *Lease) Err() error {
	if l.ctx.Err() == nil {
		return nil
	}
	return context.Cause(l.ctx)
}

// Valid reports whether the holder may still act on the lease: not lost,
// not released, and its expiry minus the skew margin not yet reached.
func (l *Lease) Valid() bool {
	return l.Err() == nil && l.m.clock.Now().Before(l.Expires().Add(-l.m.skew))
}

// Release gives the slot back. It is conditional on holder and fence, and
// idempotent: a second Release returns nil. On a lease no longer held it
// returns ErrNotHeld and changes nothing. Call it in a defer.
func (l *Lease) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return nil
	}
	err := l.remove(ctx)
	if err == nil || errors.Is(err, ErrNotHeld) {
		l.released = true
		close(l.stop)
		l.cancel(ErrReleased)
	}
	return err
}

// remove deletes this holder's entry, on condition that it is still this
// acquisition and not expired. Called with l.mu held.
func (l *Lease) remove(ctx context.Context) error {
	now := l.m.clock.Now()
	_, err := l.m.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(l.m.table), Key: scopeKey(l.scope),
		UpdateExpression:                    aws.String("REMOVE #hs.#id"),
		ConditionExpression:                 aws.String("#hs.#id.#f = :f AND #hs.#id.#e > :now"),
		ExpressionAttributeNames:            map[string]string{"#hs": "holders", "#id": l.holder, "#f": "fence", "#e": "expires"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":f": ddbattr.N(l.fence), ":now": ddbattr.N(micros(now))},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &failed):
		return l.reconcileRemove(failed.Item, now)
	}
	rec, rerr := l.m.read(ctx, l.scope)
	if rerr != nil {
		return errors.Join(err, rerr)
	}
	if _, ok := rec.Holders[l.holder]; !ok && now.Before(l.expires.Add(-l.m.skew)) {
		return nil // the ambiguous write was applied
	}
	return err
}

// reconcileRemove decides a refused Release: when the entry is gone while
// the lease was still live by this holder's clock, the refusal comes from a
// retry of this Release that had already been applied.
func (l *Lease) reconcileRemove(item map[string]types.AttributeValue, now time.Time) error {
	rec, err := decodeScope(item)
	if err != nil {
		return err
	}
	if _, ok := rec.Holders[l.holder]; !ok && now.Before(l.expires.Add(-l.m.skew)) {
		return nil
	}
	return ErrNotHeld
}

// Guard is a condition on the scope record that holds only while a lease is
// current: its holder entry exists with its fence and has not expired. Other
// writes attach it (as a TransactWriteItems ConditionCheck) so that they
// succeed only while the lease is held.
type Guard struct {
	Table     string
	Key       map[string]types.AttributeValue
	Condition string
	Names     map[string]string
	Values    map[string]types.AttributeValue
}

// Guard returns the lease's guard, evaluated against the current time.
func (l *Lease) Guard() Guard {
	return Guard{
		Table: l.m.table, Key: scopeKey(l.scope),
		Condition: "#gmap.#gid.#gfen = :gfence AND #gmap.#gid.#gexp > :gnow",
		Names:     map[string]string{"#gmap": "holders", "#gid": l.holder, "#gfen": "fence", "#gexp": "expires"},
		Values:    map[string]types.AttributeValue{":gfence": ddbattr.N(l.fence), ":gnow": ddbattr.N(micros(l.m.clock.Now()))},
	}
}

// ConditionCheck returns the guard as an item of a TransactWriteItems call.
func (g Guard) ConditionCheck() types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: aws.String(g.Table), Key: g.Key, ConditionExpression: aws.String(g.Condition),
		ExpressionAttributeNames: g.Names, ExpressionAttributeValues: g.Values,
	}}
}

// Renewal renews a lease as part of another transaction, in place of its
// Guard: its item holds under the same condition and also extends the
// expiry as a heartbeat would, so that a write the holder makes anyway
// saves it a heartbeat. Call Commit once the transaction has succeeded. A
// Renewal is for one transaction.
type Renewal struct {
	l     *Lease
	guard Guard
	next  time.Time
}

// Renewal returns a renewal of the lease, evaluated against the current
// time. Near the deadline, where the expiry cannot be extended, its item
// is the guard's plain condition check.
func (l *Lease) Renewal() Renewal {
	g := l.Guard()
	now := l.m.clock.Now()
	return Renewal{l: l, guard: g, next: l.m.capExpiry(l.ctx, now.Add(l.m.ttl))}
}

// Item returns the renewal as an item of a TransactWriteItems call.
func (r Renewal) Item() types.TransactWriteItem {
	if !r.next.After(r.l.Expires()) {
		return r.guard.ConditionCheck()
	}
	g := r.guard
	names, values := maps.Clone(g.Names), maps.Clone(g.Values)
	names["#gren"] = "renewed"
	values[":gnext"] = ddbattr.N(micros(r.next))
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(g.Table), Key: g.Key, ConditionExpression: aws.String(g.Condition),
		UpdateExpression:         aws.String("SET #gmap.#gid.#gexp = :gnext, #gmap.#gid.#gren = :gnow"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}
}

// Commit records the renewal after its transaction succeeded: the lease's
// expiry moves forward and the next heartbeat comes a heartbeat later.
func (r Renewal) Commit() {
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	if r.next.After(r.l.expires) {
		r.l.expires = r.next
	}
}

func marshalHolder(h holderRecord) (types.AttributeValue, error) {
	return attributevalue.Marshal(h)
}
