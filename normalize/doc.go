// Package normalize holds the pure, I/O-free logic of the ingest-normalize
// Lambda: the invocation event, the raw items read from S3, the prompt sent
// to the model, the parsing of its answer, the records written back and the
// S3 key layout.
//
// The pure part (event, items, prompt, answer, records, keys) performs no
// I/O, keeps no global mutable state and takes time as an argument; every
// function is safe for concurrent use.
//
// The Pipeline (pipeline.go, run.go, claims.go, workers.go, process.go,
// source.go, sink.go, complete.go) is the I/O part: it reads the items from
// S3, shares them between concurrent invocations through claims in the
// DynamoDB coordination table (batch items "run#<env>#<run key>" /
// "batch#<nnnnn>", each claim one transaction guarded by the invocation's
// lease), calls the model within the shared budget with a worker pool that
// follows the budget, and writes one record per item with a fencing
// compare-and-set. Nothing in the package reads the environment.
package normalize
