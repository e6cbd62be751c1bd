package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/smithy-go"
	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/ingest"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// The errorType of a failed invocation: one stable name per class of
// failure, documented in the README, in place of aws-lambda-go's default
// (the Go type name of the error: joinError, wrapError, …).
const (
	// ErrorInvalidEvent: a field of the event is wrong; the message names
	// each one, the reason and the fix. Nothing was written.
	ErrorInvalidEvent = "InvalidEvent"
	// ErrorInvalidConfiguration: the config bucket's catalog, client file
	// or canonical lists are missing or invalid, or the budget row cannot
	// be seeded.
	ErrorInvalidConfiguration = "InvalidConfiguration"
	// ErrorLeaseUnavailable: every slot of the environment's lease is held.
	ErrorLeaseUnavailable = "LeaseUnavailable"
	// ErrorLeaseLost: the lease ended under the invocation (renewal
	// refused, or a newer holder wrote the same output).
	ErrorLeaseLost = "LeaseLost"
	// ErrorQuotaExhausted: the Bedrock quota (or the shared budget) cannot
	// admit the calls.
	ErrorQuotaExhausted = "QuotaExhausted"
	// ErrorTimeout: the invocation's deadline came first.
	ErrorTimeout = "Timeout"
	// ErrorInternal: anything else (DynamoDB, S3 or Bedrock failures).
	ErrorInternal = "Internal"
)

// ErrorType returns the stable errorType of err. An error in the chain
// with an ErrorType() string method names its own class.
func ErrorType(err error) string {
	var typed interface{ ErrorType() string }
	var held *lease.HeldError
	var api smithy.APIError
	var leaseCfg *lease.ConfigError
	var budgetCfg *budget.ConfigError
	var pipeCfg *pipeline.ConfigError
	switch {
	case errors.As(err, &typed):
		return typed.ErrorType()
	case errors.Is(err, item.ErrInvalidEvent):
		return ErrorInvalidEvent
	case errors.Is(err, ingest.ErrConfig), errors.Is(err, ingest.ErrNoClient), errors.Is(err, normalize.ErrInvalidCanonical),
		errors.Is(err, budget.ErrNoBudget), errors.As(err, &leaseCfg), errors.As(err, &budgetCfg), errors.As(err, &pipeCfg):
		return ErrorInvalidConfiguration
	case errors.As(err, &held):
		return ErrorLeaseUnavailable
	case errors.Is(err, lease.ErrNotHeld), errors.Is(err, pipeline.ErrStale):
		return ErrorLeaseLost
	case errors.Is(err, budget.ErrTooLarge), errors.Is(err, bedrock.ErrBudget),
		errors.As(err, &api) && (api.ErrorCode() == "ServiceQuotaExceededException" || api.ErrorCode() == "ThrottlingException"):
		return ErrorQuotaExhausted
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.Is(err, bedrock.ErrDeadline):
		return ErrorTimeout
	}
	return ErrorInternal
}

// invokeError is err as the Lambda runtime reports it: its message and
// its stable ErrorType. aws-lambda-go passes a messages.InvokeResponse_Error
// value through as it is.
func invokeError(err error) error {
	if err == nil {
		return nil
	}
	return messages.InvokeResponse_Error{Message: err.Error(), Type: ErrorType(err)}
}
