package budget

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

// DynamoDB is the part of the DynamoDB API that this package calls.
// *dynamodb.Client satisfies it.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// Budget admits calls against one Bedrock quota (a region and a model or
// inference profile) shared by every environment and invocation that draws
// on it, through one row of the coordination table. An admission is one
// blind conditional write in the common case; each write takes a few calls'
// worth of quota into a local pool so that most reservations need no write
// at all. Budget is safe for concurrent use; one Budget per process and
// quota is enough.
type Budget struct {
	db                 DynamoDB
	table, quota, env  string
	seed               Limits
	seedEnv            EnvLimit
	clock              clock.Clock
	batch              int
	hold               time.Duration
	decrease, recovery float64
	cooldown           time.Duration
	counts             counters

	mu       sync.Mutex
	rec      record // the row as last seen
	pool     pool
	granting chan struct{}   // closed when the write in flight ends
	avg      float64         // moving average of reservation sizes
	inside   int             // callers inside Reserve
	open     int             // reservations neither settled nor cancelled
	busy     map[string]bool // meters to plan on the add branch (see learn)
}

// counters are what Stats reports.
type counters struct {
	writes, reads, lost                 atomic.Int64
	reserved, settled, cancelled, spent atomic.Int64
}

// New returns the budget of quota for environment env, stored in table, or
// a *ConfigError naming the first invalid setting.
func New(db DynamoDB, table, quota, env string, opts ...Option) (*Budget, error) {
	b := &Budget{db: db, table: table, quota: quota, env: env, clock: clock.System,
		batch: 8, decrease: 0.7, recovery: DefaultRecovery, cooldown: 2 * time.Second}
	for _, o := range opts {
		o(b)
	}
	if b.seed.TPM > 0 && b.seed.Burst == 0 {
		b.seed.Burst = DefaultBurst
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	b.rec.Recovery = b.recovery
	return b, nil
}

// Reserve blocks until tokens and one request fit the budget, or ctx ends.
// Give the reservation back with Cancel if the call does not happen, or
// Settle it with the tokens actually used.
func (b *Budget) Reserve(ctx context.Context, tokens int64) (*Reservation, error) {
	if tokens <= 0 {
		return nil, fmt.Errorf("budget: reserve %d tokens: %w", tokens, ErrTooLarge)
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
			b.counts.reserved.Add(1)
			return &Reservation{b: b, tokens: tokens}, nil
		}
		if err := b.refill(ctx, tokens); err != nil {
			return nil, err
		}
	}
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

// Stats counts a Budget's DynamoDB requests and reservations, a plain
// value.
type Stats struct {
	Writes       int64 // conditional writes, successful or not
	Reads        int64
	Conflicts    int64 // writes refused by their condition
	Reservations int64 // reservations handed out by Reserve
	Settled      int64 // reservations settled
	Cancelled    int64 // reservations cancelled before any Settle
	Used         int64 // tokens the settled reservations used
}

// Stats returns the requests and reservations made so far.
func (b *Budget) Stats() Stats {
	c := &b.counts
	return Stats{Writes: c.writes.Load(), Reads: c.reads.Load(), Conflicts: c.lost.Load(),
		Reservations: c.reserved.Load(), Settled: c.settled.Load(), Cancelled: c.cancelled.Load(), Used: c.spent.Load()}
}

// sleep waits d plus jitter, or until ctx ends.
func (b *Budget) sleep(ctx context.Context, d time.Duration) error {
	return b.wait(ctx, d+rand.N(d/2+time.Millisecond))
}

// wait waits d, or until ctx ends.
func (b *Budget) wait(ctx context.Context, d time.Duration) error {
	return clock.Sleep(ctx, b.clock, d)
}

// update writes to the row and returns it as the write left it, or as it
// was when the write's condition refused it (ok false).
func (b *Budget) update(ctx context.Context, in *dynamodb.UpdateItemInput) (rec record, ok bool, err error) {
	in.TableName, in.Key = aws.String(b.table), rowKey(b.quota)
	in.ReturnValues = types.ReturnValueAllNew
	in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	b.counts.writes.Add(1)
	out, err := b.db.UpdateItem(ctx, in)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		b.counts.lost.Add(1)
		rec, derr := decodeRecord(failed.Item)
		return rec, false, derr
	}
	if err != nil {
		return record{}, false, fmt.Errorf("budget: %s: %w", b.quota, err)
	}
	rec, err = decodeRecord(out.Attributes)
	return rec, true, err
}
