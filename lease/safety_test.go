package lease_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/internal/ddbtest"
	"github.com/vectora/ingest-normalize/lease"
)

// The tests of this file reproduce, one each, what real DynamoDB and real
// networks do to a lease and the local servers never do: requests that
// stall and land late, after requests sent later; writes applied but
// answered with an error; transient refusals; DynamoDB's size limits.

// safetyClock runs at most 20 times faster than the wall clock: these tests
// compare instants a skew margin apart (2 s, 100 ms of wall time).
func safetyClock() clock.Scaled {
	return clock.Scaled{Epoch: time.Now(), Scale: min(scale(), 20)}
}

var errCutOff = errors.New("network: request lost before it reached DynamoDB")

// waitUntil waits until clk reads t.
func waitUntil(clk clock.Clock, t time.Time) {
	if d := t.Sub(clk.Now()); d > 0 {
		<-clk.After(d)
	}
}

// TestLateRenewalCannotBeErasedByATakeover (scenario 1): a holder's
// renewals fail for a while, then one, sent before its trust limit, stalls
// in the network. A peer reads the scope after the expiry plus the skew and
// plans to remove the holder; the stalled renewal lands between the peer's
// read and its write. The takeover must then fail, and at no time may two
// holders believe they hold a one-holder scope.
func TestLateRenewalCannotBeErasedByATakeover(t *testing.T) {
	ctx := context.Background()
	table, clk := newTable(t), safetyClock()
	netA, netB := &network{DynamoDB: db}, &network{DynamoDB: db}
	a, err := newManagerOn(t, netA, table, clk).Acquire(ctx, "dev", lease.As("a"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	exp := a.Expires()
	netA.add(&rule{match: renewals, fail: errCutOff})
	waitUntil(clk, exp.Add(-6*time.Second)) // after the retry at TTL-7.5 s
	stall := netA.first(&rule{match: renewals, hold: make(chan struct{}), count: 1})
	<-stall.held // the retry at TTL-3.75 s, before the trust limit (TTL-2 s)
	waitUntil(clk, exp.Add(3*time.Second))
	netB.add(&rule{match: reads, count: 1, after: func() {
		close(stall.hold) // the renewal lands between the peer's read and its write
		<-stall.done
	}})
	b, err := newManagerOn(t, netB, table, clk).TryAcquire(ctx, "dev", lease.As("b"))
	if err == nil {
		defer b.Release(ctx)
	}
	if a.Valid() && err == nil && b.Valid() {
		t.Fatalf("two valid holders of a 1-holder scope: a (fence %d, until %v) and b (fence %d)",
			a.Fence(), a.Expires(), b.Fence())
	}
	var held *lease.HeldError
	if !errors.As(err, &held) {
		t.Fatalf("takeover after the late renewal: %v, want a *HeldError (the renewal landed first)", err)
	}
	if a.Err() == nil {
		t.Fatal("the holder still trusts its lease past its trust limit, its renewal unanswered then")
	}
}

// TestWritesNeverMoveTheExpiryBack (scenario 2): a write carrying the
// lease's renewal stalls and its sender gives up; a heartbeat then renews
// the lease further; the stalled write lands last. The expiry in the table
// must not go back behind the lease's own.
func TestWritesNeverMoveTheExpiryBack(t *testing.T) {
	ctx := context.Background()
	a, netA, table, clk := holderOn(t)
	<-clk.After(5 * time.Second)
	stall := netA.add(&rule{match: transactions, hold: make(chan struct{}), count: 1})
	wctx, cancel := context.WithTimeout(ctx, clock.Wall(clk, 2*time.Second))
	err := a.Transact(wctx, []types.TransactWriteItem{putItem(table, "late")})
	cancel()
	if !errors.Is(err, lease.ErrUnknown) {
		t.Fatalf("write given up on: %v, want ErrUnknown", err)
	}
	renewed := a.Expires()
	for a.Expires() == renewed && a.Err() == nil { // the next heartbeat, a heartbeat after the acquisition
		<-clk.After(time.Second)
	}
	close(stall.hold)
	<-stall.done
	m := newManager(t, table, clk)
	_, hs, err := m.Holders(ctx, "dev")
	if err != nil || len(hs) != 1 {
		t.Fatalf("holders: %v, %v", hs, err)
	}
	if local := a.Expires().Truncate(time.Microsecond); hs[0].Expires.Before(local) {
		t.Fatalf("table expiry %v is behind the lease's %v: a late write moved it back", hs[0].Expires, local)
	}
}

// TestHungRenewalBlocksNothing (scenario 3): while a renewal hangs in the
// network, Valid answers at once, and the lease's context is cancelled at
// its trust limit, before a peer may take over (expiry plus skew).
func TestHungRenewalBlocksNothing(t *testing.T) {
	ctx := context.Background()
	table, clk := newTable(t), safetyClock()
	netA := &network{DynamoDB: db}
	hang := netA.add(&rule{match: renewals, hold: make(chan struct{}), count: 1})
	defer close(hang.hold)
	netA.add(&rule{match: renewals, fail: errCutOff})
	a, err := newManagerOn(t, netA, table, clk).Acquire(ctx, "dev", lease.As("a"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	exp := a.Expires()
	<-hang.held
	type answer struct {
		valid bool
		at    time.Time
	}
	asked := make(chan answer, 1)
	go func() { v := a.Valid(); asked <- answer{v, clk.Now()} }()
	takeover := exp.Add(2 * time.Second)
	select {
	case got := <-asked:
		if trust := exp.Add(-2 * time.Second); !got.valid || !got.at.Before(trust) {
			t.Errorf("Valid() asked before the trust limit answered %v at %v (trust limit %v)", got.valid, got.at, trust)
		}
	case <-clk.After(takeover.Sub(clk.Now())):
		t.Fatal("Valid() blocked behind the hung renewal")
	}
	select {
	case <-a.Done():
		if at := clk.Now(); !at.Before(takeover) {
			t.Fatalf("lease context cancelled at %v, after a peer may take over (%v)", at, takeover)
		}
	case <-clk.After(takeover.Sub(clk.Now())):
		t.Fatalf("lease context still live when a peer may take over (%v)", takeover)
	}
}

// TestTakenAwayLeaseIsLostAndReleaseSaysSo (scenario 4): once an operator
// evicted a live holder, its next write under the lease is refused, the
// lease is lost (Done closes with a *LostError), and Release reports
// ErrNotHeld instead of taking the missing entry for its own doing.
func TestTakenAwayLeaseIsLostAndReleaseSaysSo(t *testing.T) {
	ctx := context.Background()
	table, clk := newTable(t), fastClock()
	m := newManager(t, table, clk)
	a, err := m.Acquire(ctx, "dev", lease.As("a"))
	if err != nil {
		t.Fatal(err)
	}
	_, hs, err := m.Holders(ctx, "dev")
	if err != nil || len(hs) != 1 {
		t.Fatalf("holders: %v %v", hs, err)
	}
	if err := m.Evict(ctx, "dev", hs[0], true); err != nil {
		t.Fatal(err)
	}
	if err := guardedPut(ctx, table, a, "after eviction"); !errors.Is(err, lease.ErrNotHeld) {
		t.Fatalf("write under an evicted lease: %v, want ErrNotHeld", err)
	}
	var lost *lease.LostError
	select {
	case <-a.Done():
	default:
		t.Fatal("refused write did not end the lease")
	}
	if !errors.As(a.Err(), &lost) {
		t.Fatalf("Err() = %v, want a *LostError", a.Err())
	}
	if err := a.Release(ctx); !errors.Is(err, lease.ErrNotHeld) {
		t.Fatalf("Release of a lease taken away = %v, want ErrNotHeld", err)
	}
	if got := readValue(t, table); got != "" {
		t.Fatalf("value %q written under a lease taken away", got)
	}
}

// TestReleaseRetries (scenario 7): a transient refusal, and a removal
// applied but answered with an error, both end with the entry gone and
// Release returning nil.
func TestReleaseRetries(t *testing.T) {
	for _, r := range []*rule{
		{match: releases, fail: &types.ProvisionedThroughputExceededException{Message: aws.String("hot item")}, count: 1},
		{match: releases, failAfter: &smithy.GenericAPIError{Code: "InternalServerError", Message: "applied, then failed"}, count: 1},
	} {
		ctx := context.Background()
		table, clk := newTable(t), fastClock()
		net := &network{DynamoDB: db}
		m := newManagerOn(t, net, table, clk)
		a, err := m.Acquire(ctx, "dev")
		if err != nil {
			t.Fatal(err)
		}
		net.add(r)
		if err := a.Release(ctx); err != nil {
			t.Errorf("Release after %v: %v", r.fail, err)
		}
		if _, hs, err := m.Holders(ctx, "dev"); err != nil || len(hs) != 0 {
			t.Errorf("after Release: holders %v (%v), want none", hs, err)
		}
	}
}

// TestTakeoverCleanupIsBounded (scenario 8): hundreds of invocations killed
// at once leave their entries; the next acquisition removes a bounded
// number of them in an expression within DynamoDB's 4 KB limit, and a
// write DynamoDB rejects as invalid is not retried forever.
func TestTakeoverCleanupIsBounded(t *testing.T) {
	ctx := context.Background()
	table, clk := newTable(t), fastClock()
	seedDead(t, table, 500, clk.Now().Add(-time.Hour))
	limited := &limits{DynamoDB: db}
	m := newManagerOn(t, limited, table, clk, lease.WithMaxHolders(0))
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	l, err := m.Acquire(actx, "dev")
	if err != nil {
		t.Fatalf("acquire beside 500 dead entries: %v", err)
	}
	defer l.Release(ctx)
	if _, hs, _ := m.Holders(ctx, "dev"); len(hs) < 400 || len(hs) > 500 {
		t.Errorf("%d entries after one acquisition, want most dead ones left for later", len(hs))
	}
	broken := &limits{DynamoDB: db, reject: true}
	bctx, cancel2 := context.WithTimeout(ctx, 5*time.Second)
	defer cancel2()
	if _, err := newManagerOn(t, broken, table, clk, lease.WithMaxHolders(0)).Acquire(bctx, "dev"); err == nil || bctx.Err() != nil {
		t.Fatalf("acquire whose writes DynamoDB rejects as invalid: %v (context %v), want the error at once", err, bctx.Err())
	}
}

// seedDead writes n expired holder entries into scope "dev".
func seedDead(t *testing.T, table string, n int, expired time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := newManager(t, table, fastClock(), lease.WithMaxHolders(0)).TryAcquire(ctx, "dev"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 50 {
		names := map[string]string{"#hs": "holders"}
		values := map[string]types.AttributeValue{}
		expr := "SET "
		for k := i; k < min(i+50, n); k++ {
			id, v := fmt.Sprintf("#h%03d", k), fmt.Sprintf(":h%03d", k)
			names[id] = fmt.Sprintf("killed-%03d", k)
			values[v] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"fence": ddbattr.N(int64(1000 + k)), "acquired": ddbattr.N(expired.UnixMicro()), "renewed": ddbattr.N(expired.UnixMicro()),
				"expires": ddbattr.N(expired.UnixMicro())}}
			if k > i {
				expr += ", "
			}
			expr += "#hs." + id + " = " + v
		}
		_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table),
			Key:              ddbattr.Key("scope#dev", "lease"),
			UpdateExpression: aws.String(expr), ExpressionAttributeNames: names, ExpressionAttributeValues: values})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// limits enforces DynamoDB's 4 KB limit on expressions, which the local
// servers do not; with reject, it refuses every write as invalid.
type limits struct {
	lease.DynamoDB
	reject bool
}

func (l *limits) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if l.reject || len(aws.ToString(in.UpdateExpression)) > 4096 || len(aws.ToString(in.ConditionExpression)) > 4096 {
		return nil, &smithy.GenericAPIError{Code: "ValidationException",
			Message: "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size"}
	}
	return l.DynamoDB.UpdateItem(ctx, in, o...)
}

// TestConflictedWriteLetsTheHeartbeatRenew (scenario 6): a write under the
// lease whose transactions are cancelled for conflicts longer than the TTL
// is retried meanwhile, and the heartbeat keeps renewing the lease: it is
// not lost, and the write lands once the conflicts end.
func TestConflictedWriteLetsTheHeartbeatRenew(t *testing.T) {
	ctx := context.Background()
	a, net, table, clk := holderOn(t)
	r := net.add(&rule{match: transactions, fail: ddbtest.Conflict(2), count: 1 << 30})
	done := make(chan error, 1)
	wctx, cancel := context.WithTimeout(ctx, clock.Wall(clk, 90*time.Second))
	defer cancel()
	go func() { done <- a.Transact(wctx, []types.TransactWriteItem{putItem(table, "conflicted")}) }()
	<-clk.After(45 * time.Second) // longer than the TTL (30 s)
	if err := a.Err(); err != nil {
		t.Fatalf("lease lost while a write was retried through conflicts: %v", err)
	}
	net.mu.Lock()
	used := r.used
	r.count = used // the conflicts end
	net.mu.Unlock()
	if err := <-done; err != nil {
		t.Fatalf("write after %d conflicts: %v", used, err)
	}
	t.Logf("write landed after %d cancelled attempts; lease valid: %v", used, a.Valid())
}

// TestStalledWriteLetsTheHeartbeatRenew: a write under the lease that
// carries its renewal and stalls in the network longer than the TTL does
// not keep the heartbeat from renewing: the lease is not lost.
func TestStalledWriteLetsTheHeartbeatRenew(t *testing.T) {
	ctx := context.Background()
	a, net, table, clk := holderOn(t)
	stall := net.add(&rule{match: transactions, hold: make(chan struct{}), count: 1})
	done := make(chan error, 1)
	go func() { done <- a.Transact(ctx, []types.TransactWriteItem{putItem(table, "stalled")}) }()
	<-stall.held
	<-clk.After(45 * time.Second) // longer than the TTL (30 s)
	lostErr := a.Err()
	close(stall.hold)
	if err := <-done; err != nil {
		t.Errorf("stalled write: %v", err)
	}
	if lostErr != nil {
		t.Fatalf("lease lost while a write carrying its renewal stalled: %v", lostErr)
	}
}

// holderOn acquires scope "dev" as holder "a" over a network of its own,
// on a fresh table and the safety clock; the lease is released when the
// test ends.
func holderOn(t *testing.T) (*lease.Lease, *network, string, clock.Clock) {
	t.Helper()
	table, clk := newTable(t), safetyClock()
	net := &network{DynamoDB: db}
	a, err := newManagerOn(t, net, table, clk).Acquire(context.Background(), "dev", lease.As("a"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Release(context.Background()) })
	return a, net, table, clk
}
