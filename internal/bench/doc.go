// Package bench measures the coordinated Lambda against the original
// strategies on one Bedrock emulator quota and one item set, through the
// real code paths: pipeline.Pipeline over real SDK clients, the in-process
// DynamoDB and S3 servers of internal/localaws, and bedrock/emulator.
//
// Every strategy runs K invocations ("Lambdas") in one process, each with
// its own SDK clients, lease manager, budget and Bedrock client, as separate
// Lambda execution environments would. Times are reported on the emulated
// clock: wall time multiplied by the time scale.
//
// Run is what cmd/bench calls; Compute and the helpers of metrics.go are
// pure and unit-tested.
package bench
