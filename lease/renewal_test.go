package lease_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/lease"
)

// TestRenewalSavesHeartbeats: a holder that writes every 10 s under its
// lease (Transact renews it in the same transaction) needs no heartbeat of
// its own (TTL 30 s, heartbeat 15 s), and its expiry moves with each write;
// once it stops writing, the heartbeat takes over.
func TestRenewalSavesHeartbeats(t *testing.T) {
	ctx := context.Background()
	table, clock := newTable(t), fastClock()
	count := &partition{DynamoDB: db} // never cut: counts the heartbeats
	m := newManagerOn(t, count, table, clock)
	l, err := m.Acquire(ctx, "dev", lease.As("writer"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	acquired := count.updates.Load()
	for i := range 6 {
		<-clock.After(10 * time.Second)
		before := l.Expires()
		if err := guardedPut(ctx, table, l, "written"); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if !l.Expires().After(before) {
			t.Fatalf("write %d: expiry %v did not move from %v", i, l.Expires(), before)
		}
		if _, hs, err := m.Holders(ctx, "dev"); err != nil || len(hs) != 1 || !hs[0].Expires.Equal(l.Expires().Truncate(time.Microsecond)) {
			t.Fatalf("write %d: table shows %+v (%v), want the expiry %v", i, hs, err, l.Expires())
		}
	}
	if beats := count.updates.Load() - acquired; beats > 1 {
		t.Errorf("%d heartbeats in 60 s of writes that carried the renewal, want at most 1", beats)
	}
	quiet := count.updates.Load()
	<-clock.After(40 * time.Second)
	if beats := count.updates.Load() - quiet; beats < 2 {
		t.Errorf("%d heartbeats in 40 s without writes, want 2 or more", beats)
	}
	if err := l.Err(); err != nil {
		t.Fatalf("lease lost: %v", err)
	}
}

// TestWriteUnderAReleasedLeaseFails: Transact writes nothing once the lease
// is released.
func TestWriteUnderAReleasedLeaseFails(t *testing.T) {
	ctx := context.Background()
	table, clock := newTable(t), fastClock()
	m := newManager(t, table, clock)
	l, err := m.Acquire(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := guardedPut(ctx, table, l, "stale"); !errors.Is(err, lease.ErrNotHeld) {
		t.Fatalf("a write under a released lease: %v, want ErrNotHeld", err)
	}
	if got := readValue(t, table); got != "" {
		t.Fatalf("value = %q, want nothing written", got)
	}
}
