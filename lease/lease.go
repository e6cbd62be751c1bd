package lease

import (
	"context"
	"sync"
	"time"
)

// Lease is one holder's slot in a scope. It is renewed in the background
// until Release. It is trusted until its expiry minus the skew margin, as
// last known to be written: at that instant, whatever the network does,
// Done is closed and Context is cancelled with a *LostError; so they are
// when a renewal or a write under the lease is refused. A lost lease stays
// lost. No method holds the lease's lock during a DynamoDB call, so Valid,
// Expires and Err answer at once. Lease is safe for concurrent use.
type Lease struct {
	m        *Manager
	scope    string
	holder   string
	fence    int64
	acquired time.Time

	ctx    context.Context
	cancel context.CancelCauseFunc
	stop   chan struct{} // closed by Release to end the heartbeat
	wake   chan struct{} // the heartbeat's cue that the expiry moved or a renewal ended
	beat   sync.WaitGroup

	mu             sync.Mutex
	expires        time.Time // the expiry last known to be written
	renewing       bool      // a renewal is in flight: the heartbeat's or one a write carries
	stopped        bool      // Release was called: stop is closed
	released       bool      // the entry was removed, or found gone
	releaseUnknown bool      // an earlier removal attempt may have been applied
}

func (m *Manager) newLease(ctx context.Context, scope, holder string, h holderRecord) *Lease {
	lctx, cancel := context.WithCancelCause(ctx)
	l := &Lease{m: m, scope: scope, holder: holder, fence: h.Fence,
		acquired: fromMicros(h.Acquired), expires: fromMicros(h.Expires),
		ctx: lctx, cancel: cancel, stop: make(chan struct{}), wake: make(chan struct{}, 1)}
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

// Expires returns the absolute expiry last known to be written to the
// table.
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
	return l.Err() == nil && l.m.clock.Now().Before(l.trustUntil())
}

// trustUntil is the instant the lease stops being trusted: the expiry last
// known to be written, minus the skew margin.
func (l *Lease) trustUntil() time.Time { return l.Expires().Add(-l.m.skew) }

// lose marks the lease lost: Done closes and Context is cancelled. The
// first cause stays: a lease lost and then released reports the loss.
func (l *Lease) lose(reason string) {
	l.cancel(&LostError{Scope: l.scope, Holder: l.holder, Fence: l.fence, Reason: reason})
}

// advance records that the entry's expiry was written as t: the lease is
// trusted longer and the heartbeat plans from it. The expiry never moves
// back.
func (l *Lease) advance(t time.Time) {
	l.mu.Lock()
	if t.After(l.expires) {
		l.expires = t
	}
	l.mu.Unlock()
	l.signal()
}

// beginRenewal reserves the lease's one renewal in flight; false when
// another one is in flight or the lease is released.
func (l *Lease) beginRenewal() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.renewing || l.stopped {
		return false
	}
	l.renewing = true
	return true
}

// endRenewal gives the renewal back.
func (l *Lease) endRenewal() {
	l.mu.Lock()
	l.renewing = false
	l.mu.Unlock()
	l.signal()
}

// signal wakes the heartbeat without blocking.
func (l *Lease) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}
