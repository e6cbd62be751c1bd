package lease

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/internal/ddbretry"
)

// ErrUnknown is wrapped by the error of a Transact that gave up after an
// attempt whose outcome is unknown: the items may have been written.
var ErrUnknown = errors.New("lease: outcome unknown: the write may have been applied")

// CanceledError is returned by Transact when DynamoDB refused the caller's
// items: the lease is fine, but the condition of at least one of the items
// failed. Reasons has one entry per item passed to Transact.
type CanceledError struct {
	Reasons []types.CancellationReason
}

func (e *CanceledError) Error() string {
	var failed []int
	for k := range e.Reasons {
		if e.Failed(k) {
			failed = append(failed, k)
		}
	}
	return fmt.Sprintf("lease: transaction refused: condition of item(s) %v failed", failed)
}

// Failed reports whether the condition of item k failed.
func (e *CanceledError) Failed(k int) bool {
	return k < len(e.Reasons) && aws.ToString(e.Reasons[k].Code) == "ConditionalCheckFailed"
}

// TransactOption configures one Transact.
type TransactOption func(*transaction)

// Removing removes h, a holder of the lease's scope, in the same
// transaction, on condition that its entry is still the one read (same
// fence, same expiry). A write that takes over the work of a holder whose
// expiry plus the skew margin has passed carries it: that holder cannot
// come back by a renewal that lands late, and if one lands first, the
// takeover is refused (ErrChanged) and the caller looks again.
func Removing(h Holder) TransactOption {
	return func(t *transaction) { t.removing = append(t.removing, h) }
}

// transaction is one Transact: the head item (the lease's condition,
// renewal and removals) and the caller's items.
type transaction struct {
	removing []Holder
	renew    bool      // the head renews the lease
	reserved bool      // the transaction holds the lease's renewal in flight
	next     time.Time // the expiry the head writes when it renews
}

// Transact writes items in one TransactWriteItems that holds only while
// the lease is current: its first item is the lease's condition (this
// acquisition's entry exists and has not expired), and when no other
// renewal is in flight it also renews the lease, so that a write the
// holder makes anyway saves it a heartbeat (its first attempt only: while
// it is retried, the heartbeat renews as usual). It retries what DynamoDB
// did not apply (conflicts, throttling) with a fresh request token and
// what may have been applied (5xx, broken connections, timeouts) with the
// same token, so that DynamoDB applies the transaction at most once, until
// ctx ends. It returns nil when the items were written; an error wrapping
// ErrNotHeld when the lease is not held (the lease is then lost: Done
// closes); ErrChanged when a holder given with Removing changed; a
// *CanceledError when the condition of one of items failed; and an error
// wrapping ErrUnknown when ctx ended after an attempt of unknown outcome.
func (l *Lease) Transact(ctx context.Context, items []types.TransactWriteItem, opts ...TransactOption) error {
	var t transaction
	for _, o := range opts {
		o(&t)
	}
	t.renew = l.beginRenewal()
	t.reserved = t.renew
	defer t.yield(l)
	return l.transact(ctx, &t, items)
}

// yield gives the lease's one renewal in flight back to the heartbeat
// once: a transaction retried through conflicts, throttling or ambiguous
// outcomes, for as long as its context allows, must not keep the lease
// from being renewed meanwhile.
func (t *transaction) yield(l *Lease) {
	if t.reserved {
		t.reserved = false
		l.endRenewal()
	}
}

