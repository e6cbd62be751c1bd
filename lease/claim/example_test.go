package claim_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/claim"
)

// ExampleSet_Claim claims the batches of a run against an in-process
// DynamoDB: each claim carries the done mark of the batch finished before
// it, and Flush marks the last one.
func ExampleSet_Claim() {
	ctx := context.Background()
	db, _, stop, err := localaws.Clients(ctx)
	if err != nil {
		panic(err)
	}
	defer stop()
	table := fmt.Sprintf("example-%d", time.Now().UnixNano())
	_ = lease.CreateTable(ctx, db, table)

	leases, _ := lease.NewManager(db, table)
	l, err := leases.Acquire(ctx, "ingest-normalize/dev", lease.As("worker"))
	if err != nil {
		panic(err)
	}
	defer l.Release(ctx)
	batches, _ := claim.NewSet(db, table, "run#dev#example", l, leases)

	_ = batches.Claim(ctx, "batch#00000", claim.State{}, claim.Items([]string{"2025-12-15/a", "2025-12-15/b"}))
	// … batch 0's two items are done: its mark rides on the next claim.
	done0 := claim.Mark{SK: "batch#00000", State: claim.Done, Items: 2, Counts: &claim.Counts{OK: 2}}
	err = batches.Claim(ctx, "batch#00001", claim.State{}, claim.Items([]string{"2025-12-15/c"}), claim.Carrying(done0))
	fmt.Println("claim batch 1:", err)
	// A claim that is already held is refused.
	err = batches.Claim(ctx, "batch#00001", claim.State{})
	fmt.Println("claim batch 1 again:", errors.Is(err, claim.ErrConflict))
	// … batch 1 is done too, and claiming is over.
	n, _ := batches.Flush(ctx, []claim.Mark{{SK: "batch#00001", State: claim.Done, Items: 1, Counts: &claim.Counts{Fallback: 1}}})
	fmt.Println("flushed:", n)

	states, _ := batches.List(ctx, "batch#")
	for _, st := range states {
		fmt.Printf("%s %s items=%d ok=%d fallback=%d\n", st.SK, st.State, st.Items, st.Counts.OK, st.Counts.Fallback)
	}
	// Output:
	// claim batch 1: <nil>
	// claim batch 1 again: true
	// flushed: 1
	// batch#00000 done items=2 ok=2 fallback=0
	// batch#00001 done items=1 ok=0 fallback=1
}
