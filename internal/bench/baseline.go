package bench

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go"
	"github.com/sethvargo/go-retry"

	"github.com/vectora/ingest-normalize/bedrock"
)

// seedRetry is the original Python system's retry: attempts in all,
// waiting base·2ⁿ plus a random time in [0, jitter), on ThrottlingException
// only. As a bedrock.RetryPolicy it leaves the SDK client's retryer as
// configured (the standard one: 3 HTTP requests per attempt, so that a
// call throttled throughout sends 4 × 3 = 12), and it ignores the call's
// deadline. It runs without a budget (bedrock.Unlimited).
type seedRetry struct {
	attempts     int
	base, jitter time.Duration
}

// seedDefault is the original: 4 attempts, waits of 0.5, 1 and 2 s plus up
// to 0.1 s.
var seedDefault = seedRetry{attempts: 4, base: 500 * time.Millisecond, jitter: 100 * time.Millisecond}

// scaled multiplies the waits by f: against an emulator whose clock runs s
// times faster than the wall clock, f = 1/s makes the retry wait what it
// would on the emulated clock. A factor that is not positive is ignored.
func (s seedRetry) scaled(f float64) seedRetry {
	if f > 0 {
		s.base = time.Duration(float64(s.base) * f)
		s.jitter = time.Duration(float64(s.jitter) * f)
	}
	return s
}

func (s seedRetry) policy() bedrock.RetryPolicy {
	return bedrock.RetryPolicy{Retryable: throttled, Backoff: s.backoff}
}

func (s seedRetry) backoff(context.Context) retry.Backoff {
	n := 0
	b := retry.BackoffFunc(func() (time.Duration, bool) {
		d := s.base<<n + rand.N(s.jitter+1)
		n++
		return d, false
	})
	return retry.WithMaxRetries(uint64(s.attempts-1), b)
}

// throttled reports whether err is a ThrottlingException.
func throttled(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ThrottlingException"
}

// adaptivePolicy makes one attempt per call and leaves the retrying to the
// SDK's adaptive retry mode, one per policy (give each Client its own: it
// rate-limits that Client alone, and counts requests, not tokens).
func adaptivePolicy(opts ...func(*awsretry.AdaptiveModeOptions)) bedrock.RetryPolicy {
	adaptive := awsretry.NewAdaptiveMode(opts...)
	return bedrock.RetryPolicy{
		Retryable: func(error) bool { return false },
		Backoff: func(context.Context) retry.Backoff {
			return retry.WithMaxRetries(0, retry.NewConstant(time.Second))
		},
		SDK: func(o *bedrockruntime.Options) { o.Retryer = adaptive },
	}
}
