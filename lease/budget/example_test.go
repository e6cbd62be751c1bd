package budget_test

import (
	"context"
	"fmt"
	"time"

	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
)

// Each call reserves its estimate, settles what it used, or cancels when
// it did not happen; the row is charged only for what was used.
func ExampleBudget_Reserve() {
	ctx := context.Background()
	table := fmt.Sprintf("example-budget-%d", time.Now().UnixNano())
	if err := lease.CreateTable(ctx, db, table); err != nil {
		fmt.Println(err)
		return
	}
	const quota = "eu-west-3/eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
	b, err := budget.New(db, table, quota, "dev", budget.WithLimits(budget.Limits{RPM: 50, TPM: 100_000}))
	if err != nil {
		fmt.Println(err)
		return
	}

	// A call that happened: it reserved 3000 tokens and used 1200.
	r, err := b.Reserve(ctx, 3000)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Cancel() // does nothing after Settle
	r.Settle(1200)

	// A call that did not happen (throttled, say): all of it comes back.
	r2, err := b.Reserve(ctx, 2000)
	if err != nil {
		fmt.Println(err)
		return
	}
	r2.Cancel()

	// The invocation ends: what it took and did not spend goes back.
	if err := b.Flush(ctx); err != nil {
		fmt.Println(err)
		return
	}
	row, _, err := budget.Read(ctx, db, table, quota)
	if err != nil {
		fmt.Println(err)
		return
	}
	st := b.Stats()
	fmt.Printf("reserved %d and %d tokens; %d settled, %d cancelled\n", r.Tokens(), r2.Tokens(), st.Settled, st.Cancelled)
	fmt.Printf("the row kept %d tokens of %g per minute\n", row.Net(), row.TPM)
	// Output:
	// reserved 3000 and 2000 tokens; 1 settled, 1 cancelled
	// the row kept 1200 tokens of 100000 per minute
}
