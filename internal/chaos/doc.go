// Package chaos holds the fault and hostile-input tests of issue 7, in
// _test.go files: DynamoDB faults through internal/faultproxy in front of
// an in-process minidyn, applied-but-reported-failed writes, clock skew,
// Bedrock faults from the emulator, and hostile inputs, all through the
// real lease, claim and pipeline APIs. Its one exported function, Report,
// records figures for scripts/chaos.sh; internal/e2e shares it.
//
// The short settings run in `go test ./...`; CHAOS_LONG=1 runs more
// contenders, items and rounds (scripts/chaos.sh). With CHAOS_REPORT set to
// a file, each test appends its invariant figures there as JSON lines.
package chaos
