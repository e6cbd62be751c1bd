package pipeline

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/claim"
)

// DynamoDB is the part of the DynamoDB API the pipeline calls: what package
// lease needs plus what the claims need. *dynamodb.Client satisfies it.
type DynamoDB interface {
	lease.DynamoDB
	claim.DynamoDB
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

// Budget is the part of the shared Bedrock budget the pipeline calls: Run
// flushes the budget's local pool before it returns, so that what the pool
// took and did not spend goes back to the others. *budget.Budget
// satisfies it.
type Budget interface {
	Flush(ctx context.Context) error
}
