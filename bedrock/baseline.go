package bedrock

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/sethvargo/go-retry"
)

// baseline selects a benchmark baseline instead of the Client's own retry.
type baseline int

const (
	baselineNone baseline = iota
	baselineSeed
	baselineAdaptive
)

// WithSeedRetry makes the Client behave like the original Python system,
// as a benchmark baseline: it retries only ThrottlingException, 4 attempts
// in all, waiting 0.5·2ⁿ s plus up to 0.1 s of jitter (0.5, 1, 2 s), on top
// of the SDK client's own retryer, which it leaves as configured (by
// default the standard retryer: 3 HTTP requests per attempt, so a call that
// is throttled throughout sends 4 × 3 = 12 requests). It ignores
// WithBackoff, WithMaxAttempts and the context's deadline, and needs the
// Unlimited budget.
func WithSeedRetry() Option { return func(c *config) { c.baseline = baselineSeed } }

// WithSeedWaits multiplies the waits of WithSeedRetry by f: a benchmark
// against an emulator whose clock runs s times faster than the wall clock
// passes 1/s, so that the original retry waits what it would have waited
// on the emulated clock. A factor that is not positive is ignored.
func WithSeedWaits(f float64) Option {
	return func(c *config) {
		if f > 0 {
			c.seed.base = time.Duration(float64(c.seed.base) * f)
			c.seed.jitter = time.Duration(float64(c.seed.jitter) * f)
		}
	}
}

// WithAdaptiveRetry makes the Client a benchmark baseline that leaves
// retrying to the SDK's adaptive retry mode (one awsretry.AdaptiveMode per
// Client, which rate-limits that Client alone and counts requests, not
// tokens). The Client makes one attempt per call and needs the Unlimited
// budget.
func WithAdaptiveRetry() Option { return func(c *config) { c.baseline = baselineAdaptive } }

// checkBaseline refuses a baseline combined with a real budget.
func (c *config) checkBaseline(b Budget) error {
	if c.baseline != baselineNone && b != Unlimited {
		return errors.New("bedrock: WithSeedRetry and WithAdaptiveRetry run without a budget: pass bedrock.Unlimited")
	}
	return nil
}

// seedPolicy is the original system's retry: attempts in all, waiting
// base·2ⁿ plus a random time in [0, jitter).
type seedPolicy struct {
	attempts     int
	base, jitter time.Duration
}

var defaultSeed = seedPolicy{attempts: 4, base: 500 * time.Millisecond, jitter: 100 * time.Millisecond}

func (s seedPolicy) policy() policy {
	return policy{
		retryable: func(err error) bool { _, ok := throttleQuota(err); return ok },
		backoff:   s.backoff,
		sdk:       func(*bedrockruntime.Options) {},
	}
}

func (s seedPolicy) backoff(context.Context, *bool) retry.Backoff {
	n := 0
	b := retry.BackoffFunc(func() (time.Duration, bool) {
		d := s.base<<n + rand.N(s.jitter+1)
		n++
		return d, false
	})
	return retry.WithMaxRetries(uint64(s.attempts-1), b)
}

// adaptivePolicy makes one attempt per call and lets a shared SDK adaptive
// retryer do the retrying.
func adaptivePolicy(opts []func(*awsretry.AdaptiveModeOptions)) policy {
	adaptive := awsretry.NewAdaptiveMode(opts...)
	return policy{
		retryable: func(error) bool { return false },
		backoff: func(context.Context, *bool) retry.Backoff {
			return retry.WithMaxRetries(0, retry.NewConstant(time.Second))
		},
		sdk: func(o *bedrockruntime.Options) { o.Retryer = adaptive },
	}
}
