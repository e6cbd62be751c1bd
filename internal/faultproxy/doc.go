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
// Whether request n (counted from 1 in arrival order) gets fault k depends
// only on the seed, n and k, as in the Bedrock emulator. Stats counts what
// was injected. Proxy is safe for concurrent use; SetRates switches rates
// while it serves.
package faultproxy
