package ddbtest

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/lease/claim"
)

// Conflicts cancels transactions as DynamoDB does when another request
// touches one of their items at the same time (Conflict), nothing applied:
// every Every-th TransactWriteItems (0: none) and, once After went
// through, all of them (0: never). It is safe for concurrent use.
type Conflicts struct {
	claim.DynamoDB // which covers lease.DynamoDB
	Every, After   int64
	calls          atomic.Int64
	canceled       atomic.Int64
}

// TransactWriteItems forwards the transaction or cancels it.
func (c *Conflicts) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	n := c.calls.Add(1)
	if (c.Every == 0 || n%c.Every != 0) && (c.After == 0 || n <= c.After) {
		return c.DynamoDB.TransactWriteItems(ctx, in, o...)
	}
	c.canceled.Add(1)
	return nil, Conflict(len(in.TransactItems))
}

// Counts returns how many transactions were cancelled, of how many.
func (c *Conflicts) Counts() (canceled, calls int64) { return c.canceled.Load(), c.calls.Load() }

// Conflict is the error of a transaction of n items cancelled for a
// conflict on its second item (the first, in this project, is the lease's
// scope): reasons None, TransactionConflict, None…
func Conflict(n int) *types.TransactionCanceledException {
	reasons := make([]types.CancellationReason, n)
	for k := range reasons {
		reasons[k].Code = aws.String("None")
	}
	if n > 0 {
		reasons[min(1, n-1)].Code = aws.String("TransactionConflict")
	}
	return &types.TransactionCanceledException{CancellationReasons: reasons,
		Message: aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]")}
}
