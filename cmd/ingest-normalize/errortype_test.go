package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/vectora/ingest-normalize/ingest"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize/item"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

type pausedError struct{}

func (pausedError) Error() string     { return "paused" }
func (pausedError) ErrorType() string { return "Paused" }

// TestErrorType gives each class of failure its documented errorType,
// however the error was wrapped or joined, instead of a Go type name.
func TestErrorType(t *testing.T) {
	_, invalid := item.DecodeEvent([]byte(`{"client_id":1,"period_days":"x"}`), time.Now())
	for err, want := range map[error]string{
		invalid: ErrorInvalidEvent,
		fmt.Errorf("ingest: %w: s3://data/canonical/sources/source_catalog.yaml is missing", ingest.ErrConfig): ErrorInvalidConfiguration,
		fmt.Errorf("x: %w", ingest.ErrNoClient):                                                   ErrorInvalidConfiguration,
		&pipeline.ConfigError{Field: "table", Reason: "empty"}:                                    ErrorInvalidConfiguration,
		fmt.Errorf("normalize: acquire: %w", &lease.HeldError{Scope: "s", Max: 1}):                ErrorLeaseUnavailable,
		errors.Join(errors.New("records"), &lease.LostError{Scope: "s", Reason: "refused"}):       ErrorLeaseLost,
		fmt.Errorf("sink: %w", pipeline.ErrStale):                                                 ErrorLeaseLost,
		fmt.Errorf("reserve: %w", budget.ErrTooLarge):                                             ErrorQuotaExhausted,
		&smithy.GenericAPIError{Code: "ServiceQuotaExceededException", Message: "tokens per day"}: ErrorQuotaExhausted,
		fmt.Errorf("normalize: acquire lease: %w", context.DeadlineExceeded):                      ErrorTimeout,
		fmt.Errorf("wrapped: %w", pausedError{}):                                                  "Paused",
		errors.New("DynamoDB: InternalServerError"):                                               ErrorInternal,
	} {
		if got := ErrorType(err); got != want {
			t.Errorf("ErrorType(%v) = %s, want %s", err, got, want)
		}
	}
}
