package ingest

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// conflictDB cancels every nth TransactWriteItems as DynamoDB does when
// another request touched one of its items at the same time: reasons None
// on the lease's scope, TransactionConflict on the claim, nothing applied.
type conflictDB struct {
	DynamoDB
	every    int64
	calls    atomic.Int64
	canceled atomic.Int64
}

func (c *conflictDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if c.calls.Add(1)%c.every != 0 {
		return c.DynamoDB.TransactWriteItems(ctx, in, o...)
	}
	c.canceled.Add(1)
	reasons := make([]types.CancellationReason, len(in.TransactItems))
	for k := range reasons {
		reasons[k].Code = aws.String("None")
	}
	reasons[min(1, len(reasons)-1)].Code = aws.String("TransactionConflict")
	return nil, &types.TransactionCanceledException{Message: aws.String("Transaction cancelled [None, TransactionConflict]"),
		CancellationReasons: reasons}
}

// TestClaimConflictIsRetried: with one transaction in two cancelled for a
// conflict, every source is still claimed, fetched and written.
func TestClaimConflictIsRetried(t *testing.T) {
	e := newEnv(t)
	e.configure(e.sources)
	db := &conflictDB{DynamoDB: e.db, every: 2}
	rep, err := e.run(e.ingesterOn(db), wholeWindow())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d transactions cancelled; report %+v", db.canceled.Load(), db.calls.Load(), rep.Sources)
	if rep.Ingested != len(e.sources) || rep.Failed+rep.Skipped != 0 || db.canceled.Load() == 0 {
		t.Errorf("ingested %d of %d, failed %d, skipped %d; %d transactions cancelled", rep.Ingested, len(e.sources), rep.Failed, rep.Skipped, db.canceled.Load())
	}
}
