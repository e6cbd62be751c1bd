package normalize

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/vectora/ingest-normalize/lease"
)

// run is one invocation's share of a run: the items, the lease, the claims
// and the tally. Its methods are called by Run and the pool's workers.
type run struct {
	p       *Pipeline
	ev      Event
	id      string
	items   []dayItem
	batches [][]dayItem
	canon   Canonical
	lease   *lease.Lease
	claims  *claims
	sink    *sink
	pool    *pool
	tally   tally
	callCtx context.Context // calls end here: the deadline minus a reserve to write and release
	stopAt  time.Time       // wall time at which claiming stops
	stop    chan struct{}   // closed at stopAt: unstarted items are abandoned
	start   map[int]batchState

	mu    sync.Mutex
	mine  map[int]*batchRun // batches this invocation claimed
	fresh int               // batches marked done by this invocation
}

// batchRun follows the items of one claimed batch.
type batchRun struct {
	index                      int
	left                       int
	ok, fallback, failed, open int
}

// stopped reports whether unstarted items must be left for another
// invocation: the deadline margin was reached or the lease ended.
func (r *run) stopped() bool {
	select {
	case <-r.stop:
		return true
	case <-r.lease.Done():
		return true
	default:
		return false
	}
}

// claimLoop claims batches while the pool has room, until no batch is left
// to claim, the deadline margin is reached or the lease ends.
func (r *run) claimLoop(ctx context.Context) error {
	states, err := r.claims.states(ctx)
	if err != nil {
		return err
	}
	r.start = maps.Clone(states)
	w := walker{n: len(r.batches), offset: rand.IntN(len(r.batches)), states: states, tried: map[int]bool{}}
	for {
		if !r.waitHungry(ctx) {
			return nil
		}
		i, prev, ok, err := r.next(ctx, &w)
		if err != nil || !ok {
			return err
		}
		seen, found, err := r.claims.claim(ctx, i, refs(r.batches[i]), prev)
		switch {
		case errors.Is(err, ErrClaimConflict):
			// A peer works here: read the whole run again (one Query)
			// rather than guess batch by batch.
			_, _ = seen, found
			if w.states, err = r.claims.states(ctx); err != nil {
				return err
			}
			w.holders = nil
		case err != nil:
			return err
		default:
			w.states[i] = batchState{Index: i, State: batchClaimed, Holder: r.lease.Holder(), Fence: r.lease.Fence()}
			r.enqueue(i)
		}
	}
}

// waitHungry waits until the pool wants another batch; false when claiming
// must stop.
func (r *run) waitHungry(ctx context.Context) bool {
	for {
		if r.stopped() || ctx.Err() != nil {
			return false
		}
		if r.pool.hungry() {
			return true
		}
		select {
		case <-r.pool.ready:
		case <-r.stop:
		case <-r.lease.Done():
		case <-ctx.Done():
		}
	}
}

// walker visits the batches from a random offset, so that concurrent
// invocations rarely go for the same one.
type walker struct {
	n, offset int
	states    map[int]batchState
	holders   map[string]time.Time // scope holders, read at most once per round
	tried     map[int]bool
}

// next returns the next batch to claim: one nobody claimed or that was
// freed, else one claimed by a holder whose lease is gone.
func (r *run) next(ctx context.Context, w *walker) (int, batchState, bool, error) {
	var dead []int
	for k := range w.n {
		i := (w.offset + k) % w.n
		st := w.states[i]
		if w.tried[i] {
			continue
		}
		switch {
		case st.State == "" || st.State == batchFree:
			w.tried[i] = true
			return i, st, true, nil
		case st.State == batchClaimed && st.Holder != r.lease.Holder():
			dead = append(dead, i)
		}
	}
	if len(dead) == 0 {
		return 0, batchState{}, false, nil
	}
	if w.holders == nil {
		h, err := r.claims.liveHolders(ctx)
		if err != nil {
			return 0, batchState{}, false, err
		}
		w.holders = h
	}
	now := r.p.clock.Now()
	for _, i := range dead {
		exp, ok := w.holders[w.states[i].Holder]
		if !ok || exp.Add(stealSkew).Before(now) {
			w.tried[i] = true
			return i, w.states[i], true, nil
		}
	}
	return 0, batchState{}, false, nil
}

// stealSkew is how long past its holder's expiry a claimed batch is left
// alone, like the lease's own skew margin.
const stealSkew = 2 * time.Second

// enqueue hands the items of a claimed batch to the pool.
func (r *run) enqueue(i int) {
	b := &batchRun{index: i, left: len(r.batches[i])}
	r.mu.Lock()
	r.mine[i] = b
	r.mu.Unlock()
	for _, d := range r.batches[i] {
		r.pool.submit(func() { r.done(b, r.process(d)) })
	}
}

// done records an item's outcome; the last item of a batch marks the batch
// done (every item has a usable record) or free (some need another try).
func (r *run) done(b *batchRun, o outcome) {
	r.mu.Lock()
	switch {
	case o == outOK:
		b.ok++
	case o == outFallback:
		b.fallback++
	case o == outFailed:
		b.failed++
	}
	if !o.settled() {
		b.open++
	}
	b.left--
	last := b.left == 0
	r.mu.Unlock()
	if !last {
		return
	}
	state := batchDone
	if b.open > 0 {
		state = batchFree
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.lease.Context()), r.p.wall(10*time.Second))
	defer cancel()
	if err := r.claims.finish(ctx, b.index, state, b.ok, b.fallback, b.failed); err != nil {
		r.p.log.Warn("batch", "run_key", r.id, "batch", b.index, "state", state, "error", err.Error())
		return
	}
	if state == batchDone {
		r.mu.Lock()
		r.fresh++
		r.mu.Unlock()
	}
}

func refs(items []dayItem) []string {
	out := make([]string, len(items))
	for i, d := range items {
		out[i] = d.ref()
	}
	return out
}
