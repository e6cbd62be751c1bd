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
