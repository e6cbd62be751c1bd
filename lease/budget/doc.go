// Package budget admits Bedrock calls against a quota shared by every
// environment and invocation that draws on it, through one row of the
// coordination table (see package lease for the table).
//
// # Reserving
//
// A Budget reserves before each call and settles after it, in the shape
// of golang.org/x/time/rate's reservations:
//
//	r, err := b.Reserve(ctx, estimate)
//	if err != nil { … }
//	defer r.Cancel()     // Bedrock cannot have charged it: give it all back
//	…                    // call Bedrock
//	r.Settle(used)       // what Bedrock charged; Cancel after Settle does nothing
//
// and reports what Bedrock throttled anyway with Throttled. Flush hands
// what the process took and did not spend back to the row when an
// invocation ends. Cancel only a call Bedrock cannot have admitted (a
// throttle, a refusal, nothing sent); settle any other at what Bedrock
// charges, or at the reservation when that is unknown (package bedrock
// does). Reserve fails at once with a *DayExhaustedError when the day's
// quota is spent and with a *PausedError when an operator paused the
// environment; Admits says the same before an invocation starts.
//
// # The algorithm
//
// The row holds a generic cell rate algorithm per meter: the theoretical
// arrival time of the quota's tokens and requests (and of each capped
// environment's), so that an admission is a blind conditional addition to
// it, and admissions may be scheduled up to three bursts into the future so
// that contenders are served in write order instead of racing. Each write
// takes into a local pool a whole number of calls: one for each of this
// process's callers, at least three while the quota is saturated, about a
// quarter of the burst at most, and one when the write would wait more than
// a quarter of a burst for its turn (every process keeps a write in that
// queue, at the price of whole reservations). The pool is spent for a hold
// of half the burst. What settled calls hand back goes back to it and
// serves this process's next calls at once, as Bedrock's bucket has it back
// at settlement, or goes back to the row with the next write, for a burst
// and a half; later it lapses (Bedrock's bucket may have lost it since).
// And a caller whose write would wait behind the queue waits instead for a
// call in flight to settle when what those calls will hand back covers it.
//
// Bounds: counting tokens net of what settled calls hand back, as Bedrock's
// bucket does, any 60 s window admits at most TPM plus the burst (burst_ms
// of quota) plus what pools took during their hold (half the burst) before
// the window, plus a lag of a tenth of the burst: TPM + 1.6 × the burst,
// with the default 10 s burst 1.27 × TPM. Requests (only where an RPM is
// set; Bedrock has none since May 2026) lag by up to half the burst: RPM +
// 2 × the burst. The bound holds whatever the timing: a pool handed back is
// credited only for the part of its slot ahead of now or ended less than a
// burst ago (the rest lapses), what calls handed back lapses a burst and a
// half after their settlement, a changed quota or a throttle's cut rescales
// what is scheduled ahead and refuses writes planned at the old rate, and a
// credit carries a marker so that a write sent twice applies once.
// Priorities leave headroom: the highest priority present may fill the
// whole burst, the lowest half of it. A throttle reported by any invocation
// lowers the effective rate of that quota for all of them (× 0.7, at most
// once per 5 s), and it probes back up by 0.5 % of the quota a second.
//
// # The row
//
// Its owner is this package: Read and DecodeRow decode it into a Row, whose
// methods say where its meters stand; SetLimits and SetEnv change what
// operators set, each with one conditional write. Instants are µs since
// the Unix epoch.
//
//	pk = "budget#<region>/<model>", sk = "budget"   one per Bedrock quota
//	  tpm, rpm     N  the quota per minute (rpm 0: none); seeded, set by operators
//	  tpd, acct_tpd  N  tokens per day (0: tpm × 1440) and account-wide (0: none)
//	  burst_ms     N  burst tolerance: how much of the rate may be used at once
//	  env:<name>   M  {cap, priority, paused, reason} of each environment
//	  day, day_used  N  the UTC day (days since the epoch) and its tokens, net
//	  rf:<random>  N  marker of a credit write, removed by its writer's next
//	  tat, rtat    N  GCRA theoretical arrival times for tokens and requests
//	  tat:<env>, rtat:<env>  N  the same for an environment under a cap
//	  tfactor, rfactor, tfactor_at, rfactor_at  N  throttle feedback
//	  admitted, reserved, refunded, throttles, writes  N  running totals
//
// The package never reads the environment; its time comes from a
// clock.Clock (WithClock).
package budget
