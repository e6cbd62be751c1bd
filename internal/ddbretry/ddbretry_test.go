package ddbretry

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

func reasons(codes ...string) error {
	rs := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		rs[i] = types.CancellationReason{Code: aws.String(c)}
	}
	return &types.TransactionCanceledException{CancellationReasons: rs}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want Outcome
	}{
		{"condition", &types.ConditionalCheckFailedException{}, Refused},
		{"validation", &smithy.GenericAPIError{Code: "ValidationException"}, Refused},
		{"conflict", reasons("None", "TransactionConflict"), NotApplied},
		{"cancelled for a condition", reasons("ConditionalCheckFailed", "None"), Refused},
		{"condition and conflict", reasons("ConditionalCheckFailed", "TransactionConflict"), Refused},
		{"throttled", &types.ProvisionedThroughputExceededException{}, NotApplied},
		{"in progress", &types.TransactionInProgressException{}, NotApplied},
		{"single-item conflict", &smithy.GenericAPIError{Code: "TransactionConflictException"}, NotApplied},
		{"internal", &smithy.GenericAPIError{Code: "InternalServerError"}, Unknown},
		{"timeout", context.DeadlineExceeded, Unknown},
		{"broken connection", errors.New("read: connection reset by peer"), Unknown},
	} {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%s: Classify = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestConditionFailed(t *testing.T) {
	err := reasons("None", "ConditionalCheckFailed")
	if ConditionFailed(err, 0) || !ConditionFailed(err, 1) || !ConditionFailed(err, -1) {
		t.Fatal("ConditionFailed must name the item whose condition failed")
	}
	if !Conflicted(reasons("TransactionConflict")) || Conflicted(err) {
		t.Fatal("Conflicted must tell a conflict from a failed condition")
	}
}
