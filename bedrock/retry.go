package bedrock

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go"
	"github.com/sethvargo/go-retry"

	"github.com/vectora/ingest-normalize/internal/awserr"
	"github.com/vectora/ingest-normalize/lease/budget"
)

// policy is how a Client retries: which errors, how long it waits, and
// which retryer the SDK runs underneath.
type policy struct {
	retryable func(error) bool
	// backoff returns a fresh backoff for one call; it sets *deadline when
	// it stops because the next wait would end past ctx's deadline.
	backoff func(ctx context.Context, deadline *bool) retry.Backoff
	sdk     func(*bedrockruntime.Options)
}

// newPolicy returns the policy cfg asks for: the Client's own retry over
// no SDK retry, or the caller's (WithRetryPolicy).
func newPolicy(cfg *config) policy {
	if p := cfg.retry; p != nil {
		sdk := p.SDK
		if sdk == nil {
			sdk = func(*bedrockruntime.Options) {}
		}
		backoff := func(ctx context.Context, _ *bool) retry.Backoff { return p.Backoff(ctx) }
		return policy{retryable: p.Retryable, backoff: backoff, sdk: sdk}
	}
	return policy{retryable: Retryable, backoff: cfg.backoff, sdk: noSDKRetry}
}

// noSDKRetry switches the SDK's retryer off for one call.
func noSDKRetry(o *bedrockruntime.Options) { o.Retryer = aws.NopRetryer{} }

// retryCodes classifies the Bedrock error codes this package knows.
var retryCodes = map[string]bool{
	"ThrottlingException":           true,
	"ServiceUnavailableException":   true,
	"ModelNotReadyException":        true,
	"InternalServerException":       true,
	"ModelTimeoutException":         true,
	"ValidationException":           false,
	"AccessDeniedException":         false,
	"ResourceNotFoundException":     false,
	"ServiceQuotaExceededException": false,
	"ModelErrorException":           false,
}

// Retryable reports whether a Bedrock call that failed with err may succeed
// if tried again: throttling, unavailable or not-ready models, internal
// errors, model timeouts, other 5xx errors and broken connections. Context
// ends, validation, access and missing-resource errors are not retryable.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		if q, ok := throttleQuota(err); ok && q == budget.Day {
			return false // waiting seconds does not help: the day must reset
		}
		if r, ok := retryCodes[api.ErrorCode()]; ok {
			return r
		}
		return awserr.Status(err) >= 500
	}
	return awserr.Connection(err)
}

// refused reports whether err is Bedrock's refusal of a call before
// admission, which charges nothing: a throttle, or a 4xx client error
// (validation, access, missing model, quota) other than a request timeout
// (408) or a model error (424), which may come after the model ran. A
// failure to connect is refused too: the request never left.
func refused(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		if api.ErrorCode() == "ThrottlingException" {
			return true
		}
		st := awserr.Status(err)
		return st >= 400 && st < 500 && st != 408 && st != 424 && api.ErrorCode() != "ModelErrorException"
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// throttleQuota reports whether err is a ThrottlingException and which
// quota it names: "Too many requests…" is budget.Requests, "Too many tokens
// per day" budget.Day, anything else ("Too many tokens…") budget.Tokens.
func throttleQuota(err error) (budget.Quota, bool) {
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ThrottlingException" {
		return 0, false
	}
	switch msg := strings.ToLower(api.ErrorMessage()); {
	case strings.Contains(msg, "too many requests"):
		return budget.Requests, true
	case strings.Contains(msg, "per day"):
		return budget.Day, true
	}
	return budget.Tokens, true
}

// backoff is the Client's own backoff: exponential from base, capped,
// jittered, at most attempts-1 waits, none ending past ctx's deadline.
func (c *config) backoff(ctx context.Context, deadline *bool) retry.Backoff {
	b := retry.WithCappedDuration(c.cap, retry.NewExponential(c.base))
	b = withJitter(c.jitter, b)
	b = retry.WithMaxRetries(uint64(c.attempts-1), b)
	return withDeadline(ctx, deadline, b)
}

// withJitter applies full or equal jitter to next.
func withJitter(j Jitter, next retry.Backoff) retry.Backoff {
	if j == FullJitter {
		return retry.WithFullJitter(next)
	}
	return retry.BackoffFunc(func() (time.Duration, bool) {
		d, stop := next.Next()
		if stop || d < 2 {
			return d, stop
		}
		half := d / 2
		return half + rand.N(d-half), false
	})
}

// withDeadline stops next, and sets *hit, when its wait would not end
// before ctx's deadline: the call then gives up with its last error rather
// than sleep into a cancelled context.
func withDeadline(ctx context.Context, hit *bool, next retry.Backoff) retry.Backoff {
	dl, ok := ctx.Deadline()
	if !ok {
		return next
	}
	return retry.BackoffFunc(func() (time.Duration, bool) {
		d, stop := next.Next()
		if !stop && time.Until(dl) <= d {
			*hit, stop = true, true
		}
		return d, stop
	})
}
