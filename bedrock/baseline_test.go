package bedrock

import (
	"errors"
	"testing"
	"time"

	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// quickSDKRetry keeps the SDK's standard retryer (3 attempts) but shortens
// its backoff so the test is fast.
func quickSDKRetry(o *bedrockruntime.Options) {
	o.Retryer = awsretry.NewStandard(func(so *awsretry.StandardOptions) { so.MaxBackoff = time.Millisecond })
}

// quickSeed shortens the seed's 0.5·2ⁿ s waits to milliseconds.
func quickSeed(c *config) { c.seed.base, c.seed.jitter = time.Millisecond, time.Millisecond }

// TestSeedMultiplies shows the seed baseline's attempts multiplied by the
// SDK's: a call throttled throughout sends 4 × 3 = 12 requests.
func TestSeedMultiplies(t *testing.T) {
	s := newServer(t, throttle(tpmMessage))
	c, err := New(s.sdk(quickSDKRetry), testModel, Unlimited, WithSeedRetry(), quickSeed)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Call(t.Context(), prompt)
	var ce *CallError
	var te *types.ThrottlingException
	if !errors.As(err, &ce) || !errors.As(err, &te) {
		t.Fatalf("err = %v", err)
	}
	if s.count() != 12 || ce.Attempts != 4 || ce.Requests != 12 {
		t.Errorf("%d requests, %d attempts; want 12 and 4", s.count(), ce.Attempts)
	}
}

// TestSeedOnlyThrottles leaves a 503 to the SDK: one attempt, 3 requests.
func TestSeedOnlyThrottles(t *testing.T) {
	s := newServer(t, apiError(503, "ServiceUnavailableException", "down"))
	c, err := New(s.sdk(quickSDKRetry), testModel, Unlimited, WithSeedRetry(), quickSeed)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Call(t.Context(), prompt)
	var ce *CallError
	if !errors.As(err, &ce) || ce.Attempts != 1 || s.count() != 3 {
		t.Errorf("err = %v, %d requests; want 1 attempt, 3 requests", err, s.count())
	}
}

// TestAdaptive makes one attempt and lets the SDK's adaptive retryer send
// its 3 requests. (Outages, not throttles: after a throttle the adaptive
// rate limiter holds the next request for about 2 s, at 0.5 requests/s.)
func TestAdaptive(t *testing.T) {
	down := apiError(503, "ServiceUnavailableException", "down")
	s := newServer(t, down, down, anthropicOK("ok", 5, 5, false))
	c, err := New(s.sdk(), testModel, Unlimited, WithAdaptiveRetry(), func(c *config) {
		c.adaptive = append(c.adaptive, func(o *awsretry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, func(so *awsretry.StandardOptions) { so.MaxBackoff = time.Millisecond })
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Call(t.Context(), prompt)
	if err != nil || res.Attempts != 1 || res.Requests != 3 || s.count() != 3 {
		t.Errorf("res %+v, err %v; want 1 attempt, 3 requests", res, err)
	}
}

// TestSeedWaitsScale: WithSeedWaits shortens the seed's waits by its
// factor (a benchmark's time scale) and ignores a factor that is not
// positive.
func TestSeedWaitsScale(t *testing.T) {
	c := defaults()
	WithSeedWaits(1.0 / 20)(&c)
	if c.seed.base != 25*time.Millisecond || c.seed.jitter != 5*time.Millisecond {
		t.Fatalf("seed waits %v + %v, want 25ms + 5ms", c.seed.base, c.seed.jitter)
	}
	WithSeedWaits(0)(&c)
	if c.seed.base != 25*time.Millisecond {
		t.Fatalf("a zero factor changed the waits to %v", c.seed.base)
	}
}
