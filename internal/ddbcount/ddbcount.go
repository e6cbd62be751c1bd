// Package ddbcount counts the DynamoDB requests of the coordination table
// by operation and by item family (the part of the partition key before
// the first '#': scope, budget, run, ingest), for the benchmark's report
// and the tests' request budgets.
package ddbcount

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/lease/claim"
)

// Client is the part of the DynamoDB API the coordination uses: the
// claims' (which include the leases') and the budget's.
type Client interface {
	claim.DynamoDB
	budget.DynamoDB
}

// Counter is a Client that counts the requests it passes on, in total and
// by kind ("UpdateItem budget", "TransactWriteItems run", …). A
// transaction counts once, under the family of its last item. Counter is
// safe for concurrent use.
type Counter struct {
	Client
	total atomic.Int64
	mu    sync.Mutex
	kinds map[string]int64
}

// New returns a Counter in front of c.
func New(c Client) *Counter { return &Counter{Client: c, kinds: map[string]int64{}} }

// Total returns the number of requests so far.
func (c *Counter) Total() int64 { return c.total.Load() }

// Count returns the number of requests of one kind, "op family".
func (c *Counter) Count(kind string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kinds[kind]
}

// String lists the kinds, most frequent first: "UpdateItem budget 72, …".
func (c *Counter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ks := make([]string, 0, len(c.kinds))
	for k := range c.kinds {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if c.kinds[ks[i]] != c.kinds[ks[j]] {
			return c.kinds[ks[i]] > c.kinds[ks[j]]
		}
		return ks[i] < ks[j]
	})
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = fmt.Sprintf("%s %d", k, c.kinds[k])
	}
	return strings.Join(parts, ", ")
}

func (c *Counter) add(op string, pk types.AttributeValue) {
	c.total.Add(1)
	family := "?"
	if s, ok := pk.(*types.AttributeValueMemberS); ok {
		family, _, _ = strings.Cut(s.Value, "#")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kinds[op+" "+family]++
}

// GetItem counts and passes on.
func (c *Counter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.add("GetItem", in.Key["pk"])
	return c.Client.GetItem(ctx, in, opts...)
}

// UpdateItem counts and passes on.
func (c *Counter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.add("UpdateItem", in.Key["pk"])
	return c.Client.UpdateItem(ctx, in, opts...)
}

// Query counts and passes on; its family is the value of :pk.
func (c *Counter) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.add("Query", in.ExpressionAttributeValues[":pk"])
	return c.Client.Query(ctx, in, opts...)
}

// TransactWriteItems counts and passes on.
func (c *Counter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	var pk types.AttributeValue
	if n := len(in.TransactItems); n > 0 {
		switch it := in.TransactItems[n-1]; {
		case it.Update != nil:
			pk = it.Update.Key["pk"]
		case it.ConditionCheck != nil:
			pk = it.ConditionCheck.Key["pk"]
		case it.Put != nil:
			pk = it.Put.Item["pk"]
		case it.Delete != nil:
			pk = it.Delete.Key["pk"]
		}
	}
	c.add("TransactWriteItems", pk)
	return c.Client.TransactWriteItems(ctx, in, opts...)
}
