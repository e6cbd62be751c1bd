package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize/item"
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
	budget       Budget
	pause        string // WithPause
	workerCap    int
	batchSize    int
	margin       time.Duration
	clock        clock.Clock
	log          *slog.Logger
	retain       time.Duration
}

// New returns a Pipeline over the coordination table and the data bucket,
// or a *ConfigError naming the first invalid setting. db is wrapped with
// Counting; give the same counted client to the lease manager and the
// budget so that the response counts their requests too.
func New(db DynamoDB, s3 S3, leases *lease.Manager, model Model, table, bucket string, opts ...Option) (*Pipeline, error) {
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
// reached. An invalid event returns the *item.FieldError(s) of
// Event.Validate and writes nothing. The lease is released, and the
// budget's pool flushed, before Run returns, also on error and panic.
func (p *Pipeline) Run(ctx context.Context, ev item.Event, opts ...RunOption) (*Response, error) {
	var o runOptions
	for _, f := range opts {
		f(&o)
	}
	began := p.clock.Now()
	ctx, requests := withCounter(ctx)
	if err := ev.Validate(began); err != nil {
		return nil, err
	}
	canon, err := p.canonical(ctx)
	if err != nil {
		return nil, err
	}
	items, bad, sel, err := source{p.s3, p.bucket}.items(ctx, ev, began)
	if err != nil {
		return nil, err
	}
	r := p.newRun(ev, began, items, canon)
	resp := r.response(bad)
	resp.Selection = sel
	defer func() {
		resp.DynamoDBRequests = requests.Load()
		resp.DurationMS = p.clock.Now().Sub(began).Milliseconds()
		p.summary(resp)
	}()
	for _, b := range bad {
		p.log.Warn("bad item", "run_key", r.id, "key", b.Key, "position", b.Position, "item_id", b.ItemID, "reason", b.Reason)
	}
	switch {
	case len(items) == 0:
		resp.Message = sel.nothingMatched(len(bad))
		return resp, nil
	case ev.DryRun:
		return resp, r.dryRun(ctx, resp)
	}
	if reason, paused := p.paused(ctx); paused {
		resp.Paused, resp.Counts.Remaining = reason, len(items)
		resp.Message = fmt.Sprintf("paused: %s; %d items remain, nothing was claimed", reason, len(items))
		return resp, nil
	}
	return resp, r.execute(ctx, resp, o.name)
}

// paused reports whether the environment is paused, and why: by its
// configuration (WithPause) or by an operator in the budget row (leasectl
// pause). A failure to read the row is not a pause: the budget will fail
// the calls if it persists.
func (p *Pipeline) paused(ctx context.Context) (string, bool) {
	if p.pause != "" {
		return p.pause, true
	}
	a, ok := p.budget.(interface{ Admits(context.Context) error })
	if !ok {
		return "", false
	}
	var pe *budget.PausedError
	if err := a.Admits(ctx); errors.As(err, &pe) {
		return pe.Error(), true
	}
	return "", false
}

func (p *Pipeline) summary(resp *Response) {
	p.log.Info("summary", "run_key", resp.RunKey, "message", resp.Message, "counts", resp.Counts,
		"bedrock", resp.Bedrock, "lease", resp.Lease, "workers", resp.Workers,
		"dynamodb_requests", resp.DynamoDBRequests, "duration_ms", resp.DurationMS, "outputs", resp.Outputs.Count)
}

// cleanupTimeout bounds, on the pipeline's clock, the writes made once
// the invocation's context may have ended: free and done marks, the
// budget's flush, the release of the lease.
const cleanupTimeout = 10 * time.Second

// detached returns a context that outlives ctx's cancellation (keeping its
// values), ended after cleanupTimeout.
func (p *Pipeline) detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), clock.Wall(p.clock, cleanupTimeout))
}
