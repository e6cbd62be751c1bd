// Package emulator is a local Amazon Bedrock Runtime for Claude: an
// http.Handler that speaks the REST protocol of the aws-sdk-go-v2
// bedrockruntime client (point its BaseEndpoint at the server), so the
// pipeline, its tests and the throughput benchmark run without AWS.
//
// # Protocol
//
// POST /model/{modelId}/invoke takes an Anthropic Messages body
// (anthropic_version "bedrock-2023-05-31", max_tokens, non-empty messages,
// optional system and temperature) and answers the Anthropic message with
// the X-Amzn-Bedrock-Input-Token-Count, -Output-Token-Count and
// -Invocation-Latency headers. POST /model/{modelId}/converse answers the
// Converse shape (usage, metrics.latencyMs). POST /model/{modelId}/count-tokens
// takes {"input":{"invokeModel":{"body":…}}} or {"input":{"converse":{…}}}
// and returns {"inputTokens":N}, exactly what the call would be charged.
// Model ids arrive URL-escaped ("…-v1%3A0") and are matched as sent: each
// inference profile ("eu.", "us.", "global.") is a model of its own.
// Errors carry x-amzn-ErrorType "<Name>:http://internal.amazon.com/coral/com.amazon.bedrock/"
// and {"message":…}, so the SDK returns its typed errors
// (*types.ThrottlingException, *types.ValidationException,
// *types.ResourceNotFoundException, *types.ServiceUnavailableException,
// *types.InternalServerException).
//
// # Quotas
//
// Each model has a requests-per-minute and a tokens-per-minute bucket,
// holding BurstMinutes of quota and refilled continuously (or fixed
// windows). Admission charges one request and input + max_tokens (×
// burndown when ReserveBurndown); completion settles to input + output ×
// burndown, refunding the difference. A call that does not fit gets a 429
// ThrottlingException ("Too many requests, …" before "Too many tokens, …")
// and is not charged. Minutes are emulated minutes: with TimeScale S one
// lasts 60/S real seconds and latencies shrink by S.
//
// # Prompt caching
//
// For the models bedrock/model lists as caching, a checkpoint
// (cache_control {"type":"ephemeral"} on an InvokeModel block, a cachePoint
// block in Converse) caches the prompt prefix up to it, per model id (a
// Server is one account), keyed by that exact prefix, when the prefix has
// at least the model's minimum tokens. A call reads the longest live prefix
// (its lifetime, 5 minutes or the "1h" asked for, starts again) and writes
// the rest up to its last checkpoint when it completes. Usage reports
// cache_read_input_tokens / cache_creation_input_tokens (cacheReadInputTokens
// / cacheWriteInputTokens / cacheDetails in Converse) and the
// X-Amzn-Bedrock-Cache-Read/Write-Input-Token-Count headers; input tokens
// are the uncached rest. Admission reserves all input; settlement charges
// input + cache writes + output × burndown, releasing reads; cache reads
// add no latency. Reset empties the cache. See cache.go.
//
// # Answers, tokens and latency
//
// A prompt with "TITLE: …" and "CONTENT: …" lines gets a deterministic
// normalization JSON object of 55–190 output tokens (summary, event_type,
// event_confidence, entities found in the item by small dictionaries of
// the long-acting-injectable field, date, date_confidence); another prompt
// gets a short one. Tokens are counted by the rule documented in tokens.go
// (words of up to 6 letters are one token, 4 more letters one more, digits
// by 3, punctuation by 2, plus 4 per request and 3 per message), which
// lands the pipeline's prompts at 680–820 tokens. The latency is
// FirstToken + InputToken × input + output ÷ DecodeRate with a jitter fixed
// by the prompt; the defaults give the original system's median of about
// 2.8 s (1.9–5.7 s).
//
// # Faults and observability
//
// Faults (503, 500, prose answers, ```json fences, slow answers, and other
// applications using a share of the quota) fire at their rates,
// reproducibly for a Seed. GET /stats and Server.Stats report per-model
// counters; POST /reset and Server.Reset refill the buckets and clear them,
// and Server.Reconfigure (or a JSON body on /reset) changes the settings.
package emulator
