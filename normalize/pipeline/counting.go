package normalize

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/lease"
)

// DynamoDB is the part of the DynamoDB API the pipeline calls: what package
// lease needs plus Query and TransactWriteItems for the claims.
// *dynamodb.Client satisfies it.
type DynamoDB interface {
	lease.DynamoDB
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// S3 is the part of the S3 API the pipeline calls. *s3.Client satisfies it.
type S3 interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// Model is the Bedrock model the pipeline calls. *bedrock.Client satisfies
// it.
type Model interface {
	Call(ctx context.Context, p bedrock.Prompt) (*bedrock.Result, error)
	ModelID() string
}

var (
	_ DynamoDB = (*dynamodb.Client)(nil)
	_ S3       = (*s3.Client)(nil)
	_ Model    = (*bedrock.Client)(nil)
)

// Counting wraps db so that every request is counted against the invocation
// whose context it carries (Pipeline.Run puts a counter in its context, which
// lease heartbeats and budget writes inherit). Give the counted client to
// lease.NewManager and lease.NewBudget so that the response's
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
