package pipeline_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	"github.com/vectora/ingest-normalize/internal/ddbtest"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// TestClaimConflictIsRetried: with one transaction in two cancelled for a
// conflict, an invocation still claims and normalizes every item, and its
// response says nothing remains.
func TestClaimConflictIsRetried(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(24, 2)
	db := &ddbtest.Conflicts{DynamoDB: f.DB, Every: 2}
	r, err := f.Pipeline(db, nil, 0, pipeline.WithBatchSize(4)).Run(f.Context(60*time.Second), ev)
	canceled, calls := db.Counts()
	if err != nil {
		t.Fatalf("run: %v (%d of %d transactions cancelled)", err, canceled, calls)
	}
	t.Logf("%s; counts %+v; %d of %d transactions cancelled", r.Message, r.Counts, canceled, calls)
	if recs := records(t, f, "acme"); len(recs) != 24 || r.Counts.OK != 24 || r.Counts.Remaining != 0 {
		t.Errorf("%d records, counts %+v; want 24 ok, none remaining", len(recs), r.Counts)
	}
	if canceled == 0 {
		t.Error("no transaction was cancelled")
	}
	if n := f.LeftHolders("ingest-normalize/dev"); n != 0 {
		t.Errorf("%d lease holders left", n)
	}
}

// TestConflictsUntilTheDeadline: when every transaction is cancelled once
// two batches were claimed, claiming stops at the deadline margin (not
// when the lease ends, after the deadline) without an error, and the
// response counts every item left as remaining.
func TestConflictsUntilTheDeadline(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(24, 2)
	db := &ddbtest.Conflicts{DynamoDB: f.DB, After: 2}
	ctx := f.Context(3 * time.Second)
	r, err := f.Pipeline(db, nil, 0, pipeline.WithBatchSize(4)).Run(ctx, ev)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if r.Lease.Lost != "" {
		t.Errorf("claims outlasted the deadline margin until the lease ended: %s", r.Lease.Lost)
	}
	canceled, calls := db.Counts()
	t.Logf("%s; counts %+v; %d of %d transactions cancelled", r.Message, r.Counts, canceled, calls)
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
		t.Errorf("counts %+v, want 8 ok, none remaining (%s; lease lost: %q)", r.Counts, r.Message, r.Lease.Lost)
	}
}
