package normalize

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
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

	mu      sync.Mutex
	mine    map[int]*batchRun // batches this invocation claimed
	fresh   int               // batches marked done by this invocation
	pending []finishing       // batches done here, to be marked by the next claim or flush
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
	w := walker{n: len(r.batches), states: states, tried: map[int]bool{}}
	for {
		if !r.waitHungry(ctx) {
			return nil
		}
		if w.stale && w.free() <= 2*w.peers(r.lease.Holder()) {
			// Peers have probably claimed some of the little that looks
			// free since the last read: read again (one Query) rather
			// than lose a claim (a transaction and a Query).
			if w.states, err = r.claims.states(ctx); err != nil {
				return err
			}
			w.holders, w.stale = nil, false
		}
		i, prev, ok, err := r.next(ctx, &w)
		if err != nil || !ok {
			return err
		}
		done := r.takeDone()
		err = r.claims.claim(ctx, i, refs(r.batches[i]), prev, done)
		var refused *finishRefusedError
		switch {
		case err == nil:
			r.marked(len(done))
			w.states[i] = batchState{Index: i, State: batchClaimed, Holder: r.lease.Holder(), Fence: r.lease.Fence()}
			w.stale = true
			r.enqueue(i)
		case errors.As(err, &refused):
			r.lostDone(done, refused.Batches)
			delete(w.tried, i)
		case errors.Is(err, ErrClaimConflict):
			r.returnDone(done)
			// A peer works here, and the view is stale elsewhere too: read
			// the whole run again (one Query) rather than guess batch by
			// batch (trying others first doubled the lost claims at K = 3).
			if w.states, err = r.claims.states(ctx); err != nil {
				return err
			}
			w.holders, w.stale = nil, false
		default:
			r.returnDone(done)
			return err
		}
	}
}

// takeDone returns the batches waiting to be marked done, at most what one
// claim's transaction carries.
func (r *run) takeDone() []finishing {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(len(r.pending), maxFinishes)
	done := r.pending[:n:n]
	r.pending = r.pending[n:]
	return done
}

// returnDone puts batches back to wait for the next claim or flush.
func (r *run) returnDone(done []finishing) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(r.pending, done...)
}

// lostDone puts back the batches of done except those no longer held,
// which are logged (their records stand; a peer marks them).
func (r *run) lostDone(done []finishing, lost []int) {
	var keep []finishing
	for _, f := range done {
		if slices.Contains(lost, f.index) {
			r.p.log.Warn("batch", "run_key", r.id, "batch", f.index, "state", batchDone, "error", "no longer held by this lease")
			continue
		}
		keep = append(keep, f)
	}
	r.returnDone(keep)
}

// marked counts batches this invocation marked done.
func (r *run) marked(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fresh += n
}

// flushDone marks the batches still waiting, once claiming and the pool
// are over: one write for all of them.
func (r *run) flushDone() {
	done := r.takeDone()
	for len(done) > 0 {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.lease.Context()), clock.Wall(r.p.clock, 10*time.Second))
		n, errs := r.claims.flush(ctx, done)
		cancel()
		r.marked(n)
		for _, err := range errs {
			r.p.log.Warn("batch", "run_key", r.id, "state", batchDone, "error", err.Error())
		}
		done = r.takeDone()
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

// walker picks the batches to claim at random among those it believes
// free, so that concurrent invocations rarely go for the same one. (Walking
// on from a random offset made them collide whenever one caught up with
// another: 12 conflicts in 34 claims, each also costing a Query, at K = 3.)
type walker struct {
	n       int
	states  map[int]batchState
	holders map[string]time.Time // scope holders, read at most once per round
	tried   map[int]bool
	stale   bool // this invocation claimed since states were read
}

// free counts the batches that look free and were not tried.
func (w *walker) free() int {
	n := 0
	for i := range w.n {
		if st := w.states[i]; !w.tried[i] && (st.State == "" || st.State == batchFree) {
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
// freed, else one claimed by a holder whose lease is gone.
func (r *run) next(ctx context.Context, w *walker) (int, batchState, bool, error) {
	var free, dead []int
	for i := range w.n {
		st := w.states[i]
		if w.tried[i] {
			continue
		}
		switch {
		case st.State == "" || st.State == batchFree:
			free = append(free, i)
		case st.State == batchClaimed && st.Holder != r.lease.Holder():
			dead = append(dead, i)
		}
	}
	if len(free) > 0 {
		i := free[rand.IntN(len(free))]
		w.tried[i] = true
		return i, w.states[i], true, nil
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
	f := finishing{index: b.index, ok: b.ok, fallback: b.fallback, failed: b.failed}
	if b.open == 0 {
		// Every item has its record: the next claim marks the batch done
		// in its own transaction, or flushDone does at the end.
		r.returnDone([]finishing{f})
		return
	}
	// Some items need another try: free the batch for peers now.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.lease.Context()), clock.Wall(r.p.clock, 10*time.Second))
	defer cancel()
	if err := r.claims.finish(ctx, batchFree, f); err != nil {
		r.p.log.Warn("batch", "run_key", r.id, "batch", b.index, "state", batchFree, "error", err.Error())
	}
}

func refs(items []dayItem) []string {
	out := make([]string, len(items))
	for i, d := range items {
		out[i] = d.ref()
	}
	return out
}
