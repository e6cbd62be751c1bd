package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/claim"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// run is one invocation's share of a run: the items, the lease, the claims
// and the tally. Its methods are called by Run and the pool's workers.
type run struct {
	p       *Pipeline
	ev      item.Event
	id      string
	items   []dayItem
	batches [][]dayItem
	canon   normalize.Canonical
	lease   *lease.Lease
	claims  *claim.Set
	sink    *sink
	pool    *pool
	tally   tally
	shared  dedup           // identical prompts, one call
	callCtx context.Context // calls end here: the deadline minus a reserve to write and release
	// claims end here: at the deadline minus the margin, with the lease, so
	// that claims retried through conflicts never outlast the invocation.
	claimCtx context.Context
	stop     chan struct{} // closed at the deadline minus the margin, or on a pause: unstarted items are abandoned
	halted   sync.Once     // closes stop
	start    map[int]claim.State

	mu      sync.Mutex
	mine    map[int]*batchRun   // batches this invocation claimed
	fresh   int                 // batches marked done by this invocation
	pending []finishing         // batches done here, to be marked by the next claim or flush
	last    map[int]claim.State // the batches as last read
}

func (p *Pipeline) newRun(ev item.Event, now time.Time, items []dayItem, canon normalize.Canonical) *run {
	return &run{p: p, ev: ev, id: runID(ev, now, items, p.batchSize), items: items, batches: cut(items, p.batchSize),
		canon: canon, mine: map[int]*batchRun{}, stop: make(chan struct{})}
}

// response is the Response of the run before anything was done.
func (r *run) response(bad []BadItem) *Response {
	resp := &Response{RunKey: r.id, DryRun: r.ev.DryRun, BadItems: bad,
		Counts: Counts{Items: len(r.items), Batches: len(r.batches), Skipped: len(bad)},
		Lease:  LeaseStats{Scope: r.p.Scope()}, Workers: WorkerStats{Cap: r.p.workerCap}}
	resp.Outputs.Prefix = item.NormalizedPrefix + r.ev.ClientID + "/"
	return resp
}

// execute runs the claimed part of a Run under its lease.
func (r *run) execute(ctx context.Context, resp *Response, name string) (err error) {
	p := r.p
	waitStart := p.clock.Now()
	l, err := p.leases.Acquire(ctx, p.Scope(), lease.As(name))
	resp.Lease.WaitMS = p.clock.Now().Sub(waitStart).Milliseconds()
	if err != nil {
		return fmt.Errorf("normalize: acquire lease %s: %w", p.Scope(), err)
	}
	resp.Lease.Holder, resp.Lease.Fence = l.Holder(), l.Fence()
	r.lease = l
	defer r.release(ctx, resp)
	defer r.outputs(resp)
	if r.claims, err = claim.NewSet(p.db, p.table, "run#"+p.env+"#"+r.id, l, p.leases,
		claim.WithClock(p.clock), claim.WithRetention(p.retain)); err != nil {
		return err
	}
	r.sink = &sink{s3: p.s3, bucket: p.bucket, lease: l}
	r.pool = newPool(p.workerCap, p.workerCap+2*p.batchSize)
	cancel := r.deadlines(ctx)
	defer cancel()
	err = r.claimLoop(r.claimCtx)
	if r.claimCtx.Err() != nil {
		err = nil // the deadline margin was reached or the lease ended: complete says so
	}
	r.pool.close()
	r.flushDone()
	resp.Workers.Final, resp.Workers.Peak = r.pool.size()
	if err != nil && !errors.Is(err, lease.ErrNotHeld) {
		r.fill(resp)
		r.count(resp, r.lastStates())
		resp.Message = "stopped: " + err.Error()
		return err
	}
	return r.complete(l.Context(), resp)
}

// deadlines closes r.stop and ends the claims' context at the context's
// deadline minus the margin, and ends the calls' context at the deadline
// minus a quarter of the margin, kept to write the last records and
// release. The deadline is a wall instant: the margin, on the pipeline's
// clock, is converted to wall time.
func (r *run) deadlines(ctx context.Context) context.CancelFunc {
	claimCtx, stopClaims := context.WithCancel(r.lease.Context())
	r.claimCtx = claimCtx
	deadline, ok := ctx.Deadline()
	if !ok {
		r.callCtx = r.lease.Context()
		return stopClaims
	}
	margin := clock.Wall(r.p.clock, r.p.margin)
	t := time.AfterFunc(time.Until(deadline.Add(-margin)), func() { r.halt(); stopClaims() })
	callCtx, cancel := context.WithDeadline(r.lease.Context(), deadline.Add(-margin/4))
	r.callCtx = callCtx
	return func() { t.Stop(); cancel(); stopClaims() }
}

// release flushes the budget's pool and releases the lease, on a context
// that outlives the invocation's.
func (r *run) release(ctx context.Context, resp *Response) {
	ctx, cancel := r.p.detached(ctx)
	defer cancel()
	if r.p.budget != nil {
		if err := r.p.budget.Flush(ctx); err != nil {
			r.p.log.Warn("budget flush", "error", err.Error())
		}
	}
	if err := r.lease.Err(); err != nil && !errors.Is(err, lease.ErrReleased) {
		resp.Lease.Lost = err.Error()
	}
	if err := r.lease.Release(ctx); err != nil {
		r.p.log.Warn("lease release", "holder", r.lease.Holder(), "error", err.Error())
	}
}

// halt stops the run from starting items: at the deadline minus the
// margin, or when the environment is paused.
func (r *run) halt() { r.halted.Do(func() { close(r.stop) }) }

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