// transact sends the transaction until it is applied or refused, or ctx
// ends.
func (l *Lease) transact(ctx context.Context, t *transaction, items []types.TransactWriteItem) error {
	b := ddbretry.Backoff()
	unknown := false
	in := l.input(t, items)
	for {
		if !l.Valid() {
			return fmt.Errorf("lease: write under %s: %w", l.scope, l.notHeld())
		}
		_, err := l.m.db.TransactWriteItems(ctx, in, ddbretry.NoSDKRetry)
		if err == nil {
			if t.renew {
				l.advance(t.next)
			}
			return nil
		}
		switch ddbretry.Classify(err) {
		case ddbretry.Refused:
			return l.refused(ctx, t, items, err)
		case ddbretry.Unknown:
			unknown = true
		case ddbretry.NotApplied:
			if !errors.As(err, new(*types.TransactionInProgressException)) {
				t.renew = false        // the heartbeat renews from now on
				in = l.input(t, items) // nothing applied: a fresh token and a fresh condition
			}
		}
		t.yield(l)
		d, _ := b.Next()
		if werr := l.m.sleep(ctx, d); werr != nil {
			if unknown {
				return fmt.Errorf("lease: write under %s: %w: %w", l.scope, ErrUnknown, errors.Join(err, werr))
			}
			return fmt.Errorf("lease: write under %s: %w", l.scope, errors.Join(err, werr))
		}
	}
}

// input builds the request with a fresh token, the head item first.
func (l *Lease) input(t *transaction, items []types.TransactWriteItem) *dynamodb.TransactWriteItemsInput {
	now := l.m.clock.Now()
	if t.renew {
		t.next = l.m.capExpiry(l.ctx, now.Add(l.m.ttl))
	}
	all := append([]types.TransactWriteItem{l.head(t, now)}, items...)
	return &dynamodb.TransactWriteItemsInput{TransactItems: all, ClientRequestToken: aws.String(token())}
}

// refused decides a transaction DynamoDB refused: the caller's items, the
// lease's head, or the request itself.
func (l *Lease) refused(ctx context.Context, t *transaction, items []types.TransactWriteItem, err error) error {
	reasons := ddbretry.Reasons(err)
	if reasons == nil || !ddbretry.ConditionFailed(err, 0) {
		if len(reasons) == len(items)+1 && ddbretry.ConditionFailed(err, -1) {
			return &CanceledError{Reasons: reasons[1:]}
		}
		return fmt.Errorf("lease: write under %s: %w", l.scope, err)
	}
	return l.headRefused(ctx, t, items)
}

// headRefused looks at the scope to tell why the head's condition failed:
// this acquisition's entry is gone (the lease is lost), a holder to remove
// changed, or the renewal would have moved the expiry back (it is then
// sent again as a plain condition).
func (l *Lease) headRefused(ctx context.Context, t *transaction, items []types.TransactWriteItem) error {
	rec, err := l.m.read(ctx, l.scope)
	if err != nil {
		return fmt.Errorf("lease: write under %s refused, and reading the scope failed: %w", l.scope, err)
	}
	h, ok := rec.Holders[l.holder]
	switch {
	case !ok || h.Fence != l.fence:
		l.lose("a write under the lease was refused: the entry is gone or was replaced")
		return fmt.Errorf("lease: write under %s: %w", l.scope, l.notHeld())
	case changed(rec, t.removing):
		return fmt.Errorf("lease: write under %s: %w", l.scope, ErrChanged)
	case t.renew && h.Expires > micros(t.next):
		l.advance(fromMicros(h.Expires))
		t.renew = false
		return l.transact(ctx, t, items)
	}
	l.lose("a write under the lease was refused: its expiry passed")
	return fmt.Errorf("lease: write under %s: %w", l.scope, l.notHeld())
}

// changed reports whether an entry to remove is no longer the one read.
func changed(rec scopeRecord, removing []Holder) bool {
	for _, v := range removing {
		if h, ok := rec.Holders[v.ID]; !ok || h.Fence != v.Fence || h.Expires != micros(v.Expires) {
			return true
		}
	}
	return false
}

// notHeld is why the lease cannot be written under: its loss, or
// ErrNotHeld.
func (l *Lease) notHeld() error {
	if err := l.Err(); err != nil && errors.Is(err, ErrNotHeld) {
		return err
	}
	return ErrNotHeld
}

// token is a fresh ClientRequestToken.
func token() string { return ddbattr.Token(16) }
