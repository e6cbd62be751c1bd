package linearize

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbretry"
	"github.com/vectora/ingest-normalize/lease"
)

// History records the lease operations of several contenders. The zero
// value is not usable; call NewHistory. Safe for concurrent use.
type History struct {
	clock clock.Clock
	late  time.Duration // longest a request can land after its call; 0: unbounded

	mu    sync.Mutex
	ops   []porcupine.Operation
	stats Stats
}

// Stats counts what a history holds.
type Stats struct {
	Operations int `json:"operations"` // recorded
	Unknown    int `json:"unknown"`    // of them, outcome unknown
	Refused    int `json:"refused"`    // of them, a condition failed
	NotApplied int `json:"not_applied"`
	Unread     int `json:"unread"` // scope writes the recorder could not read
}

// HistoryOption configures a History.
type HistoryOption func(*History)

// WithLandingBound bounds how long after its call a request whose outcome
// is unknown can still take effect (the fault proxy's longest hold plus a
// margin): its return is then call + d instead of infinity, which keeps
// the check fast on long histories. Give it only when the network in the
// test guarantees it.
func WithLandingBound(d time.Duration) HistoryOption { return func(h *History) { h.late = d } }

// NewHistory returns an empty history on clk (instants in µs of clk).
func NewHistory(clk clock.Clock, opts ...HistoryOption) *History {
	h := &History{clock: clk}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Operations returns a copy of the recorded operations.
func (h *History) Operations() []porcupine.Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]porcupine.Operation(nil), h.ops...)
}

// Stats returns the counts so far.
func (h *History) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}

// Client returns db with every lease request on a scope recorded as
// contender id's.
func (h *History) Client(id int, db lease.DynamoDB) lease.DynamoDB {
	return &client{DynamoDB: db, h: h, id: id}
}

func (h *History) now() int64 { return h.clock.Now().UnixMicro() }

// record adds op, called at call, as err answered it.
func (h *History) record(id int, op Input, call int64, err error) {
	ret := h.now()
	out := outcome(err)
	h.mu.Lock()
	defer h.mu.Unlock()
	if out == 0 {
		h.stats.NotApplied++
		return
	}
	if out == Unknown {
		h.stats.Unknown++
		ret = math.MaxInt64
		if h.late > 0 {
			ret = max(h.now(), call+h.late.Microseconds())
		}
	}
	if out == Refused {
		h.stats.Refused++
	}
	op.Call, op.Return = call, ret
	h.stats.Operations++
	h.ops = append(h.ops, porcupine.Operation{ClientId: id, Input: op, Output: out, Call: call, Return: ret})
}

func (h *History) unread() {
	h.mu.Lock()
	h.stats.Unread++
	h.mu.Unlock()
}

// outcome classifies err; 0: nothing applied and nothing learnt (a
// conflict, throttling, a caller's item refused, an invalid request).
func outcome(err error) Output {
	switch {
	case err == nil:
		return OK
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return Unknown
	}
	switch ddbretry.Classify(err) {
	case ddbretry.Unknown:
		return Unknown
	case ddbretry.Refused:
		if ddbretry.ConditionFailed(err, 0) || (ddbretry.Reasons(err) == nil && ddbretry.ConditionFailed(err, -1)) {
			return Refused
		}
	}
	return 0
}

// client records the lease's scope requests of one contender.
type client struct {
	lease.DynamoDB
	h  *History
	id int
}

func (c *client) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	op, scope, ok := readUpdate(in)
	return recorded(c, op, scope, ok, func() (*dynamodb.UpdateItemOutput, error) { return c.DynamoDB.UpdateItem(ctx, in, o...) })
}

func (c *client) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	op, scope, ok := readTransact(in)
	return recorded(c, op, scope, ok, func() (*dynamodb.TransactWriteItemsOutput, error) {
		return c.DynamoDB.TransactWriteItems(ctx, in, o...)
	})
}

// recorded sends a request and records it as op when it was read (ok); a
// scope write that was not read is counted.
func recorded[T any](c *client, op Input, scope, ok bool, send func() (T, error)) (T, error) {
	if !ok {
		if scope {
			c.h.unread()
		}
		return send()
	}
	call := c.h.now()
	out, err := send()
	c.h.record(c.id, op, call, err)
	return out, err
}
