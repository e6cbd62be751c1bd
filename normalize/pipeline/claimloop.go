package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"

	"github.com/vectora/ingest-normalize/lease/claim"
)

// claimLoop claims batches while the pool has room, until no batch is left
// to claim, the deadline margin is reached or the lease ends.
func (r *run) claimLoop(ctx context.Context) error {
	states, err := r.states(ctx)
	if err != nil {
		return err
	}
	r.start = maps.Clone(states)
	w := walker{n: len(r.batches), states: states, tried: map[int]bool{}}
	for {
		if !r.waitHungry(ctx) {
			return nil
		}
		if w.stale && w.free() <= 2*w.peers(r.lease.Holder()) {
			// Peers have probably claimed some of the little that looks
			// free since the last read: read again (one Query) rather
			// than lose a claim (a transaction and a Query).
			if err := r.reread(ctx, &w); err != nil {
				return err
			}
		}
		i, prev, ok, err := r.next(ctx, &w)
		if err != nil || !ok {
			return err
		}
		if err := r.claimOne(ctx, &w, i, prev); err != nil {
			return err
		}
	}
}

// claimOne claims batch i, carrying the done marks waiting, and updates
// the walker's view with the outcome.
func (r *run) claimOne(ctx context.Context, w *walker, i int, prev claim.State) error {
	done := r.takeDone()
	err := r.claim(ctx, i, prev, done, w.holders)
	var refused *claim.MarkError
	switch {
	case err == nil:
		r.marked(len(done))
		w.states[i] = claim.State{SK: batchSK(i), State: claim.Claimed, Holder: r.lease.Holder(), Fence: r.lease.Fence()}
		w.stale = true
		r.enqueue(i)
	case errors.As(err, &refused):
		r.lostDone(done, refused.SKs)
		delete(w.tried, i)
	case errors.Is(err, claim.ErrConflict):
		r.returnDone(done)
		// A peer works here, and the view is stale elsewhere too: read
		// the whole run again (one Query) rather than guess batch by
		// batch.
		return r.reread(ctx, w)
	default:
		r.returnDone(done)
		return err
	}
	return nil
}

// reread reads the run's batches again.
func (r *run) reread(ctx context.Context, w *walker) (err error) {
	w.states, err = r.states(ctx)
	w.holders, w.stale = nil, false
	return err
}

// walker picks the batches to claim at random among those it believes
// free, so that concurrent invocations rarely go for the same one.
type walker struct {
	n       int
	states  map[int]claim.State
	holders *claim.Holders // the scope's holders, read at most once per round
	tried   map[int]bool
	stale   bool // this invocation claimed since states were read
}

// free counts the batches that look free and were not tried.
func (w *walker) free() int {
	n := 0
	for i := range w.n {
		if st := w.states[i]; !w.tried[i] && (st.State == "" || st.State == claim.Free) {
			n++
		}
	}
	return n
}

// peers counts the other holders seen on the run's batches.
func (w *walker) peers(me string) int {
	seen := map[string]bool{}
	for _, st := range w.states {
		if st.Holder != "" && st.Holder != me {
			seen[st.Holder] = true
		}
	}
	return len(seen)
}

// next returns the next batch to claim: one nobody claimed or that was
// freed, else one claimed by a holder whose lease is gone (by the lease
// manager's rule, skew included).
func (r *run) next(ctx context.Context, w *walker) (int, claim.State, bool, error) {
	var free, taken []int
	for i := range w.n {
		st := w.states[i]
		if w.tried[i] {
			continue
		}
		switch {
		case st.State == "" || st.State == claim.Free:
			free = append(free, i)
		case st.State == claim.Claimed && st.Holder != r.lease.Holder():
			taken = append(taken, i)
		}
	}
	if len(free) > 0 {
		i := free[rand.IntN(len(free))]
		w.tried[i] = true
		return i, w.states[i], true, nil
	}
	if len(taken) == 0 {
		return 0, claim.State{}, false, nil
	}
	if w.holders == nil {
		h, err := r.claims.Holders(ctx)
		if err != nil {
			return 0, claim.State{}, false, fmt.Errorf("normalize: read scope %s: %w", r.lease.Scope(), err)
		}
		w.holders = h
	}
	for _, i := range taken {
		if !w.holders.Live(w.states[i]) {
			w.tried[i] = true
			return i, w.states[i], true, nil
		}
	}
	return 0, claim.State{}, false, nil
}
