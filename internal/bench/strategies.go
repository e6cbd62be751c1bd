package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/app"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbcount"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// The strategies compared.
const (
	SeedUncoordinated = "seed-uncoordinated"
	SeedReserved1     = "seed-reserved-1"
	SDKAdaptive       = "sdk-adaptive"
	Coordinated       = "coordinated"
)

// scenario is one strategy at one K.
type scenario struct {
	strategy string
	k        int
	cap      time.Duration   // emulated; 0 = run to completion
	batch    int             // budget batch (coordinated); 0 = the default
	other    emulator.Tenant // another application on the quota (coordinated); zero = none
	uncached bool            // coordinated without prompt caching (caching.go)
	label    string
}

// outcome is what running a scenario produced, before metrics.
type outcome struct {
	calls    []Call
	wall     time.Duration
	resps    []*pipeline.Response
	budget   budget.Stats
	ddb      int64  // DynamoDB requests seen by the benchmark's own counter
	ddbKinds string // the same, by operation and item family
	errs     []error
	finished bool // not stopped by the cap
}

// alone runs one seed-style invocation: every item, workers at a time,
// with client, no lease, no budget, no work sharing.
func (e *env) alone(ctx context.Context, inv int, c *bedrock.Client, rec *recorder) {
	canon, _ := normalize.LoadCanonical(nil)
	next := make(chan benchItem)
	var wg sync.WaitGroup
	for range e.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range next {
				if res, err := rec.call(ctx, inv, c, it.prompt); err == nil {
					_, _ = normalize.ParseAnswer(res.Text, it.raw, canon)
				}
			}
		}()
	}
	for _, it := range e.items {
		select {
		case next <- it:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
}

// runSeed runs the seed strategies and sdk-adaptive.
func (e *env) runSeed(ctx context.Context, s scenario) (outcome, error) {
	clients := make([]*bedrock.Client, s.k)
	for i := range clients {
		p := seedDefault.scaled(1 / e.cfg.Scale).policy()
		if s.strategy == SDKAdaptive {
			p = adaptivePolicy() // one adaptive retryer per Client
		}
		c, err := bedrock.New(e.runtime(), ModelID, bedrock.Unlimited, bedrock.WithMaxTokens(e.cfg.MaxTokens), bedrock.WithRetryPolicy(p))
		if err != nil {
			return outcome{}, err
		}
		clients[i] = c
	}
	rec := newRecorder(e.items)
	e.emu.Reset()
	rec.start = time.Now()
	ctx, cancel := e.capped(ctx, s.cap)
	defer cancel()
	if s.strategy == SeedReserved1 {
		for i, c := range clients {
			e.alone(ctx, i, c, rec)
		}
	} else {
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Add(1)
			go func() { defer wg.Done(); e.alone(ctx, i, c, rec) }()
		}
		wg.Wait()
	}
	return outcome{calls: rec.snapshot(), wall: time.Since(rec.start), finished: ctx.Err() == nil}, nil
}

// capped bounds a scenario to cap of emulated time.
func (e *env) capped(ctx context.Context, cap time.Duration) (context.Context, context.CancelFunc) {
	if cap <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, e.wall(cap))
}

// invocation is one coordinated Lambda: its own clients, lease manager,
// budget, Bedrock client and pipeline, built as cmd/ingest-normalize does.
type invocation struct {
	p      *pipeline.Pipeline
	budget *budget.Budget
}

func (e *env) invocation(s scenario, i int, table, bucket string, clk clock.Scaled, rec *recorder, ddb *ddbcount.Counter) (*invocation, error) {
	q := e.cfg.Quota
	cfg := app.Config{Table: table, DataBucket: bucket, ConfigBucket: bucket, Env: "bench",
		ModelID: ModelID, BedrockRegion: "eu-west-3", MaxTokens: e.cfg.MaxTokens,
		RPM: float64(q.RPM), TPM: float64(q.TPM), BurstMS: e.cfg.BurstMS, EnvCap: 1,
		MaxHolders: e.cfg.MaxHolders, LeaseTTL: e.cfg.LeaseTTL, WorkerCap: e.cfg.WorkerCap, ClaimBatch: e.cfg.ClaimBatch,
		DeadlineMargin: pipeline.DefaultDeadlineMargin, TimeScale: clk.Scale, TimeEpoch: clk.Epoch, NoPromptCache: s.uncached}
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = lease.DefaultTTL
	}
	opts := []app.Option{
		app.WithModel(func(m pipeline.Model) pipeline.Model { return recModel{inner: m, rec: rec, inv: i} }),
		app.WithBedrockOptions(bedrock.WithBackoff(e.wall(bedrock.DefaultBackoffBase), e.wall(bedrock.DefaultBackoffCap))),
		app.WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))),
	}
	if s.batch > 0 {
		opts = append(opts, app.WithBudgetOptions(budget.WithBatch(s.batch)))
	}
	a, err := app.New(cfg, app.Clients{DynamoDB: ddb, S3: e.s3, Bedrock: e.runtime()}, opts...)
	if err != nil {
		return nil, err
	}
	return &invocation{p: a.Pipeline, budget: a.Budget}, nil
}

// beside sets the other application drawing on the emulator's quota.
func (e *env) beside(other emulator.Tenant) error {
	set := e.emu.Settings()
	if set.OtherTenant == other {
		return nil
	}
	set.OtherTenant = other
	return e.emu.Reconfigure(set)
}

// runCoordinated runs K concurrent Pipeline.Run on one table and bucket.
func (e *env) runCoordinated(ctx context.Context, s scenario) (outcome, error) {
	table, bucket, ev, err := e.fresh(ctx)
	if err != nil {
		return outcome{}, err
	}
	rec, ddb := newRecorder(e.items), ddbcount.New(e.db)
	clk := clock.Scaled{Epoch: time.Now(), Scale: e.cfg.Scale}
	invs := make([]*invocation, s.k)
	for i := range invs {
		if invs[i], err = e.invocation(s, i, table, bucket, clk, rec, ddb); err != nil {
			return outcome{}, err
		}
	}
	out := outcome{resps: make([]*pipeline.Response, s.k), errs: make([]error, s.k)}
	if err := e.beside(s.other); err != nil {
		return outcome{}, err
	}
	defer e.beside(emulator.Tenant{})
	e.emu.Reset()
	rec.start = time.Now()
	ctx, cancel := e.capped(ctx, s.cap)
	defer cancel()
	var wg sync.WaitGroup
	for i, inv := range invs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ictx, icancel := context.WithTimeout(ctx, e.wall(15*time.Minute)) // the Lambda's longest timeout
			defer icancel()
			out.resps[i], out.errs[i] = inv.p.Run(ictx, ev, pipeline.As(fmt.Sprintf("inv-%02d", i)))
		}()
	}
	wg.Wait()
	out.wall, out.calls, out.ddb, out.finished = time.Since(rec.start), rec.snapshot(), ddb.Total(), ctx.Err() == nil
	out.ddbKinds = ddb.String()
	for _, inv := range invs {
		st := inv.budget.Stats()
		out.budget.Writes += st.Writes
		out.budget.Reads += st.Reads
		out.budget.Conflicts += st.Conflicts
	}
	return out, nil
}
