package pipeline

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Counting wraps db so that every request is counted against the invocation
// whose context it carries (Pipeline.Run puts a counter in its context, which
// lease heartbeats, budget writes and claims inherit). Give the counted
// client to lease.NewManager and the budget so that the response's
// dynamodb_requests covers leases and budget too. The wrapper is safe for
// concurrent use when db is.
func Counting(db DynamoDB) DynamoDB {
	if c, ok := db.(counting); ok {
		return c
	}
	return counting{db}
}

type counting struct{ db DynamoDB }

type counterKey struct{}

// withCounter returns ctx carrying a fresh request counter.
func withCounter(ctx context.Context) (context.Context, *atomic.Int64) {
	n := new(atomic.Int64)
	return context.WithValue(ctx, counterKey{}, n), n
}

func count(ctx context.Context) {
	if n, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
}

func (c counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	count(ctx)
	return c.db.GetItem(ctx, in, opts...)
}

func (c counting) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	count(ctx)
	return c.db.UpdateItem(ctx, in, opts...)
}

func (c counting) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	count(ctx)
	return c.db.Query(ctx, in, opts...)
}

func (c counting) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	count(ctx)
	return c.db.TransactWriteItems(ctx, in, opts...)
}
