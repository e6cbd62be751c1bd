package lease

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
)

// Budget admits calls against one Bedrock quota (a region and a model or
// inference profile) shared by every environment and invocation that draws
// on it, through one row of the coordination table. An admission is one
// blind conditional write in the common case; each write takes a few calls'
// worth of quota into a local pool so that most reservations need no write
// at all. Budget is safe for concurrent use; one Budget per process and
// quota is enough.
type Budget struct {
	db                  DynamoDB
	table, quota, env   string
	seed                Limits
	seedEnv             EnvLimit
	clock               clock.Clock
	batch               int
	hold                time.Duration
	decrease, recovery  float64
	cooldown            time.Duration
	writes, reads, lost atomic.Int64

	mu       sync.Mutex
	rec      budgetRecord // the row as last seen
	pool     pool
	granting chan struct{}   // closed when the write in flight ends
	avg      float64         // moving average of reservation sizes
	inside   int             // callers inside Reserve
	open     int             // reservations neither settled nor cancelled
	busy     map[string]bool // meters to plan on the add branch (see learn)
}

// pool is quota taken from the row and not yet spent by a call.
type pool struct {
	tokens, requests int64
	expires          time.Time
}

// NewBudget returns the budget of quota for environment env, or a
// *ConfigError naming the first invalid setting.
func NewBudget(db DynamoDB, table, quota, env string, opts ...BudgetOption) (*Budget, error) {
	b := &Budget{db: db, table: table, quota: quota, env: env, clock: clock.System,
		batch: 8, decrease: 0.7, recovery: 0.05, cooldown: 2 * time.Second}
	for _, o := range opts {
		o(b)
	}
	if b.seed.TPM > 0 && b.seed.Burst == 0 {
		b.seed.Burst = 10_000
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	return b, nil
}

// Reserve blocks until tokens and one request fit the budget, or ctx ends.
// Give the reservation back with Cancel if the call does not happen, or
// Settle it with the tokens actually used.
func (b *Budget) Reserve(ctx context.Context, tokens int64) (*Reservation, error) {
	if tokens <= 0 {
		return nil, fmt.Errorf("lease: reserve %d tokens: %w", tokens, ErrTooLarge)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inside++
	defer func() { b.inside-- }()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if b.take(tokens) {
			b.open++
			return &Reservation{b: b, tokens: tokens}, nil
		}
		if err := b.refill(ctx, tokens); err != nil {
			return nil, err
		}
	}
}

// take spends from the local pool when it is fresh and large enough.
func (b *Budget) take(tokens int64) bool {
	p := &b.pool
	if p.tokens < tokens || p.requests < 1 || !b.clock.Now().Before(p.expires) {
		return false
	}
	p.tokens -= tokens
	p.requests--
	return true
}

// refill fills the pool with one write, or waits for the write another
// caller has in flight. Called with b.mu held; it releases it while waiting.
func (b *Budget) refill(ctx context.Context, tokens int64) error {
	if ch := b.granting; ch != nil {
		b.mu.Unlock()
		defer b.mu.Lock()
		select {
		case <-ch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ch := make(chan struct{})
	b.granting = ch
	defer func() { b.granting = nil; close(ch) }()
	if err := b.ensure(ctx); err != nil {
		return err
	}
	return b.grant(ctx, tokens)
}

// grant takes a batch of quota into the pool. What is left in the pool is
// handed back in the same write, so the new pool starts fresh.
func (b *Budget) grant(ctx context.Context, tokens int64) error {
	gTok, gReq := b.batchSize(tokens)
	back := b.pool
	b.pool = pool{}
	b.mu.Unlock()
	delay, err := b.admit(ctx, cost{gTok, gReq}, cost{back.tokens, back.requests})
	if err != nil {
		b.mu.Lock()
		if errors.Is(err, errUnwritten) {
			b.pool.tokens += back.tokens
			b.pool.requests += back.requests
			b.pool.expires = back.expires
		} // else the write may have been applied: dropping back errs on the safe side
		return err
	}
	if delay > 0 {
		err = b.wait(ctx, delay)
	}
	b.mu.Lock()
	b.pool.tokens += gTok
	b.pool.requests += gReq
	if err != nil {
		// Admitted, but its turn had not come when ctx ended: the pool
		// expires now, so that the next write or Flush hands it back
		// instead of letting it be spent early, or lost.
		b.pool.expires = time.Time{}
		return err
	}
	b.pool.expires = b.clock.Now().Add(b.holdTime())
	return nil
}

// batchSize is how much one write takes: one call for each of this
// process's callers (those waiting in Reserve and those holding a
// reservation), at most batch — a pool larger than the local concurrency
// sits idle while charged and peers wait for it (16 single-call contenders
// with 8-call pools used 80 % of the quota), and sizing by each process's
// recent pace let early winners take ever larger pools —, of
// the average size seen so far (grants of equal size keep contenders with
// different calls fair), within this environment's burst, and never less
// than this call. While the quota is saturated (the token meter's TAT, as
// last seen, is ahead of now) a write takes at least busyCalls calls: every
// admission then waits its turn anyway, the pool outlives the calls in
// flight and serves their next reservations without a write, and what is
// left of it when it expires goes back to a TAT that stays ahead, so
// nothing is lost. (16 contenders: 0.72 writes per call became 0.48; three
// Lambda invocations on a 100 k TPM quota: 104 writes for 173 calls became
// 72, at the same utilization.)
func (b *Budget) batchSize(tokens int64) (int64, int64) {
	if b.avg == 0 {
		b.avg = float64(tokens)
	}
	b.avg = 0.8*b.avg + 0.2*float64(tokens)
	now := b.clock.Now()
	burstTok := float64(b.rec.tau(b.env)) * b.tokenRate(now)
	burstReq := float64(b.rec.tau(b.env)) * b.requestRate(now)
	calls := float64(max(b.inside+b.open, 1))
	if b.rec.tats[tokenAttr("")] > micros(now) {
		calls = max(calls, busyCalls)
	}
	n := min(float64(b.batch), calls, max(burstTok/b.avg, 1), max(burstReq, 1))
	return max(int64(n*b.avg), tokens), max(int64(n), 1)
}

// busyCalls is the smallest write, in calls, while the quota is saturated.
const busyCalls = 3

func (b *Budget) holdTime() time.Duration {
	if b.hold > 0 {
		return b.hold
	}
	return time.Duration(b.rec.Burst) * time.Millisecond / 2
}

// tokenRate and requestRate are the row's rates in units per µs, lowered
// by throttle feedback.
func (b *Budget) tokenRate(now time.Time) float64 {
	return b.rec.TPM / 60e6 * factorAt(b.rec.TFactor, b.rec.TFactorAt, micros(now), b.recovery)
}

func (b *Budget) requestRate(now time.Time) float64 {
	return b.rec.RPM / 60e6 * factorAt(b.rec.RFactor, b.rec.RFactorAt, micros(now), b.recovery)
}

// Flush hands everything left in the local pool back to the row. Call it
// when an invocation ends, so that peers can use what it did not.
func (b *Budget) Flush(ctx context.Context) error {
	b.mu.Lock()
	back := b.pool
	b.pool = pool{}
	b.mu.Unlock()
	if back.tokens == 0 && back.requests == 0 {
		return nil
	}
	_, err := b.admit(ctx, cost{}, cost{back.tokens, back.requests})
	return err
}

// refund returns quota to the pool: spent again while the pool is fresh,
// else handed back to the row by the next write or Flush.
func (b *Budget) refund(tokens, requests int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.open--
	b.pool.tokens += tokens
	b.pool.requests += requests
}

// Stats counts the budget's DynamoDB requests.
type Stats struct {
	Writes    int64 // conditional writes, successful or not
	Reads     int64
	Conflicts int64 // writes refused by their condition
}

// Stats returns the requests made so far.
func (b *Budget) Stats() Stats {
	return Stats{Writes: b.writes.Load(), Reads: b.reads.Load(), Conflicts: b.lost.Load()}
}

// sleep waits d plus jitter, or until ctx ends.
func (b *Budget) sleep(ctx context.Context, d time.Duration) error {
	return b.wait(ctx, d+rand.N(d/2+time.Millisecond))
}

// wait waits d, or until ctx ends.
func (b *Budget) wait(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-b.clock.After(d):
		return nil
	}
}

func (b *Budget) update(ctx context.Context, in *dynamodb.UpdateItemInput) (budgetRecord, bool, error) {
	in.TableName, in.Key = aws.String(b.table), budgetKey(b.quota)
	in.ReturnValues = types.ReturnValueAllNew
	in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	b.writes.Add(1)
	out, err := b.db.UpdateItem(ctx, in)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		b.lost.Add(1)
		rec, derr := decodeBudget(failed.Item)
		return rec, false, derr
	}
	if err != nil {
		return budgetRecord{}, false, fmt.Errorf("lease: budget %s: %w", b.quota, err)
	}
	rec, err := decodeBudget(out.Attributes)
	return rec, true, err
}
