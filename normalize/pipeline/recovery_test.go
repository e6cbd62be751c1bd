package normalize

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

var errCut = errors.New("test: network cut")

// cutDB and cutS3 fail every request once cut is set: the invocation is
// as good as killed (no release, no heartbeat, no write).
type cutDB struct {
	DynamoDB
	cut *atomic.Bool
}

func (c cutDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if c.cut.Load() {
		return nil, errCut
	}
	return c.DynamoDB.GetItem(ctx, in, o...)
}

func (c cutDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if c.cut.Load() {
		return nil, errCut
	}
	return c.DynamoDB.UpdateItem(ctx, in, o...)
}

func (c cutDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if c.cut.Load() {
		return nil, errCut
	}
	return c.DynamoDB.Query(ctx, in, o...)
}

func (c cutDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if c.cut.Load() {
		return nil, errCut
	}
	return c.DynamoDB.TransactWriteItems(ctx, in, o...)
}

type cutS3 struct {
	S3
	cut *atomic.Bool
}

func (c cutS3) HeadObject(ctx context.Context, in *s3.HeadObjectInput, o ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if c.cut.Load() {
		return nil, errCut
	}
	return c.S3.HeadObject(ctx, in, o...)
}

func (c cutS3) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if c.cut.Load() {
		return nil, errCut
	}
	return c.S3.PutObject(ctx, in, o...)
}

// TestKilledInvocationIsRecovered cuts an invocation off mid-run (its lease
// is never released); once its lease expired, another invocation steals its
// batches and finishes: every item has exactly one record, and the model
// was called again only for the calls the killed one had in flight.
func TestKilledInvocationIsRecovered(t *testing.T) {
	f := newFixture(t)
	ev := f.seed(40, 2)
	var cut atomic.Bool
	killed := f.pipeline(cutDB{testDB, &cut}, cutS3{testS3, &cut}, 0, WithWorkerCap(4), WithBatchSize(4))
	done := make(chan *Response, 1)
	go func() {
		r, _ := killed.Run(withTimeout(t, 30*time.Second), ev, As("killed"))
		done <- r
	}()
	for f.stats().Completed < 10 {
		time.Sleep(2 * time.Millisecond)
	}
	cut.Store(true)
	inFlight := f.stats().InFlight
	before := len(f.records("acme"))
	r := <-done // its lease is lost once the expiry passes without renewal
	t.Logf("killed: %s (lost: %s), %d records before the cut, %d calls in flight", r.Message, r.Lease.Lost, before, inFlight)
	if f.leftHolders("ingest-normalize/dev") != 1 {
		t.Fatalf("the killed invocation should have left its lease entry: %+v", r.Lease)
	}
	time.Sleep(f.clockWall(70 * time.Second)) // TTL + skew on the scaled clock

	rescue, err := f.pipeline(nil, nil, 0, WithBatchSize(4)).Run(withTimeout(t, 30*time.Second), ev, As("rescue"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rescue: %s; counts %+v", rescue.Message, rescue.Counts)
	recs := f.records("acme")
	if len(recs) != 40 {
		t.Fatalf("%d records, want 40", len(recs))
	}
	st := f.stats()
	if extra := st.Completed - 40; extra < 0 || extra > inFlight+int64(4) {
		t.Errorf("%d calls for 40 items: %d beyond one per item, more than the %d in flight at the kill", st.Completed, extra, inFlight)
	}
	if rescue.Counts.Remaining != 0 || rescue.Counts.AlreadyDone+rescue.Counts.OK+rescue.Counts.Peers != 40 {
		t.Errorf("rescue counts %+v", rescue.Counts)
	}
}

// clockWall converts a duration of the fixture's clock to wall time.
func (f *fixture) clockWall(d time.Duration) time.Duration {
	return time.Duration(float64(d) / f.clock.Scale)
}
