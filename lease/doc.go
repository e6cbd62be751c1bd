// Package lease coordinates concurrent invocations through one DynamoDB
// table: leases that admit at most N holders per scope, with fencing, and a
// shared Bedrock budget that admits every call against one quota.
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
//	pk = "budget#<region>/<model>", sk = "budget"   one per Bedrock quota
//	  rpm, tpm     N  the quota (seeded from configuration, set by operators)
//	  burst_ms     N  burst tolerance: how much of the rate may be used at once
//	  env:<name>   M  {cap, priority} of each environment drawing on it
//	  tat, rtat    N  GCRA theoretical arrival times for tokens and requests
//	  tat:<env>, rtat:<env>  N  the same for an environment under a cap
//	  tfactor, rfactor, tfactor_at, rfactor_at  N  throttle feedback
//	  admitted, reserved, refunded, throttles, writes  N  running totals
//
// Other packages add their own items (normalize: runs and claims).
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
//
// # Budget
//
// A Budget is a generic cell rate algorithm per quota: the row stores the
// theoretical arrival time of each meter, an admission is a blind
// conditional addition to it, and admissions may be scheduled up to three
// bursts into the future so that contenders are served in write order
// instead of racing. Each write takes into a local pool one call for each
// of this process's callers, and at least three while the quota is
// saturated (up to 8, within the burst); the pool is spent for a hold of
// half the burst, and refunds from Settle go back to it. Any 60 s window
// admits at most TPM plus the burst (burst_ms of quota) plus what pools took
// during their hold (half the burst) before the window, plus a lag of a
// tenth of the burst: TPM + 1.6 × the burst, with the default 10 s burst
// 1.27 × TPM. Requests lag by up to half the burst (they rarely bind, and
// a tighter lag made their writes collide): RPM + 2 × the burst. Priorities
// leave headroom: the highest priority present may fill the whole burst,
// the lowest half of it.
package lease
