// Package lease coordinates concurrent invocations through one DynamoDB
// table: leases that admit at most N holders per scope, with fencing.
//
// # The coordination table
//
// One table per AWS account and region, shared by every environment there
// (Bedrock's quotas belong to the account and region). Key: string
// partition key "pk" and sort key "sk". The number attribute "gc_at" (epoch
// seconds) is the table's TTL attribute and serves garbage collection only:
// DynamoDB deletes expired items up to days late, so no decision ever rests
// on it; expiry is always a condition on an absolute timestamp.
//
// Items written by this package (instants are µs since the Unix epoch):
//
//	pk = "scope#<scope>", sk = "lease"        one per scope, never collected
//	  fence        N  last fencing number issued (only grows)
//	  max_holders  N  the limit the last acquirer applied (informational)
//	  holders      M  holder id → {fence, acquired, renewed, expires};
//	                  key "-" is a sentinel that keeps the map non-empty
//
// Other packages add their own items (lease/budget: one row per Bedrock
// quota; lease/claim: run batches and ingest claims).
//
// # Leases
//
// A Manager hands out leases; Acquire waits for a free slot, TryAcquire
// fails fast with a *HeldError. An acquisition is one conditional write
// that bumps the fence, adds the holder and removes holders whose expiry
// plus the skew margin has passed, each on condition that its entry is
// still the one read — no watching a record for a lease duration. A lease
// renews itself until Release and is never extended past the invocation's
// deadline plus a grace. It is trusted until its expiry minus the skew
// margin: at that instant, whatever the network does, or as soon as a
// renewal or a write under it is refused, Done closes and its Context is
// cancelled. Transact writes other items in one transaction that holds
// only while the lease is current and also renews it, so that the holder's
// own writes save it heartbeats (the next one comes a heartbeat after the
// last renewal).
//
// Every condition is one DynamoDB can check against the stored entry: a
// renewal never moves the expiry back and holds only for this
// acquisition's entry, a takeover removes an expired holder only if its
// expiry is the one read. A request that stalls in the network and lands
// late therefore either lands before the write that depends on the old
// state, which is then refused, or is refused itself. The lease's writes
// are retried by the package, not by the SDK: what DynamoDB did not apply
// with a fresh request, what it may have applied as the same request.
//
// Clock skew: a holder stops trusting its lease one skew margin before its
// expiry and a peer replaces it only one margin after, so a scope stays
// exclusive while any two holders' clocks differ by less than twice the
// margin (default 2 s); keep hosts within the margin. With a larger skew a
// slow-clocked holder may still act on a lease that a fast-clocked peer has
// already replaced; fencing (Transact, fence checks on outputs) is what keeps
// its writes out (internal/chaos shows both).
package lease
