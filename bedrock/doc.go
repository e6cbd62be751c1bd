// Package bedrock calls Claude on Amazon Bedrock within a shared token
// budget.
//
// A [Client] sends one prompt per [Client.Call]. Before every attempt it
// reserves, from a [Budget], what Bedrock itself will reserve against the
// account's tokens-per-minute quota: the input tokens plus max_tokens
// (multiplied by the model's output burndown unless told otherwise). After a
// successful attempt it settles the reservation to what Bedrock charges,
// input + output × burndown; a throttled or failed attempt cancels it.
//
// Exactly one layer retries: the Client. It switches the SDK's retryer off
// for its calls, retries throttling, unavailability and connection errors
// with capped exponential backoff and jitter (a fresh backoff per call,
// built on github.com/sethvargo/go-retry), and never sleeps past the
// context's deadline. Every throttle is reported to the Budget with the
// quota it hit, so that all the invocations sharing the budget slow down
// together.
//
// A caller that needs another policy — other retryable errors, another
// backoff, the SDK's retryer underneath — gives it with [WithRetryPolicy];
// attempts still reserve from the Budget and report their throttles.
//
// The Budget is an interface of this package: *budget.Budget (package
// lease/budget) shares the quota between invocations through DynamoDB, and
// [Unlimited] admits everything.
//
// The package never reads the environment: callers pass the SDK client, the
// model id and the options.
package bedrock
