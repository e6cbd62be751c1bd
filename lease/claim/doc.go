// Package claim shares the work of one partition of the coordination table
// between lease holders. Each item of the partition is a claim on one piece
// of work — a batch of a normalization run, a source of an ingestion
// window — that one holder at a time takes with its *lease.Lease, marks
// done when the work is finished or free when it must be done again, and
// that another holder takes over once the first one's lease is gone.
//
// # Items
//
// The partition key and the sort keys are the caller's; the attributes are
// this package's (names in the Attr constants; Decode reads them):
//
//	pk = <partition>, sk = <claim>
//	  state          S  claimed | done | free
//	  holder         S  holder id of the lease that last claimed it
//	  fence          N  that lease's fencing number
//	  scope          S  that lease's scope (only WithScope)
//	  claimed_at     N  ms since the Unix epoch
//	  done_at, free_at  N  ms, of the last mark of that state
//	  items          L  of S: what the claim covers (only with Items; kept from the first claim)
//	  n_items        N  how many items (Items at a claim, Mark.Items at a mark)
//	  ok, fallback, failed  N  outcome counts (only with Mark.Counts)
//	  gc_at          N  TTL attribute, epoch seconds: garbage collection only
//
// Users: package pipeline claims the batches of a run ("run#<env>#<run key>"
// / "batch#<nnnnn>"), package ingest the sources of a window
// ("ingest#<env>#<client>#<from>:<to>" / "source#<source_key>").
//
// # Writes
//
// Every write is conditional. A claim is one transaction under the lease
// (lease.Lease.Transact: the lease's condition, which also renews it, and
// saves it a heartbeat): the update of the claim on condition that it is
// missing or free (or done, with Force) — or, to take it over, that it is
// still held by the holder and fence that were seen, with that dead
// holder's entry removed in the same transaction (Over) — and the marks it
// carries. A mark is conditional on this lease's holder and fence.
// Conflicts (DynamoDB cancels a transaction another request touches at the
// same time), throttling and ambiguous outcomes are retried until the
// context ends: transactions with the same request token after an
// ambiguous outcome, so that they apply once.
//
// # Liveness
//
// One rule, the lease manager's (lease.Manager.Live, with its skew
// margin): a claim's holder is live while the scope record lists it with
// the claim's fence and its expiry plus the skew has not passed. A claim
// whose holder is not live may be taken over (Claim with that state as
// prev, and Over with the snapshot of holders that showed it dead).
//
// # Errors
//
// ErrConflict: another holder claimed or finished the claim first.
// lease.ErrNotHeld: this lease no longer holds its scope, or (from Mark)
// the claim. *MarkError: marks a claim carried, or that Flush wrote, were
// refused. Other errors are the DynamoDB client's, returned as they are
// for the caller to name the claim in its own terms.
package claim
