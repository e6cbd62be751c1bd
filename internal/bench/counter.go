package bench

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/normalize"
)

// counter counts every DynamoDB request of a scenario, independently of
// the counts the pipeline reports, and by kind: the operation and the
// family of the item it touches (the part of its partition key before
// the first '#': scope, budget, run, ingest). counter is safe for
// concurrent use.
type counter struct {
	n    atomic.Int64
	mu   sync.Mutex
	kind map[string]int64
}

func (c *counter) wrap(db normalize.DynamoDB) normalize.DynamoDB { return counted{db, c} }

func (c *counter) add(op string, key map[string]types.AttributeValue) {
	c.n.Add(1)
	family := "?"
	if pk, ok := key[lease.AttrPK].(*types.AttributeValueMemberS); ok {
		family, _, _ = strings.Cut(pk.Value, "#")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kind == nil {
		c.kind = map[string]int64{}
	}
	c.kind[op+" "+family]++
}

// kinds returns the counts by kind, largest first, as "op family n".
func (c *counter) kinds() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ks := make([]string, 0, len(c.kind))
	for k := range c.kind {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return c.kind[ks[i]] > c.kind[ks[j]] })
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = fmt.Sprintf("%s %d", k, c.kind[k])
	}
	return strings.Join(parts, ", ")
}

type counted struct {
	db normalize.DynamoDB
	c  *counter
}

func (d counted) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	d.c.add("GetItem", in.Key)
	return d.db.GetItem(ctx, in, opts...)
}

func (d counted) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	d.c.add("UpdateItem", in.Key)
	return d.db.UpdateItem(ctx, in, opts...)
}

func (d counted) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	d.c.add("Query", map[string]types.AttributeValue{lease.AttrPK: in.ExpressionAttributeValues[":pk"]})
	return d.db.Query(ctx, in, opts...)
}

func (d counted) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	var key map[string]types.AttributeValue
	if n := len(in.TransactItems); n > 0 {
		if u := in.TransactItems[n-1].Update; u != nil {
			key = u.Key
		}
	}
	d.c.add("TransactWriteItems", key)
	return d.db.TransactWriteItems(ctx, in, opts...)
}
