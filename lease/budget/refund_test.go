package budget_test

import (
	"context"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/lease/budget"
)

// call is a normalization call's reservation with prompt caching: its
// input and max_tokens (it settles at about 800).
const call = 2135

// bedrockLimits is the benchmark's quota: a write near a quarter of the
// burst is 1.95 calls of this size.
var bedrockLimits = budget.WithLimits(budget.Limits{TPM: 100_000, Burst: 10_000})

// TestGrantTakesWholeCalls: a write takes a whole number of calls. A
// fraction of a call left in the pool sits charged, serves no one, and goes
// back to the end of the schedule (the quota ran at half its rate with 1.95
// calls a write). A write that would wait more than a quarter burst for its
// turn takes one call, so that the queue stays short.
func TestGrantTakesWholeCalls(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		queue int64 // tokens a peer schedules first
		want  int64 // tokens of the second write
	}{
		{"short queue", 0, 2 * call},
		{"long queue", 30_000, call},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table, clk := newTable(t), fastClock()
			if tc.queue > 0 {
				peer := newBudget(t, table, "dev", clk, bedrockLimits)
				if _, err := peer.Reserve(ctx, tc.queue/2); err != nil {
					t.Fatal(err)
				}
				turn, stop := context.WithCancel(ctx)
				defer stop()
				go func() { _, _ = peer.Reserve(turn, tc.queue/2) }()
				for readRow(t, table)["reserved"] < tc.queue { // the second is written, waiting for its turn
					time.Sleep(time.Millisecond)
				}
			}
			b := newBudget(t, table, "dev", clk, bedrockLimits)
			if _, err := b.Reserve(ctx, call); err != nil { // one caller: one call
				t.Fatal(err)
			}
			before := readRow(t, table)["reserved"]
			if _, err := b.Reserve(ctx, call); err != nil { // the quota is busy now
				t.Fatal(err)
			}
			if got := readRow(t, table)["reserved"] - before; got != tc.want {
				t.Errorf("the second write took %d tokens (%.2f calls), want %d", got, float64(got)/call, tc.want)
			}
		})
	}
}

// TestRefundServesAWaitingCaller: what a settled call did not use serves
// the next caller of the process at once, before the write that caller
// waited for has had its turn, as Bedrock's bucket has it back at
// settlement.
func TestRefundServesAWaitingCaller(t *testing.T) {
	clock := fastClock()
	b := newBudget(t, newTable(t), "dev", clock, budget.WithLimits(budget.Limits{TPM: 60_000, Burst: 10_000}))
	ctx := context.Background()
	first, err := b.Reserve(ctx, 10_000) // the whole burst: fits at once
	if err != nil {
		t.Fatal(err)
	}
	// The next write waits 10 s for its turn; a third caller waits for it.
	writes := b.Stats().Writes
	granted, served := make(chan error, 1), make(chan error, 1)
	go func() { _, err := b.Reserve(ctx, 10_000); granted <- err }()
	for b.Stats().Writes == writes {
		time.Sleep(time.Millisecond)
	}
	go func() { _, err := b.Reserve(ctx, 6000); served <- err }()
	settled := clock.Now()
	first.Settle(2000) // 8000 back
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if d := clock.Now().Sub(settled); d > 5*time.Second {
		t.Errorf("the caller was served %v after the refund, with the write's turn: want at once", d.Round(time.Second))
	}
	if err := <-granted; err != nil {
		t.Fatal(err)
	}
}

// TestCallerWaitsForARefundBeforeTheQueue: when a write would wait for its
// turn behind a queue and a call in flight will hand back enough, the next
// caller waits for that call to settle and is served by its refund,
// without a write: the refund comes before the turn, and the schedule is
// not charged a second whole reservation.
func TestCallerWaitsForARefundBeforeTheQueue(t *testing.T) {
	table, clk := newTable(t), fastClock()
	limits := budget.WithLimits(budget.Limits{TPM: 60_000, Burst: 10_000})
	b := newBudget(t, table, "dev", clk, limits, budget.WithBatch(1), budget.WithHold(time.Hour))
	peer := newBudget(t, table, "dev", clk, limits)
	ctx := context.Background()
	r, err := b.Reserve(ctx, 2000)
	if err != nil {
		t.Fatal(err)
	}
	r.Settle(500)                                      // settled calls hand back three quarters
	if _, err := peer.Reserve(ctx, 8000); err != nil { // the burst is spent
		t.Fatal(err)
	}
	inFlight, err := b.Reserve(ctx, 2000) // a write, behind the peer: b sees the queue
	if err != nil {
		t.Fatal(err)
	}
	writes := b.Stats().Writes
	served := make(chan error, 1)
	go func() { _, err := b.Reserve(ctx, 1000); served <- err }()
	select {
	case err := <-served:
		t.Fatalf("served before any refund (%v): want it to wait for the call in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	inFlight.Settle(500)
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if w := b.Stats().Writes - writes; w != 0 {
		t.Errorf("%d writes for a caller the refund covered, want none", w)
	}
}

// TestOldRefundsLapse: what a settled call handed back goes back to the
// row with the next write or Flush while it is young; more than a burst
// and a half after the settlement it lapses. Bedrock had it back at
// settlement, and its bucket, full meanwhile, may have lost it: credited
// that late, it would be scheduled again for tokens Bedrock no longer has.
func TestOldRefundsLapse(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		after   time.Duration
		wantNet int64
	}{
		{"young", 0, 2000},
		{"old", 16 * time.Second, 10_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table, clk := newTable(t), fastClock()
			b := newBudget(t, table, "dev", clk, budget.WithLimits(budget.Limits{TPM: 60_000, Burst: 10_000}), budget.WithBatch(1))
			r, err := b.Reserve(ctx, 10_000)
			if err != nil {
				t.Fatal(err)
			}
			r.Settle(2000) // 8000 back to the pool
			<-clk.After(tc.after)
			if err := b.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			row := readRow(t, table)
			if net := row["reserved"] - row["refunded"]; net != tc.wantNet {
				t.Errorf("row charged %d net tokens, want %d", net, tc.wantNet)
			}
		})
	}
}
