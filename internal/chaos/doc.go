// Package chaos holds the fault and hostile-input tests of issues 7 and 12,
// in _test.go files: DynamoDB faults through internal/faultproxy in front
// of an in-process minidyn — including what only real DynamoDB does:
// transactions cancelled by conflicts, requests held and applied late,
// ClientRequestToken idempotency — applied-but-reported-failed writes,
// clock skew, Bedrock faults from the emulator, and hostile inputs, all
// through the real lease, claim and pipeline APIs. Lease histories are
// checked for linearizability with internal/linearize (porcupine), and the
// check is shown to fail on a lease variant with a fence-only takeover.
// Its one exported function, Report, records figures for
// scripts/chaos.sh; internal/e2e shares it.
//
// The short settings run in `go test ./...`; CHAOS_LONG=1 runs more
// contenders, items, rounds and histories (scripts/chaos.sh). With
// CHAOS_REPORT set to a file, each test appends its invariant figures
// there as JSON lines.
package chaos
