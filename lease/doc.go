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
// quota; normalize: runs and claims).
//
// # Leases
//
// A Manager hands out leases; Acquire waits for a free slot, TryAcquire
// fails fast with a *HeldError. An acquisition is one conditional write
// that bumps the fence, adds the holder and removes holders whose expiry
// plus the skew margin has passed — no watching a record for a lease
// duration. A lease renews itself until Release and is never extended past
// the invocation's deadline plus a grace; when it cannot be trusted any
// more, Done closes and its Context is cancelled. Guard gives other writes
// a condition that holds only while the lease is current; Renewal is that
// condition as an update that also renews the lease, so that the holder's
// own writes save it heartbeats (the next one comes a heartbeat after the
// last renewal).
//
// Clock skew: a holder stops trusting its lease one skew margin before its
// expiry and a peer replaces it only one margin after, so a scope stays
// exclusive while any two holders' clocks differ by less than twice the
// margin (default 2 s); keep hosts within the margin. With a larger skew a
// slow-clocked holder may still act on a lease that a fast-clocked peer has
// already replaced; fencing (Guard, fence checks on outputs) is what keeps
// its writes out (internal/chaos shows both).
package lease
