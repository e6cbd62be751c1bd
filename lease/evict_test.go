package lease_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/lease"
)

// TestEvict: an operator's eviction refuses a live holder without force; a
// forced eviction makes the holder lose its lease at its next renewal.
func TestEvict(t *testing.T) {
	ctx := context.Background()
	m, l, h := holdOne(t)
	if err := m.Evict(ctx, "dev", h, false); !errors.Is(err, lease.ErrLive) {
		t.Fatalf("evict a live holder without force: %v, want ErrLive", err)
	}
	if err := m.Evict(ctx, "dev", h, true); err != nil {
		t.Fatalf("forced eviction: %v", err)
	}
	select {
	case <-l.Done():
	case <-fastClock().After(time.Minute):
		t.Fatal("the evicted holder still trusts its lease a minute later")
	}
	var lost *lease.LostError
	if !errors.As(l.Err(), &lost) {
		t.Fatalf("evicted holder's lease ended with %v, want a *LostError", l.Err())
	}
}

// TestEvictChangedEntry: an entry whose expiry moved since it was read is
// left alone.
func TestEvictChangedEntry(t *testing.T) {
	ctx := context.Background()
	m, l, h := holdOne(t)
	h.Expires = h.Expires.Add(-time.Hour) // read long ago: expired by then
	if err := m.Evict(ctx, "dev", h, false); !errors.Is(err, lease.ErrChanged) {
		t.Fatalf("evict an entry that changed since read: %v, want ErrChanged", err)
	}
	if !l.Valid() {
		t.Fatal("a refused eviction touched the live holder")
	}
}

// holdOne acquires scope "dev" of a new table and returns the manager, the
// lease (released at the end of the test) and its holder as read back.
func holdOne(t *testing.T) (*lease.Manager, *lease.Lease, lease.Holder) {
	t.Helper()
	ctx := context.Background()
	m := newManager(t, newTable(t), fastClock(), lease.WithMaxHolders(0), lease.WithTTL(30*time.Second))
	l, err := m.Acquire(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Release(ctx) })
	_, hs, err := m.Holders(ctx, "dev")
	if err != nil || len(hs) != 1 {
		t.Fatalf("holders: %v %v", hs, err)
	}
	return m, l, hs[0]
}
