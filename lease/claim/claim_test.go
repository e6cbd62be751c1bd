package claim_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/internal/ddbcount"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/claim"
)

const pk = "run#dev#test"

func newSet(t *testing.T, c claim.DynamoDB, table string, l *lease.Lease, m *lease.Manager, clk *stepClock, opts ...claim.Option) *claim.Set {
	t.Helper()
	s, err := claim.NewSet(c, table, pk, l, m, append([]claim.Option{claim.WithClock(clk), claim.WithRetention(time.Hour)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func read(t *testing.T, s *claim.Set, sk string) claim.State {
	t.Helper()
	st, err := s.Read(context.Background(), sk)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestClaimConflict: a claim held or done by someone else is refused
// with ErrConflict; Force takes a done one; a freed one is free to take.
func TestClaimConflict(t *testing.T) {
	table, clk, ctx := newTable(t), newStepClock(), context.Background()
	m := manager(t, db, table, clk)
	a := newSet(t, db, table, acquire(t, m, "a"), m, clk)
	b := newSet(t, db, table, acquire(t, m, "b"), m, clk)
	if err := a.Claim(ctx, "batch#00000", claim.State{}, claim.Items([]string{"x", "y"})); err != nil {
		t.Fatal(err)
	}
	if err := b.Claim(ctx, "batch#00000", claim.State{}); !errors.Is(err, claim.ErrConflict) {
		t.Fatalf("claim of a held claim: %v, want ErrConflict", err)
	}
	if err := a.Mark(ctx, claim.Mark{SK: "batch#00000", State: claim.Done, Items: 2}); err != nil {
		t.Fatal(err)
	}
	if err := b.Claim(ctx, "batch#00000", claim.State{}); !errors.Is(err, claim.ErrConflict) {
		t.Fatalf("claim of a done claim: %v, want ErrConflict", err)
	}
	if err := b.Claim(ctx, "batch#00000", claim.State{}, claim.Force()); err != nil {
		t.Fatalf("forced claim of a done claim: %v", err)
	}
	if err := b.Mark(ctx, claim.Mark{SK: "batch#00000", State: claim.Free, Items: 2}); err != nil {
		t.Fatal(err)
	}
	if err := a.Claim(ctx, "batch#00000", claim.State{}); err != nil {
		t.Fatalf("claim of a freed claim: %v", err)
	}
	st := read(t, a, "batch#00000")
	if st.State != claim.Claimed || st.Holder != a.Lease().Holder() || st.Items != 2 || st.ClaimedAt.IsZero() {
		t.Errorf("state %+v", st)
	}
}

// TestTakeoverOfADeadHolder: a claim whose holder's lease expired (by
// more than the manager's skew) is taken over, on condition that it is
// still that holder's, so that of two takers one wins; the dead holder's
// mark is then refused.
func TestTakeoverOfADeadHolder(t *testing.T) {
	table, clk, ctx := newTable(t), newStepClock(), context.Background()
	short := manager(t, db, table, clk, lease.WithTTL(30*time.Second))
	long := manager(t, db, table, clk, lease.WithTTL(10*time.Minute), lease.WithSkew(2*time.Second))
	dead := newSet(t, db, table, acquire(t, short, "dead"), short, clk)
	b := newSet(t, db, table, acquire(t, long, "b"), long, clk)
	c := newSet(t, db, table, acquire(t, long, "c"), long, clk)
	if err := dead.Claim(ctx, "batch#00000", claim.State{}); err != nil {
		t.Fatal(err)
	}
	seen := read(t, b, "batch#00000")
	clk.advance(31 * time.Second) // past the expiry, within the skew
	if hs, err := b.HoldersOf(ctx, seen); err != nil || !hs.Live(seen) {
		t.Fatalf("holder within the skew margin: not live (%v)", err)
	}
	clk.advance(2 * time.Second)
	hs, err := b.HoldersOf(ctx, seen)
	if err != nil || hs.Live(seen) {
		t.Fatalf("holder past expiry and skew: live (%v)", err)
	}
	if err := b.Claim(ctx, "batch#00000", seen, claim.Over(hs)); err != nil {
		t.Fatalf("takeover: %v", err)
	}
	if _, entries, err := long.Holders(ctx, b.Lease().Scope()); err != nil || len(entries) != 2 {
		t.Errorf("after the takeover the scope holds %v (%v), want b and c: the dead holder's entry goes with its claim", entries, err)
	}
	if err := c.Claim(ctx, "batch#00000", seen); !errors.Is(err, claim.ErrConflict) {
		t.Fatalf("second takeover: %v, want ErrConflict", err)
	}
	if err := dead.Mark(ctx, claim.Mark{SK: "batch#00000", State: claim.Done}); !errors.Is(err, lease.ErrNotHeld) {
		t.Fatalf("mark by the dead holder: %v, want ErrNotHeld", err)
	}
	if st := read(t, b, "batch#00000"); st.Holder != b.Lease().Holder() || st.State != claim.Claimed {
		t.Errorf("state %+v", st)
	}
}

// TestLivenessFollowsTheManagersSkew: the skew margin is the lease
// manager's (lease.WithSkew), not a constant of the claims.
func TestLivenessFollowsTheManagersSkew(t *testing.T) {
	table, clk, ctx := newTable(t), newStepClock(), context.Background()
	m := manager(t, db, table, clk, lease.WithTTL(30*time.Second), lease.WithSkew(10*time.Second))
	a := newSet(t, db, table, acquire(t, m, "a"), m, clk)
	if err := a.Claim(ctx, "batch#00000", claim.State{}); err != nil {
		t.Fatal(err)
	}
	st := read(t, a, "batch#00000")
	hs, err := a.Holders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		after time.Duration
		live  bool
	}{{0, true}, {39 * time.Second, true}, {41 * time.Second, false}} {
		clk.at(c.after)
		if got := hs.Live(st); got != c.live {
			t.Errorf("%v after the claim: live %v, want %v", c.after, got, c.live)
		}
	}
	if other := (claim.State{Holder: st.Holder, Fence: st.Fence + 1}); hs.Live(other) {
		t.Error("a claim under another fence of the same holder id counted as live")
	}
}

// TestClaimRefusedWithoutTheLease: once the lease is released, or expired,
// a claim writes nothing and says the lease is not held.
func TestClaimRefusedWithoutTheLease(t *testing.T) {
	table, clk, ctx := newTable(t), newStepClock(), context.Background()
	m := manager(t, db, table, clk, lease.WithTTL(30*time.Second))
	released := acquire(t, m, "released")
	s := newSet(t, db, table, released, m, clk)
	if err := released.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Claim(ctx, "batch#00000", claim.State{}); !errors.Is(err, lease.ErrNotHeld) {
		t.Fatalf("claim under a released lease: %v, want ErrNotHeld", err)
	}
	expired := newSet(t, db, table, acquire(t, m, "expired"), m, clk)
	clk.advance(31 * time.Second)
	if err := expired.Claim(ctx, "batch#00000", claim.State{}); !errors.Is(err, lease.ErrNotHeld) {
		t.Fatalf("claim under an expired lease: %v, want ErrNotHeld", err)
	}
	if st := read(t, s, "batch#00000"); st.State != "" {
		t.Errorf("a refused claim wrote %+v", st)
	}
}

// TestClaimCarriesDoneMarks: a claim's transaction marks the batches done
// since the previous claim, and renews the lease (lease.Lease.Transact); Flush marks the last
// ones with one request.
func TestClaimCarriesDoneMarks(t *testing.T) {
	table, clk, ctx := newTable(t), newStepClock(), context.Background()
	oc := ddbcount.New(db)
	m := manager(t, oc, table, clk)
	l := acquire(t, m, "a")
	s := newSet(t, oc, table, l, m, clk)
	for i := range 4 {
		if err := s.Claim(ctx, batchSK(i), claim.State{}, claim.Items([]string{"a"})); err != nil {
			t.Fatal(err)
		}
	}
	before, expires := oc.Total(), l.Expires()
	clk.advance(5 * time.Second)
	err := s.Claim(ctx, batchSK(4), claim.State{}, claim.Items([]string{"a"}), claim.Carrying(done(0, 1, 0), done(1, 1, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if !l.Expires().After(expires) {
		t.Errorf("the claim did not renew the lease: expiry %v, was %v", l.Expires(), expires)
	}
	if n, errs := s.Flush(ctx, []claim.Mark{done(2, 1, 0), done(3, 0, 1), done(4, 1, 0)}); n != 3 || errs != nil {
		t.Fatalf("flush marked %d (%v), want 3", n, errs)
	}
	if n := oc.Total() - before; n != 2 {
		t.Errorf("claim with two done marks and a flush of three took %d requests, want 2", n)
	}
	states, err := s.List(ctx, "batch#")
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 5 {
		t.Fatalf("%d batches listed, want 5", len(states))
	}
	for i, st := range states {
		if st.SK != batchSK(i) || st.State != claim.Done || st.Items != 1 || st.MarkedAt.IsZero() {
			t.Errorf("batch %d: %+v, want done", i, st)
		}
	}
	if states[3].Counts != (claim.Counts{Fallback: 1}) {
		t.Errorf("batch 3 counts %+v", states[3].Counts)
	}
}

// TestClaimDropsADoneMarkItNoLongerHolds: a batch stolen before its done
// mark went out makes the claim's transaction fail with the batch named;
// the claim goes through without it, and Flush reports it alone.
func TestClaimDropsADoneMarkItNoLongerHolds(t *testing.T) {
	table, clk, ctx := newTable(t), newStepClock(), context.Background()
	m := manager(t, db, table, clk)
	s := newSet(t, db, table, acquire(t, m, "a"), m, clk)
	for i := range 2 {
		if err := s.Claim(ctx, batchSK(i), claim.State{}, claim.Items([]string{"a"})); err != nil {
			t.Fatal(err)
		}
	}
	// A peer steals batch 0 (as after this lease had expired).
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: ddbattr.Key(pk, batchSK(0)),
		UpdateExpression:          aws.String("SET #hd = :peer"),
		ExpressionAttributeNames:  map[string]string{"#hd": claim.AttrHolder},
		ExpressionAttributeValues: map[string]types.AttributeValue{":peer": ddbattr.S("peer")}}); err != nil {
		t.Fatal(err)
	}
	err := s.Claim(ctx, batchSK(2), claim.State{}, claim.Items([]string{"a"}), claim.Carrying(done(0, 1, 0), done(1, 1, 0)))
	var refused *claim.MarkError
	if !errors.As(err, &refused) || !slices.Equal(refused.SKs, []string{batchSK(0)}) || !errors.Is(err, lease.ErrNotHeld) {
		t.Fatalf("claim = %v, want batch 0 refused", err)
	}
	if err := s.Claim(ctx, batchSK(2), claim.State{}, claim.Items([]string{"a"}), claim.Carrying(done(1, 1, 0))); err != nil {
		t.Fatalf("claim without the stolen batch: %v", err)
	}
	n, errs := s.Flush(ctx, []claim.Mark{done(0, 1, 0), done(2, 1, 0)})
	if n != 1 || len(errs) != 1 || !errors.Is(errs[0], lease.ErrNotHeld) || !errors.As(errs[0], &refused) || refused.SKs[0] != batchSK(0) {
		t.Fatalf("flush marked %d, errors %v; want 1 and batch 0 not held", n, errs)
	}
}

// TestMarkAlso: a mark's Also is written in the same transaction, and not
// at all when the mark is refused.
func TestMarkAlso(t *testing.T) {
	table, clk, ctx := newTable(t), newStepClock(), context.Background()
	m := manager(t, db, table, clk)
	l := acquire(t, m, "a")
	s := newSet(t, db, table, l, m, clk, claim.WithScope())
	if err := s.Claim(ctx, "source#wire", claim.State{}); err != nil {
		t.Fatal(err)
	}
	if st := read(t, s, "source#wire"); st.Scope != l.Scope() {
		t.Errorf("scope %q recorded, want %q", st.Scope, l.Scope())
	}
	also := func(v string) *types.Update {
		return &types.Update{TableName: aws.String(table), Key: ddbattr.Key(pk, "http#wire"),
			UpdateExpression: aws.String("SET #v = :v"), ExpressionAttributeNames: map[string]string{"#v": "etag"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": ddbattr.S(v)}}
	}
	if err := s.Mark(ctx, claim.Mark{SK: "source#wire", State: claim.Done, Items: 3, Also: also("first")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Mark(ctx, claim.Mark{SK: "source#wire", State: claim.Done, Items: 3, Also: also("second")}); !errors.Is(err, lease.ErrNotHeld) {
		t.Fatalf("mark of a done claim: %v, want ErrNotHeld", err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: ddbattr.Key(pk, "http#wire"), ConsistentRead: aws.Bool(true)})
	if err != nil || ddbattr.GetS(out.Item, "etag") != "first" {
		t.Fatalf("also: %v %v, want the first write only", out, err)
	}
	if st := read(t, s, "source#wire"); st.State != claim.Done || st.Items != 3 {
		t.Errorf("state %+v", st)
	}
	if err := s.Claim(ctx, "source#x", claim.State{}, claim.Carrying(claim.Mark{SK: "source#wire", State: claim.Done, Also: also("x")})); err == nil {
		t.Error("a claim carried a mark with Also")
	}
}

func batchSK(i int) string { return fmt.Sprintf("batch#%05d", i) }

func done(i, ok, fallback int) claim.Mark {
	return claim.Mark{SK: batchSK(i), State: claim.Done, Items: 1, Counts: &claim.Counts{OK: ok, Fallback: fallback}}
}
