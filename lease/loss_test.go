package lease_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease"
)

// partition is a DynamoDB client whose requests fail while cut is set: a
// holder frozen or cut off from DynamoDB. It counts its UpdateItem calls
// (a lease's heartbeats and release).
type partition struct {
	lease.DynamoDB
	cut     atomic.Bool
	updates atomic.Int64
}

var errCut = errors.New("partitioned")

func (p *partition) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	p.updates.Add(1)
	if p.cut.Load() {
		return nil, errCut
	}
	return p.DynamoDB.UpdateItem(ctx, in, o...)
}

func (p *partition) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if p.cut.Load() {
		return nil, errCut
	}
	return p.DynamoDB.GetItem(ctx, in, o...)
}

func TestHolderThatStopsRenewingLosesItsSlot(t *testing.T) {
	ctx := context.Background()
	table, clk := newTable(t), fastClock()
	cut := &partition{DynamoDB: db}
	frozen := newManagerOn(t, cut, table, clk)
	a, err := frozen.Acquire(ctx, "dev", lease.As("frozen"))
	if err != nil {
		t.Fatal(err)
	}
	<-clk.After(12 * time.Second) // one renewal goes through
	cut.cut.Store(true)
	last := a.Expires()

	b, err := newManager(t, table, clk).Acquire(ctx, "dev", lease.As("next"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release(ctx)
	took := clk.Now()
	if limit := last.Add(2*time.Second + 2*time.Second); took.After(limit) {
		t.Errorf("slot replaced at %v, more than skew + one poll after the expiry %v", took.Sub(last), last)
	}
	if took.Before(last.Add(2 * time.Second)) {
		t.Errorf("slot replaced %v before expiry + skew", last.Add(2*time.Second).Sub(took))
	}
	select {
	case <-a.Done():
	default:
		t.Fatal("the frozen lease did not report its loss")
	}
	var lost *lease.LostError
	if !errors.As(a.Err(), &lost) {
		t.Fatalf("Err() = %v, want *LostError", a.Err())
	}

	cut.cut.Store(false) // thawed: its late writes must fail and change nothing
	if err := a.Release(ctx); !errors.Is(err, lease.ErrNotHeld) {
		t.Fatalf("late Release = %v, want ErrNotHeld", err)
	}
	if err := guardedPut(ctx, table, a, "stale"); err == nil {
		t.Fatal("guarded write of the stale holder succeeded")
	}
	if err := guardedPut(ctx, table, b, "fresh"); err != nil {
		t.Fatalf("guarded write of the current holder: %v", err)
	}
	if got := readValue(t, table); got != "fresh" {
		t.Fatalf("value = %q, want fresh", got)
	}
	if b.Fence() <= a.Fence() {
		t.Fatalf("fence %d after %d", b.Fence(), a.Fence())
	}
}

// waitCounter is a clock that counts its waits.
type waitCounter struct {
	clock.Scaled
	waits atomic.Int64
}

func (c *waitCounter) After(d time.Duration) <-chan time.Time {
	c.waits.Add(1)
	return c.Scaled.After(d)
}

// TestLeaseNeverOutlivesTheDeadline: the expiry stays within the
// invocation's deadline plus grace; once it reaches that cap the heartbeat
// waits quietly (no renewal loop that cannot move it), and the lease ends
// at the trust limit saying the invocation is ending.
func TestLeaseNeverOutlivesTheDeadline(t *testing.T) {
	clk := &waitCounter{Scaled: fastClock()}
	m := newManager(t, newTable(t), clk, lease.WithSkew(5*time.Second)) // trust ends 3 s before the deadline
	ctx, cancel := context.WithTimeout(context.Background(), clock.Wall(clk, 20*time.Second))
	defer cancel()
	l, err := m.Acquire(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(context.WithoutCancel(ctx))
	d, _ := ctx.Deadline()
	limit := clk.Now().Add(clock.FromWall(clk, time.Until(d)) + 2*time.Second + 200*time.Millisecond)
	for i := 0; i < 5; i++ {
		if e := l.Expires(); e.After(limit) {
			t.Fatalf("expiry %v past deadline + grace (%v)", e, limit)
		}
		<-clk.Scaled.After(5 * time.Second)
	}
	// 25 s of clock time, heartbeat 10 s: a handful of waits, not a loop.
	if n := clk.waits.Load(); n > 20 {
		t.Errorf("the heartbeat waited %d times in 25 s at the deadline cap, want a handful", n)
	}
	var lost *lease.LostError
	if err := l.Err(); !errors.As(err, &lost) || !strings.Contains(lost.Reason, "deadline") {
		t.Errorf("lease at its deadline cap past the trust limit: %v, want lost as the invocation ends", err)
	}
}
