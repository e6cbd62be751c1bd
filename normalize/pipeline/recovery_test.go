package pipeline_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/normalize/pipeline"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

var errCut = errors.New("test: network cut")

// cutDB and cutS3 fail every request once cut is set: the invocation is
// as good as killed (no release, no heartbeat, no write).
type cutDB struct {
	pipeline.DynamoDB
	cut *atomic.Bool
}

func (c cutDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return unlessCut(c.cut, c.DynamoDB.GetItem, ctx, in, o)
}

func (c cutDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return unlessCut(c.cut, c.DynamoDB.UpdateItem, ctx, in, o)
}

func (c cutDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return unlessCut(c.cut, c.DynamoDB.Query, ctx, in, o)
}

func (c cutDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return unlessCut(c.cut, c.DynamoDB.TransactWriteItems, ctx, in, o)
}

type cutS3 struct {
	pipeline.S3
	cut *atomic.Bool
}

func (c cutS3) HeadObject(ctx context.Context, in *s3.HeadObjectInput, o ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return unlessCut(c.cut, c.S3.HeadObject, ctx, in, o)
}

func (c cutS3) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return unlessCut(c.cut, c.S3.PutObject, ctx, in, o)
}

// unlessCut fails with errCut once cut is set, and makes the SDK call
// (any operation of any client) otherwise.
func unlessCut[In, Out, Opts any](cut *atomic.Bool, call func(context.Context, In, ...func(Opts)) (Out, error),
	ctx context.Context, in In, o []func(Opts)) (Out, error) {
	if cut.Load() {
		var none Out
		return none, errCut
	}
	return call(ctx, in, o...)
}

// TestKilledInvocationIsRecovered cuts an invocation off mid-run (its lease
// is never released); once its lease expired, another invocation steals its
// batches and finishes: every item has exactly one record, and the model
// was called again only for the calls the killed one had in flight.
func TestKilledInvocationIsRecovered(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(40, 2)
	var cut atomic.Bool
	killed := f.Pipeline(cutDB{f.DB, &cut}, cutS3{f.S3, &cut}, 0, pipeline.WithWorkerCap(4), pipeline.WithBatchSize(4))
	done := make(chan *pipeline.Response, 1)
	go func() {
		r, _ := killed.Run(f.Context(30*time.Second), ev, pipeline.As("killed"))
		done <- r
	}()
	for f.Stats().Completed < 10 {
		time.Sleep(2 * time.Millisecond)
	}
	cut.Store(true)
	inFlight := f.Stats().InFlight
	before := len(records(t, f, "acme"))
	r := <-done // its lease is lost once the expiry passes without renewal
	t.Logf("killed: %s (lost: %s), %d records before the cut, %d calls in flight", r.Message, r.Lease.Lost, before, inFlight)
	if f.LeftHolders("ingest-normalize/dev") != 1 {
		t.Fatalf("the killed invocation should have left its lease entry: %+v", r.Lease)
	}
	time.Sleep(f.Wall(70 * time.Second)) // TTL + skew on the scaled clock

	rescue, err := f.Pipeline(nil, nil, 0, pipeline.WithBatchSize(4)).Run(f.Context(30*time.Second), ev, pipeline.As("rescue"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rescue: %s; counts %+v", rescue.Message, rescue.Counts)
	recs := records(t, f, "acme")
	if len(recs) != 40 {
		t.Fatalf("%d records, want 40", len(recs))
	}
	st := f.Stats()
	if extra := st.Completed - 40; extra < 0 || extra > inFlight+int64(4) {
		t.Errorf("%d calls for 40 items: %d beyond one per item, more than the %d in flight at the kill", st.Completed, extra, inFlight)
	}
	if rescue.Counts.Remaining != 0 || rescue.Counts.AlreadyDone+rescue.Counts.OK+rescue.Counts.Peers != 40 {
		t.Errorf("rescue counts %+v", rescue.Counts)
	}
}
