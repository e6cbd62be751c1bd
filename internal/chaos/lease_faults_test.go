package chaos

import (
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
)

// leaseTiming is the contests' lease timing, on the scaled clock.
func leaseContest(max int) contest {
	return contest{max: max, contenders: pick(8, 16), rounds: pick(4, 12),
		ttl: 9 * time.Second, heartbeat: 3 * time.Second, skew: 3 * time.Second, hold: 5 * time.Second}
}

// TestLeaseUnderDynamoDBFaults: with 5 % of DynamoDB requests failing in
// every way the proxy knows, never more than N holders.
func TestLeaseUnderDynamoDBFaults(t *testing.T) {
	t.Parallel()
	clk := clock.Scaled{Epoch: time.Now(), Scale: scale()}
	st := newStack(t, faultproxy.Uniform(0.05), 20*time.Millisecond)
	c := leaseContest(2)
	o := c.run(t, st, clk)
	o.check(t, c)
	Report(t, map[string]any{"max_holders": c.max, "max_believers": o.MaxBelievers, "max_live_seen": o.MaxLive,
		"acquired": o.Acquired, "starved": o.Starved, "lost": o.Lost, "release_errors": o.ReleaseErrors, "leftover": o.Leftover,
		"faults": st.Proxy.Stats()})
}

// TestLeaseAppliedButReportedFailed: a third of the writes are applied and
// then reported as failed (500 or dropped connection): acquisition,
// renewal and release reconcile; every lease either works (its Guard
// passes) or reports its loss, and no slot is granted twice.
func TestLeaseAppliedButReportedFailed(t *testing.T) {
	t.Parallel()
	clk := clock.Scaled{Epoch: time.Now(), Scale: scale()}
	st := newStack(t, faultproxy.Rates{AppliedFailed: 0.15, AppliedDropped: 0.15, Internal: 0.03}, 20*time.Millisecond)
	c := leaseContest(1)
	c.contenders = pick(5, 10)
	o := c.run(t, st, clk)
	o.check(t, c)
	s := st.Proxy.Stats()
	if s.AppliedFailed+s.AppliedDropped < 10 {
		t.Errorf("too few applied-then-failed writes to mean anything: %+v", s)
	}
	Report(t, map[string]any{"max_holders": c.max, "max_believers": o.MaxBelievers, "max_live_seen": o.MaxLive,
		"acquired": o.Acquired, "lost": o.Lost, "confused": o.Confused, "release_errors": o.ReleaseErrors,
		"leftover": o.Leftover, "faults": s})
}

// TestLeaseClockSkewWithinMargin: contenders' clocks are off by up to
// ±2 s with a 3 s skew margin, under 5 % faults: the invariants hold.
func TestLeaseClockSkewWithinMargin(t *testing.T) {
	t.Parallel()
	clk := clock.Scaled{Epoch: time.Now(), Scale: scale()}
	st := newStack(t, faultproxy.Uniform(0.05), 20*time.Millisecond)
	c := leaseContest(2)
	c.offsets = []time.Duration{-2 * time.Second, 2 * time.Second, 0, -time.Second, 1500 * time.Millisecond}
	o := c.run(t, st, clk)
	o.check(t, c)
	Report(t, map[string]any{"skew_margin_s": c.skew.Seconds(), "offsets_s": "-2..+2", "max_holders": c.max,
		"max_believers": o.MaxBelievers, "max_live_seen": o.MaxLive, "lost": o.Lost})
}

// TestLeaseUnderRealDynamoDBFaults: what only real DynamoDB and networks
// do — transactions cancelled by conflicts, single-item conflicts,
// throttling, requests held 4 s and applied late, writes applied then
// failed, token idempotency — and still never more than N holders
// believe they hold the scope, and every believer's Guard passes.
func TestLeaseUnderRealDynamoDBFaults(t *testing.T) {
	t.Parallel()
	clk := clock.Scaled{Epoch: time.Now(), Scale: scale()}
	st := newStack(t, realFaults(clk), 20*time.Millisecond, faultproxy.WithOverlapConflicts())
	c := leaseContest(1)
	o := c.run(t, st, clk)
	o.check(t, c)
	s := st.Proxy.Stats()
	Report(t, map[string]any{"max_holders": c.max, "max_believers": o.MaxBelievers, "max_live_seen": o.MaxLive,
		"acquired": o.Acquired, "starved": o.Starved, "lost": o.Lost, "confused": o.Confused,
		"conflicts_injected": s.Conflicts + s.ItemConflicts, "stalls_injected": s.Held,
		"ambiguous_injected": s.AppliedFailed + s.AppliedDropped + s.HeldAbandoned, "faults": s})
}
