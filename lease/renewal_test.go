package lease_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/lease"
)

// renewals counts the UpdateItem calls of a lease: its heartbeats (and
// its release).
type renewals struct {
	lease.DynamoDB
	n atomic.Int64
}

func (r *renewals) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r.n.Add(1)
	return r.DynamoDB.UpdateItem(ctx, in, o...)
}

// TestRenewalSavesHeartbeats: a holder that writes every 10 s with its
// Renewal in the transaction needs no heartbeat of its own (TTL 30 s,
// heartbeat 15 s), and its expiry moves with each write; once it stops
// writing, the heartbeat takes over.
func TestRenewalSavesHeartbeats(t *testing.T) {
	ctx := context.Background()
	table, clock := newTable(t), fastClock()
	count := &renewals{DynamoDB: db}
	m, err := lease.NewManager(count, table, lease.WithClock(clock), lease.WithTTL(30*time.Second), lease.WithSkew(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	l, err := m.Acquire(ctx, "dev", lease.As("writer"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	acquired := count.n.Load()
	for i := range 6 {
		<-clock.After(10 * time.Second)
		before := l.Expires()
		r := l.Renewal()
		if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			r.Item(), {Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "out"}, "sk": &types.AttributeValueMemberS{Value: "1"},
				"v": &types.AttributeValueMemberN{Value: "1"}}}},
		}}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		r.Commit()
		if !l.Expires().After(before) {
			t.Fatalf("write %d: expiry %v did not move from %v", i, l.Expires(), before)
		}
		if _, hs, err := m.Holders(ctx, "dev"); err != nil || len(hs) != 1 || !hs[0].Expires.Equal(l.Expires().Truncate(time.Microsecond)) {
			t.Fatalf("write %d: table shows %+v (%v), want the expiry %v", i, hs, err, l.Expires())
		}
	}
	if beats := count.n.Load() - acquired; beats > 1 {
		t.Errorf("%d heartbeats in 60 s of writes that carried the renewal, want at most 1", beats)
	}
	quiet := count.n.Load()
	<-clock.After(40 * time.Second)
	if beats := count.n.Load() - quiet; beats < 2 {
		t.Errorf("%d heartbeats in 40 s without writes, want 2 or more", beats)
	}
	if err := l.Err(); err != nil {
		t.Fatalf("lease lost: %v", err)
	}
}

// TestRenewalOfALostLeaseFails: a Renewal holds only while its lease is
// current, like Guard.
func TestRenewalOfALostLeaseFails(t *testing.T) {
	ctx := context.Background()
	table, clock := newTable(t), fastClock()
	m := newManager(t, table, clock)
	l, err := m.Acquire(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	r := l.Renewal()
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		r.Item(), {Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "out"}, "sk": &types.AttributeValueMemberS{Value: "1"}}}},
	}})
	if err == nil {
		t.Fatal("a write carrying the renewal of a released lease succeeded")
	}
	if got := readValue(t, table); got != "" {
		t.Fatalf("value = %q, want nothing written", got)
	}
}
