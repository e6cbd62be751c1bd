package bedrock

import (
	"errors"
	"fmt"
)

// ErrBudget wraps the error of a Budget that did not admit an attempt
// (its context ended while waiting, or its store failed).
var ErrBudget = errors.New("bedrock: budget did not admit the call")

// ErrDeadline is the reason of a call that gave up because the next retry
// wait would have ended past its context's deadline.
var ErrDeadline = errors.New("bedrock: no time left to retry before the deadline")

// CallError is the error of a call that failed or gave up. errors.As finds
// the SDK's error types through it (*types.ThrottlingException,
// smithy.APIError, …) and errors.Is finds ErrBudget, ErrDeadline and the
// context's error. It is a plain value.
type CallError struct {
	Stats           // what the call spent before failing
	Err       error // the last error: of the last attempt, or of the budget
	Retryable bool  // Err was retryable: the call ran out of attempts or time
	reason    error // ErrDeadline, the context's cause, or nil
}

func (e *CallError) Error() string {
	why := ""
	if e.reason != nil {
		why = " (" + e.reason.Error() + ")"
	}
	return fmt.Sprintf("bedrock: call failed after %d attempts, %d throttled%s: %v",
		e.Attempts, e.Throttles, why, e.Err)
}

// Unwrap returns the last error and the reason the call gave up, if any.
func (e *CallError) Unwrap() []error {
	if e.reason == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.reason}
}

// errNoCount is a CountTokens answer without a count.
var errNoCount = errors.New("bedrock: CountTokens answered without inputTokens")
