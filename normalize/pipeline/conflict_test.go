package pipeline_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// conflictDB cancels every nth TransactWriteItems as DynamoDB does when
// another request touched one of its items at the same time: a
// TransactionCanceledException whose reasons name TransactionConflict on
// the second item (the first, the lease's scope, is None), nothing applied.
type conflictDB struct {
	pipeline.DynamoDB
	every    int64 // cancel every nth transaction
	after    int64 // once this many went through, cancel them all (0: never)
	calls    atomic.Int64
	canceled atomic.Int64
}

func (c *conflictDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	n := c.calls.Add(1)
	if n%c.every != 0 && (c.after == 0 || n <= c.after) {
		return c.DynamoDB.TransactWriteItems(ctx, in, o...)
	}
	c.canceled.Add(1)
	reasons := make([]types.CancellationReason, len(in.TransactItems))
	for k := range reasons {
		reasons[k].Code = aws.String("None")
	}
	reasons[min(1, len(reasons)-1)].Code = aws.String("TransactionConflict")
	return nil, &types.TransactionCanceledException{Message: aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]"),
		CancellationReasons: reasons}
}

// TestClaimConflictIsRetried: with one transaction in two cancelled for a
// conflict, an invocation still claims and normalizes every item, and its
// response says nothing remains.
func TestClaimConflictIsRetried(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(24, 2)
	db := &conflictDB{DynamoDB: f.DB, every: 2}
	r, err := f.Pipeline(db, nil, 0, pipeline.WithBatchSize(4)).Run(f.Context(60*time.Second), ev)
	if err != nil {
		t.Fatalf("run: %v (%d of %d transactions cancelled)", err, db.canceled.Load(), db.calls.Load())
	}
	t.Logf("%s; counts %+v; %d of %d transactions cancelled", r.Message, r.Counts, db.canceled.Load(), db.calls.Load())
	if recs := records(t, f, "acme"); len(recs) != 24 || r.Counts.OK != 24 || r.Counts.Remaining != 0 {
		t.Errorf("%d records, counts %+v; want 24 ok, none remaining", len(recs), r.Counts)
	}
	if db.canceled.Load() == 0 {
		t.Error("no transaction was cancelled")
	}
	if n := f.LeftHolders("ingest-normalize/dev"); n != 0 {
		t.Errorf("%d lease holders left", n)
	}
}

// TestConflictsUntilTheDeadline: when every transaction is cancelled once
// two batches were claimed, claiming stops at the deadline margin without
// an error, and the response counts every item left as remaining.
func TestConflictsUntilTheDeadline(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(24, 2)
	db := &conflictDB{DynamoDB: f.DB, every: 1 << 62, after: 2}
	ctx := f.Context(3 * time.Second)
	r, err := f.Pipeline(db, nil, 0, pipeline.WithBatchSize(4)).Run(ctx, ev)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if ctx.Err() != nil {
		t.Errorf("the run returned after its deadline")
	}
	t.Logf("%s; counts %+v; %d of %d transactions cancelled", r.Message, r.Counts, db.canceled.Load(), db.calls.Load())
	recs := records(t, f, "acme")
	if r.Counts.Remaining != 24-len(recs) || r.Counts.Remaining < 16 {
		t.Errorf("%d records, counts %+v; want the %d items without a record remaining", len(recs), r.Counts, 24-len(recs))
	}
}

// throttledDB answers the first n Queries with ThrottlingException, as
// DynamoDB does for a hot partition.
type throttledDB struct {
	pipeline.DynamoDB
	n     int64
	calls atomic.Int64
}

func (c *throttledDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if c.calls.Add(1) <= c.n {
		return nil, &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate of requests exceeds the allowed throughput."}
	}
	return c.DynamoDB.Query(ctx, in, o...)
}

// TestThrottledReadsAreRetried: the run's batches are read although the
// first reads are throttled, more times than the SDK would retry.
func TestThrottledReadsAreRetried(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(8, 1)
	db := &throttledDB{DynamoDB: f.DB, n: 5}
	r, err := f.Pipeline(db, nil, 0, pipeline.WithBatchSize(4)).Run(f.Context(60*time.Second), ev)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if r.Counts.OK != 8 || r.Counts.Remaining != 0 {
		t.Errorf("counts %+v, want 8 ok, none remaining", r.Counts)
	}
}
