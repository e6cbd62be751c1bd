// Package faultproxy is an http.Handler that stands in front of a DynamoDB
// endpoint (an upstream URL or an in-process handler such as
// localaws.DynamoDBHandler) and injects the faults coordination code must
// survive, at seeded, deterministic rates:
//
//   - 500 InternalServerError and 400 ProvisionedThroughputExceededException
//     answered without forwarding (the SDK's retryer retries both);
//   - connection resets (the connection is hijacked and closed with RST);
//   - latency spikes before forwarding;
//   - writes applied upstream and then reported as failed: the upstream's
//     answer is replaced by a 500, or the connection is dropped after the
//     upstream answered. This is the ambiguous failure that makes a holder
//     believe a write failed that took effect.
//
// And what real DynamoDB and real networks do that minidyn and a
// serialized moto never do:
//
//   - a TransactWriteItems cancelled by a conflict: 400
//     TransactionCanceledException, reason TransactionConflict on one item
//     and None on the others, nothing applied (Rates.Conflict);
//   - a single-item write to an item inside a running transaction: 400
//     TransactionConflictException (Rates.ItemConflict);
//   - the same two, from real overlap rather than a rate, with
//     WithOverlapConflicts: writes on one item applied at the same time;
//   - throttling on a hot item, one touched again within Rates.HotWindow:
//     400 ThrottlingException, or a cancellation with reason
//     ThrottlingError for a transaction (Rates.Throttle);
//   - a request held in the network for Rates.HoldFor while the others
//     proceed, then forwarded even if its client has given up: applied
//     late, after requests sent later (Rates.Hold);
//   - ClientRequestToken idempotency: within TokenWindow (10 minutes) of a
//     TransactWriteItems that was applied, a retry with its token returns
//     the first answer without applying again (even when the client was
//     told 500 or lost the connection), the token with other parameters
//     gives IdempotentParameterMismatchException, and a retry while the
//     first is still held gives TransactionInProgressException. A
//     transaction that was cancelled or refused, by the upstream or by an
//     injected fault, applied nothing and is not remembered: DynamoDB runs
//     a retry with its token as a new request (the docs promise the first
//     outcome for identical calls "with no side effects"; a cancelled call
//     had none, and a retry of it may succeed). WithoutTokens switches the
//     memory off, as the local servers behave.
//
// Whether request n (counted from 1 in arrival order) gets fault k depends
// only on the seed, n and k, as in the Bedrock emulator. Stats counts what
// was injected. Proxy is safe for concurrent use; SetRates switches rates
// while it serves.
package faultproxy
