package budget_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/lease/budget"
)

// TestReserveGivesBackATurnItCannotWaitFor: a reservation admitted for a
// turn beyond its context's end fails with the context's error, and the
// quota it was admitted goes back to the row with the next Flush: the row
// is charged only for what was used.
func TestReserveGivesBackATurnItCannotWaitFor(t *testing.T) {
	table, clock := newTable(t), fastClock()
	b := newBudget(t, table, "dev", clock, budget.WithLimits(budget.Limits{RPM: 600, TPM: 60_000, Burst: 10_000}))
	ctx := context.Background()
	first, err := b.Reserve(ctx, 10_000) // the whole burst: fits at once
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, time.Duration(float64(2*time.Second)/clock.Scale))
	defer cancel()
	if _, err := b.Reserve(short, 10_000); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Reserve with a 2 s context for a 10 s turn = %v, want DeadlineExceeded", err)
	}
	first.Settle(10_000)
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	row := readRow(t, table)
	if net := row["reserved"] - row["refunded"]; net != 10_000 {
		t.Fatalf("row charged %d net tokens (reserved %d, refunded %d), want the 10000 used", net, row["reserved"], row["refunded"])
	}
}

// TestNilReservation: a nil reservation, what a budget that admits
// everything hands out, reserves nothing and ignores Settle and Cancel.
func TestNilReservation(t *testing.T) {
	var r *budget.Reservation
	r.Settle(10)
	r.Cancel()
	if r.Tokens() != 0 {
		t.Fatalf("a nil reservation holds %d tokens", r.Tokens())
	}
}

// TestCancelAfterSettle: only the first of Settle and Cancel counts.
func TestCancelAfterSettle(t *testing.T) {
	b := newBudget(t, newTable(t), "dev", fastClock())
	ctx := context.Background()
	r, err := b.Reserve(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	r.Settle(400)
	r.Cancel()
	r.Settle(1000)
	if st := b.Stats(); st.Reservations != 1 || st.Settled != 1 || st.Cancelled != 0 || st.Used != 400 {
		t.Fatalf("stats %+v; want one reservation settled at 400", st)
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

// TestCreditMovesAWaitingTurnForward: a turn scheduled behind a peer's
// reservation starts early once the peer settles below it and hands the
// rest back to the row, as Bedrock's bucket has it back at settlement.
func TestCreditMovesAWaitingTurnForward(t *testing.T) {
	table := newTable(t)
	clock := fastClock()
	clock.Scale = min(clock.Scale, 5) // the early start is measured against a 9 s turn
	limits := budget.WithLimits(budget.Limits{TPM: 60_000, Burst: 10_000})
	peer, b := newBudget(t, table, "dev", clock, limits), newBudget(t, table, "dev", clock, limits)
	ctx := context.Background()
	held, err := peer.Reserve(ctx, 10_000) // the whole burst
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	done := make(chan error, 1)
	go func() { _, err := b.Reserve(ctx, 9000); done <- err }() // its turn: 9 s ahead
	for b.Stats().Writes == 0 {
		time.Sleep(time.Millisecond)
	}
	held.Settle(1000)
	if err := peer.Flush(ctx); err != nil { // 9000 back to the row
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := clock.Now().Sub(start); d > 7*time.Second {
		t.Errorf("the turn came %v after the write, as scheduled: the peer's credit did not move it", d.Round(100*time.Millisecond))
	}
}
