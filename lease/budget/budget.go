package budget

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	log                *slog.Logger
	warned             sync.Once // the seed's disagreement with the row is logged once

	mu         sync.Mutex
	rec        record // the row as last seen
	pool       pool
	granting   chan struct{}   // closed when the write in flight ends
	settled    chan struct{}   // closed when a settled call hands tokens back to the pool
	avg        float64         // moving average of reservation sizes
	inside     int             // callers inside Reserve
	open       int             // reservations neither settled nor cancelled
	openTokens int64           // the tokens they reserved
	handBack   float64         // moving average of what settled calls handed back, a share of their reservation
	busy       map[string]bool // meters to plan on the add branch (see learn)
	marks      []string        // markers of applied credit writes, to remove (see mark.go)
}

// counters are what Stats reports.
type counters struct {
	writes, reads, lost                 atomic.Int64
	reserved, settled, cancelled, spent atomic.Int64
}

// New returns the budget of quota for environment env, stored in table, or
// a *ConfigError naming the first invalid setting.
func New(db DynamoDB, table, quota, env string, opts ...Option) (*Budget, error) {
	b := &Budget{db: db, table: table, quota: quota, env: env, clock: clock.System, log: slog.New(slog.DiscardHandler),
		settled: make(chan struct{}), batch: 8, decrease: 0.7, recovery: DefaultRecovery, cooldown: 5 * time.Second}
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
	awaited := false
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := b.paused(); err != nil {
			// Paused as last seen: read the row again, the operator may
			// have resumed it since.
			b.mu.Unlock()
			err = b.Admits(ctx)
			b.mu.Lock()
			if errors.Is(err, ErrPaused) {
				return nil, err
			}
		}
		if b.take(tokens) {
			b.open++
			b.openTokens += tokens
			b.counts.reserved.Add(1)
			return &Reservation{b: b, tokens: tokens}, nil
		}
		if !awaited && b.awaitRefund(ctx, tokens) {
			awaited = true
			continue
		}
		if err := b.refill(ctx, tokens); err != nil {
			return nil, err
		}
	}
}

// compare logs, once per Budget, how the limits it was configured with
// differ from the row's, which are the ones that apply: the quota belongs
// to the account, set once (stack parameters, leasectl set-quota), and an
// environment configured otherwise must not believe it runs at its own.
func (b *Budget) compare(row Limits) {
	seed := b.seed
	if seed.TPM == 0 {
		return
	}
	if seed.Burst == 0 {
		seed.Burst = DefaultBurst
	}
	var diffs []any
	for _, d := range []struct {
		name      string
		mine, row float64
	}{{"tpm", seed.TPM, row.TPM}, {"rpm", seed.RPM, row.RPM}, {"burst_ms", float64(seed.Burst), float64(row.Burst)},
		{"tpd", seed.TPD, row.TPD}, {"account_tpd", seed.AccountTPD, row.AccountTPD}} {
		if d.mine != d.row {
			diffs = append(diffs, slog.Group(d.name, "configured", d.mine, "row", d.row))
		}
	}
	if len(diffs) > 0 {
		b.warned.Do(func() {
			b.log.Warn("budget: configured quota differs from the budget row; the row applies (change it with leasectl set-quota)",
				append([]any{"quota", b.quota}, diffs...)...)
		})
	}
}

// paused returns the *PausedError of this environment as the row was last
// seen, or nil. Called with b.mu held.
func (b *Budget) paused() error {
	if e := b.rec.Envs[b.env]; e.Paused {
		return &PausedError{Env: b.env, Reason: e.Reason}
	}
	return nil
}

// Admits reads the row and reports whether this environment may call at
// all now: a *PausedError when an operator paused it, a
// *DayExhaustedError when the day's quota is spent, nil otherwise (also
// when the row does not exist yet). An invocation checks it before it
// starts, to end at once instead of failing call by call.
func (b *Budget) Admits(ctx context.Context) error {
	row, found, err := Read(ctx, b.db, b.table, b.quota)
	b.counts.reads.Add(1)
	if err != nil || !found {
		return err
	}
	b.compare(row.Limits)
	b.mu.Lock()
	if b.rec.exists {
		b.rec.Envs = row.Envs // what operators set; the meters stay as this process planned them
	}
	b.mu.Unlock()
	if e := row.Envs[b.env]; e.Paused {
		return &PausedError{Env: b.env, Reason: e.Reason}
	}
	return row.dayCheck(b.clock.Now(), 1)
}

// Flush hands everything left in the local pool back to the row. Call it
// when an invocation ends, so that peers can use what it did not.
func (b *Budget) Flush(ctx context.Context) error {
	b.mu.Lock()
	b.lapseRefunds()
	back := b.credit(b.pool, b.clock.Now())
	b.pool = pool{}
	b.mu.Unlock()
	if back.tokens == 0 && back.requests == 0 {
		return nil
	}
	_, err := b.admit(ctx, cost{}, back)
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
