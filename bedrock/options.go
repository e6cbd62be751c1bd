package bedrock

import (
	"fmt"
	"time"
)

// Option configures a Client. Options are checked by New.
type Option func(*config)

// Operation is the Bedrock runtime operation a Client calls.
type Operation int

// The operations a Client can call.
const (
	// InvokeModel sends the Anthropic messages body (the default).
	InvokeModel Operation = iota
	// Converse sends a Converse request.
	Converse
)

// Jitter is how a Client randomises its exponential backoff.
type Jitter int

// The jitters of the retry backoff.
const (
	// FullJitter waits a random time in [0, d) (the default).
	FullJitter Jitter = iota
	// EqualJitter waits d/2 plus a random time in [0, d/2).
	EqualJitter
)

// Defaults of a Client's options.
const (
	DefaultMaxTokens   = 512
	DefaultBackoffBase = 250 * time.Millisecond
	DefaultBackoffCap  = 8 * time.Second
	DefaultMaxAttempts = 8
)

// config holds the options of a Client after New has checked them.
type config struct {
	maxTokens     int
	temperature   float64
	burndown      float64 // 0 until resolved; the option sets it > 0
	burndownSet   bool
	reserveFactor float64
	op            Operation
	countTokens   bool
	base, cap     time.Duration
	attempts      int
	jitter        Jitter
	retry         *RetryPolicy // nil: the Client's own
	cacheConfig                // caching.go
}

func defaults() config {
	return config{
		maxTokens:     DefaultMaxTokens,
		reserveFactor: 1,
		base:          DefaultBackoffBase,
		cap:           DefaultBackoffCap,
		attempts:      DefaultMaxAttempts,
	}
}

// WithMaxTokens sets max_tokens, the longest answer (default 512). Bedrock
// reserves it against the tokens-per-minute quota, so keep it tight.
func WithMaxTokens(n int) Option { return func(c *config) { c.maxTokens = n } }

// WithTemperature sets the sampling temperature, 0 to 1 (default 0).
func WithTemperature(t float64) Option { return func(c *config) { c.temperature = t } }

// WithBurndown sets the factor by which output tokens count against the
// quota. Without it the factor comes from the model id (package
// bedrock/model), and New fails for a model it does not know.
func WithBurndown(f float64) Option {
	return func(c *config) { c.burndown, c.burndownSet = f, true }
}

// WithReserveFactor sets the factor on the max_tokens part of a
// reservation (default 1). Bedrock reserves input + max_tokens at the start
// of a call and applies the burndown only at settlement; a model that
// reserved more would set it here.
func WithReserveFactor(f float64) Option { return func(c *config) { c.reserveFactor = f } }

// WithOperation chooses InvokeModel (default) or Converse.
func WithOperation(op Operation) Option { return func(c *config) { c.op = op } }

// WithCountTokens sets whether the Client asks Bedrock's CountTokens API for
// the input tokens of each call instead of estimating them (default off).
// When the API fails, the estimate is used; when it refuses the model, the
// Client stops asking.
func WithCountTokens(on bool) Option { return func(c *config) { c.countTokens = on } }

// WithBackoff sets the first retry wait and the longest one (default 250 ms
// and 8 s). Waits double from base up to cap before jitter is applied.
func WithBackoff(base, cap time.Duration) Option {
	return func(c *config) { c.base, c.cap = base, cap }
}

// WithMaxAttempts sets the most attempts of one call, the first included
// (default 8). The context's deadline may stop a call sooner.
func WithMaxAttempts(n int) Option { return func(c *config) { c.attempts = n } }

// WithJitter chooses FullJitter (default) or EqualJitter.
func WithJitter(j Jitter) Option { return func(c *config) { c.jitter = j } }

// check reports the first invalid option.
func (c *config) check() error {
	switch {
	case c.maxTokens < 1:
		return fmt.Errorf("bedrock: WithMaxTokens(%d): want at least 1", c.maxTokens)
	case c.temperature < 0 || c.temperature > 1:
		return fmt.Errorf("bedrock: WithTemperature(%g): want 0 to 1", c.temperature)
	case c.burndownSet && !(c.burndown > 0):
		return fmt.Errorf("bedrock: WithBurndown(%g): want more than 0", c.burndown)
	case !(c.reserveFactor >= 1) || c.reserveFactor > 100:
		return fmt.Errorf("bedrock: WithReserveFactor(%g): want 1 to 100", c.reserveFactor)
	case c.op != InvokeModel && c.op != Converse:
		return fmt.Errorf("bedrock: WithOperation(%d): unknown operation", c.op)
	case c.base <= 0 || c.cap < c.base:
		return fmt.Errorf("bedrock: WithBackoff(%v, %v): want 0 < base <= cap", c.base, c.cap)
	case c.attempts < 1:
		return fmt.Errorf("bedrock: WithMaxAttempts(%d): want at least 1", c.attempts)
	case c.jitter != FullJitter && c.jitter != EqualJitter:
		return fmt.Errorf("bedrock: WithJitter(%d): unknown jitter", c.jitter)
	case c.retry != nil && (c.retry.Retryable == nil || c.retry.Backoff == nil):
		return fmt.Errorf("bedrock: WithRetryPolicy: give Retryable and Backoff")
	}
	return nil
}
