package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/vectora/ingest-normalize/lease/claim"
)

// A run's batches are claims of package claim: pk "run#<env>#<run key>",
// sk "batch#<nnnnn>", the items as "<YYYY-MM-DD>/<item_id>".
const batchPrefix = "batch#"

func batchSK(i int) string { return fmt.Sprintf("%s%05d", batchPrefix, i) }

// batchIndex is the index of batch sk.
func batchIndex(sk string) int {
	i, _ := strconv.Atoi(strings.TrimPrefix(sk, batchPrefix))
	return i
}

// states reads every batch of the run, by index: one Query (more when
// paged).
func (r *run) states(ctx context.Context) (map[int]claim.State, error) {
	list, err := r.claims.List(ctx, batchPrefix)
	if err != nil {
		return nil, fmt.Errorf("normalize: read batches of run#%s#%s: %w", r.p.env, r.id, err)
	}
	out := make(map[int]claim.State, len(list))
	for _, st := range list {
		out[batchIndex(st.SK)] = st
	}
	r.mu.Lock()
	r.last = maps.Clone(out)
	r.mu.Unlock()
	return out, nil
}

// lastStates returns the batches as last read (nil when they never were):
// what a run that cannot read them any more counts as remaining.
func (r *run) lastStates() map[int]claim.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// claim takes batch i in one transaction that also renews the lease and
// marks done the batches of done. prev is the batch as last read; when it
// is claimed (by a holder that holders, the snapshot the caller checked,
// shows dead) only one stealer wins, and the dead holder's entry goes in
// the same transaction. It returns claim.ErrConflict when the batch was taken first, a
// *claim.MarkError when some of done are no longer held, or an error
// wrapping lease.ErrNotHeld when the lease is no longer current.
func (r *run) claim(ctx context.Context, i int, prev claim.State, done []finishing, holders *claim.Holders) error {
	marks := make([]claim.Mark, len(done))
	for k, f := range done {
		marks[k] = f.mark(claim.Done)
	}
	err := r.claims.Claim(ctx, batchSK(i), prev, claim.Items(refs(r.batches[i])), claim.Carrying(marks...), claim.Over(holders))
	var refused *claim.MarkError
	if err == nil || errors.Is(err, claim.ErrConflict) || errors.As(err, &refused) {
		return err
	}
	return fmt.Errorf("normalize: claim batch %d: %w", i, err)
}

// finishing is a batch whose items all ran, to be marked done (by the next
// claim's transaction, or by flushDone when claiming is over) or free.
type finishing struct {
	index                int
	items                int
	ok, fallback, failed int
}

func (f finishing) mark(state string) claim.Mark {
	return claim.Mark{SK: batchSK(f.index), State: state, Items: f.items,
		Counts: &claim.Counts{OK: f.ok, Fallback: f.fallback, Failed: f.failed}}
}

// markError names the batch of a refused mark as the log says it.
func markError(index int, state string, err error) error {
	return fmt.Errorf("normalize: mark batch %d %s: %w", index, state, err)
}

// takeDone returns the batches waiting to be marked done, at most what one
// claim's transaction carries.
func (r *run) takeDone() []finishing {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(len(r.pending), claim.MaxMarks)
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

// lostDone puts back the batches of done except those no longer held
// (lost names their sort keys), which are logged: their records stand; a
// peer marks them.
func (r *run) lostDone(done []finishing, lost []string) {
	var keep []finishing
	for _, f := range done {
		if slices.Contains(lost, batchSK(f.index)) {
			r.p.log.Warn("batch", "run_key", r.id, "batch", f.index, "state", claim.Done, "error", "no longer held by this lease")
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
	for done := r.takeDone(); len(done) > 0; done = r.takeDone() {
		marks := make([]claim.Mark, len(done))
		for k, f := range done {
			marks[k] = f.mark(claim.Done)
		}
		ctx, cancel := r.p.detached(r.lease.Context())
		n, errs := r.claims.Flush(ctx, marks)
		cancel()
		r.marked(n)
		for _, err := range errs {
			r.p.log.Warn("batch", "run_key", r.id, "state", claim.Done, "error", refusedMark(err).Error())
		}
	}
}

// refusedMark names the batch of an error of Flush.
func refusedMark(err error) error {
	var me *claim.MarkError
	if errors.As(err, &me) && len(me.SKs) == 1 {
		return markError(batchIndex(me.SKs[0]), claim.Done, me.Err)
	}
	return err
}

// batchRun follows the items of one claimed batch.
type batchRun struct {
	index                      int
	left                       int
	ok, fallback, failed, open int
}

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
	f := finishing{index: b.index, items: len(r.batches[b.index]), ok: b.ok, fallback: b.fallback, failed: b.failed}
	if b.open == 0 {
		// Every item has its record: the next claim marks the batch done
		// in its own transaction, or flushDone does at the end.
		r.returnDone([]finishing{f})
		return
	}
	// Some items need another try: free the batch for peers now.
	ctx, cancel := r.p.detached(r.lease.Context())
	defer cancel()
	if err := r.claims.Mark(ctx, f.mark(claim.Free)); err != nil {
		r.p.log.Warn("batch", "run_key", r.id, "batch", b.index, "state", claim.Free, "error", markError(b.index, claim.Free, err).Error())
	}
}

func refs(items []dayItem) []string {
	out := make([]string, len(items))
	for i, d := range items {
		out[i] = d.ref()
	}
	return out
}
