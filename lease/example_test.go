package lease_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/lease"
)

// An invocation takes a slot of its environment's scope, works under the
// lease's context (cancelled if the lease can no longer be trusted) and
// releases it in a defer.
func ExampleManager_Acquire() {
	ctx := context.Background()
	table := fmt.Sprintf("example-acquire-%d", time.Now().UnixNano())
	if err := lease.CreateTable(ctx, db, table); err != nil {
		fmt.Println(err)
		return
	}
	m, err := lease.NewManager(db, table, lease.WithMaxHolders(1), lease.WithTTL(30*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := m.Acquire(ctx, "ingest-normalize/dev", lease.As("request-1"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("fence", l.Fence(), "valid", l.Valid())

	// The scope admits one holder: a second invocation is told who holds it.
	_, err = m.TryAcquire(ctx, "ingest-normalize/dev")
	var held *lease.HeldError
	fmt.Println("second holder refused:", errors.As(err, &held))

	if err := l.Release(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println("released:", errors.Is(context.Cause(l.Context()), lease.ErrReleased))
	// Output:
	// fence 1 valid true
	// second holder refused: true
	// released: true
}

// A holder writes under its lease: the transaction holds only while the
// lease is current, and it renews the lease, saving a heartbeat.
func ExampleLease_Transact() {
	ctx := context.Background()
	table := fmt.Sprintf("example-transact-%d", time.Now().UnixNano())
	if err := lease.CreateTable(ctx, db, table); err != nil {
		fmt.Println(err)
		return
	}
	m, err := lease.NewManager(db, table)
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := m.Acquire(ctx, "ingest-normalize/dev", lease.As("example"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Release(ctx)

	before := l.Expires()
	err = l.Transact(ctx, []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String(table),
		Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "output#1"}, "sk": &types.AttributeValueMemberS{Value: "v"}}}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("written under the lease; expiry moved:", !l.Expires().Before(before))
	// Output: written under the lease; expiry moved: true
}
