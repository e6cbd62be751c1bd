package normalize

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/lease"
)

// TestStaleHolderCannotOverwrite: a writer with a lower fence never
// overwrites an output written under a higher one, whether it saw that
// output first or not.
func TestStaleHolderCannotOverwrite(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, err := lease.NewManager(testDB, f.table, lease.WithMaxHolders(0), lease.WithClock(f.clock))
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
	item := RawItem{ItemID: "x", SourceKey: "wire", Title: "t", ContentHash: "sha256:1"}
	recOf := func(l *lease.Lease) Record {
		return Fallback(item, "test", Meta{Run: Run{HolderID: l.Holder(), Fence: l.Fence()}, At: time.Now()})
	}
	so, sn := &sink{s3: testS3, bucket: f.bucket, lease: old}, &sink{s3: testS3, bucket: f.bucket, lease: newer}

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
