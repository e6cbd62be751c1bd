// Package ddbretry tells, for a DynamoDB request that failed, whether it
// may have been applied and whether trying again can help, and paces the
// tries. The coordination code retries its writes itself, with the SDK's
// retryer switched off (NoSDKRetry), because only the caller knows what a
// retry means: a conditional write whose first attempt was applied but
// answered with an error is refused when tried again, and a caller that
// does not know it made that attempt takes the refusal for a lost race.
//
// Its functions are pure and safe for concurrent use.
package ddbretry

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/sethvargo/go-retry"
	"github.com/vectora/ingest-normalize/internal/awserr"
)

// Outcome is what a failed request did to the table.
type Outcome int

const (
	// Refused: DynamoDB answered and applied nothing, and the same request
	// would be refused again (a condition failed, the request is invalid,
	// the table is missing, access is denied).
	Refused Outcome = iota
	// NotApplied: DynamoDB answered and applied nothing, and a later try
	// may succeed (a transaction cancelled by a conflict, throttling, a
	// transaction with the same token still in progress).
	NotApplied
	// Unknown: the request may have been applied (a 5xx answer, a
	// connection broken after the request was sent, a timeout).
	Unknown
)

func (o Outcome) String() string {
	switch o {
	case Refused:
		return "refused"
	case NotApplied:
		return "not applied"
	}
	return "unknown"
}

// Retryable reports whether a later try may succeed.
func (o Outcome) Retryable() bool { return o != Refused }

// notApplied are the error codes of answers that applied nothing and may
// succeed later.
var notApplied = map[string]bool{
	"TransactionConflictException":           true,
	"TransactionInProgressException":         true,
	"ThrottlingException":                    true,
	"ProvisionedThroughputExceededException": true,
	"RequestLimitExceeded":                   true,
	"LimitExceededException":                 true,
}

// Classify tells what the request that returned err did. A nil err is not
// a failure; Classify(nil) is Refused, which callers never ask for.
func Classify(err error) Outcome {
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		return classifyCanceled(canceled.CancellationReasons)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch {
		case notApplied[api.ErrorCode()]:
			return NotApplied
		case awserr.Status(err) >= 500 || api.ErrorCode() == "InternalServerError" || api.ErrorCode() == "ServiceUnavailable":
			return Unknown
		}
		return Refused
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || awserr.Connection(err) {
		return Unknown
	}
	return Unknown // an error before any answer: the request may have been sent
}

// classifyCanceled: a transaction cancelled for a condition is refused;
// one cancelled for conflicts or throttling only is not applied.
func classifyCanceled(reasons []types.CancellationReason) Outcome {
	out := NotApplied
	for _, r := range reasons {
		switch aws.ToString(r.Code) {
		case "", "None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
		default:
			out = Refused
		}
	}
	return out
}

// Conflicted reports whether a cancelled transaction names a conflict.
func Conflicted(err error) bool {
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		return false
	}
	for _, r := range canceled.CancellationReasons {
		if aws.ToString(r.Code) == "TransactionConflict" {
			return true
		}
	}
	return false
}

// Reasons returns the cancellation reasons of a cancelled transaction, one
// per item, or nil.
func Reasons(err error) []types.CancellationReason {
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		return canceled.CancellationReasons
	}
	return nil
}

// ConditionFailed reports whether err is a failed condition: of a
// single-item write, or of item i of a cancelled transaction (i < 0: any
// item).
func ConditionFailed(err error, i int) bool {
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return true
	}
	for k, r := range Reasons(err) {
		if (i < 0 || k == i) && aws.ToString(r.Code) == "ConditionalCheckFailed" {
			return true
		}
	}
	return false
}

// NoSDKRetry is a per-request option that switches the SDK's retryer off:
// the caller retries, knowing which attempts it made.
func NoSDKRetry(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} }

// Backoff returns a fresh backoff for one write's tries: exponential from
// 25 ms to 1 s, full jitter, unbounded in count (the caller's context
// bounds it). Build one per write: backoffs keep state.
func Backoff() retry.Backoff {
	return retry.WithFullJitter(retry.WithCappedDuration(time.Second, retry.NewExponential(25*time.Millisecond)))
}
