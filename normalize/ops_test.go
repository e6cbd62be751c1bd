package normalize

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// opCounter counts DynamoDB requests by operation and item kind.
type opCounter struct {
	DynamoDB
	mu sync.Mutex
	m  map[string]int
}

func (o *opCounter) add(op string, key map[string]types.AttributeValue) {
	o.mu.Lock()
	defer o.mu.Unlock()
	pk := ddbattr.GetS(key, "pk")
	pk, _, _ = strings.Cut(pk, "#")
	o.m[op+" "+pk]++
}
func (o *opCounter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	o.add("get", in.Key)
	return o.DynamoDB.GetItem(ctx, in, opts...)
}
func (o *opCounter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	o.add("update", in.Key)
	return o.DynamoDB.UpdateItem(ctx, in, opts...)
}
func (o *opCounter) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	o.add("query", nil)
	return o.DynamoDB.Query(ctx, in, opts...)
}
func (o *opCounter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	o.add("transact", nil)
	return o.DynamoDB.TransactWriteItems(ctx, in, opts...)
}

func (o *opCounter) count(kind string) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return int64(o.m[kind])
}
