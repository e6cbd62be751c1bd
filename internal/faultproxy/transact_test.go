package faultproxy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbretry"
	"github.com/vectora/ingest-normalize/internal/ddbtest"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
)

func key(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: "x"}}
}

// bump adds 1 to item pk's counter n: applying it twice shows.
func bump(pk string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String("t"), Key: key(pk),
		UpdateExpression:          aws.String("ADD n :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}}
}

// transact sends a TransactWriteItems bumping every pk, with token.
func transact(ctx context.Context, c *dynamodb.Client, token string, pks ...string) error {
	in := &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String(token)}
	for _, pk := range pks {
		in.TransactItems = append(in.TransactItems, bump(pk))
	}
	_, err := c.TransactWriteItems(ctx, in)
	return err
}

// count reads item pk's counter (0 when it does not exist).
func count(t *testing.T, c *dynamodb.Client, pk string) string {
	t.Helper()
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key(pk)})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := out.Item["n"].(*types.AttributeValueMemberN); ok {
		return n.Value
	}
	return "0"
}

func TestConflictCancelsTheTransactionAsDynamoDBDoes(t *testing.T) {
	p, via, direct, _ := setup(t, faultproxy.Rates{Conflict: 1})
	err := transact(context.Background(), via, "t1", "a", "b", "c")
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) || len(canceled.CancellationReasons) != 3 {
		t.Fatalf("error %v (%T), want a TransactionCanceledException with 3 reasons", err, err)
	}
	conflicts := 0
	for _, r := range canceled.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "TransactionConflict":
			conflicts++
		case "None":
		default:
			t.Errorf("reason %q, want None or TransactionConflict", aws.ToString(r.Code))
		}
	}
	if conflicts != 1 || !ddbretry.Conflicted(err) || ddbretry.Classify(err) != ddbretry.NotApplied {
		t.Errorf("%d conflicts; Conflicted %v, Classify %v: want 1, true, not applied",
			conflicts, ddbretry.Conflicted(err), ddbretry.Classify(err))
	}
	for _, pk := range []string{"a", "b", "c"} {
		if n := count(t, direct, pk); n != "0" {
			t.Errorf("item %s bumped %s times by a cancelled transaction", pk, n)
		}
	}
	if s := p.Stats(); s.Conflicts != 1 || s.Forwarded != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestSingleItemWriteConflicts(t *testing.T) {
	p, via, direct, _ := setup(t, faultproxy.Rates{ItemConflict: 1})
	err := put(context.Background(), via, "k")
	var e *types.TransactionConflictException
	if !errors.As(err, &e) || ddbretry.Classify(err) != ddbretry.NotApplied {
		t.Fatalf("error %v (%T), want a TransactionConflictException, not applied", err, err)
	}
	if exists(t, direct, "k") || p.Stats().ItemConflicts != 1 {
		t.Errorf("write applied or not counted: %+v", p.Stats())
	}
	if err := transact(context.Background(), via, "t2", "a"); err != nil {
		t.Errorf("a transaction met a single-item conflict: %v", err)
	}
}

func TestHotItemIsThrottled(t *testing.T) {
	ctx := context.Background()
	p, via, direct, _ := setup(t, faultproxy.Rates{Throttle: 1})
	if err := put(ctx, via, "hot"); err != nil {
		t.Fatalf("first touch of a cold item: %v", err)
	}
	err := put(ctx, via, "hot")
	var e *types.ThrottlingException
	if !errors.As(err, &e) || ddbretry.Classify(err) != ddbretry.NotApplied {
		t.Fatalf("error %v (%T), want a ThrottlingException, not applied", err, err)
	}
	if err := put(ctx, via, "cold"); err != nil {
		t.Errorf("a cold item was throttled: %v", err)
	}
	err = transact(ctx, via, "t3", "other", "hot")
	if rs := ddbretry.Reasons(err); len(rs) != 2 || aws.ToString(rs[1].Code) != "ThrottlingError" || ddbretry.Classify(err) != ddbretry.NotApplied {
		t.Errorf("transaction on the hot item: %v, want a cancellation with ThrottlingError on item 1", err)
	}
	if n := count(t, direct, "other"); n != "0" || p.Stats().Throttled != 2 {
		t.Errorf("throttled transaction applied (%s) or not counted: %+v", n, p.Stats())
	}
}

// TestLeaseWritesThroughConflictsAndAmbiguousAnswers: lease.Transact
// retries cancelled transactions with a fresh token and ambiguous ones
// with the same token; through conflicts and applied-then-500 answers,
// each write is applied exactly once.
func TestLeaseWritesThroughConflictsAndAmbiguousAnswers(t *testing.T) {
	ctx := context.Background()
	p, via, direct, table := setup(t, faultproxy.Rates{})
	l := ddbtest.Acquire(t, via, table, "s")
	if err := p.SetRates(faultproxy.Rates{Conflict: 0.3, AppliedFailed: 0.3}); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if err := l.Transact(ctx, []types.TransactWriteItem{bump("w")}); err != nil {
			t.Fatalf("write under the lease: %v", err)
		}
	}
	if n := count(t, direct, "w"); n != "20" {
		t.Errorf("20 writes applied %s times", n)
	}
	s := p.Stats()
	if s.Conflicts == 0 || s.AppliedFailed == 0 || s.TokenReplays == 0 {
		t.Errorf("faults not met: %+v", s)
	}
	_ = p.SetRates(faultproxy.Rates{})
	if err := l.Release(ctx); err != nil {
		t.Error(err)
	}
}
