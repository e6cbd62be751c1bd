// Package pipeline is the distributed run of the ingest-normalize Lambda:
// it reads an event's raw items from S3, shares them between every
// concurrent invocation of the same run, normalizes each with the model
// within the shared Bedrock budget and writes one record per item.
//
// A Run validates the event (nothing is written for an invalid one),
// lists the window's items (source.go), acquires the environment's lease
// and joins the run: the items cut into batches, each a claim of package
// claim under pk "run#<env>#<run key>", sk "batch#<nnnnn>" (batches.go).
// It claims batches while its worker pool has room (claimloop.go): a claim
// is one transaction that carries the lease's renewal and the done marks
// of the batches finished since the previous claim; a batch whose holder's
// lease is gone is taken over. The pool (workers.go) grows and shrinks
// with the budget; each item is processed once (process.go) and its record
// written with a fencing compare-and-set (sink.go), so that a stale holder
// never overwrites a newer result. When claiming is over the last done
// marks are flushed, and once every batch is done the day files are
// assembled (complete.go). The lease is released in a defer, also on
// error and panic. The Response (response.go) counts what happened.
//
// Every instant is read through the pipeline's clock (WithClock); what
// crosses to the wall clock, the invocation's deadline, is converted with
// clock.Wall. Nothing in the package reads the environment.
package pipeline
