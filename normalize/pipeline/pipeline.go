package normalize

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease"
)

// Pipeline normalizes the items of an Event with the model and writes one
// record per item to the data bucket, sharing the work with every other
// invocation of the same run through the coordination table. Pipeline is
// safe for concurrent use: one per process serves every invocation.
type Pipeline struct {
	db           DynamoDB
	s3           S3
	leases       *lease.Manager
	model        Model
	table        string
	bucket       string
	configBucket string
	env          string
	budget       *lease.Budget
	workerCap    int
	batchSize    int
	margin       time.Duration
	clock        clock.Clock
	log          *slog.Logger
	retain       time.Duration
}

// NewPipeline returns a Pipeline over the coordination table and the data
// bucket, or a *ConfigError naming the first invalid setting. db is wrapped
// with Counting; give the same counted client to the lease manager and the
// budget so that the response counts their requests too.
func NewPipeline(db DynamoDB, s3 S3, leases *lease.Manager, model Model, table, bucket string, opts ...Option) (*Pipeline, error) {
	p := &Pipeline{s3: s3, leases: leases, model: model, table: table, bucket: bucket,
		env: DefaultEnv, workerCap: DefaultWorkerCap, batchSize: DefaultBatchSize,
		margin: DefaultDeadlineMargin, clock: clock.System, log: slog.Default(), retain: DefaultRetention}
	if db != nil {
		p.db = Counting(db)
	}
	for _, o := range opts {
		o(p)
	}
	if p.configBucket == "" {
		p.configBucket = bucket
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Scope returns the lease scope of the pipeline's environment.
func (p *Pipeline) Scope() string { return "ingest-normalize/" + p.env }

// RunOption configures one Run.
type RunOption func(*runOptions)

type runOptions struct{ name string }

// As names the lease holder, for example with the Lambda request id.
func As(name string) RunOption { return func(o *runOptions) { o.name = name } }

// Run processes ev until every item of its run has a usable record, no
// batch is left to claim, or the context's deadline minus the margin is
// reached. An invalid event returns the *FieldError(s) of
// Event.Validate and writes nothing. The lease is released, and the
// budget's pool flushed, before Run returns, also on error and panic.
func (p *Pipeline) Run(ctx context.Context, ev Event, opts ...RunOption) (*Response, error) {
	var o runOptions
	for _, f := range opts {
		f(&o)
	}
	began := time.Now()
	ctx, requests := withCounter(ctx)
	now := p.clock.Now()
	if err := ev.Validate(now); err != nil {
		return nil, err
	}
	canon, err := p.canonical(ctx)
	if err != nil {
		return nil, err
	}
	items, bad, err := source{p.s3, p.bucket}.items(ctx, ev, now)
	if err != nil {
		return nil, err
	}
	r := &run{p: p, ev: ev, id: runID(ev, now, items, p.batchSize), items: items, batches: cut(items, p.batchSize),
		canon: canon, mine: map[int]*batchRun{}, stop: make(chan struct{})}
	resp := &Response{RunKey: r.id, DryRun: ev.DryRun, BadItems: bad,
		Counts: Counts{Items: len(items), Batches: len(r.batches), Skipped: len(bad)},
		Lease:  LeaseStats{Scope: p.Scope()}, Workers: WorkerStats{Cap: p.workerCap}}
	resp.Outputs.Prefix = NormalizedPrefix + ev.ClientID + "/"
	defer func() {
		resp.DynamoDBRequests = requests.Load()
		resp.DurationMS = time.Since(began).Milliseconds()
		p.summary(resp)
	}()
	for _, b := range bad {
		p.log.Warn("bad item", "run_key", r.id, "key", b.Key, "position", b.Position, "item_id", b.ItemID, "reason", b.Reason)
	}
	switch {
	case len(items) == 0:
		resp.Message = fmt.Sprintf("nothing to do: no items in the window (%d bad items)", len(bad))
		return resp, nil
	case ev.DryRun:
		return resp, r.dryRun(ctx, resp)
	}
	return resp, r.execute(ctx, resp, o.name)
}

// execute runs the claimed part of a Run under its lease.
func (r *run) execute(ctx context.Context, resp *Response, name string) (err error) {
	p := r.p
	waitStart := time.Now()
	l, err := p.leases.Acquire(ctx, p.Scope(), lease.As(name))
	resp.Lease.WaitMS = time.Since(waitStart).Milliseconds()
	if err != nil {
		return fmt.Errorf("normalize: acquire lease %s: %w", p.Scope(), err)
	}
	resp.Lease.Holder, resp.Lease.Fence = l.Holder(), l.Fence()
	r.lease = l
	defer r.release(ctx, resp)
	defer r.outputs(resp)
	r.claims = &claims{db: p.db, table: p.table, pk: "run#" + p.env + "#" + r.id, lease: l, leases: p.leases, clock: p.clock, retain: p.retain}
	r.sink = &sink{s3: p.s3, bucket: p.bucket, lease: l}
	r.pool = newPool(p.workerCap, p.workerCap+2*p.batchSize)
	cancel := r.deadlines(ctx)
	defer cancel()
	err = r.claimLoop(l.Context())
	if l.Context().Err() != nil {
		err = nil // the lease ended: complete says so
	}
	r.pool.close()
	r.flushDone()
	resp.Workers.Final, resp.Workers.Peak = r.pool.size()
	if err != nil && !errors.Is(err, lease.ErrNotHeld) {
		r.fill(resp)
		resp.Message = "stopped: " + err.Error()
		return err
	}
	return r.complete(l.Context(), resp)
}

// deadlines sets the stop time (the context's deadline minus the margin)
// and the calls' deadline (minus a quarter of the margin, kept to write the
// last records and release).
func (r *run) deadlines(ctx context.Context) context.CancelFunc {
	deadline, ok := ctx.Deadline()
	if !ok {
		r.callCtx = r.lease.Context()
		return func() {}
	}
	margin := clock.Wall(r.p.clock, r.p.margin)
	r.stopAt = deadline.Add(-margin)
	t := time.AfterFunc(time.Until(r.stopAt), func() { close(r.stop) })
	callCtx, cancel := context.WithDeadline(r.lease.Context(), deadline.Add(-margin/4))
	r.callCtx = callCtx
	return func() { t.Stop(); cancel() }
}

// release flushes the budget's pool and releases the lease, on a context
// that outlives the invocation's.
func (r *run) release(ctx context.Context, resp *Response) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), clock.Wall(r.p.clock, 10*time.Second))
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

func (p *Pipeline) summary(resp *Response) {
	p.log.Info("summary", "run_key", resp.RunKey, "message", resp.Message, "counts", resp.Counts,
		"bedrock", resp.Bedrock, "lease", resp.Lease, "workers", resp.Workers,
		"dynamodb_requests", resp.DynamoDBRequests, "duration_ms", resp.DurationMS, "outputs", resp.Outputs.Count)
}
