package bedrock

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/sethvargo/go-retry"
)

// RetryPolicy is a retry policy of the caller's, in place of the Client's
// own: which failed attempts are tried again, how long to wait between
// them, and what the SDK does underneath. A plain value.
type RetryPolicy struct {
	// Retryable reports whether an attempt that failed with err may be
	// tried again. Required.
	Retryable func(err error) bool
	// Backoff returns the waits between the attempts of one call, whose
	// context is ctx; it is called once per call, so that a stateful
	// backoff starts afresh. The Client does not cut it at ctx's
	// deadline. Required.
	Backoff func(ctx context.Context) retry.Backoff
	// SDK sets the SDK options of each request, its retryer for one. Nil
	// leaves the SDK client's own, which then retries underneath every
	// attempt: attempts and HTTP requests multiply.
	SDK func(*bedrockruntime.Options)
}

// WithRetryPolicy replaces the Client's retry with p; WithBackoff,
// WithMaxAttempts and WithJitter then have no effect. Throttles are still
// reported to the Budget and every attempt still reserves its tokens.
func WithRetryPolicy(p RetryPolicy) Option { return func(c *config) { c.retry = &p } }
