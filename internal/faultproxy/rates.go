package faultproxy

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Rates are fault probabilities per request, each in [0, 1]. The
// before-forwarding faults (Internal, Throughput, Reset) share one draw, so
// their sum must be at most 1; so must the sum of the applied-then-failed
// faults, which only hit writes that reached the upstream. Conflict,
// ItemConflict, Throttle and Hold are what real DynamoDB and real networks
// do and the local servers never do; Uniform leaves them at zero.
type Rates struct {
	Internal       float64       // 500 InternalServerError, not forwarded
	Throughput     float64       // 400 ProvisionedThroughputExceededException, not forwarded
	Reset          float64       // connection reset, not forwarded
	Spike          float64       // latency spike of SpikeLatency before forwarding
	SpikeLatency   time.Duration // default 200 ms
	AppliedFailed  float64       // write applied upstream, then answered 500
	AppliedDropped float64       // write applied upstream, then connection dropped

	// Conflict cancels a TransactWriteItems with TransactionCanceledException,
	// reason TransactionConflict on one item and None on the others; nothing
	// is forwarded.
	Conflict float64
	// ItemConflict answers a PutItem, UpdateItem or DeleteItem with
	// TransactionConflictException (the item is in a running transaction);
	// nothing is forwarded.
	ItemConflict float64
	// Throttle answers a request that touches a hot item (one that another
	// request touched less than HotWindow before, on the proxy's clock) with
	// ThrottlingException, or, for a TransactWriteItems, a cancellation with
	// reason ThrottlingError on that item; nothing is forwarded.
	Throttle  float64
	HotWindow time.Duration // default 1 s
	// Hold holds a request for HoldFor of wall time while the others
	// proceed, then forwards it even if the client has given up: it is
	// applied late, after requests sent later.
	Hold    float64
	HoldFor time.Duration // default 4 s
}

// Validate reports a rate outside [0, 1] or sums above 1.
func (r Rates) Validate() error {
	for name, v := range map[string]float64{"internal": r.Internal, "throughput": r.Throughput, "reset": r.Reset,
		"spike": r.Spike, "applied-failed": r.AppliedFailed, "applied-dropped": r.AppliedDropped,
		"conflict": r.Conflict, "item-conflict": r.ItemConflict, "throttle": r.Throttle, "hold": r.Hold} {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("faultproxy: %s rate %v is not within [0, 1]", name, v)
		}
	}
	switch {
	case r.Internal+r.Throughput+r.Reset > 1:
		return fmt.Errorf("faultproxy: internal+throughput+reset rates sum to %v, more than 1", r.Internal+r.Throughput+r.Reset)
	case r.AppliedFailed+r.AppliedDropped > 1:
		return fmt.Errorf("faultproxy: applied-failed+applied-dropped rates sum to %v, more than 1", r.AppliedFailed+r.AppliedDropped)
	case r.SpikeLatency < 0 || r.HoldFor < 0 || r.HotWindow < 0:
		return fmt.Errorf("faultproxy: negative duration (spike latency %v, hold %v, hot window %v)", r.SpikeLatency, r.HoldFor, r.HotWindow)
	}
	return nil
}

// Uniform returns rates that split total evenly over the fault kinds that
// every server can produce (not Conflict, ItemConflict, Throttle, Hold): a
// request meets some fault with probability about total.
func Uniform(total float64) Rates {
	return Rates{Internal: total / 6, Throughput: total / 6, Reset: total / 6, Spike: total / 6,
		AppliedFailed: total / 3, AppliedDropped: total / 3} // writes only: about half the traffic
}

func spikeLatency(r Rates) time.Duration { return orDefault(r.SpikeLatency, 200*time.Millisecond) }
func holdFor(r Rates) time.Duration      { return orDefault(r.HoldFor, 4*time.Second) }
func hotWindow(r Rates) time.Duration    { return orDefault(r.HotWindow, time.Second) }

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Stats counts requests and injected faults. Applied* count writes that
// took effect upstream although the client was told they failed. Held
// counts requests held and then forwarded, HeldAbandoned those whose client
// had given up by then (applied all the same). Token* count the answers
// that ClientRequestToken idempotency gave without forwarding.
type Stats struct {
	Requests        int64 `json:"requests"`
	Forwarded       int64 `json:"forwarded"`
	Internal        int64 `json:"internal"`
	Throughput      int64 `json:"throughput"`
	Reset           int64 `json:"reset"`
	Spikes          int64 `json:"spikes"`
	AppliedFailed   int64 `json:"applied_failed"`
	AppliedDropped  int64 `json:"applied_dropped"`
	Conflicts       int64 `json:"conflicts"`
	ItemConflicts   int64 `json:"item_conflicts"`
	Throttled       int64 `json:"throttled"`
	Held            int64 `json:"held"`
	HeldAbandoned   int64 `json:"held_abandoned"`
	TokenReplays    int64 `json:"token_replays"`
	TokenMismatches int64 `json:"token_mismatches"`
	TokenInProgress int64 `json:"token_in_progress"`
	Overlaps        int64 `json:"overlaps"` // of Conflicts and ItemConflicts, from writes applied at the same time (WithOverlapConflicts)
}

// Injected is the number of requests that met a failure (spikes, holds
// and token answers excluded).
func (s Stats) Injected() int64 {
	return s.Internal + s.Throughput + s.Reset + s.AppliedFailed + s.AppliedDropped +
		s.Conflicts + s.ItemConflicts + s.Throttled
}

// counters are the live Stats.
type counters struct {
	requests, forwarded, internal, throughput, reset, spikes, appFailed, appDropped atomic.Int64
	conflicts, itemConflicts, throttled, held, heldAbandoned                        atomic.Int64
	tokenReplays, tokenMismatches, tokenInProgress, overlaps                        atomic.Int64
}

func (c *counters) stats() Stats {
	return Stats{Requests: c.requests.Load(), Forwarded: c.forwarded.Load(), Internal: c.internal.Load(),
		Throughput: c.throughput.Load(), Reset: c.reset.Load(), Spikes: c.spikes.Load(),
		AppliedFailed: c.appFailed.Load(), AppliedDropped: c.appDropped.Load(),
		Conflicts: c.conflicts.Load(), ItemConflicts: c.itemConflicts.Load(), Throttled: c.throttled.Load(),
		Held: c.held.Load(), HeldAbandoned: c.heldAbandoned.Load(), TokenReplays: c.tokenReplays.Load(),
		TokenMismatches: c.tokenMismatches.Load(), TokenInProgress: c.tokenInProgress.Load(), Overlaps: c.overlaps.Load()}
}
