package bedrock

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/middleware"
	"github.com/sethvargo/go-retry"

	"github.com/vectora/ingest-normalize/lease/budget"
)

// Prompt is one request to the model, a plain value.
type Prompt struct {
	System string // instructions; may be empty
	User   string // the single user turn
}

// Result is the answer of a successful call and what it cost, a plain
// value.
type Result struct {
	Text       string // the text blocks of the answer, joined
	StopReason string // as Bedrock reports it: "end_turn", "max_tokens", …
	Usage      Usage
	Stats
}

// Stats is what a call spent in attempts and time, a plain value.
type Stats struct {
	Attempts    int           // attempts made by the Client (not the SDK's own retries)
	Requests    int           // HTTP requests the SDK sent for them, its own retries included
	Throttles   int           // attempts that ended in ThrottlingException
	BudgetWait  time.Duration // time blocked in Budget.Reserve
	BedrockTime time.Duration // time inside Bedrock API calls, CountTokens included
	Latency     time.Duration // the whole call
}

// call is the state of one Client.Call.
type call struct {
	*Client
	prompt   Prompt
	body     []byte // InvokeModel body, built once
	input    int64  // input tokens, counted or estimated
	res      Result
	requests atomic.Int64
	last     error // of the last attempt or reservation
	deadline bool  // the backoff stopped at the deadline
}

// Call sends p to the model, retrying as configured, and returns the
// answer. Every attempt first reserves its tokens from the Client's
// Budget. On failure the error is a *CallError.
func (c *Client) Call(ctx context.Context, p Prompt) (*Result, error) {
	start := time.Now()
	k := &call{Client: c, prompt: p}
	if c.cfg.op == InvokeModel {
		k.body = c.invokeBody(p)
	}
	k.input = k.countInput(ctx)
	err := retry.Do(ctx, c.policy.backoff(ctx, &k.deadline), k.attempt)
	k.res.Latency = time.Since(start)
	k.res.Requests = int(k.requests.Load())
	if err != nil {
		return nil, k.fail(ctx, err)
	}
	return &k.res, nil
}

// attempt reserves, calls Bedrock once, and settles or cancels.
func (k *call) attempt(ctx context.Context) error {
	r, err := k.reserve(ctx)
	if err != nil {
		k.last = err
		return err
	}
	k.res.Attempts++
	before := k.requests.Load()
	rep, err := k.send(ctx)
	if err != nil {
		k.release(r, err, k.requests.Load() > before)
		return k.failed(ctx, err)
	}
	k.settle(r, rep)
	return nil
}

// reserve asks the budget for what Bedrock reserves at the start of a call:
// the whole input (uncached, cache reads and cache writes: the estimate or
// count covers the whole prompt) + max_tokens × the reserve factor (1
// unless WithReserveFactor). The burndown applies only at settlement.
func (k *call) reserve(ctx context.Context) (*budget.Reservation, error) {
	tokens := k.input + scale(int64(k.cfg.maxTokens), k.cfg.reserveFactor)
	start := time.Now()
	r, err := k.budget.Reserve(ctx, tokens)
	k.res.BudgetWait += time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBudget, err)
	}
	k.res.Usage.ReservedTokens = tokens
	return r, nil
}

// release ends the reservation of an attempt that failed. Nothing is
// refunded that Bedrock may have charged: the reservation is cancelled only
// when Bedrock cannot have admitted the call (no request was sent, or
// Bedrock refused it before admission: a throttle, a validation or access
// error); otherwise (deadline, lost lease, 5xx, a connection broken after
// sending) it is settled at the reservation, what Bedrock holds for a call
// it does not report.
func (k *call) release(r *budget.Reservation, err error, sent bool) {
	if !sent || refused(err) {
		r.Cancel()
		return
	}
	k.res.Usage.SettledTokens = r.Tokens()
	r.Settle(r.Tokens())
}

// failed records a failed attempt, reports a throttle to the budget and
// marks err retryable if the policy says so.
func (k *call) failed(ctx context.Context, err error) error {
	k.last = err
	if q, ok := throttleQuota(err); ok {
		k.res.Throttles++
		k.budget.Throttled(ctx, q)
	}
	if k.policy.retryable(err) {
		return retry.RetryableError(err)
	}
	return err
}

// settle records the answer and settles the reservation to what Bedrock
// charges (Charged), or to what was reserved when Bedrock reported no
// usage. The operation (invoke, converse) fills the cache counts of
// k.res.Usage when Bedrock reports them.
func (k *call) settle(r *budget.Reservation, rep reply) {
	k.res.Text, k.res.StopReason = rep.text, rep.stop
	u := &k.res.Usage
	u.SettledTokens = u.ReservedTokens
	if rep.usage {
		u.InputTokens, u.OutputTokens = rep.input, rep.output
		u.SettledTokens = Charged(*u, k.cfg.burndown)
	}
	r.Settle(u.SettledTokens)
}

// Charged returns what Bedrock counts against the tokens-per-minute quota
// for a call that used u, once settled: uncached input + cache writes +
// output × burndown, rounded up. Cache reads are reserved at the start of a
// call and released at settlement.
func Charged(u Usage, burndown float64) int64 {
	return u.InputTokens + u.CacheWriteInputTokens + scale(u.OutputTokens, burndown)
}

// fail builds the *CallError for err, what retry.Do returned.
func (k *call) fail(ctx context.Context, err error) *CallError {
	last := k.last
	if last == nil {
		last = err
	}
	e := &CallError{Stats: k.res.Stats, Err: last}
	e.Retryable = k.policy.retryable(last) && !errors.Is(last, ErrBudget)
	if k.deadline {
		e.reason = ErrDeadline
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(last, cause) {
		e.reason = cause
	}
	return e
}

// sdkOptions are the per-request SDK options of the model call: the
// policy's retryer and a request counter.
func (k *call) sdkOptions() []func(*bedrockruntime.Options) {
	return []func(*bedrockruntime.Options){k.policy.sdk, k.countRequests}
}

// countRequests adds a middleware that counts HTTP requests, the SDK's own
// retries included.
func (k *call) countRequests(o *bedrockruntime.Options) {
	mw := middleware.DeserializeMiddlewareFunc("bedrock.CountRequests",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			k.requests.Add(1)
			return next.HandleDeserialize(ctx, in)
		})
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Deserialize.Add(mw, middleware.After)
	})
}

// scale returns n × f rounded up.
func scale(n int64, f float64) int64 {
	return int64(math.Ceil(float64(n) * f))
}
