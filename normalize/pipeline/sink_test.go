package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/internal/ddbtest"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// TestStaleHolderCannotOverwrite: a writer with a lower fence never
// overwrites an output written under a higher one, whether it saw that
// output first or not.
func TestStaleHolderCannotOverwrite(t *testing.T) {
	db, s3c, table, bucket := sinkServers(t)
	ctx := context.Background()
	m, err := lease.NewManager(db, table, lease.WithMaxHolders(0))
	if err != nil {
		t.Fatal(err)
	}
	old, err := m.Acquire(ctx, "stale", lease.As("old"))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Release(ctx)
	newer, err := m.Acquire(ctx, "stale", lease.As("new"))
	if err != nil {
		t.Fatal(err)
	}
	defer newer.Release(ctx)
	key := "normalized/acme/2025/12/15/items/x.json"
	it := item.Raw{ItemID: "x", SourceKey: "wire", Title: "t", ContentHash: "sha256:1"}
	recOf := func(l *lease.Lease) normalize.Record {
		return normalize.Fallback(it, "test", normalize.Meta{Run: normalize.Run{HolderID: l.Holder(), Fence: l.Fence()}, At: time.Now()})
	}
	so, sn := &sink{s3: s3c, bucket: bucket, lease: old}, &sink{s3: s3c, bucket: bucket, lease: newer}

	// The old holder looks first, the newer one writes, then the old one
	// tries with what it saw.
	seen, err := so.head(ctx, key)
	if err != nil || seen.found {
		t.Fatalf("head: %+v %v", seen, err)
	}
	if err := sn.write(ctx, key, recOf(newer), seen); err != nil {
		t.Fatal(err)
	}
	if err := so.write(ctx, key, recOf(old), seen); !errors.Is(err, ErrStale) {
		t.Fatalf("stale write after newer: %v, want ErrStale", err)
	}
	// With a fresh look too.
	seen, _ = so.head(ctx, key)
	if err := so.write(ctx, key, recOf(old), seen); !errors.Is(err, ErrStale) {
		t.Fatalf("stale write with fresh head: %v, want ErrStale", err)
	}
	if got, _ := sn.head(ctx, key); got.fence != newer.Fence() {
		t.Errorf("output fence %d, want %d", got.fence, newer.Fence())
	}
	// The newer holder may overwrite its own output, and an older one's.
	seen, _ = sn.head(ctx, key)
	if err := sn.write(ctx, key, recOf(newer), seen); err != nil {
		t.Errorf("rewrite by the newer holder: %v", err)
	}
	// A released lease writes nothing.
	_ = old.Release(ctx)
	if err := so.write(ctx, "normalized/acme/2025/12/15/items/y.json", recOf(old), output{}); !errors.Is(err, lease.ErrNotHeld) {
		t.Errorf("write after release: %v, want ErrNotHeld", err)
	}
}

// sinkServers returns clients of local DynamoDB and S3 servers (or those
// the standard SDK variables name), a fresh coordination table and a
// fresh bucket. (Package testenv, which the other tests use, imports this
// package: a test inside it cannot.)
func sinkServers(t *testing.T) (*dynamodb.Client, *s3.Client, string, string) {
	t.Helper()
	ctx := context.Background()
	db, s3c, stop, err := localaws.Clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	name := ddbtest.Table(t, db, "sink") // the bucket's name too
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	return db, s3c, name, name
}

// racer writes the day file before each conditional write of it: the
// assembler's view is always stale.
type racer struct {
	S3
	key string
	n   int
}

func (r *racer) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if aws.ToString(in.Key) == r.key {
		r.n++
		body := fmt.Sprintf(`[{"item_id":"peer-%d"}]`, r.n)
		if _, err := r.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: in.Bucket, Key: in.Key, Body: strings.NewReader(body)}); err != nil {
			return nil, err
		}
	}
	return r.S3.PutObject(ctx, in, o...)
}

// TestDayFileKeptChanging: a day file that changes before every write of
// it is assembled again a bounded number of times, then left with an error
// that names it.
func TestDayFileKeptChanging(t *testing.T) {
	db, s3c, table, bucket := sinkServers(t)
	ctx := context.Background()
	l := ddbtest.Acquire(t, db, table, "day")
	defer l.Release(ctx)
	const day = "normalized/acme/2025/12/15/items.json"
	r := &racer{S3: s3c, key: day}
	s := &sink{s3: r, bucket: bucket, lease: l}
	_, err := s.assemble(ctx, "normalized/acme/2025/12/15/items/", day)
	if !errors.Is(err, ErrDayChanged) || !strings.Contains(err.Error(), day) || r.n != casAttempts {
		t.Errorf("assemble: %v after %d writes, want ErrDayChanged naming %s after %d", err, r.n, day, casAttempts)
	}
}
