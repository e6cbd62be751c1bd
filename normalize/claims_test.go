package normalize

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/internal/ddbcount"
	"github.com/vectora/ingest-normalize/lease"
)

// newClaims returns the claims of one run under a fresh lease.
func newClaims(t *testing.T, f *fixture, db DynamoDB) *claims {
	t.Helper()
	m, err := lease.NewManager(db, f.table, lease.WithMaxHolders(0), lease.WithClock(f.clock))
	if err != nil {
		t.Fatal(err)
	}
	l, err := m.Acquire(context.Background(), "ingest-normalize/dev")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Release(context.Background()) })
	return &claims{db: db, table: f.table, pk: "run#dev#test", lease: l, leases: m, clock: f.clock, retain: time.Hour}
}

// TestClaimCarriesDoneMarks: a claim's transaction marks the batches done
// since the previous claim, and renews the lease; flush marks the last
// ones with one request.
func TestClaimCarriesDoneMarks(t *testing.T) {
	f := newFixture(t)
	oc := ddbcount.New(testDB)
	c := newClaims(t, f, oc)
	ctx := context.Background()
	for i := range 4 {
		if err := c.claim(ctx, i, []string{"a"}, batchState{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	before, expires := oc.Total(), c.lease.Expires()
	time.Sleep(f.clockWall(5 * time.Second))
	if err := c.claim(ctx, 4, []string{"a"}, batchState{}, []finishing{{index: 0, ok: 1}, {index: 1, ok: 1}}); err != nil {
		t.Fatal(err)
	}
	if !c.lease.Expires().After(expires) {
		t.Errorf("the claim did not renew the lease: expiry %v, was %v", c.lease.Expires(), expires)
	}
	if n, errs := c.flush(ctx, []finishing{{index: 2, ok: 1}, {index: 3, fallback: 1}, {index: 4, ok: 1}}); n != 3 || errs != nil {
		t.Fatalf("flush marked %d (%v), want 3", n, errs)
	}
	if n := oc.Total() - before; n != 2 {
		t.Errorf("claim with two done marks and a flush of three took %d requests, want 2", n)
	}
	states, err := c.states(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if states[i].State != batchDone {
			t.Errorf("batch %d: %+v, want done", i, states[i])
		}
	}
	if states[3].Fallback != 1 {
		t.Errorf("batch 3 counts %+v", states[3])
	}
}

// TestClaimDropsADoneMarkItNoLongerHolds: a batch stolen before its done
// mark went out makes the claim's transaction fail with the batch named;
// the claim goes through without it, and flush reports it alone.
func TestClaimDropsADoneMarkItNoLongerHolds(t *testing.T) {
	f := newFixture(t)
	c := newClaims(t, f, testDB)
	ctx := context.Background()
	for i := range 2 {
		if err := c.claim(ctx, i, []string{"a"}, batchState{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// A peer steals batch 0 (as after this lease had expired).
	if _, err := testDB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(f.table), Key: c.key(0),
		UpdateExpression:          aws.String("SET #hd = :peer"),
		ExpressionAttributeNames:  map[string]string{"#hd": "holder"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":peer": ddbattr.S("peer")}}); err != nil {
		t.Fatal(err)
	}
	err := c.claim(ctx, 2, []string{"a"}, batchState{}, []finishing{{index: 0, ok: 1}, {index: 1, ok: 1}})
	var refused *finishRefusedError
	if !errors.As(err, &refused) || len(refused.Batches) != 1 || refused.Batches[0] != 0 {
		t.Fatalf("claim = %v, want batch 0 refused", err)
	}
	if err := c.claim(ctx, 2, []string{"a"}, batchState{}, []finishing{{index: 1, ok: 1}}); err != nil {
		t.Fatalf("claim without the stolen batch: %v", err)
	}
	if n, errs := c.flush(ctx, []finishing{{index: 0, ok: 1}, {index: 2, ok: 1}}); n != 1 || len(errs) != 1 || !errors.Is(errs[0], lease.ErrNotHeld) {
		t.Fatalf("flush marked %d, errors %v; want 1 and batch 0 not held", n, errs)
	}
}
