package faultproxy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbretry"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
)

// TestRetryWithTheTokenReturnsTheFirstOutcome: a transaction applied and
// answered 500, retried with its token, succeeds without applying again.
func TestRetryWithTheTokenReturnsTheFirstOutcome(t *testing.T) {
	ctx := context.Background()
	p, via, direct, _ := setup(t, faultproxy.Rates{AppliedFailed: 1})
	if err := transact(ctx, via, "tok", "a"); ddbretry.Classify(err) != ddbretry.Unknown {
		t.Fatalf("first attempt: %v, want an error of unknown outcome", err)
	}
	if err := p.SetRates(faultproxy.Rates{}); err != nil {
		t.Fatal(err)
	}
	if err := transact(ctx, via, "tok", "a"); err != nil {
		t.Fatalf("retry with the same token: %v, want the first outcome (success)", err)
	}
	if n := count(t, direct, "a"); n != "1" {
		t.Errorf("applied %s times, want once", n)
	}
	err := transact(ctx, via, "tok", "b")
	var mismatch *types.IdempotentParameterMismatchException
	if !errors.As(err, &mismatch) {
		t.Errorf("same token, other items: %v (%T), want IdempotentParameterMismatchException", err, err)
	}
	if s := p.Stats(); s.TokenReplays != 1 || s.TokenMismatches != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestCancelledTransactionRunsAgainWithItsToken: a cancelled transaction
// applied nothing; DynamoDB runs a retry with its token as a new request.
func TestCancelledTransactionRunsAgainWithItsToken(t *testing.T) {
	ctx := context.Background()
	p, via, direct, _ := setup(t, faultproxy.Rates{Conflict: 1})
	if err := transact(ctx, via, "tok", "a"); !ddbretry.Conflicted(err) {
		t.Fatalf("first attempt: %v, want a conflict", err)
	}
	if err := p.SetRates(faultproxy.Rates{}); err != nil {
		t.Fatal(err)
	}
	if err := transact(ctx, via, "tok", "a"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, direct, "a"); n != "1" || p.Stats().TokenReplays != 0 {
		t.Errorf("applied %s times, %+v", n, p.Stats())
	}
}

// TestRetryWhileTheFirstIsHeld: a retry while the first request with the
// token is still held gets TransactionInProgressException.
func TestRetryWhileTheFirstIsHeld(t *testing.T) {
	p, via, direct, _ := setup(t, faultproxy.Rates{Hold: 1, HoldFor: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_ = transact(ctx, via, "tok", "a")
	if err := p.SetRates(faultproxy.Rates{}); err != nil {
		t.Fatal(err)
	}
	err := transact(context.Background(), via, "tok", "a")
	var inProgress *types.TransactionInProgressException
	if !errors.As(err, &inProgress) || ddbretry.Classify(err) != ddbretry.NotApplied {
		t.Fatalf("retry during the hold: %v (%T), want TransactionInProgressException", err, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for transact(context.Background(), via, "tok", "a") != nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := count(t, direct, "a"); n != "1" || p.Stats().TokenInProgress == 0 {
		t.Errorf("applied %s times, want once; %+v", n, p.Stats())
	}
}

// TestWithoutTokensAppliesRetriesAgain: the local servers' behaviour.
func TestWithoutTokensAppliesRetriesAgain(t *testing.T) {
	ctx := context.Background()
	p, via, direct, _ := setup(t, faultproxy.Rates{}, faultproxy.WithoutTokens())
	for range 2 {
		if err := transact(ctx, via, "tok", "a"); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, direct, "a"); n != "2" || p.Stats().TokenReplays != 0 {
		t.Errorf("applied %s times, want twice without tokens", n)
	}
}
