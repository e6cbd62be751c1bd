package bench

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/normalize"
)

// counter counts every DynamoDB request of a scenario, independently of
// the counts the pipeline reports.
type counter struct{ n atomic.Int64 }

func (c *counter) wrap(db normalize.DynamoDB) normalize.DynamoDB { return counted{db, c} }

type counted struct {
	db normalize.DynamoDB
	c  *counter
}

func (d counted) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	d.c.n.Add(1)
	return d.db.GetItem(ctx, in, opts...)
}

func (d counted) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	d.c.n.Add(1)
	return d.db.UpdateItem(ctx, in, opts...)
}

func (d counted) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	d.c.n.Add(1)
	return d.db.Query(ctx, in, opts...)
}

func (d counted) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	d.c.n.Add(1)
	return d.db.TransactWriteItems(ctx, in, opts...)
}
